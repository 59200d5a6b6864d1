// tests/exercises/half-right/04-mx-order/mx_order.cpp — a deliberately half-right
// answer to exercise 4: sorted by preference with duplicates dropped, but equal
// preferences are never shuffled. It must score between zero and full marks.
//
// Standards: RFC 5321 §5.1 (the part it gets right).
// API: exercises/04-mx-order/exercise.hpp.
// Not implemented (on purpose): the randomization RFC 5321 §5.1 requires.
#include "exercise.hpp"

#include <algorithm>

namespace smtplab::student {

std::vector<dns::MxTarget> order_mx(std::vector<dns::MxRecord> records, Random&) {
  const auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return s;
  };
  std::sort(records.begin(), records.end(), [&](const dns::MxRecord& a, const dns::MxRecord& b) {
    return a.preference != b.preference ? a.preference < b.preference : lower(a.exchange) < lower(b.exchange);
  });
  std::vector<dns::MxTarget> targets;
  for (const dns::MxRecord& r : records) {
    const bool seen = std::any_of(targets.begin(), targets.end(),
                                  [&](const dns::MxTarget& t) { return lower(t.host) == lower(r.exchange); });
    if (!seen) targets.push_back({r.exchange, r.preference, {}});
  }
  return targets;
}

}  // namespace smtplab::student
