// imap/server_session.cpp — the IMAP server engine: reads tagged commands (with
// literals), dispatches them by state, writes untagged data and tagged completions, and
// moves along the transition table.
//
// Standards: see server_session.hpp.
//
// Rules: every change of state goes through enter_state(); every byte we send goes
// through send_bytes() (which encrypts once TLS is up) and is recorded in the trace.
// Each command checks its arguments (BAD) and its preconditions (NO) before it changes
// anything.
#include "imap/server_session.hpp"

#include <mbedtls/base64.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "imap/envelope.hpp"
#include "imap/server_transitions.hpp"
#include "message/header.hpp"

namespace smtplab::imap {

namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
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

// The message as IMAP sends it: CRLF line endings (RFC 3501 §2.3.4: sizes count the
// octets of the message "expressed in RFC-2822 format", whose lines end in CRLF).
std::string wire_message(std::string_view content) {
  std::string out;
  out.reserve(content.size() + content.size() / 32 + 2);
  for (std::size_t i = 0; i < content.size(); ++i) {
    if (content[i] == '\n' && (i == 0 || content[i - 1] != '\r')) out += '\r';
    out += content[i];
  }
  return out;
}

// RFC 3501 §2.3.2 system flags and their Maildir letters (mda/mail_store.hpp).
struct FlagName {
  char letter;
  std::string_view name;
};
constexpr FlagName flag_names[] = {
    {'D', "\\Draft"}, {'F', "\\Flagged"}, {'R', "\\Answered"}, {'S', "\\Seen"}, {'T', "\\Deleted"},
};

std::string flags_text(std::string_view letters) {
  std::string out = "(";
  for (const FlagName& f : flag_names)
    if (letters.find(f.letter) != std::string_view::npos) {
      if (out.size() > 1) out += ' ';
      out += f.name;
    }
  return out + ")";
}

// The letters of a flag list; unknown flags (keywords) are not kept: PERMANENTFLAGS
// lists no "\*" (RFC 3501 §7.1: keywords cannot be stored here).
std::optional<std::string> parse_flags(const Arg& arg) {
  std::vector<const Arg*> items;
  if (arg.kind == Arg::Kind::List)
    for (const Arg& item : arg.items) items.push_back(&item);
  else items.push_back(&arg);
  std::string letters;
  for (const Arg* item : items) {
    if (item->kind != Arg::Kind::Atom) return std::nullopt;
    for (const FlagName& f : flag_names)
      if (lower(item->text) == lower(f.name)) letters += f.letter;
  }
  return mda::normalize_flags(letters);
}

// RFC 3501 §9: sequence-set = (seq-number / seq-range) *("," sequence-set), where "*"
// is the largest number in use. Returns the numbers, or nullopt when malformed.
struct Range {
  std::uint32_t low, high;
};
std::optional<std::vector<Range>> parse_set(std::string_view text, std::uint32_t star) {
  std::vector<Range> ranges;
  auto number = [&](std::string_view part) -> std::optional<std::uint32_t> {
    if (part == "*") return star;
    if (part.empty() || part.size() > 10) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    // RFC 3501 §9: nz-number, and at most 4294967295.
    if (n == 0 || n > 0xffffffffull) return std::nullopt;
    return static_cast<std::uint32_t>(n);
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    const std::size_t colon = item.find(':');
    const auto a = number(item.substr(0, colon));
    const auto b = colon == std::string_view::npos ? a : number(item.substr(colon + 1));
    if (!a || !b) return std::nullopt;
    // RFC 3501 §9: "2:4" and "4:2" are the same range.
    ranges.push_back({std::min(*a, *b), std::max(*a, *b)});
    if (ranges.size() > arguments_max) return std::nullopt;
    start = comma + 1;
  }
  return ranges;
}

bool in_ranges(const std::vector<Range>& ranges, std::uint32_t n) {
  for (const Range& r : ranges)
    if (n >= r.low && n <= r.high) return true;
  return false;
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

// RFC 3501 §6.3.8: "*" matches anything, "%" anything but the hierarchy delimiter.
bool list_match(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) return name.empty();
  if (pattern.front() == '*' || pattern.front() == '%') {
    for (std::size_t i = 0; i <= name.size(); ++i) {
      if (list_match(pattern.substr(1), name.substr(i))) return true;
      if (i < name.size() && pattern.front() == '%' && name[i] == '/') return false;
    }
    return false;
  }
  return !name.empty() && pattern.front() == name.front() && list_match(pattern.substr(1), name.substr(1));
}

}  // namespace

std::string_view to_string(ServerState state) {
  switch (state) {
    case ServerState::Connected: return "connected";
    case ServerState::TlsHandshake: return "tls_handshake";
    case ServerState::NotAuthenticated: return "not_authenticated";
    case ServerState::Authenticate: return "authenticate";
    case ServerState::Authenticated: return "authenticated";
    case ServerState::Selected: return "selected";
    case ServerState::Idle: return "idle";
    case ServerState::Logout: return "logout";
  }
  return "unknown";
}

