// trace/terminal.hpp — the terminal view: a run printed as a sequence diagram, one
// lane per host, one line per event, with the label (command, reply, DNS question or
// answer, state change, delivery) to the right.
//
// Standards: none; a reader of the trace (docs/trace-format.md). Colours are ANSI SGR
// and follow the NO_COLOR convention (https://no-color.org) in the CLI.
//
// API:
//   TerminalOptions options;  options.color = true;
//   std::string text = render_terminal(document, options);
//   TerminalPrinter p(options, hosts); p.print(event) — line by line, for live traces.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "trace/document.hpp"

namespace smtplab::trace {

struct TerminalOptions {
  bool color = false;
  bool show_state_changes = true;
  bool show_connections = true;
  bool verbose = false;          // every line of multi-line replies, message contents
  std::size_t lane_width = 16;   // characters per lane
};

// Prints events one at a time (the live view of `smtplab serve` uses this directly).
class TerminalPrinter {
 public:
  TerminalPrinter(TerminalOptions options, std::vector<HostInfo> hosts, TimeMs time_zero_ms);
  std::string header() const;
  std::string line(const TraceEvent& event);  // "" when the event is filtered out

 private:
  std::size_t lane_of(const std::string& name);
  TerminalOptions options_;
  std::vector<HostInfo> hosts_;
  TimeMs time_zero_ms_;
};

std::string render_terminal(const TraceDocument& document, const TerminalOptions& options);

// "12.345s", "12m03.123s", "2h03m04s", "6d02h03m" — relative times for people.
std::string format_relative_time(TimeMs ms);

}  // namespace smtplab::trace
