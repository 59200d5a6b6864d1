// scenario/retrieval.hpp — the mail host's POP3 and IMAP services in the simulator, over
// the same mail store the MDA delivers into, and the store wrapper that tells IMAP
// sessions in IDLE about new mail the moment it is stored (mda/notifying_store.hpp).
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
#include "mda/notifying_store.hpp"
#include "smtp/user_db.hpp"
#include "tls/pki.hpp"

namespace smtplab::scenario {

inline constexpr std::uint16_t pop3_port = 110;  // RFC 1939 §3
inline constexpr std::uint16_t imap_port = 143;  // RFC 3501 §2.1

// The store wrapper lives with the MDA now (it is generic: `smtplab serve` uses it
// too); the scenario keeps its old name for it.
using mda::NotifyingStore;

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
