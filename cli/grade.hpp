// cli/grade.hpp — the autograder behind `smtplab grade` and `smtplab run --student`:
// build a student's exercise with the system compiler, run its Catch2 tests one
// process per test case under a time limit, score them, and report.
//
// Standards: none of the mail RFCs; the formats it writes are Gradescope's
//            results.json ("tests" with name, score, max_score, output; a total
//            "score") and JUnit XML (testsuites/testsuite/testcase/failure), and it
//            reads Catch2 v2's XML reporter (`-r xml`).
//
// API:
//   Toolchain tc = find_toolchain(overrides, error)  where the sources, the built
//                                            reference libraries and the compiler are
//   ExerciseSpec spec = load_exercise(dir, error)    exercises/NN-name/exercise.toml
//   GradeResult r = grade_exercise(tc, spec, options)
//   print_table(r, out); gradescope_json(r); junit_xml(r)
//   StudentPlugins p = load_student_plugins(tc, dir, work_dir)   for run --student
//
// Rules: every child (compiler, test program) runs in its own process group with a
// wall-clock limit, a CPU limit and a file-size limit, and is killed with its group
// when the limit passes; nothing a student writes can keep the grader from finishing.
// Compiled objects are cached by a hash of their inputs, so the tests of an exercise
// compile once per build and only the student's file is recompiled.
//
// Not implemented: Windows and macOS (fork/exec, /proc/self/exe, ELF shared libraries);
// partial credit inside a test case.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "scenario/seams.hpp"

