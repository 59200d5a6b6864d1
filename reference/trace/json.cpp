// trace/json.cpp — writing and reading the "smtplab-trace" JSON format (version 1).
//
// Standards: RFC 8259 (JSON), RFC 3629 (UTF-8), RFC 4648 §4 (base64).
//
// Rules of this file:
// - The writer decides the layout itself (one host, event or expectation per line,
//   keys in the order of docs/trace-format.md) and lets nlohmann::ordered_json format
//   each line, so the output depends only on the document, never on a map's order.
// - The reader never trusts its input: every field is checked for presence and type,
//   and the first problem found is reported with where it is ("event 7: ...").
#include "trace/json.hpp"

#include <array>
#include <cstdint>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/limits.hpp"

namespace smtplab::trace {

using Json = nlohmann::ordered_json;

// [SECTION] UTF-8 and base64 ----------------------------------------------------------

bool is_valid_utf8(std::string_view bytes) {
  // RFC 3629 §4 (the UTF8-octets grammar): each sequence is 1 to 4 octets; the second
  // octet's range depends on the first, which is what rules out overlong forms
  // (E0 80..9F), surrogates (ED A0..BF) and code points above U+10FFFF (F4 90..).
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return false;  // C0, C1, F5..FF never appear; 80..BF cannot start a sequence
    }
    if (i + length > n) return false;
    const auto second = static_cast<unsigned char>(bytes[i + 1]);
    if (second < low || second > high) return false;
    for (std::size_t k = 2; k < length; ++k) {
      const auto next = static_cast<unsigned char>(bytes[i + k]);
      if (next < 0x80 || next > 0xBF) return false;
    }
    i += length;
  }
  return true;
}

namespace {
constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}  // namespace

std::string base64_encode(std::string_view bytes) {
  // RFC 4648 §4: each 3 octets become 4 characters; a final group of 1 or 2 octets is
  // padded with "==" or "=".
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  while (i + 3 <= bytes.size()) {
    const std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                            (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                            static_cast<unsigned char>(bytes[i + 2]);
    out += base64_alphabet[(v >> 18) & 63];
    out += base64_alphabet[(v >> 12) & 63];
    out += base64_alphabet[(v >> 6) & 63];
    out += base64_alphabet[v & 63];
    i += 3;
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    out += base64_alphabet[(v >> 18) & 63];
    out += base64_alphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                            (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += base64_alphabet[(v >> 18) & 63];
    out += base64_alphabet[(v >> 12) & 63];
    out += base64_alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // RFC 4648 §4 with §3.3: characters outside the alphabet are an error (we do not
  // skip line breaks: our writer never emits them), and the length is a multiple of 4.
  if (text.size() % 4 != 0) return std::nullopt;
  auto value_of = [](char c) -> int {
    const auto pos = base64_alphabet.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
  };
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int padding = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++padding;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after '='
      v[k] = value_of(c);
      if (v[k] < 0) return std::nullopt;
    }
    const std::uint32_t group = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((group >> 16) & 0xFF);
    if (padding < 2) out += static_cast<char>((group >> 8) & 0xFF);
    if (padding < 1) out += static_cast<char>(group & 0xFF);
  }
  return out;
}

// [SECTION] Writer --------------------------------------------------------------------

namespace {

// Text that is not valid UTF-8 cannot be a JSON string (RFC 8259 §8.1). For the bytes
// we switch to base64; for the other strings (summaries, field values), which the
// engines build from protocol text, invalid sequences become U+FFFD. Both are decided
// by the content alone, so the output stays deterministic.
std::string dump_line(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool has_duplicate_keys(const Fields& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i)
    for (std::size_t k = i + 1; k < fields.size(); ++k)
      if (fields[i].first == fields[k].first) return true;
  return false;
}

Json event_to_json(const TraceEvent& e) {
  Json j = Json::object();
  j["seq"] = e.seq;
  j["time_ms"] = e.time_ms;
  j["kind"] = std::string(to_string(e.kind));
  j["src"] = e.src;
  j["dst"] = e.dst;
  j["conn"] = e.conn;
  j["summary"] = e.summary;
  if (is_valid_utf8(e.bytes))
    j["bytes"] = e.bytes;
  else
    j["bytes_base64"] = base64_encode(e.bytes);
  // Fields are an object in the common case. Should an engine repeat a key (two
  // "rcpt" fields, say), an object would lose one, so the writer switches to an array
  // of [key, value] pairs; the reader accepts both.
  if (has_duplicate_keys(e.fields)) {
    Json pairs = Json::array();
    for (const auto& [k, v] : e.fields) pairs.push_back(Json::array({k, v}));
    j["fields"] = std::move(pairs);
  } else {
    Json fields = Json::object();
    for (const auto& [k, v] : e.fields) fields[k] = v;
    j["fields"] = std::move(fields);
  }
  j["explain"] = e.explain;
  j["rfc"] = e.rfc;
  return j;
}

template <typename T, typename ToJson>
void write_array(std::string& out, std::string_view key, const std::vector<T>& items,
                 ToJson to_json_item, bool last) {
  out += "  \"";
  out += key;
  out += "\": [";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i == 0) ? "\n    " : ",\n    ";
    out += dump_line(to_json_item(items[i]));
  }
  out += items.empty() ? "]" : "\n  ]";
  out += last ? "\n" : ",\n";
}

}  // namespace

