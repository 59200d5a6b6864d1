// trace/document.hpp — a whole run as one value: the world it ran in, every event,
// and the verdict on each expectation. This is what the JSON export writes, what the
// visualizer opens, and what the terminal view prints.
//
// Standards: none; the JSON form is specified in docs/trace-format.md (versioned).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/trace.hpp"

namespace smtplab::trace {

// A host of the scenario, as the views need it (lanes, the network map).
struct HostInfo {
  std::string name;     // "mx.b.example"
  std::string address;  // "198.51.100.25"
  std::string role;     // "mua", "mta", "dns", "raw-client", ...
};

struct ExpectationResult {
  std::string description;  // "mailbox bob@b.example has 1 message"
  bool ok = false;
  std::string detail;       // why it failed, or what was found
};

struct TraceDocument {
  std::string title;        // scenario title
  std::string source;       // the scenario file as given on the command line
  std::uint64_t seed = 0;
  std::vector<HostInfo> hosts;
  std::vector<TraceEvent> events;
  std::vector<ExpectationResult> expectations;
  bool truncated = false;   // the trace hit its limit (core/limits.hpp trace_events_max)
};

}  // namespace smtplab::trace
