// tls/verify.hpp — why a certificate was not accepted, in words a student can act on.
//
// Standards: RFC 5280 §4.1.2.5 (validity: notBefore/notAfter), §6.1 (path validation:
//            the chain must end at a trust anchor), RFC 6125 §6.4 (the reference
//            identity is the DNS name the client wanted; dNSName in subjectAltName,
//            falling back to the CN only when there is no SAN, §6.4.4), RFC 3207 §4.1
//            (an SMTP client decides itself whether an unverified server is acceptable),
//            RFC 7435 (opportunistic security: encrypt even when you cannot authenticate).
//
// API:
//   VerifyMode            Required (fail the handshake) or Opportunistic (go on, report)
//   VerifyFailure         None, Expired, NotYetValid, WrongName, UnknownCa, NoCertificate,
//                         Other; to_string() gives the trace name ("expired", ...)
//   describe(failure)     one sentence for the trace and the client's 4xx/5xx text
//   failure_from_flags()  maps mbedTLS's X509 verify flags to the most useful reason
//   validity_flags()      checks notBefore/notAfter against the caller's clock
//
// Why our own clock: mbedTLS 2.28 checks validity against time(NULL) and offers no way
// to set a time source without rebuilding it (MBEDTLS_PLATFORM_TIME_ALT is off in
// Debian's build). The simulator's clock is virtual, so tls/session.cpp clears mbedTLS's
// own EXPIRED/FUTURE flags in its verify callback and sets them from validity_flags()
// with the TimeMs the owner gave.
//
// Not implemented: revocation (CRL, OCSP), name constraints beyond what mbedTLS checks,
// DANE (RFC 7672) and MTA-STS (RFC 8461).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/clock.hpp"

struct mbedtls_x509_crt;

namespace smtplab::tls {

enum class VerifyMode {
  Required,       // a certificate that does not verify fails the handshake
  Opportunistic,  // encrypt anyway and report the failure (RFC 7435 §1.2)
};
std::string_view to_string(VerifyMode mode);

enum class VerifyFailure {
  None,
  Expired,        // notAfter is in the past (RFC 5280 §4.1.2.5)
  NotYetValid,    // notBefore is in the future
  WrongName,      // no SAN dNSName / CN matches the name we asked for (RFC 6125 §6.4)
  UnknownCa,      // the chain does not end at one of our trust anchors (RFC 5280 §6.1)
  NoCertificate,  // the server sent none
  Other,          // a bad signature algorithm, key usage, ...
};
std::string_view to_string(VerifyFailure failure);  // "expired", "wrong_name", ...
std::string_view describe(VerifyFailure failure);   // a sentence

// The reason to report for a set of mbedTLS verify flags. When several apply, the one a
// student should fix first wins: an unknown CA, then a wrong name, then the dates.
VerifyFailure failure_from_flags(std::uint32_t flags);

// MBEDTLS_X509_BADCERT_EXPIRED / _FUTURE for `crt` at `now_ms` (0 when valid).
std::uint32_t validity_flags(const mbedtls_x509_crt& crt, TimeMs now_ms);

// Seconds since the epoch for a UTC calendar date (proleptic Gregorian; used for X.509
// times, RFC 5280 §4.1.2.5.1-2).
std::int64_t epoch_seconds(int year, int month, int day, int hour, int minute, int second);

}  // namespace smtplab::tls
