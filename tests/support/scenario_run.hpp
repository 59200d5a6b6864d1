// tests/support/scenario_run.hpp — running a scenario written inline as TOML in a test
// (the suites under tests/mta and tests/scenario do this), and looking at what its trace
// holds. Header-only; the Catch2 macros report at the caller's test case.
#pragma once

#include <catch2/catch.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "scenario/loader.hpp"
#include "scenario/runner.hpp"

namespace smtplab::testing {

enum class Expectations { Check, Ignore };

// Loads and runs `toml` (named `name` in error messages), requires that both succeed and,
// unless told to ignore them, checks every [[expect]] of the scenario.
inline scenario::RunOutcome run_scenario_text(const std::string& toml, const std::string& name = "test.toml",
                                              Expectations expectations = Expectations::Check) {
  auto loaded = scenario::load_scenario_text(toml, name);
  INFO(loaded.error);
  REQUIRE(loaded.scenario);
  auto outcome = scenario::run_scenario(*loaded.scenario, std::nullopt);
  INFO(outcome.error);
  REQUIRE(outcome.ok);
  if (expectations == Expectations::Check) {
    for (const auto& e : outcome.document.expectations) {
      INFO(e.description << " — " << e.detail);
      CHECK(e.ok);
    }
  }
  return outcome;
}

// How many events of `kind` have `contains` in their summary (any, when empty).
inline std::size_t count_kind(const scenario::RunOutcome& outcome, EventKind kind, std::string_view contains = {}) {
  std::size_t n = 0;
  for (const auto& e : outcome.document.events)
    if (e.kind == kind && e.summary.find(contains) != std::string::npos) ++n;
  return n;
}

// Whether `text` appears anywhere in the trace: a summary, the bytes or a field value (a
// password that must never show, a keyword that must).
inline bool any_event_contains(const scenario::RunOutcome& outcome, std::string_view text) {
  for (const auto& e : outcome.document.events) {
    if (e.summary.find(text) != std::string::npos || e.bytes.find(text) != std::string::npos) return true;
    for (const auto& [key, value] : e.fields)
      if (value.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace smtplab::testing
