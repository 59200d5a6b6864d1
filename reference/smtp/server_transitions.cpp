// smtp/server_transitions.cpp — the rows of the server's state machine.
//
// Rule: these rows are the only moves ServerSession may make; a move that is not here
// is a bug in the engine (std::logic_error), never the peer's fault.
#include "smtp/server_transitions.hpp"

#include <string_view>

namespace smtplab::smtp {

namespace {

// In drawing order; each is to_string(ServerState).
constexpr std::string_view states[] = {
    "connected", "tls_handshake", "greeted", "refused", "ready", "auth", "mail_given", "rcpt_given", "data", "closing",
};

constexpr Transition transitions[] = {
    {"connected", "220 greeting", "greeted", "RFC 5321 §3.1"},
    {"connected", "554 greeting", "refused", "RFC 5321 §3.1"},
    {"connected", "421 greeting", "closing", "RFC 5321 §3.8"},
    {"refused", "QUIT", "closing", "RFC 5321 §3.1"},
    {"greeted", "HELO/EHLO", "ready", "RFC 5321 §4.1.1.1"},
    {"mail_given", "HELO/EHLO", "ready", "RFC 5321 §4.1.4"},
    {"rcpt_given", "HELO/EHLO", "ready", "RFC 5321 §4.1.4"},
    {"ready", "MAIL", "mail_given", "RFC 5321 §4.1.1.2"},
    {"mail_given", "RCPT", "rcpt_given", "RFC 5321 §4.1.1.3"},
    {"rcpt_given", "DATA (354)", "data", "RFC 5321 §4.1.1.4"},
    {"data", "end of data", "ready", "RFC 5321 §4.1.1.4"},
    {"mail_given", "RSET", "ready", "RFC 5321 §4.1.1.5"},
    {"rcpt_given", "RSET", "ready", "RFC 5321 §4.1.1.5"},
    {"greeted", "QUIT / 421", "closing", "RFC 5321 §4.1.1.10"},
    {"ready", "QUIT / 421", "closing", "RFC 5321 §4.1.1.10"},
    {"mail_given", "QUIT / 421", "closing", "RFC 5321 §4.1.1.10"},
    {"rcpt_given", "QUIT / 421", "closing", "RFC 5321 §4.1.1.10"},
    {"data", "421 timeout", "closing", "RFC 5321 §4.5.3.2"},
    {"refused", "421 timeout", "closing", "RFC 5321 §4.5.3.2"},
    // STARTTLS and implicit TLS.
    {"ready", "STARTTLS (220)", "tls_handshake", "RFC 3207 §4"},
    {"connected", "implicit TLS", "tls_handshake", "RFC 8314 §3.3"},
    {"tls_handshake", "TLS established", "greeted", "RFC 3207 §4.2"},
    {"tls_handshake", "554 greeting", "refused", "RFC 5321 §3.1"},
    {"tls_handshake", "TLS failed, timeout or 421", "closing", "RFC 3207 §4.1"},
    // AUTH.
    {"ready", "AUTH (334)", "auth", "RFC 4954 §4"},
    {"auth", "235, 535 or 501", "ready", "RFC 4954 §4"},
    {"auth", "421 too many failures or timeout", "closing", "RFC 4954 §4"},
};

constexpr StateMachine machine{"smtp_server", "SMTP server session", states, transitions};

}  // namespace

const StateMachine& server_state_machine() { return machine; }

}  // namespace smtplab::smtp
