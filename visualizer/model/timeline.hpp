// visualizer/model/timeline.hpp — indexes over a trace so that every question the
// views ask ("which step is at time t?", "where is the next DNS lookup?") is a binary
// search, never a scan: stepping and seeking cost the same on 20 events or 2 million.
//
// Standards: none; reads the trace vocabulary of docs/trace-format.md. The error
// classes follow RFC 5321 §4.2.1 (4yz and 5yz replies) and RFC 1035 §4.1.1 (RCODE).
//
// API:
//   Timeline t(events);
//   t.step_at_time(time_ms)          the last step whose time is <= time_ms (0 if none)
//   t.next(JumpTarget, step)         the first step after `step` of that kind, if any
//   t.previous(JumpTarget, step)     the last step before `step` of that kind, if any
//   is_error_event(e), matches(target, e)   the classifications the indexes use
//
// A "step" is an index into the trace's events: step N means event N is the current
// one, and events 0..N have happened.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "core/trace.hpp"

namespace smtplab::visualizer {

// What "jump to next" can look for (toolbar buttons and keyboard shortcuts).
enum class JumpTarget {
  Command,  // smtp_command
  Reply,    // smtp_reply
  Dns,      // dns_query (a lookup starts; its answer is the step after)
  Tls,      // tls_step
  State,    // state_change
  Mail,     // queue_change, delivery, bounce
  Error,    // a 4yz/5yz reply, an NXDOMAIN/SERVFAIL, a refused connection, a fault...
};
inline constexpr std::array<JumpTarget, 7> all_jump_targets = {
    JumpTarget::Command, JumpTarget::Reply, JumpTarget::Dns,  JumpTarget::Tls,
    JumpTarget::State,   JumpTarget::Mail,  JumpTarget::Error,
};
std::string_view to_string(JumpTarget target);

// The three-digit reply code of an smtp_reply event: field "code", else the first
// three digits of the bytes or the summary (RFC 5321 §4.2: "Reply-code" is 3 digits).
// 0 when there is none.
int reply_code_of(const TraceEvent& event);

// An event a student should stop at when looking for what went wrong.
bool is_error_event(const TraceEvent& event);
bool matches(JumpTarget target, const TraceEvent& event);

class Timeline {
 public:
  Timeline() = default;
  explicit Timeline(const std::vector<TraceEvent>& events);

  std::size_t step_count() const { return times_ms_.size(); }
  TimeMs time_at(std::size_t step) const;
  TimeMs start_time_ms() const { return times_ms_.empty() ? 0 : times_ms_.front(); }
  TimeMs end_time_ms() const { return times_ms_.empty() ? 0 : times_ms_.back(); }

  std::size_t step_at_time(TimeMs time_ms) const;
  std::optional<std::size_t> next(JumpTarget target, std::size_t step) const;
  std::optional<std::size_t> previous(JumpTarget target, std::size_t step) const;
  std::size_t count(JumpTarget target) const { return by_target_[index_of(target)].size(); }

 private:
  static std::size_t index_of(JumpTarget target) { return static_cast<std::size_t>(target); }

  // Times are kept sorted by construction: the simulator's queue is ordered by
  // (time, sequence), so event times never decrease. A hand-written trace that goes
  // back in time is clamped (see the constructor) so binary search stays valid.
  std::vector<TimeMs> times_ms_;
  std::array<std::vector<std::size_t>, all_jump_targets.size()> by_target_;
};

}  // namespace smtplab::visualizer
