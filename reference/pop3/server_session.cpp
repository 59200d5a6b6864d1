// pop3/server_session.cpp — the POP3 server engine: frames bytes into command lines,
// dispatches each command by state, sends status lines and multi-line responses, and
// moves along the transition table.
//
// Standards: see server_session.hpp.
//
// Rules: every change of state goes through enter_state(); every byte we send goes
// through send_reply() and send_bytes() (which encrypts once TLS is up), and both record
// the trace event that describes them. Each do_X() checks first (which -ERR could answer
// the command, changing nothing) and only then applies.
#include "pop3/server_session.hpp"

#include <mbedtls/base64.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "pop3/server_transitions.hpp"

namespace smtplab::pop3 {

namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// RFC 1939 §3: "Keywords and arguments are each separated by a single SPACE
// character." We are lenient with runs of spaces (and a TAB): a doubled space is not
// worth an -ERR to a student typing by hand.
std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

// A message number or a line count: 1-9 decimal digits (RFC 1939 §3: "msg" and "n" are
// decimal numbers). Nine digits keep the value far from overflow.
std::optional<std::size_t> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  std::size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t written = 0;
  if (mbedtls_base64_decode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &written,
                            reinterpret_cast<const unsigned char*>(text.data()), text.size()) != 0)
    return std::nullopt;
  out.resize(written);
  return out;
}

// What the trace shows of a credential: the same length in '*'.
std::string masked(std::string_view text) { return std::string(text.size(), '*'); }

}  // namespace

std::string_view to_string(ServerState state) {
  switch (state) {
    case ServerState::Connected: return "connected";
    case ServerState::TlsHandshake: return "tls_handshake";
    case ServerState::Authorization: return "authorization";
    case ServerState::Sasl: return "sasl";
    case ServerState::Transaction: return "transaction";
    case ServerState::Update: return "update";
    case ServerState::Closing: return "closing";
  }
  return "unknown";
}

ServerSession::ServerSession(ServerConfig config, mda::MailStore& store, Authenticator& authenticator)
    : config_(std::move(config)),
      store_(store),
      authenticator_(authenticator),
      line_reader_(command_line_length_max) {
  if (config_.implicit_tls && !config_.tls) throw std::logic_error("pop3: implicit_tls needs ServerConfig.tls");
  if (config_.tls && config_.tls->random == nullptr) throw std::logic_error("pop3: ServerTlsConfig.random is null");
  if (config_.auth_failures_max == 0) throw std::logic_error("pop3: auth_failures_max must be > 0");
}

void ServerSession::start() {
  if (state_ != ServerState::Connected) throw std::logic_error("pop3::ServerSession::start called twice");
  if (config_.implicit_tls) {
    // RFC 8314 §3.3: on an implicit-TLS port the handshake comes first and the greeting
    // is the first thing sent inside TLS.
    enter_state(ServerState::TlsHandshake, "implicit TLS");
    start_tls();
    return;
  }
  greet();
}

void ServerSession::greet() {
  greeted_ = true;
  // RFC 1939 §4: "Once the TCP connection has been opened by a POP3 client, the POP3
  // server issues a one line greeting." Any positive response will do.
  send_reply(make_reply(ReplyId::Greeting, config_.host_name + " " + std::string(reply_info(ReplyId::Greeting).text)));
  enter_state(ServerState::Authorization, "+OK greeting");
}

void ServerSession::receive(std::string_view bytes) {
  if (state_ == ServerState::Connected) throw std::logic_error("pop3::ServerSession::receive before start");
  if (state_ == ServerState::Closing) return;
  if (!tls_) {
    process(bytes);
    return;
  }
  tls_->receive(bytes);
  pump_tls();
  if (state_ == ServerState::Closing) return;
  process(tls_->take_plaintext());
}

