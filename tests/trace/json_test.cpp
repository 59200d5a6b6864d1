// Tests of trace/json: the saved trace format round-trips exactly, its output is stable
// byte for byte, and every kind of bad file is refused with a message that says what
// is wrong (docs/trace-format.md).
#include <catch2/catch.hpp>

#include <string>

#include "trace/json.hpp"

using namespace smtplab;
using namespace smtplab::trace;

namespace {

TraceEvent make_event(std::uint64_t seq, TimeMs time_ms, EventKind kind, std::string src,
                      std::string dst, std::string summary, std::string bytes) {
  TraceEvent e;
  e.seq = seq;
  e.time_ms = time_ms;
  e.kind = kind;
  e.src = std::move(src);
  e.dst = std::move(dst);
  e.summary = std::move(summary);
  e.bytes = std::move(bytes);
  return e;
}

TraceDocument sample_document() {
  TraceDocument doc;
  doc.title = "Alice writes to Bob";
  doc.source = "lessons/02-mua-mta-mda/scenario.toml";
  doc.seed = 42;
  doc.hosts = {{"alice-laptop", "192.0.2.10", "mua"}, {"smtp.a.example", "192.0.2.25", "mta"},
               {"ns", "203.0.113.53", "dns"}};
  TraceEvent open = make_event(0, 1'700'000'000'000, EventKind::ConnOpen, "alice-laptop",
                               "smtp.a.example", "connect :587", "");
  open.conn = 1;
  open.with("port", "587");
  TraceEvent greeting = make_event(1, 1'700'000'000'010, EventKind::SmtpReply, "smtp.a.example",
                                   "alice-laptop", "220 smtp.a.example ESMTP",
                                   "220 smtp.a.example ESMTP smtplab\r\n");
  greeting.conn = 1;
  greeting.explain = "reply.220";
  greeting.rfc = "RFC 5321 §4.3.1";
  greeting.with("code", "220").with("text", "smtp.a.example ESMTP smtplab");
  TraceEvent state = make_event(2, 1'700'000'000'010, EventKind::StateChange, "smtp.a.example",
                                "smtp.a.example", "connected -> greeted", "");
  state.with("machine", "smtp_server").with("from", "connected").with("to", "greeted");
  // Bytes that are not UTF-8 (a TLS record) must survive through base64.
  TraceEvent tls = make_event(3, 1'700'000'000'020, EventKind::TlsStep, "alice-laptop",
                              "smtp.a.example", "ClientHello",
                              std::string("\x16\x03\x01\x00\xc8\x01\x00\xff\x00", 9));
  // Repeated field keys must survive too (the writer switches to pairs).
  TraceEvent rcpt = make_event(4, 1'700'000'000'030, EventKind::QueueChange, "smtp.a.example",
                               "smtp.a.example", "queued 1 message", "Subject: Lunch?\r\n\r\nNoon.\r\n");
  rcpt.with("rcpt", "bob@b.example").with("rcpt", "carol@b.example");
  doc.events = {open, greeting, state, tls, rcpt};
  doc.expectations = {{"mailbox bob@b.example has 1 message", true, "found 1"},
                      {"reply 250 seen", false, "saw 550 instead"}};
  doc.truncated = false;
  return doc;
}

void require_same(const TraceDocument& a, const TraceDocument& b) {
  CHECK(a.title == b.title);
  CHECK(a.source == b.source);
  CHECK(a.seed == b.seed);
  CHECK(a.truncated == b.truncated);
  REQUIRE(a.hosts.size() == b.hosts.size());
  for (std::size_t i = 0; i < a.hosts.size(); ++i) {
    CHECK(a.hosts[i].name == b.hosts[i].name);
    CHECK(a.hosts[i].address == b.hosts[i].address);
    CHECK(a.hosts[i].role == b.hosts[i].role);
  }
  REQUIRE(a.events.size() == b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    const TraceEvent& x = a.events[i];
    const TraceEvent& y = b.events[i];
    CHECK(x.seq == y.seq);
    CHECK(x.time_ms == y.time_ms);
    CHECK(x.kind == y.kind);
    CHECK(x.src == y.src);
    CHECK(x.dst == y.dst);
    CHECK(x.conn == y.conn);
    CHECK(x.summary == y.summary);
    CHECK(x.bytes == y.bytes);
    CHECK(x.fields == y.fields);
    CHECK(x.explain == y.explain);
    CHECK(x.rfc == y.rfc);
  }
  REQUIRE(a.expectations.size() == b.expectations.size());
  for (std::size_t i = 0; i < a.expectations.size(); ++i) {
    CHECK(a.expectations[i].description == b.expectations[i].description);
    CHECK(a.expectations[i].ok == b.expectations[i].ok);
    CHECK(a.expectations[i].detail == b.expectations[i].detail);
  }
}

// Replaces the first occurrence of `from` in `text` (the test fails if it is absent).
std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  text.replace(pos, from.size(), to);
  return text;
}

}  // namespace

