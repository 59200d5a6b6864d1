// tests/mailauth/test_dns.hpp — an in-memory DNS for the conformance suites: records by
// (name, type), names that time out, CNAMEs followed like a recursive resolver would.
// The suites describe their zones in their own shapes (pyspf's zonedata, mail-auth's
// one-line records); both are loaded into this.
#pragma once

#include <cctype>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mailauth/dns_answer.hpp"

namespace smtplab::mailauth::testing {

inline std::string dns_key(std::string name) {
  while (!name.empty() && name.back() == '.') name.pop_back();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

class TestDns {
 public:
  void add(const std::string& name, dns::Rdata data, dns::RecordType type) {
    dns::ResourceRecord rr;
    rr.name = dns_key(name);
    rr.type = type;
    rr.ttl_s = 300;
    rr.data = std::move(data);
    records_[{dns_key(name), type}].push_back(std::move(rr));
    exists_.insert(dns_key(name));
  }
  void add_txt(const std::string& name, std::vector<std::string> strings) {
    add(name, dns::TxtData{std::move(strings)}, dns::RecordType::Txt);
  }
  void replace_txt(const std::string& name, std::vector<std::string> strings) {
    records_.erase({dns_key(name), dns::RecordType::Txt});
    add_txt(name, std::move(strings));
  }
  void add_a(const std::string& name, const std::string& address) {
    if (address.find(':') != std::string::npos) add(name, dns::AddressV6{address}, dns::RecordType::Aaaa);
    else add(name, dns::AddressV4{address}, dns::RecordType::A);
  }
  void add_mx(const std::string& name, int preference, const std::string& exchange) {
    add(name, dns::MxData{static_cast<std::uint16_t>(preference), exchange}, dns::RecordType::Mx);
  }
  void add_ptr(const std::string& name, const std::string& target) {
    add(name, dns::NameData{target}, dns::RecordType::Ptr);
  }
  void add_cname(const std::string& name, const std::string& target) {
    cnames_[dns_key(name)] = dns_key(target);
    exists_.insert(dns_key(name));
  }
  void mark_exists(const std::string& name) { exists_.insert(dns_key(name)); }
  void add_timeout(const std::string& name) { timeouts_.insert(dns_key(name)); }
  // Names containing this marker answer SERVFAIL (the mail-auth suite's "_dns_error").
  void set_error_marker(std::string marker) { error_marker_ = std::move(marker); }

  DnsAnswer answer(const DnsQuestion& question) const {
    ++queries_;
    std::string name = dns_key(question.name);
    DnsAnswer out;
    for (int hops = 0; hops < 8; ++hops) {
      if (!error_marker_.empty() && name.find(error_marker_) != std::string::npos) {
        out.status = DnsStatus::TempFail;
        out.why = "SERVFAIL";
        return out;
      }
      const auto found = records_.find({name, question.type});
      if (found != records_.end()) {
        out.status = DnsStatus::Answer;
        out.records = found->second;
        return out;
      }
      // pyspf's TIMEOUT: a query for which the name has no records times out (a name
      // with TXT records and TIMEOUT still answers TXT: the suite's "spftimeout").
      if (timeouts_.contains(name)) {
        out.status = DnsStatus::TempFail;
        out.why = "timeout";
        return out;
      }
      const auto alias = cnames_.find(name);
      if (alias == cnames_.end()) {
        out.status = exists_.contains(name) ? DnsStatus::NoData : DnsStatus::NxDomain;
        return out;
      }
      name = alias->second;
    }
    out.status = DnsStatus::TempFail;  // a CNAME loop: a resolver answers SERVFAIL
    out.why = "CNAME loop";
    return out;
  }
  std::size_t queries() const { return queries_; }

 private:
  std::map<std::pair<std::string, dns::RecordType>, std::vector<dns::ResourceRecord>> records_;
  std::map<std::string, std::string> cnames_;
  std::set<std::string> exists_;
  std::set<std::string> timeouts_;
  std::string error_marker_;
  mutable std::size_t queries_ = 0;
};

}  // namespace smtplab::mailauth::testing
