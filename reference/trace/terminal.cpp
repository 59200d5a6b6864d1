// trace/terminal.cpp — see terminal.hpp.
#include "trace/terminal.hpp"

#include <algorithm>
#include <cstdio>

namespace smtplab::trace {

namespace {

// ANSI SGR colours, chosen to stay distinguishable for the common colour-vision
// deficiencies: blue/orange carry the main contrast, red/green only ever as a pair
// with a different symbol.
constexpr const char* reset = "\x1b[0m";
constexpr const char* dim = "\x1b[2m";
constexpr const char* bold = "\x1b[1m";
constexpr const char* blue = "\x1b[34m";
constexpr const char* cyan = "\x1b[36m";
constexpr const char* green = "\x1b[32m";
constexpr const char* yellow = "\x1b[33m";
constexpr const char* red = "\x1b[31m";
constexpr const char* magenta = "\x1b[35m";

const char* colour_of(const TraceEvent& e) {
  switch (e.kind) {
    case EventKind::SmtpCommand: return bold;
    case EventKind::SmtpReply: {
      const char first = e.summary.empty() ? '2' : e.summary[0];
      if (first == '4') return yellow;
      if (first == '5') return red;
      return green;
    }
    case EventKind::DnsQuery:
    case EventKind::DnsAnswer: return blue;
    case EventKind::TlsStep:
    case EventKind::AuthStep: return cyan;
    case EventKind::Delivery:
    case EventKind::QueueChange: return magenta;
    case EventKind::Bounce:
    case EventKind::Fault: return red;
    case EventKind::PolicyCheck: return yellow;
    default: return dim;
  }
}

// The lane a trace name belongs to: "mx.b.example/mailbox:bob" is drawn on the lane of
// "mx.b.example".
std::string host_part(const std::string& name) {
  const auto slash = name.find('/');
  return slash == std::string::npos ? name : name.substr(0, slash);
}

std::string fit(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  if (width <= 1) return text.substr(0, width);
  return text.substr(0, width - 1) + "~";
}

std::string label_of(const TraceEvent& e, bool verbose) {
  switch (e.kind) {
    case EventKind::SmtpReply: {
      // Show the first line, and how many more there are.
      std::size_t lines = static_cast<std::size_t>(std::count(e.bytes.begin(), e.bytes.end(), '\n'));
      if (verbose || lines <= 1) {
        if (!verbose) return e.summary;
        std::string all = e.bytes;
        std::string out;
        for (char c : all) {
          if (c == '\r') continue;
          out += c == '\n' ? std::string(" | ") : std::string(1, c);
        }
        if (out.size() >= 3) out.resize(out.size() - 3);
        return out;
      }
      return e.summary + "  (+" + std::to_string(lines - 1) + " lines)";
    }
    case EventKind::StateChange:
      return std::string(e.field("machine")) + ": " + std::string(e.field("from")) + " -> " +
             std::string(e.field("to"));
    case EventKind::SmtpCommand:
      return e.summary;
    default:
      return "[" + std::string(to_string(e.kind)) + "] " + e.summary;
  }
}

}  // namespace

std::string format_relative_time(TimeMs ms) {
  char buffer[48];
  if (ms < 0) ms = 0;
  const long long total_s = ms / 1000, milli = ms % 1000;
  const long long d = total_s / 86400, h = (total_s / 3600) % 24, m = (total_s / 60) % 60, s = total_s % 60;
  if (total_s < 60) std::snprintf(buffer, sizeof buffer, "%lld.%03llds", s, milli);
  else if (total_s < 3600) std::snprintf(buffer, sizeof buffer, "%lldm%02lld.%03llds", m, s, milli);
  else if (d == 0) std::snprintf(buffer, sizeof buffer, "%lldh%02lldm%02llds", h, m, s);
  else std::snprintf(buffer, sizeof buffer, "%lldd%02lldh%02lldm", d, h, m);
  return buffer;
}

TerminalPrinter::TerminalPrinter(TerminalOptions options, std::vector<HostInfo> hosts, TimeMs time_zero_ms)
    : options_(options), hosts_(std::move(hosts)), time_zero_ms_(time_zero_ms) {
  if (options_.lane_width < 6) options_.lane_width = 6;
}

std::size_t TerminalPrinter::lane_of(const std::string& name) {
  const std::string host = host_part(name);
  for (std::size_t i = 0; i < hosts_.size(); ++i)
    if (hosts_[i].name == host || hosts_[i].address == host) return i;
  hosts_.push_back({host, host, "?"});  // a peer we did not know about (real mode)
  return hosts_.size() - 1;
}

std::string TerminalPrinter::header() const {
  const std::size_t w = options_.lane_width;
  std::string names = std::string(11, ' '), roles = std::string(11, ' ');
  for (const auto& host : hosts_) {
    std::string n = fit(host.name, w - 1), r = fit(host.role, w - 1);
    names += n + std::string(w - n.size(), ' ');
    roles += r + std::string(w - r.size(), ' ');
  }
  if (options_.color) return std::string(bold) + names + reset + "\n" + dim + roles + reset + "\n";
  return names + "\n" + roles + "\n";
}

std::string TerminalPrinter::line(const TraceEvent& e) {
  if (e.kind == EventKind::StateChange && !options_.show_state_changes) return {};
  if ((e.kind == EventKind::ConnOpen || e.kind == EventKind::ConnClose) && !options_.show_connections)
    return {};
  const std::size_t src = lane_of(e.src.empty() ? e.dst : e.src);
  const std::size_t dst = lane_of(e.dst.empty() ? e.src : e.dst);
  const std::size_t w = options_.lane_width;
  const std::size_t lanes = hosts_.size();

  // Cells: one display column each (box-drawing characters are several bytes).
  std::vector<std::string> cells(lanes * w, " ");
  auto bar = [&](std::size_t lane) { return lane * w + w / 2 - 1; };
  for (std::size_t i = 0; i < lanes; ++i) cells[bar(i)] = "│";
  const bool local = src == dst || e.src.find('/') != std::string::npos ||
                     e.dst.find('/') != std::string::npos;
  if (local) {
    cells[bar(src)] = "◆";
  } else {
    const std::size_t a = bar(src), b = bar(dst);
    const std::size_t lo = std::min(a, b), hi = std::max(a, b);
    for (std::size_t x = lo + 1; x < hi; ++x) cells[x] = "─";
    if (a < b) cells[hi - 1] = "▶";
    else cells[lo + 1] = "◀";
  }

  const char* colour = colour_of(e);
  std::string out;
  std::string time = format_relative_time(e.time_ms - time_zero_ms_);
  out += std::string(10 > time.size() ? 10 - time.size() : 0, ' ') + time + " ";
  if (options_.color) out += colour;
  for (const auto& c : cells) out += c;
  out += " ";
  out += label_of(e, options_.verbose);
  if (options_.color) out += reset;
  out += "\n";
  if (options_.verbose && !e.bytes.empty() &&
      (e.kind == EventKind::Delivery || e.kind == EventKind::Bounce)) {
    std::string indent(11, ' ');
    std::size_t start = 0;
    while (start < e.bytes.size()) {
      std::size_t end = e.bytes.find('\n', start);
      if (end == std::string::npos) end = e.bytes.size();
      std::string text = e.bytes.substr(start, end - start);
      if (!text.empty() && text.back() == '\r') text.pop_back();
      out += indent + (options_.color ? dim : "") + "  | " + text + (options_.color ? reset : "") + "\n";
      start = end + 1;
    }
  }
  return out;
}

std::string render_terminal(const TraceDocument& document, const TerminalOptions& options) {
  const TimeMs zero = document.events.empty() ? 0 : document.events.front().time_ms;
  TerminalPrinter printer(options, document.hosts, zero);
  std::string out;
  std::string body;
  for (const auto& event : document.events) body += printer.line(event);
  // The header comes after the events were seen, so lanes discovered on the way show.
  out += printer.header();
  out += body;
  if (document.truncated) out += "(the trace was truncated: it reached its size limit)\n";
  return out;
}

}  // namespace smtplab::trace
