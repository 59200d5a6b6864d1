// Tests of core/address: RFC 5321 §4.1.2 mailboxes and paths, §4.1.3 address literals.
#include <catch2/catch.hpp>

#include <string>

#include "core/address.hpp"

using namespace smtplab;

TEST_CASE("valid mailboxes parse into local part and domain", "[address]") {
  struct Case {
    const char* text;
    const char* local;
    const char* domain;
    bool literal;
  };
  const Case cases[] = {
      {"alice@a.example", "alice", "a.example", false},
      {"Alice.Smith@A.Example", "Alice.Smith", "A.Example", false},
      {"a+tag@b.example", "a+tag", "b.example", false},
      {"!#$%&'*+-/=?^_`{|}~@x.example", "!#$%&'*+-/=?^_`{|}~", "x.example", false},
      {"user@localhost", "user", "localhost", false},
      {"u@a-b.c-d.example", "u", "a-b.c-d.example", false},
      {"u@123.example", "u", "123.example", false},
      {"\"john doe\"@b.example", "john doe", "b.example", false},
      {"\"a\\\"b\"@b.example", "a\"b", "b.example", false},
      {"\"a\\\\b\"@b.example", "a\\b", "b.example", false},
      {"\"\"@b.example", "", "b.example", false},
      {"\"a@b\"@c.example", "a@b", "c.example", false},
      {"u@[192.0.2.1]", "u", "[192.0.2.1]", true},
      {"u@[255.255.255.255]", "u", "[255.255.255.255]", true},
      {"u@[IPv6:2001:db8::1]", "u", "[IPv6:2001:db8::1]", true},
      {"u@[IPv6:2001:db8:1:2:3:4:5:6]", "u", "[IPv6:2001:db8:1:2:3:4:5:6]", true},
      {"u@[IPv6:::1]", "u", "[IPv6:::1]", true},
      {"u@[IPv6:::ffff:192.0.2.1]", "u", "[IPv6:::ffff:192.0.2.1]", true},
      {"u@[IPv6:1:2:3:4:5:6:192.0.2.1]", "u", "[IPv6:1:2:3:4:5:6:192.0.2.1]", true},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const MailboxParse parse = parse_mailbox(c.text);
    REQUIRE(parse.mailbox);
    CHECK(parse.why.empty());
    CHECK(parse.mailbox->local_part == c.local);
    CHECK(parse.mailbox->domain == c.domain);
    CHECK(parse.mailbox->domain_is_literal == c.literal);
  }
}

