// core/trace.cpp — event kind names and the bounded in-memory trace.
#include "core/trace.hpp"

#include "core/limits.hpp"

namespace smtplab {

namespace {
struct KindName {
  EventKind kind;
  std::string_view name;
};
constexpr KindName kind_names[] = {
    {EventKind::ConnOpen, "conn_open"},       {EventKind::ConnClose, "conn_close"},
    {EventKind::SmtpCommand, "smtp_command"}, {EventKind::SmtpReply, "smtp_reply"},
    {EventKind::StateChange, "state_change"}, {EventKind::DnsQuery, "dns_query"},
    {EventKind::DnsAnswer, "dns_answer"},     {EventKind::TlsStep, "tls_step"},
    {EventKind::AuthStep, "auth_step"},       {EventKind::PolicyCheck, "policy_check"},
    {EventKind::QueueChange, "queue_change"}, {EventKind::Delivery, "delivery"},
    {EventKind::Bounce, "bounce"},            {EventKind::Fault, "fault"},
    {EventKind::Note, "note"},
};
}  // namespace

std::string_view to_string(EventKind kind) {
  for (const auto& k : kind_names)
    if (k.kind == kind) return k.name;
  return "unknown";
}

std::optional<EventKind> event_kind_from_string(std::string_view name) {
  for (const auto& k : kind_names)
    if (k.name == name) return k.kind;
  return std::nullopt;
}

std::string_view Event::field(std::string_view key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  return {};
}

Trace::Trace(std::size_t events_max)
    : events_max_(events_max == 0 ? limits::trace_events_max : events_max) {}

bool Trace::record(TraceEvent event) {
  if (truncated_) return false;
  if (events_.size() + 1 >= events_max_) {
    // Keep one slot for the note that explains why the trace stops here.
    TraceEvent note;
    note.kind = EventKind::Note;
    note.time_ms = event.time_ms;
    note.src = note.dst = event.src;
    note.summary = "trace full: later events were dropped";
    note.explain = "note.trace_full";
    note.seq = events_.size();
    events_.push_back(std::move(note));
    truncated_ = true;
    return false;
  }
  event.seq = events_.size();
  events_.push_back(std::move(event));
  return true;
}

void Trace::clear() {
  events_.clear();
  truncated_ = false;
}

bool TraceTee::record(TraceEvent event) {
  event.seq = next_seq_++;
  if (listener_ != nullptr) listener_(context_, event);
  return inner_.record(std::move(event));
}

}  // namespace smtplab
