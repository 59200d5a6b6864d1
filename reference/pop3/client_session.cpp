// pop3/client_session.cpp — see client_session.hpp.
//
// Rules: every change of state goes through enter_state() and is checked against the
// table below; every byte we send goes through send_command() (which encrypts once TLS
// is up) and records the trace event that describes it. One command is outstanding at
// a time, so the response that arrives always answers the command of the current state.
#include "pop3/client_session.hpp"

#include <mbedtls/base64.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <utility>

namespace smtplab::pop3 {

namespace {

constexpr std::string_view states[] = {
    "await_greeting", "sent_capa", "sent_stls", "tls_handshake", "sent_user", "sent_pass",
    "sent_auth",      "transaction", "sent_quit", "done",
};

constexpr Transition transitions[] = {
    {"await_greeting", "+OK greeting", "sent_capa", "RFC 2449 §5"},
    {"await_greeting", "-ERR greeting or close", "done", "RFC 1939 §4"},
    {"sent_capa", "STLS offered and wanted", "sent_stls", "RFC 2595 §4"},
    {"sent_capa", "CAPA answered, USER sent", "sent_user", "RFC 1939 §7"},
    {"sent_capa", "CAPA answered, AUTH sent", "sent_auth", "RFC 5034 §4"},
    {"sent_capa", "no TLS for the password", "sent_quit", "RFC 2595 §2.2"},
    {"sent_stls", "+OK to STLS", "tls_handshake", "RFC 2595 §4"},
    {"sent_stls", "-ERR to STLS", "sent_quit", "RFC 2595 §4"},
    {"sent_stls", "-ERR to STLS (opportunistic)", "sent_user", "RFC 7435 §1.3"},
    {"sent_stls", "-ERR to STLS (opportunistic)", "sent_auth", "RFC 7435 §1.3"},
    {"tls_handshake", "TLS established, CAPA again", "sent_capa", "RFC 2595 §4"},
    {"tls_handshake", "TLS failed", "done", "RFC 2595 §4"},
    {"sent_user", "+OK to USER", "sent_pass", "RFC 1939 §7"},
    {"sent_user", "-ERR to USER", "sent_quit", "RFC 1939 §7"},
    {"sent_pass", "+OK to PASS", "transaction", "RFC 1939 §7"},
    {"sent_pass", "-ERR to PASS", "sent_quit", "RFC 1939 §7"},
    {"sent_auth", "+OK to AUTH", "transaction", "RFC 5034 §4"},
    {"sent_auth", "-ERR to AUTH", "sent_quit", "RFC 5034 §4"},
    {"transaction", "script finished", "sent_quit", "RFC 1939 §6"},
    {"sent_quit", "+OK to QUIT or close", "done", "RFC 1939 §6"},
    {"sent_capa", "connection closed", "done", "RFC 1939 §3"},
    {"sent_stls", "connection closed", "done", "RFC 1939 §3"},
    {"tls_handshake", "connection closed", "done", "RFC 1939 §3"},
    {"sent_user", "connection closed", "done", "RFC 1939 §3"},
    {"sent_pass", "connection closed", "done", "RFC 1939 §3"},
    {"sent_auth", "connection closed", "done", "RFC 1939 §3"},
    {"transaction", "connection closed", "done", "RFC 1939 §3"},
};

constexpr StateMachine machine{"pop3_client", "POP3 client session", states, transitions};

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::optional<std::size_t> parse_number(std::string_view text) {
  std::size_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  std::size_t written = 0;
  mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &written,
                        reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.resize(written);
  return out;
}

}  // namespace

std::string_view to_string(TlsPolicy policy) {
  switch (policy) {
    case TlsPolicy::Never: return "never";
    case TlsPolicy::Opportunistic: return "opportunistic";
    case TlsPolicy::Required: return "required";
  }
  return "unknown";
}

std::string_view to_string(LoginMethod method) {
  switch (method) {
    case LoginMethod::UserPass: return "user_pass";
    case LoginMethod::AuthPlain: return "auth_plain";
  }
  return "unknown";
}

std::string_view to_string(ActionKind kind) {
  switch (kind) {
    case ActionKind::Stat: return "STAT";
    case ActionKind::List: return "LIST";
    case ActionKind::Uidl: return "UIDL";
    case ActionKind::Retr: return "RETR";
    case ActionKind::Top: return "TOP";
    case ActionKind::Dele: return "DELE";
    case ActionKind::Rset: return "RSET";
    case ActionKind::Noop: return "NOOP";
  }
  return "unknown";
}

std::string_view to_string(ClientState state) {
  return states[static_cast<std::size_t>(state)];
}

const StateMachine& client_state_machine() { return machine; }

std::string Action::text() const {
  std::string line(to_string(kind));
  if (number) line += " " + std::to_string(*number);
  if (kind == ActionKind::Top) line += " " + std::to_string(lines);
  return line;
}

std::optional<Action> parse_action(std::string_view text, std::string* error) {
  auto bad = [&](std::string why) -> std::optional<Action> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  const auto parts = words(text);
  if (parts.empty()) return bad("empty POP3 action");
  const std::string verb = upper(parts[0]);
  Action action;
  // Which commands take a message number: RFC 1939 §5 (LIST, RETR, DELE) and §7 (TOP,
  // UIDL). Numbers start at 1 (RFC 1939 §5: "Each message ... is assigned a message-number").
  std::size_t numbers_min = 0, numbers_max = 0;
  if (verb == "STAT") action.kind = ActionKind::Stat;
  else if (verb == "LIST") { action.kind = ActionKind::List; numbers_max = 1; }
  else if (verb == "UIDL") { action.kind = ActionKind::Uidl; numbers_max = 1; }
  else if (verb == "RETR") { action.kind = ActionKind::Retr; numbers_min = numbers_max = 1; }
  else if (verb == "DELE") { action.kind = ActionKind::Dele; numbers_min = numbers_max = 1; }
  else if (verb == "TOP") { action.kind = ActionKind::Top; numbers_min = numbers_max = 2; }
  else if (verb == "RSET") action.kind = ActionKind::Rset;
  else if (verb == "NOOP") action.kind = ActionKind::Noop;
  else return bad("unknown POP3 action '" + std::string(parts[0]) +
                  "' (stat, list, uidl, retr N, top N LINES, dele N, rset, noop)");
  const std::size_t given = parts.size() - 1;
  if (given < numbers_min || given > numbers_max)
    return bad("POP3 action '" + std::string(text) + "' has the wrong number of arguments");
  if (given >= 1) {
    const auto number = parse_number(parts[1]);
    if (!number || *number == 0) return bad("'" + std::string(parts[1]) + "' is not a message number");
    action.number = number;
  }
  if (given == 2) {
    const auto lines = parse_number(parts[2]);
    if (!lines) return bad("'" + std::string(parts[2]) + "' is not a line count");
    action.lines = *lines;
  }
  return action;
}

std::string unstuff_line(std::string_view line) {
  // RFC 1939 §3: "If any line begins with the termination octet, the line is
  // 'byte-stuffed' by pre-pending the termination octet to that line of the response."
  // The client removes that first octet again.
  if (!line.empty() && line.front() == '.') line.remove_prefix(1);
  return std::string(line);
}

ClientSession::ClientSession(ClientConfig config, std::vector<Action> actions)
    : config_(std::move(config)), actions_(std::move(actions)) {
  if (config_.tls.stls != TlsPolicy::Never && config_.tls.random == nullptr)
    throw std::logic_error("pop3::ClientConfig.tls needs a random source");
}

std::string ClientSession::take_output() { return std::exchange(output_, std::string()); }
std::vector<Event> ClientSession::take_events() { return std::exchange(events_, std::vector<Event>()); }

void ClientSession::enter_state(ClientState next, std::string_view trigger) {
  events_.push_back(machine.transition_event(to_string(state_), to_string(next), trigger));
  state_ = next;
}

void ClientSession::fail(std::string reason) {
  if (result_.failure.empty()) result_.failure = std::move(reason);
}

void ClientSession::receive(std::string_view bytes) {
  if (done()) return;
  if (!tls_) {
    process(bytes);
    return;
  }
  tls_->receive(bytes);
  pump_tls();
  if (done()) return;
  const std::string plaintext = tls_->take_plaintext();
  if (!plaintext.empty()) process(plaintext);
}

void ClientSession::connection_closed() {
  if (done()) return;
  if (state_ != ClientState::SentQuit) fail("the connection closed in state " + std::string(to_string(state_)));
  enter_state(ClientState::Done, state_ == ClientState::SentQuit ? "+OK to QUIT or close" : "connection closed");
}

bool ClientSession::expects_multi_line() const {
  // RFC 1939 §3: which responses are multi-line is known from the command: CAPA (RFC
  // 2449 §5), LIST and UIDL without an argument, RETR and TOP.
  if (state_ == ClientState::SentCapa) return true;
  if (state_ != ClientState::Transaction || !current_) return false;
  switch (current_->kind) {
    case ActionKind::List:
    case ActionKind::Uidl: return !current_->number;
    case ActionKind::Retr:
    case ActionKind::Top: return true;
    default: return false;
  }
}

void ClientSession::process(std::string_view input) {
  while (!done() && !input.empty()) {
    Line line;
    const LineStatus status = line_reader_.next(input, line);
    if (status == LineStatus::NeedMore) return;
    if (status == LineStatus::TooLong) {
      // A response line beyond the limit: we cannot tell where it stands in the dialogue
      // any more, so we say goodbye rather than guess.
      fail("a response line longer than " + std::to_string(response_line_length_max) + " octets");
      send_quit("a response line too long");
      in_body_ = false;
      return;
    }
    if (in_body_) {
      // RFC 1939 §3: "the multi-line response is terminated with the octets CRLF . CRLF".
      if (line.text == ".") {
        in_body_ = false;
        multi_ = true;
        handle_response(status_line_, body_);
        body_.clear();
        body_octets_ = 0;
      } else {
        body_octets_ += line.text.size() + 2;
        if (body_octets_ > multi_line_octets_max) {
          in_body_ = false;
          body_.clear();
          fail("a multi-line response larger than " + std::to_string(multi_line_octets_max) + " octets");
          send_quit("a response too large");
          return;
        }
        body_.push_back(unstuff_line(line.text));
      }
      continue;
    }
    const bool ok = line.text.rfind("+OK", 0) == 0;
    if (ok && expects_multi_line()) {
      status_line_ = line.text;
      in_body_ = true;
      continue;
    }
    multi_ = false;
    handle_response(line.text, {});
    if (state_ == ClientState::TlsHandshake && !tls_) {
      // RFC 2595 §4 (and the lesson of CVE-2011-0411): anything the server sent after
      // "+OK" to STLS in plaintext was not protected by TLS; it is thrown away.
      line_reader_.reset();
      start_tls();
      return;
    }
  }
}

void ClientSession::handle_response(const std::string& status_line, const std::vector<std::string>& body) {
  const bool ok = status_line.rfind("+OK", 0) == 0;
  {
    Event event;
    event.kind = EventKind::SmtpReply;
    event.summary = status_line;
    event.bytes = status_line + "\r\n";
    for (const auto& line : body) event.bytes += (line.rfind('.', 0) == 0 ? "." : "") + line + "\r\n";
    if (multi_) event.bytes += ".\r\n";
    event.explain = "pop3.reply";
    event.rfc = "RFC 1939 §3";
    event.with("protocol", "pop3").with("status", ok ? "+OK" : "-ERR");
    if (!body.empty()) event.with("lines", std::to_string(body.size()));
    events_.push_back(std::move(event));
  }
  // RFC 1939 §3: "Responses in the POP3 consist of a status indicator and a keyword
  // possibly followed by additional information." Anything that is neither is an -ERR
  // for our purposes: the command did not succeed.
  if (!ok) result_.errors.push_back(status_line);

  switch (state_) {
    case ClientState::AwaitGreeting:
      if (!ok) {
        fail("the server refused the connection: " + status_line);
        enter_state(ClientState::Done, "-ERR greeting or close");
        return;
      }
      // RFC 2449 §5: CAPA is how a client learns whether STLS, USER and SASL are offered.
      send_command("CAPA", "CAPA", "RFC 2449 §5");
      enter_state(ClientState::SentCapa, "+OK greeting");
      return;
    case ClientState::SentCapa:
      result_.capabilities.clear();
      if (ok) result_.capabilities = body;
      after_capa();
      return;
    case ClientState::SentStls:
      if (ok) {
        enter_state(ClientState::TlsHandshake, "+OK to STLS");
        return;  // process() starts the handshake once this line is done
      }
      if (config_.tls.stls == TlsPolicy::Required) {
        fail("STLS refused and TLS is required: " + status_line);
        send_quit("-ERR to STLS");
        return;
      }
      login();
      return;
    case ClientState::SentUser:
      if (!ok) {
        fail("USER refused: " + status_line);
        send_quit("-ERR to USER");
        return;
      }
      // RFC 1939 §7: after USER's +OK the client sends PASS; masked in the trace.
      send_command("PASS " + config_.password, "PASS", "RFC 1939 §7", "PASS ********");
      enter_state(ClientState::SentPass, "+OK to USER");
      return;
    case ClientState::SentPass:
    case ClientState::SentAuth: {
      const bool pass = state_ == ClientState::SentPass;
      if (!ok) {
        fail("login refused: " + status_line);
        send_quit(pass ? "-ERR to PASS" : "-ERR to AUTH");
        return;
      }
      result_.logged_in = true;
      enter_state(ClientState::Transaction, pass ? "+OK to PASS" : "+OK to AUTH");
      next_action();
      return;
    }
    case ClientState::Transaction: {
      const Action action = current_.value_or(Action{});
      current_.reset();
      if (ok) {
        switch (action.kind) {
          case ActionKind::Stat: {
            // RFC 1939 §5: "+OK nn mm" — the number of messages and their size in octets.
            const auto parts = words(status_line);
            if (parts.size() >= 3) {
              const auto count = parse_number(parts[1]);
              const auto octets = parse_number(parts[2]);
              if (count && octets) result_.stat = std::make_pair(*count, *octets);
            }
            break;
          }
          case ActionKind::List:
          case ActionKind::Uidl: {
            // RFC 1939 §5/§7: one "msg value" per line (or on the +OK line for one message).
            std::vector<std::string> lines = body;
            if (action.number) lines = {status_line.size() > 4 ? status_line.substr(4) : std::string()};
            for (const auto& line : lines) {
              const auto parts = words(line);
              if (parts.size() < 2) continue;
              const auto number = parse_number(parts[0]);
              if (!number) continue;
              if (action.kind == ActionKind::List) {
                if (const auto octets = parse_number(parts[1])) result_.listing.emplace_back(*number, *octets);
              } else {
                result_.unique_ids.emplace_back(*number, std::string(parts[1]));
              }
            }
            break;
          }
          case ActionKind::Retr:
          case ActionKind::Top: {
            Retrieved retrieved;
            retrieved.number = action.number.value_or(0);
            for (const auto& line : body) retrieved.content += line + "\r\n";
            result_.retrieved.push_back(std::move(retrieved));
            break;
          }
          case ActionKind::Dele:
            result_.deleted.push_back(action.number.value_or(0));
            break;
          case ActionKind::Rset:
            result_.deleted.clear();  // RFC 1939 §5: RSET unmarks every deleted message
            break;
          case ActionKind::Noop:
            break;
        }
      }
      next_action();
      return;
    }
    case ClientState::SentQuit:
      // RFC 1939 §6: +OK to QUIT in TRANSACTION means the deletions were carried out.
      result_.quit_ok = ok;
      if (!ok) fail("QUIT answered " + status_line);
      enter_state(ClientState::Done, "+OK to QUIT or close");
      return;
    case ClientState::TlsHandshake:
    case ClientState::Done:
      return;
  }
}

void ClientSession::after_capa() {
  const bool tls_up = tls_ && tls_->established();
  const bool offered = std::any_of(result_.capabilities.begin(), result_.capabilities.end(),
                                   [](const std::string& c) { return upper(c) == "STLS"; });
  if (!tls_up && config_.tls.stls != TlsPolicy::Never) {
    if (offered) {
      send_command("STLS", "STLS", "RFC 2595 §4");
      enter_state(ClientState::SentStls, "STLS offered and wanted");
      return;
    }
    if (config_.tls.stls == TlsPolicy::Required) {
      // The defence against STLS stripping: without TLS we do not log in at all.
      fail("the server does not offer STLS and TLS is required");
      send_quit("no TLS for the password");
      return;
    }
  }
  login();
}

void ClientSession::login() {
  const bool tls_up = tls_ && tls_->established();
  const std::string_view trigger_from_capa =
      config_.login == LoginMethod::UserPass ? "CAPA answered, USER sent" : "CAPA answered, AUTH sent";
  const std::string_view trigger_from_stls =
      "-ERR to STLS (opportunistic)";
  const std::string_view trigger = state_ == ClientState::SentStls ? trigger_from_stls : trigger_from_capa;
  if (!tls_up && !config_.allow_plaintext_login) {
    // RFC 2595 §2.2: a password must not travel in plaintext; we would rather not read
    // mail than give it away.
    fail("refusing to send the password without TLS");
    send_quit(state_ == ClientState::SentStls ? "-ERR to STLS" : "no TLS for the password");
    return;
  }
  if (config_.login == LoginMethod::UserPass) {
    send_command("USER " + config_.user, "USER", "RFC 1939 §7");
    enter_state(ClientState::SentUser, trigger);
    return;
  }
  // RFC 5034 §4 with RFC 4616 §2: "AUTH PLAIN" with the initial response
  // base64(authzid NUL authcid NUL passwd), the authorization identity left empty.
  const std::string message = std::string(1, '\0') + config_.user + std::string(1, '\0') + config_.password;
  send_command("AUTH PLAIN " + base64(message), "AUTH", "RFC 5034 §4", "AUTH PLAIN ********");
  enter_state(ClientState::SentAuth, trigger);
}

void ClientSession::next_action() {
  if (next_action_ >= actions_.size()) {
    send_quit("script finished");
    return;
  }
  current_ = actions_[next_action_++];
  const std::string_view rfc = current_->kind == ActionKind::Top || current_->kind == ActionKind::Uidl
                                   ? "RFC 1939 §7"
                                   : "RFC 1939 §5";
  send_command(current_->text(), to_string(current_->kind), rfc);
}

void ClientSession::send_quit(std::string_view trigger) {
  if (state_ == ClientState::SentQuit || done()) return;
  send_command("QUIT", "QUIT", "RFC 1939 §6");
  enter_state(ClientState::SentQuit, trigger);
}

void ClientSession::send_command(const std::string& line, std::string_view verb, std::string_view rfc,
                                 std::string_view shown) {
  tls::send_through(tls_, line + "\r\n", output_);
  const std::string text = shown.empty() ? line : std::string(shown);
  Event event;
  event.kind = EventKind::SmtpCommand;
  event.summary = text;
  event.bytes = text + "\r\n";
  event.explain = "pop3.command." + std::string(verb);
  event.rfc = std::string(rfc);
  event.with("protocol", "pop3").with("verb", std::string(verb));
  events_.push_back(std::move(event));
}

void ClientSession::start_tls() {
  tls::start_client(tls_, config_.tls.session, *config_.tls.random);
  pump_tls();
}

void ClientSession::pump_tls() {
  tls::drain_into(*tls_, output_, events_);
  if (done()) return;
  switch (tls_->state()) {
    case tls::SessionState::Failed:
      // RFC 2595 §4: after a failed negotiation the connection is not used for POP3.
      fail("TLS handshake failed: " + tls_->failure());
      enter_state(ClientState::Done, "TLS failed");
      return;
    case tls::SessionState::Closed:
      connection_closed();
      return;
    case tls::SessionState::Established:
      if (state_ != ClientState::TlsHandshake) return;
      result_.tls = true;
      // RFC 2595 §4: "Once TLS has been started, the client MUST discard cached
      // information about server capabilities and SHOULD re-issue the CAPA command."
      result_.capabilities.clear();
      send_command("CAPA", "CAPA", "RFC 2595 §4");
      enter_state(ClientState::SentCapa, "TLS established, CAPA again");
      return;
    case tls::SessionState::Handshaking:
      return;
  }
}

}  // namespace smtplab::pop3
