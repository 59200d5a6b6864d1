// smtp/commands.cpp — the command table: one check and one apply per command.
//
// Rule: everything a command changes in the session or the transaction is changed in an
// apply_* function in this file; the checks (check_*) only read. The engine
// (server_session.cpp) frames lines, dispatches here, sends replies and moves states.
#include "smtp/commands.hpp"

#include <array>

#include "core/address.hpp"
#include "smtp/auth.hpp"
#include "smtp/extensions.hpp"

namespace smtplab::smtp {

namespace {

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool istarts_with(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (upper(text[i]) != upper(prefix[i])) return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) { return a.size() == b.size() && istarts_with(a, b); }

bool is_alnum(char c) { return (c >= '0' && c <= '9') || (upper(c) >= 'A' && upper(c) <= 'Z'); }

// ---------------------------------------------------------------------------------------
// MAIL and RCPT arguments, read the same way by check and by apply.

struct MailArguments {
  std::optional<Reply> error;
  Path path;
  std::vector<Parameter> parameters;
  std::size_t declared_size = 0;
};

// RFC 1870 §3: size-value ::= 1*20DIGIT. A number too large for size_t is certainly
// over our limit, so it saturates instead of wrapping.
std::optional<std::size_t> read_size(std::string_view digits) {
  if (digits.empty() || digits.size() > 20) return std::nullopt;
  std::size_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::size_t>(c - '0');
    value = value > (static_cast<std::size_t>(-1) - digit) / 10 ? static_cast<std::size_t>(-1)
                                                                 : value * 10 + digit;
  }
  return value;
}

MailArguments read_mail(const Command& command, const ServerConfig& config, const Session& session) {
  MailArguments result;
  // RFC 5321 §4.1.1.2: mail = "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF
  if (!istarts_with(command.argument, "FROM:")) {
    result.error = make_reply(ReplyId::SyntaxErrorParameters, "the syntax is MAIL FROM:<address>");
    return result;
  }
  const PathParse parse = config.seams.parse_reverse_path(std::string_view(command.argument).substr(5));
  if (!parse.path) {
    result.error = make_reply(parse.error, parse.why);
    return result;
  }
  result.path = *parse.path;
  ParameterParse params = config.seams.parse_esmtp_parameters(parse.parameters);
  if (!params.why.empty()) {
    result.error = make_reply(ReplyId::SyntaxErrorParameters, params.why);
    return result;
  }
  for (const Parameter& p : params.parameters) {
    // RFC 5321 §4.1.1.11: "If the server SMTP does not recognize or cannot implement one
    // or more of the parameters associated with a particular MAIL FROM or RCPT TO
    // command, it will return code 555." Parameters exist only after EHLO (§2.2.1), so
    // a HELO session gets the same answer for any of them.
    if (p.keyword == "SIZE" && session.esmtp) {
      const auto size = read_size(p.value);
      if (!size) {
        result.error = make_reply(ReplyId::SyntaxErrorParameters, "SIZE= needs a decimal number of octets");
        return result;
      }
      // RFC 1870 §6: "If the size is larger than the fixed maximum message size the server
      // MUST" refuse the MAIL command with 552 (section 6.1 of RFC 1870, "552 message
      // size exceeds fixed maximum message size").
      if (*size > config.message_size_max) {
        result.error = make_reply(ReplyId::MessageTooBigForSystem,
                                  "the limit is " + std::to_string(config.message_size_max) + " octets");
        return result;
      }
      result.declared_size = *size;
    } else if (p.keyword == "BODY" && session.esmtp && config.advertise_8bitmime) {
      // RFC 6152 §3: body-value ::= "7BIT" / "8BITMIME".
      if (!iequals(p.value, "7BIT") && !iequals(p.value, "8BITMIME")) {
        result.error = make_reply(ReplyId::SyntaxErrorParameters, "BODY= must be 7BIT or 8BITMIME");
        return result;
      }
    } else {
      result.error = make_reply(ReplyId::ParameterNotImplemented,
                                "this server does not implement the MAIL parameter " + p.keyword);
      return result;
    }
  }
  result.parameters = std::move(params.parameters);
  return result;
}

struct RcptArguments {
  std::optional<Reply> error;
  Path path;
};

RcptArguments read_rcpt(const Command& command, const ServerConfig& config) {
  RcptArguments result;
  // RFC 5321 §4.1.1.3: rcpt = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" /
  //                     Forward-path ) [SP Rcpt-parameters] CRLF
  if (!istarts_with(command.argument, "TO:")) {
    result.error = make_reply(ReplyId::SyntaxErrorParameters, "the syntax is RCPT TO:<address>");
    return result;
  }
  const PathParse parse = config.seams.parse_forward_path(std::string_view(command.argument).substr(3));
  if (!parse.path) {
    result.error = make_reply(parse.error, parse.why);
    return result;
  }
  const ParameterParse params = config.seams.parse_esmtp_parameters(parse.parameters);
  if (!params.why.empty()) {
    result.error = make_reply(ReplyId::SyntaxErrorParameters, params.why);
    return result;
  }
  if (!params.parameters.empty()) {
    // RFC 5321 §4.1.1.11 (see read_mail): no RCPT parameter is implemented yet (DSN's
    // NOTIFY and ORCPT come with a later issue).
    result.error = make_reply(ReplyId::ParameterNotImplemented,
                              "this server does not implement the RCPT parameter " +
                                  params.parameters.front().keyword);
    return result;
  }
  result.path = *parse.path;
  return result;
}

std::optional<Reply> no_argument(const Command& command, std::string_view syntax) {
  if (command.argument.empty()) return std::nullopt;
  return make_reply(ReplyId::SyntaxErrorParameters, "the syntax is " + std::string(syntax));
}

// ---------------------------------------------------------------------------------------
// Checks: may refuse, change nothing.

std::optional<Reply> check_helo(const CheckContext& context, const Command& command) {
  // RFC 5321 §4.1.1.1: ehlo = "EHLO" SP ( Domain / address-literal ) CRLF, and the same
  // for helo. The argument is checked for syntax only: §4.1.4 says the server "MUST NOT"
  // refuse a session because the name does not match the client's address.
  if (command.argument.empty())
    return make_reply(ReplyId::BadHeloSyntax);
  // The address parser explains domain errors; a mailbox around the name reuses it.
  const MailboxParse parse = parse_mailbox("postmaster@" + command.argument);
  if (!parse.mailbox) return make_reply(ReplyId::BadHeloSyntax, parse.why);
  return context.policy.on_helo(context.session, command.argument);
}

std::optional<Reply> check_mail(const CheckContext& context, const Command& command) {
  MailArguments mail = read_mail(command, context.config, context.session);
  if (mail.error) return mail.error;
  return context.policy.on_mail_from(context.session, context.tx, mail.path);
}

std::optional<Reply> check_rcpt(const CheckContext& context, const Command& command) {
  RcptArguments rcpt = read_rcpt(command, context.config);
  if (rcpt.error) return rcpt.error;
  // RFC 5321 §4.5.3.1.10: "The correct reply code for this condition is 452. Clients
  // SHOULD treat a 452 reply as a temporary error" and send the rest in a later
  // transaction.
  if (context.tx.rcpt_to.size() >= context.config.recipients_max)
    return make_reply(ReplyId::TooManyRecipients,
                      "at most " + std::to_string(context.config.recipients_max) + " per message");
  return context.policy.on_rcpt_to(context.session, context.tx, rcpt.path);
}

std::optional<Reply> check_data(const CheckContext& context, const Command& command) {
  if (auto error = no_argument(command, "DATA")) return error;  // RFC 5321 §4.1.1.4: data = "DATA" CRLF
  // RFC 5321 §4.1.1.4: "If accepted, the SMTP server returns a 354 Intermediate reply";
  // the policy may refuse instead (4yz: try later, 5yz: the whole transaction fails,
  // §3.3). A refusal changes nothing: no 354, so the client does not send the message.
  return context.policy.on_data(context.session, context.tx);
}
std::optional<Reply> check_rset(const CheckContext&, const Command& command) {
  return no_argument(command, "RSET");  // RFC 5321 §4.1.1.5: rset = "RSET" CRLF
}
std::optional<Reply> check_quit(const CheckContext&, const Command& command) {
  return no_argument(command, "QUIT");  // RFC 5321 §4.1.1.10: quit = "QUIT" CRLF
}
std::optional<Reply> check_nothing(const CheckContext&, const Command&) { return std::nullopt; }

std::optional<Reply> check_vrfy(const CheckContext&, const Command& command) {
  // RFC 5321 §4.1.1.6: vrfy = "VRFY" SP String CRLF
  if (command.argument.empty()) return make_reply(ReplyId::SyntaxErrorParameters, "the syntax is VRFY name");
  return std::nullopt;
}

std::optional<Reply> check_expn(const CheckContext&, const Command&) {
  // RFC 5321 §3.5.2 lets a server disable EXPN; listing a mailing list's members tells
  // spammers whom to write to.
  return make_reply(ReplyId::CommandNotImplemented);
}

// ---------------------------------------------------------------------------------------
// Applies: change the session or the transaction, name the reply and the next state.

CommandOutcome apply_helo(ApplyContext& context, const Command& command) {
  // RFC 5321 §4.1.4: "An EHLO command MAY be issued by a client later in the session. If
  // it is issued after the session begins and the EHLO command is acceptable to the SMTP
  // server, the SMTP server MUST clear all buffers and reset the state exactly as if a
  // RSET command had been issued." The session (who the client is) stays.
  context.session.helo_name = command.argument;
  context.session.esmtp = command.verb == Verb::Ehlo;
  context.tx = Transaction{};
  Reply reply;
  if (command.verb == Verb::Ehlo) {
    // RFC 5321 §4.1.1.1: the first line is the server's name, then one keyword a line.
    reply.code = reply_info(ReplyId::EhloOk).code;
    reply.lines.push_back(context.config.host_name);
    for (std::string& line : ehlo_keyword_lines(context.config, context.session)) reply.lines.push_back(std::move(line));
  } else {
    reply = make_reply(ReplyId::HeloOk, context.config.host_name);
  }
  return {std::move(reply), ServerState::Ready, "HELO/EHLO"};
}

CommandOutcome apply_mail(ApplyContext& context, const Command& command) {
  MailArguments mail = read_mail(command, context.config, context.session);
  // RFC 5321 §4.1.1.2: "This command clears the reverse-path buffer, the forward-path
  // buffer, and the mail data buffer".
  context.tx = Transaction{};
  context.tx.mail_from = std::move(mail.path);
  context.tx.mail_parameters = std::move(mail.parameters);
  context.tx.declared_size = mail.declared_size;
  return {make_reply(ReplyId::SenderOk), ServerState::MailGiven, "MAIL"};
}

CommandOutcome apply_rcpt(ApplyContext& context, const Command& command) {
  RcptArguments rcpt = read_rcpt(command, context.config);
  context.tx.rcpt_to.push_back(std::move(rcpt.path));
  return {make_reply(ReplyId::RecipientOk), ServerState::RcptGiven, "RCPT"};
}

CommandOutcome apply_data(ApplyContext&, const Command&) {
  // RFC 5321 §4.1.1.4: "the receiver normally sends a 354 response to DATA, and then
  // treats the lines (strings ending in <CRLF> sequences...) following the command as
  // mail data from the sender."
  return {make_reply(ReplyId::StartMailInput), ServerState::Data, "DATA (354)"};
}

CommandOutcome apply_rset(ApplyContext& context, const Command&) {
  // RFC 5321 §4.1.1.5: "any stored sender, recipients, and mail data MUST be discarded,
  // and all buffers and state tables cleared". The session (HELO) is kept.
  context.tx = Transaction{};
  const bool in_transaction =
      context.state == ServerState::MailGiven || context.state == ServerState::RcptGiven;
  return {make_reply(ReplyId::ResetOk), in_transaction ? ServerState::Ready : context.state, "RSET"};
}

CommandOutcome apply_noop(ApplyContext& context, const Command&) {
  return {make_reply(ReplyId::NoopOk), context.state, "NOOP"};
}

CommandOutcome apply_quit(ApplyContext&, const Command&) {
  // RFC 5321 §4.1.1.10: "The receiver MUST send a "221 OK" reply, and then close the
  // transmission channel."
  return {make_reply(ReplyId::ServiceClosing), ServerState::Closing, "QUIT / 421"};
}

CommandOutcome apply_vrfy(ApplyContext& context, const Command&) {
  // RFC 5321 §3.5.3: 252 says "cannot verify, but will accept and attempt delivery";
  // it gives no address away.
  return {make_reply(ReplyId::CannotVerify), context.state, "VRFY"};
}

CommandOutcome apply_help(ApplyContext& context, const Command&) {
  return {make_reply(ReplyId::HelpMessage), context.state, "HELP"};
}

CommandOutcome apply_expn(ApplyContext& context, const Command&) {
  return {make_reply(ReplyId::CommandNotImplemented), context.state, "EXPN"};  // never reached
}

// ---------------------------------------------------------------------------------------
// STARTTLS (RFC 3207). The switch to TLS itself is the engine's: it happens after the 220
// has been sent in plaintext.

std::optional<Reply> check_starttls(const CheckContext& context, const Command& command) {
  // RFC 3207 §4: "STARTTLS" CRLF, and "501 Syntax error (no parameters allowed)".
  if (!command.argument.empty()) return make_reply(ReplyId::SyntaxErrorParameters, "the syntax is STARTTLS");
  if (!context.config.tls) return make_reply(ReplyId::CommandNotImplemented, "TLS is not configured here");
  // RFC 3207 §4.2: after the handshake the server "MUST NOT return the STARTTLS
  // extension in response to an EHLO command"; a second STARTTLS is out of sequence.
  if (context.session.tls) return make_reply(ReplyId::BadSequence, "TLS is already active");
  return std::nullopt;
}

CommandOutcome apply_starttls(ApplyContext&, const Command&) {
  // RFC 3207 §4: "220 Ready to start TLS"; the client starts the handshake at once.
  return {make_reply(ReplyId::TlsGoAhead), ServerState::TlsHandshake, "STARTTLS (220)"};
}

// ---------------------------------------------------------------------------------------
// The table. AUTH's check and apply are in auth.cpp.

using S = ServerState;
constexpr S session_states[] = {S::Greeted, S::Ready, S::MailGiven, S::RcptGiven};
constexpr S helo_states[] = {S::Greeted, S::Ready, S::MailGiven, S::RcptGiven};
constexpr S mail_states[] = {S::Ready};
// RFC 3207 §4 (after EHLO, outside a transaction) and RFC 4954 §4: "The AUTH command is
// not permitted during a mail transaction."
constexpr S ready_states[] = {S::Ready};
constexpr S rcpt_states[] = {S::MailGiven, S::RcptGiven};
constexpr S data_states[] = {S::RcptGiven};
// RFC 5321 §3.1: after a 554 greeting the server "MUST still wait for the client to send
// a QUIT".
constexpr S quit_states[] = {S::Greeted, S::Refused, S::Ready, S::MailGiven, S::RcptGiven};

constexpr PipeliningRule any = PipeliningRule::AnyPosition;
constexpr PipeliningRule ends = PipeliningRule::EndsGroup;

constexpr CommandSpec table[] = {
    {Verb::Helo, "HELO", "RFC 5321 §4.1.1.1", helo_states, ends, check_helo, apply_helo},
    {Verb::Ehlo, "EHLO", "RFC 5321 §4.1.1.1", helo_states, ends, check_helo, apply_helo},
    {Verb::Mail, "MAIL", "RFC 5321 §4.1.1.2", mail_states, any, check_mail, apply_mail},
    {Verb::Rcpt, "RCPT", "RFC 5321 §4.1.1.3", rcpt_states, any, check_rcpt, apply_rcpt},
    {Verb::Data, "DATA", "RFC 5321 §4.1.1.4", data_states, ends, check_data, apply_data},
    {Verb::Rset, "RSET", "RFC 5321 §4.1.1.5", session_states, any, check_rset, apply_rset},
    {Verb::Noop, "NOOP", "RFC 5321 §4.1.1.9", session_states, ends, check_nothing, apply_noop},
    {Verb::Quit, "QUIT", "RFC 5321 §4.1.1.10", quit_states, ends, check_quit, apply_quit},
    {Verb::Vrfy, "VRFY", "RFC 5321 §4.1.1.6", session_states, ends, check_vrfy, apply_vrfy},
    {Verb::Expn, "EXPN", "RFC 5321 §4.1.1.7", session_states, ends, check_expn, apply_expn},
    {Verb::Help, "HELP", "RFC 5321 §4.1.1.8", session_states, ends, check_nothing, apply_help},
    // RFC 2920 §3.1 does not name them; both change what the client must do next.
    {Verb::Starttls, "STARTTLS", "RFC 3207 §4", ready_states, ends, check_starttls, apply_starttls},
    {Verb::Auth, "AUTH", "RFC 4954 §4", ready_states, ends, check_auth, apply_auth},
};

}  // namespace

