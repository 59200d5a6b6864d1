// dns/mx.hpp — where mail for a domain goes: the MX rules of RFC 5321 §5.1 as pure
// functions over the records DNS returned.
//
// Standards: RFC 5321 §5.1 (Locating the Target Host: preference order, randomizing
//            equal preferences, the implicit MX), RFC 7505 §3-§4 (the null MX "0 .":
//            the domain accepts no mail), RFC 4343 §3 (host names compare without case).
//
// API:
//   order_mx(records, random)            -> targets sorted by preference, equal ones in
//                                           random order, duplicates dropped
//   plan_mx(domain, records, random)     -> MxPlan: Listed (order_mx), Implicit (no MX:
//                                           the domain itself, preference 0) or NullMx
//
// order_mx is the seam a graded exercise replaces (exercise 4): a free function that
// depends on nothing but its arguments; plan_mx and ResolverAgent::set_order_mx take
// any function of its type (OrderMxFn). Addresses are filled in later, by the resolver.
//
// Not implemented: RFC 5321 §5.1's rule that a sender finding itself in the list
// discards itself and every record of equal or higher preference (the lab's MTAs
// never list themselves as a backup MX of a domain they do not serve).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace smtplab::dns {

struct MxRecord {
  std::uint16_t preference = 0;
  std::string exchange;  // "mx.b.example"; "" (the root) is RFC 7505's null MX
  friend bool operator==(const MxRecord&, const MxRecord&) = default;
};

struct MxTarget {
  std::string host;
  std::uint16_t preference = 0;
  std::vector<std::string> addresses;  // filled in by the resolver: A first, then AAAA
  friend bool operator==(const MxTarget&, const MxTarget&) = default;
};

std::vector<MxTarget> order_mx(std::vector<MxRecord> records, Random& random);
using OrderMxFn = std::vector<MxTarget> (*)(std::vector<MxRecord> records, Random& random);

enum class MxPlanKind {
  Listed,    // the MX records, in the order to try them
  Implicit,  // no MX records: the domain itself is the one target (RFC 5321 §5.1)
  NullMx,    // RFC 7505: the domain has declared that it accepts no mail
};
std::string_view to_string(MxPlanKind kind);

struct MxPlan {
  MxPlanKind kind = MxPlanKind::Listed;
  std::vector<MxTarget> targets;  // empty for NullMx
  std::string explanation;        // a sentence citing the RFC
};

// `records` is the MX answer for `domain` (empty when the lookup said NODATA).
// `order` sorts the listed records (the seam; ours by default).
MxPlan plan_mx(std::string_view domain, std::vector<MxRecord> records, Random& random,
               OrderMxFn order = &order_mx);

}  // namespace smtplab::dns
