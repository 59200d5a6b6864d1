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
    // A SASL response line (auth_step with bytes, already masked) travels like a command.
    const bool command = event.kind == EventKind::SmtpCommand ||
                         (event.kind == EventKind::AuthStep && !event.bytes.empty());
    const bool reply = event.kind == EventKind::SmtpReply;
    // A TLS handshake message on the wire (it has bytes) names its sender ("client" or
    // "server"), so it is drawn as an arrow between the two hosts like a command or a
    // reply. The session's own notes (handshake complete, failed) stay on its host.
    const bool tls_step = event.kind == EventKind::TlsStep && !event.bytes.empty() &&
                          (event.field("sender") == "client" || event.field("sender") == "server");
    if (command || reply || tls_step) {
      // Commands go client -> server, replies server -> client.
      const bool from_client = tls_step ? event.field("sender") == "client" : command;
      const bool from_us = (from_client != we_are_server);
      host.emit(std::move(event), from_us ? peer : self, conn, from_us ? self : peer);
    } else {
      host.emit(std::move(event), self, conn, self);
    }
  }
  events.clear();
}

}  // namespace smtplab
