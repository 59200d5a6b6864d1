// tests/mailauth/dkim_test.cpp — DKIM verification against the conformance vectors,
// the byte-exact signing vector, the canonicalization vectors, malformed input, and a
// sign/verify round trip.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "mailauth/dkim.hpp"
#include "mailauth/test_dns.hpp"

using namespace smtplab::mailauth;
using smtplab::mailauth::testing::TestDns;
namespace fs = std::filesystem;

namespace {

const fs::path conformance_dir{SMTPLAB_CONFORMANCE_DIR};
const fs::path vectors_dir = conformance_dir / "dkim" / "vectors";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// dns.txt: "selector._domainkey.domain TXT-value", one a line.
TestDns load_dns(const fs::path& path) {
  TestDns dns;
  std::istringstream lines(read_file(path));
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t space = line.find(' ');
    if (line.empty() || space == std::string::npos) continue;
    dns.add_txt(line.substr(0, space), {line.substr(space + 1)});
  }
  return dns;
}

std::vector<DkimSignatureResult> verify(const std::string& message, const TestDns& dns, std::int64_t now_s = 0,
                                        std::vector<smtplab::Event>* events = nullptr) {
  DkimVerify verifier(message, DkimVerifyOptions{now_s});
  drive(verifier, [&](const DnsQuestion& q) { return dns.answer(q); });
  if (events) *events = verifier.take_events();
  return verifier.results();
}

std::string expected_line(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (line.starts_with(key + ": ")) return line.substr(key.size() + 2);
  return {};
}

const std::string key_02_dns_name = "brisbane._domainkey.example.org";

}  // namespace

TEST_CASE("dkim conformance vectors: every verdict matches expected.txt", "[dkim][conformance]") {
  if (!fs::exists(vectors_dir)) {
    WARN("SKIPPED: " << vectors_dir.string() << " is missing; the DKIM vectors were not run");
    return;
  }
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(vectors_dir)) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  REQUIRE(dirs.size() == 24);
  for (const auto& dir : dirs) {
    const std::string id = dir.filename().string();
    DYNAMIC_SECTION(id) {
      const std::string expected_text = read_file(dir / "expected.txt");
      const std::string expected = expected_line(expected_text, "expected");
      const std::string time = expected_line(expected_text, "verify_time_unix");
      const TestDns dns = load_dns(dir / "dns.txt");
      std::vector<smtplab::Event> events;
      const auto results = verify(read_file(dir / "message.eml"), dns, time.empty() ? 0 : std::stoll(time), &events);
      std::string report;
      for (const auto& r : results) report += std::string(to_string(r.result)) + " d=" + r.domain + ": " + r.reason + "\n";
      INFO(id << " expected: " << expected << "\ngot:\n" << report);
      REQUIRE_FALSE(results.empty());
      if (id.starts_with("04-")) {
        // sig[0] is ed25519-sha256: reported as unsupported, never as pass.
        REQUIRE(results.size() == 2);
        CHECK(results[0].result != DkimResult::Pass);
        CHECK(results[0].unsupported);
        CHECK(results[1].result == DkimResult::Pass);
      } else if (expected.starts_with("pass (last signature)")) {
        CHECK(results.back().result == DkimResult::Pass);
      } else if (expected.starts_with("pass")) {
        CHECK(results.size() == 1);
        CHECK(results.front().result == DkimResult::Pass);
      } else {
        // 20-29: fail, permerror or temperror — anything but pass.
        for (const auto& r : results) CHECK(r.result != DkimResult::Pass);
        if (expected.find("body hash mismatch") != std::string::npos) {
          CHECK(results.front().result == DkimResult::Fail);
          CHECK(results.front().body_hash_computed != results.front().body_hash_given);
        }
      }
    }
  }
}

