// mailauth/dmarc.hpp — DMARC: the domain owner's policy for mail whose From domain
// neither SPF nor DKIM vouches for, with identifier alignment.
//
// Standards: RFC 7489 §3.1 (identifier alignment, relaxed and strict), §3.2
//            (Organizational Domain, via public_suffix.hpp), §6.3 (record tags and
//            defaults: adkim=r aspf=r fo=0 pct=100 rf=afrf ri=86400, sp defaults to p),
//            §6.4 (record syntax; "v=DMARC1" first), §6.6.2 (the authenticated
//            identifiers), §6.6.3 (policy discovery: _dmarc.<From domain>, then
//            _dmarc.<Organizational Domain>; several records = no policy; no valid p=
//            but a valid rua= = p=none), §6.6.4 (message sampling with pct), §6.7
//            (policy enforcement).
//
// API:
//   parse_dmarc_record(txt, mode)        -> DmarcRecordParse {record | why}
//   dmarc_aligned(from, auth, mode, psl) relaxed: same Organizational Domain
//   DmarcCheck check(DmarcInputs{from_domain, spf, dkim, sample_roll}, psl);
//   while (auto q = check.next_query()) check.on_answer(*q, answer);
//   check.verdict()  -> DmarcVerdict {result, policy, disposition, alignments, reason}
//
// Not implemented: aggregate and failure reports (rua/ruf are parsed and shown, never
// sent), DMARCbis (np=, psd=, t=, the DNS tree walk; docs/mailauth.md lists where it
// would differ), the external-destination verification of §7.1.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/trace.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/dns_answer.hpp"
#include "mailauth/public_suffix.hpp"
#include "mailauth/spf_check.hpp"

namespace smtplab::mailauth {

// RFC 7489 §6.3 p=: "none", "quarantine", "reject".
enum class DmarcPolicy { None, Quarantine, Reject };
std::string_view to_string(DmarcPolicy policy);

// RFC 7489 §3.1.1 / §3.1.2: "r" relaxed or "s" strict.
enum class DmarcAlignment { Relaxed, Strict };
std::string_view to_string(DmarcAlignment alignment);

struct DmarcReportUri {
  std::string uri;                  // as written, "mailto:d@example.com"
  std::string address;              // the mailto address, percent-decoded
  std::uint64_t max_size_bytes = 0; // "!10m" = 10 MiB; 0 when not given
};

struct DmarcRecord {
  DmarcPolicy policy = DmarcPolicy::None;             // p=
  std::optional<DmarcPolicy> subdomain_policy;        // sp= (absent: p= applies)
  DmarcAlignment dkim_alignment = DmarcAlignment::Relaxed;  // adkim=
  DmarcAlignment spf_alignment = DmarcAlignment::Relaxed;   // aspf=
  unsigned percent = 100;                              // pct=
  std::vector<std::string> failure_options{"0"};       // fo=
  std::vector<std::string> report_formats{"afrf"};     // rf=
  std::uint32_t report_interval_s = 86400;             // ri=
  std::vector<DmarcReportUri> aggregate_uris;          // rua=
  std::vector<DmarcReportUri> failure_uris;            // ruf=
  bool policy_from_rua = false;  // p= was missing/invalid and rua= made it "none" (§6.6.3)
  DmarcPolicy effective_subdomain_policy() const { return subdomain_policy.value_or(policy); }
};

// Strict: a tag with an invalid value makes the record invalid (the RFC 7489 grammar).
// Lenient: such values fall back to their §6.3 defaults, as receivers commonly do.
enum class DmarcParseMode { Strict, Lenient };

struct DmarcRecordParse {
  std::optional<DmarcRecord> record;
  std::string why;
};

// RFC 7489 §6.4: does this TXT string start a DMARC record ("v=DMARC1" then ";" or end)?
bool is_dmarc_record(std::string_view txt);
DmarcRecordParse parse_dmarc_record(std::string_view txt, DmarcParseMode mode = DmarcParseMode::Strict);

// RFC 7489 §3.1: strict needs the same name; relaxed the same Organizational Domain.
// Without a PSL (nullptr) relaxed alignment accepts a name and its parents only.
bool dmarc_aligned(std::string_view from_domain, std::string_view auth_domain, DmarcAlignment mode,
                   const PublicSuffixList* psl);

struct DmarcSpfInput {
  std::string domain;  // RFC 7489 §6.6.2: the MAIL FROM domain (or HELO when MAIL FROM was <>)
  SpfResult result = SpfResult::None;
};
struct DmarcDkimInput {
  std::string domain;  // d=
  DkimResult result = DkimResult::None;
};

struct DmarcInputs {
  std::string from_domain;  // RFC 5322.From domain
  std::optional<DmarcSpfInput> spf;
  std::vector<DmarcDkimInput> dkim;
  // RFC 7489 §6.6.4 sampling, without a random source of our own: the caller draws a
  // number in [0, 100) (from the simulator's seeded generator); the policy applies
  // when sample_roll < pct. The default 0 always applies it.
  unsigned sample_roll = 0;
};

// RFC 7489 §11.2 (Authentication-Results "dmarc" method): none, pass, fail, temperror,
// permerror.
enum class DmarcResult { None, Pass, Fail, TempError, PermError };
std::string_view to_string(DmarcResult result);

struct DmarcVerdict {
  DmarcResult result = DmarcResult::None;
  std::string from_domain;
  std::string organizational_domain;
  std::string record_domain;  // where the record was found ("_dmarc.b.example")
  std::optional<DmarcRecord> record;
  DmarcPolicy policy = DmarcPolicy::None;       // p= or sp= as it applies to this From
  DmarcPolicy disposition = DmarcPolicy::None;  // what the receiver should do
  bool spf_aligned = false;
  bool dkim_aligned = false;
  std::string aligned_dkim_domain;
  bool sampled_out = false;  // pct < 100 and this message was not selected
  std::string reason;
};

class DmarcCheck {
 public:
  DmarcCheck(DmarcInputs inputs, const PublicSuffixList* psl);
  std::optional<DnsQuestion> next_query();
  void on_answer(const DnsQuestion& question, DnsAnswer answer);
  bool done() const { return verdict_.has_value(); }
  const DmarcVerdict& verdict() const;
  std::vector<Event> take_events();

 private:
  void evaluate(const DmarcRecord& record, const std::string& record_name, bool at_org_domain);
  void finish_none(std::string reason);
  void emit(Event event);

  DmarcInputs inputs_;
  const PublicSuffixList* psl_;
  std::string org_domain_;
  std::vector<DnsQuestion> questions_;  // _dmarc.<from>, then _dmarc.<org> if needed
  std::map<DnsQuestion, DnsAnswer> answers_;
  std::optional<DmarcVerdict> verdict_;
  std::vector<Event> events_;
};

}  // namespace smtplab::mailauth
