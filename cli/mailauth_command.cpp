// cli/mailauth_command.cpp — `smtplab dkim sign|verify` and `smtplab spf`: the sender
// authentication checks from the command line, explained step by step.
//
//   smtplab dkim sign --key KEY.pem --domain D --selector S   message on stdin,
//                                                            signed message on stdout
//   smtplab dkim verify --dns FILE [--time UNIX]              message on stdin
//   smtplab spf --dns FILE --ip IP --helo H --mail-from ADDR [--identity helo]
//
// FILE holds DNS records, one a line: "name TYPE value" (A, AAAA, MX, TXT, PTR, CNAME)
// or "name value" for TXT, as in the conformance vectors' dns.txt; "#" starts a comment.
// Exit codes (cli/commands.hpp): 0 pass, 1 any other verdict, 2 bad input.
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "commands.hpp"
#include "dns/zone.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/dns_answer.hpp"
#include "mailauth/spf_check.hpp"

namespace smtplab::cli {

namespace {

using namespace smtplab::mailauth;

struct MailauthOptions {
  std::string key_path, domain, selector, dns_path, canon = "relaxed/relaxed", headers;
  std::string ip, helo, mail_from, identity = "mailfrom";
  std::int64_t time_s = 0;
};

std::optional<std::string> read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// RFC 5322 §2.1: lines end in CRLF. A message typed or piped with bare LF is converted,
// as an MTA does before signing or verifying.
std::string read_message_stdin() {
  const std::string raw(std::istreambuf_iterator<char>(std::cin), {});
  std::string out;
  out.reserve(raw.size() + raw.size() / 32);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) out += '\r';
    out += raw[i];
  }
  return out;
}

std::optional<dns::Zones> load_dns_file(const std::string& path) {
  const auto text = read_whole(path);
  if (!text) {
    std::cerr << "smtplab: cannot read " << path << "\n";
    return std::nullopt;
  }
  dns::Zones zones;
  std::istringstream lines(*text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    if (const auto why = zones.add_line(line.substr(first))) {
      std::cerr << path << ":" << number << ": " << *why << "\n";
      return std::nullopt;
    }
  }
  return zones;
}

void print_events(const std::vector<Event>& events, std::ostream& out) {
  for (const Event& e : events) {
    const auto depth = e.field("depth");
    const std::size_t indent = depth.empty() ? 0 : static_cast<std::size_t>(std::stoi(std::string(depth)));
    out << std::string(2 * indent, ' ') << e.summary;
    if (!e.rfc.empty()) out << "   [" << e.rfc << "]";
    out << "\n";
  }
}

int run_sign(const MailauthOptions& o) {
  const auto pem = read_whole(o.key_path);
  if (!pem) {
    std::cerr << "smtplab: cannot read " << o.key_path << "\n";
    return 2;
  }
  std::string why;
  const auto key = RsaPrivateKey::from_pem(*pem, &why);
  if (!key) {
    std::cerr << "smtplab: " << o.key_path << ": " << why << "\n";
    return 2;
  }
  DkimSignOptions options;
  options.domain = o.domain;
  options.selector = o.selector;
  const std::size_t slash = o.canon.find('/');
  const std::string header = o.canon.substr(0, slash);
  const std::string body = slash == std::string::npos ? "simple" : o.canon.substr(slash + 1);
  auto canon = [](const std::string& s) -> std::optional<DkimCanon> {
    if (s == "simple") return DkimCanon::Simple;
    if (s == "relaxed") return DkimCanon::Relaxed;
    return std::nullopt;
  };
  if (!canon(header) || !canon(body)) {
    std::cerr << "smtplab: --canon must be simple or relaxed, as header/body\n";
    return 2;
  }
  options.header_canon = *canon(header);
  options.body_canon = *canon(body);
  if (o.time_s > 0) options.timestamp_s = o.time_s;
  std::string name;
  for (std::istringstream list(o.headers); std::getline(list, name, ':');)
    if (!name.empty()) options.headers.push_back(name);
  const std::string message = read_message_stdin();
  const DkimSignResult result = dkim_sign(message, *key, options);
  // stdout carries the signed message, so the explanation goes to stderr.
  print_events(result.events, std::cerr);
  if (!result.field) {
    std::cerr << "smtplab: cannot sign: " << result.why << "\n";
    return 2;
  }
  std::cerr << "publish at " << o.selector << "._domainkey." << o.domain << ":  " << dkim_key_record(*key) << "\n";
  std::cerr << "verdict: signed\n";
  std::cout << *result.field << message;
  return 0;
}

