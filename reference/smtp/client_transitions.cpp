// smtp/client_transitions.cpp — the rows of the client's state machine.
//
// Rule: these rows are the only moves ClientSession may make; any other move is a bug
// in the engine (std::logic_error).
#include "smtp/client_transitions.hpp"

#include <string_view>

namespace smtplab::smtp {

namespace {

constexpr std::string_view states[] = {
    "await_greeting", "tls_handshake", "sent_ehlo", "sent_starttls", "sent_auth", "sent_helo", "sent_mail",
    "sent_rcpt",      "sent_data",     "sent_content", "sent_quit", "done",
};

constexpr Transition transitions[] = {
    {"await_greeting", "220", "sent_ehlo", "RFC 5321 §3.1"},
    {"await_greeting", "554 greeting", "sent_quit", "RFC 5321 §3.1"},
    {"sent_ehlo", "500/502 to EHLO", "sent_helo", "RFC 5321 §3.2"},
    {"sent_ehlo", "250 to EHLO", "sent_mail", "RFC 5321 §4.1.1.1"},
    {"sent_helo", "250 to HELO", "sent_mail", "RFC 5321 §4.1.1.1"},
    {"sent_mail", "250 to MAIL", "sent_rcpt", "RFC 5321 §4.1.1.2"},
    {"sent_rcpt", "a recipient accepted", "sent_data", "RFC 5321 §4.1.1.4"},
    {"sent_data", "354", "sent_content", "RFC 5321 §4.1.1.4"},
    {"sent_content", "reply to end of data", "sent_quit", "RFC 5321 §4.1.1.10"},
    {"sent_ehlo", "refused", "sent_quit", "RFC 5321 §4.1.1.10"},
    {"sent_helo", "refused", "sent_quit", "RFC 5321 §4.1.1.10"},
    {"sent_mail", "refused", "sent_quit", "RFC 5321 §4.1.1.10"},
    {"sent_rcpt", "no recipient accepted", "sent_quit", "RFC 5321 §4.1.1.10"},
    {"sent_data", "refused", "sent_quit", "RFC 5321 §4.1.1.10"},
    {"sent_quit", "221 or close", "done", "RFC 5321 §4.1.1.10"},
    {"await_greeting", "421, close or bad reply", "done", "RFC 5321 §3.8"},
    {"sent_ehlo", "421, close or bad reply", "done", "RFC 5321 §3.8"},
    {"sent_helo", "421, close or bad reply", "done", "RFC 5321 §3.8"},
    {"sent_mail", "421, close or bad reply", "done", "RFC 5321 §3.8"},
    {"sent_rcpt", "421, close or bad reply", "done", "RFC 5321 §3.8"},
    {"sent_data", "421, close or bad reply", "done", "RFC 5321 §3.8"},
    {"sent_content", "421, close or bad reply", "done", "RFC 5321 §3.8"},
    // STARTTLS (RFC 3207) and implicit TLS (RFC 8314).
    {"await_greeting", "implicit TLS", "tls_handshake", "RFC 8314 §3.3"},
    {"tls_handshake", "TLS established (implicit)", "await_greeting", "RFC 8314 §3.3"},
    {"sent_ehlo", "250 to EHLO, STARTTLS offered", "sent_starttls", "RFC 3207 §4"},
    {"sent_starttls", "220 to STARTTLS", "tls_handshake", "RFC 3207 §4"},
    {"tls_handshake", "TLS established", "sent_ehlo", "RFC 3207 §4.2"},
    {"tls_handshake", "TLS failed or close", "done", "RFC 3207 §4.1"},
    {"sent_starttls", "refused, go on without TLS", "sent_mail", "RFC 3207 §4"},
    {"sent_starttls", "refused, go on without TLS", "sent_auth", "RFC 3207 §4"},
    {"sent_starttls", "refused", "sent_quit", "RFC 3207 §4"},
    {"sent_starttls", "421, close or bad reply", "done", "RFC 5321 §3.8"},
    // AUTH (RFC 4954).
    {"sent_ehlo", "250 to EHLO, AUTH", "sent_auth", "RFC 4954 §4"},
    {"sent_auth", "235", "sent_mail", "RFC 4954 §4"},
    {"sent_auth", "refused", "sent_quit", "RFC 4954 §4"},
    {"sent_auth", "421, close or bad reply", "done", "RFC 5321 §3.8"},
};

constexpr StateMachine machine{"smtp_client", "SMTP client session", states, transitions};

}  // namespace

const StateMachine& client_state_machine() { return machine; }

}  // namespace smtplab::smtp