ServerSession::ServerSession(ServerConfig config, mda::MailStore& store, Authenticator& authenticator)
    : config_(std::move(config)), store_(store), authenticator_(authenticator) {
  if (config_.implicit_tls && !config_.tls) throw std::logic_error("imap: implicit_tls needs ServerConfig.tls");
  if (config_.tls && config_.tls->random == nullptr) throw std::logic_error("imap: ServerTlsConfig.random is null");
  if (config_.auth_failures_max == 0) throw std::logic_error("imap: auth_failures_max must be > 0");
}

void ServerSession::start() {
  if (state_ != ServerState::Connected) throw std::logic_error("imap::ServerSession::start called twice");
  if (config_.implicit_tls) {
    enter_state(ServerState::TlsHandshake, "implicit TLS");
    start_tls();
    return;
  }
  greet();
}

std::string ServerSession::capability_line() const {
  // RFC 3501 §7.2.1: "IMAP4rev1" must be listed; STARTTLS and LOGINDISABLED per §6.2.1
  // and §6.2.3; AUTH=PLAIN only where it would be accepted.
  std::string line = "IMAP4rev1";
  if (config_.tls && !tls_) line += " STARTTLS";
  if (plaintext_allowed()) line += " AUTH=PLAIN SASL-IR";
  else line += " LOGINDISABLED";
  line += " IDLE";  // RFC 2177
  return line;
}

void ServerSession::greet() {
  greeted_ = true;
  // RFC 3501 §7.1.1: the greeting is an untagged OK; a CAPABILITY response code saves
  // the client a round trip (§7.1).
  send_untagged("OK [CAPABILITY " + capability_line() + "] " + config_.host_name + " IMAP4rev1 server ready");
  enter_state(ServerState::NotAuthenticated, "* OK greeting");
}

void ServerSession::receive(std::string_view bytes) {
  if (state_ == ServerState::Connected) throw std::logic_error("imap::ServerSession::receive before start");
  if (state_ == ServerState::Logout) return;
  if (!tls_) {
    process(bytes);
    return;
  }
  tls_->receive(bytes);
  pump_tls();
  if (state_ == ServerState::Logout) return;
  process(tls_->take_plaintext());
}

void ServerSession::process(std::string_view input) {
  while (!input.empty()) {
    if (state_ == ServerState::Logout) return;
    if (state_ == ServerState::TlsHandshake) {
      // CVE-2011-0411's IMAP twin: bytes after STARTTLS in the same packet were not
      // protected by TLS (RFC 3501 §6.2.1: the client waits for the OK); dropped.
      Event event;
      event.kind = EventKind::SmtpCommand;
      event.summary = "<" + std::to_string(input.size()) + " bytes after STARTTLS, discarded>";
      event.bytes = std::string(input);
      event.explain = "imap.command.after_starttls";
      event.rfc = "RFC 3501 §6.2.1";
      event.with("protocol", "imap").with("discarded", std::to_string(input.size())).with("attack", "CVE-2011-0411");
      events_.push_back(std::move(event));
      return;
    }
    if (state_ == ServerState::Authenticate || state_ == ServerState::Idle) {
      Line line;
      const LineStatus status = sasl_reader_.next(input, line);
      if (status == LineStatus::NeedMore) return;
      if (status == LineStatus::TooLong) line.text = "<too long>";
      if (state_ == ServerState::Authenticate) {
        handle_sasl_line(line);
        continue;
      }
      // RFC 2177 §3: "The server ... the client sends DONE"; anything else ends IDLE as a
      // protocol error.
      Event event;
      event.kind = EventKind::SmtpCommand;
      event.summary = line.text;
      event.bytes = line.text + "\r\n";
      event.explain = "imap.command.DONE";
      event.rfc = "RFC 2177 §3";
      event.with("protocol", "imap");
      events_.push_back(std::move(event));
      send_tagged(upper(line.text) == "DONE" ? ResponseId::IdleDone : ResponseId::BadArguments);
      enter_state(ServerState::Selected, "DONE");
      continue;
    }
    Command command;
    switch (reader_.next(input, command)) {
      case ReadStatus::Complete: handle_command(command); break;
      case ReadStatus::NeedLiteral:
        // RFC 3501 §7.5: "+" tells the client to send the literal's octets.
        send_bytes("+ Ready for literal data\r\n", "+ Ready for literal data", "imap.continuation", "RFC 3501 §7.5");
        break;
      case ReadStatus::LiteralTooBig:
        tag_ = reader_.tag();
        send_tagged(ResponseId::LiteralTooBig);
        break;
      case ReadStatus::TooLong:
        tag_ = reader_.tag();
        send_tagged(ResponseId::LineTooLong);
        break;
      case ReadStatus::Malformed:
        // RFC 3501 §7.1.3: BAD, tagged when a tag could be read, else untagged ("*").
        tag_ = is_valid_tag(reader_.tag()) ? reader_.tag() : std::string("*");
        send_tagged(ResponseId::Malformed);
        break;
      case ReadStatus::NeedMore: return;
    }
  }
}

