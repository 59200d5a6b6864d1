// sim/faults.cpp — names of the fault kinds, and the list of requested faults that the
// simulator cannot inject yet (see faults.hpp).
#include "sim/faults.hpp"

namespace smtplab::sim {

std::string_view to_string(DnsFaultKind kind) {
  switch (kind) {
    case DnsFaultKind::ServFail: return "servfail";
    case DnsFaultKind::Timeout: return "timeout";
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
  for (std::size_t i = 0; i < links.size(); ++i)
    if (links[i].loss_per_million != 0) out.push_back(indexed("links", i, ".loss_per_million"));
  // Every other kind of fault is not implemented at all, so any entry is unsupported.
  for (std::size_t i = 0; i < connections.size(); ++i) out.push_back(indexed("connections", i, ""));
  for (std::size_t i = 0; i < dns.size(); ++i) out.push_back(indexed("dns", i, ""));
  for (std::size_t i = 0; i < tls.size(); ++i) out.push_back(indexed("tls", i, ""));
  for (std::size_t i = 0; i < replies.size(); ++i) out.push_back(indexed("replies", i, ""));
  return out;
}

}  // namespace smtplab::sim
