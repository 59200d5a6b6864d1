// scenario/reader.cpp — see reader.hpp.
#include "scenario/reader.hpp"

#include <optional>
#include <stdexcept>

#include "imap/client_session.hpp"
#include "pop3/client_session.hpp"

namespace smtplab::scenario {

std::string_view to_string(ReaderProtocol protocol) {
  switch (protocol) {
    case ReaderProtocol::Pop3: return "pop3";
    case ReaderProtocol::Imap: return "imap";
  }
  return "unknown";
}

namespace {

template <typename Policy>
Policy tls_policy(const std::string& text) {
  if (text == "off") return Policy::Never;
  if (text == "opportunistic") return Policy::Opportunistic;
  return Policy::Required;
}

tls::SessionConfig tls_session(const ReaderSession& spec, std::shared_ptr<const tls::TrustAnchors> trust, TimeMs now_ms) {
  tls::SessionConfig session;
  session.role = tls::Role::Client;
  session.trust = std::move(trust);
  session.server_name = spec.server_name;
  session.now_ms = now_ms;
  // A reader that requires TLS also requires a certificate it can check (RFC 6125 §6).
  session.verify = spec.starttls == "require" ? tls::VerifyMode::Required : tls::VerifyMode::Opportunistic;
  return session;
}

}  // namespace

// One session: pumps bytes between the stream and a POP3 or IMAP client engine.
class Reader::Connection final : public StreamHandler {
 public:
  Connection(Reader& owner, std::size_t index) : owner_(owner), index_(index) {
    const ReaderSession& spec = owner.sessions_[index];
    const TimeMs now_ms = owner.host_.clock().now_ms();
    if (spec.protocol == ReaderProtocol::Pop3) {
      pop3::ClientConfig config;
      config.user = spec.user;
      config.password = spec.password;
      config.tls.stls = tls_policy<pop3::TlsPolicy>(spec.starttls);
      config.tls.session = tls_session(spec, owner.trust_, now_ms);
      config.tls.random = &owner.host_.random();
      // "off" is the insecure lesson setting: the password goes in plaintext.
      config.allow_plaintext_login = spec.starttls == "off";
      std::vector<pop3::Action> actions;
      for (const auto& text : spec.actions)
        if (auto action = pop3::parse_action(text)) actions.push_back(*action);
      pop3_.emplace(std::move(config), std::move(actions));
    } else {
      imap::ClientConfig config;
      config.user = spec.user;
      config.password = spec.password;
      config.tls.starttls = tls_policy<imap::TlsPolicy>(spec.starttls);
      config.tls.session = tls_session(spec, owner.trust_, now_ms);
      config.tls.random = &owner.host_.random();
      config.allow_plaintext_login = spec.starttls == "off";
      std::vector<imap::Action> actions;
      for (const auto& text : spec.actions)
        if (auto action = imap::parse_action(text)) actions.push_back(*action);
      imap_.emplace(std::move(config), std::move(actions));
    }
  }
  ~Connection() override { *alive_ = false; }

  void on_open(Stream& stream) override {
    peer_ = stream.peer_name();
    pump(stream);
  }
  void on_data(Stream& stream, std::string_view bytes) override {
    if (finished_) return;
    if (pop3_) pop3_->receive(bytes);
    else imap_->receive(bytes);
    pump(stream);
  }
  void on_close(Stream& stream, CloseReason reason) override {
    if (finished_) return;
    if (pop3_) pop3_->connection_closed();
    else imap_->connection_closed();
    pump_events(stream.id());
    stream_ = nullptr;
    finish("connection " + std::string(to_string(reason)) + " before the session ended");
  }

 private:
  bool done() const { return pop3_ ? pop3_->done() : imap_->done(); }

  void pump(Stream& stream) {
    stream_ = &stream;
    pump_events(stream.id());
    const std::string output = pop3_ ? pop3_->take_output() : imap_->take_output();
    if (!output.empty()) stream.send(output);
    if (imap_ && imap_->idling() && !idle_timer_) {
      // RFC 2177 §3: the client ends IDLE with DONE when it wants to; ours waits at most
      // idle_max for news, then goes on with its script.
      idle_timer_ = true;
      const std::uint64_t generation = ++idle_generation_;
      owner_.host_.schedule(owner_.sessions_[index_].idle_max_ms, [this, alive = alive_, generation] {
        // A timer of an IDLE that already ended (an arrival) has nothing to stop.
        if (!*alive || finished_ || stream_ == nullptr || generation != idle_generation_) return;
        imap_->stop_idle();
        pump(*stream_);
      });
    }
    if (imap_ && !imap_->idling() && idle_timer_) {
      idle_timer_ = false;
      ++idle_generation_;
    }
    if (done() && !finished_) {
      stream.close();
      finish({});
    }
  }

