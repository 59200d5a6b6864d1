// scenario/loader.cpp — TOML -> Scenario, with every error located (file:line).
#include "scenario/loader.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <toml++/toml.h>

#include "imap/client_session.hpp"
#include "mta/fault_policy.hpp"
#include "pop3/client_session.hpp"

namespace smtplab::scenario {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::Mua: return "mua";
    case Role::Mta: return "mta";
    case Role::Dns: return "dns";
    case Role::RawClient: return "raw-client";
    case Role::StartTlsStripper: return "starttls-stripper";
    case Role::Reader: return "reader";
  }
  return "unknown";
}

std::optional<TimeMs> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc() || ptr != text.data() + digits) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  long long scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s" || unit.empty()) scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit == "d") scale = 86'400'000;
  else return std::nullopt;
  if (value > (1LL << 40)) return std::nullopt;  // absurdly long: over 34 years in ms
  return value * scale;
}

namespace {

// Thrown inside the loader only; becomes LoadResult::error.
struct LoadError : std::runtime_error {
  LoadError(int line, const std::string& what) : std::runtime_error(what), line(line) {}
  int line;
};

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

[[noreturn]] void fail(const toml::node& node, const std::string& what) { throw LoadError(line_of(node), what); }

// Unknown keys are errors: a typo ("submitto") must not be silently ignored.
void check_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                const std::string& where) {
  for (const auto& [key, value] : table) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(value, "unknown key '" + std::string(key.str()) + "' in " + where + " (allowed: " + list + ")");
    }
  }
}

std::string get_string(const toml::table& table, std::string_view key, const std::string& where,
                       bool required, const toml::node& context) {
  const toml::node* node = table.get(key);
  if (node == nullptr) {
    if (required) fail(context, where + " needs '" + std::string(key) + "'");
    return {};
  }
  if (!node->is_string()) fail(*node, "'" + std::string(key) + "' in " + where + " must be a string");
  return std::string(*node->value<std::string>());
}

std::vector<std::string> get_strings(const toml::table& table, std::string_view key,
                                     const std::string& where) {
  std::vector<std::string> out;
  const toml::node* node = table.get(key);
  if (node == nullptr) return out;
  if (node->is_string()) {  // a single string is accepted for a list of one
    out.push_back(std::string(*node->value<std::string>()));
    return out;
  }
  const toml::array* array = node->as_array();
  if (array == nullptr) fail(*node, "'" + std::string(key) + "' in " + where + " must be a list of strings");
  for (const auto& item : *array) {
    if (!item.is_string()) fail(item, "'" + std::string(key) + "' in " + where + " must contain only strings");
    out.push_back(std::string(*item.value<std::string>()));
  }
  return out;
}

TimeMs get_duration(const toml::table& table, std::string_view key, const std::string& where) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return 0;
  if (node->is_integer()) return *node->value<std::int64_t>() * 1000;
  if (node->is_string()) {
    if (auto d = parse_duration(*node->value<std::string>())) return *d;
  }
  fail(*node, "'" + std::string(key) + "' in " + where +
                  " must be a duration such as \"0s\", \"1500ms\", \"30m\", \"2h\" or \"6d\"");
}

std::optional<bool> get_bool(const toml::table& table, std::string_view key, const std::string& where) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (!node->is_boolean()) fail(*node, "'" + std::string(key) + "' in " + where + " must be true or false");
  return *node->value<bool>();
}

