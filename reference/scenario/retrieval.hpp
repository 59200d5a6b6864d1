// scenario/retrieval.hpp — the mail host's POP3 and IMAP services in the simulator, over
// the same mail store the MDA delivers into, and the store wrapper that tells IMAP
// sessions in IDLE about new mail the moment it is stored.
//
// Standards: RFC 1939 (POP3, port 110), RFC 3501 (IMAP4rev1, port 143), RFC 2177 (IDLE:
//            "* n EXISTS" while idling), RFC 2595 §4 and RFC 3501 §6.2.1 (STLS and
//            STARTTLS on those ports). The protocol rules live in pop3/ and imap/; this
//            file only connects the engines to simulated streams.
//
// API:
//   NotifyingStore store(memory_store);         // what the MTA/MDA delivers into
//   RetrievalService svc(host, store, config);  // config.pop3 / config.imap say which
//   svc.start();                                // listens on 110 and/or 143
//
// Trace: the server engines record the dialogue (commands client -> server, responses
// server -> client, protocol=pop3|imap), as the SMTP server does for SMTP.
//
// Not implemented: the autologout timers (RFC 1939 §3, RFC 3501 §5.4) in the simulator —
// a reader always ends its session with QUIT or LOGOUT; implicit TLS ports 995 and 993.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/host.hpp"
#include "mda/mail_store.hpp"
#include "smtp/user_db.hpp"
#include "tls/pki.hpp"

namespace smtplab::scenario {

inline constexpr std::uint16_t pop3_port = 110;  // RFC 1939 §3
inline constexpr std::uint16_t imap_port = 143;  // RFC 3501 §2.1

// A MailStore that forwards everything to another one and, after each successful
// delivery, calls its observers with the user and folder (in the order they were added).
class NotifyingStore final : public mda::MailStore {
 public:
  using Observer = std::function<void(const std::string& user, const std::string& folder)>;
  explicit NotifyingStore(mda::MailStore& inner) : inner_(inner) {}

  std::uint64_t add_observer(Observer observer);
  void remove_observer(std::uint64_t id);

  mda::StoreResult deliver(std::string_view user, std::string_view folder, std::string_view content,
                           TimeMs time_ms) override;
  std::vector<std::string> list(std::string_view user, std::string_view folder) const override {
    return inner_.list(user, folder);
  }
  std::optional<std::string> read(std::string_view user, std::string_view folder,
                                  std::string_view id) const override {
    return inner_.read(user, folder, id);
  }
  std::size_t count(std::string_view user, std::string_view folder) const override { return inner_.count(user, folder); }
  bool remove(std::string_view user, std::string_view folder, std::string_view id) override {
    return inner_.remove(user, folder, id);
  }
  std::string flags(std::string_view user, std::string_view folder, std::string_view id) const override {
    return inner_.flags(user, folder, id);
  }
  bool set_flags(std::string_view user, std::string_view folder, std::string_view id,
                 std::string_view letters) override {
    return inner_.set_flags(user, folder, id, letters);
  }
  mda::UidListing uids(std::string_view user, std::string_view folder) override { return inner_.uids(user, folder); }

 private:
  mda::MailStore& inner_;
  std::vector<std::pair<std::uint64_t, Observer>> observers_;
  std::uint64_t next_observer_ = 1;
};

struct RetrievalConfig {
  bool pop3 = false;
  bool imap = false;
  std::shared_ptr<const tls::Identity> identity;  // STLS/STARTTLS offered when set
  bool plaintext_login = false;                   // the insecure lesson setting
  std::shared_ptr<const smtp::UserDb> users;      // the mail host's passwords
};

class RetrievalService {
 public:
  RetrievalService(Host& host, NotifyingStore& store, RetrievalConfig config);
  ~RetrievalService();
  void start();

 private:
  class Authenticator;
  class Pop3Connection;
  class ImapConnection;

  Host& host_;
  NotifyingStore& store_;
  RetrievalConfig config_;
  std::unique_ptr<Authenticator> authenticator_;
  std::vector<ImapConnection*> imap_connections_;  // open ones, for IDLE notifications
  std::uint64_t observer_ = 0;
};

}  // namespace smtplab::scenario