  void pump_events(std::uint64_t conn) {
    // As the MUA does for SMTP: the servers record the dialogue; the reader keeps its own
    // notes (state changes, the TLS verdict).
    std::vector<Event> events = pop3_ ? pop3_->take_events() : imap_->take_events();
    std::erase_if(events, [](const Event& e) {
      const bool wire_tls_or_auth =
          (e.kind == EventKind::TlsStep || e.kind == EventKind::AuthStep) && !e.bytes.empty();
      return e.kind == EventKind::SmtpCommand || e.kind == EventKind::SmtpReply || wire_tls_or_auth;
    });
    emit_dialogue(owner_.host_, std::move(events), peer_, conn, /*we_are_server=*/false);
  }

  void finish(std::string why) {
    finished_ = true;
    ReaderOutcome& outcome = owner_.outcomes_[index_];
    outcome.finished = true;
    const ReaderSession& spec = owner_.sessions_[index_];
    if (pop3_) {
      const pop3::ClientResult& r = pop3_->result();
      outcome.logged_in = r.logged_in;
      outcome.tls = r.tls;
      outcome.retrieved = r.retrieved.size();
      outcome.failure = r.failure;
    } else {
      const imap::ClientResult& r = imap_->result();
      outcome.logged_in = r.logged_in;
      outcome.tls = r.tls;
      // A whole message is BODY[] (or RFC822) data, RFC 3501 §7.4.2; a header-only FETCH
      // is a look, not a retrieval.
      for (const auto& fetched : r.fetched)
        if (!fetched.literals.empty() && (fetched.text.find("BODY[] {") != std::string::npos ||
                                          fetched.text.find("RFC822 {") != std::string::npos))
          ++outcome.retrieved;
      outcome.idle_news = r.idle_exists.size();
      outcome.failure = r.failure;
    }
    if (outcome.failure.empty()) outcome.failure = why;
    Event event;
    event.kind = EventKind::Note;
    event.summary = std::string(spec.protocol == ReaderProtocol::Pop3 ? "POP3" : "IMAP") + " session of " +
                    spec.user + " ended: " +
                    (outcome.logged_in ? std::to_string(outcome.retrieved) + " message(s) retrieved"
                                       : std::string("not logged in")) +
                    (outcome.idle_news > 0 ? ", " + std::to_string(outcome.idle_news) + " arrival(s) seen in IDLE" : "") +
                    (outcome.failure.empty() ? "" : " (" + outcome.failure + ")");
    event.explain = outcome.failure.empty() ? "reader.done" : "reader.failed";
    event.rfc = spec.protocol == ReaderProtocol::Pop3 ? "RFC 1939 §6" : "RFC 3501 §6.1.3";
    event.with("protocol", std::string(to_string(spec.protocol)))
        .with("user", spec.user)
        .with("retrieved", std::to_string(outcome.retrieved))
        .with("idle_news", std::to_string(outcome.idle_news));
    owner_.host_.emit(std::move(event));
  }

  Reader& owner_;
  std::size_t index_;
  std::optional<pop3::ClientSession> pop3_;
  std::optional<imap::ClientSession> imap_;
  std::string peer_;
  Stream* stream_ = nullptr;
  bool finished_ = false;
  bool idle_timer_ = false;
  std::uint64_t idle_generation_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

Reader::Reader(Host& host, std::shared_ptr<const tls::TrustAnchors> trust) : host_(host), trust_(std::move(trust)) {}

Reader::~Reader() = default;

void Reader::add(ReaderSession session) {
  sessions_.push_back(std::move(session));
  outcomes_.emplace_back();
}

void Reader::start(std::size_t index) {
  if (index >= sessions_.size()) throw std::logic_error("Reader::start: no such session");
  outcomes_[index].started = true;
  host_.connect(sessions_[index].server, std::make_unique<Connection>(*this, index));
}

}  // namespace smtplab::scenario
