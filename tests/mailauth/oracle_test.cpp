// tests/mailauth/oracle_test.cpp — smtplab against independent implementations on the
// same data: pyspf (Debian python3-spf) for SPF verdicts, dkimpy (python3-dkim) for
// DKIM in both directions. Skipped visibly when /usr/bin/python3 lacks them.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dns/zone.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/spf_check.hpp"

using namespace smtplab::mailauth;
namespace fs = std::filesystem;

namespace {

const fs::path oracle = fs::path(SMTPLAB_SOURCE_DIR) / "tests" / "mailauth" / "oracle.py";
const fs::path vectors_dir = fs::path(SMTPLAB_CONFORMANCE_DIR) / "dkim" / "vectors";

bool python_has(const char* module) {
  const std::string command = std::string("/usr/bin/python3 -c 'import ") + module + "' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

std::string run(const std::string& command) {
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
    pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

fs::path temp_path(const std::string& name) { return fs::temp_directory_path() / ("smtplab-mailauth-" + name); }

smtplab::dns::Zones zones_from(const std::string& text) {
  smtplab::dns::Zones zones;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto why = zones.add_line(line);
    INFO(line);
    REQUIRE_FALSE(why);
  }
  return zones;
}

// A world with every mechanism: the lesson's domains plus corner cases.
const char* spf_zone = R"(a.example TXT v=spf1 ip4:192.0.2.0/25 mx a:relay.a.example include:_spf.esp.example -all
a.example MX 10 mx.a.example
mx.a.example A 192.0.2.200
relay.a.example A 203.0.113.7
_spf.esp.example TXT v=spf1 ip6:2001:db8:e5::/48 exists:%{i}._ok.esp.example ~all
198.51.100.9._ok.esp.example A 127.0.0.2
b.example TXT v=spf1 redirect=a.example
c.example TXT v=spf1 ptr:c.example ?all
9.100.51.198.in-addr.arpa PTR host.c.example
host.c.example A 198.51.100.9
d.example TXT v=spf1 include:nothing.example -all
e.example TXT v=spf1 a:x1.e.example a:x2.e.example a:x3.e.example -all
f.example TXT v=spf1 -ip4:198.51.100.0/24 +all
)";

}  // namespace

TEST_CASE("spf agrees with pyspf on the same zone data", "[spf][oracle]") {
  if (!python_has("spf")) {
    WARN("SKIPPED: /usr/bin/python3 has no pyspf (Debian package python3-spf)");
    return;
  }
  const fs::path zone_file = temp_path("spf-zone.txt");
  std::ofstream(zone_file) << spf_zone;
  const auto zones = zones_from(spf_zone);
  struct Probe {
    const char* ip;
    const char* mail_from;
  };
  const Probe probes[] = {
      {"192.0.2.10", "alice@a.example"},  {"192.0.2.200", "alice@a.example"}, {"203.0.113.7", "alice@a.example"},
      {"2001:db8:e5::1", "alice@a.example"}, {"198.51.100.9", "alice@a.example"}, {"198.51.100.10", "alice@a.example"},
      {"192.0.2.10", "bob@b.example"},   {"198.51.100.10", "bob@b.example"},   {"198.51.100.9", "carol@c.example"},
      {"198.51.100.8", "carol@c.example"}, {"192.0.2.1", "dave@d.example"},    {"192.0.2.1", "eve@e.example"},
      {"198.51.100.1", "frank@f.example"}, {"192.0.2.1", "frank@f.example"},   {"192.0.2.1", "nobody@none.example"},
  };
  for (const auto& p : probes) {
    DYNAMIC_SECTION(p.ip << " " << p.mail_from) {
      SpfInputs in;
      in.ip = p.ip;
      in.helo = "client.example";
      in.mail_from = p.mail_from;
      const SpfVerdict ours = check_spf(in, [&](const DnsQuestion& q) { return answer_from_zones(zones, q); });
      const std::string theirs = run("/usr/bin/python3 " + oracle.string() + " spf " + zone_file.string() + " " +
                                     p.ip + " client.example " + p.mail_from);
      INFO("smtplab: " << to_string(ours.result) << " (" << ours.reason << "), pyspf: " << theirs);
      CHECK(std::string(to_string(ours.result)) == theirs);
    }
  }
}

TEST_CASE("dkim: smtplab's signature verifies in dkimpy, and dkimpy's in smtplab", "[dkim][oracle]") {
  if (!python_has("dkim")) {
    WARN("SKIPPED: /usr/bin/python3 has no dkimpy (Debian package python3-dkim)");
    return;
  }
  const fs::path key_path = vectors_dir / "02-go-msgauth-signed-example-org" / "private.pem";
  if (!fs::exists(key_path)) {
    WARN("SKIPPED: " << key_path.string() << " is missing");
    return;
  }
  const auto key = RsaPrivateKey::from_pem(read_file(key_path));
  REQUIRE(key);
  const std::string zone = "s1._domainkey.a.example " + dkim_key_record(*key) + "\n";
  const fs::path zone_file = temp_path("dkim-zone.txt");
  std::ofstream(zone_file) << zone;
  const std::string message =
      "From: Alice <alice@a.example>\r\nTo: Bob <bob@b.example>\r\nSubject: Lunch?\r\n"
      "Date: Mon, 1 Jan 2024 12:00:00 +0000\r\nMessage-ID: <1@a.example>\r\n\r\nNoon  at the usual place.\r\n\r\n";

  SECTION("signed by smtplab, verified by dkimpy") {
    for (const auto canon : {DkimCanon::Simple, DkimCanon::Relaxed}) {
      DkimSignOptions options;
      options.domain = "a.example";
      options.selector = "s1";
      options.header_canon = canon;
      options.body_canon = canon;
      const auto signed_result = dkim_sign(message, *key, options);
      REQUIRE(signed_result.field);
      const fs::path message_file = temp_path("signed.eml");
      std::ofstream(message_file, std::ios::binary) << *signed_result.field << message;
      CHECK(run("/usr/bin/python3 " + oracle.string() + " dkim-verify " + zone_file.string() + " " +
                message_file.string()) == "pass");
    }
  }
  SECTION("signed by dkimpy, verified by smtplab") {
    const fs::path in_file = temp_path("unsigned.eml");
    const fs::path out_file = temp_path("dkimpy-signed.eml");
    std::ofstream(in_file, std::ios::binary) << message;
    REQUIRE(run("/usr/bin/python3 " + oracle.string() + " dkim-sign " + key_path.string() + " a.example s1 " +
                in_file.string() + " " + out_file.string()) == "signed");
    const auto zones = zones_from(zone);
    DkimVerify verify(read_file(out_file));
    drive(verify, [&](const DnsQuestion& q) { return answer_from_zones(zones, q); });
    REQUIRE(verify.results().size() == 1);
    INFO(verify.results()[0].reason);
    CHECK(verify.results()[0].result == DkimResult::Pass);
  }
}
