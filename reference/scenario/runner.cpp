// scenario/runner.cpp — see runner.hpp.
#include "scenario/runner.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "scenario/expectations.hpp"
#include "scenario/loader.hpp"
#include "scenario/world.hpp"

namespace smtplab::scenario {

bool RunOutcome::expectations_met() const {
  return ok && std::all_of(document.expectations.begin(), document.expectations.end(),
                           [](const trace::ExpectationResult& e) { return e.ok; });
}

RunOutcome run_scenario(const Scenario& scenario, std::optional<std::uint64_t> seed,
                        const EngineSeams& seams) {
  RunOutcome outcome;
  const std::uint64_t used_seed = seed.value_or(scenario.seed);
  Trace trace;
  try {
    World world(scenario, used_seed, trace, seams);
    world.run();
    outcome.document.expectations = check_expectations(scenario, world, trace.events());
  } catch (const std::invalid_argument& e) {
    // Problems only found while building the world (a bad DNS value, an unknown host).
    outcome.error = e.what();
    return outcome;
  }
  outcome.ok = true;
  trace::TraceDocument& doc = outcome.document;
  doc.title = scenario.title;
  doc.source = scenario.source;
  doc.seed = used_seed;
  for (const auto& host : scenario.hosts)
    doc.hosts.push_back({host.name, host.address, std::string(to_string(host.role))});
  doc.events = trace.events();
  doc.truncated = trace.truncated();
  return outcome;
}

RunOutcome run_scenario_file(const std::string& path, std::optional<std::uint64_t> seed,
                             const EngineSeams& seams) {
  namespace fs = std::filesystem;
  std::string file = path;
  std::error_code ec;
  if (fs::is_directory(path, ec)) file = (fs::path(path) / "scenario.toml").string();
  LoadResult loaded = load_scenario_file(file);
  if (!loaded.scenario) {
    RunOutcome outcome;
    outcome.error = loaded.error;
    return outcome;
  }
  RunOutcome outcome = run_scenario(*loaded.scenario, seed, seams);
  // A lesson is a folder with scenario.toml and lesson.md side by side.
  const fs::path lesson = fs::path(file).parent_path() / "lesson.md";
  if (fs::exists(lesson, ec)) {
    std::ifstream in(lesson, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    outcome.lesson_markdown = text.str();
    outcome.lesson_path = lesson.string();
  }
  return outcome;
}

}  // namespace smtplab::scenario
