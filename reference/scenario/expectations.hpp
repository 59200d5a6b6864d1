// scenario/expectations.hpp — checks a finished run against the scenario's [[expect]]
// entries, so that every lesson is also a test.
#pragma once

#include <vector>

#include "scenario/scenario.hpp"
#include "scenario/world.hpp"
#include "trace/document.hpp"

namespace smtplab::scenario {

std::vector<trace::ExpectationResult> check_expectations(const Scenario& scenario, World& world,
                                                         const std::vector<TraceEvent>& events);

// Shell-style pattern: '*' any run of characters, '?' one character (fnmatch(3)).
bool glob_match(const std::string& pattern, const std::string& text);

}  // namespace smtplab::scenario
