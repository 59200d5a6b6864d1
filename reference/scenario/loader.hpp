// scenario/loader.hpp — reads a scenario TOML file (docs/scenario-format.md) and checks
// it, so that every mistake is reported once, as "file:line: what is wrong".
//
// API:
//   LoadResult r = load_scenario_file("lessons/02-mua-mta-mda/scenario.toml");
//   if (!r.scenario) print(r.error);   // "scenario.toml:12: host 'mx' has no address"
//   parse_duration("30m") -> 1'800'000
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "scenario/scenario.hpp"

namespace smtplab::scenario {

struct LoadResult {
  std::optional<Scenario> scenario;
  std::string error;  // "file:line: message" when scenario is empty
};

LoadResult load_scenario_file(const std::string& path);
LoadResult load_scenario_text(std::string_view text, const std::string& source_name);

// "1500ms", "30s", "30m", "2h", "6d", or a bare number of seconds; nullopt if invalid.
std::optional<TimeMs> parse_duration(std::string_view text);

// Our choice: a scenario runs for at most this much virtual time unless it says
// otherwise. 7 days covers RFC 5321 §4.5.4.1's 4-5 day give-up time.
inline constexpr TimeMs scenario_duration_default_ms = 7LL * 24 * 60 * 60 * 1000;
// Our choice: the most events one run may process (STYLE §18), so that a scenario
// with a loop stops with a message instead of running forever.
inline constexpr std::size_t scenario_events_max = 50'000'000;

}  // namespace smtplab::scenario
