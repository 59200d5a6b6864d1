// smtp/auth.cpp — AUTH PLAIN and LOGIN on the server: checks, the 334 exchange, the
// verdict, the failure counter and the masking of credentials in the trace.
//
// Rule: everything AUTH changes in the session (auth_user, auth_failures, the exchange
// in progress) is changed in this file.
#include "smtp/auth.hpp"

#include "smtp/user_db.hpp"

namespace smtplab::smtp {

namespace {

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// draft-murchison-sasl-login-00 §2: the server's prompts, base64 of "Username:" and
// "Password:".
constexpr std::string_view login_user_prompt = "VXNlcm5hbWU6";
constexpr std::string_view login_password_prompt = "UGFzc3dvcmQ6";

struct AuthArguments {
  std::string mechanism;                    // as sent, upper-cased
  std::optional<std::string> initial;       // the initial response, still base64
};

// RFC 4954 §4: "AUTH" SP sasl-mech [SP initial-response]; initial-response = base64 / "="
AuthArguments read_auth(const Command& command) {
  AuthArguments result;
  const std::string& argument = command.argument;
  const std::size_t space = argument.find(' ');
  for (char c : argument.substr(0, space)) result.mechanism += upper(c);
  if (space != std::string::npos) result.initial = argument.substr(space + 1);
  return result;
}

Reply challenge(std::string_view base64) {
  // RFC 4954 §4: "a server challenge ... consists of a 334 reply with the text part
  // containing the [BASE64] encoded string supplied by the SASL mechanism".
  Reply reply = make_reply(ReplyId::AuthContinue);
  reply.lines = {std::string(base64)};
  return reply;
}

Event auth_event(const ApplyContext& context, std::string summary, std::string_view result) {
  Event event;
  event.kind = EventKind::AuthStep;
  event.summary = std::move(summary);
  event.explain = "auth." + std::string(result);
  event.rfc = "RFC 4954 §4";
  event.with("mechanism", std::string(to_string(context.auth.mechanism))).with("result", std::string(result));
  return event;
}

CommandOutcome back_to_ready(ApplyContext& context, Reply reply) {
  context.auth = AuthExchange{};
  return {std::move(reply), ServerState::Ready, "235, 535 or 501"};
}

// The end of every exchange: check the credentials, count failures.
CommandOutcome verdict(ApplyContext& context, std::string_view authzid, std::string_view user,
                       std::string_view password) {
  // RFC 4616 §2: the authorization identity, when given, is whom the client wants to act
  // as; we allow only acting as oneself (no proxy authorization).
  const bool identity_ok = authzid.empty() || authzid == user;
  const bool ok = identity_ok && !user.empty() && context.policy.check_password(context.session, user, password);
  Event event = auth_event(context, "", ok ? "success" : "failure");
  event.with("user", std::string(user)).with("password", "(masked)");
  if (!authzid.empty()) event.with("authzid", std::string(authzid));
  if (ok) {
    event.summary = "AUTH " + std::string(to_string(context.auth.mechanism)) + ": " + std::string(user) +
                    " authenticated";
    context.events.push_back(std::move(event));
    context.session.auth_user = std::string(user);
    // RFC 4954 §6: "235 2.7.0 Authentication Succeeded".
    return back_to_ready(context, make_reply(ReplyId::AuthSucceeded));
  }
  ++context.session.auth_failures;
  event.summary = "AUTH " + std::string(to_string(context.auth.mechanism)) + ": credentials for " +
                  std::string(user.empty() ? "(no user)" : user) + " refused (failure " +
                  std::to_string(context.session.auth_failures) + " of " +
                  std::to_string(context.config.auth_failures_max) + ")";
  event.with("failures", std::to_string(context.session.auth_failures));
  context.events.push_back(std::move(event));
  if (context.session.auth_failures >= context.config.auth_failures_max) {
    // Our rate limit (session_types.hpp): end the session, the client must reconnect.
    context.auth = AuthExchange{};
    return {make_auth_reply(AuthReplyId::TooManyFailures), ServerState::Closing,
            "421 too many failures or timeout"};
  }
  // RFC 4954 §6: "535 5.7.8 Authentication credentials invalid". The same reply for an
  // unknown user and a wrong password, so the reply does not reveal which users exist.
  return back_to_ready(context, make_reply(ReplyId::AuthInvalid));
}

CommandOutcome plain_response(ApplyContext& context, std::string_view decoded) {
  // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
  const std::size_t first = decoded.find('\0');
  const std::size_t second = first == std::string_view::npos ? first : decoded.find('\0', first + 1);
  if (second == std::string_view::npos) return verdict(context, {}, {}, {});
  return verdict(context, decoded.substr(0, first), decoded.substr(first + 1, second - first - 1),
                 decoded.substr(second + 1));
}

// The outcome when a response line is "*" or not base64 (RFC 4954 §4).
std::optional<CommandOutcome> refuse_response(ApplyContext& context, std::string_view line,
                                              std::optional<std::string>& decoded) {
  // RFC 4954 §4: "If the client wishes to cancel an authentication exchange, it issues a
  // line with a single "*". If the server receives such a response, it MUST reject the
  // AUTH command by sending a 501 reply."
  if (line == "*") {
    context.events.push_back(auth_event(context, "AUTH cancelled by the client", "cancelled"));
    return back_to_ready(context, make_auth_reply(AuthReplyId::Cancelled));
  }
  // RFC 4954 §4: "If the server cannot [BASE64] decode any client response, it MUST
  // reject the AUTH command with a 501 reply."
  // RFC 4954 §4: a zero-length initial response is sent as "=".
  decoded = line == "=" ? std::optional<std::string>(std::string()) : base64_decode(line);
  if (!decoded) {
    context.events.push_back(auth_event(context, "AUTH response is not base64", "bad_base64"));
    return back_to_ready(context, make_auth_reply(AuthReplyId::CannotDecode));
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(AuthMechanism mechanism) {
  switch (mechanism) {
    case AuthMechanism::Plain: return "PLAIN";
    case AuthMechanism::Login: return "LOGIN";
  }
  return "unknown";
}

std::string_view to_string(AuthStep step) {
  switch (step) {
    case AuthStep::None: return "none";
    case AuthStep::PlainResponse: return "plain_response";
    case AuthStep::LoginUser: return "login_user";
    case AuthStep::LoginPassword: return "login_password";
  }
  return "unknown";
}

std::optional<AuthMechanism> parse_auth_mechanism(std::string_view name) {
  std::string upper_name;
  for (char c : name) upper_name += upper(c);
  if (upper_name == "PLAIN") return AuthMechanism::Plain;
  if (upper_name == "LOGIN") return AuthMechanism::Login;
  return std::nullopt;
}

std::string_view to_string(AuthReplyId id) {
  switch (id) {
    case AuthReplyId::UnknownMechanism: return "unknown_mechanism";
    case AuthReplyId::CannotDecode: return "cannot_decode";
    case AuthReplyId::Cancelled: return "cancelled";
    case AuthReplyId::TooManyFailures: return "too_many_failures";
  }
  return "unknown";
}

Reply make_auth_reply(AuthReplyId id) {
  Reply reply;
  switch (id) {
    case AuthReplyId::UnknownMechanism:  // RFC 4954 §6
      reply = {504, {5, 5, 4}, {"Unrecognized authentication type"}};
      break;
    case AuthReplyId::CannotDecode:  // RFC 4954 §6
      reply = {501, {5, 5, 2}, {"Cannot Base64-decode Client responses"}};
      break;
    case AuthReplyId::Cancelled:  // RFC 4954 §4 ("MUST reject ... with a 501 reply")
      reply = {501, {5, 7, 0}, {"Authentication cancelled"}};
      break;
    case AuthReplyId::TooManyFailures:  // RFC 5321 §3.8 421, with RFC 3463 X.7.0 (security)
      reply = {421, {4, 7, 0}, {"Too many failed authentication attempts, closing connection"}};
      break;
  }
  return reply;
}

std::optional<Reply> check_auth(const CheckContext& context, const Command& command) {
  if (context.config.auth_mechanisms.empty())
    return make_reply(ReplyId::CommandNotImplemented, "AUTH is not offered here");
  // RFC 4954 §4: "After a successful AUTH command completes, a server MUST reject any
  // further AUTH commands with a 503 reply."
  if (!context.session.auth_user.empty()) return make_reply(ReplyId::BadSequence, "already authenticated");
  const AuthArguments args = read_auth(command);
  if (args.mechanism.empty()) return make_reply(ReplyId::SyntaxErrorParameters, "the syntax is AUTH mechanism");
  const std::optional<AuthMechanism> mechanism = parse_auth_mechanism(args.mechanism);
  bool offered = false;
  for (AuthMechanism m : context.config.auth_mechanisms) offered = offered || (mechanism && m == *mechanism);
  // RFC 4954 §4: "If the requested authentication mechanism is ... not supported, the
  // server rejects the AUTH command with a 504 reply."
  if (!offered) return make_auth_reply(AuthReplyId::UnknownMechanism);
  // RFC 4954 §6: "538 5.7.11 Encryption required for requested authentication
  // mechanism". PLAIN and LOGIN carry the password itself (RFC 4616 §6: "the PLAIN
  // mechanism ... should not be used without adequate data security protection").
  if (!context.session.tls && !context.config.auth_before_tls)
    return make_reply(ReplyId::EncryptionRequiredForAuth);
  return std::nullopt;
}

CommandOutcome apply_auth(ApplyContext& context, const Command& command) {
  const AuthArguments args = read_auth(command);
  context.auth = AuthExchange{};
  context.auth.mechanism = *parse_auth_mechanism(args.mechanism);  // check_auth made sure
  Event start = auth_event(context, "AUTH " + args.mechanism + " started", "started");
  start.with("initial_response", args.initial ? "yes" : "no");
  context.events.push_back(std::move(start));

  if (args.initial) {
    std::optional<std::string> decoded;
    if (auto refused = refuse_response(context, *args.initial, decoded)) return std::move(*refused);
    if (context.auth.mechanism == AuthMechanism::Plain) return plain_response(context, *decoded);
    // LOGIN with an initial response: it is the user name (as Outlook and swaks send it).
    context.auth.user = std::move(*decoded);
    context.auth.step = AuthStep::LoginPassword;
    return {challenge(login_password_prompt), ServerState::Auth, "AUTH (334)"};
  }
  if (context.auth.mechanism == AuthMechanism::Plain) {
    // RFC 4954 §4: with no initial response the server sends an empty challenge ("334 ")
    // and the client answers with its PLAIN message.
    context.auth.step = AuthStep::PlainResponse;
    return {challenge(""), ServerState::Auth, "AUTH (334)"};
  }
  context.auth.step = AuthStep::LoginUser;
  return {challenge(login_user_prompt), ServerState::Auth, "AUTH (334)"};
}

CommandOutcome continue_auth(ApplyContext& context, std::string_view line) {
  std::optional<std::string> decoded;
  if (auto refused = refuse_response(context, line, decoded)) return std::move(*refused);
  switch (context.auth.step) {
    case AuthStep::PlainResponse:
      return plain_response(context, *decoded);
    case AuthStep::LoginUser: {
      Event event = auth_event(context, "LOGIN user name: " + *decoded, "user");
      event.with("user", *decoded);
      context.events.push_back(std::move(event));
      context.auth.user = std::move(*decoded);
      context.auth.step = AuthStep::LoginPassword;
      return {challenge(login_password_prompt), ServerState::Auth, "AUTH (334)"};
    }
    case AuthStep::LoginPassword: {
      const std::string user = std::move(context.auth.user);
      return verdict(context, {}, user, *decoded);
    }
    case AuthStep::None:
      break;
  }
  return back_to_ready(context, make_reply(ReplyId::BadSequence));  // our bug: no exchange
}

std::string mask_auth_command(std::string_view line) {
  // "AUTH" SP mechanism [SP initial-response]: keep the first two words.
  const std::size_t first = line.find(' ');
  if (first == std::string_view::npos) return std::string(line);
  const std::size_t second = line.find(' ', first + 1);
  if (second == std::string_view::npos) return std::string(line);
  return std::string(line.substr(0, second + 1)) + std::string(line.size() - second - 1, '*');
}

std::string masked_response(std::string_view line) {
  if (line == "*") return "*";  // a cancel reveals nothing
  return std::string(line.size(), '*');
}

}  // namespace smtplab::smtp