void ServerSession::process(std::string_view input) {
  // RFC 2449 §6.6 (PIPELINING): the client may send several commands at once; we answer
  // every complete line of the chunk now, in order.
  while (!input.empty()) {
    if (state_ == ServerState::Closing) return;
    if (state_ == ServerState::TlsHandshake) {
      // The POP3 twin of CVE-2011-0411: bytes sent after STLS in the same packet were not
      // protected by TLS and may come from a man in the middle. RFC 2595 §4 has the client
      // wait for +OK before it starts TLS; whatever came after STLS is thrown away.
      Event event;
      event.kind = EventKind::SmtpCommand;
      event.summary = "<" + std::to_string(input.size()) + " bytes after STLS, discarded>";
      event.bytes = std::string(input);
      event.explain = "pop3.command.after_stls";
      event.rfc = "RFC 2595 §4";
      event.with("protocol", "pop3").with("discarded", std::to_string(input.size())).with("attack", "CVE-2011-0411");
      events_.push_back(std::move(event));
      return;
    }
    Line line;
    switch (line_reader_.next(input, line)) {
      case LineStatus::Complete:
        if (state_ == ServerState::Sasl) handle_sasl_line(line);
        else handle_line(line);
        break;
      case LineStatus::TooLong: handle_too_long_line(); break;
      case LineStatus::NeedMore: break;
    }
    line_reader_.set_line_length_max(state_ == ServerState::Sasl ? sasl_line_length_max : command_line_length_max);
  }
}

void ServerSession::start_tls() {
  tls::SessionConfig tls_config;
  tls_config.role = tls::Role::Server;
  tls_config.identity = config_.tls->identity;
  tls_config.now_ms = now_ms_ != 0 ? now_ms_ : config_.tls->now_ms;
  tls_.emplace(std::move(tls_config), *config_.tls->random);
  tls_->start();
  line_reader_.reset();  // a partial plaintext line is gone too
  pump_tls();
}

void ServerSession::pump_tls() {
  tls::drain_into(*tls_, output_, events_);
  switch (tls_->state()) {
    case tls::SessionState::Failed:
    case tls::SessionState::Closed:
      // A failed handshake leaves nothing either side can read; a close_notify ends the
      // session. Neither is a QUIT, so (RFC 1939 §3) no UPDATE: nothing is deleted.
      output_ += tls_->take_output();
      if (state_ != ServerState::Closing)
        enter_state(ServerState::Closing, state_ == ServerState::TlsHandshake ? "TLS failed or timeout"
                                                                               : "timeout or TLS closed");
      return;
    case tls::SessionState::Established:
      if (state_ == ServerState::TlsHandshake) {
        // RFC 2595 §4: after STLS the client "MUST discard cached information about
        // server capabilities"; the server, likewise, forgets an earlier USER.
        user_.clear();
        user_given_ = false;
        line_reader_.reset();
        if (!greeted_) {
          greet();  // implicit TLS: the greeting is the first thing inside TLS
          return;
        }
        enter_state(ServerState::Authorization, "TLS established");
      }
      return;
    case tls::SessionState::Handshaking: return;
  }
}

void ServerSession::timeout() {
  if (state_ == ServerState::Connected || state_ == ServerState::Closing) return;
  // RFC 1939 §3: "When the timer expires, the session does NOT enter the UPDATE
  // state--the server should close the TCP connection without removing any messages or
  // sending any response to the client."
  const char* trigger = state_ == ServerState::TlsHandshake ? "TLS failed or timeout"
                        : state_ == ServerState::Transaction ? "timeout or TLS closed"
                                                             : "too many failures, timeout or TLS closed";
  enter_state(ServerState::Closing, trigger);
}

std::string ServerSession::take_output() {
  reply_delay_ms_ = 0;
  return std::exchange(output_, std::string());
}

std::vector<Event> ServerSession::take_events() { return std::exchange(events_, std::vector<Event>()); }

