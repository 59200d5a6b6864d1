# tests/exercises/check_grade.cmake — runs `smtplab grade` once and checks its verdict
# and its reports (cmake -P, called by exercises.cmake).
#
# Inputs: SMTPLAB (the program), EXERCISE (folder), STUDENT (folder, may be empty),
# EXPECT = full | zero | between, OUT (a scratch folder), optional TIME_LIMIT, optional
# EXPECT_TEXT (a regular expression the printed table must match), optional PYTHON (to
# check that the JUnit XML parses with a real XML parser).
#
# Checks: the exit code (0 only for full marks); results.json in Gradescope's format
# (a numeric "score", "tests" each with name, score, max_score, output, and the score
# equal to the sum of the tests'); the JUnit XML well-formed with one testcase per test.
file(MAKE_DIRECTORY "${OUT}")
set(json "${OUT}/results.json")
set(junit "${OUT}/junit.xml")
file(REMOVE "${json}" "${junit}")
set(args grade "${EXERCISE}" --gradescope "${json}" --junit "${junit}" --color never)
if(STUDENT)
  list(APPEND args --student "${STUDENT}")
endif()
if(TIME_LIMIT)
  list(APPEND args --time-limit "${TIME_LIMIT}")
endif()
execute_process(COMMAND "${SMTPLAB}" ${args} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 900)
message("${out}${err}")

if(EXPECT STREQUAL "full")
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "expected full marks (exit 0), got exit code ${code}")
  endif()
elseif(NOT code EQUAL 1)
  message(FATAL_ERROR "expected a graded result with points missing (exit 1), got exit code ${code}")
endif()
if(EXPECT_TEXT AND NOT out MATCHES "${EXPECT_TEXT}")
  message(FATAL_ERROR "the table does not say what it should (${EXPECT_TEXT})")
endif()

# Gradescope results.json.
if(NOT EXISTS "${json}")
  message(FATAL_ERROR "no results.json written")
endif()
file(READ "${json}" doc)
string(JSON score GET "${doc}" score)
string(JSON count LENGTH "${doc}" tests)
if(count EQUAL 0)
  message(FATAL_ERROR "results.json lists no tests")
endif()
set(sum 0)
set(max 0)
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  foreach(key name score max_score output)
    string(JSON value ERROR_VARIABLE missing GET "${doc}" tests ${i} ${key})
    if(missing)
      message(FATAL_ERROR "results.json: test ${i} has no ${key}")
    endif()
  endforeach()
  string(JSON s GET "${doc}" tests ${i} score)
  string(JSON m GET "${doc}" tests ${i} max_score)
  math(EXPR sum "${sum} + ${s}")
  math(EXPR max "${max} + ${m}")
endforeach()
if(NOT score EQUAL sum)
  message(FATAL_ERROR "results.json: score ${score} is not the sum of the tests' scores (${sum})")
endif()
if(EXPECT STREQUAL "full" AND NOT score EQUAL max)
  message(FATAL_ERROR "expected full marks ${max}, got ${score}")
elseif(EXPECT STREQUAL "zero" AND NOT score EQUAL 0)
  message(FATAL_ERROR "expected zero, got ${score}/${max}")
elseif(EXPECT STREQUAL "between" AND (score EQUAL 0 OR score EQUAL max))
  message(FATAL_ERROR "expected a score strictly between 0 and ${max}, got ${score}")
endif()

# JUnit XML.
if(NOT EXISTS "${junit}")
  message(FATAL_ERROR "no JUnit XML written")
endif()
file(READ "${junit}" xml)
string(REGEX MATCHALL "<testcase " cases "${xml}")
list(LENGTH cases case_count)
if(NOT case_count EQUAL count)
  message(FATAL_ERROR "JUnit XML has ${case_count} testcases, results.json ${count}")
endif()
if(PYTHON)
  execute_process(COMMAND "${PYTHON}" -c "import sys, xml.etree.ElementTree as E; assert E.parse(sys.argv[1]).getroot().tag == 'testsuites'" "${junit}"
                  RESULT_VARIABLE parsed OUTPUT_QUIET ERROR_VARIABLE why)
  if(NOT parsed EQUAL 0)
    message(FATAL_ERROR "the JUnit XML does not parse: ${why}")
  endif()
endif()
message("score ${score}/${max}: as expected (${EXPECT})")
