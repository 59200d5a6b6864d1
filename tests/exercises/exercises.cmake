# tests/exercises/exercises.cmake — the grader grades every exercise: the model
# solution scores full marks, the untouched student stub scores zero (so every test
# can fail), and a deliberately half-right answer scores in between. Broken student
# files (does not compile, crashes, loops forever) score zero with a clear message,
# and the grader finishes. Included from tests/CMakeLists.txt.
if(NOT TARGET smtplab)
  return()
endif()

find_program(SMTPLAB_PYTHON NAMES python3)
set(check "${CMAKE_CURRENT_LIST_DIR}/check_grade.cmake")
set(out_root "${CMAKE_CURRENT_BINARY_DIR}/exercises")

function(smtplab_grade_test name exercise student expect)
  cmake_parse_arguments(G "" "TIME_LIMIT;EXPECT_TEXT" "" ${ARGN})
  add_test(NAME "exercise: ${name}"
           COMMAND ${CMAKE_COMMAND} -DSMTPLAB=$<TARGET_FILE:smtplab> "-DEXERCISE=${exercise}"
                   "-DSTUDENT=${student}" -DEXPECT=${expect} "-DOUT=${out_root}/${name}"
                   "-DTIME_LIMIT=${G_TIME_LIMIT}" "-DEXPECT_TEXT=${G_EXPECT_TEXT}" "-DPYTHON=${SMTPLAB_PYTHON}"
                   -P "${check}")
  # A compile of each file costs seconds on a shared 2-core machine; the grader caches
  # objects in <build>/grade-work, so only the first run of a configuration pays.
  set_tests_properties("exercise: ${name}" PROPERTIES TIMEOUT 900 LABELS exercises)
endfunction()

file(GLOB exercise_dirs LIST_DIRECTORIES true "${PROJECT_SOURCE_DIR}/exercises/[0-9]*")
foreach(dir IN LISTS exercise_dirs)
  if(NOT EXISTS "${dir}/exercise.toml")
    continue()
  endif()
  get_filename_component(exercise "${dir}" NAME)
  smtplab_grade_test("${exercise} solution scores full marks" "${dir}" "${dir}/solution" full)
  smtplab_grade_test("${exercise} untouched stub scores zero" "${dir}" "" zero)
  set(half "${CMAKE_CURRENT_LIST_DIR}/half-right/${exercise}")
  if(EXISTS "${half}")
    smtplab_grade_test("${exercise} half-right answer scores in between" "${dir}" "${half}" between)
  endif()
endforeach()

set(ex1 "${PROJECT_SOURCE_DIR}/exercises/01-reply-parser")
set(broken "${CMAKE_CURRENT_LIST_DIR}/broken")
smtplab_grade_test("a file that does not compile scores zero" "${ex1}" "${broken}/does-not-compile" zero
                   EXPECT_TEXT "BUILD FAILED.*does not compile")
smtplab_grade_test("a file that crashes scores zero" "${ex1}" "${broken}/crashes" zero
                   EXPECT_TEXT "crashed.*SIGSEGV")
smtplab_grade_test("a file that loops forever scores zero within the time limit" "${ex1}" "${broken}/loops-forever"
                   zero TIME_LIMIT 1 EXPECT_TEXT "timed out")

# Run it with my code: a lesson with the model solutions plugged into the seams still
# meets its expectations; with exercise 1's stub (every reply refused) it must not.
set(lesson "${PROJECT_SOURCE_DIR}/lessons/02-mua-mta-mda")
if(EXISTS "${lesson}/scenario.toml")
  foreach(dir IN LISTS exercise_dirs)
    get_filename_component(exercise "${dir}" NAME)
    if(EXISTS "${dir}/solution")
      add_test(NAME "exercise: lesson 02 runs with the ${exercise} solution plugged in"
               COMMAND smtplab run "${lesson}" --student "${dir}/solution" --color never --quiet)
      set_tests_properties("exercise: lesson 02 runs with the ${exercise} solution plugged in"
                           PROPERTIES TIMEOUT 600 LABELS exercises)
    endif()
  endforeach()
  add_test(NAME "exercise: lesson 02 fails with the 01-reply-parser stub plugged in"
           COMMAND smtplab run "${lesson}" --student "${ex1}" --color never --quiet)
  # The run must happen (the plugin loads) and its expectations must fail.
  set_tests_properties("exercise: lesson 02 fails with the 01-reply-parser stub plugged in"
                       PROPERTIES PASS_REGULAR_EXPRESSION "Using your 01-reply-parser.*Some expectations FAILED"
                                  TIMEOUT 600 LABELS exercises)
  # Exercise 5: a client that sends RCPT into a pipelined group and DATA without an
  # accepted recipient loses the lesson's mail (the session refuses the impossible step).
  set(ex5_half "${CMAKE_CURRENT_LIST_DIR}/half-right/05-client-transaction")
  if(EXISTS "${ex5_half}")
    add_test(NAME "exercise: lesson 02 fails with a half-right 05-client-transaction plugged in"
             COMMAND smtplab run "${lesson}" --student "${ex5_half}" --color never --quiet)
    set_tests_properties("exercise: lesson 02 fails with a half-right 05-client-transaction plugged in"
                         PROPERTIES PASS_REGULAR_EXPRESSION "Using your 05-client-transaction.*Some expectations FAILED"
                                    TIMEOUT 600 LABELS exercises)
  endif()
endif()