void ServerSession::handle_line(const Line& line) {
  const std::vector<std::string_view> words = split_words(line.text);
  const std::string verb = words.empty() ? std::string() : upper(words.front());
  std::vector<std::string_view> args(words.begin() + (words.empty() ? 0 : 1), words.end());

  // PASS and AUTH carry credentials: the trace shows them masked.
  std::string shown = line.text;
  if (verb == "PASS" && line.text.size() > 5) shown = line.text.substr(0, 5) + masked(line.text.substr(5));
  if (verb == "AUTH" && args.size() >= 2) shown = "AUTH " + std::string(args[0]) + " " + masked(args[1]);
  Event event;
  event.kind = EventKind::SmtpCommand;
  event.summary = shown;
  event.bytes = shown + (line.crlf ? "\r\n" : "\n");
  event.explain = "pop3.command." + (verb.empty() ? std::string("empty") : verb);
  event.rfc = "RFC 1939 §3";
  event.with("protocol", "pop3").with("verb", verb);
  if (!line.crlf) event.with("line_ending", "bare LF");
  events_.push_back(std::move(event));

  // RFC 1939 §3: commands are valid only in some states; §4 lists AUTHORIZATION's
  // (USER, PASS, APOP, QUIT; RFC 2449 adds CAPA, RFC 2595 STLS, RFC 5034 AUTH), §5
  // TRANSACTION's.
  const bool auth = state_ == ServerState::Authorization;
  const bool trans = state_ == ServerState::Transaction;
  struct Row {
    std::string_view verb;
    bool in_authorization;
    bool in_transaction;
  };
  static constexpr Row table[] = {
      {"CAPA", true, true},   {"QUIT", true, true},   {"USER", true, false},  {"PASS", true, false},
      {"AUTH", true, false},  {"STLS", true, false},  {"STAT", false, true},  {"LIST", false, true},
      {"RETR", false, true},  {"DELE", false, true},  {"NOOP", false, true},  {"RSET", false, true},
      {"TOP", false, true},   {"UIDL", false, true},
  };
  const Row* row = nullptr;
  for (const Row& r : table)
    if (r.verb == verb) row = &r;
  if (row == nullptr) {
    send_reply(make_reply(ReplyId::UnknownCommand));
    return;
  }
  if (!((auth && row->in_authorization) || (trans && row->in_transaction))) {
    send_reply(make_reply(ReplyId::WrongState));
    return;
  }
  if (verb == "CAPA") return do_capa();
  if (verb == "QUIT") return do_quit();
  if (verb == "USER") {
    // RFC 1939 §7: "USER name" — a single argument.
    if (args.size() != 1) return send_reply(make_reply(ReplyId::BadArguments));
    return do_user(args[0]);
  }
  if (verb == "PASS") {
    // RFC 1939 §7: "Since the PASS command has exactly one argument, a POP3 server may
    // treat spaces in the argument as part of the password, instead of as argument
    // separators." So the argument is the rest of the line after "PASS ".
    if (line.text.size() <= 5) return send_reply(make_reply(ReplyId::BadArguments));
    return do_pass(std::string_view(line.text).substr(5));
  }
  if (verb == "AUTH") return do_auth(args);
  if (verb == "STLS") return args.empty() ? do_stls() : send_reply(make_reply(ReplyId::BadArguments));
  if (verb == "STAT") return args.empty() ? do_stat() : send_reply(make_reply(ReplyId::BadArguments));
  if (verb == "LIST") return do_list(args, false);
  if (verb == "UIDL") return do_list(args, true);
  if (verb == "RETR") return do_retr(args);
  if (verb == "TOP") return do_top(args);
  if (verb == "DELE") return do_dele(args);
  if (verb == "RSET") return args.empty() ? do_rset() : send_reply(make_reply(ReplyId::BadArguments));
  // NOOP. RFC 1939 §5: "The POP3 server does nothing, it merely replies with a positive
  // response."
  if (!args.empty()) return send_reply(make_reply(ReplyId::BadArguments));
  send_reply(make_reply(ReplyId::Noop));
}

