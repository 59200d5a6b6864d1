// mailauth/dns_answer.hpp — the one seam between the sender-authentication checks and
// DNS: a question they ask, the answer they are given, and helpers that make answers
// from the simulator's resolver or from a file of records.
//
// Standards: RFC 7208 §4.4 and §2.6.6-2.6.7 (which DNS outcomes are "temperror" and
//            which are "no record"), RFC 6376 §6.1.2 (key lookup failures), RFC 7489
//            §6.6.3 (policy discovery), RFC 2308 §1 (NXDOMAIN vs NODATA).
//
// API:
//   DnsQuestion{name, type}                         what a check needs next
//   DnsAnswer{status, records, why}                 what it is given
//   answer_from_lookup(dns::LookupResult)           from dns::ResolverAgent (async)
//   answer_from_zones(zones, question)              from dns::Zones (CLI, tests)
//   drive(check, answer_fn)                         runs any check to completion with a
//                                                   synchronous source of answers
//   txt_strings(answer), addresses(answer), names(answer)   the record data as text
//
// Every check in this module (SpfCheck, DkimVerify, DmarcCheck) has the same shape:
//   while (auto q = check.next_query()) check.on_answer(*q, answer_for(*q));
// so the same code runs over the simulator's asynchronous resolver and over a table.
//
// Not implemented: DNSSEC status (RFC 8601 would report it), answers from several
// servers, caching across checks.
#pragma once

#include <compare>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/stub_resolver.hpp"
#include "dns/wire.hpp"
#include "dns/zone.hpp"

namespace smtplab::mailauth {

struct DnsQuestion {
  std::string name;  // presentation text without the final dot
  dns::RecordType type = dns::RecordType::Txt;
  std::string to_string() const;  // "TXT? _dmarc.b.example"
  friend auto operator<=>(const DnsQuestion&, const DnsQuestion&) = default;
};

// What the checks need to know of a DNS outcome. RFC 7208 §2.6.6 ("temperror ... a
// transient (generally DNS) error") and RFC 6376 §6.1.2 both split the outcomes into
// "the data is not there" (NXDOMAIN, NODATA) and "we could not find out" (SERVFAIL,
// timeout, a truncated or garbled answer).
enum class DnsStatus {
  Answer,    // records of the type were returned
  NoData,    // RFC 2308 §1: the name exists, no record of this type
  NxDomain,  // RFC 2308 §1: the name does not exist
  TempFail,  // SERVFAIL, REFUSED, timeout, truncation, malformed: try again later
};
std::string_view to_string(DnsStatus status);

struct DnsAnswer {
  DnsStatus status = DnsStatus::TempFail;
  std::vector<dns::ResourceRecord> records;  // only records of the type asked
  std::string why;                           // for the trace: "SERVFAIL", "timeout"
};

// From the simulator's resolver (dns::ResolverAgent's callback).
DnsAnswer answer_from_lookup(const dns::LookupResult& result);

// From a table of records. A name in none of the zones is NXDOMAIN (the record file is
// the whole world), a CNAME loop is a temporary failure (a server answers SERVFAIL).
DnsAnswer answer_from_zones(const dns::Zones& zones, const DnsQuestion& question);

// TXT: each record's character-strings joined (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
std::vector<std::string> txt_strings(const DnsAnswer& answer);
// A / AAAA: the addresses as text; MX: the exchanges (preference order kept as given);
// PTR / CNAME: the target names.
std::vector<std::string> addresses(const DnsAnswer& answer);
std::vector<std::string> names(const DnsAnswer& answer);

// Runs a check to the end with a synchronous source of answers. `Check` has
// next_query() -> std::optional<DnsQuestion> and on_answer(question, answer).
template <class Check>
void drive(Check& check, const std::function<DnsAnswer(const DnsQuestion&)>& answer_for) {
  while (auto question = check.next_query()) check.on_answer(*question, answer_for(*question));
}

}  // namespace smtplab::mailauth
