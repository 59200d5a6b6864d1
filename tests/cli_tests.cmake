# Tests of the `smtplab` command itself: every lesson is a test, runs are reproducible,
# and bad scenarios are reported with file:line and exit code 2.
if(NOT TARGET smtplab)
  return()
endif()

file(GLOB lesson_dirs LIST_DIRECTORIES true "${PROJECT_SOURCE_DIR}/lessons/*")
foreach(dir IN LISTS lesson_dirs)
  if(EXISTS "${dir}/scenario.toml")
    get_filename_component(lesson "${dir}" NAME)
    # The lesson's own expectations must hold (exit 0).
    add_test(NAME "lesson: ${lesson} expectations hold"
             COMMAND smtplab run "${dir}" --color never --quiet)
    # Same scenario + seed => the same trace, byte for byte (DESIGN principle 2).
    add_test(NAME "lesson: ${lesson} is deterministic"
             COMMAND ${CMAKE_COMMAND}
                     -DSMTPLAB=$<TARGET_FILE:smtplab> -DSCENARIO=${dir}
                     -DOUT=${CMAKE_CURRENT_BINARY_DIR}/determinism-${lesson}
                     -P ${CMAKE_CURRENT_SOURCE_DIR}/run_twice.cmake)
  endif()
endforeach()

# Invalid scenarios: exit code 2 and a message naming the file and the line.
file(GLOB bad_scenarios "${CMAKE_CURRENT_SOURCE_DIR}/scenario/data/invalid-*.toml")
foreach(bad IN LISTS bad_scenarios)
  get_filename_component(name "${bad}" NAME_WE)
  file(STRINGS "${bad}" expected_line REGEX "^# expect: ")
  string(REPLACE "# expect: " "" expected "${expected_line}")
  add_test(NAME "cli: ${name} is rejected with file:line"
           COMMAND ${CMAKE_COMMAND} -DSMTPLAB=$<TARGET_FILE:smtplab> -DSCENARIO=${bad}
                   "-DEXPECTED=${expected}" -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_invalid.cmake)
endforeach()

# A scenario whose expectation fails exits 1 and says which.
add_test(NAME "cli: a failing expectation exits 1"
         COMMAND smtplab run "${CMAKE_CURRENT_SOURCE_DIR}/scenario/data/failing-expectation.toml"
                 --color never --quiet)
set_tests_properties("cli: a failing expectation exits 1" PROPERTIES WILL_FAIL TRUE)

# STYLE §13: docs/rfc-index.md is the map of RFC citations in reference/; it must match.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME "docs: rfc-index.md matches the RFC citations in the code"
           COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/rfc_index.py --check)
endif()

# Issue 6: `smtplab serve` killed with SIGKILL while a client sends 1,000 messages;
# after a restart every message that got 250 is in the Maildir (RFC 5321 §6.1).
add_test(NAME "net: no acknowledged message lost when serve is killed with SIGKILL"
         COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/net/sigkill_test.py --smtplab $<TARGET_FILE:smtplab>)
set_tests_properties("net: no acknowledged message lost when serve is killed with SIGKILL" PROPERTIES TIMEOUT 120)

# `smtplab send` against a real Postfix smtpd (Debian package postfix) on loopback, in a
# private throw-away instance (tests/net/postfix_instance.py). Exit 77 = skipped, with the
# reason printed (postfix not installed, not root).
if(Python3_Interpreter_FOUND)
  add_test(NAME "net: smtplab send delivers to a private Postfix smtpd"
           COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/net/postfix_send_test.py
                   --smtplab $<TARGET_FILE:smtplab>)
  set_tests_properties("net: smtplab send delivers to a private Postfix smtpd"
                       PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77 LABELS real-clients)
endif()

# POP3 and IMAP of `smtplab serve` against real clients (poplib, imaplib, curl) and a
# real Maildir reader (neomutt, python3 mailbox): tests/net/retrieve_test.py.
if(Python3_Interpreter_FOUND)
  add_test(NAME "net: POP3 and IMAP clients against smtplab serve"
           COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/net/retrieve_test.py
                   --smtplab $<TARGET_FILE:smtplab>)
  set_tests_properties("net: POP3 and IMAP clients against smtplab serve" PROPERTIES TIMEOUT 300)
endif()