std::string ServerSession::capabilities() const {
  // RFC 2449 §5: "a list of capabilities, each on a separate line", multi-line. The
  // login capabilities follow the state of TLS: USER and SASL are listed only when they
  // would be accepted (RFC 2595 §4: after STLS the client asks CAPA again).
  std::string text;
  text += "TOP\r\n";          // RFC 2449 §6.1
  text += "UIDL\r\n";         // RFC 2449 §6.8
  text += "RESP-CODES\r\n";   // RFC 2449 §6.4
  text += "AUTH-RESP-CODE\r\n";  // RFC 3206 §6
  text += "PIPELINING\r\n";   // RFC 2449 §6.6
  if (state_ == ServerState::Authorization && plaintext_allowed()) {
    text += "USER\r\n";         // RFC 2449 §6.2
    text += "SASL PLAIN\r\n";   // RFC 2449 §6.3, RFC 5034 §3
  }
  if (state_ == ServerState::Authorization && config_.tls && !tls_) text += "STLS\r\n";  // RFC 2595 §4
  text += "IMPLEMENTATION smtplab\r\n";  // RFC 2449 §6.9
  return text;
}

void ServerSession::do_capa() { send_reply(make_reply(ReplyId::Capabilities), capabilities(), true); }

void ServerSession::do_user(std::string_view argument) {
  if (!plaintext_allowed()) return send_reply(make_reply(ReplyId::NeedTls));
  // RFC 1939 §7 lets the server answer -ERR to an unknown name, but that tells a
  // guesser which names exist; we always say +OK and judge the pair at PASS.
  user_ = std::string(argument);
  user_given_ = true;
  send_reply(make_reply(ReplyId::UserAccepted));
}

void ServerSession::do_pass(std::string_view argument) {
  if (!plaintext_allowed()) return send_reply(make_reply(ReplyId::NeedTls));
  // RFC 1939 §7: PASS "may only be given in the AUTHORIZATION state immediately after a
  // successful USER command".
  if (!user_given_) return send_reply(make_reply(ReplyId::PassWithoutUser));
  user_given_ = false;
  login(user_, argument, ServerState::Authorization);
}

void ServerSession::do_auth(const std::vector<std::string_view>& args) {
  if (!plaintext_allowed()) return send_reply(make_reply(ReplyId::NeedTls));
  // RFC 5034 §4: "AUTH mechanism [initial-response]".
  if (args.empty() || args.size() > 2) return send_reply(make_reply(ReplyId::BadArguments));
  if (upper(args[0]) != "PLAIN") return send_reply(make_reply(ReplyId::AuthUnknownMechanism));
  user_given_ = false;
  if (args.size() == 1) {
    // RFC 5034 §4: without an initial response the server sends an empty challenge,
    // "+" and a space; the client's next line is the response.
    send_bytes("+ \r\n");
    Event event;
    event.kind = EventKind::AuthStep;
    event.summary = "+ (empty challenge)";
    event.bytes = "+ \r\n";
    event.explain = "pop3.auth.challenge";
    event.rfc = "RFC 5034 §4";
    event.with("protocol", "pop3").with("mechanism", "PLAIN");
    events_.push_back(std::move(event));
    enter_state(ServerState::Sasl, "AUTH (+ challenge)");
    return;
  }
  // RFC 5034 §4: an initial response of "=" means an empty one.
  const std::string_view response = args[1] == "=" ? std::string_view() : args[1];
  handle_sasl_line(Line{std::string(response), true});
}

