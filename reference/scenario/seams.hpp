// scenario/seams.hpp — every seam of the engines in one value, so that a whole
// simulated world can run with a student's functions: `smtplab run LESSON --student DIR`.
//
// Standards: none of its own; see smtp/seams.hpp and dns/mx.hpp for what each seam is.
//
// API:
//   EngineSeams seams;                  all reference functions
//   seams.smtp.parse_reply_lines = ...; seams.order_mx = ...;
//   run_scenario_file(path, seed, seams) -> World(scenario, seed, trace, seams), which
//   gives them to every MTA (server, client, resolver) and every MUA.
//
// Not implemented: per-host seams (every host of the world runs the same functions:
// the student's code is on both sides of each dialogue, which is what shows it).
#pragma once

#include "dns/mx.hpp"
#include "smtp/seams.hpp"

namespace smtplab::scenario {

struct EngineSeams {
  smtp::Seams smtp;
  dns::OrderMxFn order_mx = &dns::order_mx;
};

}  // namespace smtplab::scenario
