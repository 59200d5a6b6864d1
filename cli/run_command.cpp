// cli/run_command.cpp — `smtplab run SCENARIO`: run it, print the sequence diagram and
// the expectations, write the JSON trace on request.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "grade.hpp"
#include "scenario/runner.hpp"
#include "trace/json.hpp"
#include "trace/terminal.hpp"

namespace smtplab::cli {

namespace {

struct RunOptions {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  std::string json_path;
  std::string color = "auto";
  bool verbose = false;
  bool hide_state = false;
  bool hide_connections = false;
  bool quiet = false;
  std::size_t lane_width = 16;
  std::string student;  // --student DIR: a student's exercises in the engines
};

bool use_colour(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  // https://no-color.org: "should check for a NO_COLOR environment variable that, when
  // present and not an empty string, prevents the addition of ANSI color".
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  return isatty(STDOUT_FILENO) != 0;
}

int run_command(const RunOptions& options) {
  scenario::EngineSeams seams;
  if (!options.student.empty()) {
    // The student's exercises become the engines' seams (cli/grade_plugin.cpp).
    std::string error;
    const auto toolchain = grade::find_toolchain({}, error);
    if (!toolchain) {
      std::cerr << "smtplab: --student: " << error << "\n";
      return 2;
    }
    const grade::StudentPlugins plugins =
        grade::load_student_plugins(*toolchain, options.student, grade::default_work_dir(*toolchain));
    if (!plugins.ok) {
      std::cerr << "smtplab: --student: " << plugins.error << "\n";
      return 2;
    }
    for (const std::string& line : plugins.loaded) std::cout << "Using your " << line << "\n";
    seams = plugins.seams;
  }
  scenario::RunOutcome outcome = scenario::run_scenario_file(options.scenario, options.seed, seams);
  if (!outcome.ok) {
    std::cerr << "smtplab: invalid scenario: " << outcome.error << "\n";
    return 2;
  }
  const trace::TraceDocument& doc = outcome.document;
  const bool colour = use_colour(options.color);

  std::cout << (colour ? "\x1b[1m" : "") << doc.title << (colour ? "\x1b[0m" : "") << "  ("
            << doc.source << ", seed " << doc.seed << ", " << doc.events.size() << " events)\n\n";
  if (!options.quiet) {
    trace::TerminalOptions terminal;
    terminal.color = colour;
    terminal.verbose = options.verbose;
    terminal.show_state_changes = !options.hide_state;
    terminal.show_connections = !options.hide_connections;
    terminal.lane_width = options.lane_width;
    std::cout << trace::render_terminal(doc, terminal) << "\n";
  }

  if (!options.json_path.empty()) {
    std::ofstream out(options.json_path, std::ios::binary);
    out << trace::to_json(doc);
    if (!out) {
      std::cerr << "smtplab: cannot write " << options.json_path << "\n";
      return 2;
    }
  }

  bool all_ok = true;
  std::cout << "Expectations:\n";
  for (const auto& e : doc.expectations) {
    all_ok = all_ok && e.ok;
    const char* mark = e.ok ? (colour ? "\x1b[32mPASS\x1b[0m" : "PASS") : (colour ? "\x1b[31mFAIL\x1b[0m" : "FAIL");
    std::cout << "  " << mark << "  " << e.description;
    if (!e.detail.empty()) std::cout << " — " << e.detail;
    std::cout << "\n";
  }
  if (doc.expectations.empty()) std::cout << "  (none)\n";
  // The seed is printed on every run so any run can be replayed exactly (STYLE §20).
  std::cout << "\n" << (all_ok ? "All expectations hold." : "Some expectations FAILED.")
            << " Replay this run with --seed " << doc.seed << ".\n";
  return all_ok ? 0 : 1;
}

}  // namespace

void add_run_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a scenario or lesson in the simulator and print its sequence diagram");
  cmd->add_option("scenario", options->scenario, "scenario.toml, or a lesson folder")->required();
  cmd->add_option("--seed", options->seed, "Override the scenario's random seed");
  cmd->add_option("--json", options->json_path, "Also write the trace as JSON (docs/trace-format.md)");
  cmd->add_option("--color", options->color, "Colours: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_flag("--verbose,-v", options->verbose, "Show every reply line and message contents");
  cmd->add_flag("--no-state", options->hide_state, "Hide state_change events");
  cmd->add_flag("--no-connections", options->hide_connections, "Hide conn_open/conn_close events");
  cmd->add_flag("--quiet,-q", options->quiet, "Print only the expectations and the verdict");
  cmd->add_option("--lane-width", options->lane_width, "Characters per lane (default 16)");
  cmd->add_option("--student", options->student,
                  "Run with a student's exercise files from this folder (see exercises/README.md)");
  cmd->callback([&action, options] { action = [options] { return run_command(*options); }; });
}

}  // namespace smtplab::cli
