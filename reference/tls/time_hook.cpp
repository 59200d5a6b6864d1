// tls/time_hook.cpp — see time_hook.hpp. This file holds the module's only mutable state
// outside an object: a thread-local pointer to the time of the current mbedTLS call. It
// is the narrowest form the hook can take, since mbedTLS calls time() with no context
// argument; it is set and restored by ScopedMbedtlsTime only, never left dangling.
#include "tls/time_hook.hpp"


#include <ctime>

namespace {

thread_local const smtplab::TimeMs* current_time_ms = nullptr;

}  // namespace

// With -Wl,--wrap=time the linker resolves mbedTLS's time() to __wrap_time and
// __real_time to the C library's. Without the option __real_time stays undefined; the
// weak declaration makes that a null pointer instead of a link error.
extern "C" std::time_t __real_time(std::time_t* out) __attribute__((weak));

extern "C" std::time_t __wrap_time(std::time_t* out) {
  std::time_t now = 0;
  if (current_time_ms != nullptr) now = static_cast<std::time_t>(*current_time_ms / 1000);
  else now = __real_time != nullptr ? __real_time(nullptr) : std::time(nullptr);
  if (out != nullptr) *out = now;
  return now;
}

namespace smtplab::tls {

ScopedMbedtlsTime::ScopedMbedtlsTime(TimeMs now_ms) : previous_(current_time_ms), now_ms_(now_ms) {
  current_time_ms = &now_ms_;
}

ScopedMbedtlsTime::~ScopedMbedtlsTime() { current_time_ms = previous_; }

}  // namespace smtplab::tls