bool looks_like_ipv4(std::string_view text) {
  int parts = 0;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    if (j == i || j - i > 3) return false;
    int value = 0;
    std::from_chars(text.data() + i, text.data() + j, value);
    if (value > 255) return false;
    ++parts;
    if (j == text.size()) break;
    if (text[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4;
}

// A string that must be one of `choices`; absent keys are the caller's business.
std::string get_choice(const toml::table& table, std::string_view key, const std::string& where,
                       std::initializer_list<std::string_view> choices) {
  const std::string value = get_string(table, key, where, false, table);
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return value;
  std::string list;
  for (auto c : choices) list += (list.empty() ? "\"" : ", \"") + std::string(c) + "\"";
  fail(*table.get(key), where + ": " + std::string(key) + " must be one of " + list);
}

// The TLS and AUTH keys of an MTA (RFC 3207, RFC 4954). Passwords stay in the clear here
// only until the world hashes them (smtp::hash_password); they are never traced.
void load_tls_and_auth(const toml::table& table, const std::string& hw, HostSpec& host) {
  if (table.contains("starttls")) host.starttls = get_choice(table, "starttls", hw, {"off", "offer", "require"});
  if (table.contains("tls_client"))
    host.tls_client = get_choice(table, "tls_client", hw, {"opportunistic", "required", "off"});
  if (table.contains("certificate"))
    host.certificate = get_choice(table, "certificate", hw, {"valid", "expired", "self-signed", "wrong-name"});
  host.auth = get_bool(table, "auth", hw).value_or(false);
  host.auth_before_tls = get_bool(table, "auth_before_tls", hw).value_or(false);
  auto add_password = [&](const toml::node& where_node, std::string user, std::string password) {
    if (user.empty() || password.empty()) fail(where_node, hw + ": a user needs a name and a password");
    for (const auto& [known, unused] : host.passwords)
      if (known == user) fail(where_node, hw + ": user '" + user + "' has two passwords");
    host.passwords.emplace_back(std::move(user), std::move(password));
  };
  if (const toml::node* node = table.get("passwords")) {
    const toml::table* passwords = node->as_table();
    if (passwords == nullptr) fail(*node, hw + ": passwords is a table, e.g. passwords = { alice = \"secret\" }");
    for (const auto& [user, password] : *passwords) {
      if (!password.is_string()) fail(password, hw + ": passwords are strings");
      add_password(password, std::string(user.str()), std::string(*password.value<std::string>()));
    }
  }
  if (const toml::node* node = table.get("user")) {
    // [[host.user]] name = "alice", password = "..."
    const toml::array* users = node->as_array();
    if (users == nullptr) fail(*node, hw + ": users with passwords are written [[host.user]]");
    for (const auto& item : *users) {
      const toml::table* user = item.as_table();
      if (user == nullptr) fail(item, hw + ": [[host.user]] entries are tables");
      check_keys(*user, {"name", "password"}, hw + " [[host.user]]");
      add_password(item, get_string(*user, "name", hw + " [[host.user]]", true, *user),
                   get_string(*user, "password", hw + " [[host.user]]", true, *user));
    }
  }
  // A user with a password is a local mailbox too.
  for (const auto& [user, unused] : host.passwords)
    if (std::find(host.users.begin(), host.users.end(), user) == host.users.end()) host.users.push_back(user);
}

// Sender authentication (docs/scenario-format.md): which checks run on receipt, and
// how the host signs its own mail.
void load_mail_auth(const toml::table& table, const std::string& hw, HostSpec& host) {
  host.mail_auth = get_strings(table, "mail_auth", hw);
  for (const auto& check : host.mail_auth)
    if (check != "spf" && check != "dkim" && check != "dmarc")
      fail(*table.get("mail_auth"), hw + ": mail_auth lists \"spf\", \"dkim\" and \"dmarc\", not \"" + check + "\"");
  if (table.contains("mail_auth_temperror"))
    host.mail_auth_temperror = get_choice(table, "mail_auth_temperror", hw, {"accept", "defer"});
  const toml::node* node = table.get("dkim_sign");
  if (node == nullptr) return;
  const toml::table* sign = node->as_table();
  if (sign == nullptr) fail(*node, hw + ": dkim_sign is a table, e.g. dkim_sign = { selector = \"s1\" }");
  const std::string where = hw + " dkim_sign";
  check_keys(*sign, {"domain", "selector", "key", "key_bits", "canonicalization", "headers", "publish"}, where);
  HostSpec::DkimSign spec;
  spec.line = line_of(*node);
  spec.selector = get_string(*sign, "selector", where, true, *node);
  spec.domain = get_string(*sign, "domain", where, false, *node);
  if (spec.domain.empty()) {
    if (host.domains.empty()) fail(*node, where + ": needs 'domain' (the host has no domains)");
    spec.domain = host.domains.front();
  }
  spec.key_pem = get_string(*sign, "key", where, false, *node);
  if (const toml::node* bits = sign->get("key_bits")) {
    const auto value = bits->value<std::int64_t>();
    if (!value || *value < 1024 || *value > 4096)
      fail(*bits, where + ": key_bits is from 1024 (RFC 8301 §3.2) to 4096");
    spec.key_bits = static_cast<unsigned>(*value);
  }
  if (sign->contains("canonicalization"))
    spec.canonicalization = get_choice(*sign, "canonicalization", where,
                                       {"relaxed/relaxed", "relaxed/simple", "simple/relaxed", "simple/simple"});
  spec.headers = get_strings(*sign, "headers", where);
  spec.publish = get_bool(*sign, "publish", where).value_or(true);
  host.dkim_sign = std::move(spec);
}

// role = "reader": [[host.read]] sessions. Every action is checked here with the
// engine's own parser, so a typo is reported as file:line before anything runs.
void load_reads(const toml::table& table, const std::string& hw, HostSpec& host) {
  const toml::node* node = table.get("read");
  const toml::array* reads = node != nullptr ? node->as_array() : nullptr;
  if (reads == nullptr || reads->empty()) fail(node != nullptr ? *node : table, hw + ": a reader needs [[host.read]] sessions");
  for (const auto& item : *reads) {
    const toml::table* read = item.as_table();
    if (read == nullptr) fail(item, hw + ": [[host.read]] entries are tables");
    const std::string where = hw + " [[host.read]]";
    check_keys(*read, {"protocol", "server", "user", "password", "actions", "starttls", "at", "idle_max"}, where);
    HostSpec::ReadSpec spec;
    spec.line = line_of(item);
    spec.protocol = get_choice(*read, "protocol", where, {"pop3", "imap"});
    spec.server = get_string(*read, "server", where, true, *read);
    spec.user = get_string(*read, "user", where, true, *read);
    spec.password = get_string(*read, "password", where, true, *read);
    spec.actions = get_strings(*read, "actions", where);
    for (const auto& text : spec.actions) {
      std::string error;
      const bool ok = spec.protocol == "pop3" ? pop3::parse_action(text, &error).has_value()
                                              : imap::parse_action(text, &error).has_value();
      if (!ok) fail(*read->get("actions"), where + ": " + error);
    }
    if (read->contains("starttls")) spec.starttls = get_choice(*read, "starttls", where, {"require", "opportunistic", "off"});
    spec.at_ms = get_duration(*read, "at", where);
    if (read->contains("idle_max")) spec.idle_max_ms = get_duration(*read, "idle_max", where);
    host.reads.push_back(std::move(spec));
  }
}

HostSpec load_host(const toml::table& table, std::size_t index) {
  const std::string where = "[[host]] #" + std::to_string(index + 1);
  HostSpec host;
  host.line = line_of(table);
  host.name = get_string(table, "name", where, true, table);
  const std::string hw = "host '" + host.name + "'";
  host.address = get_string(table, "address", hw, true, table);
  if (!looks_like_ipv4(host.address) && host.address.find(':') == std::string::npos)
    fail(*table.get("address"), hw + ": '" + host.address + "' is not an IPv4 or IPv6 address");
  const std::string role = get_string(table, "role", hw, true, table);
  if (role == "mua") host.role = Role::Mua;
  else if (role == "mta") host.role = Role::Mta;
  else if (role == "dns") host.role = Role::Dns;
  else if (role == "raw-client") host.role = Role::RawClient;
  else if (role == "starttls-stripper") host.role = Role::StartTlsStripper;
  else if (role == "reader") host.role = Role::Reader;
  else fail(*table.get("role"), hw + ": unknown role '" + role +
                                    "' (one of mua, mta, dns, raw-client, starttls-stripper, reader)");

  switch (host.role) {
    case Role::Mua:
      check_keys(table, {"name", "address", "role", "user", "submit_to", "password", "starttls", "auth_mechanism"}, hw);
      host.user = get_string(table, "user", hw, true, table);
      host.submit_to = get_string(table, "submit_to", hw, true, table);
      host.password = get_string(table, "password", hw, false, table);
      if (table.contains("starttls"))
        host.mua_starttls = get_choice(table, "starttls", hw, {"require", "opportunistic", "off"});
      // RFC 4954 §4: the SASL mechanism to insist on (smtp::ClientAuth::mechanism).
      if (table.contains("auth_mechanism"))
        host.mua_auth_mechanism = get_choice(table, "auth_mechanism", hw, {"plain", "login", "scram-sha-256"});
      break;
    case Role::Mta: {
      check_keys(table, {"name", "address", "role", "domains", "users", "relay_from", "relay", "ports",
                         "message_size_max", "pipelining", "starttls", "tls_client", "certificate", "auth",
                         "auth_before_tls", "passwords", "user", "mail_auth", "mail_auth_temperror", "dkim_sign", "pop3", "imap"},
                 hw);
      host.domains = get_strings(table, "domains", hw);
      host.users = get_strings(table, "users", hw);
      host.relay_from = get_strings(table, "relay_from", hw);
      if (table.contains("relay")) {
        host.relay = get_string(table, "relay", hw, false, table);
        if (host.relay != "closed" && host.relay != "open")
          fail(*table.get("relay"), hw + ": relay must be \"closed\" or \"open\"");
      }
      if (const toml::node* ports = table.get("ports")) {
        const toml::array* array = ports->as_array();
        if (array == nullptr) fail(*ports, hw + ": ports must be a list of numbers");
        for (const auto& p : *array) {
          const auto value = p.value<std::int64_t>();
          if (!value || *value < 1 || *value > 65535) fail(p, hw + ": a port is a number from 1 to 65535");
          host.ports.push_back(static_cast<std::uint16_t>(*value));
        }
      }
      if (const toml::node* size = table.get("message_size_max")) {
        const auto value = size->value<std::int64_t>();
        if (!value || *value < 1) fail(*size, hw + ": message_size_max must be a positive number of bytes");
        host.message_size_max = static_cast<std::uint64_t>(*value);
      }
      host.pipelining = get_bool(table, "pipelining", hw);
      load_tls_and_auth(table, hw, host);
      load_mail_auth(table, hw, host);
      host.pop3 = get_bool(table, "pop3", hw).value_or(false);
      host.imap = get_bool(table, "imap", hw).value_or(false);
      break;
    }
    case Role::Dns:
      check_keys(table, {"name", "address", "role"}, hw);
      break;
    case Role::StartTlsStripper:
      check_keys(table, {"name", "address", "role", "upstream"}, hw);
      host.upstream = get_string(table, "upstream", hw, true, table);
      break;
    case Role::RawClient:
      check_keys(table, {"name", "address", "role", "connect", "script", "pipelining", "at"}, hw);
      host.connect = get_string(table, "connect", hw, true, table);
      host.script = get_strings(table, "script", hw);
      if (host.script.empty()) fail(table, hw + ": a raw-client needs a non-empty script");
      host.script_pipelining = get_bool(table, "pipelining", hw).value_or(false);
      host.at_ms = get_duration(table, "at", hw);
      break;
    case Role::Reader:
      check_keys(table, {"name", "address", "role", "read"}, hw);
      load_reads(table, hw, host);
      break;
  }
  return host;
}

void load_dns(const toml::table& dns, Scenario& scenario) {
  static constexpr std::string_view types[] = {"A", "AAAA", "MX", "TXT", "PTR", "CNAME"};
  for (const auto& [name_key, node] : dns) {
    const std::string name(name_key.str());
    const toml::table* records = node.as_table();
    if (records == nullptr) fail(node, "[dns] entries are tables: [dns.\"" + name + "\"]");
    for (const auto& [type_key, value] : *records) {
      const std::string type(type_key.str());
      if (std::find(std::begin(types), std::end(types), type) == std::end(types))
        fail(value, "[dns.\"" + name + "\"]: unknown record type '" + type + "' (A, AAAA, MX, TXT, PTR, CNAME)");
      auto add = [&](const toml::node& item, std::string text) {
        scenario.dns.push_back({line_of(item), name, type, std::move(text)});
      };
      auto add_item = [&](const toml::node& item) {
        if (type == "MX") {
          // MX = [[10, "mx.b.example"]]: preference, exchange (RFC 1035 §3.3.9)
          const toml::array* pair = item.as_array();
          if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_integer() || !(*pair)[1].is_string())
            fail(item, "[dns.\"" + name + "\"]: MX entries are [preference, \"exchange\"], e.g. [10, \"mx.b.example\"]");
          const auto preference = *(*pair)[0].value<std::int64_t>();
          if (preference < 0 || preference > 65535) fail(item, "MX preference must be 0-65535");
          add(item, std::to_string(preference) + " " + std::string(*(*pair)[1].value<std::string>()));
        } else {
          if (!item.is_string()) fail(item, "[dns.\"" + name + "\"]: " + type + " values are strings");
          add(item, std::string(*item.value<std::string>()));
        }
      };
      if (const toml::array* array = value.as_array(); array != nullptr && !(type == "MX" && !array->empty() && (*array)[0].is_integer())) {
        for (const auto& item : *array) add_item(item);
      } else {
        add_item(value);
      }
    }
  }
}

SendSpec load_send(const toml::table& table, std::size_t index) {
  const std::string where = "[[send]] #" + std::to_string(index + 1);
  check_keys(table, {"at", "from_host", "from", "to", "cc", "bcc", "subject", "body"}, where);
  SendSpec send;
  send.line = line_of(table);
  send.at_ms = get_duration(table, "at", where);
  send.from_host = get_string(table, "from_host", where, false, table);
  send.draft.from = get_string(table, "from", where, true, table);
  send.draft.to = get_strings(table, "to", where);
  send.draft.cc = get_strings(table, "cc", where);
  send.draft.bcc = get_strings(table, "bcc", where);
  if (send.draft.to.empty() && send.draft.cc.empty() && send.draft.bcc.empty())
    fail(table, where + " needs at least one recipient in 'to', 'cc' or 'bcc'");
  send.draft.subject = get_string(table, "subject", where, false, table);
  send.draft.body = get_string(table, "body", where, false, table);
  return send;
}

ExpectSpec load_expect(const toml::table& table, std::size_t index) {
  const std::string where = "[[expect]] #" + std::to_string(index + 1);
  check_keys(table, {"mailbox", "folder", "count", "header", "body", "replies", "host", "queue_empty", "queued",
                     "reader", "protocol", "retrieved", "idle_news"},
             where);
  ExpectSpec expect;
  expect.line = line_of(table);
  const int kinds = table.contains("mailbox") + table.contains("replies") + table.contains("queue_empty") +
                    table.contains("queued") + table.contains("reader");
  if (kinds != 1)
    fail(table, where + " needs exactly one of 'mailbox', 'replies', 'queue_empty', 'queued' or 'reader'");
  if ((table.contains("retrieved") || table.contains("idle_news") || table.contains("protocol")) &&
      !table.contains("reader"))
    fail(table, where + ": retrieved, idle_news and protocol go with 'reader'");
  if (table.contains("count") && !table.contains("mailbox") && !table.contains("queued"))
    fail(*table.get("count"), where + ": count goes with 'mailbox' or 'queued'");
  if (table.contains("mailbox")) {
    expect.kind = ExpectKind::Mailbox;
    expect.mailbox = get_string(table, "mailbox", where, true, table);
    if (table.contains("folder")) expect.folder = get_string(table, "folder", where, false, table);
    if (const toml::node* count = table.get("count")) {
      const auto value = count->value<std::int64_t>();
      if (!value || *value < 0) fail(*count, where + ": count must be a number >= 0");
      expect.count = static_cast<std::size_t>(*value);
    }
    if (const toml::node* header = table.get("header")) {
      const toml::table* headers = header->as_table();
      if (headers == nullptr) fail(*header, where + ": header is a table, e.g. header = { Subject = \"Lunch*\" }");
      for (const auto& [name, glob] : *headers) {
        if (!glob.is_string()) fail(glob, where + ": header patterns are strings");
        expect.headers.emplace_back(std::string(name.str()), std::string(*glob.value<std::string>()));
      }
    }
    expect.body = get_string(table, "body", where, false, table);
  } else if (table.contains("reader")) {
    // What a reader's sessions achieved (docs/scenario-format.md).
    expect.kind = ExpectKind::Reader;
    expect.host = get_string(table, "reader", where, true, table);
    if (table.contains("protocol")) expect.protocol = get_choice(table, "protocol", where, {"pop3", "imap"});
    for (const char* key : {"retrieved", "idle_news"})
      if (const toml::node* count = table.get(key)) {
        const auto value = count->value<std::int64_t>();
        if (!value || *value < 0) fail(*count, where + ": " + key + " must be a number >= 0");
        (std::string_view(key) == "retrieved" ? expect.retrieved : expect.idle_news) = static_cast<std::size_t>(*value);
      }
  } else if (table.contains("replies")) {
    expect.kind = ExpectKind::Replies;
    expect.replies = get_strings(table, "replies", where);
    expect.host = get_string(table, "host", where, false, table);
  } else if (table.contains("queued")) {
    // The message is still waiting in that MTA's queue at the end (a 4xx, retried later).
    expect.kind = ExpectKind::Queued;
    expect.host = get_string(table, "queued", where, true, table);
    if (const toml::node* count = table.get("count")) {
      const auto value = count->value<std::int64_t>();
      if (!value || *value < 1) fail(*count, where + ": count must be a number >= 1");
      expect.count = static_cast<std::size_t>(*value);
    }
  } else {
    expect.kind = ExpectKind::QueueEmpty;
    expect.host = get_string(table, "queue_empty", where, true, table);
  }
  return expect;
}

// [[fault]]: one injected fault (sim/faults.hpp). Probabilities are written as
// fractions (0.05) and stored per million, so that the simulator draws integers only.
void load_fault(const toml::table& table, std::size_t index, Scenario& scenario) {
  const std::string where = "[[fault]] #" + std::to_string(index + 1);
  const std::string kind = get_string(table, "kind", where, true, table);
  auto fraction = [&](std::string_view key) -> std::uint32_t {
    const toml::node* node = table.get(key);
    if (node == nullptr) return 0;
    const auto value = node->value<double>();
    if (!value || !(*value >= 0.0 && *value <= 1.0))
      fail(*node, where + ": '" + std::string(key) + "' is a probability from 0 to 1, e.g. 0.05");
    return static_cast<std::uint32_t>(*value * sim::per_million + 0.5);
  };
  auto count = [&](std::string_view key) -> std::uint32_t {
    const toml::node* node = table.get(key);
    if (node == nullptr) return 0;
    const auto value = node->value<std::int64_t>();
    if (!value || *value < 0 || *value > 1'000'000'000)
      fail(*node, where + ": '" + std::string(key) + "' must be a number >= 0");
    return static_cast<std::uint32_t>(*value);
  };
  sim::FaultOptions& faults = scenario.faults;
  if (kind == "host_down") {
    check_keys(table, {"kind", "host", "from", "until"}, where);
    sim::HostDown down{get_string(table, "host", where, true, table), get_duration(table, "from", where),
                       get_duration(table, "until", where)};
    if (down.until_ms <= down.from_ms) fail(table, where + ": 'until' must be later than 'from'");
    faults.host_down.push_back(std::move(down));
  } else if (kind == "crash") {
    check_keys(table, {"kind", "host", "at", "restart_after"}, where);
    sim::HostCrash crash{get_string(table, "host", where, true, table), get_duration(table, "at", where),
                         get_duration(table, "restart_after", where)};
    if (crash.restart_after_ms <= 0) fail(table, where + ": a crash needs 'restart_after', e.g. \"10m\"");
    faults.crashes.push_back(std::move(crash));
  } else if (kind == "link") {
    check_keys(table, {"kind", "host", "extra_delay", "loss"}, where);
    sim::LinkFault link{get_string(table, "host", where, false, table), get_duration(table, "extra_delay", where),
                        fraction("loss")};
    if (link.extra_delay_ms == 0 && link.loss_per_million == 0)
      fail(table, where + ": a link fault needs 'extra_delay' or 'loss'");
    faults.links.push_back(std::move(link));
  } else if (kind == "refuse" || kind == "reset") {
    check_keys(table, {"kind", "host", "port", "after_bytes", "first_attempts"}, where);
    sim::ConnectionFault connection;
    connection.host = get_string(table, "host", where, true, table);
    if (const toml::node* port = table.get("port")) {
      const auto value = port->value<std::int64_t>();
      if (!value || *value < 0 || *value > 65535) fail(*port, where + ": port is a number from 0 (all) to 65535");
      connection.port = static_cast<std::uint16_t>(*value);
    }
    connection.refuse = kind == "refuse";
    connection.first_attempts = count("first_attempts");
    if (kind == "reset") {
      connection.reset_after_bytes = count("after_bytes");
      if (connection.reset_after_bytes == 0) fail(table, where + ": a reset needs 'after_bytes' >= 1");
    } else if (table.contains("after_bytes")) {
      fail(*table.get("after_bytes"), where + ": 'after_bytes' belongs to kind = \"reset\"");
    }
    faults.connections.push_back(std::move(connection));
  } else if (kind == "dns") {
    check_keys(table, {"kind", "host", "name", "answer", "first_attempts"}, where);
    sim::DnsFault dns;
    dns.server = get_string(table, "host", where, false, table);
    dns.name = get_string(table, "name", where, false, table);
    const std::string answer = get_string(table, "answer", where, true, table);
    if (answer == "servfail") dns.kind = sim::DnsFaultKind::ServFail;
    else if (answer == "timeout") dns.kind = sim::DnsFaultKind::Timeout;
    else if (answer == "nxdomain") dns.kind = sim::DnsFaultKind::NxDomain;
    else fail(*table.get("answer"), where + ": answer is one of servfail, timeout, nxdomain");
    dns.first_attempts = count("first_attempts");
    if (dns.kind == sim::DnsFaultKind::NxDomain && (dns.first_attempts != 0 || dns.name.empty()))
      fail(table, where + ": nxdomain needs a 'name' and holds for the whole run (no first_attempts)");
    faults.dns.push_back(std::move(dns));
  } else if (kind == "reply") {
    check_keys(table, {"kind", "host", "stage", "reply", "first_attempts", "probability"}, where);
    sim::ReplyFault reply;
    reply.host = get_string(table, "host", where, true, table);
    reply.stage = get_string(table, "stage", where, true, table);
    const auto stage = mta::parse_fault_stage(reply.stage);
    if (!stage)
      fail(*table.get("stage"), where + ": stage is one of connect, ehlo, mail, rcpt, data, dot (end of data)");
    reply.reply = get_string(table, "reply", where, true, table);
    if (!mta::parse_fault_reply(reply.reply))
      fail(*table.get("reply"), where + ": reply must be a 4yz or 5yz reply such as \"450 4.7.1 Greylisted\"");
    reply.first_attempts = count("first_attempts");
    reply.probability_per_million = fraction("probability");
    if (reply.first_attempts != 0 && reply.probability_per_million != 0)
      fail(table, where + ": give 'first_attempts' or 'probability', not both");
    faults.replies.push_back(std::move(reply));
  } else if (kind == "tls") {
    // The server's side of STARTTLS goes wrong (sim/faults.hpp TlsFault).
    check_keys(table, {"kind", "host", "failure", "first_attempts", "probability"}, where);
    sim::TlsFault tls;
    tls.host = get_string(table, "host", where, true, table);
    const std::string failure = get_string(table, "failure", where, true, table);
    if (failure == "handshake_failure") tls.kind = sim::TlsFaultKind::HandshakeFailure;
    else if (failure == "bad_certificate") tls.kind = sim::TlsFaultKind::BadCertificate;
    else fail(*table.get("failure"), where + ": failure is one of handshake_failure, bad_certificate");
    tls.first_attempts = count("first_attempts");
    tls.probability_per_million = fraction("probability");
    if (tls.first_attempts != 0 && tls.probability_per_million != 0)
      fail(table, where + ": give 'first_attempts' or 'probability', not both");
    faults.tls.push_back(std::move(tls));
  } else {
    fail(*table.get("kind"), where + ": unknown kind '" + kind +
                                 "' (host_down, crash, link, refuse, reset, dns, reply, tls)");
  }
  scenario.fault_lines.push_back(line_of(table));
}

Scenario load(const toml::table& root, const std::string& source) {
  check_keys(root, {"scenario", "host", "dns", "send", "expect", "fault"}, "the scenario file");
  Scenario scenario;
  scenario.source = source;
  scenario.duration_ms = scenario_duration_default_ms;
  const toml::node* meta_node = root.get("scenario");
  if (meta_node == nullptr || !meta_node->is_table()) throw LoadError(1, "the file needs a [scenario] table with a title");
  const toml::table& meta = *meta_node->as_table();
  check_keys(meta, {"title", "description", "seed", "auto_dns", "duration"}, "[scenario]");
  scenario.title = get_string(meta, "title", "[scenario]", true, meta);
  scenario.description = get_string(meta, "description", "[scenario]", false, meta);
  if (const toml::node* seed = meta.get("seed")) {
    const auto value = seed->value<std::int64_t>();
    if (!value || *value < 0) fail(*seed, "[scenario] seed must be a number >= 0");
    scenario.seed = static_cast<std::uint64_t>(*value);
  }
  scenario.auto_dns = get_bool(meta, "auto_dns", "[scenario]").value_or(true);
  if (meta.contains("duration")) scenario.duration_ms = get_duration(meta, "duration", "[scenario]");

  auto each_table = [&](std::string_view key, auto&& fn) {
    const toml::node* node = root.get(key);
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    if (array == nullptr) fail(*node, "'" + std::string(key) + "' must be written [[" + std::string(key) + "]]");
    std::size_t i = 0;
    for (const auto& item : *array) {
      const toml::table* table = item.as_table();
      if (table == nullptr) fail(item, "'" + std::string(key) + "' entries must be tables: [[" + std::string(key) + "]]");
      fn(*table, i++);
    }
  };
  each_table("host", [&](const toml::table& t, std::size_t i) { scenario.hosts.push_back(load_host(t, i)); });
  if (const toml::node* dns = root.get("dns")) {
    if (!dns->is_table()) fail(*dns, "[dns] must be a table of names");
    load_dns(*dns->as_table(), scenario);
  }
  each_table("send", [&](const toml::table& t, std::size_t i) { scenario.sends.push_back(load_send(t, i)); });
  each_table("expect", [&](const toml::table& t, std::size_t i) { scenario.expects.push_back(load_expect(t, i)); });
  each_table("fault", [&](const toml::table& t, std::size_t i) { load_fault(t, i, scenario); });

  // Cross-checks: names and addresses are unique, references point somewhere.
  std::set<std::string> names, addresses;
  for (const auto& host : scenario.hosts) {
    if (!names.insert(host.name).second) throw LoadError(host.line, "two hosts are named '" + host.name + "'");
    if (!addresses.insert(host.address).second)
      throw LoadError(host.line, "two hosts have the address " + host.address);
  }
  const int dns_hosts = static_cast<int>(std::count_if(scenario.hosts.begin(), scenario.hosts.end(),
                                                       [](const HostSpec& h) { return h.role == Role::Dns; }));
  if (dns_hosts > 1) throw LoadError(1, "at most one host may have role = \"dns\"");
  // Every host a fault names must exist (a typo would make the fault silently vanish).
  {
    std::vector<std::string> named;  // in the order load_fault saw them, per list
    const sim::FaultOptions& f = scenario.faults;
    for (const auto& x : f.host_down) named.push_back(x.host);
    for (const auto& x : f.crashes) named.push_back(x.host);
    for (const auto& x : f.links) named.push_back(x.host);
    for (const auto& x : f.connections) named.push_back(x.host);
    for (const auto& x : f.dns) named.push_back(x.server);
    for (const auto& x : f.replies) named.push_back(x.host);
    for (const auto& x : f.tls) named.push_back(x.host);
    for (const auto& name : named) {
      if (name.empty() || names.contains(name)) continue;
      int line = scenario.fault_lines.empty() ? 1 : scenario.fault_lines.front();  // refined below
      if (const toml::node* node = root.get("fault"); node != nullptr && node->is_array())
        for (const auto& item : *node->as_array())
          if (const toml::table* t = item.as_table(); t != nullptr && t->get("host") != nullptr &&
                                                      t->get("host")->value<std::string>() == name) {
            line = line_of(*t->get("host"));
            break;
          }
      throw LoadError(line, "[[fault]]: no host named '" + name + "' in this scenario");
    }
  }
  for (const auto& send : scenario.sends) {
    if (send.from_host.empty()) continue;
    auto it = std::find_if(scenario.hosts.begin(), scenario.hosts.end(),
                           [&](const HostSpec& h) { return h.name == send.from_host; });
    if (it == scenario.hosts.end() || it->role != Role::Mua)
      throw LoadError(send.line, "from_host '" + send.from_host + "' is not a host with role = \"mua\"");
  }
  for (const auto& send : scenario.sends) {
    if (!send.from_host.empty()) continue;
    const bool any_mua = std::any_of(scenario.hosts.begin(), scenario.hosts.end(),
                                     [](const HostSpec& h) { return h.role == Role::Mua; });
    if (!any_mua) throw LoadError(send.line, "[[send]] needs a host with role = \"mua\" to send from");
  }
  return scenario;
}

}  // namespace

LoadResult load_scenario_text(std::string_view text, const std::string& source_name) {
  LoadResult result;
  try {
    toml::table root = toml::parse(text, source_name);
    result.scenario = load(root, source_name);
  } catch (const toml::parse_error& e) {
    result.error = source_name + ":" + std::to_string(e.source().begin.line) + ": " +
                   std::string(e.description());
  } catch (const LoadError& e) {
    result.error = source_name + ":" + std::to_string(e.line) + ": " + e.what();
  }
  return result;
}

LoadResult load_scenario_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.error = path + ": cannot open the file";
    return result;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return load_scenario_text(buffer.str(), path);
}

}  // namespace smtplab::scenario
