// dns/zone.cpp — zone storage, the RFC 1034 §4.3.2 lookup and the one-line parser.
//
// Standards: RFC 1034 §3.6.2, §4.3.2; RFC 2308 §1-§3, §5; RFC 8020 §2; RFC 4343 §3;
//            RFC 2181 §5; RFC 1035 §5.1; RFC 7505.
//
// Names are keyed by canonical_name() (lower-case, no final dot), so lookups ignore
// case (RFC 4343 §3) while records keep the spelling they were given.
#include "dns/zone.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace smtplab::dns {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Splits off the first whitespace-separated token.
std::string_view next_token(std::string_view& rest) {
  rest = trim(rest);
  std::size_t end = 0;
  while (end < rest.size() && !is_space(rest[end])) ++end;
  const std::string_view token = rest.substr(0, end);
  rest = trim(rest.substr(end));
  return token;
}

// The parent of a canonical name ("mx.b.example" -> "b.example"), honouring "\.".
std::optional<std::string> parent_of(const std::string& name) {
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '\\') {
      ++i;  // skip the escaped character (a \DDD's digits are never dots)
      continue;
    }
    if (name[i] == '.') return name.substr(i + 1);
  }
  return std::nullopt;
}

// RFC 1035 §3.3: a <character-string> is at most 255 octets; longer text is split.
constexpr std::size_t character_string_length_max = 255;

void append_split(std::vector<std::string>& strings, const std::string& text) {
  if (text.empty()) {
    strings.push_back(text);
    return;
  }
  for (std::size_t i = 0; i < text.size(); i += character_string_length_max)
    strings.push_back(text.substr(i, character_string_length_max));
}

// RFC 1035 §5.1: quoted character-strings with \X and \DDD escapes, separated by
// white space; or, unquoted, the whole value as one string.
std::optional<std::vector<std::string>> parse_txt_value(std::string_view value, std::string& why) {
  std::vector<std::string> strings;
  if (value.empty() || value.front() != '"') {
    append_split(strings, std::string(value));
    return strings;
  }
  std::size_t i = 0;
  while (i < value.size()) {
    if (is_space(value[i])) {
      ++i;
      continue;
    }
    if (value[i] != '"') {
      why = "text after a quoted string must be another quoted string: \"" + std::string(value.substr(i)) + "\"";
      return std::nullopt;
    }
    ++i;
    std::string text;
    bool closed = false;
    while (i < value.size()) {
      const char c = value[i];
      if (c == '"') {
        closed = true;
        ++i;
        break;
      }
      if (c == '\\') {
        if (i + 1 >= value.size()) break;
        if (value[i + 1] >= '0' && value[i + 1] <= '9') {
          unsigned code = 0;
          for (std::size_t k = 1; k <= 3; ++k) {
            if (i + k >= value.size() || value[i + k] < '0' || value[i + k] > '9') {
              why = "a \\DDD escape needs three digits";
              return std::nullopt;
            }
            code = code * 10 + static_cast<unsigned>(value[i + k] - '0');
          }
          if (code > 255) {
            why = "a \\DDD escape above 255";
            return std::nullopt;
          }
          text += static_cast<char>(code);
          i += 4;
        } else {
          text += value[i + 1];
          i += 2;
        }
        continue;
      }
      text += c;
      ++i;
    }
    if (!closed) {
      why = "a quoted string is not closed";
      return std::nullopt;
    }
    append_split(strings, text);
  }
  return strings;
}

bool valid_name(std::string_view name, std::string& why) {
  std::string reason;
  if (name_labels(name, &reason)) return true;
  why = reason;
  return false;
}

}  // namespace

std::string_view to_string(LookupStatus status) {
  switch (status) {
    case LookupStatus::Answer: return "answer";
    case LookupStatus::NoData: return "nodata";
    case LookupStatus::NxDomain: return "nxdomain";
    case LookupStatus::NotAuthoritative: return "not_authoritative";
    case LookupStatus::CnameLoop: return "cname_loop";
  }
  return "unknown";
}

void Zones::add_zone(std::string apex) {
  const std::string key = canonical_name(apex);
  if (zones_.contains(key)) return;
  if (apex.size() > 1 && apex.back() == '.') apex.pop_back();
  zones_.emplace(key, std::move(apex));
  existing_.insert(key);
}