std::string event_to_json_line(const TraceEvent& event) { return dump_line(event_to_json(event)); }

std::string to_json(const TraceDocument& document) {
  // Layout (docs/trace-format.md "Layout"): an object with one key per line; hosts,
  // events and expectations have one element per line, each element compact.
  std::string out = "{\n";
  auto scalar = [&out](std::string_view key, const Json& value) {
    out += "  \"";
    out += key;
    out += "\": ";
    out += dump_line(value);
    out += ",\n";
  };
  scalar("format", std::string(trace_format_name));
  scalar("version", trace_format_version);
  scalar("title", document.title);
  scalar("source", document.source);
  scalar("seed", document.seed);
  write_array(out, "hosts", document.hosts, [](const HostInfo& h) {
    Json j = Json::object();
    j["name"] = h.name;
    j["address"] = h.address;
    j["role"] = h.role;
    return j;
  }, false);
  write_array(out, "events", document.events, event_to_json, false);
  write_array(out, "expectations", document.expectations, [](const ExpectationResult& x) {
    Json j = Json::object();
    j["description"] = x.description;
    j["ok"] = x.ok;
    j["detail"] = x.detail;
    return j;
  }, false);
  out += "  \"truncated\": ";
  out += document.truncated ? "true" : "false";
  out += "\n}\n";
  return out;
}

// [SECTION] Reader --------------------------------------------------------------------

namespace {

// Thrown inside the reader only, caught by from_json and turned into ParseResult.
struct ReadError {
  std::string message;
};

std::string where_event(std::size_t index) { return "event " + std::to_string(index) + ": "; }

const Json& require(const Json& object, std::string_view key, const std::string& where) {
  const auto it = object.find(std::string(key));
  if (it == object.end())
    throw ReadError{where + "missing field \"" + std::string(key) + "\""};
  return *it;
}

std::string get_string(const Json& object, std::string_view key, const std::string& where,
                       bool required) {
  const auto it = object.find(std::string(key));
  if (it == object.end()) {
    if (required) throw ReadError{where + "missing field \"" + std::string(key) + "\""};
    return {};
  }
  if (!it->is_string())
    throw ReadError{where + "field \"" + std::string(key) + "\" must be a string"};
  return it->get<std::string>();
}

std::uint64_t get_unsigned(const Json& value, std::string_view key, const std::string& where) {
  if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0))
    throw ReadError{where + "field \"" + std::string(key) + "\" must be a non-negative integer"};
  return value.get<std::uint64_t>();
}

