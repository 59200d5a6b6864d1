# visualizer/tools/screenshot_test.cmake — the screenshot CTest (run with cmake -P).
# Renders two steps of a trace under Xvfb, checks they are not blank and differ, and
# checks that a broken trace gives a message on stderr and a clean exit code 1.
# Variables: XVFB_RUN, VISUALIZER, CHECKER, TRACE, OUT_DIR.
file(MAKE_DIRECTORY "${OUT_DIR}")
set(xvfb ${XVFB_RUN} -a -s "-screen 0 1920x1080x24")
foreach(step 5 33)
  execute_process(COMMAND ${xvfb} "${VISUALIZER}" "${TRACE}" --screenshot "${OUT_DIR}/step${step}.png"
                          --at ${step} --size 1600x900
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "screenshot of step ${step} failed (${rc}): ${err}")
  endif()
endforeach()
execute_process(COMMAND "${CHECKER}" 1600x900 "${OUT_DIR}/step5.png" "${OUT_DIR}/step33.png"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "screenshot check failed: ${err}")
endif()

# A trace of an unsupported version: exit code 1 (not a crash), and the reason on stderr.
get_filename_component(data_dir "${TRACE}" DIRECTORY)
execute_process(COMMAND ${xvfb} "${VISUALIZER}" "${data_dir}/bad_version.json"
                        --screenshot "${OUT_DIR}/bad_version.png" --size 1600x900
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "unsupported trace version 2")
  message(FATAL_ERROR "a bad trace should exit 1 with a message; got ${rc}: ${err}")
endif()
execute_process(COMMAND "${CHECKER}" 1600x900 "${OUT_DIR}/bad_version.png" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the error window for a bad trace looks blank")
endif()
