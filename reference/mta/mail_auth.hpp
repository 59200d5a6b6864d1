// mta/mail_auth.hpp — the receiving MTA's sender authentication at end of data: SPF,
// then DKIM, then DMARC, each asking DNS through the MTA's resolver, and what the MTA
// does with the verdicts (deliver, deliver to Junk, reject, or ask the client to retry).
//
// Standards: RFC 7208 §2.4 (SPF checks the MAIL FROM identity; "postmaster@<HELO>" for
//            the null reverse-path), RFC 6376 §6.1 (every signature is verified), RFC
//            7489 §6.6.1 (the RFC5322.From domain), §6.6.2 (the receiver's steps: SPF
//            and DKIM first, then the policy), §6.6.4 (pct sampling), §6.7 (policy
//            enforcement), RFC 8601 §2.2 and §5 (the Authentication-Results field, and
//            removing forged ones bearing our authserv-id), RFC 3463 §3.8 (X.7.x
//            security status codes).
//
// API:
//   MailAuthRun::start(config, inputs, lookup, note, done)   asynchronous, one per message
//   decide(config, results) -> MailAuthOutcome {action, reason}    pure: what to do
//   from_domain(message)   the single RFC5322.From domain, or "" (RFC 7489 §6.6.1)
//   strip_our_auth_results(message, authserv_id)   RFC 8601 §5
//
// How it runs: the three checks are the mailauth objects (next_query / on_answer /
// verdict / take_events). `lookup` sends each question (in the MTA: dns::ResolverAgent,
// so every TXT query is a datagram in the trace) and calls back with the answer; each
// check's events go to `note` in the order they were made, then `done` gets the outcome.
// Callbacks hold only a weak pointer: when the owner drops the run (the connection
// closed), late DNS answers are ignored.
//
// Not implemented: the HELO identity check (RFC 7208 §2.3 RECOMMENDS it; DMARC uses
// the MAIL FROM result), ARC (RFC 8617), DMARC reports (rua/ruf are never sent).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/reply.hpp"
#include "core/trace.hpp"
#include "mailauth/auth_results.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/dmarc.hpp"
#include "mailauth/spf_check.hpp"

namespace smtplab::mta {

// What a temporary DNS failure (temperror) does to a message that did not pass DMARC.
// RFC 7489 §6.6.3: "Handling of DNS errors when querying for the DMARC policy record is
// left to the discretion of the Mail Receiver." Our reading extends that to SPF's and
// DKIM's temperror (RFC 7208 §2.6.6, RFC 6376 §6.1.2: "try again later"). smtplab accepts by default, so that a DNS outage does not hold mail back, and defers
// with 451 4.7.0 when a scenario asks for it (`mail_auth_temperror = "defer"`).
enum class TempErrorAction { Accept, Defer };
std::string_view to_string(TempErrorAction action);

struct MailAuthConfig {
  bool spf = false;    // RFC 7208: check the MAIL FROM identity
  bool dkim = false;   // RFC 6376: verify every DKIM-Signature
  bool dmarc = false;  // RFC 7489: apply the From domain's policy
  TempErrorAction temperror = TempErrorAction::Accept;
  // RFC 7489 §3.2: the Organizational Domain; without a list, relaxed alignment accepts a
  // name and its parents (mailauth/dmarc.hpp).
  std::shared_ptr<const mailauth::PublicSuffixList> psl;
  bool enabled() const { return spf || dkim || dmarc; }
};

struct MailAuthInputs {
  std::string client_ip;   // the SMTP client's address (RFC 7208 §4.1 <ip>)
  std::string helo;        // the EHLO/HELO argument
  std::string mail_from;   // the reverse-path without <>, "" for <>
  std::string receiver;    // our host name: %{r} and the authserv-id
  std::string message;     // the content as received (before our Received field)
  std::int64_t now_s = 0;  // for DKIM x= (RFC 6376 §3.5)
  unsigned sample_roll = 0;  // RFC 7489 §6.6.4: a number in [0, 100) from the seeded random
};

// What the MTA does with the message.
enum class MailAuthAction {
  Deliver,  // INBOX (DMARC pass, none, or p=none)
  Junk,     // RFC 7489 §6.3 p=quarantine: accepted (250), delivered to the Junk folder
  Reject,   // RFC 7489 §6.3 p=reject: 550 5.7.1, the message is not taken
  Defer,    // a temperror with TempErrorAction::Defer: 451 4.7.0, the client retries
};
std::string_view to_string(MailAuthAction action);

struct MailAuthOutcome {
  mailauth::AuthResults results;
  MailAuthAction action = MailAuthAction::Deliver;
  std::string reason;  // a sentence with the RFC section, for the reply and the trace
  // The reply for Reject and Defer (a 5yz or 4yz); unused for Deliver and Junk.
  Reply reply() const;
};

// Pure: the action for these results.
MailAuthOutcome decide(const MailAuthConfig& config, mailauth::AuthResults results);

// RFC 7489 §6.6.1: the domain of the one address in the one From field, lower case;
// "" when there is no From field, more than one, or no domain in it.
std::string from_domain(std::string_view message);

// RFC 8601 §5: "a border MTA MUST delete any instance of this header field bearing an
// authserv-id it uses"; returns the message without them (other fields byte for byte).
std::string strip_our_auth_results(std::string_view message, std::string_view authserv_id);

class MailAuthRun : public std::enable_shared_from_this<MailAuthRun> {
 public:
  using AnswerFn = std::function<void(mailauth::DnsAnswer)>;
  // Send `question`; call the function with the answer (now or later, exactly once).
  using Lookup = std::function<void(const mailauth::DnsQuestion& question, AnswerFn answer)>;
  using Note = std::function<void(Event)>;
  using Done = std::function<void(const MailAuthOutcome&)>;

  // Creates the run and starts it; `done` may be called before this returns (answers
  // from a table). Keep the pointer for as long as the outcome is wanted.
  static std::shared_ptr<MailAuthRun> start(MailAuthConfig config, MailAuthInputs inputs, Lookup lookup,
                                            Note note, Done done);
  bool finished() const { return stage_ == Stage::Finished; }

  MailAuthRun(MailAuthConfig config, MailAuthInputs inputs, Lookup lookup, Note note, Done done);

 private:
  enum class Stage { Spf, Dkim, Dmarc, Finished };
  void step();
  void on_answer(const mailauth::DnsQuestion& question, mailauth::DnsAnswer answer);
  void ask(const mailauth::DnsQuestion& question);
  void flush(std::vector<Event> events);
  void record(std::string summary, std::string explain, std::string rfc, std::string result);

  MailAuthConfig config_;
  MailAuthInputs inputs_;
  Lookup lookup_;
  Note note_;
  Done done_;
  Stage stage_ = Stage::Spf;
  std::optional<mailauth::SpfCheck> spf_;
  std::optional<mailauth::DkimVerify> dkim_;
  std::optional<mailauth::DmarcCheck> dmarc_;
  mailauth::AuthResults results_;
  bool waiting_ = false;  // a question is out
};

}  // namespace smtplab::mta
