// visualizer/model/timeline.cpp — time and kind indexes over the trace.
#include "model/timeline.hpp"

#include <algorithm>
#include <cctype>

namespace smtplab::visualizer {

std::string_view to_string(JumpTarget target) {
  switch (target) {
    case JumpTarget::Command: return "command";
    case JumpTarget::Reply: return "reply";
    case JumpTarget::Dns: return "DNS";
    case JumpTarget::Tls: return "TLS";
    case JumpTarget::State: return "state";
    case JumpTarget::Mail: return "mail";
    case JumpTarget::Error: return "error";
  }
  return "unknown";
}

namespace {

int three_digits(std::string_view text) {
  if (text.size() < 3) return 0;
  for (int i = 0; i < 3; ++i)
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return 0;
  return (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
}

bool equals_any(std::string_view value, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), value) != options.end();
}

}  // namespace

int reply_code_of(const TraceEvent& event) {
  if (event.kind != EventKind::SmtpReply) return 0;
  if (int code = three_digits(event.field("code")); code != 0) return code;
  if (int code = three_digits(event.bytes); code != 0) return code;
  return three_digits(event.summary);
}

bool is_error_event(const TraceEvent& event) {
  switch (event.kind) {
    case EventKind::SmtpReply:
      // RFC 5321 §4.2.1: 4yz is a transient and 5yz a permanent negative completion.
      return reply_code_of(event) >= 400;
    case EventKind::DnsAnswer: {
      // RFC 1035 §4.1.1: RCODE 0 is "No error condition"; anything else is a failure
      // (2 SERVFAIL, 3 NXDOMAIN are the ones mail meets).
      const std::string_view rcode = event.field("rcode");
      return !rcode.empty() && rcode != "NOERROR" && rcode != "0";
    }
    case EventKind::ConnOpen: {
      const std::string_view result = event.field("result");
      return !result.empty() && !equals_any(result, {"ok", "open", "opened", "established"});
    }
    case EventKind::PolicyCheck:
    case EventKind::AuthStep:
      return equals_any(event.field("result"),
                        {"fail", "softfail", "permerror", "temperror", "reject", "deny", "denied"});
    case EventKind::Fault:
    case EventKind::Bounce:
      return true;
    case EventKind::QueueChange:
      return event.field("action") == "defer";
    case EventKind::Note:
      return event.field("ok") == "false";
    default:
      return false;
  }
}

bool matches(JumpTarget target, const TraceEvent& event) {
  switch (target) {
    case JumpTarget::Command: return event.kind == EventKind::SmtpCommand;
    case JumpTarget::Reply: return event.kind == EventKind::SmtpReply;
    case JumpTarget::Dns: return event.kind == EventKind::DnsQuery;
    case JumpTarget::Tls: return event.kind == EventKind::TlsStep;
    case JumpTarget::State: return event.kind == EventKind::StateChange;
    case JumpTarget::Mail:
      return event.kind == EventKind::QueueChange || event.kind == EventKind::Delivery ||
             event.kind == EventKind::Bounce;
    case JumpTarget::Error: return is_error_event(event);
  }
  return false;
}

Timeline::Timeline(const std::vector<TraceEvent>& events) {
  times_ms_.reserve(events.size());
  TimeMs last = events.empty() ? 0 : events.front().time_ms;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const TraceEvent& e = events[i];
    last = std::max(last, e.time_ms);
    times_ms_.push_back(last);
    for (JumpTarget target : all_jump_targets)
      if (matches(target, e)) by_target_[index_of(target)].push_back(i);
  }
}

TimeMs Timeline::time_at(std::size_t step) const {
  if (times_ms_.empty()) return 0;
  return times_ms_[std::min(step, times_ms_.size() - 1)];
}

std::size_t Timeline::step_at_time(TimeMs time_ms) const {
  const auto it = std::upper_bound(times_ms_.begin(), times_ms_.end(), time_ms);
  if (it == times_ms_.begin()) return 0;
  return static_cast<std::size_t>(it - times_ms_.begin()) - 1;
}

std::optional<std::size_t> Timeline::next(JumpTarget target, std::size_t step) const {
  const auto& list = by_target_[index_of(target)];
  const auto it = std::upper_bound(list.begin(), list.end(), step);
  if (it == list.end()) return std::nullopt;
  return *it;
}

std::optional<std::size_t> Timeline::previous(JumpTarget target, std::size_t step) const {
  const auto& list = by_target_[index_of(target)];
  const auto it = std::lower_bound(list.begin(), list.end(), step);
  if (it == list.begin()) return std::nullopt;
  return *(it - 1);
}

}  // namespace smtplab::visualizer
