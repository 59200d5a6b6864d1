// smtp/server_transitions.hpp — the SMTP server's transition table, as data.
//
// Standards: RFC 5321 §3.1 (greeting), §4.1.1 (each command), §4.1.4 (order of
//            commands; HELO/EHLO and RSET reset the transaction), §4.5.3.2 (timeouts).
//
// API: server_state_machine() — the table that ServerSession::enter_state() checks
// every move against, and that the docs and the visualizer's state panel draw. State
// names are to_string(ServerState). A command that leaves the state unchanged (NOOP,
// a refused RCPT) is not a transition and has no row.
#pragma once

#include "core/state_machine.hpp"

namespace smtplab::smtp {

const StateMachine& server_state_machine();

}  // namespace smtplab::smtp
