// tls/pki.hpp — certificates and keys: a demo PKI for scenarios, PEM loading for real mode.
//
// Standards: RFC 5280 (X.509 v3: §4.1 the certificate, §4.2.1.2-3 key identifiers and key
//            usage, §4.2.1.6 subjectAltName, §4.2.1.9 basicConstraints), RFC 5480 and
//            SEC 2 (EC P-256 keys), RFC 5758 §3.2 (ecdsa-with-SHA256), RFC 7468 (PEM).
//
// API:
//   make_ca(request, random)                  -> PemPair   a self-signed CA
//   make_host_certificate(ca, request, random) -> PemPair  a host certificate it signs
//   Identity::load(cert_chain_pem, key_pem)   -> parsed certificate chain + private key
//   TrustAnchors::load(ca_pem)                -> parsed CA certificates
//   describe_certificate(pem)                 -> subject, issuer, validity (for views)
//
// Keys are EC P-256: generating an RSA-2048 key takes a noticeable fraction of a second,
// and a scenario makes several; an EC key is one random scalar. With a SeededRandom the
// keys, serial numbers and signatures (deterministic ECDSA, RFC 6979) are the same on
// every run, so a scenario's certificates need no files and nothing is cached on disk.
//
// Identity and TrustAnchors are immutable once loaded and shared (shared_ptr) by every
// session of a host.
//
// Not implemented: RSA key generation, intermediate CAs in the demo PKI (a chain loaded
// from PEM may have them), certificate requests (CSR), revocation.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace smtplab::tls {

struct PemPair {
  std::string certificate_pem;
  std::string key_pem;
};

struct CertificateRequest {
  std::string common_name;             // "mx.b.example" or "smtplab demo CA"
  std::string organization = "smtplab lab";
  std::vector<std::string> dns_names;  // subjectAltName dNSNames; empty => {common_name} for hosts
  TimeMs not_before_ms = 0;
  TimeMs not_after_ms = 0;
};

// Our choice: a demo certificate is valid for a year around the time it is made, long
// enough for any lesson and short enough to look like a real one.
inline constexpr TimeMs demo_validity_ms = 365LL * 24 * 3600 * 1000;

// A request valid from one day before `now_ms` to demo_validity_ms after it (one day of
// slack so that a clock slightly behind still accepts it).
CertificateRequest demo_request(std::string common_name, TimeMs now_ms);

// Throws std::runtime_error on an mbedTLS failure (a bug or an impossible request, never
// the peer's doing).
PemPair make_ca(const CertificateRequest& request, Random& random);
PemPair make_host_certificate(const PemPair& ca, const CertificateRequest& request, Random& random);

// A certificate chain (leaf first) and its private key, parsed.
class Identity {
 public:
  // nullopt-like failure: returns nullptr and sets `error` to a sentence.
  static std::shared_ptr<const Identity> load(std::string_view cert_chain_pem, std::string_view key_pem,
                                              std::string* error = nullptr);
  ~Identity();
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;

  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  Identity();
  std::unique_ptr<Impl> impl_;
};

// The CAs a client trusts.
class TrustAnchors {
 public:
  static std::shared_ptr<const TrustAnchors> load(std::string_view ca_pem, std::string* error = nullptr);
  ~TrustAnchors();
  TrustAnchors(const TrustAnchors&) = delete;
  TrustAnchors& operator=(const TrustAnchors&) = delete;

  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  TrustAnchors();
  std::unique_ptr<Impl> impl_;
};

struct CertificateSummary {
  std::string subject;     // "CN=mx.b.example, O=smtplab lab"
  std::string issuer;
  std::string valid_from;  // "2024-01-01 00:00:00" (UTC)
  std::string valid_to;
  std::vector<std::string> dns_names;
};
std::optional<CertificateSummary> describe_certificate(std::string_view pem_or_der);

}  // namespace smtplab::tls
