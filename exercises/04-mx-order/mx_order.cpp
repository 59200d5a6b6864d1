// exercises/04-mx-order/mx_order.cpp — YOUR ordering of mail exchangers.
//
// Standards: RFC 5321 §5.1, RFC 4343 §3.
//
// API: see exercise.hpp. Grade it with
//   smtplab grade exercises/04-mx-order
// and watch the MTA follow your order with
//   smtplab run lessons/02-mua-mta-mda --student exercises/04-mx-order
//
// Not implemented: everything, until you write it. The stub throws, so every test
// fails with a clear message.
#include "exercise.hpp"

#include <stdexcept>

namespace smtplab::student {

// Hints (README.md has more):
//  - First make the order independent of how DNS listed the records: sort by
//    preference, then by lower-cased name. Only `random` may change the result.
//  - Drop a host already seen (compare names without case, RFC 4343).
//  - Shuffle each run of equal preference: Fisher-Yates with random.uniform(i).

std::vector<dns::MxTarget> order_mx(std::vector<dns::MxRecord> records, Random& random) {
  (void)records;
  (void)random;
  throw std::logic_error("exercise 04: order_mx is not written yet");
}

}  // namespace smtplab::student