std::string_view to_string(Verb verb) {
  if (const CommandSpec* spec = find_command(verb)) return spec->name;
  return "unknown";
}

std::string_view to_string(PipeliningRule rule) {
  switch (rule) {
    case PipeliningRule::AnyPosition: return "any_position";
    case PipeliningRule::EndsGroup: return "ends_group";
  }
  return "unknown";
}

Command parse_command(std::string_view line) {
  // Trailing spaces are not in RFC 5321's grammar, but many clients send them; we
  // drop them rather than refuse (an interpretation, in the spirit of §4.1.1's
  // tolerance of "HELO" variants; the RFC has no explicit rule).
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  Command command;
  const std::size_t space = line.find(' ');
  const std::string_view verb = line.substr(0, space);
  command.verb_text.reserve(verb.size());
  for (char c : verb) command.verb_text += upper(c);
  if (space != std::string_view::npos) command.argument = std::string(line.substr(space + 1));
  for (const auto& spec : table)
    if (spec.name == command.verb_text) command.verb = spec.verb;
  return command;
}

bool CommandSpec::allowed_in(ServerState state) const {
  for (ServerState s : allowed)
    if (s == state) return true;
  return false;
}

std::span<const CommandSpec> command_table() { return table; }

const CommandSpec* find_command(Verb verb) {
  for (const auto& spec : table)
    if (spec.verb == verb) return &spec;
  return nullptr;
}

