# Runs an invalid scenario: it must exit 2 and print the expected "file:line: message".
execute_process(COMMAND ${SMTPLAB} run ${SCENARIO} --color never
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "expected exit code 2, got ${rc}\n${out}${err}")
endif()
string(FIND "${err}" "${EXPECTED}" found)
if(found EQUAL -1)
  message(FATAL_ERROR "stderr does not contain '${EXPECTED}':\n${err}")
endif()
message(STATUS "rejected as expected: ${err}")
