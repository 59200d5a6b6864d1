// smtp/auth.cpp — AUTH PLAIN and LOGIN on the server: checks, the 334 exchange, the
// verdict, the failure counter and the masking of credentials in the trace.
//
// Rule: everything AUTH changes in the session (auth_user, auth_failures, the exchange
// in progress) is changed in this file.
#include "smtp/auth.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

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

CommandOutcome authenticated(ApplyContext& context, std::string_view user, Event event);
CommandOutcome refused(ApplyContext& context, std::string_view user, Event event);

// The end of every PLAIN and LOGIN exchange: check the credentials, count failures.
CommandOutcome verdict(ApplyContext& context, std::string_view authzid, std::string_view user,
                       std::string_view password) {
  // RFC 4616 §2: the authorization identity, when given, is whom the client wants to act
  // as; we allow only acting as oneself (no proxy authorization).
  const bool identity_ok = authzid.empty() || authzid == user;
  const bool ok = identity_ok && !user.empty() && context.policy.check_password(context.session, user, password);
  Event event = auth_event(context, "", ok ? "success" : "failure");
  event.with("user", std::string(user)).with("password", "(masked)");
  if (!authzid.empty()) event.with("authzid", std::string(authzid));
  return ok ? authenticated(context, user, std::move(event)) : refused(context, user, std::move(event));
}

// The exchange succeeded: the session knows who the user is.
CommandOutcome authenticated(ApplyContext& context, std::string_view user, Event event) {
  event.summary = "AUTH " + std::string(to_string(context.auth.mechanism)) + ": " + std::string(user) +
                  " authenticated";
  context.events.push_back(std::move(event));
  context.session.auth_user = std::string(user);
  // RFC 4954 §6: "235 2.7.0 Authentication Succeeded".
  return back_to_ready(context, make_reply(ReplyId::AuthSucceeded));
}

