// cli/serve_trace.hpp — the live trace of real mode: each event printed as it happens in
// the terminal style of `smtplab run`, and optionally appended to a JSON-lines file.
//
// Standards: none (presentation). The JSON-lines stream has, per line, the same fields
// as an element of "events" in a saved trace (trace/json.hpp), so the visualizer can
// follow it live.
//
// API:
//   LiveTrace trace(std::cout, hosts, "trace.jsonl");   // "" for no file
//   AsioHost host(io, config, trace);                    // the host records into it
//
// Not implemented: rotation of the JSON-lines file; colours (the terminal printer's
// option is left off so that piped output stays plain).
#pragma once

#include <cstdint>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "core/trace.hpp"
#include "trace/terminal.hpp"

namespace smtplab::cli {

class LiveTrace final : public TraceSink {
 public:
  // Throws std::runtime_error when the JSON-lines file cannot be opened.
  LiveTrace(std::ostream& out, std::vector<trace::HostInfo> hosts, const std::string& jsonl_path,
            TimeMs time_zero_ms, bool verbose);
  bool record(TraceEvent event) override;
  std::uint64_t recorded() const { return next_seq_; }

 private:
  std::ostream& out_;
  trace::TerminalPrinter printer_;
  std::ofstream jsonl_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace smtplab::cli
