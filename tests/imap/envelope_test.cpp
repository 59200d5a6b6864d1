// imap/envelope: the ENVELOPE structure (RFC 3501 §7.4.2) and INTERNALDATE (§9
// date-time) as golden strings, and FETCH ENVELOPE / INTERNALDATE / ALL through the
// server engine, with a real Maildir for the delivery time.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "imap/envelope.hpp"
#include "imap/server_session.hpp"
#include "mda/maildir_store.hpp"

using namespace smtplab;
using namespace smtplab::imap;

namespace {

class OneUser : public Authenticator {
 public:
  bool check_password(std::string_view user, std::string_view password) override {
    return user == "bob" && password == "pw";
  }
};

ServerConfig plain_config() {
  ServerConfig config;
  config.host_name = "imap.b.example";
  config.plaintext_login = true;
  return config;
}

// The FETCH line of a session that logs in, selects INBOX and runs `fetch`.
std::string fetch_output(mda::MailStore& store, const std::string& fetch, TimeMs now_ms = 0) {
  OneUser users;
  ServerSession server(plain_config(), store, users);
  server.set_now(now_ms);
  server.start();
  server.receive("a1 LOGIN bob pw\r\na2 SELECT INBOX\r\n");
  (void)server.take_output();
  server.receive("a3 " + fetch + "\r\n");
  return server.take_output();
}

}  // namespace

TEST_CASE("ENVELOPE: all ten fields in order, Sender and Reply-To default to From", "[imap][envelope]") {
  const std::string message =
      "Return-Path: <alice@a.example>\r\n"
      "Date: Mon, 3 Mar 2025 09:00:00 +0000\r\n"
      "From: Alice Liddell <alice@a.example>\r\n"
      "To: bob@b.example, \"Carol, C.\" <carol@c.example>\r\n"
      "Subject: Lunch?\r\n"
      "Message-ID: <1@a.example>\r\n"
      "\r\nNoon?\r\n";
  CHECK(envelope(message) ==
        "(\"Mon, 3 Mar 2025 09:00:00 +0000\" \"Lunch?\" "
        "((\"Alice Liddell\" NIL \"alice\" \"a.example\")) "
        "((\"Alice Liddell\" NIL \"alice\" \"a.example\")) "
        "((\"Alice Liddell\" NIL \"alice\" \"a.example\")) "
        "((NIL NIL \"bob\" \"b.example\")(\"Carol, C.\" NIL \"carol\" \"c.example\")) "
        "NIL NIL NIL \"<1@a.example>\")");
}

TEST_CASE("ENVELOPE: explicit Sender/Reply-To, Cc, In-Reply-To, a missing Date and Subject", "[imap][envelope]") {
  const std::string message =
      "From: a@a.example\r\nSender: list@a.example\r\nReply-To: (comment) <r@a.example>\r\n"
      "Cc: c@c.example\r\nIn-Reply-To: <0@b.example>\r\n\r\nbody\r\n";
  CHECK(envelope(message) ==
        "(NIL NIL ((NIL NIL \"a\" \"a.example\")) ((NIL NIL \"list\" \"a.example\")) "
        "((NIL NIL \"r\" \"a.example\")) NIL ((NIL NIL \"c\" \"c.example\")) NIL \"<0@b.example>\" NIL)");
}

TEST_CASE("ENVELOPE: quoting, literals for 8-bit text, an empty Reply-To falls back to From", "[imap][envelope]") {
  const std::string message = "From: \"Say \\\"hi\\\"\" <a@a.example>\r\nReply-To:\r\nSubject: caf\xc3\xa9\r\n\r\n";
  const std::string e = envelope(message);
  // RFC 3501 §4.3: '"' and '\' inside a quoted string are escaped with '\'.
  CHECK(e.find("((\"Say \\\"hi\\\"\" NIL \"a\" \"a.example\"))") != std::string::npos);
  // 8-bit octets cannot be in a quoted string: a literal carries them.
  CHECK(e.find("{5}\r\ncaf\xc3\xa9") != std::string::npos);
  // Reply-To present but empty: the from member (three times the same list).
  std::size_t count = 0;
  for (std::size_t at = e.find("((\"Say"); at != std::string::npos; at = e.find("((\"Say", at + 1)) ++count;
  CHECK(count == 3);
}

TEST_CASE("ENVELOPE: group syntax gives start and end markers", "[imap][envelope]") {
  const auto list = parse_address_list("Friends: a@x.example, B <b@y.example>;, undisclosed-recipients:;");
  REQUIRE(list.size() == 6);
  CHECK(list[0].mailbox == std::optional<std::string>("Friends"));
  CHECK_FALSE(list[0].host.has_value());
  CHECK(list[1].host == std::optional<std::string>("x.example"));
  CHECK(list[2].name == std::optional<std::string>("B"));
  CHECK_FALSE(list[3].mailbox.has_value());  // end of group: all NIL
  CHECK_FALSE(list[3].host.has_value());
  CHECK(list[4].mailbox == std::optional<std::string>("undisclosed-recipients"));
  CHECK_FALSE(list[5].mailbox.has_value());
}