void ServerSession::handle_sasl_line(const Line& line) {
  const ServerState back_to = ServerState::Authorization;
  if (state_ == ServerState::Sasl) {
    Event event;
    event.kind = EventKind::AuthStep;
    event.summary = "<SASL response, masked>";
    event.bytes = masked(line.text) + (line.crlf ? "\r\n" : "\n");
    event.explain = "pop3.auth.response";
    event.rfc = "RFC 5034 §4";
    event.with("protocol", "pop3").with("mechanism", "PLAIN");
    events_.push_back(std::move(event));
    // RFC 5034 §4: "If the client wishes to cancel the authentication exchange, it
    // issues a line with a single "*". If the server receives such a response, it MUST
    // reject the AUTH command by sending an -ERR reply."
    if (line.text == "*") {
      send_reply(make_reply(ReplyId::AuthCancelled));
      enter_state(back_to, "-ERR or * (cancel)");
      return;
    }
  }
  // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd.
  const std::optional<std::string> decoded = base64_decode(line.text);
  const std::size_t first = decoded ? decoded->find('\0') : std::string::npos;
  const std::size_t second = first == std::string::npos ? first : decoded->find('\0', first + 1);
  if (second == std::string::npos) {
    send_reply(make_reply(ReplyId::AuthCannotDecode));
    if (state_ == ServerState::Sasl) enter_state(back_to, "-ERR or * (cancel)");
    return;
  }
  const std::string authzid = decoded->substr(0, first);
  const std::string authcid = decoded->substr(first + 1, second - first - 1);
  const std::string password = decoded->substr(second + 1);
  // RFC 4616 §2: the server acts as authzid only if authcid may; we let a user act only
  // as itself, so a different authzid fails like a wrong password.
  login(authzid.empty() || authzid == authcid ? authcid : std::string(), password, back_to);
}

void ServerSession::login(const std::string& user, std::string_view password, ServerState back_to) {
  const bool valid = !user.empty() && mda::check_mailbox_name(user, config_.folder).empty() &&
                     authenticator_.check_password(user, password);
  Event event;
  event.kind = EventKind::AuthStep;
  event.summary = std::string(valid ? "login succeeded for " : "login failed for ") + (user.empty() ? "?" : user);
  event.explain = valid ? "pop3.auth.success" : "pop3.auth.failure";
  event.rfc = "RFC 1939 §4";
  event.with("protocol", "pop3").with("user", user).with("result", valid ? "success" : "failure");
  events_.push_back(std::move(event));
  if (!valid) {
    ++auth_failures_;
    user_.clear();
    if (auth_failures_ >= config_.auth_failures_max) {
      // RFC 1939 §4 lets the server close after a failed authentication; we do at the
      // auth_failures_max-th, so one connection cannot guess at line speed.
      reply_delay_ms_ = static_cast<TimeMs>(auth_failures_) * config_.auth_failure_delay_ms;
      send_reply(make_reply(ReplyId::AuthTooManyFailures));
      enter_state(ServerState::Closing, "too many failures, timeout or TLS closed");
      return;
    }
    // The delay grows with each failure; the owner waits before sending this -ERR.
    reply_delay_ms_ = static_cast<TimeMs>(auth_failures_) * config_.auth_failure_delay_ms;
    send_reply(make_reply(ReplyId::AuthFailed));
    if (state_ == ServerState::Sasl) enter_state(back_to, "-ERR or * (cancel)");
    return;
  }
  user_ = user;
  // RFC 1939 §4: once authenticated, "the POP3 server then acquires an exclusive-access
  // lock on the maildrop" and numbers its messages; the session enters TRANSACTION.
  maildrop_ = Maildrop::open(store_, user_, config_.folder);
  send_reply(make_reply(ReplyId::LoggedIn, "maildrop has " + std::to_string(maildrop_->undeleted_count()) +
                                               " messages (" + std::to_string(maildrop_->undeleted_octets()) +
                                               " octets)"));
  enter_state(ServerState::Transaction, state_ == ServerState::Sasl ? "+OK logged in" : "PASS or AUTH (+OK)");
}

void ServerSession::do_stls() {
  // RFC 2595 §4: STLS is valid in AUTHORIZATION only, and not once TLS is active
  // ("-ERR" then; a second TLS layer is not allowed).
  if (!config_.tls || tls_) return send_reply(make_reply(ReplyId::StlsUnavailable));
  send_reply(make_reply(ReplyId::StlsReady));
  enter_state(ServerState::TlsHandshake, "STLS (+OK)");
  start_tls();
}

