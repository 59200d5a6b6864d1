// core/host.cpp — small helpers of the host interface.
#include "core/host.hpp"

namespace smtplab {

std::string Endpoint::to_string() const {
  if (address.find(':') != std::string::npos)  // IPv6 literal (RFC 3986 §3.2.2 style)
    return "[" + address + "]:" + std::to_string(port);
  return address + ":" + std::to_string(port);
}

std::string_view to_string(CloseReason reason) {
  switch (reason) {
    case CloseReason::Closed: return "closed";
    case CloseReason::Reset: return "reset";
    case CloseReason::Refused: return "refused";
    case CloseReason::TimedOut: return "timed_out";
  }
  return "unknown";
}

void emit_dialogue(Host& host, std::vector<Event>&& events, std::string_view peer,
                   std::uint64_t conn, bool we_are_server) {
  const std::string_view self = host.name();
  for (auto& event : events) {
    const bool command = event.kind == EventKind::SmtpCommand;
    const bool reply = event.kind == EventKind::SmtpReply;
    if (command || reply) {
      // Commands go client -> server, replies server -> client.
      const bool from_us = (command != we_are_server);
      host.emit(std::move(event), from_us ? peer : self, conn, from_us ? self : peer);
    } else {
      host.emit(std::move(event), self, conn, self);
    }
  }
  events.clear();
}

}  // namespace smtplab
