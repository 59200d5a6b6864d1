// visualizer/loader.cpp — opening traces, scenarios and lessons.
//
// The scenario runner (reference/scenario/runner.hpp) is compiled in when the build
// finds it (SMTPLAB_HAVE_SCENARIO_RUNNER, see CMakeLists.txt); without it, scenarios
// and lessons get a clear message and saved traces still open.
#include "loader.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#ifdef SMTPLAB_HAVE_SCENARIO_RUNNER
#include "imap/client_session.hpp"
#include "imap/server_transitions.hpp"
#include "pop3/client_session.hpp"
#include "pop3/server_transitions.hpp"
#include "scenario/runner.hpp"
#include "smtp/client_transitions.hpp"
#include "smtp/server_transitions.hpp"
#endif
#ifdef SMTPLAB_HAVE_GRADING
#include "grade.hpp"
#endif

namespace smtplab::visualizer {

namespace {

bool read_file(const std::filesystem::path& path, std::string& out, std::string& error) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    error = path.string() + ": cannot read: " + ec.message();
    return false;
  }
  if (size > trace_file_size_max) {
    error = path.string() + ": too large (" + std::to_string(size) + " bytes)";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in.good() && !in.eof()) {
    error = path.string() + ": read error";
    return false;
  }
  out = buffer.str();
  return true;
}

LoadResult run_scenario([[maybe_unused]] const std::filesystem::path& scenario,
                        [[maybe_unused]] std::optional<std::uint64_t> seed,
                        [[maybe_unused]] const MachineCatalog& catalog,
                        [[maybe_unused]] const std::string& student_dir = {},
                        [[maybe_unused]] std::string* summary = nullptr) {
  LoadResult result;
#ifdef SMTPLAB_HAVE_SCENARIO_RUNNER
  scenario::EngineSeams seams;
  std::string text;
  if (!student_dir.empty()) {
#ifdef SMTPLAB_HAVE_GRADING
    // The student's exercises become the engines' seams, as for `smtplab run --student`.
    std::string error;
    const auto toolchain = cli::grade::find_toolchain({}, error);
    if (!toolchain) {
      result.error = "--student: " + error;
      return result;
    }
    const cli::grade::StudentPlugins plugins =
        cli::grade::load_student_plugins(*toolchain, student_dir, cli::grade::default_work_dir(*toolchain));
    if (!plugins.ok) {
      result.error = "--student: " + plugins.error;
      return result;
    }
    for (const std::string& line : plugins.loaded) text += "Using your " + line + "\n";
    seams = plugins.seams;
#else
    result.error = "--student: this build of smtplab-visualizer has no grader (cli/grade_*.cpp)";
    return result;
#endif
  }
  const auto run_start = std::chrono::steady_clock::now();
  scenario::RunOutcome outcome = scenario::run_scenario_file(scenario.string(), seed, seams);
  const auto run_end = std::chrono::steady_clock::now();
  if (!outcome.ok) {
    result.error = outcome.error.empty() ? scenario.string() + ": the scenario did not load" : outcome.error;
    return result;
  }
  if (summary != nullptr) {
    for (const auto& e : outcome.document.expectations)
      text += std::string(e.ok ? "  PASS  " : "  FAIL  ") + e.description + (e.detail.empty() ? "" : " — " + e.detail) + "\n";
    text += outcome.expectations_met() ? "All expectations hold.\n" : "Some expectations FAILED.\n";
    *summary = std::move(text);
  }
  result.model = TraceModel::create(std::move(outcome.document), catalog, std::move(outcome.lesson_markdown));
  result.run_ms = std::chrono::duration<double, std::milli>(run_end - run_start).count();
  result.model_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - run_end).count();
#else
  result.error = scenario.string() +
                 ": this build of smtplab-visualizer cannot run scenarios yet (built without "
                 "reference/scenario/runner.hpp); save a trace as JSON and open that instead";
#endif
  return result;
}

}  // namespace

void register_engine_tables([[maybe_unused]] MachineCatalog& catalog) {
#ifdef SMTPLAB_HAVE_SCENARIO_RUNNER
  catalog.add(smtp::server_state_machine());
  catalog.add(smtp::client_state_machine());
  // The mail readers' engines (lesson 8): without their tables the state panel would
  // draw only the states the trace happened to visit, and could not flag a wrong move.
  catalog.add(pop3::server_state_machine());
  catalog.add(pop3::client_state_machine());
  catalog.add(imap::server_state_machine());
  catalog.add(imap::client_state_machine());
#endif
}

LoadResult load_input(const std::string& path_text, std::optional<std::uint64_t> seed,
                      const MachineCatalog& catalog) {
  std::string summary;
  return load_input(path_text, seed, catalog, {}, summary);
}

LoadResult load_input(const std::string& path_text, std::optional<std::uint64_t> seed,
                      const MachineCatalog& catalog, const std::string& student_dir, std::string& summary) {
  const std::filesystem::path path(path_text);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    // A lesson folder: its scenario.toml runs, its lesson.md is shown beside it (the
    // runner finds both).
    return run_scenario(path, seed, catalog, student_dir, &summary);
  }
  if (path.extension() == ".toml") return run_scenario(path, seed, catalog, student_dir, &summary);
  LoadResult result;
  if (!student_dir.empty()) {
    // A saved trace already happened: no engine runs, so there is nothing to plug into.
    result.error = path.string() + ": --student needs a scenario or a lesson folder, not a saved trace";
    return result;
  }
  std::string text;
  if (!read_file(path, text, result.error)) return result;
  result = load_trace_text(text, catalog);
  if (!result.error.empty()) result.error = path.string() + ": " + result.error;
  return result;
}

}  // namespace smtplab::visualizer
