// sim/faults.cpp — names of the fault kinds, and the list of requested faults that the
// simulator cannot inject yet (see faults.hpp).
#include "sim/faults.hpp"

namespace smtplab::sim {

std::string_view to_string(DnsFaultKind kind) {
  switch (kind) {
    case DnsFaultKind::ServFail: return "servfail";
    case DnsFaultKind::Timeout: return "timeout";
    case DnsFaultKind::NxDomain: return "nxdomain";
  }
  return "unknown";
}

std::string_view to_string(TlsFaultKind kind) {
  switch (kind) {
    case TlsFaultKind::HandshakeFailure: return "handshake_failure";
    case TlsFaultKind::BadCertificate: return "bad_certificate";
  }
  return "unknown";
}

std::vector<std::string> FaultOptions::unsupported() const {
  std::vector<std::string> out;
  auto indexed = [](std::string_view list, std::size_t i, std::string_view field) {
    return std::string(list) + "[" + std::to_string(i) + "]" + std::string(field);
  };
  for (std::size_t i = 0; i < dns.size(); ++i)
    if (dns[i].kind == DnsFaultKind::NxDomain && dns[i].first_attempts != 0)
      out.push_back(indexed("dns", i, ".first_attempts (nxdomain holds for the whole run)"));
  return out;
}

namespace {
bool same_name(std::string_view a, std::string_view b) {
  auto strip = [](std::string_view s) { return !s.empty() && s.back() == '.' ? s.substr(0, s.size() - 1) : s; };
  a = strip(a);
  b = strip(b);
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}
}  // namespace

const DnsFault* DnsFaultCounter::match(std::string_view name) {
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const DnsFault& fault = faults_[i];
    if (fault.kind == DnsFaultKind::NxDomain) continue;  // applied to the zones instead
    if (!fault.name.empty() && !same_name(fault.name, name)) continue;
    ++seen_[i];
    if (fault.first_attempts == 0 || seen_[i] <= fault.first_attempts) return &fault;
  }
  return nullptr;
}

}  // namespace smtplab::sim
