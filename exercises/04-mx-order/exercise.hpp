// exercises/04-mx-order/exercise.hpp — the function you write in mx_order.cpp.
//
// Standards: RFC 5321 §5.1 (Locating the Target Host: "MX records contain a preference
//            indication that MUST be used in sorting"; equal preferences "MUST" be
//            randomized), RFC 4343 §3 (host names compare without case).
//
// API (the resolver calls it where it calls the reference: dns::plan_mx's `order`,
// ResolverAgent::set_order_mx):
//   std::vector<dns::MxTarget> student::order_mx(records, random)
//     records: the MX answer (preference, exchange), in whatever order DNS gave it;
//     returns: one target per distinct host (the same name twice, in any case, is one
//     host: keep its most preferred record), lowest preference first, hosts of equal
//     preference shuffled with random.uniform(n) (a number in [0, n)), addresses left
//     empty (the resolver fills them in).
//   Determinism: with the same records (in any order) and the same random sequence
//   the result must be the same, so a lesson replays identically with its seed.
//   The implicit MX (no records at all: the domain itself) is handled by plan_mx
//   around your function; you never see an empty list from the resolver.
//
// Not implemented: nothing here; this file is the contract, do not change it.
#pragma once

#include <vector>

#include "core/clock.hpp"
#include "dns/mx.hpp"

namespace smtplab::student {

std::vector<dns::MxTarget> order_mx(std::vector<dns::MxRecord> records, Random& random);

}  // namespace smtplab::student