void ServerSession::start_tls() {
  tls::SessionConfig tls_config;
  tls_config.role = tls::Role::Server;
  tls_config.identity = config_.tls->identity;
  tls_config.now_ms = now_ms_ != 0 ? now_ms_ : config_.tls->now_ms;
  tls_.emplace(std::move(tls_config), *config_.tls->random);
  tls_->start();
  reader_.reset();
  pump_tls();
}

void ServerSession::pump_tls() {
  tls::drain_into(*tls_, output_, events_);
  switch (tls_->state()) {
    case tls::SessionState::Failed:
    case tls::SessionState::Closed:
      output_ += tls_->take_output();
      if (state_ != ServerState::Logout)
        enter_state(ServerState::Logout, state_ == ServerState::TlsHandshake ? "TLS failed or timeout"
                                                                              : "LOGOUT, failures or timeout");
      return;
    case tls::SessionState::Established:
      if (state_ == ServerState::TlsHandshake) {
        reader_.reset();
        if (!greeted_) {
          greet();
          return;
        }
        enter_state(ServerState::NotAuthenticated, "TLS established");
      }
      return;
    case tls::SessionState::Handshaking: return;
  }
}

void ServerSession::timeout() {
  if (state_ == ServerState::Connected || state_ == ServerState::Logout) return;
  if (state_ == ServerState::TlsHandshake) {
    enter_state(ServerState::Logout, "TLS failed or timeout");
    return;
  }
  // RFC 3501 §5.4: "If a server has an inactivity autologout timer, the duration of that
  // timer MUST be at least 30 minutes." It may say why with an untagged BYE (§7.1.5).
  send_untagged("BYE " + std::string(response_info(ResponseId::Autologout).text));
  enter_state(ServerState::Logout, "LOGOUT, failures or timeout");
}

void ServerSession::mailbox_changed() {
  if (state_ != ServerState::Selected && state_ != ServerState::Idle) return;
  std::uint32_t validity = 0;
  const std::uint32_t last_uid = messages_.empty() ? 0 : messages_.back().uid;
  std::size_t added = 0;
  for (MailboxEntry& entry : load(folder_, &validity))
    if (entry.uid > last_uid) {
      messages_.push_back(std::move(entry));
      ++added;
    }
  // RFC 3501 §7.3.1: "The EXISTS response reports the number of messages in the
  // mailbox." RFC 2177 §3: while idling the server sends it as soon as mail arrives.
  if (added > 0) send_untagged(std::to_string(messages_.size()) + " EXISTS");
}

std::string ServerSession::take_output() {
  reply_delay_ms_ = 0;
  return std::exchange(output_, std::string());
}

std::vector<Event> ServerSession::take_events() { return std::exchange(events_, std::vector<Event>()); }

