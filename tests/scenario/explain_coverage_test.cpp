// Every explanation key that a lesson's trace uses has an entry in the explanation
// table (core/explain.cpp), so no step a student clicks on is left unexplained.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>

#include "core/explain.hpp"
#include "scenario/runner.hpp"

using namespace smtplab;

TEST_CASE("every explanation key used by the lessons is in the table", "[explain]") {
  namespace fs = std::filesystem;
  std::set<std::string> missing;
  int lessons = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(SMTPLAB_SOURCE_DIR) / "lessons")) {
    if (!fs::exists(entry.path() / "scenario.toml")) continue;
    ++lessons;
    const auto outcome = scenario::run_scenario_file(entry.path().string(), std::nullopt);
    INFO(entry.path() << ": " << outcome.error);
    REQUIRE(outcome.ok);
    for (const auto& e : outcome.document.events)
      if (!e.explain.empty() && explain(e.explain) == nullptr)
        missing.insert(e.explain + "  (" + entry.path().filename().string() + ")");
  }
  CHECK(lessons >= 2);
  std::string list;
  for (const auto& m : missing) list += "\n  " + m;
  INFO("keys without an explanation:" << list);
  CHECK(missing.empty());
}
