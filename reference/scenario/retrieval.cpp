// scenario/retrieval.cpp — see retrieval.hpp.
#include "scenario/retrieval.hpp"

#include <algorithm>
#include <optional>
#include <type_traits>

#include "imap/server_session.hpp"
#include "pop3/server_session.hpp"

namespace smtplab::scenario {

// One password check for both protocols: the mail host's user database (hashed, RFC
// 8018 PBKDF2), the same one SMTP AUTH uses.
class RetrievalService::Authenticator final : public pop3::Authenticator, public imap::Authenticator {
 public:
  explicit Authenticator(std::shared_ptr<const smtp::UserDb> users) : users_(std::move(users)) {}
  bool check_password(std::string_view user, std::string_view password) override {
    return users_ != nullptr && users_->check(user, password);
  }

 private:
  std::shared_ptr<const smtp::UserDb> users_;
};

namespace {

// Pumps bytes between a stream and a server engine (pop3:: or imap::ServerSession).
// A failed login's reply waits next_reply_delay_ms() of virtual time (the engines have
// no clock); later output queues behind it so nothing overtakes it.
template <typename Session>
class ServerPump {
 public:
  ServerPump(Host& host, Session& session) : host_(host), session_(session) {}
  ~ServerPump() { *alive_ = false; }

  void open(Stream& stream) {
    stream_ = &stream;
    peer_ = stream.peer_name();
    session_.set_now(host_.clock().now_ms());
    session_.start();
    pump();
  }
  void data(std::string_view bytes) {
    if (stream_ == nullptr || closing_) return;
    session_.set_now(host_.clock().now_ms());
    session_.receive(bytes);
    pump();
  }
  void closed() { stream_ = nullptr; }

  void pump() {
    if (stream_ == nullptr) return;
    emit_dialogue(host_, session_.take_events(), peer_, stream_->id(), /*we_are_server=*/true);
    const TimeMs delay_ms = session_.next_reply_delay_ms();
    held_ += session_.take_output();
    if (waiting_) return;
    if (delay_ms > 0 && !held_.empty()) {
      waiting_ = true;
      host_.schedule(delay_ms, [this, alive = alive_] {
        if (!*alive) return;
        waiting_ = false;
        flush();
      });
      return;
    }
    flush();
  }

 private:
  void flush() {
    if (stream_ == nullptr) return;
    if (!held_.empty()) stream_->send(std::exchange(held_, std::string()));
    if (session_.wants_close() && !closing_) {
      closing_ = true;
      stream_->close();
    }
  }

  Host& host_;
  Session& session_;
  Stream* stream_ = nullptr;
  std::string peer_;
  std::string held_;
  bool waiting_ = false;
  bool closing_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

class RetrievalService::Pop3Connection final : public StreamHandler {
 public:
  Pop3Connection(RetrievalService& owner, pop3::ServerConfig config)
      : session_(std::move(config), owner.store_, *owner.authenticator_), pump_(owner.host_, session_) {}
  void on_open(Stream& stream) override { pump_.open(stream); }
  void on_data(Stream&, std::string_view bytes) override { pump_.data(bytes); }
  void on_close(Stream&, CloseReason) override { pump_.closed(); }

 private:
  pop3::ServerSession session_;
  ServerPump<pop3::ServerSession> pump_;
};

class RetrievalService::ImapConnection final : public StreamHandler {
 public:
  ImapConnection(RetrievalService& owner, imap::ServerConfig config)
      : owner_(owner), session_(std::move(config), owner.store_, *owner.authenticator_),
        pump_(owner.host_, session_) {
    owner_.imap_connections_.push_back(this);
  }
  // No destructor work: the host destroys a handler only after on_close (which leaves
  // the list), or at the end of the world, when no more mail is delivered.
  void on_open(Stream& stream) override { pump_.open(stream); }
  void on_data(Stream&, std::string_view bytes) override { pump_.data(bytes); }
  void on_close(Stream&, CloseReason) override {
    pump_.closed();
    std::erase(owner_.imap_connections_, this);
  }

  // The MDA stored a message for `user`: RFC 2177 §3 — a session in IDLE (or with the
  // folder selected) learns of it now, as "* n EXISTS".
  void delivered(const std::string& user, const std::string& folder) {
    if (session_.user() != user) return;
    (void)folder;  // the engine reloads its selected folder and reports only growth
    session_.mailbox_changed();
    pump_.pump();
  }

 private:
  RetrievalService& owner_;
  imap::ServerSession session_;
  ServerPump<imap::ServerSession> pump_;
};

RetrievalService::RetrievalService(Host& host, NotifyingStore& store, RetrievalConfig config)
    : host_(host), store_(store), config_(std::move(config)),
      authenticator_(std::make_unique<Authenticator>(config_.users)) {}

RetrievalService::~RetrievalService() {
  if (observer_ != 0) store_.remove_observer(observer_);
}

void RetrievalService::start() {
  if (config_.pop3) {
    host_.listen(pop3_port, [this]() -> std::unique_ptr<StreamHandler> {
      pop3::ServerConfig config;
      config.host_name = host_.name();
      config.plaintext_login = config_.plaintext_login;
      if (config_.identity)
        config.tls = pop3::ServerTlsConfig{config_.identity, &host_.random(), host_.clock().now_ms()};
      return std::make_unique<Pop3Connection>(*this, std::move(config));
    });
  }
  if (config_.imap) {
    host_.listen(imap_port, [this]() -> std::unique_ptr<StreamHandler> {
      imap::ServerConfig config;
      config.host_name = host_.name();
      config.plaintext_login = config_.plaintext_login;
      if (config_.identity)
        config.tls = imap::ServerTlsConfig{config_.identity, &host_.random(), host_.clock().now_ms()};
      return std::make_unique<ImapConnection>(*this, std::move(config));
    });
    observer_ = store_.add_observer([this](const std::string& user, const std::string& folder) {
      // A copy: a notified session may close and leave the list.
      const auto connections = imap_connections_;
      for (ImapConnection* connection : connections)
        if (std::find(imap_connections_.begin(), imap_connections_.end(), connection) != imap_connections_.end())
          connection->delivered(user, folder);
    });
  }
}

}  // namespace smtplab::scenario