Reply sequence_reply(Verb verb, ServerState state) {
  // RFC 5321 §3.1: after a 554 greeting the server "SHOULD respond to any intervening
  // commands with "503 bad sequence of commands"".
  if (state == ServerState::Refused) return make_reply(ReplyId::BadSequence);
  // RFC 5321 §4.1.4: "the SMTP server MUST ... 503 ... if the commands are out of order";
  // a mail transaction needs HELO/EHLO first (§4.1.4: "A session that will contain mail
  // transactions MUST first be initialized by the use of the EHLO command"), then MAIL,
  // then at least one RCPT before DATA.
  if (state == ServerState::Greeted) return make_reply(ReplyId::NeedHelo);
  if (verb == Verb::Mail) return make_reply(ReplyId::NestedMail);
  if (verb == Verb::Rcpt) return make_reply(ReplyId::NeedMail);
  if (verb == Verb::Data)
    return make_reply(state == ServerState::MailGiven ? ReplyId::NeedRcpt : ReplyId::NeedMail);
  return make_reply(ReplyId::BadSequence);
}

ParameterParse parse_esmtp_parameters(std::string_view text) {
  ParameterParse result;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ') { ++pos; continue; }
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    const std::string_view param = text.substr(pos, end - pos);
    pos = end;
    const std::size_t eq = param.find('=');
    const std::string_view keyword = param.substr(0, eq);
    // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
    bool keyword_ok = !keyword.empty() && is_alnum(keyword.front());
    for (char c : keyword) keyword_ok = keyword_ok && (is_alnum(c) || c == '-');
    if (!keyword_ok) {
      result.why = "a parameter keyword must be letters, digits and hyphens (RFC 5321 §4.1.2)";
      return result;
    }
    Parameter p;
    for (char c : keyword) p.keyword += upper(c);
    if (eq != std::string_view::npos) {
      // esmtp-value = 1*(%d33-60 / %d62-126): printable ASCII except "=".
      const std::string_view value = param.substr(eq + 1);
      bool value_ok = !value.empty();
      for (char c : value) value_ok = value_ok && c >= 33 && c <= 126 && c != '=';
      if (!value_ok) {
        result.why = "the value of " + p.keyword + "= must be printable ASCII without '=' (RFC 5321 §4.1.2)";
        return result;
      }
      p.value = std::string(value);
    }
    for (const Parameter& seen : result.parameters) {
      if (seen.keyword == p.keyword) {
        result.why = "the parameter " + p.keyword + " is given twice";
        return result;
      }
    }
    result.parameters.push_back(std::move(p));
  }
  return result;
}

}  // namespace smtplab::smtp