// The exchange failed on the credentials (not on syntax): count it toward the lockout.
CommandOutcome refused(ApplyContext& context, std::string_view user, Event event) {
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

// A SCRAM message that decodes but breaks RFC 5802 §7's grammar: 501 5.5.2, not counted
// as a failed login (it says nothing about the password).
CommandOutcome scram_malformed(ApplyContext& context, std::string_view why) {
  Event event = auth_event(context, "SCRAM message malformed: " + std::string(why), "scram_malformed");
  event.rfc = "RFC 5802 §7";
  event.with("why", std::string(why));
  context.events.push_back(std::move(event));
  return back_to_ready(context, make_auth_reply(AuthReplyId::MalformedSaslMessage));
}

// RFC 5802 §5: client-first-message -> server-first-message (the salt, the iteration
// count and the combined nonce), sent base64 in a 334 (RFC 4954 §4).
CommandOutcome scram_client_first(ApplyContext& context, std::string_view decoded) {
  std::string why;
  std::optional<ScramClientFirst> first = parse_scram_client_first(decoded, &why);
  if (!first) return scram_malformed(context, why);
  // RFC 5802 §5.1 a=: we allow only acting as oneself, as with PLAIN (RFC 4616 §2).
  if (!first->authzid.empty() && first->authzid != first->user) {
    Event event = auth_event(context, "", "failure");
    event.rfc = "RFC 5802 §5.1";
    event.with("user", first->user).with("authzid", first->authzid);
    return refused(context, first->user, std::move(event));
  }
  // check_auth made sure a random source exists (auth_mechanism_usable).
  std::string server_nonce = scram_nonce(*context.config.tls->random);
  std::optional<ScramCredentials> credentials = context.policy.find_scram_credentials(context.session, first->user);
  const bool known = credentials.has_value();
  context.auth.user = first->user;
  context.auth.scram_client_first = std::string(decoded);
  context.auth.scram_server_nonce = server_nonce;
  const ScramServer server(std::move(*first), std::move(credentials), std::move(server_nonce));
  // RFC 5802 §5.1: the server-first-message is the same shape for an unknown user (a
  // salt derived from the name), so the trace says "unknown" but the wire does not.
  Event event = auth_event(context,
                           "SCRAM server-first for " + context.auth.user + ": " + server.server_first(),
                           "scram_server_first");
  event.rfc = "RFC 5802 §5";
  event.with("user", context.auth.user).with("known_user", known ? "yes" : "no");
  context.events.push_back(std::move(event));
  context.auth.step = AuthStep::ScramClientFinal;
  return {challenge(base64_encode(server.server_first())), ServerState::Auth, "AUTH (334)"};
}

// RFC 5802 §5: client-final-message (the proof) -> server-final-message (v=, the
// server's signature) in a 334; the verdict waits for the client's acknowledgement.
CommandOutcome scram_client_final(ApplyContext& context, std::string_view decoded) {
  // The same ScramServer as at client-first: same message, same nonce, same keys.
  const std::optional<ScramClientFirst> first = parse_scram_client_first(context.auth.scram_client_first);
  if (!first) return scram_malformed(context, "lost client-first-message");  // cannot happen: parsed before
  const ScramServer server(*first, context.policy.find_scram_credentials(context.session, first->user),
                           context.auth.scram_server_nonce);
  const ScramFinal result = server.verify_client_final(decoded);
  if (result.verdict == ScramVerdict::Malformed) return scram_malformed(context, result.why);
  if (result.verdict == ScramVerdict::Refused) {
    Event event = auth_event(context, "", "failure");
    event.rfc = "RFC 5802 §5";
    event.with("user", context.auth.user).with("why", result.why);
    const std::string user = context.auth.user;
    return refused(context, user, std::move(event));
  }
  Event event = auth_event(context, "SCRAM proof of " + context.auth.user + " verified; sending " + result.server_final,
                           "scram_server_final");
  event.rfc = "RFC 5802 §5";
  event.with("user", context.auth.user);
  context.events.push_back(std::move(event));
  context.auth.scram_client_first.clear();  // nothing more to check
  context.auth.scram_server_nonce.clear();
  context.auth.step = AuthStep::ScramAcknowledge;
  // RFC 4954 §4: the server-final-message is "additional data with success"; SMTP AUTH
  // has no place for it in the 235, so it travels in a 334 and the client answers with
  // an empty line.
  return {challenge(base64_encode(result.server_final)), ServerState::Auth, "AUTH (334)"};
}

}  // namespace

std::string_view to_string(AuthMechanism mechanism) {
  switch (mechanism) {
    case AuthMechanism::Plain: return "PLAIN";
    case AuthMechanism::Login: return "LOGIN";
    case AuthMechanism::ScramSha256: return "SCRAM-SHA-256";
  }
  return "unknown";
}

std::string_view to_string(AuthStep step) {
  switch (step) {
    case AuthStep::None: return "none";
    case AuthStep::PlainResponse: return "plain_response";
    case AuthStep::LoginUser: return "login_user";
    case AuthStep::LoginPassword: return "login_password";
    case AuthStep::ScramClientFirst: return "scram_client_first";
    case AuthStep::ScramClientFinal: return "scram_client_final";
    case AuthStep::ScramAcknowledge: return "scram_acknowledge";
  }
  return "unknown";
}

std::optional<AuthMechanism> parse_auth_mechanism(std::string_view name) {
  std::string upper_name;
  for (char c : name) upper_name += upper(c);
  if (upper_name == "PLAIN") return AuthMechanism::Plain;
  if (upper_name == "LOGIN") return AuthMechanism::Login;
  if (upper_name == "SCRAM-SHA-256") return AuthMechanism::ScramSha256;
  return std::nullopt;
}

