// scenario/reader.hpp — the reader: the recipient's mail program fetching mail from the
// mail host with POP3 or IMAP, one scripted session at a time, in the simulator.
//
// Standards: RFC 1939 (POP3), RFC 3501 (IMAP4rev1), RFC 2177 (IDLE), RFC 2595 §4 and
//            RFC 3501 §6.2.1 (STLS / STARTTLS before the password). The protocol rules
//            live in pop3/client_session and imap/client_session.
//
// API:
//   Reader reader(host, trust);
//   reader.add(session);     // a ReaderSession: protocol, server, user, password, actions
//   reader.start(i);         // connect now (the world calls it at the session's `at`)
//   reader.outcomes()        // one per session: logged in, retrieved, IDLE news
//
// Trace: the servers record the dialogue; the reader adds its engines' state changes and
// one note per session saying what it retrieved (explain key "reader.done").
//
// Not implemented: implicit TLS (995/993), a reader that stays connected after its
// script (it always ends with QUIT or LOGOUT).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/host.hpp"
#include "tls/pki.hpp"

namespace smtplab::scenario {

// Our choice: how long an "idle" action waits for news before the reader sends DONE
// itself. RFC 2177 §3 asks clients to re-issue IDLE at least every 29 minutes; a lesson
// wants a much shorter wait, and sets idle_max itself.
inline constexpr TimeMs reader_idle_max_ms_default = 29LL * 60 * 1000;

enum class ReaderProtocol { Pop3, Imap };
std::string_view to_string(ReaderProtocol protocol);

struct ReaderSession {
  ReaderProtocol protocol = ReaderProtocol::Pop3;
  Endpoint server;
  std::string server_name;           // for the certificate check (RFC 6125)
  std::string user;
  std::string password;
  std::vector<std::string> actions;  // already checked by the engines' parse_action
  std::string starttls = "require";  // "require" | "opportunistic" | "off"
  TimeMs idle_max_ms = reader_idle_max_ms_default;
};

struct ReaderOutcome {
  bool started = false;
  bool finished = false;
  bool logged_in = false;
  bool tls = false;
  std::size_t retrieved = 0;    // POP3 RETR/TOP answered, IMAP FETCH responses with BODY[] data
  std::size_t idle_news = 0;    // IMAP: EXISTS announced while idling
  std::string failure;
};

class Reader {
 public:
  Reader(Host& host, std::shared_ptr<const tls::TrustAnchors> trust);
  ~Reader();
  void add(ReaderSession session);
  void start(std::size_t index);
  const std::vector<ReaderOutcome>& outcomes() const { return outcomes_; }
  const std::vector<ReaderSession>& sessions() const { return sessions_; }

 private:
  class Connection;
  Host& host_;
  std::shared_ptr<const tls::TrustAnchors> trust_;
  std::vector<ReaderSession> sessions_;
  std::vector<ReaderOutcome> outcomes_;
};

}  // namespace smtplab::scenario