std::optional<std::string> Zones::add(ResourceRecord record) {
  if (record.klass != class_in) return "only class IN is served, not CLASS" + std::to_string(record.klass);
  if (record.type == RecordType::Any) return "ANY is a question type, not a record type (RFC 1035 §3.2.3)";
  // Whatever we store must be representable on the wire; finding out now, with a
  // reason, is kinder than an exception in the middle of answering a query.
  try {
    Message probe;
    probe.answers.push_back(record);
    (void)encode(probe);
  } catch (const std::invalid_argument& e) {
    return std::string(e.what());
  }
  if (!zone_of(record.name)) add_zone(record.name);
  const std::string key = canonical_name(record.name);
  auto& node = nodes_[key];
  for (const auto& existing : node) {
    // RFC 1034 §3.6.2: "If a CNAME RR is present at a node, no other data should be
    // present; this ensures that the data for a canonical name and its aliases cannot
    // be different."
    if ((existing.type == RecordType::Cname) != (record.type == RecordType::Cname) ||
        (existing.type == RecordType::Cname && record.type == RecordType::Cname && !(existing.data == record.data)))
      return record.name + " cannot hold a CNAME and other data (RFC 1034 §3.6.2)";
    // RFC 2181 §5: an RRset never holds the same record twice; keep the first.
    if (existing.type == record.type && existing.data == record.data) return std::nullopt;
  }
  if (node.empty()) {
    // The owner and every name between it and its apex now exist (RFC 8020 §2: a name
    // with descendants is not NXDOMAIN).
    const std::string apex = canonical_name(*zone_of(record.name));
    std::optional<std::string> name = key;
    while (name && existing_.insert(*name).second && *name != apex) name = parent_of(*name);
  }
  node.push_back(std::move(record));
  return std::nullopt;
}

std::optional<std::string> Zones::add_line(std::string_view line) {
  RecordParse parsed = parse_record_line(line);
  if (!parsed.record) return parsed.why;
  return add(std::move(*parsed.record));
}

std::optional<std::string> Zones::zone_of(std::string_view name) const {
  // The closest enclosing zone: try the name, then each parent up to the root.
  std::string candidate = canonical_name(name);
  for (;;) {
    if (const auto it = zones_.find(candidate); it != zones_.end()) return it->second;
    if (candidate.empty()) return std::nullopt;
    candidate = parent_of(candidate).value_or("");
  }
}

ResourceRecord Zones::soa_of(const std::string& zone_key) const {
  if (const auto it = nodes_.find(zone_key); it != nodes_.end())
    for (const auto& rr : it->second)
      if (rr.type == RecordType::Soa) return rr;
  // Synthesized: the apex names itself as primary and "hostmaster" as the mailbox
  // (RFC 2142 §7), serial 1, and the RFC 2308 §5 negative TTL as MINIMUM.
  const std::string& apex = zones_.at(zone_key);
  ResourceRecord soa;
  soa.name = apex;
  soa.type = RecordType::Soa;
  soa.ttl_s = negative_ttl_default_s;
  soa.data = SoaData{apex, apex.empty() ? "hostmaster" : "hostmaster." + apex, 1, 3600, 600, 604800,
                     negative_ttl_default_s};
  return soa;
}

ZoneAnswer Zones::lookup(std::string_view name, RecordType type) const {
  ZoneAnswer answer;
  const auto zone = zone_of(name);
  answer.canonical_name = std::string(name);
  if (!zone) return answer;  // NotAuthoritative
  answer.zone = *zone;

  std::string current(name);
  std::set<std::string> visited;
  for (;;) {
    const auto current_zone = zone_of(current);
    if (!current_zone) {
      // RFC 1034 §4.3.2 step 3.a: the alias points out of our authority; the CNAME
      // we copied is the whole answer and the asker follows it elsewhere.
      answer.status = LookupStatus::Answer;
      answer.canonical_name = current;
      return answer;
    }
    const std::string key = canonical_name(current);
    const std::string zone_key = canonical_name(*current_zone);
    visited.insert(key);
    const auto node = nodes_.find(key);
    bool found = false;
    if (node != nodes_.end() && !node->second.empty()) {
      const ResourceRecord& first = node->second.front();
      if (first.type == RecordType::Cname && type != RecordType::Cname && type != RecordType::Any) {
        ResourceRecord alias = first;
        alias.name = current;  // keep the spelling that was asked (RFC 4343 §4.1)
        answer.answers.push_back(alias);
        const std::string target = std::get<NameData>(first.data).name;
        if (answer.answers.size() > cname_chain_max || visited.contains(canonical_name(target))) {
          answer.status = LookupStatus::CnameLoop;
          answer.canonical_name = target;
          return answer;
        }
        current = target;
        continue;
      }
      for (const auto& rr : node->second)
        if (rr.type == type || type == RecordType::Any) {
          ResourceRecord copy = rr;
          copy.name = current;
          answer.answers.push_back(std::move(copy));
          found = true;
        }
    }
    // The apex always has an SOA, stored or else synthesized.
    if (key == zone_key && (type == RecordType::Soa || type == RecordType::Any)) {
      bool stored = false;
      if (node != nodes_.end())
        for (const auto& rr : node->second) stored = stored || rr.type == RecordType::Soa;
      if (!stored) answer.answers.push_back(soa_of(zone_key));
      found = true;
    }
    answer.canonical_name = current;
    if (found) {
      answer.status = LookupStatus::Answer;
      return answer;
    }
    // RFC 2308 §1: NODATA "indicates that the name is valid, for the given class, but
    // there are no records of the given type"; NXDOMAIN is RFC 1035 §4.1.1's Name
    // Error: "the domain name referenced in the query does not exist". A name with
    // records below it exists (RFC 8020 §2), even with no records of its own.
    answer.status = existing_.contains(key) ? LookupStatus::NoData : LookupStatus::NxDomain;
    answer.soa = soa_of(zone_key);
    return answer;
  }
}

