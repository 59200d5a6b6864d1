// imap/server_transitions.cpp — the rows of the IMAP server's state machine.
//
// Rule: these rows are the only moves ServerSession may make; a move that is not here
// is a bug in the engine (std::logic_error), never the peer's fault.
#include "imap/server_transitions.hpp"

#include <string_view>

namespace smtplab::imap {

namespace {

constexpr std::string_view states[] = {
    "connected", "tls_handshake", "not_authenticated", "authenticate", "authenticated", "selected", "idle", "logout",
};

constexpr Transition transitions[] = {
    {"connected", "* OK greeting", "not_authenticated", "RFC 3501 §7.1.1"},
    {"connected", "implicit TLS", "tls_handshake", "RFC 8314 §3.3"},
    {"not_authenticated", "STARTTLS (OK)", "tls_handshake", "RFC 3501 §6.2.1"},
    {"tls_handshake", "TLS established", "not_authenticated", "RFC 3501 §6.2.1"},
    {"tls_handshake", "TLS failed or timeout", "logout", "RFC 3501 §6.2.1"},
    {"not_authenticated", "AUTHENTICATE (+)", "authenticate", "RFC 3501 §6.2.2"},
    {"authenticate", "NO, BAD or * (cancel)", "not_authenticated", "RFC 3501 §6.2.2"},
    {"authenticate", "OK authenticated", "authenticated", "RFC 3501 §6.2.2"},
    {"not_authenticated", "LOGIN or AUTHENTICATE (OK)", "authenticated", "RFC 3501 §6.2.3"},
    {"authenticated", "SELECT or EXAMINE (OK)", "selected", "RFC 3501 §6.3.1"},
    {"selected", "SELECT or EXAMINE failed", "authenticated", "RFC 3501 §6.3.1"},
    {"selected", "CLOSE", "authenticated", "RFC 3501 §6.4.2"},
    {"selected", "IDLE (+)", "idle", "RFC 2177 §3"},
    {"idle", "DONE", "selected", "RFC 2177 §3"},
    {"not_authenticated", "LOGOUT, failures or timeout", "logout", "RFC 3501 §6.1.3"},
    {"authenticate", "LOGOUT, failures or timeout", "logout", "RFC 3501 §6.1.3"},
    {"authenticated", "LOGOUT, failures or timeout", "logout", "RFC 3501 §6.1.3"},
    {"selected", "LOGOUT, failures or timeout", "logout", "RFC 3501 §6.1.3"},
    {"idle", "LOGOUT, failures or timeout", "logout", "RFC 3501 §6.1.3"},
};

constexpr StateMachine machine{"imap_server", "IMAP server session", states, transitions};

}  // namespace

const StateMachine& server_state_machine() { return machine; }

}  // namespace smtplab::imap