bool auth_mechanism_usable(const ServerConfig& config, AuthMechanism mechanism) {
  // RFC 5802 §5.1: the server nonce must be fresh every time ("a sequence of random
  // printable characters"); without the host's random source we do not offer SCRAM
  // rather than make a predictable one.
  if (mechanism == AuthMechanism::ScramSha256) return config.tls && config.tls->random != nullptr;
  return true;
}

std::string_view to_string(AuthReplyId id) {
  switch (id) {
    case AuthReplyId::UnknownMechanism: return "unknown_mechanism";
    case AuthReplyId::CannotDecode: return "cannot_decode";
    case AuthReplyId::Cancelled: return "cancelled";
    case AuthReplyId::TooManyFailures: return "too_many_failures";
    case AuthReplyId::MalformedSaslMessage: return "malformed_sasl_message";
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
    case AuthReplyId::MalformedSaslMessage:
      // RFC 4954 §4 names 501 for responses the server cannot decode; a SASL message
      // that decodes but breaks its mechanism's grammar (RFC 5802 §7) is the same kind
      // of client error, with RFC 3463 X.5.2 "Syntax error".
      reply = {501, {5, 5, 2}, {"Malformed SASL message"}};
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
  for (AuthMechanism m : context.config.auth_mechanisms)
    offered = offered || (mechanism && m == *mechanism && auth_mechanism_usable(context.config, m));
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
    // RFC 7677 / RFC 5802 §5: the client-first-message may come as the initial response.
    if (context.auth.mechanism == AuthMechanism::ScramSha256) return scram_client_first(context, *decoded);
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
  if (context.auth.mechanism == AuthMechanism::ScramSha256) {
    // RFC 5802 §5: "the client sends the first message": an empty 334 asks for it.
    context.auth.step = AuthStep::ScramClientFirst;
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
    case AuthStep::ScramClientFirst:
      return scram_client_first(context, *decoded);
    case AuthStep::ScramClientFinal:
      return scram_client_final(context, *decoded);
    case AuthStep::ScramAcknowledge: {
      // RFC 5802 §5: after server-final the exchange is complete; RFC 4954 §4 has the
      // client answer the 334 that carried it with an empty response. Anything else is
      // not SCRAM.
      if (!decoded->empty()) return scram_malformed(context, "the answer to server-final must be empty (RFC 4954 §4)");
      Event event = auth_event(context, "", "success");
      event.rfc = "RFC 5802 §5";
      event.with("user", context.auth.user).with("password", "(never sent)");
      const std::string user = context.auth.user;
      return authenticated(context, user, std::move(event));
    }
    case AuthStep::None:
      break;
  }
  return back_to_ready(context, make_reply(ReplyId::BadSequence));  // our bug: no exchange
}

// ---- SCRAM-SHA-256 ----

namespace {

// RFC 5802 §7: saslname = 1*(value-safe-char / "=2C" / "=3D"); "If the server receives a
// username that contains '=' not followed by either '2C' or '3D', then the server MUST
// fail the authentication."
std::optional<std::string> decode_saslname(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ',') return std::nullopt;
    if (text[i] != '=') {
      out += text[i];
    } else if (text.substr(i, 3) == "=2C") {
      out += ',';
      i += 2;
    } else if (text.substr(i, 3) == "=3D") {
      out += '=';
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// RFC 5802 §7: printable = %x21-2B / %x2D-7E (visible ASCII except ",").
bool is_printable_nonce(std::string_view nonce) {
  for (const char c : nonce)
    if (c < 0x21 || c > 0x7E || c == ',') return false;
  return !nonce.empty();
}

std::vector<std::string_view> split_commas(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = text.find(',', pos);
    out.push_back(text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    if (comma == std::string_view::npos) return out;
    pos = comma + 1;
  }
}

std::optional<ScramClientFirst> scram_fail(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return std::nullopt;
}

}  // namespace

std::string scram_nonce(Random& random) {
  std::string octets(scram_server_nonce_octets, '\0');
  random.fill(reinterpret_cast<unsigned char*>(octets.data()), octets.size());
  return base64_encode(octets);
}

std::string_view to_string(ScramVerdict verdict) {
  switch (verdict) {
    case ScramVerdict::Verified: return "verified";
    case ScramVerdict::Malformed: return "malformed";
    case ScramVerdict::Refused: return "refused";
  }
  return "unknown";
}

std::optional<ScramClientFirst> parse_scram_client_first(std::string_view message, std::string* why) {
  // RFC 5802 §7: gs2-header = gs2-cbind-flag "," [ authzid ] ","
  const auto fields = split_commas(message);
  if (fields.size() < 4) return scram_fail(why, "client-first-message needs gs2-header, n= and r= (RFC 5802 §7)");
  ScramClientFirst out;
  const std::string_view flag = fields[0];
  // RFC 5802 §6: "n" = the client does not support channel binding; "y" = it does but
  // thinks the server does not (true: we do not offer -PLUS), so both are accepted.
  // "p=" asks for binding, which we do not do: "the server MUST fail authentication".
  if (flag.starts_with("p=")) return scram_fail(why, "channel binding (p=) is not supported: SCRAM-SHA-256-PLUS is not offered (RFC 5802 §6)");
  if (flag != "n" && flag != "y") return scram_fail(why, "gs2-cbind-flag must be n, y or p= (RFC 5802 §7)");
  if (!fields[1].empty()) {
    if (!fields[1].starts_with("a=")) return scram_fail(why, "authzid must be a=saslname (RFC 5802 §7)");
    const auto authzid = decode_saslname(fields[1].substr(2));
    if (!authzid) return scram_fail(why, "authzid is not a valid saslname (RFC 5802 §7)");
    out.authzid = *authzid;
  }
  out.gs2_header = std::string(fields[0]) + "," + std::string(fields[1]) + ",";
  out.bare = std::string(message.substr(out.gs2_header.size()));
  // RFC 5802 §5.1 m=: "If this attribute is present and the server does not understand
  // it, it MUST fail the authentication"; reserved-mext comes first in the bare message.
  if (fields[2].starts_with("m=")) return scram_fail(why, "mandatory extension m= is not supported (RFC 5802 §5.1)");
  if (!fields[2].starts_with("n=")) return scram_fail(why, "the user name must come as n= (RFC 5802 §7)");
  const auto user = decode_saslname(fields[2].substr(2));
  if (!user) return scram_fail(why, "n= is not a valid saslname: '=' must be =2C or =3D (RFC 5802 §5.1)");
  // RFC 5802 §5.1 n=: "the server SHOULD prepare it using the SASLprep profile".
  std::string prep_why;
  const auto prepared = saslprep_ascii(*user, &prep_why);
  if (!prepared) return scram_fail(why, "user name: " + prep_why);
  out.user = *prepared;
  if (!fields[3].starts_with("r=")) return scram_fail(why, "the nonce must follow as r= (RFC 5802 §7)");
  out.client_nonce = std::string(fields[3].substr(2));
  if (!is_printable_nonce(out.client_nonce) || out.client_nonce.size() > scram_client_nonce_max)
    return scram_fail(why, "r= must be 1 to 256 printable characters other than ',' (RFC 5802 §7)");
  // Further fields are extensions, which §5.1 lets a server ignore.
  return out;
}

ScramServer::ScramServer(ScramClientFirst first, std::optional<ScramCredentials> credentials,
                         std::string server_nonce)
    : first_(std::move(first)), credentials_(std::move(credentials)) {
  nonce_ = first_.client_nonce + server_nonce;
  // RFC 5802 §5.1: for an unknown user "the server ... might respond as if the user
  // exists": a salt derived from the name gives the same answer every time.
  const std::string salt = credentials_ ? credentials_->salt
                                        : sha256_digest("smtplab scram unknown user\n" + first_.user).substr(0, 16);
  const std::uint32_t iterations = credentials_ ? credentials_->iterations : scram_iterations_min;
  // RFC 5802 §7: server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count
  server_first_ = "r=" + nonce_ + ",s=" + base64_encode(salt) + ",i=" + std::to_string(iterations);
}

ScramFinal ScramServer::verify_client_final(std::string_view message) const {
  ScramFinal out;
  auto malformed = [&](std::string why) {
    out.verdict = ScramVerdict::Malformed;
    out.why = std::move(why);
    return out;
  };
  // RFC 5802 §7: client-final-message = client-final-message-without-proof "," proof,
  // where proof = "p=" base64 and comes last.
  const std::size_t proof_at = message.rfind(",p=");
  if (proof_at == std::string_view::npos) return malformed("client-final-message has no p= proof (RFC 5802 §7)");
  const std::string_view without_proof = message.substr(0, proof_at);
  const auto fields = split_commas(without_proof);
  if (fields.size() < 2 || !fields[0].starts_with("c=") || !fields[1].starts_with("r="))
    return malformed("client-final-message must start c=...,r=... (RFC 5802 §7)");
  const auto proof = base64_decode(message.substr(proof_at + 3));
  if (!proof || proof->size() != 32) return malformed("p= is not the base64 of 32 octets (RFC 5802 §7, SHA-256)");
  const auto binding = base64_decode(fields[0].substr(2));
  // RFC 5802 §7: cbind-input = gs2-header [ cbind-data ], the latter only with "p=":
  // for us c= must be exactly the gs2-header of the first message.
  if (!binding || *binding != first_.gs2_header) {
    out.why = "c= does not repeat the gs2-header of client-first-message (RFC 5802 §5.1)";
    return out;  // Refused: a channel-binding mismatch is a failed authentication
  }
  // RFC 5802 §5.1 r=: the client "MUST" echo the full nonce; a different one is an
  // attempt to replay an old exchange.
  if (fields[1].substr(2) != nonce_) {
    out.why = "r= is not the nonce of this exchange (RFC 5802 §5.1)";
    return out;
  }
  if (!credentials_) {
    out.why = "unknown user";
    return out;
  }
  // RFC 5802 §3: AuthMessage := client-first-message-bare + "," + server-first-message +
  // "," + client-final-message-without-proof; ClientSignature := HMAC(StoredKey,
  // AuthMessage); ClientKey := ClientProof XOR ClientSignature; the server "verifies the
  // client's proof by ... computing StoredKey = H(ClientKey) and comparing".
  const std::string auth_message = first_.bare + "," + server_first_ + "," + std::string(without_proof);
  const std::string client_signature = hmac_sha256(credentials_->stored_key, auth_message);
  std::string client_key(32, '\0');
  for (std::size_t i = 0; i < 32; ++i) client_key[i] = static_cast<char>((*proof)[i] ^ client_signature[i]);
  const std::string stored_key = sha256_digest(client_key);
  // Every octet compared, so the time taken does not tell how much of a guess was right.
  unsigned char difference = 0;
  for (std::size_t i = 0; i < 32; ++i)
    difference |= static_cast<unsigned char>(stored_key[i] ^ credentials_->stored_key[i]);
  if (difference != 0) {
    out.why = "the client proof is wrong (RFC 5802 §3: H(ClientKey) != StoredKey)";
    return out;
  }
  // RFC 5802 §3: ServerSignature := HMAC(ServerKey, AuthMessage), sent as v= so the
  // client can check the server knew the keys too.
  out.verdict = ScramVerdict::Verified;
  out.server_final = "v=" + base64_encode(hmac_sha256(credentials_->server_key, auth_message));
  out.why = "the proof matches StoredKey";
  return out;
}

// ---- the SCRAM client ----

namespace {

// RFC 5802 §5.1 n=: "The characters ',' or '=' in usernames are sent as '=2C' and '=3D'
// respectively."
std::string encode_saslname(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (c == ',') out += "=2C";
    else if (c == '=') out += "=3D";
    else out += c;
  }
  return out;
}

}  // namespace

ScramClient::ScramClient(std::string user, std::string password, std::string client_nonce)
    : password_(std::move(password)), nonce_(std::move(client_nonce)) {
  // RFC 5802 §7: client-first-message-bare = [reserved-mext ","] username "," nonce
  bare_ = "n=" + encode_saslname(user) + ",r=" + nonce_;
}

std::optional<std::string> ScramClient::client_final(std::string_view server_first, std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<std::string> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  // RFC 5802 §7: server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count
  const auto fields = split_commas(server_first);
  if (fields.size() < 3 || !fields[0].starts_with("r=") || !fields[1].starts_with("s=") ||
      !fields[2].starts_with("i="))
    return fail("server-first-message must be r=...,s=...,i=... (RFC 5802 §7)");
  const std::string_view nonce = fields[0].substr(2);
  // RFC 5802 §5.1 r=: "the client MUST verify that the initial part of the nonce used in
  // subsequent messages is the same as the nonce it initially specified".
  if (!nonce.starts_with(nonce_) || nonce.size() == nonce_.size() || !is_printable_nonce(nonce))
    return fail("the server's nonce does not extend ours (RFC 5802 §5.1)");
  const auto salt = base64_decode(fields[1].substr(2));
  if (!salt || salt->empty()) return fail("s= is not base64 (RFC 5802 §7)");
  const std::string_view count = fields[2].substr(2);
  std::uint64_t iterations = 0;
  for (const char c : count) {
    if (c < '0' || c > '9' || iterations > pbkdf2_iterations_max) return fail("i= is not a sane number (RFC 5802 §7)");
    iterations = iterations * 10 + static_cast<std::uint64_t>(c - '0');
  }
  std::string salt_why;
  const auto salted = scram_salted_password(password_, *salt, static_cast<std::uint32_t>(
                                                                  std::min<std::uint64_t>(iterations, UINT32_MAX)),
                                            &salt_why);
  if (!salted) return fail(salt_why);
  // RFC 5802 §3: ClientKey := HMAC(SaltedPassword, "Client Key"); StoredKey := H(ClientKey);
  // AuthMessage := client-first-message-bare "," server-first-message ","
  // client-final-message-without-proof; ClientSignature := HMAC(StoredKey, AuthMessage);
  // ClientProof := ClientKey XOR ClientSignature.
  // c=biws is base64 of "n,,": the gs2-header, no channel binding (RFC 5802 §7).
  const std::string without_proof = "c=" + base64_encode("n,,") + ",r=" + std::string(nonce);
  const std::string auth_message = bare_ + "," + std::string(server_first) + "," + without_proof;
  const std::string client_key = hmac_sha256(*salted, "Client Key");
  const std::string signature = hmac_sha256(sha256_digest(client_key), auth_message);
  std::string proof(client_key.size(), '\0');
  for (std::size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<char>(client_key[i] ^ signature[i]);
  // RFC 5802 §3: ServerSignature := HMAC(ServerKey, AuthMessage), what v= must carry.
  expected_server_final_ = "v=" + base64_encode(hmac_sha256(hmac_sha256(*salted, "Server Key"), auth_message));
  return without_proof + ",p=" + base64_encode(proof);
}

bool ScramClient::verify_server_final(std::string_view server_final) const {
  // RFC 5802 §3: "The client then authenticates the server by computing the
  // ServerSignature and comparing it to the value sent by the server." A server "e="
  // (server-error) or anything else is a failure.
  if (expected_server_final_.empty() || server_final.size() != expected_server_final_.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < server_final.size(); ++i)
    difference |= static_cast<unsigned char>(server_final[i] ^ expected_server_final_[i]);
  return difference == 0;
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
