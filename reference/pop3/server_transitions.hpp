// pop3/server_transitions.hpp — the POP3 server's transition table, as data.
//
// Standards: RFC 1939 §3 (the AUTHORIZATION, TRANSACTION and UPDATE states), §4, §5, §6;
//            RFC 2595 §4 (STLS), RFC 8314 §3.3 (implicit TLS), RFC 5034 §4 (AUTH).
//
// API: server_state_machine() — the table ServerSession::enter_state() checks every
// move against and the docs and the visualizer's state panel draw. State names are
// to_string(ServerState). A command that leaves the state unchanged (LIST, a refused
// USER) has no row.
#pragma once

#include "core/state_machine.hpp"

namespace smtplab::pop3 {

const StateMachine& server_state_machine();

}  // namespace smtplab::pop3
