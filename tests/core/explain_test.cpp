// Tests of core/explain: the explanation table covers every reply smtplab sends, has no
// duplicate keys, and every entry names its RFC (DESIGN principle 4: teach by citing).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "core/explain.hpp"
#include "core/reply.hpp"
#include "core/trace.hpp"

using namespace smtplab;

TEST_CASE("every row of the reply table has an explanation for its code and its status",
          "[explain]") {
  for (int i = 0; i < static_cast<int>(ReplyId::Count_); ++i) {
    const ReplyInfo& row = reply_info(static_cast<ReplyId>(i));
    INFO("reply " << row.code << " " << row.status.to_string() << " " << row.text);
    // The exact code, not only its digit class.
    CHECK(explain("reply." + std::to_string(row.code)) != nullptr);
    if (!row.status.empty()) {
      // The subject+detail entry, not only the class fallback.
      const std::string key = "status.X." + std::to_string(row.status.subject) + "." +
                              std::to_string(row.status.detail);
      INFO(key);
      CHECK(explain(key) != nullptr);
      const Explanation* e = explain_status(row.status);
      REQUIRE(e != nullptr);
      CHECK(e->key == key);
    }
  }
}

TEST_CASE("the common reply codes a client meets are all explained", "[explain]") {
  for (int code : {211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 450, 451, 452, 454, 455,
                   500, 501, 502, 503, 504, 521, 530, 534, 535, 538, 550, 551, 552, 553, 554, 555}) {
    INFO(code);
    const Explanation* e = explain_reply_code(code);
    REQUIRE(e != nullptr);
    CHECK(e->key == "reply." + std::to_string(code));
  }
  // An unknown code falls back to its digit class.
  const Explanation* e = explain_reply_code(459);
  REQUIRE(e != nullptr);
  CHECK(e->key == "reply.4xx");
}

TEST_CASE("enhanced status lookup falls back from detail to subject to class", "[explain]") {
  const Explanation* exact = explain_status(EnhancedStatus{5, 1, 1});
  REQUIRE(exact != nullptr);
  CHECK(exact->key == "status.X.1.1");
  const Explanation* subject = explain_status(EnhancedStatus{5, 7, 999});
  REQUIRE(subject != nullptr);
  CHECK(subject->key == "status.X.7");
  const Explanation* klass = explain_status(EnhancedStatus{4, 9, 9});
  REQUIRE(klass != nullptr);
  CHECK(klass->key == "status.4.X.X");
  CHECK(explain_status(EnhancedStatus{}) == nullptr);
}

TEST_CASE("every event kind, the main EHLO keywords, commands and DNS types are explained",
          "[explain]") {
  for (EventKind kind : all_event_kinds) {
    INFO(to_string(kind));
    CHECK(explain("kind." + std::string(to_string(kind))) != nullptr);
  }
  for (const char* k : {"PIPELINING", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES", "STARTTLS",
                        "AUTH", "DSN", "SMTPUTF8", "CHUNKING", "REQUIRETLS"}) {
    INFO(k);
    CHECK(explain(std::string("ehlo.") + k) != nullptr);
  }
  for (const char* c : {"HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "VRFY", "EXPN", "HELP",
                        "NOOP", "QUIT", "STARTTLS", "AUTH"}) {
    INFO(c);
    CHECK(explain(std::string("command.") + c) != nullptr);
  }
  for (const char* d : {"MX", "A", "AAAA", "TXT", "PTR", "CNAME", "NXDOMAIN", "SERVFAIL", "query",
                        "answer"}) {
    INFO(d);
    CHECK(explain(std::string("dns.") + d) != nullptr);
  }
}

TEST_CASE("keys are unique and every entry has a title, a text and an RFC", "[explain]") {
  std::set<std::string_view> keys;
  for (const Explanation& e : all_explanations()) {
    INFO(e.key);
    CHECK(keys.insert(e.key).second);
    CHECK_FALSE(e.title.empty());
    CHECK_FALSE(e.text.empty());
    CHECK(e.rfc.rfind("RFC ", 0) == 0);
    CHECK(e.rfc.size() > 4);
  }
  CHECK(keys.size() > 100);
}
