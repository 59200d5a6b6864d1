// core/clock.cpp — the parts of Random that are the same for every generator.
#include "core/clock.hpp"

#include <limits>

namespace smtplab {

std::uint64_t Random::uniform(std::uint64_t n) {
  if (n <= 1) return 0;
  // Reject the top sliver of the range that would make low values more likely.
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t limit = max - (max % n);
  std::uint64_t value = next_u64();
  while (value >= limit) value = next_u64();
  return value % n;
}

void Random::fill(unsigned char* out, std::size_t size) {
  std::size_t i = 0;
  while (i < size) {
    std::uint64_t value = next_u64();
    for (int b = 0; b < 8 && i < size; ++b, ++i) {
      out[i] = static_cast<unsigned char>(value & 0xff);
      value >>= 8;
    }
  }
}

}  // namespace smtplab
