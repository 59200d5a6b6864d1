// smtp/client_transitions.hpp — the SMTP client's transition table, as data.
//
// Standards: RFC 5321 §3.1-3.3 and §4.1.1 (the client's dialogue), §3.2 (fall back to
//            HELO), §3.8 (421 and lost connections), RFC 2920 (pipelined MAIL/RCPT).
//
// API: client_state_machine() — checked by ClientSession's enter_state(), drawn by the
// docs and the visualizer. State names are to_string(ClientState). Each state names
// the command whose reply the client is waiting for.
#pragma once

#include "core/state_machine.hpp"

namespace smtplab::smtp {

const StateMachine& client_state_machine();

}  // namespace smtplab::smtp
