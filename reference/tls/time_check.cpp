// tls/time_check.cpp — tells whether mbedTLS's clock follows ScopedMbedtlsTime (kept
// apart from time_hook.cpp, which every mbedTLS program links, so that the hook itself
// needs nothing from mbedTLS).
#include <mbedtls/x509.h>

#include "tls/time_hook.hpp"

namespace smtplab::tls {

bool mbedtls_time_is_ours() {
  // Ask mbedTLS whether 2005 is in the past while we tell it that it is 2001-09-09: only
  // a hooked clock says no.
  ScopedMbedtlsTime in_2001(1'000'000'000'000LL);
  mbedtls_x509_time year_2005{};
  year_2005.year = 2005;
  year_2005.mon = 1;
  year_2005.day = 1;
  return mbedtls_x509_time_is_past(&year_2005) == 0;
}

}  // namespace smtplab::tls