void ServerSession::handle_command(Command& command) {
  tag_ = command.tag;
  std::string shown = command.shown;
  if (command.name == "LOGIN" || (command.name == "AUTHENTICATE" && command.args.size() > 1))
    shown = command.tag + " " + command.name + " <credentials masked>";
  Event event;
  event.kind = EventKind::SmtpCommand;
  event.summary = shown;
  event.bytes = shown + "\r\n";
  event.explain = "imap.command." + command.name;
  event.rfc = "RFC 3501 §6";
  event.with("protocol", "imap").with("tag", command.tag).with("command", command.name);
  events_.push_back(std::move(event));

  const std::string& name = command.name;
  const std::vector<Arg>& args = command.args;
  const bool not_auth = state_ == ServerState::NotAuthenticated;
  const bool authed = state_ == ServerState::Authenticated || state_ == ServerState::Selected;
  const bool selected = state_ == ServerState::Selected;

  // RFC 3501 §6.1: valid in any state.
  if (name == "CAPABILITY") {
    if (!args.empty()) return send_tagged(ResponseId::BadArguments);
    send_untagged("CAPABILITY " + capability_line());
    return send_tagged(ResponseId::Completed, "CAPABILITY completed");
  }
  if (name == "NOOP") {
    if (selected) mailbox_changed();  // RFC 3501 §6.1.2: NOOP is how a client polls
    return send_tagged(ResponseId::Completed, "NOOP completed");
  }
  if (name == "LOGOUT") {
    // RFC 3501 §6.1.3: "The server MUST send a BYE untagged response before the
    // (tagged) OK response".
    send_untagged("BYE " + std::string(response_info(ResponseId::Logout).text));
    send_tagged(ResponseId::Completed, "LOGOUT completed");
    return enter_state(ServerState::Logout, "LOGOUT, failures or timeout");
  }
  struct Row {
    std::string_view name;
    bool in_not_auth, in_authed, only_selected;
  };
  static constexpr Row table[] = {
      {"STARTTLS", true, false, false}, {"LOGIN", true, false, false},   {"AUTHENTICATE", true, false, false},
      {"SELECT", false, true, false},   {"EXAMINE", false, true, false}, {"LIST", false, true, false},
      {"STATUS", false, true, false},   {"FETCH", false, true, true},    {"STORE", false, true, true},
      {"SEARCH", false, true, true},    {"EXPUNGE", false, true, true},  {"CLOSE", false, true, true},
      {"UID", false, true, true},       {"IDLE", false, true, true},
  };
  const Row* row = nullptr;
  for (const Row& r : table)
    if (r.name == name) row = &r;
  if (row == nullptr) return send_tagged(ResponseId::UnknownCommand);
  const bool allowed = (row->in_not_auth && not_auth) || (row->in_authed && authed && (!row->only_selected || selected));
  if (!allowed) return send_tagged(ResponseId::WrongState);

  if (name == "STARTTLS") {
    if (!args.empty()) return send_tagged(ResponseId::BadArguments);
    if (!config_.tls || tls_) return send_tagged(ResponseId::TlsUnavailable);
    send_tagged(ResponseId::TlsBegin);
    enter_state(ServerState::TlsHandshake, "STARTTLS (OK)");
    return start_tls();
  }
  if (name == "LOGIN") {
    // RFC 3501 §6.2.3: "LOGIN userid password", both astrings.
    if (args.size() != 2 || args[0].kind == Arg::Kind::List || args[1].kind == Arg::Kind::List)
      return send_tagged(ResponseId::BadArguments);
    // RFC 3501 §6.2.3: "A server implementation MUST implement a configuration in which
    // it does NOT permit any plaintext password mechanisms, unless either the STARTTLS
    // command has been negotiated or some other mechanism that protects the session from
    // password snooping has been provided." That is our default (LOGINDISABLED).
    if (!plaintext_allowed()) return send_tagged(ResponseId::LoginDisabled);
    return login(args[0].text, args[1].text);
  }
  if (name == "AUTHENTICATE") return do_authenticate(command);
  if (name == "SELECT" || name == "EXAMINE") return do_select(command, name == "EXAMINE");
  if (name == "LIST") return do_list(command);
  if (name == "STATUS") return do_status(command);
  if (name == "FETCH") return do_fetch(args, false);
  if (name == "STORE") return do_store(args, false);
  if (name == "SEARCH") return do_search(args, false);
  if (name == "EXPUNGE") {
    if (!args.empty()) return send_tagged(ResponseId::BadArguments);
    if (read_only_) return send_tagged(ResponseId::ReadOnlyMailbox);
    do_expunge(false);
    return send_tagged(ResponseId::Completed, "EXPUNGE completed");
  }
  if (name == "CLOSE") {
    // RFC 3501 §6.4.2: removes \Deleted messages silently (not when read-only) and
    // returns to the authenticated state.
    if (!args.empty()) return send_tagged(ResponseId::BadArguments);
    if (!read_only_) do_expunge(true);
    messages_.clear();
    mailbox_.clear();
    send_tagged(ResponseId::Completed, "CLOSE completed");
    return enter_state(ServerState::Authenticated, "CLOSE");
  }
  if (name == "IDLE") {
    if (!args.empty()) return send_tagged(ResponseId::BadArguments);
    // RFC 2177 §3: the server answers with a continuation and reports changes until the
    // client sends DONE.
    send_bytes("+ idling\r\n", "+ idling", "imap.continuation", "RFC 2177 §3");
    sasl_reader_.reset();
    return enter_state(ServerState::Idle, "IDLE (+)");
  }
  // UID (RFC 3501 §6.4.8): UID FETCH / UID STORE / UID SEARCH take UIDs instead of
  // sequence numbers.
  if (args.empty() || args[0].kind != Arg::Kind::Atom) return send_tagged(ResponseId::BadArguments);
  const std::string sub = upper(args[0].text);
  const std::vector<Arg> rest(args.begin() + 1, args.end());
  if (sub == "FETCH") return do_fetch(rest, true);
  if (sub == "STORE") return do_store(rest, true);
  if (sub == "SEARCH") return do_search(rest, true);
  send_tagged(ResponseId::BadArguments);
}

void ServerSession::do_authenticate(const Command& command) {
  if (command.args.empty() || command.args.size() > 2 || command.args[0].kind != Arg::Kind::Atom)
    return send_tagged(ResponseId::BadArguments);
  if (!plaintext_allowed()) return send_tagged(ResponseId::LoginDisabled);
  if (upper(command.args[0].text) != "PLAIN") return send_tagged(ResponseId::AuthUnknownMechanism);
  if (command.args.size() == 2) {
    // RFC 4959 §3: an initial response on the command line; "=" means empty.
    const std::string response = command.args[1].text == "=" ? std::string() : command.args[1].text;
    enter_state(ServerState::Authenticate, "AUTHENTICATE (+)");
    return handle_sasl_line(Line{response, true});
  }
  // RFC 3501 §6.2.2: the server's challenge is a continuation, "+" and base64 (empty
  // for PLAIN).
  send_bytes("+ \r\n", "+ (empty challenge)", "imap.auth.challenge", "RFC 3501 §6.2.2");
  sasl_reader_.reset();
  enter_state(ServerState::Authenticate, "AUTHENTICATE (+)");
}