TEST_CASE("a document survives to_json then from_json unchanged", "[trace][json]") {
  const TraceDocument doc = sample_document();
  const std::string text = to_json(doc);
  const ParseResult parsed = from_json(text);
  INFO(parsed.error);
  REQUIRE(parsed.ok());
  require_same(doc, *parsed.document);
  // And writing the parsed copy gives the same bytes again.
  CHECK(to_json(*parsed.document) == text);
}

TEST_CASE("output is stable and laid out one event per line", "[trace][json]") {
  const std::string a = to_json(sample_document());
  const std::string b = to_json(sample_document());
  CHECK(a == b);
  CHECK(a.rfind("{\n  \"format\": \"smtplab-trace\",\n  \"version\": 1,\n", 0) == 0);
  // Each event is exactly one line starting with {"seq":
  std::size_t event_lines = 0;
  for (std::size_t pos = a.find("\n    {\"seq\":"); pos != std::string::npos;
       pos = a.find("\n    {\"seq\":", pos + 1))
    ++event_lines;
  CHECK(event_lines == sample_document().events.size());
  // Keys appear in the documented order within an event.
  const auto line_start = a.find("{\"seq\":1,");
  REQUIRE(line_start != std::string::npos);
  // The line ends with the separator "," before the next event.
  const std::string line = a.substr(line_start, a.find(",\n", line_start) - line_start);
  CHECK(line ==
        "{\"seq\":1,\"time_ms\":1700000000010,\"kind\":\"smtp_reply\",\"src\":\"smtp.a.example\","
        "\"dst\":\"alice-laptop\",\"conn\":1,\"summary\":\"220 smtp.a.example ESMTP\","
        "\"bytes\":\"220 smtp.a.example ESMTP smtplab\\r\\n\",\"fields\":{\"code\":\"220\","
        "\"text\":\"smtp.a.example ESMTP smtplab\"},\"explain\":\"reply.220\",\"rfc\":\"RFC 5321 §4.3.1\"}");
}

TEST_CASE("bytes that are not UTF-8 are written as base64", "[trace][json]") {
  const std::string text = to_json(sample_document());
  CHECK(text.find("\"bytes_base64\":\"FgMBAMgBAP8A\"") != std::string::npos);
}

TEST_CASE("repeated field keys are kept as [key, value] pairs", "[trace][json]") {
  const std::string text = to_json(sample_document());
  CHECK(text.find("\"fields\":[[\"rcpt\",\"bob@b.example\"],[\"rcpt\",\"carol@b.example\"]]") !=
        std::string::npos);
}

TEST_CASE("an empty document round-trips", "[trace][json]") {
  TraceDocument empty;
  empty.truncated = true;
  const ParseResult parsed = from_json(to_json(empty));
  REQUIRE(parsed.ok());
  CHECK(parsed.document->events.empty());
  CHECK(parsed.document->truncated);
}

TEST_CASE("a wrong format name is refused", "[trace][json]") {
  const std::string text =
      replace_once(to_json(sample_document()), "\"smtplab-trace\"", "\"pcap-trace\"");
  const ParseResult parsed = from_json(text);
  CHECK_FALSE(parsed.ok());
  CHECK_THAT(parsed.error, Catch::Contains("not an smtplab trace") && Catch::Contains("pcap-trace"));
}

TEST_CASE("an unsupported version is refused and named", "[trace][json]") {
  const std::string text =
      replace_once(to_json(sample_document()), "\"version\": 1", "\"version\": 7");
  const ParseResult parsed = from_json(text);
  CHECK_FALSE(parsed.ok());
  CHECK_THAT(parsed.error, Catch::Contains("unsupported trace version 7"));
}

