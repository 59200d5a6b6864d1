// imap/server_transitions.hpp — the IMAP server's transition table, as data.
//
// Standards: RFC 3501 §3 (states: Not Authenticated, Authenticated, Selected, Logout,
//            and the figure in §3.4), §6.2.1 (STARTTLS), §6.2.2 (AUTHENTICATE),
//            RFC 2177 (IDLE), RFC 8314 §3.3 (implicit TLS).
//
// API: server_state_machine() — checked by ServerSession::enter_state() and drawn by
// the docs and the visualizer. State names are to_string(ServerState).
#pragma once

#include "core/state_machine.hpp"

namespace smtplab::imap {

const StateMachine& server_state_machine();

}  // namespace smtplab::imap
