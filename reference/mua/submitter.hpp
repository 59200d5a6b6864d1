// mua/submitter.hpp — the Mail User Agent's sending half: compose a message and
// submit it to the user's own mail server.
//
// Standards: RFC 5322 (the message: From, To, Cc, Subject, Date, Message-ID; Bcc
// recipients are envelope-only, §3.6.3), RFC 6409 (message submission, port 587),
// RFC 5321 (the client dialogue, in smtp/client_session).
//
// API:
//   Submitter mua(host, config);
//   mua.submit(draft);   // composes now (Date from the clock, Message-ID from the seed)
//                        // and connects to config.submit_to
//   mua.results();       // the latest finished submissions, oldest first (bounded)
//   mua.take_results();  // hands them over and forgets them
//   mua.in_flight();     // submissions not yet over
//
// STARTTLS (RFC 3207) and AUTH (RFC 4954) on submission: config.tls says whether the
// MUA uses STARTTLS (the submission server's certificate checked against config.tls's
// trust anchors), config.auth gives the credentials; AUTH is never sent in plaintext
// (the ClientSession refuses unless allow_without_tls).
//
// Not implemented: implicit TLS on port 465 (RFC 8314) in scenarios, SCRAM-SHA-256.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/host.hpp"
#include "smtp/client_session.hpp"

namespace smtplab::mua {

struct Draft {
  std::string from;               // "alice@a.example"
  std::vector<std::string> to;    // visible recipients
  std::vector<std::string> cc;
  std::vector<std::string> bcc;   // envelope only: never in the header (RFC 5322 §3.6.3)
  std::string subject;
  std::string body;               // plain text; LF or CRLF line endings
};

struct SubmitterConfig {
  std::string helo_name;          // our host name
  Endpoint submit_to;             // the user's submission server
  smtp::Seams seams;              // exercises: a student's functions in our client
  smtp::ClientTlsConfig tls;      // STARTTLS policy and trust; random/now_ms are set per submission
  std::optional<smtp::ClientAuth> auth;  // log in when set (RFC 4954)
};

// Our choice (STYLE §18): finished results a Submitter keeps. A long simulation (the
// delivery benchmark submits 10,000 messages) must not grow with the number of
// messages already sent, so past this the oldest result is forgotten; a caller that
// wants every result drains them with take_results().
inline constexpr std::size_t submission_results_kept_max = 1024;

struct SubmissionResult {
  std::string message_id;
  bool accepted = false;          // 250 to end of data for at least one recipient
  std::string detail;             // the final reply or the failure
};

class Submitter {
 public:
  Submitter(Host& host, SubmitterConfig config);
  void submit(const Draft& draft);
  // Finished submissions in the order they finished; at most submission_results_kept_max.
  const std::deque<SubmissionResult>& results() const { return results_; }
  std::deque<SubmissionResult> take_results();
  std::size_t in_flight() const { return in_flight_; }

  // Builds the RFC 5322 message for a draft (public so tests and lessons can show it).
  std::string compose(const Draft& draft, std::string& message_id);

 private:
  friend class SubmissionConnection;
  void record(SubmissionResult result);

  Host& host_;
  SubmitterConfig config_;
  std::deque<SubmissionResult> results_;  // finished only: a connection owns its own until then
  std::size_t in_flight_ = 0;
};

}  // namespace smtplab::mua