namespace smtplab::cli::grade {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// Processes with limits (grade_process.cpp)

struct ProcessLimits {
  double wall_s = 10;                            // killed after this long
  std::uint64_t output_max_bytes = 16u << 20;    // RLIMIT_FSIZE for files it writes
};

struct ProcessResult {
  bool started = false;
  bool timed_out = false;
  int exit_code = -1;   // when it exited
  int signal = 0;       // when a signal ended it (SIGKILL after a timeout)
  double seconds = 0;
  std::string output;   // stdout and stderr, cut at output_keep_bytes
};

// Runs argv[0] (found on PATH when it has no '/') with stdout+stderr to `log_file`,
// which is read back into `output` (at most `output_keep_bytes`).
ProcessResult run_process(const std::vector<std::string>& argv, const fs::path& log_file,
                          const ProcessLimits& limits, std::size_t output_keep_bytes = 64 * 1024);
std::string describe_signal(int signal);  // "SIGSEGV (segmentation fault)"

// ---------------------------------------------------------------------------------------
// The toolchain (grade_build.cpp)

struct ToolchainOverrides {
  std::string source_dir;  // --source-dir, else $SMTPLAB_SOURCE_DIR
  std::string build_dir;   // --build-dir, else $SMTPLAB_BUILD_DIR
};

struct Toolchain {
  fs::path source_dir;       // the smtplab checkout: reference/, exercises/
  fs::path build_dir;        // where libsmtplab_*.a were built (build_dir/reference)
  std::string cxx = "c++";   // the compiler CMake used
  bool sanitize = false;     // the build used -fsanitize=address,undefined
  fs::path conformance_dir;  // SMTPLAB_CONFORMANCE_DIR of the build
  std::vector<std::string> mbedtls_libraries;  // full paths, when the build found them
  std::string warning;       // set when the libraries look older than reference/
};

// How the grader finds itself (documented in docs/instructor-guide.md): the options or
// environment first; else the build tree that holds this executable (…/cli/smtplab ->
// …/CMakeCache.txt, whose CMAKE_HOME_DIRECTORY is the source tree); else the source
// tree this file was compiled from (__FILE__).
std::optional<Toolchain> find_toolchain(const ToolchainOverrides& overrides, std::string& error);

struct BuildStep {
  bool ok = false;
  bool cached = false;
  fs::path output;
  std::string log;  // the compiler's messages (errors and warnings)
};

// Compiles `source` to an object in `cache_dir` (reused when the inputs are unchanged).
BuildStep compile_object(const Toolchain& tc, const fs::path& source, const std::vector<fs::path>& include_dirs,
                         const std::vector<std::string>& defines, bool position_independent,
                         const fs::path& cache_dir, double time_limit_s);
// Links objects with the named reference libraries ("smtp", "core", ...).
BuildStep link_program(const Toolchain& tc, const std::vector<fs::path>& objects,
                       const std::vector<std::string>& libraries, const fs::path& output, double time_limit_s);
BuildStep link_shared_library(const Toolchain& tc, const std::vector<fs::path>& objects,
                              const std::vector<std::string>& libraries, const fs::path& output,
                              double time_limit_s);

// ---------------------------------------------------------------------------------------
// Exercises and grading (grade_exercise.cpp)

struct ExerciseSpec {
  fs::path dir;                             // exercises/01-reply-parser
  std::string name;                         // "01-reply-parser"
  std::string title;
  std::vector<std::string> student_files;   // relative to the student's folder
  std::string plugin;                       // glue for run --student ("" when none)
  std::vector<std::string> libraries;       // reference libraries
  double time_limit_s = 10;                 // per test case
};
std::optional<ExerciseSpec> load_exercise(const fs::path& dir, std::string& error);

struct GradeOptions {
  fs::path student_dir;                  // where the student's files are (default: dir)
  std::vector<fs::path> extra_test_dirs; // instructors' hidden tests (*.cpp)
  fs::path work_dir;                     // cache and scratch
  std::optional<double> time_limit_s;    // overrides the exercise's
};

struct Failure {
  std::string where;     // "reply_parser_test.cpp:42"
  std::string what;      // "CHECK( p.reply.code == 250 )"
  std::string expanded;  // "0 == 250": the actual and the expected values
  std::string message;   // exception text, INFO messages, FAIL text
};

struct TestResult {
  std::string name;
  std::string tags;
  int max_points = 0;
  int points = 0;
  bool passed = false;
  bool hidden = false;   // tagged [hidden]: shown on Gradescope after publishing
  double seconds = 0;
  std::string status;    // "passed", "failed", "crashed", "timed out", "not built"
  std::vector<Failure> failures;
  std::string output;    // what the student's code printed, and notes
};

struct GradeResult {
  ExerciseSpec spec;
  fs::path student_dir;
  bool built = false;
  std::string build_log;        // compiler messages when the build failed
  std::vector<TestResult> tests;
  double seconds = 0;
  int points() const;
  int max_points() const;
};

// Never throws for anything the student wrote: a file that does not compile, crashes
// or loops forever gives zero points for the tests it affects, with the reason.
GradeResult grade_exercise(const Toolchain& tc, const ExerciseSpec& spec, const GradeOptions& options);

// ---------------------------------------------------------------------------------------
// Reports (grade_report.cpp)

void print_table(const GradeResult& result, std::ostream& out, bool colour);
std::string gradescope_json(const GradeResult& result);
std::string junit_xml(const GradeResult& result);

// ---------------------------------------------------------------------------------------
// A student's functions inside the running engines (grade_plugin.cpp)

struct StudentPlugins {
  bool ok = false;
  std::string error;                 // what went wrong, for the user
  scenario::EngineSeams seams;       // the reference, with the student's functions in
  std::vector<std::string> loaded;   // "01-reply-parser: parse_reply_lines (…/reply_parser.cpp)"
};

// For every exercise under tc.source_dir/exercises whose student file is in
// `student_dir`, builds a shared library (student file + the exercise's plugin.cpp)
// and loads it. The libraries stay loaded for the life of the process.
StudentPlugins load_student_plugins(const Toolchain& tc, const fs::path& student_dir, const fs::path& work_dir);

// The default work folder: <build>/grade-work.
fs::path default_work_dir(const Toolchain& tc);

}  // namespace smtplab::cli::grade
