// mailauth/spf_check.hpp — SPF's check_host(): may this IP address send mail for this
// domain? A resumable, sans-I/O evaluator that asks for each DNS answer it needs.
//
// Standards: RFC 7208 §2.3-2.4 (the HELO and MAIL FROM identities; "postmaster" for an
//            empty local-part or a null reverse-path), §2.6 (the seven results), §4
//            (check_host(): §4.3 initial processing, §4.4 record lookup, §4.5 record
//            selection, §4.6 evaluation, §4.6.4 the 10 DNS-mechanism and 2 void-lookup
//            limits, §4.7 default result), §5.1-§5.7 (all, include, a, mx, ptr, ip4,
//            ip6, exists), §6.1 redirect, §6.2 exp, §7 macros, §8 results' meaning.
//
// API:
//   SpfCheck check(SpfInputs{.ip = "192.0.2.10", .helo = "mail.a.example",
//                            .mail_from = "alice@a.example"});
//   while (auto q = check.next_query()) check.on_answer(*q, answer);  // any order of time
//   check.verdict()   -> SpfVerdict {result, domain, reason, mechanism, explanation, ...}
//   check.take_events()  policy_check events: every record, term and result, in order
//
// How it resumes: the evaluation is a pure function of the inputs and the answers
// received so far. next_query() runs check_host() from the start; when a lookup finds
// no answer yet, the run stops and that question is returned. on_answer() stores the
// answer, and the next run gets one step further. Runs repeat only cheap work (at
// most ~50 answers), and keep check_host() readable as the RFC's algorithm, top to
// bottom. Events of the part already reported are not reported twice.
//
// Not implemented: the SPF RR type (removed by RFC 7208 §3.1), Received-SPF header
// fields (§9.1; smtplab records Authentication-Results, RFC 8601, instead), local
// policy overrides (§10.1 "best guess"), DNS lookups of the HELO name at
// MAIL FROM time for %{h} validation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/trace.hpp"
#include "mailauth/dns_answer.hpp"
#include "mailauth/spf_record.hpp"

namespace smtplab::mailauth {

// RFC 7208 §2.6: the seven results.
enum class SpfResult { None, Neutral, Pass, Fail, SoftFail, TempError, PermError };
std::string_view to_string(SpfResult result);

// RFC 7208 §2.3 and §2.4: which identity is checked.
enum class SpfIdentity { MailFrom, Helo };
std::string_view to_string(SpfIdentity identity);

// RFC 7208 §4.6.4: "SPF implementations MUST limit the total number of those terms to
// 10 during SPF evaluation" (include, a, mx, ptr, exists, redirect).
inline constexpr unsigned spf_dns_mechanisms_max = 10;
// RFC 7208 §4.6.4: "SPF implementations SHOULD limit "void lookups" to two. An
// implementation MAY choose to make such a limit configurable. In this case, a default
// of two is RECOMMENDED."
inline constexpr unsigned spf_void_lookups_max = 2;
// RFC 7208 §4.6.4: "the evaluation of each "MX" record MUST NOT result in querying more
// than 10 address records" and "the evaluation of each "PTR" record MUST NOT result in
// querying more than 10 address records".
inline constexpr std::size_t spf_mx_names_max = 10;
inline constexpr std::size_t spf_ptr_names_max = 10;
// Our choice (STYLE §18): distinct DNS questions one check may ask. The limits above
// allow 10 mechanisms x (1 + 10 addresses) + PTR + exp + %{p} ~ 130; 200 is a guard
// that only a bug could reach. Past it the check ends in temperror.
inline constexpr std::size_t spf_queries_max = 200;
// Our choice: an explanation longer than this is cut (RFC 7208 §6.2 sets no limit; an
// SMTP reply line is 512 octets, RFC 5321 §4.5.3.1.5).
inline constexpr std::size_t spf_explanation_length_max = 400;

struct SpfInputs {
  std::string ip;         // the SMTP client's address, "192.0.2.10" or "2001:db8::1"
  std::string helo;       // the EHLO/HELO argument
  std::string mail_from;  // the reverse-path's address without <>, "" for the null path
  SpfIdentity identity = SpfIdentity::MailFrom;
  std::string receiver = "unknown";  // %{r}: the receiving host's name
  std::int64_t timestamp_s = 0;      // %{t}: the time of the check (explanations only)
};

struct SpfVerdict {
  SpfResult result = SpfResult::None;
  std::string domain;       // the domain check_host() started from
  std::string sender;       // the <sender> used ("postmaster@helo" when MAIL FROM was <>)
  std::string mechanism;    // the term that decided it ("-all", "ip4:192.0.2.0/24")
  std::string reason;       // a sentence for the student, with the RFC section
  std::string explanation;  // RFC 7208 §6.2: the domain owner's text, for "fail" only
  unsigned dns_mechanisms = 0;
  unsigned void_lookups = 0;
};

class SpfCheck {
 public:
  explicit SpfCheck(SpfInputs inputs);

  // The next DNS question, or nullopt when the verdict is ready.
  std::optional<DnsQuestion> next_query();
  // The answer to a question next_query() returned (others are ignored).
  void on_answer(const DnsQuestion& question, DnsAnswer answer);

  bool done() const { return verdict_.has_value(); }
  // Only when done(); before that a TempError "not finished" verdict.
  const SpfVerdict& verdict() const;
  // The events produced since the last call, oldest first.
  std::vector<Event> take_events();

  const SpfInputs& inputs() const { return inputs_; }
  const std::map<DnsQuestion, DnsAnswer>& answers() const { return answers_; }

 private:
  friend class SpfRun;
  SpfInputs inputs_;
  std::map<DnsQuestion, DnsAnswer> answers_;
  std::optional<DnsQuestion> pending_;
  std::optional<SpfVerdict> verdict_;
  std::vector<Event> events_;
  std::size_t events_reported_ = 0;  // events of earlier runs already handed out
};

// Convenience: the whole check against a synchronous source of answers.
SpfVerdict check_spf(const SpfInputs& inputs, const std::function<DnsAnswer(const DnsQuestion&)>& answer_for,
                     std::vector<Event>* events = nullptr);

}  // namespace smtplab::mailauth
