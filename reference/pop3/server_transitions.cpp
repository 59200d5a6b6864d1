// pop3/server_transitions.cpp — the rows of the POP3 server's state machine.
//
// Rule: these rows are the only moves ServerSession may make; a move that is not here
// is a bug in the engine (std::logic_error), never the peer's fault.
#include "pop3/server_transitions.hpp"

#include <string_view>

namespace smtplab::pop3 {

namespace {

// In drawing order; each is to_string(ServerState).
constexpr std::string_view states[] = {
    "connected", "tls_handshake", "authorization", "sasl", "transaction", "update", "closing",
};

constexpr Transition transitions[] = {
    {"connected", "+OK greeting", "authorization", "RFC 1939 §4"},
    {"connected", "implicit TLS", "tls_handshake", "RFC 8314 §3.3"},
    {"authorization", "STLS (+OK)", "tls_handshake", "RFC 2595 §4"},
    {"tls_handshake", "TLS established", "authorization", "RFC 2595 §4"},
    {"tls_handshake", "TLS failed or timeout", "closing", "RFC 2595 §4"},
    {"authorization", "AUTH (+ challenge)", "sasl", "RFC 5034 §4"},
    {"sasl", "-ERR or * (cancel)", "authorization", "RFC 5034 §4"},
    {"sasl", "+OK logged in", "transaction", "RFC 5034 §4"},
    {"authorization", "PASS or AUTH (+OK)", "transaction", "RFC 1939 §4"},
    {"authorization", "QUIT", "closing", "RFC 1939 §4"},
    {"authorization", "too many failures, timeout or TLS closed", "closing", "RFC 1939 §3"},
    {"sasl", "too many failures, timeout or TLS closed", "closing", "RFC 1939 §3"},
    {"transaction", "QUIT", "update", "RFC 1939 §6"},
    {"update", "deleted messages removed", "closing", "RFC 1939 §6"},
    // RFC 1939 §3: a session that ends without QUIT does not enter UPDATE.
    {"transaction", "timeout or TLS closed", "closing", "RFC 1939 §3"},
};

constexpr StateMachine machine{"pop3_server", "POP3 server session", states, transitions};

}  // namespace

const StateMachine& server_state_machine() { return machine; }

}  // namespace smtplab::pop3
