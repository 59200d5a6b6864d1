// tls/verify.cpp — certificate failure reasons and validity against the caller's clock.
//
// Standards: see verify.hpp.
#include "tls/verify.hpp"

#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

namespace smtplab::tls {

std::string_view to_string(VerifyMode mode) {
  switch (mode) {
    case VerifyMode::Required: return "required";
    case VerifyMode::Opportunistic: return "opportunistic";
  }
  return "unknown";
}

std::string_view to_string(VerifyFailure failure) {
  switch (failure) {
    case VerifyFailure::None: return "none";
    case VerifyFailure::Expired: return "expired";
    case VerifyFailure::NotYetValid: return "not_yet_valid";
    case VerifyFailure::WrongName: return "wrong_name";
    case VerifyFailure::UnknownCa: return "unknown_ca";
    case VerifyFailure::NoCertificate: return "no_certificate";
    case VerifyFailure::Other: return "other";
  }
  return "unknown";
}

std::string_view describe(VerifyFailure failure) {
  switch (failure) {
    case VerifyFailure::None: return "the certificate verified";
    case VerifyFailure::Expired: return "the server's certificate has expired";
    case VerifyFailure::NotYetValid: return "the server's certificate is not valid yet";
    case VerifyFailure::WrongName: return "the server's certificate is for another name";
    case VerifyFailure::UnknownCa: return "the server's certificate is not signed by a CA we trust";
    case VerifyFailure::NoCertificate: return "the server sent no certificate";
    case VerifyFailure::Other: return "the server's certificate is unacceptable";
  }
  return "unknown";
}

VerifyFailure failure_from_flags(std::uint32_t flags) {
  if (flags == 0) return VerifyFailure::None;
  // RFC 5280 §6.1: without a path to a trust anchor nothing else about the certificate
  // can be believed, so "unknown CA" is reported before anything it says about itself.
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return VerifyFailure::UnknownCa;
  if (flags & MBEDTLS_X509_BADCERT_MISSING) return VerifyFailure::NoCertificate;
  if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) return VerifyFailure::WrongName;
  if (flags & MBEDTLS_X509_BADCERT_EXPIRED) return VerifyFailure::Expired;
  if (flags & MBEDTLS_X509_BADCERT_FUTURE) return VerifyFailure::NotYetValid;
  return VerifyFailure::Other;
}

std::int64_t epoch_seconds(int year, int month, int day, int hour, int minute, int second) {
  // Days from 1970-01-01 to year-month-day (Howard Hinnant's days_from_civil): shift the
  // year to start in March so that the leap day is the last day of the shifted year.
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (month + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = era * 146097 + doe - 719468;
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

namespace {

std::int64_t to_seconds(const mbedtls_x509_time& t) {
  return epoch_seconds(t.year, t.mon, t.day, t.hour, t.min, t.sec);
}

}  // namespace

std::uint32_t validity_flags(const mbedtls_x509_crt& crt, TimeMs now_ms) {
  // RFC 5280 §4.1.2.5: "The validity period for a certificate is the period of time from
  // notBefore through notAfter, inclusive." Outside it, the certificate says nothing.
  const std::int64_t now_s = now_ms / 1000;
  std::uint32_t flags = 0;
  if (now_s > to_seconds(crt.valid_to)) flags |= MBEDTLS_X509_BADCERT_EXPIRED;
  if (now_s < to_seconds(crt.valid_from)) flags |= MBEDTLS_X509_BADCERT_FUTURE;
  return flags;
}

}  // namespace smtplab::tls
