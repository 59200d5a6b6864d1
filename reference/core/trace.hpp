// core/trace.hpp — the trace: the one record of what happened, read by every view.
//
// Standards: none; the vocabulary is smtplab's own (docs/trace-format.md). Event
// kinds are named after protocol events and every view shows these same names.
//
// API:
//   Event       what an engine or agent reports (kind, summary, bytes, fields,
//               explanation key, RFC section) — engines fill only this;
//   TraceEvent  an Event placed in the world: sequence number, virtual time,
//               source and destination lane, connection id — the host fills this;
//   TraceSink   where TraceEvents go; Trace is the bounded in-memory sink.
//
// Rules: fields keep the order in which they were added (a vector, not a map), so
// that the JSON export is byte-for-byte stable; nothing here reads a clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace smtplab {

enum class EventKind {
  ConnOpen,     // a TCP-like stream was established (or refused: field "result")
  ConnClose,    // a stream was closed or reset
  SmtpCommand,  // a client command line (or the DATA content) on the wire
  SmtpReply,    // a server reply on the wire
  StateChange,  // an engine moved along its transition table (fields machine/from/to)
  DnsQuery,     // a DNS query datagram
  DnsAnswer,    // a DNS response datagram
  TlsStep,      // a TLS handshake message
  AuthStep,     // a SASL exchange step
  PolicyCheck,  // a policy decision: relay rule, SPF term, DKIM hash, DMARC alignment
  QueueChange,  // a message entered or left a queue
  Delivery,     // an MDA stored a message in a mailbox
  Bounce,       // a delivery status notification was generated
  Fault,        // an injected fault fired
  Note,         // narration: a scenario step, an expectation result
};

inline constexpr EventKind all_event_kinds[] = {
    EventKind::ConnOpen,    EventKind::ConnClose, EventKind::SmtpCommand, EventKind::SmtpReply,
    EventKind::StateChange, EventKind::DnsQuery,  EventKind::DnsAnswer,   EventKind::TlsStep,
    EventKind::AuthStep,    EventKind::PolicyCheck, EventKind::QueueChange, EventKind::Delivery,
    EventKind::Bounce,      EventKind::Fault,     EventKind::Note,
};

// "conn_open", "smtp_reply", ... — the names shown in every view.
std::string_view to_string(EventKind kind);
std::optional<EventKind> event_kind_from_string(std::string_view name);

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Event {
  EventKind kind = EventKind::Note;
  std::string summary;  // one line: "EHLO client.example", "250 2.0.0 OK", "MX? b.example"
  std::string bytes;    // the raw bytes on the wire, when there are bytes
  Fields fields;        // parsed fields, in a stable order
  std::string explain;  // explanation key (see core/explain.hpp), e.g. "reply.503"
  std::string rfc;      // the section that governs it, e.g. "RFC 5321 §4.1.4"

  // Convenience for building events: add a field, return *this. The first field
  // reserves room for fields_reserved_first, so that an event built field by field
  // (a state change has five) allocates its vector once instead of growing it 1, 2, 4, 8.
  Event& with(std::string key, std::string value) {
    if (fields.capacity() == 0) fields.reserve(fields_reserved_first);
    fields.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  // Our choice, from the trace of the benchmark: most events carry at most six fields.
  static constexpr std::size_t fields_reserved_first = 6;
  // The value of a field, or empty when absent.
  std::string_view field(std::string_view key) const;
};

struct TraceEvent : Event {
  std::uint64_t seq = 0;   // position in the trace, from 0
  TimeMs time_ms = 0;      // virtual (or real) time
  std::string src;         // lane the event starts from (host name, or "host/agent")
  std::string dst;         // lane it goes to; equal to src for local events
  std::uint64_t conn = 0;  // connection id, 0 when none
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  // Fills in seq and appends. Returns false (and drops the event) when full.
  virtual bool record(TraceEvent event) = 0;
};

// The in-memory trace. Bounded by limits::trace_events_max (or a smaller limit); once
// full it records a single Note saying so and drops the rest, so a runaway scenario
// cannot eat memory.
class Trace final : public TraceSink {
 public:
  explicit Trace(std::size_t events_max = 0);  // 0 => limits::trace_events_max
  bool record(TraceEvent event) override;
  const std::vector<TraceEvent>& events() const { return events_; }
  bool truncated() const { return truncated_; }
  void clear();

 private:
  std::vector<TraceEvent> events_;
  std::size_t events_max_;
  bool truncated_ = false;
};

// A sink that forwards to another and also calls a function (for live views such as
// `smtplab serve`'s terminal trace).
class TraceTee final : public TraceSink {
 public:
  using Listener = void (*)(void* context, const TraceEvent& event);
  TraceTee(TraceSink& inner, Listener listener, void* context)
      : inner_(inner), listener_(listener), context_(context) {}
  bool record(TraceEvent event) override;

 private:
  TraceSink& inner_;
  Listener listener_;
  void* context_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace smtplab