void ServerSession::handle_sasl_line(const Line& line) {
  Event event;
  event.kind = EventKind::AuthStep;
  event.summary = "<SASL response, masked>";
  event.bytes = std::string(line.text.size(), '*') + "\r\n";
  event.explain = "imap.auth.response";
  event.rfc = "RFC 3501 §6.2.2";
  event.with("protocol", "imap").with("mechanism", "PLAIN");
  events_.push_back(std::move(event));
  // RFC 3501 §6.2.2: "If the client wishes to cancel an authentication exchange, it
  // issues a line consisting of a single "*". If the server receives such a response,
  // it MUST reject the AUTHENTICATE command by sending a tagged BAD response."
  if (line.text == "*") {
    send_tagged(ResponseId::AuthCancelled);
    return enter_state(ServerState::NotAuthenticated, "NO, BAD or * (cancel)");
  }
  const std::optional<std::string> decoded = base64_decode(line.text);
  const std::size_t first = decoded ? decoded->find('\0') : std::string::npos;
  const std::size_t second = first == std::string::npos ? first : decoded->find('\0', first + 1);
  if (second == std::string::npos) {
    send_tagged(ResponseId::AuthCannotDecode);
    return enter_state(ServerState::NotAuthenticated, "NO, BAD or * (cancel)");
  }
  const std::string authzid = decoded->substr(0, first);
  const std::string authcid = decoded->substr(first + 1, second - first - 1);
  // RFC 4616 §2: a user may act only as itself here; another authzid fails.
  login(authzid.empty() || authzid == authcid ? authcid : std::string(), decoded->substr(second + 1));
}

void ServerSession::login(const std::string& user, std::string_view password) {
  const bool valid = !user.empty() && mda::check_mailbox_name(user, mda::folder_inbox).empty() &&
                     authenticator_.check_password(user, password);
  Event event;
  event.kind = EventKind::AuthStep;
  event.summary = std::string(valid ? "login succeeded for " : "login failed for ") + (user.empty() ? "?" : user);
  event.explain = valid ? "imap.auth.success" : "imap.auth.failure";
  event.rfc = "RFC 3501 §6.2.3";
  event.with("protocol", "imap").with("user", user).with("result", valid ? "success" : "failure");
  events_.push_back(std::move(event));
  const bool sasl = state_ == ServerState::Authenticate;
  if (!valid) {
    ++auth_failures_;
    reply_delay_ms_ = static_cast<TimeMs>(auth_failures_) * config_.auth_failure_delay_ms;
    send_tagged(ResponseId::LoginFailed);
    if (auth_failures_ >= config_.auth_failures_max) {
      // RFC 3501 §7.1.5: BYE tells the client the server is closing.
      send_untagged("BYE " + std::string(response_info(ResponseId::TooManyFailures).text));
      return enter_state(ServerState::Logout, "LOGOUT, failures or timeout");
    }
    if (sasl) enter_state(ServerState::NotAuthenticated, "NO, BAD or * (cancel)");
    return;
  }
  user_ = user;
  send_tagged(ResponseId::LoggedIn);
  enter_state(ServerState::Authenticated, sasl ? "OK authenticated" : "LOGIN or AUTHENTICATE (OK)");
}

std::optional<std::string> ServerSession::folder_of(std::string_view mailbox) const {
  // RFC 3501 §5.1: "The case-insensitive mailbox name INBOX is a special name reserved
  // to mean "the primary mailbox for this user on this server"". Other names are exact.
  if (upper(mailbox) == "INBOX") return std::string(mda::folder_inbox);
  if (mailbox == mda::folder_junk) return std::string(mda::folder_junk);
  return std::nullopt;
}

std::vector<MailboxEntry> ServerSession::load(const std::string& folder, std::uint32_t* uid_validity) {
  const mda::UidListing listing = store_.uids(user_, folder);
  if (uid_validity != nullptr) *uid_validity = listing.uid_validity;
  std::vector<MailboxEntry> entries;
  for (const auto& [uid, id] : listing.messages) entries.push_back({uid, id, store_.flags(user_, folder, id)});
  return entries;
}

