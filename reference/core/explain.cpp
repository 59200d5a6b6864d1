// core/explain.cpp — the explanation table. Every entry names its RFC section.
#include "core/explain.hpp"

#include <string>

namespace smtplab {

namespace {

constexpr Explanation table[] = {
    {"reply.2xx", "Positive completion", "The requested action was completed; the client may send the next command.", "RFC 5321 §4.2.1"},
    {"reply.3xx", "Positive intermediate", "The command was accepted but the server needs more: send the rest (the message after 354, the next SASL step after 334).", "RFC 5321 §4.2.1"},
    {"reply.4xx", "Transient negative completion", "The action was not taken, but the condition is temporary: the client should try again later (a sending MTA keeps the message queued).", "RFC 5321 §4.2.1"},
    {"reply.5xx", "Permanent negative completion", "The action was not taken and repeating it unchanged will fail again: a sending MTA returns the message to its sender in a bounce.", "RFC 5321 §4.2.1"},
};

}  // namespace

std::span<const Explanation> all_explanations() { return table; }

const Explanation* explain(std::string_view key) {
  for (const auto& e : table)
    if (e.key == key) return &e;
  return nullptr;
}

const Explanation* explain_reply_code(int code) {
  if (const auto* e = explain("reply." + std::to_string(code))) return e;
  return explain("reply." + std::to_string(code / 100) + "xx");
}

const Explanation* explain_status(const EnhancedStatus& status) {
  if (status.empty()) return nullptr;
  const std::string subject = std::to_string(status.subject);
  const std::string detail = std::to_string(status.detail);
  if (const auto* e = explain("status." + status.to_string())) return e;
  if (const auto* e = explain("status.X." + subject + "." + detail)) return e;
  if (const auto* e = explain("status.X." + subject)) return e;
  return explain("status." + std::to_string(status.klass) + ".X.X");
}

}  // namespace smtplab
