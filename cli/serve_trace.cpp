// cli/serve_trace.cpp — prints and streams trace events as they are recorded.
#include "serve_trace.hpp"

#include <stdexcept>

#include "trace/json.hpp"

namespace smtplab::cli {

namespace {

trace::TerminalOptions options(bool verbose) {
  trace::TerminalOptions o;
  o.verbose = verbose;
  return o;
}

}  // namespace

LiveTrace::LiveTrace(std::ostream& out, std::vector<trace::HostInfo> hosts, const std::string& jsonl_path,
                     TimeMs time_zero_ms, bool verbose)
    : out_(out), printer_(options(verbose), std::move(hosts), time_zero_ms) {
  if (!jsonl_path.empty()) {
    jsonl_.open(jsonl_path, std::ios::out | std::ios::app);
    if (!jsonl_) throw std::runtime_error("cannot open " + jsonl_path + " for the JSON-lines trace");
  }
}

bool LiveTrace::record(TraceEvent event) {
  event.seq = next_seq_++;
  const std::string line = printer_.line(event);
  // One line per event, flushed at once: a student watches the session as it happens,
  // and a program following the file sees whole lines only.
  if (!line.empty()) out_ << line << (line.back() == '\n' ? "" : "\n") << std::flush;
  if (jsonl_.is_open()) jsonl_ << trace::event_to_json_line(event) << '\n' << std::flush;
  return true;
}

}  // namespace smtplab::cli
