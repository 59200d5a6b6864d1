// exercises/04-mx-order/solution/mx_order.cpp — the model solution: the reference
// order_mx (reference/dns/mx.cpp). Read it for the commented code.
//
// Standards: RFC 5321 §5.1, RFC 4343 §3.
// API: see ../exercise.hpp.
// Not implemented: nothing.
#include "exercise.hpp"

namespace smtplab::student {

std::vector<dns::MxTarget> order_mx(std::vector<dns::MxRecord> records, Random& random) {
  return dns::order_mx(std::move(records), random);
}

}  // namespace smtplab::student
