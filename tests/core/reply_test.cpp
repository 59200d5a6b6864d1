// Tests of core/reply: the one reply table and the wire format of replies.
#include <catch2/catch.hpp>

#include "core/reply.hpp"

using namespace smtplab;

TEST_CASE("a single-line reply carries the enhanced status only when enabled", "[reply]") {
  const Reply r = make_reply(ReplyId::RelayDenied);
  CHECK(r.format(true) == "550 5.7.1 Relay access denied\r\n");
  CHECK(r.format(false) == "550 Relay access denied\r\n");
}

TEST_CASE("a multi-line reply uses '-' on every line but the last (RFC 5321 §4.2.1)", "[reply]") {
  Reply r;
  r.code = 250;
  r.status = EnhancedStatus{2, 0, 0};
  r.lines = {"mx.b.example", "PIPELINING", "SIZE 10240000"};
  CHECK(r.format(false) == "250-mx.b.example\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n");
  CHECK(r.format(true) ==
        "250-2.0.0 mx.b.example\r\n250-2.0.0 PIPELINING\r\n250 2.0.0 SIZE 10240000\r\n");
}

TEST_CASE("detail text is appended to the table text", "[reply]") {
  CHECK(make_reply(ReplyId::MessageAccepted, "queued as 7").first_line(true) ==
        "250 2.0.0 Message accepted for delivery: queued as 7");
}

TEST_CASE("every table row has a code consistent with its enhanced status class", "[reply]") {
  for (int i = 0; i < static_cast<int>(ReplyId::Count_); ++i) {
    const ReplyInfo& info = reply_info(static_cast<ReplyId>(i));
    INFO("row " << i << " code " << info.code);
    CHECK(info.code >= 200);
    CHECK(info.code < 600);
    CHECK_FALSE(info.rfc.empty());
    if (!info.status.empty() && info.code / 100 != 3) CHECK(info.status.klass == info.code / 100);
  }
}

TEST_CASE("enhanced status codes parse per RFC 3463 §2", "[reply]") {
  CHECK(EnhancedStatus::parse("5.7.1") == EnhancedStatus{5, 7, 1});
  CHECK(EnhancedStatus::parse("4.7.11") == EnhancedStatus{4, 7, 11});
  CHECK_FALSE(EnhancedStatus::parse("3.0.0"));    // class must be 2, 4 or 5
  CHECK_FALSE(EnhancedStatus::parse("5.7"));
  CHECK_FALSE(EnhancedStatus::parse("5.7.1000"));
  CHECK_FALSE(EnhancedStatus::parse("55.7.1"));
  CHECK_FALSE(EnhancedStatus::parse("5.7.1 "));
}

TEST_CASE("reply text on the wire is printable US-ASCII (RFC 5321 §4.2 textstring)", "[reply]") {
  // Explanations cite "§"; the wire spells it out and replaces anything else unsafe, so
  // that a detail text can never inject a CR/LF or a non-ASCII byte into a reply.
  const Reply r = make_reply(ReplyId::BadSenderSyntax, "see RFC 5321 §4.1.2\r\n250 injected \xff");
  CHECK(r.format(true) ==
        "501 5.1.7 Bad sender address syntax: see RFC 5321 section 4.1.2??250 injected ?\r\n");
}
