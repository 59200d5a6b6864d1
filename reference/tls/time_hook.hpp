// tls/time_hook.hpp — lends the caller's clock to mbedTLS for the duration of one call.
//
// Standards: RFC 5246 §7.4.1.2 (the first 4 octets of ClientHello.random and
//            ServerHello.random are gmt_unix_time, the sender's current time).
//
// Why this exists: mbedTLS 2.28 reads the clock itself, with time(NULL), in two places:
// the gmt_unix_time of the hello randoms and certificate validity. Debian builds it
// without MBEDTLS_PLATFORM_TIME_ALT, so there is no API to give it another clock. The
// validity check we redo ourselves (tls/verify.hpp). The hello randoms feed the key
// derivation, so with the real clock every simulated handshake would differ from run to
// run and the simulator would lose "same seed => same trace".
//
// The remedy is a link-time one: link mbedTLS statically with `-Wl,--wrap=time`, so that
// its calls to time() go to __wrap_time in time_hook.cpp, which answers with the time set
// by the innermost ScopedMbedtlsTime on this thread (and the real time otherwise). Only
// objects in that link are redirected; nothing else in the program is affected. Whether
// the build does this is visible at run time through mbedtls_time_is_ours().
//
// API:
//   { ScopedMbedtlsTime use(now_ms); mbedtls_ssl_handshake_step(...); }
//   mbedtls_time_is_ours()   true when mbedTLS's clock follows ScopedMbedtlsTime
#pragma once

#include "core/clock.hpp"

namespace smtplab::tls {

class ScopedMbedtlsTime {
 public:
  explicit ScopedMbedtlsTime(TimeMs now_ms);
  ~ScopedMbedtlsTime();
  ScopedMbedtlsTime(const ScopedMbedtlsTime&) = delete;
  ScopedMbedtlsTime& operator=(const ScopedMbedtlsTime&) = delete;

 private:
  const TimeMs* previous_;
  TimeMs now_ms_;
};

bool mbedtls_time_is_ours();

}  // namespace smtplab::tls