void ServerSession::do_quit() {
  if (state_ == ServerState::Authorization) {
    // RFC 1939 §4: QUIT in AUTHORIZATION ends the session; there is nothing to update.
    send_reply(make_reply(ReplyId::Goodbye, config_.host_name + " " + std::string(reply_info(ReplyId::Goodbye).text)));
    enter_state(ServerState::Closing, "QUIT");
    return;
  }
  // RFC 1939 §6: "When the client issues the QUIT command from the TRANSACTION state,
  // the POP3 session enters the UPDATE state. ... the POP3 server removes all messages
  // marked as deleted from the maildrop and replies as to the status of this operation."
  enter_state(ServerState::Update, "QUIT");
  const bool all_removed = maildrop_->commit(store_);
  send_reply(make_reply(all_removed ? ReplyId::GoodbyeUpdated : ReplyId::UpdateFailed));
  enter_state(ServerState::Closing, "deleted messages removed");
}

void ServerSession::do_stat() {
  // RFC 1939 §5: "+OK nn mm": the number of messages and the size in octets, deleted
  // messages not counted.
  send_reply(make_reply(ReplyId::Stat, std::to_string(maildrop_->undeleted_count()) + " " +
                                           std::to_string(maildrop_->undeleted_octets())));
}

void ServerSession::do_list(const std::vector<std::string_view>& args, bool unique_ids) {
  if (args.size() > 1) return send_reply(make_reply(ReplyId::BadArguments));
  if (args.size() == 1) {
    const std::optional<std::size_t> number = parse_number(args[0]);
    if (!number) return send_reply(make_reply(ReplyId::BadArguments));
    const MaildropMessage* message = maildrop_->find(*number);
    if (message == nullptr) return send_reply(make_reply(ReplyId::NoSuchMessage));
    // RFC 1939 §5 (LIST msg): "+OK msg octets"; §7 (UIDL msg): "+OK msg unique-id".
    const std::string detail = std::to_string(*number) + " " +
                               (unique_ids ? message->unique_id : std::to_string(message->octets));
    return send_reply(make_reply(unique_ids ? ReplyId::UniqueIdListing : ReplyId::ScanListing, detail));
  }
  // RFC 1939 §5: without an argument, a multi-line scan listing; "messages marked as
  // deleted are not listed."
  std::string body;
  for (std::size_t n = 1; n <= maildrop_->size(); ++n)
    if (const MaildropMessage* message = maildrop_->find(n))
      body += std::to_string(n) + " " + (unique_ids ? message->unique_id : std::to_string(message->octets)) + "\r\n";
  const std::string detail = unique_ids ? std::string("unique-id listing follows")
                                        : std::to_string(maildrop_->undeleted_count()) + " messages (" +
                                              std::to_string(maildrop_->undeleted_octets()) + " octets)";
  send_reply(make_reply(ReplyId::ListFollows, detail), body, true);
}

void ServerSession::do_retr(const std::vector<std::string_view>& args) {
  if (args.size() != 1) return send_reply(make_reply(ReplyId::BadArguments));
  const std::optional<std::size_t> number = parse_number(args[0]);
  if (!number) return send_reply(make_reply(ReplyId::BadArguments));
  const MaildropMessage* message = maildrop_->find(*number);
  const std::optional<std::string> content =
      message ? store_.read(maildrop_->user(), maildrop_->folder(), message->id) : std::nullopt;
  if (!content) return send_reply(make_reply(ReplyId::NoSuchMessage));
  // RFC 1939 §5: "+OK" and the message, multi-line (byte-stuffed, ending "." CRLF).
  const std::string wire = wire_message(*content);
  send_reply(make_reply(ReplyId::MessageFollows, std::to_string(wire.size()) + " octets"), wire, true);
}

void ServerSession::do_top(const std::vector<std::string_view>& args) {
  // RFC 1939 §7: "TOP msg n", both required; n "non-negative".
  if (args.size() != 2) return send_reply(make_reply(ReplyId::BadArguments));
  const std::optional<std::size_t> number = parse_number(args[0]);
  const std::optional<std::size_t> lines = parse_number(args[1]);
  if (!number || !lines) return send_reply(make_reply(ReplyId::BadArguments));
  const MaildropMessage* message = maildrop_->find(*number);
  const std::optional<std::string> content =
      message ? store_.read(maildrop_->user(), maildrop_->folder(), message->id) : std::nullopt;
  if (!content) return send_reply(make_reply(ReplyId::NoSuchMessage));
  send_reply(make_reply(ReplyId::MessageFollows, "top of message follows"), top_of(*content, *lines), true);
}