TEST_CASE("truncated JSON is refused, at every cut point", "[trace][json]") {
  const std::string text = to_json(sample_document());
  // Every proper prefix that is not the whole text (less its final newline) must fail
  // cleanly: no crash, no partial document.
  for (std::size_t cut = 0; cut + 2 < text.size(); cut += 7) {
    const ParseResult parsed = from_json(std::string_view(text).substr(0, cut));
    INFO("cut at " << cut);
    CHECK_FALSE(parsed.ok());
    CHECK_FALSE(parsed.error.empty());
  }
  CHECK_THAT(from_json(text.substr(0, text.size() / 2)).error,
             Catch::Contains("truncated or invalid JSON"));
}

TEST_CASE("an unknown event kind is refused with the event's index", "[trace][json]") {
  const std::string text =
      replace_once(to_json(sample_document()), "\"kind\":\"tls_step\"", "\"kind\":\"smtp_frobnicate\"");
  const ParseResult parsed = from_json(text);
  CHECK_FALSE(parsed.ok());
  CHECK_THAT(parsed.error, Catch::Contains("event 3") && Catch::Contains("smtp_frobnicate"));
}

TEST_CASE("missing or mistyped fields are refused with where they are", "[trace][json]") {
  const std::string text = to_json(sample_document());
  SECTION("missing time_ms") {
    const ParseResult parsed = from_json(replace_once(text, "\"time_ms\":1700000000010,", ""));
    CHECK_FALSE(parsed.ok());
    CHECK_THAT(parsed.error, Catch::Contains("event 1") && Catch::Contains("time_ms"));
  }
  SECTION("missing events") {
    const ParseResult parsed = from_json(R"({"format":"smtplab-trace","version":1})");
    CHECK_FALSE(parsed.ok());
    CHECK_THAT(parsed.error, Catch::Contains("events"));
  }
  SECTION("seq of the wrong type") {
    const ParseResult parsed = from_json(replace_once(text, "\"seq\":2,", "\"seq\":\"two\","));
    CHECK_FALSE(parsed.ok());
    CHECK_THAT(parsed.error, Catch::Contains("event 2") && Catch::Contains("seq"));
  }
  SECTION("bad base64") {
    const ParseResult parsed = from_json(replace_once(text, "FgMBAMgBAP8A", "FgMB*MgBAP8A"));
    CHECK_FALSE(parsed.ok());
    CHECK_THAT(parsed.error, Catch::Contains("base64"));
  }
  SECTION("not an object at all") {
    CHECK_FALSE(from_json("[1,2,3]").ok());
    CHECK_FALSE(from_json("").ok());
  }
}

TEST_CASE("optional fields take their defaults", "[trace][json]") {
  const ParseResult parsed = from_json(R"({"format":"smtplab-trace","version":1,"events":[
    {"seq":0,"time_ms":5,"kind":"note","src":"a","dst":"a","summary":"hello"}]})");
  INFO(parsed.error);
  REQUIRE(parsed.ok());
  REQUIRE(parsed.document->events.size() == 1);
  const TraceEvent& e = parsed.document->events[0];
  CHECK(e.kind == EventKind::Note);
  CHECK(e.conn == 0);
  CHECK(e.bytes.empty());
  CHECK(e.fields.empty());
  CHECK(parsed.document->hosts.empty());
}

TEST_CASE("UTF-8 validation follows RFC 3629", "[trace][json]") {
  CHECK(is_valid_utf8("plain ASCII\r\n"));
  CHECK(is_valid_utf8("RFC 5321 \xC2\xA7" "4.1.4"));        // § (U+00A7)
  CHECK(is_valid_utf8("\xF0\x9F\x93\xA7"));                  // U+1F4E7 (an envelope)
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));                    // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));                // a surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));            // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));                    // cut short
  CHECK_FALSE(is_valid_utf8("\xFF"));
}

TEST_CASE("base64 matches the RFC 4648 §10 test vectors", "[trace][json]") {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    REQUIRE(base64_decode(encoded).has_value());
    CHECK(*base64_decode(encoded) == plain);
  }
  CHECK_FALSE(base64_decode("Zg=").has_value());
  CHECK_FALSE(base64_decode("Z=g=").has_value());
  CHECK_FALSE(base64_decode("Zm9v!A==").has_value());
}
