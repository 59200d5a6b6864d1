// scenario/runner.hpp — load a scenario, build its world in the simulator, run it to
// the end, check its expectations: the one call behind `smtplab run`, the visualizer
// and every lesson test.
//
// API:
//   RunOutcome r = run_scenario_file("lessons/02-mua-mta-mda", std::nullopt);
//   r.ok            false when the scenario did not load (r.error: "file:line: ...")
//   r.document      the trace, the hosts and the expectation results
//   r.lesson_markdown  lesson.md beside the scenario, when there is one
//   r.expectations_met()
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "scenario/scenario.hpp"
#include "scenario/seams.hpp"
#include "trace/document.hpp"

namespace smtplab::scenario {

struct RunOutcome {
  bool ok = false;
  std::string error;
  trace::TraceDocument document;
  std::string lesson_markdown;
  std::string lesson_path;  // the lesson.md file, when there is one

  bool expectations_met() const;
};

// `path` is a scenario file or a folder holding scenario.toml. A seed given here
// replaces the scenario's own.
RunOutcome run_scenario_file(const std::string& path, std::optional<std::uint64_t> seed,
                             const EngineSeams& seams = {});

// Runs an already loaded scenario (tests build them from text).
RunOutcome run_scenario(const Scenario& scenario, std::optional<std::uint64_t> seed,
                        const EngineSeams& seams = {});

}  // namespace smtplab::scenario