void ServerSession::do_dele(const std::vector<std::string_view>& args) {
  if (args.size() != 1) return send_reply(make_reply(ReplyId::BadArguments));
  const std::optional<std::size_t> number = parse_number(args[0]);
  if (!number) return send_reply(make_reply(ReplyId::BadArguments));
  // RFC 1939 §5: "The POP3 server marks the message as deleted. Any future reference to
  // the message-number associated with the message in a POP3 command generates an
  // error. The POP3 server does not actually delete the message until the POP3 session
  // enters the UPDATE state."
  if (maildrop_->is_deleted(*number))
    return send_reply(make_reply(ReplyId::AlreadyDeleted, "message " + std::to_string(*number) + " already deleted"));
  if (maildrop_->find(*number) == nullptr) return send_reply(make_reply(ReplyId::NoSuchMessage));
  maildrop_->mark_deleted(*number);
  send_reply(make_reply(ReplyId::Deleted, "message " + std::to_string(*number) + " deleted"));
}

void ServerSession::do_rset() {
  // RFC 1939 §5: "If any messages have been marked as deleted by the POP3 server, they
  // are unmarked."
  maildrop_->reset();
  send_reply(make_reply(ReplyId::Reset, "maildrop has " + std::to_string(maildrop_->undeleted_count()) +
                                            " messages (" + std::to_string(maildrop_->undeleted_octets()) +
                                            " octets)"));
}

void ServerSession::handle_too_long_line() {
  if (state_ == ServerState::Sasl) {
    // An over-long SASL response ends the exchange like a bad one.
    send_reply(make_reply(ReplyId::AuthCannotDecode));
    enter_state(ServerState::Authorization, "-ERR or * (cancel)");
    return;
  }
  Event event;
  event.kind = EventKind::SmtpCommand;
  event.summary = "<command line over " + std::to_string(command_line_length_max) + " octets, discarded>";
  event.explain = "pop3.command.too_long";
  event.rfc = "RFC 2449 §4";
  event.with("protocol", "pop3");
  events_.push_back(std::move(event));
  // The line is gone; the session goes on (RFC 2449 §4 sets the limit but no reply; an
  // -ERR keeps responses and commands in step for a pipelining client).
  send_reply(make_reply(ReplyId::LineTooLong));
}

void ServerSession::enter_state(ServerState next, std::string_view trigger) {
  events_.push_back(server_state_machine().transition_event(to_string(state_), to_string(next), trigger));
  state_ = next;
  if (next == ServerState::Closing) tls::close_through(tls_, output_);  // RFC 5246 §7.2.1
}

void ServerSession::send_bytes(const std::string& wire) {
  tls::send_through(tls_, wire, output_);
}

void ServerSession::send_reply(const Pop3Reply& reply, std::string_view body, bool multi) {
  std::string wire = reply.format();
  // RFC 1939 §3: a multi-line response is the status line, the lines (byte-stuffed),
  // and a line of a single "." — only after "+OK".
  if (multi && reply.ok) wire += multi_line(body);
  send_bytes(wire);
  Event event;
  event.kind = EventKind::SmtpReply;
  event.summary = reply.line;
  event.explain = "pop3.reply." + std::string(to_string(reply.id));
  event.rfc = std::string(reply_info(reply.id).rfc);
  event.with("protocol", "pop3").with("status", reply.ok ? "+OK" : "-ERR");
  if (multi) event.with("octets", std::to_string(wire.size()));
  if (wire.size() > trace_bytes_max) {
    wire.resize(trace_bytes_max);
    event.with("bytes_truncated", "true");
  }
  event.bytes = std::move(wire);
  events_.push_back(std::move(event));
}

}  // namespace smtplab::pop3
