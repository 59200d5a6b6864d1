// cli/grade_command.cpp — `smtplab grade exercises/NN-name [--student DIR]
// [--gradescope FILE] [--junit FILE]`: build the exercise with the student's file, run
// its tests one by one under a time limit, print the table, write the reports.
//
// Standards: Gradescope results.json and JUnit XML (cli/grade_report.cpp).
//
// API: add_grade_command(app, action) (commands.hpp). Exit codes: 0 full marks, 1
// graded with points missing (so a CI job or GitHub Classroom shows red), 2 invalid
// input (no such exercise, no toolchain), as for every subcommand.
//
// Not implemented: grading several exercises in one call (run it once per exercise).
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "grade.hpp"

namespace smtplab::cli {

namespace {

struct GradeCommandOptions {
  std::string exercise;
  std::string student;
  std::string gradescope_path;
  std::string junit_path;
  std::vector<std::string> extra_tests;
  std::string work;
  std::string source_dir;
  std::string build_dir;
  double time_limit_s = 0;
  std::string color = "auto";
  bool quiet = false;
};

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

int grade_command(const GradeCommandOptions& options) {
  namespace g = grade;
  std::string error;
  const auto toolchain = g::find_toolchain({options.source_dir, options.build_dir}, error);
  if (!toolchain) {
    std::cerr << "smtplab grade: " << error << "\n";
    return 2;
  }
  if (!toolchain->warning.empty()) std::cerr << "smtplab grade: warning: " << toolchain->warning << "\n";
  // "exercises/01-reply-parser" from anywhere: as given, else under the source tree.
  g::fs::path dir = options.exercise;
  std::error_code ec;
  if (!g::fs::exists(dir / "exercise.toml", ec) && g::fs::exists(toolchain->source_dir / dir / "exercise.toml", ec))
    dir = toolchain->source_dir / dir;
  if (!g::fs::exists(dir / "exercise.toml", ec) &&
      g::fs::exists(toolchain->source_dir / "exercises" / dir / "exercise.toml", ec))
    dir = toolchain->source_dir / "exercises" / dir;
  const auto spec = g::load_exercise(dir, error);
  if (!spec) {
    std::cerr << "smtplab grade: " << error << "\n";
    return 2;
  }
  g::GradeOptions grade_options;
  if (!options.student.empty()) {
    if (!g::fs::is_directory(options.student, ec)) {
      std::cerr << "smtplab grade: --student " << options.student << " is not a folder\n";
      return 2;
    }
    grade_options.student_dir = g::fs::canonical(options.student, ec);
  }
  for (const std::string& extra : options.extra_tests) grade_options.extra_test_dirs.emplace_back(extra);
  grade_options.work_dir = options.work.empty() ? g::default_work_dir(*toolchain) : g::fs::path(options.work);
  if (options.time_limit_s > 0) grade_options.time_limit_s = options.time_limit_s;

  const g::GradeResult result = g::grade_exercise(*toolchain, *spec, grade_options);
  if (!options.quiet) {
    const bool colour = options.color == "always" ||
                        (options.color == "auto" && isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr);
    g::print_table(result, std::cout, colour);
  } else {
    std::cout << spec->name << ": " << result.points() << "/" << result.max_points() << "\n";
  }
  if (!options.gradescope_path.empty() && !write_file(options.gradescope_path, g::gradescope_json(result))) {
    std::cerr << "smtplab grade: cannot write " << options.gradescope_path << "\n";
    return 2;
  }
  if (!options.junit_path.empty() && !write_file(options.junit_path, g::junit_xml(result))) {
    std::cerr << "smtplab grade: cannot write " << options.junit_path << "\n";
    return 2;
  }
  return result.max_points() > 0 && result.points() == result.max_points() ? 0 : 1;
}

}  // namespace

void add_grade_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<GradeCommandOptions>();
  CLI::App* cmd = app.add_subcommand("grade", "Build and grade an exercise (exercises/NN-name) with its tests");
  cmd->add_option("exercise", options->exercise, "The exercise folder, e.g. exercises/01-reply-parser")->required();
  cmd->add_option("--student", options->student, "Folder with the student's file(s) (default: the exercise's own)");
  cmd->add_option("--gradescope", options->gradescope_path, "Write Gradescope's results.json here");
  cmd->add_option("--junit", options->junit_path, "Write JUnit XML here");
  cmd->add_option("--extra-tests", options->extra_tests, "A folder of more test files (*.cpp), e.g. hidden tests");
  cmd->add_option("--work", options->work, "Cache and scratch folder (default: <build>/grade-work)");
  cmd->add_option("--time-limit", options->time_limit_s, "Seconds per test case (default: the exercise's)");
  cmd->add_option("--source-dir", options->source_dir, "The smtplab source tree (default: found from the build)");
  cmd->add_option("--build-dir", options->build_dir, "The smtplab build tree (default: the one holding this program)");
  cmd->add_option("--color", options->color, "Colours: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_flag("--quiet,-q", options->quiet, "Print only the score");
  cmd->callback([&action, options] { action = [options] { return grade_command(*options); }; });
}

}  // namespace smtplab::cli
