// core/clock.hpp — time and randomness as interfaces, so engines and agents never
// reach for the system clock or a global generator.
//
// Standards: none; this is the determinism contract of docs/architecture.md: the
// simulator supplies a virtual clock and one seeded generator, real mode supplies the
// system clock and a seeded-from-entropy generator. Same scenario + seed => same trace.
//
// API: Clock::now_ms(); Random::next_u64(), uniform(n), fill(buffer); SeededRandom.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

namespace smtplab {

// Milliseconds since the Unix epoch (1970-01-01T00:00:00Z).
using TimeMs = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now_ms() const = 0;
};

class Random {
 public:
  virtual ~Random() = default;
  virtual std::uint64_t next_u64() = 0;

  // A number in [0, n). Uses rejection so that every value is equally likely, and
  // avoids std::uniform_int_distribution, whose output differs between standard
  // libraries (which would break "same seed => same trace").
  std::uint64_t uniform(std::uint64_t n);

  // Fills `size` bytes; this is also the entropy source handed to mbedTLS.
  void fill(unsigned char* out, std::size_t size);
};

// The one deterministic generator: std::mt19937_64, whose output sequence the C++
// standard fixes ([rand.predef]), so it is the same on every platform.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next_u64() override { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace smtplab