std::int64_t get_signed(const Json& value, std::string_view key, const std::string& where) {
  if (value.is_number_unsigned()) {
    if (value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw ReadError{where + "field \"" + std::string(key) + "\" is out of range"};
    return static_cast<std::int64_t>(value.get<std::uint64_t>());
  }
  if (!value.is_number_integer())
    throw ReadError{where + "field \"" + std::string(key) + "\" must be an integer"};
  return value.get<std::int64_t>();
}

TraceEvent event_from_json(const Json& j, std::size_t index) {
  const std::string where = where_event(index);
  if (!j.is_object()) throw ReadError{where + "must be an object"};
  TraceEvent e;
  e.seq = get_unsigned(require(j, "seq", where), "seq", where);
  e.time_ms = get_signed(require(j, "time_ms", where), "time_ms", where);
  const std::string kind = get_string(j, "kind", where, true);
  const auto parsed_kind = event_kind_from_string(kind);
  if (!parsed_kind)
    throw ReadError{where + "unknown event kind \"" + kind +
                    "\" (see docs/trace-format.md for the vocabulary)"};
  e.kind = *parsed_kind;
  e.src = get_string(j, "src", where, true);
  e.dst = get_string(j, "dst", where, true);
  if (const auto it = j.find("conn"); it != j.end()) e.conn = get_unsigned(*it, "conn", where);
  e.summary = get_string(j, "summary", where, true);
  const bool has_text = j.contains("bytes");
  const bool has_base64 = j.contains("bytes_base64");
  if (has_text && has_base64)
    throw ReadError{where + "has both \"bytes\" and \"bytes_base64\"; keep one"};
  if (has_text) e.bytes = get_string(j, "bytes", where, true);
  if (has_base64) {
    const auto decoded = base64_decode(get_string(j, "bytes_base64", where, true));
    if (!decoded) throw ReadError{where + "field \"bytes_base64\" is not valid base64"};
    e.bytes = *decoded;
  }
  if (const auto it = j.find("fields"); it != j.end()) {
    if (it->is_object()) {
      for (const auto& [k, v] : it->items()) {
        if (!v.is_string())
          throw ReadError{where + "field value \"" + k + "\" must be a string"};
        e.fields.emplace_back(k, v.get<std::string>());
      }
    } else if (it->is_array()) {
      for (const auto& pair : *it) {
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
          throw ReadError{where + "\"fields\" as an array must hold [key, value] string pairs"};
        e.fields.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
      }
    } else {
      throw ReadError{where + "\"fields\" must be an object"};
    }
  }
  e.explain = get_string(j, "explain", where, false);
  e.rfc = get_string(j, "rfc", where, false);
  return e;
}

TraceDocument document_from_json(const Json& root) {
  if (!root.is_object()) throw ReadError{"not an smtplab trace: the top level is not an object"};
  const auto format = root.find("format");
  if (format == root.end() || !format->is_string())
    throw ReadError{"not an smtplab trace: missing \"format\": \"smtplab-trace\""};
  if (format->get<std::string>() != trace_format_name)
    throw ReadError{"not an smtplab trace: format is \"" + format->get<std::string>() +
                    "\", expected \"" + std::string(trace_format_name) + "\""};
  const auto version = root.find("version");
  if (version == root.end() || !version->is_number_integer())
    throw ReadError{"missing or non-integer \"version\""};
  if (version->get<std::int64_t>() != trace_format_version)
    throw ReadError{"unsupported trace version " + version->dump() + " (this build reads version " +
                    std::to_string(trace_format_version) + ")"};

  TraceDocument doc;
  const std::string top;
  doc.title = get_string(root, "title", top, false);
  doc.source = get_string(root, "source", top, false);
  if (const auto it = root.find("seed"); it != root.end()) doc.seed = get_unsigned(*it, "seed", top);
  if (const auto it = root.find("truncated"); it != root.end()) {
    if (!it->is_boolean()) throw ReadError{"field \"truncated\" must be true or false"};
    doc.truncated = it->get<bool>();
  }
  if (const auto it = root.find("hosts"); it != root.end()) {
    if (!it->is_array()) throw ReadError{"\"hosts\" must be an array"};
    for (std::size_t i = 0; i < it->size(); ++i) {
      const Json& h = (*it)[i];
      const std::string where = "host " + std::to_string(i) + ": ";
      if (!h.is_object()) throw ReadError{where + "must be an object"};
      doc.hosts.push_back(HostInfo{get_string(h, "name", where, true),
                                   get_string(h, "address", where, false),
                                   get_string(h, "role", where, false)});
    }
  }
  const Json& events = require(root, "events", top);
  if (!events.is_array()) throw ReadError{"\"events\" must be an array"};
  if (events.size() > limits::trace_events_max)
    throw ReadError{"too many events (" + std::to_string(events.size()) + "; the limit is " +
                    std::to_string(limits::trace_events_max) + ")"};
  doc.events.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) doc.events.push_back(event_from_json(events[i], i));
  if (const auto it = root.find("expectations"); it != root.end()) {
    if (!it->is_array()) throw ReadError{"\"expectations\" must be an array"};
    for (std::size_t i = 0; i < it->size(); ++i) {
      const Json& x = (*it)[i];
      const std::string where = "expectation " + std::to_string(i) + ": ";
      if (!x.is_object()) throw ReadError{where + "must be an object"};
      ExpectationResult r;
      r.description = get_string(x, "description", where, true);
      const auto ok = x.find("ok");
      if (ok == x.end() || !ok->is_boolean()) throw ReadError{where + "field \"ok\" must be true or false"};
      r.ok = ok->get<bool>();
      r.detail = get_string(x, "detail", where, false);
      doc.expectations.push_back(std::move(r));
    }
  }
  return doc;
}

}  // namespace

ParseResult from_json(std::string_view text) {
  ParseResult result;
  if (text.size() > trace_json_size_max) {
    result.error = "trace too large (" + std::to_string(text.size()) + " bytes; the limit is " +
                   std::to_string(trace_json_size_max) + ")";
    return result;
  }
  Json root;
  try {
    root = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // nlohmann's message names the byte position and what it expected; "unexpected
    // end of input" is how a truncated file shows up.
    result.error = std::string("truncated or invalid JSON: ") + e.what();
    return result;
  }
  try {
    result.document = document_from_json(root);
  } catch (const ReadError& e) {
    result.error = e.message;
  } catch (const Json::exception& e) {  // defensive: a type mismatch we did not foresee
    result.error = std::string("malformed trace: ") + e.what();
  }
  return result;
}

}  // namespace smtplab::trace
