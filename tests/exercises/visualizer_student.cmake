# tests/exercises/visualizer_student.cmake — `smtplab-visualizer LESSON --student DIR`
# (issue 7) loads a student's code the way `smtplab run --student` does: run under Xvfb
# in screenshot mode with --print-summary, once with the model solution of exercise 5
# (every expectation holds) and once with a deliberately wrong one (the lesson's
# expectations fail). The two summaries must differ, and each screenshot must be drawn.
# Variables: XVFB_RUN, VISUALIZER, CHECKER, LESSON, SOLUTION, WRONG, OUT_DIR.
file(MAKE_DIRECTORY "${OUT_DIR}")
set(xvfb ${XVFB_RUN} -a -s "-screen 0 1920x1080x24")

foreach(run solution wrong)
  if(run STREQUAL "solution")
    set(student "${SOLUTION}")
  else()
    set(student "${WRONG}")
  endif()
  execute_process(COMMAND ${xvfb} "${VISUALIZER}" "${LESSON}" --student "${student}" --print-summary
                          --screenshot "${OUT_DIR}/${run}.png" --at 3 --size 1280x720
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "${run} (exit ${rc}):\n${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the visualizer with --student ${student} failed (${rc}): ${err}")
  endif()
  if(NOT out MATCHES "Using your 05-client-transaction: transaction_step")
    message(FATAL_ERROR "the visualizer did not load the student's transaction_step: ${out}${err}")
  endif()
  set(summary_${run} "${out}")
  execute_process(COMMAND "${CHECKER}" 1280x720 "${OUT_DIR}/${run}.png" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the screenshot with --student ${student} looks blank")
  endif()
endforeach()

if(NOT summary_solution MATCHES "All expectations hold")
  message(FATAL_ERROR "with the model solution the lesson should meet its expectations")
endif()
if(NOT summary_wrong MATCHES "Some expectations FAILED")
  message(FATAL_ERROR "with the wrong solution the lesson should fail its expectations")
endif()
if(summary_solution STREQUAL summary_wrong)
  message(FATAL_ERROR "the student's code made no difference")
endif()
