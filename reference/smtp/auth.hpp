// smtp/auth.hpp — the server's side of SMTP AUTH: SASL PLAIN and LOGIN.
//
// Standards: RFC 4954 (SMTP AUTH: §4 the AUTH command, the 334 exchange, "*" to cancel,
//            base64 errors; §6 the status codes 235 2.7.0, 535 5.7.8, 538 5.7.11),
//            RFC 4616 (PLAIN: [authzid] NUL authcid NUL passwd), draft-murchison-sasl-
//            login-00 (LOGIN: "Username:" and "Password:" prompts), RFC 4648 §4 (base64).
//
// API (used by the command table and ServerSession; everything AUTH changes in the
// session is changed here):
//   check_auth(context, command)        the refusals: no AUTH configured, already
//                                       authenticated, unknown mechanism, no TLS (538)
//   apply_auth(context, command)        starts the exchange: a 334 challenge, or with an
//                                       initial response the verdict (235 / 535)
//   continue_auth(context, line)        one client response line while in state auth
//   mask_auth_command(line) / masked_response(line)   what the trace shows instead
//
// Credentials never reach the trace: the AUTH command and every response line are
// recorded with their base64 replaced by '*' (same length), and an auth_step event
// names the mechanism, the user and the result, never the password.
//
// Failures are counted per session; the auth_failures_max-th failure gets 421 and the
// session closes, so one connection cannot be used to guess passwords at line speed.
//
// Not implemented: SCRAM-SHA-256 (RFC 7677), CRAM-MD5 (RFC 2195, deprecated), AUTH= on
// MAIL FROM (RFC 4954 §5), SASL security layers (none of PLAIN/LOGIN has one).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/reply.hpp"
#include "smtp/commands.hpp"

namespace smtplab::smtp {

// AuthMechanism, AuthStep and AuthExchange live in session_types.hpp (the exchange in
// progress is part of the session).
std::optional<AuthMechanism> parse_auth_mechanism(std::string_view name);  // case-insensitive

// The limits auth_failures_max_default and auth_line_length_max are in
// session_types.hpp, where ServerConfig can see them.

// Replies of RFC 4954 that the core reply table does not have yet (reported to the
// lead: they belong in core/reply.cpp). Built here, in one place, never at a call site.
enum class AuthReplyId { UnknownMechanism, CannotDecode, Cancelled, TooManyFailures };
std::string_view to_string(AuthReplyId id);
Reply make_auth_reply(AuthReplyId id);

std::optional<Reply> check_auth(const CheckContext& context, const Command& command);
CommandOutcome apply_auth(ApplyContext& context, const Command& command);
CommandOutcome continue_auth(ApplyContext& context, std::string_view line);

// "AUTH PLAIN AGFsaWNl..." -> "AUTH PLAIN ****************" (the verb and mechanism
// stay); a response line -> '*' for every octet.
std::string mask_auth_command(std::string_view line);
std::string masked_response(std::string_view line);

}  // namespace smtplab::smtp