void ServerSession::do_select(const Command& command, bool read_only) {
  if (command.args.size() != 1 || command.args[0].kind == Arg::Kind::List) return send_tagged(ResponseId::BadArguments);
  const std::optional<std::string> folder = folder_of(command.args[0].text);
  if (!folder) {
    // RFC 3501 §6.3.1: a failed SELECT leaves no mailbox selected.
    send_tagged(ResponseId::NoSuchMailbox);
    if (state_ == ServerState::Selected) enter_state(ServerState::Authenticated, "SELECT or EXAMINE failed");
    messages_.clear();
    return;
  }
  folder_ = *folder;
  mailbox_ = *folder;
  read_only_ = read_only;
  messages_ = load(folder_, &uid_validity_);
  const mda::UidListing listing = store_.uids(user_, folder_);
  // RFC 3501 §6.3.1: the untagged FLAGS, EXISTS, RECENT and the OK codes UNSEEN,
  // PERMANENTFLAGS, UIDVALIDITY, UIDNEXT.
  send_untagged("FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
  send_untagged(std::to_string(messages_.size()) + " EXISTS");
  send_untagged("0 RECENT");
  for (std::size_t i = 0; i < messages_.size(); ++i)
    if (messages_[i].flags.find('S') == std::string::npos) {
      send_untagged("OK [UNSEEN " + std::to_string(i + 1) + "] First unseen");
      break;
    }
  send_untagged(read_only ? "OK [PERMANENTFLAGS ()] No permanent flags permitted"
                          : "OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited");
  send_untagged("OK [UIDVALIDITY " + std::to_string(uid_validity_) + "] UIDs valid");
  send_untagged("OK [UIDNEXT " + std::to_string(listing.uid_next) + "] Predicted next UID");
  send_tagged(read_only ? ResponseId::ReadOnly : ResponseId::ReadWrite);
  if (state_ == ServerState::Authenticated) enter_state(ServerState::Selected, "SELECT or EXAMINE (OK)");
}

void ServerSession::do_list(const Command& command) {
  // RFC 3501 §6.3.8: "LIST reference mailbox-name-with-wildcards".
  if (command.args.size() != 2 || command.args[0].kind == Arg::Kind::List || command.args[1].kind == Arg::Kind::List)
    return send_tagged(ResponseId::BadArguments);
  const std::string pattern = command.args[0].text + command.args[1].text;
  if (command.args[1].text.empty()) {
    // RFC 3501 §6.3.8: an empty name returns the hierarchy delimiter and the root.
    send_untagged("LIST (\\Noselect) \"/\" \"\"");
  } else {
    for (std::string_view name : {mda::folder_inbox, mda::folder_junk}) {
      const bool match = name == mda::folder_inbox ? list_match(upper(pattern), name) : list_match(pattern, name);
      if (match) send_untagged("LIST (\\HasNoChildren) \"/\" " + std::string(name));
    }
  }
  send_tagged(ResponseId::Completed, "LIST completed");
}

void ServerSession::do_status(const Command& command) {
  // RFC 3501 §6.3.10: "STATUS mailbox (items)".
  if (command.args.size() != 2 || command.args[1].kind != Arg::Kind::List) return send_tagged(ResponseId::BadArguments);
  const std::optional<std::string> folder = folder_of(command.args[0].text);
  if (!folder) return send_tagged(ResponseId::NoSuchMailbox);
  const mda::UidListing listing = store_.uids(user_, *folder);
  std::string items;
  for (const Arg& item : command.args[1].items) {
    const std::string key = upper(item.text);
    std::string value;
    if (key == "MESSAGES") value = std::to_string(listing.messages.size());
    else if (key == "RECENT") value = "0";
    else if (key == "UIDNEXT") value = std::to_string(listing.uid_next);
    else if (key == "UIDVALIDITY") value = std::to_string(listing.uid_validity);
    else if (key == "UNSEEN") {
      std::size_t unseen = 0;
      for (const auto& [uid, id] : listing.messages)
        unseen += store_.flags(user_, *folder, id).find('S') == std::string::npos ? 1 : 0;
      value = std::to_string(unseen);
    } else return send_tagged(ResponseId::BadArguments);
    items += (items.empty() ? "" : " ") + key + " " + value;
  }
  send_untagged("STATUS " + *folder + " (" + items + ")");
  send_tagged(ResponseId::Completed, "STATUS completed");
}

void ServerSession::do_fetch(const std::vector<Arg>& args, bool by_uid) {
  if (args.size() != 2 || args[0].kind != Arg::Kind::Atom) return send_tagged(ResponseId::BadArguments);
  const std::uint32_t star = by_uid ? (messages_.empty() ? 0 : messages_.back().uid)
                                    : static_cast<std::uint32_t>(messages_.size());
  const auto ranges = parse_set(args[0].text, star);
  if (!ranges) return send_tagged(ResponseId::BadArguments);
  std::vector<std::string> items;
  if (args[1].kind == Arg::Kind::List)
    for (const Arg& item : args[1].items) items.push_back(upper(item.text));
  else items.push_back(upper(args[1].text));
  // RFC 3501 §6.4.5: the macros "ALL" = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE) and
  // "FAST" = (FLAGS INTERNALDATE RFC822.SIZE). (FULL adds BODY, not implemented.)
  if (items.size() == 1 && (items[0] == "ALL" || items[0] == "FAST")) {
    const bool all = items[0] == "ALL";
    items = {"FLAGS", "INTERNALDATE", "RFC822.SIZE"};
    if (all) items.push_back("ENVELOPE");
  }
  // RFC 3501 §6.4.8: a UID FETCH response always includes the UID.
  if (by_uid && std::find(items.begin(), items.end(), "UID") == items.end()) items.insert(items.begin(), "UID");
  static constexpr std::string_view known[] = {"FLAGS", "UID", "RFC822.SIZE", "BODY[]", "BODY.PEEK[]", "BODY[HEADER]",
                                               "BODY.PEEK[HEADER]", "RFC822", "RFC822.HEADER",
                                               "ENVELOPE", "INTERNALDATE"};
  for (const std::string& item : items)
    if (std::find(std::begin(known), std::end(known), item) == std::end(known))
      return send_tagged(ResponseId::UnsupportedFetch, "Unsupported FETCH item " + item.substr(0, 40));
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    MailboxEntry& entry = messages_[i];
    if (!in_ranges(*ranges, by_uid ? entry.uid : static_cast<std::uint32_t>(i + 1))) continue;
    std::optional<std::string> content;
    auto wire = [&]() -> const std::string& {
      if (!content) content = wire_message(store_.read(user_, folder_, entry.id).value_or(std::string()));
      return *content;
    };
    std::string out = "* " + std::to_string(i + 1) + " FETCH (";
    bool flags_shown = false;
    bool seen_now = false;
    for (const std::string& item : items) {
      if (out.back() != '(') out += ' ';
      if (item == "FLAGS") {
        out += "FLAGS " + flags_text(entry.flags);
        flags_shown = true;
      } else if (item == "UID") {
        out += "UID " + std::to_string(entry.uid);
      } else if (item == "RFC822.SIZE") {
        out += "RFC822.SIZE " + std::to_string(wire().size());
      } else if (item == "ENVELOPE") {
        // RFC 3501 §7.4.2: the envelope structure, parsed from the header by the server.
        out += "ENVELOPE " + envelope(wire());
      } else if (item == "INTERNALDATE") {
        // RFC 3501 §2.3.3: "For messages that were delivered via an SMTP server, this
        // SHOULD be the date and time of final delivery of the message as defined by
        // [SMTP]." The store remembers it (MailStore::delivered_ms: the time the MDA
        // stored the message); only a store that cannot tell leaves the session's clock
        // to stand in.
        out += "INTERNALDATE " +
               internal_date(store_.delivered_ms(user_, folder_, entry.id).value_or(now_ms_));
      } else {
        // RFC 3501 §6.4.5: BODY[HEADER] is the header with its blank line; BODY[] and
        // RFC822 the whole message; BODY.PEEK does not set \Seen, the others do.
        const bool header = item.find("HEADER") != std::string::npos;
        std::string data = wire();
        if (header) {
          const std::size_t end = data.find("\r\n\r\n");
          data = end == std::string::npos ? data : data.substr(0, end + 4);
        }
        const std::string name = item == "BODY.PEEK[]"         ? "BODY[]"
                                 : item == "BODY.PEEK[HEADER]" ? "BODY[HEADER]"
                                                               : item;
        out += name + " {" + std::to_string(data.size()) + "}\r\n" + data;
        if (item.find("PEEK") == std::string::npos && item != "RFC822.HEADER") seen_now = true;
      }
    }
    if (seen_now && !read_only_ && entry.flags.find('S') == std::string::npos) {
      entry.flags = mda::normalize_flags(entry.flags + "S");
      store_.set_flags(user_, folder_, entry.id, entry.flags);
      // RFC 3501 §6.4.5: when \Seen changes, the new flags SHOULD be in the response.
      if (!flags_shown) out += " FLAGS " + flags_text(entry.flags);
    }
    send_untagged(out.substr(2) + ")");
  }
  send_tagged(ResponseId::Completed, by_uid ? "UID FETCH completed" : "FETCH completed");
}