TEST_CASE("ENVELOPE: a source route becomes the adl; garbage never throws", "[imap][envelope]") {
  const auto list = parse_address_list("<@relay.example:joe@z.example>");
  REQUIRE(list.size() == 1);
  CHECK(list[0].adl == std::optional<std::string>("@relay.example"));
  CHECK(list[0].mailbox == std::optional<std::string>("joe"));
  for (const char* junk : {"", "<", ">", "(((", "\"", ":", ";;;,,,", "a@", "@", "<a@b", "x: y"})
    CHECK_NOTHROW(envelope(std::string("From: ") + junk + "\r\nTo: " + junk + "\r\n\r\n"));
}

TEST_CASE("INTERNALDATE: RFC 3501 date-time, space-padded day, UTC", "[imap][envelope]") {
  CHECK(internal_date(0) == "\" 1-Jan-1970 00:00:00 +0000\"");
  CHECK(internal_date(1'717'200'000'000LL) == "\" 1-Jun-2024 00:00:00 +0000\"");
  CHECK(internal_date(951'827'696'000LL) == "\"29-Feb-2000 12:34:56 +0000\"");
  CHECK(internal_date(-1000) == "\"31-Dec-1969 23:59:59 +0000\"");
}

TEST_CASE("FETCH ENVELOPE INTERNALDATE: golden response over a Maildir", "[imap][envelope]") {
  const auto root = std::filesystem::temp_directory_path() / ("smtplab-envelope-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  {
    mda::MaildirStore store(root, "mx.b.example");
    // Delivered at 2024-06-01 00:00:05 UTC: the Maildir name starts with that second.
    REQUIRE(store.deliver("bob", "INBOX", "From: a@a.example\r\nSubject: s\r\n\r\nx\r\n", 1'717'200'005'123LL).ok());
    const std::string out = fetch_output(store, "FETCH 1 (ENVELOPE INTERNALDATE)", 42);
    CHECK(out ==
          "* 1 FETCH (ENVELOPE (NIL \"s\" ((NIL NIL \"a\" \"a.example\")) ((NIL NIL \"a\" \"a.example\")) "
          "((NIL NIL \"a\" \"a.example\")) NIL NIL NIL NIL NIL) INTERNALDATE \" 1-Jun-2024 00:00:05 +0000\")\r\n"
          "a3 OK FETCH completed\r\n");
  }
  std::filesystem::remove_all(root);
}

TEST_CASE("FETCH ALL and FAST expand to their items (RFC 3501 §6.4.5)", "[imap][envelope]") {
  mda::MemoryMailStore store;
  REQUIRE(store.deliver("bob", "INBOX", "Subject: s\r\n\r\nx\r\n", 1'717'200'000'000LL).ok());
  // INTERNALDATE is the delivery time the store kept, not the session's clock (42 ms).
  const std::string all = fetch_output(store, "FETCH 1 ALL", 42);
  CHECK(all.rfind("* 1 FETCH (FLAGS () INTERNALDATE \" 1-Jun-2024 00:00:00 +0000\" RFC822.SIZE 17 ENVELOPE (", 0) == 0);
  const std::string fast = fetch_output(store, "FETCH 1 FAST");
  CHECK(fast.find("ENVELOPE") == std::string::npos);
  CHECK(fast.find("RFC822.SIZE 17") != std::string::npos);
  // An item we do not know is still refused, not ignored.
  CHECK(fetch_output(store, "FETCH 1 BODYSTRUCTURE").find("a3 BAD") != std::string::npos);
}

namespace {

// A store that keeps no delivery times (MailStore's default delivered_ms): it forwards
// the rest to a memory store.
class TimelessStore final : public mda::MailStore {
 public:
  mda::StoreResult deliver(std::string_view user, std::string_view folder, std::string_view content,
                           TimeMs time_ms) override {
    return inner.deliver(user, folder, content, time_ms);
  }
  std::vector<std::string> list(std::string_view user, std::string_view folder) const override {
    return inner.list(user, folder);
  }
  std::optional<std::string> read(std::string_view user, std::string_view folder,
                                  std::string_view id) const override {
    return inner.read(user, folder, id);
  }
  std::size_t count(std::string_view user, std::string_view folder) const override {
    return inner.count(user, folder);
  }
  mda::MemoryMailStore inner;
};

}  // namespace

TEST_CASE("INTERNALDATE: the store's delivery time per message, the clock only when it cannot tell",
          "[imap][envelope]") {
  mda::MemoryMailStore store;
  REQUIRE(store.deliver("bob", "INBOX", "Subject: 1\r\n\r\n", 951'827'696'000LL).ok());
  REQUIRE(store.deliver("bob", "INBOX", "Subject: 2\r\n\r\n", 1'717'200'005'000LL).ok());
  const std::string out = fetch_output(store, "FETCH 1:2 INTERNALDATE", 0);
  CHECK(out ==
        "* 1 FETCH (INTERNALDATE \"29-Feb-2000 12:34:56 +0000\")\r\n"
        "* 2 FETCH (INTERNALDATE \" 1-Jun-2024 00:00:05 +0000\")\r\n"
        "a3 OK FETCH completed\r\n");
  // A store without delivery times: RFC 3501 §2.3.3 still wants a date; the session's
  // clock is the best we have.
  TimelessStore timeless;
  REQUIRE(timeless.deliver("bob", "INBOX", "Subject: 3\r\n\r\n", 0).ok());
  CHECK(fetch_output(timeless, "FETCH 1 INTERNALDATE", 1'717'200'000'000LL) ==
        "* 1 FETCH (INTERNALDATE \" 1-Jun-2024 00:00:00 +0000\")\r\na3 OK FETCH completed\r\n");
}
