// exercises/04-mx-order/tests/mx_order_test.cpp — the graded tests of exercise 4. Each
// TEST_CASE is worth the points in its [points=N] tag, all or nothing.
//
// Standards: RFC 5321 §5.1, RFC 4343 §3.
// API: Catch2 v2 test cases; run them with `smtplab grade exercises/04-mx-order`.
// Not implemented: RFC 5321 §5.1's rule for a sender that finds itself in the list.
//
// Rule: the shuffle is checked by its properties (every order possible, each about
// equally likely, the same seed giving the same order), not against one algorithm.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "exercise.hpp"

using smtplab::SeededRandom;
using smtplab::dns::MxRecord;
using smtplab::dns::MxTarget;
namespace student = smtplab::student;

namespace {

std::string hosts(const std::vector<MxTarget>& targets) {
  std::string out;
  for (const MxTarget& t : targets) out += t.host + "(" + std::to_string(t.preference) + ") ";
  return out;
}

std::vector<MxTarget> order(std::vector<MxRecord> records, std::uint64_t seed) {
  SeededRandom random(seed);
  return student::order_mx(std::move(records), random);
}

}  // namespace

TEST_CASE("lower preference numbers come first", "[points=3]") {
  // RFC 5321 §5.1: "Lower numbers are more preferred than higher ones."
  const auto targets = order({{20, "mx2.b.example"}, {10, "mx1.b.example"}, {30, "mx3.b.example"}}, 1);
  CHECK(hosts(targets) == "mx1.b.example(10) mx2.b.example(20) mx3.b.example(30) ");
  for (const MxTarget& t : targets) CHECK(t.addresses.empty());  // the resolver's job
}

TEST_CASE("a host listed twice is one target, at its best preference", "[points=2]") {
  // RFC 4343 §3: names compare without case.
  const auto targets = order({{20, "MX.b.example"}, {10, "mx.B.example"}, {15, "backup.b.example"}}, 1);
  REQUIRE(targets.size() == 2);
  CHECK(targets[0].preference == 10);
  CHECK(targets[1].host == "backup.b.example");
  CHECK(order({{10, "only.b.example"}}, 7).size() == 1);
  CHECK(order({}, 7).empty());
}

TEST_CASE("the order of the DNS answer does not matter", "[points=2]") {
  std::vector<MxRecord> records = {{10, "a.example"}, {10, "b.example"}, {20, "c.example"}, {10, "d.example"}};
  std::sort(records.begin(), records.end(), [](const MxRecord& x, const MxRecord& y) { return x.exchange < y.exchange; });
  const std::string first = hosts(order(records, 42));
  CHECK(first.rfind("c.example(20)") == first.size() - 14);  // the one at 20 is last
  int permutations = 0;
  do {
    INFO("records in this order: " << records[0].exchange << " " << records[1].exchange << " "
                                   << records[2].exchange << " " << records[3].exchange);
    CHECK(hosts(order(records, 42)) == first);  // same seed: same plan, whatever DNS said
    ++permutations;
  } while (std::next_permutation(records.begin(), records.end(), [](const MxRecord& x, const MxRecord& y) {
    return x.exchange < y.exchange;
  }));
  CHECK(permutations == 24);
}

TEST_CASE("equal preferences are shuffled with the random source", "[points=4]") {
  // RFC 5321 §5.1: "the sender-SMTP MUST randomize them to spread the load across
  // multiple mail exchangers for a specific organization."
  const std::vector<MxRecord> records = {
      {5, "primary.example"}, {10, "a.example"}, {10, "b.example"}, {10, "c.example"}, {20, "last.example"}};
  constexpr int runs = 600;
  std::map<std::string, int> first_of_equals;
  std::map<std::string, int> orders;
  for (int seed = 1; seed <= runs; ++seed) {
    const auto targets = order(records, static_cast<std::uint64_t>(seed));
    REQUIRE(targets.size() == 5);
    CHECK(targets.front().host == "primary.example");  // the shuffle stays within 10
    CHECK(targets.back().host == "last.example");
    ++first_of_equals[targets[1].host];
    ++orders[targets[1].host + "," + targets[2].host + "," + targets[3].host];
  }
  // Each of 3 hosts should come first about 200 times in 600; below 140 (more than
  // 5 standard deviations off) means the shuffle favours someone.
  CHECK(first_of_equals.size() == 3);
  for (const auto& [host, count] : first_of_equals) {
    INFO(host << " came first " << count << " times out of " << runs);
    CHECK(count > 140);
  }
  CHECK(orders.size() == 6);  // all 3! orders occur
}

TEST_CASE("only the random source changes the order", "[points=2]") {
  const std::vector<MxRecord> records = {{10, "a.example"}, {10, "b.example"}, {10, "c.example"}, {10, "d.example"}};
  for (std::uint64_t seed : {1u, 2u, 99u}) {
    INFO("seed " << seed);
    CHECK(hosts(order(records, seed)) == hosts(order(records, seed)));
  }
  std::map<std::string, int> seen;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) ++seen[hosts(order(records, seed))];
  CHECK(seen.size() > 10);  // 24 orders exist; 40 seeds must not all give the same few
}

TEST_CASE("plan_mx uses your order for listed MX, and the implicit MX without you", "[points=2]") {
  SeededRandom random(3);
  const auto plan = smtplab::dns::plan_mx("b.example", {{20, "mx2.b.example"}, {10, "mx1.b.example"}}, random,
                                          &student::order_mx);
  CHECK(plan.kind == smtplab::dns::MxPlanKind::Listed);
  CHECK(hosts(plan.targets) == "mx1.b.example(10) mx2.b.example(20) ");
  // RFC 5321 §5.1: no MX records: "an implicit MX RR, with a preference of 0".
  const auto implicit = smtplab::dns::plan_mx("c.example", {}, random, &student::order_mx);
  CHECK(implicit.kind == smtplab::dns::MxPlanKind::Implicit);
  CHECK(hosts(implicit.targets) == "c.example(0) ");
}