TEST_CASE("invalid mailboxes are refused with a reason", "[address]") {
  struct Case {
    std::string text;
    const char* why_contains;
  };
  const Case cases[] = {
      {"", "local part"},
      {"alice", "no @"},
      {"alice@", "empty"},
      {"@b.example", "local part"},
      {".alice@b.example", "starts with a dot"},
      {"alice.@b.example", "ends with a dot"},
      {"al..ice@b.example", "two dots"},
      {"al ice@b.example", "space"},
      {"al(ice@b.example", "'('"},
      {"\"open@b.example", "closing double quote"},
      {"\"a\"b@b.example", "instead of @"},
      {"\"a\\\x01\"@b.example", "printable"},
      {"\"a\x01\"@b.example", "byte 0x01"},
      {"alice@b..example", "empty label"},
      {"alice@.b.example", "starts with a dot"},
      {"alice@b.example.", "ends with a dot"},
      {"alice@-b.example", "starts with a hyphen"},
      {"alice@b-.example", "ends with a hyphen"},
      {"alice@b_c.example", "'_'"},
      {"alice@b.exa mple", "space"},
      {"alice@b@c.example", "'@'"},
      {"alice@b.example\r", "byte 0x0D"},
      {"caf\xc3\xa9@b.example", "byte 0xC3"},
      {std::string(65, 'a') + "@b.example", "64 octets"},
      {"u@" + std::string(64, 'a') + ".example", "63 octets"},
      {"u@[192.0.2.256]", "IPv4"},
      {"u@[192.0.2]", "IPv4"},
      {"u@[1.2.3.4.5]", "IPv4"},
      {"u@[1234.2.3.4]", "IPv4"},
      {"u@[]", "empty"},
      {"u@[192.0.2.1", "[ ]"},
      {"u@[IPv6:2001:db8::1::2]", "IPv6"},
      {"u@[IPv6:1:2:3:4:5:6:7:8:9]", "IPv6"},
      {"u@[IPv6:1:2:3:4:5:6:7]", "IPv6"},
      {"u@[IPv6:12345::1]", "IPv6"},
      {"u@[IPv6:g::1]", "IPv6"},
      {"u@[IPv6:1:2:3:4:5:6:7::]", "IPv6"},
      {"u@[IPv6:1:2:3:4:5:6:7:192.0.2.1]", "IPv6"},
      {"u@[x-tag:whatever]", "registered"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const MailboxParse parse = parse_mailbox(c.text);
    CHECK_FALSE(parse.mailbox);
    CHECK_THAT(parse.why, Catch::Matchers::Contains(c.why_contains));
    // A reason never carries a raw control byte into a reply line.
    for (char ch : parse.why) CHECK(static_cast<unsigned char>(ch) >= 32);
  }
}

TEST_CASE("domain length limits come from RFC 5321 §4.5.3.1.2 and RFC 1035", "[address]") {
  const std::string label63(63, 'a');
  CHECK(parse_domain(label63 + ".example"));
  // 4 labels of 63 + 3 dots = 255 octets: the longest allowed.
  const std::string longest = label63 + "." + label63 + "." + label63 + "." + label63;
  REQUIRE(longest.size() == 255);
  CHECK(parse_domain(longest));
  CHECK_FALSE(parse_domain(longest + "a"));
  CHECK(parse_domain("[192.0.2.1]"));
  CHECK_FALSE(parse_domain(""));
  CHECK_FALSE(parse_domain("a_b.example"));
}

TEST_CASE("reverse paths: the null path, parameters, strict syntax", "[address]") {
  SECTION("<> is the null reverse-path (RFC 5321 §4.5.5)") {
    const PathParse p = parse_reverse_path("<>");
    REQUIRE(p.path);
    CHECK(p.path->null);
    CHECK(p.path->to_string() == "<>");
  }
  SECTION("parameters after '>' are returned") {
    const PathParse p = parse_reverse_path("<alice@a.example> SIZE=100 BODY=8BITMIME");
    REQUIRE(p.path);
    CHECK(p.path->mailbox.local_part == "alice");
    CHECK(p.parameters == "SIZE=100 BODY=8BITMIME");
  }
  SECTION("a missing bracket is a 501 5.1.7 with a reason") {
    const PathParse p = parse_reverse_path("alice@a.example");
    CHECK_FALSE(p.path);
    CHECK(p.error == ReplyId::BadSenderSyntax);
    CHECK_THAT(p.why, Catch::Matchers::Contains("angle brackets"));
  }
  SECTION("a space after the colon is refused (RFC 5321 §3.3)") {
    const PathParse p = parse_reverse_path(" <alice@a.example>");
    CHECK_FALSE(p.path);
    CHECK_THAT(p.why, Catch::Matchers::Contains("§3.3"));
  }
  SECTION("no closing bracket") {
    CHECK_FALSE(parse_reverse_path("<alice@a.example").path);
  }
  SECTION("text glued to '>' is not a parameter") {
    const PathParse p = parse_reverse_path("<alice@a.example>SIZE=1");
    CHECK_FALSE(p.path);
    CHECK_THAT(p.why, Catch::Matchers::Contains("space"));
  }
  SECTION("a '>' inside a quoted local part does not close the path") {
    const PathParse p = parse_reverse_path("<\"a>b\"@a.example> SIZE=1");
    REQUIRE(p.path);
    CHECK(p.path->mailbox.local_part == "a>b");
    CHECK(p.parameters == "SIZE=1");
  }
  SECTION("<Postmaster> without a domain is not a sender") {
    CHECK_FALSE(parse_reverse_path("<Postmaster>").path);
  }
}

TEST_CASE("forward paths: Postmaster, source routes, bad recipients", "[address]") {
  SECTION("<Postmaster> needs no domain, in any case (RFC 5321 §4.1.1.3)") {
    for (const char* text : {"<Postmaster>", "<postmaster>", "<POSTMASTER>"}) {
      const PathParse p = parse_forward_path(text);
      REQUIRE(p.path);
      CHECK(p.path->postmaster);
      CHECK(p.path->to_string() == "<Postmaster>");
    }
  }
  SECTION("<> is not a recipient") {
    const PathParse p = parse_forward_path("<>");
    CHECK_FALSE(p.path);
    CHECK(p.error == ReplyId::BadRecipientSyntax);
  }
  SECTION("a source route is accepted and dropped (RFC 5321 §4.1.2, appendix C)") {
    const PathParse p = parse_forward_path("<@relay1.example,@relay2.example:bob@b.example>");
    REQUIRE(p.path);
    CHECK(p.path->mailbox.local_part == "bob");
    CHECK(p.path->mailbox.domain == "b.example");
    CHECK(p.path->to_string() == "<bob@b.example>");
  }
  SECTION("a malformed source route is refused") {
    CHECK_FALSE(parse_forward_path("<@relay1.example,bob@b.example>").path);
    CHECK_FALSE(parse_forward_path("<@relay_1.example:bob@b.example>").path);
    CHECK_FALSE(parse_forward_path("<@relay1.example,:bob@b.example>").path);
  }
  SECTION("a path over 256 octets is refused (RFC 5321 §4.5.3.1.3)") {
    const std::string label(60, 'd');
    const std::string domain = label + "." + label + "." + label + "." + label;  // 243
    const std::string ok = "<" + std::string(10, 'u') + "@" + domain + ">";      // 256
    REQUIRE(ok.size() == 256);
    CHECK(parse_forward_path(ok).path);
    const std::string too_long = "<" + std::string(11, 'u') + "@" + domain + ">";
    const PathParse p = parse_forward_path(too_long);
    CHECK_FALSE(p.path);
    CHECK_THAT(p.why, Catch::Matchers::Contains("256"));
  }
}

TEST_CASE("to_string quotes a local part only when it must", "[address]") {
  CHECK(parse_mailbox("alice@a.example").mailbox->to_string() == "alice@a.example");
  CHECK(parse_mailbox("\"john doe\"@b.example").mailbox->to_string() == "\"john doe\"@b.example");
  CHECK(parse_mailbox("\"a\\\"b\"@b.example").mailbox->to_string() == "\"a\\\"b\"@b.example");
  // A quoted local part that is a valid Dot-string is written without quotes.
  CHECK(parse_mailbox("\"alice\"@a.example").mailbox->to_string() == "alice@a.example");
  CHECK(parse_mailbox("\".a\"@a.example").mailbox->to_string() == "\".a\"@a.example");
  // Round trip: the canonical form parses back to the same mailbox.
  for (const char* text : {"\"x y\\\\z\"@c.example", "u@[IPv6:::1]", "a.b.c@d.example"}) {
    const Mailbox m = *parse_mailbox(text).mailbox;
    CHECK(*parse_mailbox(m.to_string()).mailbox == m);
  }
}

TEST_CASE("ascii_lower lower-cases ASCII only", "[address]") {
  CHECK(ascii_lower("B.Example") == "b.example");
  CHECK(ascii_lower("\xc3\x89") == "\xc3\x89");
}

TEST_CASE("hostile inputs never crash and are refused", "[address]") {
  const std::string inputs[] = {
      std::string(100000, 'a'), std::string(100000, '<'), "<" + std::string(5000, '"'),
      std::string(1, '\0') + "@b.example", "<\"\\", "<@", "<@:", "<@a,", "\"\\"};
  for (const std::string& text : inputs) {
    CHECK_FALSE(parse_mailbox(text).mailbox);
    CHECK_FALSE(parse_forward_path(text).path);
  }
}