void ServerSession::do_store(const std::vector<Arg>& args, bool by_uid) {
  // RFC 3501 §6.4.6: "STORE sequence-set FLAGS|+FLAGS|-FLAGS[.SILENT] flag-list".
  if (args.size() != 3 || args[0].kind != Arg::Kind::Atom || args[1].kind != Arg::Kind::Atom)
    return send_tagged(ResponseId::BadArguments);
  std::string mode = upper(args[1].text);
  const bool silent = mode.size() > 7 && mode.substr(mode.size() - 7) == ".SILENT";
  if (silent) mode.resize(mode.size() - 7);
  if (mode != "FLAGS" && mode != "+FLAGS" && mode != "-FLAGS") return send_tagged(ResponseId::BadArguments);
  const std::optional<std::string> letters = parse_flags(args[2]);
  const std::uint32_t star = by_uid ? (messages_.empty() ? 0 : messages_.back().uid)
                                    : static_cast<std::uint32_t>(messages_.size());
  const auto ranges = parse_set(args[0].text, star);
  if (!letters || !ranges) return send_tagged(ResponseId::BadArguments);
  if (read_only_) return send_tagged(ResponseId::ReadOnlyMailbox);
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    MailboxEntry& entry = messages_[i];
    if (!in_ranges(*ranges, by_uid ? entry.uid : static_cast<std::uint32_t>(i + 1))) continue;
    std::string next = *letters;
    if (mode == "+FLAGS") next = mda::normalize_flags(entry.flags + *letters);
    if (mode == "-FLAGS") {
      next.clear();
      for (char c : entry.flags)
        if (letters->find(c) == std::string::npos) next += c;
    }
    entry.flags = next;
    store_.set_flags(user_, folder_, entry.id, next);
    if (!silent) {
      std::string line = std::to_string(i + 1) + " FETCH (";
      if (by_uid) line += "UID " + std::to_string(entry.uid) + " ";
      send_untagged(line + "FLAGS " + flags_text(entry.flags) + ")");
    }
  }
  send_tagged(ResponseId::Completed, by_uid ? "UID STORE completed" : "STORE completed");
}

