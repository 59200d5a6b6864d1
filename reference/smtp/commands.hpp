// smtp/commands.hpp — the server's command table: for each verb, where it is allowed,
// how it is checked, what it changes, and how it may be pipelined.
//
// Standards: RFC 5321 §4.1.1 (the commands and their syntax), §4.1.2 (esmtp-param),
//            §4.1.4 (order of commands), §2.4 (verbs are case-insensitive), §3.1
//            (after a 554 greeting only QUIT), RFC 2920 §3.1 (which commands end a
//            pipelined group), RFC 1870 §6 (SIZE=), RFC 6152 §3 (BODY=).
//
// API:
//   parse_command(line)            -> Command {verb, verb_text, argument}
//   command_table() / find_command(verb)
//     CommandSpec {verb, name, rfc, allowed states, pipelining rule, check, apply}
//   sequence_reply(verb, state)    the 503 a command gets outside its allowed states
//   parse_esmtp_parameters(text)   MAIL/RCPT parameters (RFC 5321 §4.1.2)
//
// Rule (STYLE §4): check() reads the session and may refuse with a Reply; it changes
// nothing in the engine. apply() runs only after check() said yes, changes the
// session or the transaction, and says which reply to send and which state to enter.
//
// STARTTLS (RFC 3207) and AUTH (RFC 4954, see auth.hpp) are rows like the others; the
// engine does the switch to TLS after STARTTLS's 220.
//
// Not implemented: BDAT, ETRN, TURN (later issues or never); EXPN
// answers 502 (RFC 5321 §3.5.2 allows disabling it, and listing members leaks names).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/reply.hpp"
#include "core/trace.hpp"
#include "smtp/server_policy.hpp"
#include "smtp/server_session.hpp"
#include "smtp/session_types.hpp"

namespace smtplab::smtp {

enum class Verb { Helo, Ehlo, Mail, Rcpt, Data, Rset, Noop, Quit, Vrfy, Expn, Help, Starttls, Auth, Unknown };
std::string_view to_string(Verb verb);  // "HELO", ..., "unknown"

struct Command {
  Verb verb = Verb::Unknown;
  std::string verb_text;  // upper-cased, as the client spelled it
  std::string argument;   // after the first space, trailing spaces removed
};

// RFC 5321 §4.1.1: a command is a verb, optionally SP and an argument. Verbs are
// compared case-insensitively (§2.4).
Command parse_command(std::string_view line);

// RFC 2920 §3.1: "The EHLO, DATA, VRFY, EXPN, TURN, QUIT, and NOOP commands can only
// appear as the last command in a group"; RSET, MAIL FROM and RCPT TO "can appear
// anywhere in a pipelined command group". Commands RFC 2920 does not name (HELO, HELP)
// change what the client must do next, so we treat them as ending a group too.
enum class PipeliningRule { AnyPosition, EndsGroup };
std::string_view to_string(PipeliningRule rule);

// What a check may read (and the policy it may ask).
struct CheckContext {
  const ServerConfig& config;
  ServerPolicy& policy;
  ServerState state;
  const Session& session;
  const Transaction& tx;
};

// What an apply may change. AUTH also needs the policy (to check a password), the
// exchange in progress, and a place for its auth_step events.
struct ApplyContext {
  const ServerConfig& config;
  ServerState state;
  Session& session;
  Transaction& tx;
  ServerPolicy& policy;
  AuthExchange& auth;
  std::vector<Event>& events;
};

struct CommandOutcome {
  Reply reply;
  ServerState next;          // equal to the current state when nothing moves
  std::string_view trigger;  // the transition's trigger, as in server_transitions.cpp
};

struct CommandSpec {
  Verb verb;
  std::string_view name;  // "MAIL"
  std::string_view rfc;   // "RFC 5321 §4.1.1.2"
  std::span<const ServerState> allowed;
  PipeliningRule pipelining;
  std::optional<Reply> (*check)(const CheckContext& context, const Command& command);
  CommandOutcome (*apply)(ApplyContext& context, const Command& command);

  bool allowed_in(ServerState state) const;
};

std::span<const CommandSpec> command_table();
const CommandSpec* find_command(Verb verb);  // nullptr for Verb::Unknown

// The reply for a known command in a state where it is not allowed (RFC 5321 §4.1.4:
// "503 Bad sequence of commands", with the variant that says what is missing).
Reply sequence_reply(Verb verb, ServerState state);

struct ParameterParse {
  std::vector<Parameter> parameters;
  std::string why;  // empty on success
};
// RFC 5321 §4.1.2: esmtp-param *(SP esmtp-param), esmtp-keyword ["=" esmtp-value].
ParameterParse parse_esmtp_parameters(std::string_view text);

}  // namespace smtplab::smtp