std::vector<ResourceRecord> Zones::records() const {
  std::vector<ResourceRecord> out;
  for (const auto& [key, node] : nodes_) out.insert(out.end(), node.begin(), node.end());
  return out;
}

std::vector<std::string> Zones::zone_apexes() const {
  std::vector<std::string> out;
  for (const auto& [key, apex] : zones_) out.push_back(apex);
  return out;
}

RecordParse parse_record_line(std::string_view line, std::uint32_t ttl_s) {
  RecordParse result;
  std::string_view rest = trim(line);
  const std::string_view name = next_token(rest);
  if (name.empty()) {
    result.why = "empty line: expected \"name TYPE value\" or \"name value\"";
    return result;
  }
  if (!valid_name(name, result.why)) return result;
  if (rest.empty()) {
    result.why = "\"" + std::string(name) + "\" has no value";
    return result;
  }
  ResourceRecord rr;
  rr.name = std::string(name);
  if (rr.name.size() > 1 && rr.name.back() == '.' && rr.name[rr.name.size() - 2] != '\\') rr.name.pop_back();
  rr.ttl_s = ttl_s;

  // The second token is a type only if it is one of the six we take; anything else
  // starts the value of the short TXT form.
  std::string_view after_type = rest;
  const std::string_view type_token = next_token(after_type);
  const auto type = record_type_from_string(type_token);
  const bool typed = type && (*type == RecordType::A || *type == RecordType::Aaaa || *type == RecordType::Mx ||
                              *type == RecordType::Txt || *type == RecordType::Ptr || *type == RecordType::Cname) &&
                     !type_token.starts_with("TYPE") && !type_token.starts_with("type");
  const std::string_view value = typed ? after_type : rest;
  rr.type = typed ? *type : RecordType::Txt;
  if (value.empty()) {
    result.why = to_string(rr.type) + " record for " + rr.name + " has no value";
    return result;
  }
  switch (rr.type) {
    case RecordType::A:
      if (!ipv4_to_bytes(value)) {
        result.why = "not an IPv4 address (RFC 1035 §3.4.1): \"" + std::string(value) + "\"";
        return result;
      }
      rr.data = AddressV4{std::string(value)};
      break;
    case RecordType::Aaaa: {
      const auto bytes = ipv6_to_bytes(value);
      if (!bytes) {
        result.why = "not an IPv6 address (RFC 4291 §2.2): \"" + std::string(value) + "\"";
        return result;
      }
      rr.data = AddressV6{ipv6_to_text(*bytes)};
      break;
    }
    case RecordType::Mx: {
      std::string_view mx_rest = value;
      const std::string_view preference = next_token(mx_rest);
      unsigned number = 0;
      const auto [ptr, ec] = std::from_chars(preference.data(), preference.data() + preference.size(), number);
      if (ec != std::errc() || ptr != preference.data() + preference.size() || number > 0xFFFF) {
        result.why = "an MX value is \"preference exchange\" with a preference 0-65535 (RFC 1035 §3.3.9): \"" +
                     std::string(value) + "\"";
        return result;
      }
      const std::string_view exchange = next_token(mx_rest);
      if (exchange.empty() || !mx_rest.empty()) {
        result.why = "an MX value is \"preference exchange\", e.g. \"10 mx.b.example\" or the null MX \"0 .\"";
        return result;
      }
      if (!valid_name(exchange, result.why)) return result;
      // The exchange keeps its spelling, without the final dot; "." (the null MX of
      // RFC 7505) becomes the root, "".
      std::string host = exchange == "." ? "" : std::string(exchange);
      if (host.size() > 1 && host.back() == '.') host.pop_back();
      rr.data = MxData{static_cast<std::uint16_t>(number), std::move(host)};
      break;
    }
    case RecordType::Ptr:
    case RecordType::Cname: {
      std::string_view target_rest = value;
      const std::string_view target = next_token(target_rest);
      if (!target_rest.empty()) {
        result.why = to_string(rr.type) + " takes one name, not \"" + std::string(value) + "\"";
        return result;
      }
      if (!valid_name(target, result.why)) return result;
      std::string t(target);
      if (t.size() > 1 && t.back() == '.') t.pop_back();
      rr.data = NameData{t};
      break;
    }
    default: {
      auto strings = parse_txt_value(value, result.why);
      if (!strings) return result;
      rr.data = TxtData{std::move(*strings)};
      break;
    }
  }
  result.record = std::move(rr);
  return result;
}

}  // namespace smtplab::dns
