// mailauth/dns_answer.cpp — turning the resolver's and the zone table's outcomes into
// the four cases the sender-authentication RFCs distinguish.
#include "mailauth/dns_answer.hpp"

#include <variant>

namespace smtplab::mailauth {

std::string DnsQuestion::to_string() const { return dns::to_string(type) + "? " + name; }

std::string_view to_string(DnsStatus status) {
  switch (status) {
    case DnsStatus::Answer: return "answer";
    case DnsStatus::NoData: return "nodata";
    case DnsStatus::NxDomain: return "nxdomain";
    case DnsStatus::TempFail: return "tempfail";
  }
  return "?";
}

DnsAnswer answer_from_lookup(const dns::LookupResult& result) {
  DnsAnswer answer;
  answer.why = std::string(dns::to_string(result.status));
  switch (result.status) {
    case dns::ResolveStatus::Answer:
      answer.status = DnsStatus::Answer;
      answer.records = result.records;
      break;
    case dns::ResolveStatus::NoData: answer.status = DnsStatus::NoData; break;
    case dns::ResolveStatus::NxDomain: answer.status = DnsStatus::NxDomain; break;
    // RFC 7208 §2.6.6 / RFC 6376 §6.1.2: everything else is "could not find out".
    default: answer.status = DnsStatus::TempFail; break;
  }
  return answer;
}

DnsAnswer answer_from_zones(const dns::Zones& zones, const DnsQuestion& question) {
  const dns::ZoneAnswer zone_answer = zones.lookup(question.name, question.type);
  DnsAnswer answer;
  answer.why = std::string(dns::to_string(zone_answer.status));
  switch (zone_answer.status) {
    case dns::LookupStatus::Answer:
      for (const auto& record : zone_answer.answers)
        if (record.type == question.type) answer.records.push_back(record);
      // A CNAME that leads out of the table and nowhere else: nothing of the type.
      answer.status = answer.records.empty() ? DnsStatus::NoData : DnsStatus::Answer;
      break;
    case dns::LookupStatus::NoData: answer.status = DnsStatus::NoData; break;
    case dns::LookupStatus::NxDomain:
    case dns::LookupStatus::NotAuthoritative: answer.status = DnsStatus::NxDomain; break;
    case dns::LookupStatus::CnameLoop: answer.status = DnsStatus::TempFail; break;
  }
  return answer;
}

std::vector<std::string> txt_strings(const DnsAnswer& answer) {
  std::vector<std::string> out;
  for (const auto& record : answer.records)
    if (const auto* txt = std::get_if<dns::TxtData>(&record.data)) out.push_back(txt->joined());
  return out;
}

std::vector<std::string> addresses(const DnsAnswer& answer) {
  std::vector<std::string> out;
  for (const auto& record : answer.records) {
    if (const auto* v4 = std::get_if<dns::AddressV4>(&record.data)) out.push_back(v4->address);
    if (const auto* v6 = std::get_if<dns::AddressV6>(&record.data)) out.push_back(v6->address);
  }
  return out;
}

std::vector<std::string> names(const DnsAnswer& answer) {
  std::vector<std::string> out;
  for (const auto& record : answer.records) {
    if (const auto* mx = std::get_if<dns::MxData>(&record.data)) out.push_back(mx->exchange);
    if (const auto* name = std::get_if<dns::NameData>(&record.data)) out.push_back(name->name);
  }
  return out;
}

}  // namespace smtplab::mailauth
