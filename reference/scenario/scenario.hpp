// scenario/scenario.hpp — a scenario as data: the world (hosts, DNS, users), what
// happens in it (messages sent, a student's raw commands), and what must be true at
// the end (expectations). Loaded from TOML by loader.hpp; the format is documented in
// docs/scenario-format.md.
//
// Standards: none; this is smtplab's own format. Every field keeps the line it came
// from, so that an expectation or a bad value can be reported as file:line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "mua/submitter.hpp"
#include "sim/faults.hpp"

namespace smtplab::scenario {

enum class Role {
  Mua,
  Mta,
  Dns,
  RawClient,
  StartTlsStripper,  // an on-path attacker that removes STARTTLS from EHLO replies (lesson 05)
  Reader,            // the recipient's mail program reading with POP3 or IMAP (lesson 08)
};
std::string_view to_string(Role role);

struct HostSpec {
  int line = 0;
  std::string name;
  std::string address;
  Role role = Role::Mta;

  // role = "mua"
  std::string user;         // "alice@a.example"
  std::string submit_to;    // "smtp.a.example:587"

  // role = "mta"
  std::vector<std::string> domains;
  std::vector<std::string> users;
  std::vector<std::string> relay_from;  // addresses or host names allowed to relay
  std::string relay = "closed";         // "closed" | "open"
  std::vector<std::uint16_t> ports;     // default: 25 (and 587 when it has relay_from)
  std::optional<std::uint64_t> message_size_max;
  std::optional<bool> pipelining;
  // TLS and AUTH (RFC 3207, RFC 4954; docs/scenario-format.md). Secure defaults: TLS is
  // offered, outbound deliveries use it when offered, AUTH only inside TLS.
  std::string starttls = "offer";            // "off" | "offer" | "require"
  std::string tls_client = "opportunistic";  // "opportunistic" | "required" | "off"
  std::string certificate = "valid";         // "valid" | "expired" | "self-signed" | "wrong-name"
  bool auth = false;                         // offer AUTH PLAIN/LOGIN
  bool auth_before_tls = false;              // the insecure lesson setting
  std::vector<std::pair<std::string, std::string>> passwords;  // user -> password (hashed at load)
  // Sender authentication on receipt (RFC 7208, RFC 6376, RFC 7489): `mail_auth` lists
  // "spf", "dkim", "dmarc"; a temperror is accepted or deferred (451 4.7.0).
  std::vector<std::string> mail_auth;
  std::string mail_auth_temperror = "accept";  // "accept" | "defer"
  // RFC 6376 §5: sign outbound mail of the host's domain (dkim_sign = { ... }).
  struct DkimSign {
    int line = 0;
    std::string domain;        // default: the host's first domain
    std::string selector;      // required
    std::string key_pem;       // default: generated from the seed
    unsigned key_bits = 2048;  // for a generated key
    std::string canonicalization = "relaxed/relaxed";  // header/body (RFC 6376 §3.4)
    std::vector<std::string> headers;  // h=; default: RFC 6376 §5.4.1's list
    bool publish = true;       // add <selector>._domainkey.<domain> TXT to the zones
  };
  std::optional<DkimSign> dkim_sign;
  // POP3 (RFC 1939, port 110) and IMAP (RFC 3501, port 143) over the MDA's mail store.
  bool pop3 = false;
  bool imap = false;

  // role = "mua" (also: password, mua_starttls)
  std::string password;                     // AUTH when set
  // key `auth_mechanism`: "" (PLAIN if offered, else LOGIN) | "plain" | "login" |
  // "scram-sha-256" (RFC 7677: the password never crosses the wire)
  std::string mua_auth_mechanism;
  std::string mua_starttls = "opportunistic";  // key `starttls`: "require" | "opportunistic" | "off"

  // role = "starttls-stripper"
  std::string upstream;                     // "mx.b.example:25": where it relays to

  // role = "raw-client"
  std::string connect;                  // "mx.b.example:25"
  std::vector<std::string> script;
  bool script_pipelining = false;
  TimeMs at_ms = 0;                     // when it connects, from the start

  // role = "reader": [[host.read]] sessions, each at its own time.
  struct ReadSpec {
    int line = 0;
    std::string protocol;                 // "pop3" | "imap"
    std::string server;                   // "mail.b.example" (port 110/143) or host:port
    std::string user;
    std::string password;
    std::vector<std::string> actions;     // checked by pop3::/imap::parse_action at load
    std::string starttls = "require";     // "require" | "opportunistic" | "off"
    TimeMs at_ms = 0;
    std::optional<TimeMs> idle_max_ms;
  };
  std::vector<ReadSpec> reads;
};

struct DnsRecordSpec {
  int line = 0;
  std::string name;
  std::string type;   // A, AAAA, MX, TXT, PTR, CNAME
  std::string value;  // presentation form: "192.0.2.1", "10 mx.b.example", "v=spf1 -all"
};

struct SendSpec {
  int line = 0;
  TimeMs at_ms = 0;
  std::string from_host;  // the MUA host that sends (default: the MUA whose user is `from`)
  mua::Draft draft;
};

enum class ExpectKind { Mailbox, Replies, QueueEmpty, Queued, Reader };

struct ExpectSpec {
  int line = 0;
  ExpectKind kind = ExpectKind::Mailbox;
  // Mailbox
  std::string mailbox;                  // "bob@b.example"
  std::string folder = "INBOX";
  std::optional<std::size_t> count;     // exact number of messages
  std::vector<std::pair<std::string, std::string>> headers;  // name -> glob, all must match one message
  std::string body;                     // glob the body of that message must match
  // Replies: each of these must appear as the start of some smtp_reply's first line
  std::vector<std::string> replies;
  std::string host;                     // for Replies: only replies sent by this host; QueueEmpty/Queued: the MTA
  // Reader (`reader = "bob-pc"`): its sessions (of `protocol`, when given) retrieved this
  // many messages in all, and saw this many arrivals while in IDLE.
  std::string protocol;
  std::optional<std::size_t> retrieved;
  std::optional<std::size_t> idle_news;
};

struct Scenario {
  std::string source;        // the file as given
  std::string title;
  std::string description;
  std::uint64_t seed = 1;
  bool auto_dns = true;      // add A and PTR records for every host
  TimeMs duration_ms = 0;    // how long to simulate at most (default: see loader)
  std::vector<HostSpec> hosts;
  std::vector<DnsRecordSpec> dns;
  std::vector<SendSpec> sends;
  std::vector<ExpectSpec> expects;
  // [[fault]] entries (docs/scenario-format.md), already checked; `fault_lines[i]` is
  // the line of the entry behind faults.<list>[...] in the order they were written.
  sim::FaultOptions faults;
  std::vector<int> fault_lines;
};

}  // namespace smtplab::scenario