TEST_CASE("dkim vector 02: signing reproduces go-msgauth's signature byte for byte", "[dkim][sign]") {
  const fs::path dir = vectors_dir / "02-go-msgauth-signed-example-org";
  if (!fs::exists(dir)) {
    WARN("SKIPPED: " << dir.string() << " is missing");
    return;
  }
  std::string why;
  const auto key = RsaPrivateKey::from_pem(read_file(dir / "private.pem"), &why);
  REQUIRE(key);
  DkimSignOptions options;
  options.domain = "example.org";
  options.selector = "brisbane";
  options.header_canon = DkimCanon::Simple;
  options.body_canon = DkimCanon::Simple;
  options.headers = {"From", "To", "Subject", "Date", "Message-ID"};
  options.timestamp_s = 424242;
  const std::string unsigned_message = read_file(dir / "unsigned.eml");
  const DkimSignResult signed_result = dkim_sign(unsigned_message, *key, options);
  REQUIRE(signed_result.field);
  CHECK(*signed_result.field + unsigned_message == read_file(dir / "message.eml"));
  // And it verifies with the published key.
  const auto results = verify(*signed_result.field + unsigned_message, load_dns(dir / "dns.txt"));
  REQUIRE(results.size() == 1);
  CHECK(results[0].result == DkimResult::Pass);
  CHECK(results[0].body_hash_computed == "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
}

TEST_CASE("dkim canonicalization vectors (strict RFC cases)", "[dkim][canon]") {
  const fs::path path = conformance_dir / "dkim" / "canonicalization-vectors.json";
  if (!fs::exists(path)) {
    WARN("SKIPPED: " << path.string() << " is missing");
    return;
  }
  const auto vectors = nlohmann::json::parse(read_file(path));
  int strict = 0;
  int index = 0;
  for (const auto& v : vectors) {
    ++index;
    if (!v.value("strict_rfc", false)) continue;  // the optional bare-LF repairs
    ++strict;
    const std::string kind = v["kind"];
    DYNAMIC_SECTION("vector " << index << " " << kind) {
      if (kind == "body") {
        const DkimCanon canon = v["canon"] == "simple" ? DkimCanon::Simple : DkimCanon::Relaxed;
        std::string input;
        if (v.contains("chunks")) {
          for (const auto& chunk : v["chunks"]) input += chunk.get<std::string>();
          CHECK(input == v["input"].get<std::string>());
        }
        CHECK(canonicalize_body(v["input"].get<std::string>(), canon) == v["expected"].get<std::string>());
      } else if (kind == "header") {
        CHECK(canonicalize_header(v["input"].get<std::string>(), DkimCanon::Relaxed) == v["expected"].get<std::string>());
      } else if (kind == "message") {
        const MessageParts parts = split_message(v["input"].get<std::string>());
        std::string relaxed, simple;
        for (const auto& f : parts.fields) {
          relaxed += canonicalize_header(f.raw, DkimCanon::Relaxed);
          simple += canonicalize_header(f.raw, DkimCanon::Simple);
        }
        const auto& e = v["expected"];
        CHECK(relaxed == e["relaxed_headers"].get<std::string>());
        CHECK(simple == e["simple_headers"].get<std::string>());
        CHECK(canonicalize_body(parts.body, DkimCanon::Relaxed) == e["relaxed_body"].get<std::string>());
        CHECK(canonicalize_body(parts.body, DkimCanon::Simple) == e["simple_body"].get<std::string>());
      } else if (kind == "body-hash-sha256-b64") {
        const DkimCanon canon = v["canon"] == "simple" ? DkimCanon::Simple : DkimCanon::Relaxed;
        for (const auto& input : v["input"])
          CHECK(base64_encode(sha256(canonicalize_body(input.get<std::string>(), canon))) ==
                v["expected"].get<std::string>());
      } else {
        FAIL("unknown vector kind " << kind);
      }
    }
  }
  CHECK(strict >= 25);
}

TEST_CASE("dkim round trip: sign relaxed/relaxed, verify, then tamper", "[dkim][sign]") {
  const fs::path dir = vectors_dir / "02-go-msgauth-signed-example-org";
  if (!fs::exists(dir)) {
    WARN("SKIPPED: " << dir.string() << " is missing");
    return;
  }
  const auto key = RsaPrivateKey::from_pem(read_file(dir / "private.pem"));
  REQUIRE(key);
  TestDns dns;
  dns.add_txt(key_02_dns_name, {dkim_key_record(*key)});
  const std::string message =
      "From: Alice <alice@example.org>\r\nTo: bob@b.example\r\nSubject: Lunch?\r\n\r\nNoon  at the\tusual place.\r\n";
  DkimSignOptions options;
  options.domain = "example.org";
  options.selector = "brisbane";
  const auto signed_result = dkim_sign(message, *key, options);
  REQUIRE(signed_result.field);
  CHECK(signed_result.field->find("h=From:Subject:To;") != std::string::npos);
  const std::string signed_message = *signed_result.field + message;
  CHECK(verify(signed_message, dns).at(0).result == DkimResult::Pass);

  // Relaxed canonicalization forgives whitespace changes...
  std::string respaced = signed_message;
  respaced.replace(respaced.find("Noon  at"), 8, "Noon at ");
  CHECK(verify(respaced, dns).at(0).result == DkimResult::Pass);
  // ...but not a changed word (body hash) or a changed signed header (signature).
  std::string changed_body = signed_message;
  changed_body.replace(changed_body.find("Noon"), 4, "Nine");
  const auto body_result = verify(changed_body, dns).at(0);
  CHECK(body_result.result == DkimResult::Fail);
  CHECK(body_result.reason.find("body hash") != std::string::npos);
  std::string changed_subject = signed_message;
  changed_subject.replace(changed_subject.find("Lunch?"), 6, "Dinner");
  const auto header_result = verify(changed_subject, dns).at(0);
  CHECK(header_result.result == DkimResult::Fail);
  CHECK(header_result.reason.find("signature did not verify") != std::string::npos);
  // An unsigned field added on the way is fine (RFC 6376 §5.4 signs only h=).
  CHECK(verify("Received: from relay\r\n" + signed_message, dns).at(0).result == DkimResult::Pass);
}

TEST_CASE("dkim malformed input gives permerror with a reason, or none", "[dkim][malformed]") {
  TestDns dns;
  dns.add_txt("s._domainkey.a.example", {"v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQ"});
  const std::string body = "From: a@a.example\r\nSubject: x\r\n\r\nhi\r\n";
  SECTION("no signature: none") {
    DkimVerify v(body);
    CHECK_FALSE(v.next_query());
    CHECK(v.results().empty());
    CHECK(v.best().result == DkimResult::None);
  }
  SECTION("duplicate tags") {
    const auto r = verify("DKIM-Signature: v=1; a=rsa-sha256; d=a.example; d=b.example; s=s; h=from; bh=AA==; b=AA==\r\n" + body, dns);
    REQUIRE(r.size() == 1);
    CHECK(r[0].result == DkimResult::PermError);
    CHECK(r[0].reason.find("twice") != std::string::npos);
  }
  SECTION("bad base64 in b=") {
    const auto r = verify("DKIM-Signature: v=1; a=rsa-sha256; d=a.example; s=s; h=from; bh=AA==; b=!!!\r\n" + body, dns);
    CHECK(r.at(0).result == DkimResult::PermError);
    CHECK(r.at(0).reason.find("base64") != std::string::npos);
  }
  SECTION("missing required tag") {
    const auto r = verify("DKIM-Signature: v=1; a=rsa-sha256; s=s; h=from; bh=AA==; b=AA==\r\n" + body, dns);
    CHECK(r.at(0).result == DkimResult::PermError);
    CHECK(r.at(0).reason.find("d=") != std::string::npos);
  }
  SECTION("rsa-sha1 is never valid") {
    const auto r = verify("DKIM-Signature: v=1; a=rsa-sha1; d=a.example; s=s; h=from; bh=AA==; b=AA==\r\n" + body, dns);
    CHECK(r.at(0).result == DkimResult::PermError);
    CHECK(r.at(0).reason.find("RFC 8301") != std::string::npos);
  }
  SECTION("a truncated key is refused") {
    const auto r = verify("DKIM-Signature: v=1; a=rsa-sha256; d=a.example; s=s; h=from; bh=AA==; b=AA==\r\n" + body, dns);
    CHECK(r.at(0).result != DkimResult::Pass);
  }
  SECTION("key lookup failure is temperror") {
    TestDns failing;
    failing.add_timeout("s._domainkey.a.example");
    const auto r = verify("DKIM-Signature: v=1; a=rsa-sha256; d=a.example; s=s; h=from; bh=AA==; b=AA==\r\n" + body, failing);
    CHECK(r.at(0).result == DkimResult::TempError);
  }
  SECTION("key records: duplicate tags, bad version, revoked") {
    CHECK_FALSE(parse_dkim_key("v=DKIM1; p=AA; p=BB").key);
    CHECK(parse_dkim_key("v=DKIM2; p=AA").why.find("DKIM1") != std::string::npos);
    CHECK(parse_dkim_key("v=DKIM1; p=").revoked);
    CHECK(parse_dkim_key("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").unsupported);
  }
}

TEST_CASE("dkim removes b= and keeps everything else", "[dkim][canon]") {
  CHECK(remove_b_value("DKIM-Signature: a=x; b=abc\r\n def; bh=xyz\r\n") == "DKIM-Signature: a=x; b=; bh=xyz\r\n");
  CHECK(remove_b_value("DKIM-Signature: v=1;\r\n b=abc\r\n def\r\n") == "DKIM-Signature: v=1;\r\n b=\r\n");
}

TEST_CASE("dkim key cache: one parse per key record, same verdicts", "[dkim][cache]") {
  const fs::path dir = vectors_dir / "01-rfc6376-appA-simple-simple";
  if (!fs::exists(dir)) {
    WARN("SKIPPED: " << dir.string() << " is missing");
    return;
  }
  const TestDns dns = load_dns(dir / "dns.txt");
  DkimKeyCache cache;
  for (const char* vector : {"01-rfc6376-appA-simple-simple", "21-neg-signed-header-modified"}) {
    DkimVerify verify(read_file(vectors_dir / vector / "message.eml"), DkimVerifyOptions{0, dkim_signatures_max, &cache});
    drive(verify, [&](const DnsQuestion& q) { return dns.answer(q); });
    CHECK(verify.best().result == (std::string(vector).starts_with("01") ? DkimResult::Pass : DkimResult::Fail));
  }
  CHECK(cache.size() == 1);
}

TEST_CASE("dkim record_steps off: the same results for every vector, and no events", "[dkim][conformance]") {
  if (!fs::exists(vectors_dir)) {
    WARN("SKIPPED: " << vectors_dir.string() << " is missing; record_steps was not compared");
    return;
  }
  std::size_t compared = 0;
  for (const auto& entry : fs::directory_iterator(vectors_dir)) {
    const fs::path dir = entry.path();
    INFO(dir.filename().string());
    const std::string expected_text = read_file(dir / "expected.txt");
    const std::string time = expected_line(expected_text, "verify_time_unix");
    const std::int64_t now_s = time.empty() ? 0 : std::stoll(time);
    const TestDns dns = load_dns(dir / "dns.txt");
    const std::string message = read_file(dir / "message.eml");
    std::vector<DkimSignatureResult> results[2];
    std::size_t event_counts[2] = {0, 0};
    for (const bool record : {true, false}) {
      DkimVerifyOptions options{now_s};
      options.record_steps = record;
      DkimVerify verifier(message, options);
      drive(verifier, [&](const DnsQuestion& q) { return dns.answer(q); });
      results[record ? 0 : 1] = verifier.results();
      event_counts[record ? 0 : 1] = verifier.take_events().size();
    }
    CHECK(event_counts[0] > 0);
    CHECK(event_counts[1] == 0);
    REQUIRE(results[0].size() == results[1].size());
    for (std::size_t i = 0; i < results[0].size(); ++i) {
      const DkimSignatureResult& a = results[0][i];
      const DkimSignatureResult& b = results[1][i];
      CHECK(a.result == b.result);
      CHECK(a.reason == b.reason);
      CHECK(a.domain == b.domain);
      CHECK(a.selector == b.selector);
      CHECK(a.identity == b.identity);
      CHECK(a.body_hash_computed == b.body_hash_computed);
      CHECK(a.signature_prefix == b.signature_prefix);
      CHECK(a.unsupported == b.unsupported);
      CHECK(a.testing == b.testing);
    }
    ++compared;
  }
  CHECK(compared == 24);
}