void ServerSession::do_search(const std::vector<Arg>& args, bool by_uid) {
  // RFC 3501 §6.4.4: the keys are ANDed. Our subset: ALL, SEEN, UNSEEN, FROM, SUBJECT.
  struct Key {
    std::string name, value;
  };
  std::vector<Key> keys;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].kind != Arg::Kind::Atom) return send_tagged(ResponseId::BadArguments);
    const std::string name = upper(args[i].text);
    if (name == "ALL" || name == "SEEN" || name == "UNSEEN") {
      keys.push_back({name, {}});
    } else if ((name == "FROM" || name == "SUBJECT") && i + 1 < args.size() && args[i + 1].kind != Arg::Kind::List) {
      keys.push_back({name, args[++i].text});
    } else {
      return send_tagged(ResponseId::BadArguments);
    }
  }
  std::string result = "SEARCH";
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    const MailboxEntry& entry = messages_[i];
    bool match = true;
    std::optional<message::HeaderParse> parsed;
    for (const Key& key : keys) {
      if (key.name == "SEEN") match = match && entry.flags.find('S') != std::string::npos;
      if (key.name == "UNSEEN") match = match && entry.flags.find('S') == std::string::npos;
      if (key.name == "FROM" || key.name == "SUBJECT") {
        if (!parsed) parsed = message::parse_header(store_.read(user_, folder_, entry.id).value_or(std::string()));
        const message::HeaderField* field = parsed->header.find(key.name == "FROM" ? "From" : "Subject");
        // RFC 3501 §6.4.4: "Messages that contain the specified string in the ... field"
        // — a case-insensitive substring.
        match = match && field != nullptr && contains_ci(field->value, key.value);
      }
    }
    if (match) result += " " + std::to_string(by_uid ? entry.uid : i + 1);
  }
  send_untagged(result);
  send_tagged(ResponseId::Completed, by_uid ? "UID SEARCH completed" : "SEARCH completed");
}

void ServerSession::do_expunge(bool silent) {
  // RFC 3501 §7.4.1: each EXPUNGE names a sequence number as it is at that moment, so
  // later numbers are one less for every message expunged before them.
  std::size_t i = 0;
  while (i < messages_.size()) {
    if (messages_[i].flags.find('T') == std::string::npos) {
      ++i;
      continue;
    }
    store_.remove(user_, folder_, messages_[i].id);
    messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(i));
    if (!silent) send_untagged(std::to_string(i + 1) + " EXPUNGE");
  }
}

void ServerSession::enter_state(ServerState next, std::string_view trigger) {
  events_.push_back(server_state_machine().transition_event(to_string(state_), to_string(next), trigger));
  state_ = next;
  if (next == ServerState::Logout) tls::close_through(tls_, output_);  // RFC 5246 §7.2.1
}

void ServerSession::send_untagged(const std::string& text) {
  const std::size_t eol = text.find("\r\n");
  send_bytes("* " + text + "\r\n", "* " + text.substr(0, eol), "imap.untagged", "RFC 3501 §7");
}

void ServerSession::send_tagged(ResponseId id, std::string_view text) {
  const std::string line = format_tagged(tag_.empty() ? std::string("*") : tag_, id, text);
  send_bytes(line, line.substr(0, line.size() - 2), "imap.response." + std::string(to_string(id)),
             response_info(id).rfc);
}

void ServerSession::send_bytes(const std::string& wire, std::string_view summary, std::string_view explain,
                               std::string_view rfc) {
  tls::send_through(tls_, wire, output_);
  Event event;
  event.kind = EventKind::SmtpReply;
  event.summary = std::string(summary);
  event.explain = std::string(explain);
  event.rfc = std::string(rfc);
  event.with("protocol", "imap");
  event.bytes = wire.substr(0, trace_bytes_max);
  if (wire.size() > trace_bytes_max) event.with("bytes_truncated", "true");
  events_.push_back(std::move(event));
}

}  // namespace smtplab::imap