int run_verify(const MailauthOptions& o) {
  const auto zones = load_dns_file(o.dns_path);
  if (!zones) return 2;
  DkimVerify verify(read_message_stdin(), DkimVerifyOptions{o.time_s});
  drive(verify, [&](const DnsQuestion& q) { return answer_from_zones(*zones, q); });
  print_events(verify.take_events(), std::cout);
  const auto best = verify.best();
  std::cout << "verdict: dkim=" << to_string(best.result);
  if (!best.domain.empty()) std::cout << " (d=" << best.domain << " s=" << best.selector << ")";
  std::cout << "\n";
  return best.result == DkimResult::Pass ? 0 : 1;
}

int run_spf(const MailauthOptions& o) {
  const auto zones = load_dns_file(o.dns_path);
  if (!zones) return 2;
  if (!client_ip(o.ip)) {
    std::cerr << "smtplab: --ip " << o.ip << " is not an IPv4 or IPv6 address\n";
    return 2;
  }
  SpfInputs inputs;
  inputs.ip = o.ip;
  inputs.helo = o.helo;
  inputs.mail_from = o.mail_from;
  inputs.identity = o.identity == "helo" ? SpfIdentity::Helo : SpfIdentity::MailFrom;
  inputs.timestamp_s = o.time_s;
  std::vector<Event> events;
  const SpfVerdict v = check_spf(inputs, [&](const DnsQuestion& q) { return answer_from_zones(*zones, q); }, &events);
  print_events(events, std::cout);
  std::cout << "verdict: spf=" << to_string(v.result) << " (" << to_string(inputs.identity) << " " << v.sender << ")";
  if (!v.explanation.empty()) std::cout << " explanation: \"" << v.explanation << "\"";
  std::cout << "\n";
  return v.result == SpfResult::Pass ? 0 : 1;
}

}  // namespace

void add_dkim_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<MailauthOptions>();
  CLI::App* dkim = app.add_subcommand("dkim", "DKIM (RFC 6376): sign or verify a message given on stdin");
  dkim->require_subcommand(1);
  CLI::App* sign = dkim->add_subcommand("sign", "sign the message on stdin; the signed message goes to stdout");
  sign->add_option("--key", options->key_path, "RSA private key (PEM)")->required();
  sign->add_option("--domain", options->domain, "signing domain (d=)")->required();
  sign->add_option("--selector", options->selector, "selector (s=)")->required();
  sign->add_option("--canon", options->canon, "header/body canonicalization, e.g. relaxed/relaxed");
  sign->add_option("--headers", options->headers, "fields to sign, colon-separated (default: the usual ones)");
  sign->add_option("--time", options->time_s, "t= timestamp (Unix seconds); none by default");
  sign->callback([options, &action] { action = [options] { return run_sign(*options); }; });
  CLI::App* verify = dkim->add_subcommand("verify", "verify the DKIM signatures of the message on stdin");
  verify->add_option("--dns", options->dns_path, "DNS records, one a line")->required();
  verify->add_option("--time", options->time_s, "verification time (Unix seconds) for x=; 0 skips the check");
  verify->callback([options, &action] { action = [options] { return run_verify(*options); }; });
}

void add_spf_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<MailauthOptions>();
  CLI::App* spf = app.add_subcommand("spf", "SPF (RFC 7208): may this IP send mail for this domain?");
  spf->add_option("--dns", options->dns_path, "DNS records, one a line")->required();
  spf->add_option("--ip", options->ip, "the SMTP client's address")->required();
  spf->add_option("--helo", options->helo, "the EHLO/HELO name")->required();
  spf->add_option("--mail-from", options->mail_from, "the MAIL FROM address (empty for <>)");
  spf->add_option("--identity", options->identity, "mailfrom (default) or helo")
      ->check(CLI::IsMember({"mailfrom", "helo"}));
  spf->callback([options, &action] { action = [options] { return run_spf(*options); }; });
}

}  // namespace smtplab::cli
