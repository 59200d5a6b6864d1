// Tests of dns/mx: RFC 5321 §5.1 ordering, implicit MX, RFC 7505 null MX.
#include <catch2/catch.hpp>

#include <set>

#include "core/clock.hpp"
#include "dns/mx.hpp"

using namespace smtplab::dns;

namespace {

std::vector<std::string> hosts(const std::vector<MxTarget>& targets) {
  std::vector<std::string> out;
  for (const auto& t : targets) out.push_back(t.host);
  return out;
}

}  // namespace

TEST_CASE("MX targets are sorted by preference, lowest first", "[dns][mx]") {
  smtplab::SeededRandom random(1);
  const auto t = order_mx({{30, "c.example"}, {10, "a.example"}, {20, "b.example"}}, random);
  CHECK(hosts(t) == std::vector<std::string>{"a.example", "b.example", "c.example"});
  CHECK(t[0].preference == 10);
  CHECK(t[0].addresses.empty());
}

TEST_CASE("duplicates are dropped, keeping the most preferred entry", "[dns][mx]") {
  smtplab::SeededRandom random(1);
  const auto t = order_mx({{20, "MX.b.example"}, {10, "mx.b.example."}, {10, "mx.b.example"}, {30, "z.example"}}, random);
  REQUIRE(t.size() == 2);
  CHECK(t[0].preference == 10);
  CHECK(t[1].host == "z.example");
}

TEST_CASE("equal preferences are randomized, reproducibly for a seed (RFC 5321 §5.1)", "[dns][mx]") {
  const std::vector<MxRecord> records{{10, "a.example"}, {10, "b.example"}, {10, "c.example"}, {5, "first.example"}};
  std::set<std::vector<std::string>> orders;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    smtplab::SeededRandom r1(seed), r2(seed);
    const auto a = hosts(order_mx(records, r1));
    // The input order does not matter, only the random source does.
    std::vector<MxRecord> reversed(records.rbegin(), records.rend());
    CHECK(a == hosts(order_mx(reversed, r2)));
    CHECK(a.front() == "first.example");
    orders.insert(a);
  }
  CHECK(orders.size() == 6);  // every permutation of the three equal hosts occurs
}

TEST_CASE("no MX records: the implicit MX is the domain itself, preference 0", "[dns][mx]") {
  smtplab::SeededRandom random(1);
  const MxPlan p = plan_mx("c.example", {}, random);
  CHECK(p.kind == MxPlanKind::Implicit);
  REQUIRE(p.targets.size() == 1);
  CHECK(p.targets[0] == MxTarget{"c.example", 0, {}});
  CHECK(p.explanation.find("RFC 5321 §5.1") != std::string::npos);
}

TEST_CASE("a null MX means the domain accepts no mail (RFC 7505)", "[dns][mx]") {
  smtplab::SeededRandom random(1);
  const MxPlan p = plan_mx("nomail.example", {{0, ""}}, random);
  CHECK(p.kind == MxPlanKind::NullMx);
  CHECK(p.targets.empty());
  const MxPlan dotted = plan_mx("nomail.example", {{0, "."}}, random);
  CHECK(dotted.kind == MxPlanKind::NullMx);
  // Mixed with real MX records (which RFC 7505 §3 forbids), the null one is ignored.
  const MxPlan mixed = plan_mx("odd.example", {{0, ""}, {10, "mx.odd.example"}}, random);
  CHECK(mixed.kind == MxPlanKind::Listed);
  CHECK(hosts(mixed.targets) == std::vector<std::string>{"mx.odd.example"});
}
