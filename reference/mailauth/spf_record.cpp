// mailauth/spf_record.cpp — SPF record syntax and macro expansion (RFC 7208 §4.6, §5-§7).
//
// Rule of this file: nothing here looks anything up. A record is checked whole before
// any term is evaluated, because RFC 7208 §4.6 says: "If there are any syntax errors
// anywhere in the record, check_host() returns immediately with the result
// "permerror", without further interpretation or evaluation."
#include "mailauth/spf_record.hpp"

#include <algorithm>
#include <cctype>

namespace smtplab::mailauth {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower(x) == lower(y);
         });
}

// RFC 7208 §7.1: delimiter = "." / "-" / "+" / "," / "/" / "_" / "="
bool is_delimiter(char c) {
  return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

// RFC 7208 §7.1: macro-letter = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" /
// "t" / "v"; §7.3: "c", "r" and "t" "are only allowed in "exp" text".
bool is_macro_letter(char c, MacroKind kind) {
  switch (lower(c)) {
    case 's': case 'l': case 'o': case 'd': case 'i': case 'p': case 'h': case 'v': return true;
    case 'c': case 'r': case 't': return kind == MacroKind::Explanation;
    default: return false;
  }
}

struct MacroToken {
  bool literal = true;
  std::string text;        // a literal run, or the expansion of %% %_ %-
  char letter = 0;         // for %{...}
  unsigned digits = 0;     // 0: keep all parts
  bool reverse = false;
  std::string delimiters;  // empty: "."
};

struct MacroScan {
  std::vector<MacroToken> tokens;
  bool ends_with_macro = false;
  std::string why;
};

// One pass over a macro-string (RFC 7208 §7.1) that both checks and tokenizes it.
MacroScan scan_macro_string(std::string_view text, MacroKind kind) {
  MacroScan scan;
  std::size_t i = 0;
  auto literal = [&](std::string s) {
    if (scan.tokens.empty() || !scan.tokens.back().literal) scan.tokens.push_back(MacroToken{});
    scan.tokens.back().text += s;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c != '%') {
      // macro-literal = %x21-24 / %x26-7E (visible characters except "%"); an
      // explanation (explain-string = *( macro-string / SP )) may also hold spaces.
      const auto u = static_cast<unsigned char>(c);
      const bool visible = u >= 0x21 && u <= 0x7E;
      if (!visible && !(kind == MacroKind::Explanation && c == ' ')) {
        scan.why = "character 0x" + std::string(1, "0123456789ABCDEF"[u >> 4]) +
                   std::string(1, "0123456789ABCDEF"[u & 0xF]) +
                   " is not allowed in a macro-string (RFC 7208 §7.1: visible ASCII only)";
        return scan;
      }
      literal(std::string(1, c));
      scan.ends_with_macro = false;
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) {
      scan.why = "a lone '%' at the end (RFC 7208 §7.1: write \"%%\" for a percent sign)";
      return scan;
    }
    const char next = text[i + 1];
    // RFC 7208 §7.1: "%%" is "%", "%_" a space, "%-" the URL-encoded space "%20".
    if (next == '%' || next == '_' || next == '-') {
      literal(next == '%' ? "%" : next == '_' ? " " : "%20");
      scan.ends_with_macro = true;
      i += 2;
      continue;
    }
    if (next != '{') {
      scan.why = std::string("\"%") + next +
                 "\" is not a macro (RFC 7208 §7.1: only %{...}, %%, %_ and %- are)";
      return scan;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      scan.why = "a macro \"%{\" without its closing \"}\" (RFC 7208 §7.1)";
      return scan;
    }
    const std::string_view body = text.substr(i + 2, close - i - 2);
    if (body.empty() || !is_macro_letter(body[0], kind)) {
      scan.why = "\"%{" + std::string(body) + "}\": unknown macro letter" +
                 (kind == MacroKind::DomainSpec ? " (c, r and t are for explanations only)" : "") +
                 " (RFC 7208 §7.2, §7.3)";
      return scan;
    }
    MacroToken token;
    token.literal = false;
    token.letter = body[0];
    std::size_t j = 1;
    std::size_t digit_count = 0;
    while (j < body.size() && is_digit(body[j])) {
      if (++digit_count > spf_macro_digits_max) {
        scan.why = "\"%{" + std::string(body) + "}\": too many digits in the transformer";
        return scan;
      }
      token.digits = token.digits * 10 + static_cast<unsigned>(body[j] - '0');
      ++j;
    }
    // RFC 7208 §7.3: "If a DIGIT is specified, the value MUST be at least one."
    if (digit_count > 0 && token.digits == 0) {
      scan.why = "\"%{" + std::string(body) + "}\": a transformer of 0 parts (RFC 7208 §7.3)";
      return scan;
    }
    if (j < body.size() && lower(body[j]) == 'r') {
      token.reverse = true;
      ++j;
    }
    while (j < body.size() && is_delimiter(body[j])) token.delimiters += body[j++];
    if (j != body.size()) {
      scan.why = "\"%{" + std::string(body) + "}\": unexpected \"" + std::string(body.substr(j)) +
                 "\" (RFC 7208 §7.1: letter, digits, \"r\", delimiters)";
      return scan;
    }
    scan.tokens.push_back(std::move(token));
    scan.ends_with_macro = true;
    i = close + 1;
  }
  return scan;
}

// RFC 7208 §7.3: "Uppercase macros expand exactly as their lowercase equivalents, and
// are then URL escaped. URL escaping MUST be performed for characters not in the
// "unreserved" set, which is defined in [RFC3986]."
std::string url_escape(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0xF];
    }
  }
  return out;
}

std::string letter_value(char letter, const MacroContext& context) {
  switch (lower(letter)) {
    case 's': return context.sender;
    case 'l': return context.local_part;
    case 'o': return context.sender_domain;
    case 'd': return context.domain;
    case 'i': return context.ip.dotted();
    case 'p': return context.validated_domain ? context.validated_domain() : "unknown";
    // RFC 7208 §7.3: "v: the string "in-addr" if <ip> is ipv4, or "ip6" if <ip> is ipv6"
    case 'v': return context.ip.v6 ? "ip6" : "in-addr";
    case 'h': return context.helo;
    case 'c': return context.ip.to_string();
    case 'r': return context.receiver.empty() ? "unknown" : context.receiver;
    case 't': return std::to_string(context.timestamp_s);
    default: return {};
  }
}

// RFC 7208 §7.3: split on the delimiters, reverse if asked, keep the rightmost N parts,
// "the resulting parts are rejoined with the character '.'".
std::string transform(const std::string& value, const MacroToken& token) {
  if (token.digits == 0 && !token.reverse && token.delimiters.empty()) return value;
  const std::string delimiters = token.delimiters.empty() ? "." : token.delimiters;
  std::vector<std::string> parts(1);
  for (const char c : value) {
    if (delimiters.find(c) != std::string::npos) parts.emplace_back();
    else parts.back() += c;
  }
  if (token.reverse) std::reverse(parts.begin(), parts.end());
  std::size_t first = 0;
  if (token.digits != 0 && token.digits < parts.size()) first = parts.size() - token.digits;
  std::string out;
  for (std::size_t k = first; k < parts.size(); ++k) {
    if (k > first) out += '.';
    out += parts[k];
  }
  return out;
}

// RFC 7208 §7.1: toplabel = ( *alphanum ALPHA *alphanum ) /
//                           ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool valid_toplabel(std::string_view label) {
  if (label.empty()) return false;
  if (std::all_of(label.begin(), label.end(), is_alnum)) return std::any_of(label.begin(), label.end(), is_alpha);
  if (!is_alnum(label.front()) || !is_alnum(label.back())) return false;
  return std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

// RFC 7208 §7.1: domain-spec = macro-string domain-end;
//                domain-end = ( "." toplabel [ "." ] ) / macro-expand
std::string check_domain_spec(std::string_view spec) {
  if (spec.empty()) return "an empty domain-spec (RFC 7208 §7.1)";
  const MacroScan scan = scan_macro_string(spec, MacroKind::DomainSpec);
  if (!scan.why.empty()) return scan.why;
  if (scan.ends_with_macro) return {};
  std::string_view s = spec;
  if (s.back() == '.') s.remove_suffix(1);
  // A domain-end that is "." toplabel may also follow a macro: "%{d}.example.com".
  const std::size_t dot = s.rfind('.');
  if (dot == std::string_view::npos || dot == 0) {
    return "\"" + std::string(spec) + "\" does not end in \".\" toplabel (RFC 7208 §7.1 domain-end)";
  }
  // "%{d}." would leave a macro right before the final dot: accept it as a macro end.
  if (!valid_toplabel(s.substr(dot + 1))) {
    return "\"" + std::string(spec) + "\": \"" + std::string(s.substr(dot + 1)) +
           "\" is not a valid top label (RFC 7208 §7.1: letters/digits, not all digits)";
  }
  return {};
}

// A CIDR length written as the ABNF allows: "0" or no leading zero, at most `max`.
std::optional<unsigned> parse_cidr(std::string_view digits, unsigned max) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  unsigned value = 0;
  for (const char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

// Takes a trailing "/digits" off `arg` (not one that is part of "//").
std::optional<std::string_view> take_suffix_number(std::string_view& arg, bool double_slash) {
  std::size_t k = arg.size();
  while (k > 0 && is_digit(arg[k - 1])) --k;
  if (k == arg.size() || k == 0 || arg[k - 1] != '/') return std::nullopt;
  const bool has_double = k >= 2 && arg[k - 2] == '/';
  if (double_slash != has_double) return std::nullopt;
  const std::string_view digits = arg.substr(k);
  arg = arg.substr(0, k - (double_slash ? 2 : 1));
  return digits;
}

std::string parse_mechanism(SpfMechanism& m, std::string_view name, std::string_view arg) {
  const std::string lname = lowered(name);
  auto domain_arg = [&](bool required) -> std::string {
    if (arg.empty()) return required ? "\"" + lname + "\" needs \":domain\" (RFC 7208 §5)" : "";
    if (arg[0] != ':') return "\"" + std::string(arg) + "\" after \"" + lname + "\" (RFC 7208 §5)";
    m.domain_spec = std::string(arg.substr(1));
    const std::string why = check_domain_spec(m.domain_spec);
    return why.empty() ? why : lname + ": " + why;
  };
  if (lname == "all") {
    m.kind = SpfMechanismKind::All;
    // RFC 7208 §5.1: all = "all" — nothing may follow.
    return arg.empty() ? "" : "\"all\" takes no argument (RFC 7208 §5.1)";
  }
  if (lname == "include" || lname == "exists") {
    m.kind = lname == "include" ? SpfMechanismKind::Include : SpfMechanismKind::Exists;
    return domain_arg(true);
  }
  if (lname == "ptr") {
    m.kind = SpfMechanismKind::Ptr;
    return domain_arg(false);
  }
  if (lname == "a" || lname == "mx") {
    m.kind = lname == "a" ? SpfMechanismKind::A : SpfMechanismKind::Mx;
    // RFC 7208 §5.6: dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ],
    // i.e. "/24", "//64" or "/24//64" at the end of the term.
    if (const auto d6 = take_suffix_number(arg, true)) {
      const auto bits = parse_cidr(*d6, 128);
      if (!bits) return "\"//" + std::string(*d6) + "\" is not an IPv6 prefix length 0-128 (RFC 7208 §5.6)";
      m.cidr6_bits = *bits;
    }
    if (const auto d4 = take_suffix_number(arg, false)) {
      const auto bits = parse_cidr(*d4, 32);
      if (!bits) return "\"/" + std::string(*d4) + "\" is not an IPv4 prefix length 0-32 (RFC 7208 §5.6)";
      m.cidr4_bits = *bits;
    }
    return domain_arg(false);
  }
  if (lname == "ip4" || lname == "ip6") {
    const bool v6 = lname == "ip6";
    m.kind = v6 ? SpfMechanismKind::Ip6 : SpfMechanismKind::Ip4;
    if (arg.empty() || arg[0] != ':') return "\"" + lname + "\" needs \":address\" (RFC 7208 §5.6)";
    arg.remove_prefix(1);
    if (const auto d = take_suffix_number(arg, false)) {
      const auto bits = parse_cidr(*d, v6 ? 128 : 32);
      if (!bits) return "\"/" + std::string(*d) + "\" is not a valid prefix length (RFC 7208 §5.6)";
      (v6 ? m.cidr6_bits : m.cidr4_bits) = *bits;
    }
    const auto ip = v6 ? parse_ipv6(arg) : parse_ipv4(arg);
    if (!ip) return "\"" + std::string(arg) + "\" is not an " + (v6 ? "IPv6" : "IPv4") + " address (RFC 7208 §5.6)";
    m.network = *ip;
    return {};
  }
  return "unknown mechanism \"" + std::string(name) + "\" (RFC 7208 §5: all, include, a, mx, ptr, ip4, ip6, exists)";
}

}  // namespace

std::string_view to_string(SpfQualifier qualifier) {
  switch (qualifier) {
    case SpfQualifier::Pass: return "pass";
    case SpfQualifier::Fail: return "fail";
    case SpfQualifier::SoftFail: return "softfail";
    case SpfQualifier::Neutral: return "neutral";
  }
  return "?";
}

char qualifier_char(SpfQualifier qualifier) {
  switch (qualifier) {
    case SpfQualifier::Pass: return '+';
    case SpfQualifier::Fail: return '-';
    case SpfQualifier::SoftFail: return '~';
    case SpfQualifier::Neutral: return '?';
  }
  return '+';
}

std::string_view to_string(SpfMechanismKind kind) {
  switch (kind) {
    case SpfMechanismKind::All: return "all";
    case SpfMechanismKind::Include: return "include";
    case SpfMechanismKind::A: return "a";
    case SpfMechanismKind::Mx: return "mx";
    case SpfMechanismKind::Ptr: return "ptr";
    case SpfMechanismKind::Ip4: return "ip4";
    case SpfMechanismKind::Ip6: return "ip6";
    case SpfMechanismKind::Exists: return "exists";
  }
  return "?";
}

bool is_spf_record(std::string_view txt) {
  if (txt.size() < 6 || !iequals(txt.substr(0, 6), "v=spf1")) return false;
  return txt.size() == 6 || txt[6] == ' ';
}

SpfRecordParse parse_spf_record(std::string_view txt) {
  SpfRecordParse out;
  if (!is_spf_record(txt)) {
    out.why = "the record does not start with \"v=spf1\" (RFC 7208 §4.5)";
    return out;
  }
  SpfRecord record;
  std::size_t pos = 6;
  while (pos < txt.size()) {
    // RFC 7208 §4.6.1: terms = *( 1*SP ( directive / modifier ) ); only SP separates.
    if (txt[pos] == ' ') {
      ++pos;
      continue;
    }
    std::size_t end = txt.find(' ', pos);
    if (end == std::string_view::npos) end = txt.size();
    const std::string_view term = txt.substr(pos, end - pos);
    pos = end;

    std::string_view rest = term;
    std::optional<SpfQualifier> qualifier;
    switch (rest[0]) {
      case '+': qualifier = SpfQualifier::Pass; break;
      case '-': qualifier = SpfQualifier::Fail; break;
      case '~': qualifier = SpfQualifier::SoftFail; break;
      case '?': qualifier = SpfQualifier::Neutral; break;
      default: break;
    }
    if (qualifier) rest.remove_prefix(1);
    const std::size_t stop = rest.find_first_of(":/=");
    const std::string_view name = rest.substr(0, stop);
    if (stop != std::string_view::npos && rest[stop] == '=') {
      // RFC 7208 §4.6.1: modifier = redirect / explanation / unknown-modifier;
      // unknown-modifier = name "=" macro-string;
      // name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
      const std::string_view value = rest.substr(stop + 1);
      if (qualifier) {
        out.why = "\"" + std::string(term) + "\": a modifier takes no qualifier (RFC 7208 §4.6.1)";
        return out;
      }
      if (name.empty() || !is_alpha(name[0]) ||
          !std::all_of(name.begin(), name.end(),
                       [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; })) {
        out.why = "\"" + std::string(term) + "\": \"" + std::string(name) +
                  "\" is not a modifier name (RFC 7208 §4.6.1: ALPHA *( ALPHA / DIGIT / - / _ / . ))";
        return out;
      }
      const std::string lname = lowered(name);
      if (lname == "redirect" || lname == "exp") {
        auto& slot = lname == "redirect" ? record.redirect : record.exp;
        // RFC 7208 §6: "The modifiers defined in this document ("redirect" and "exp")
        // MAY appear anywhere in the record, but SHOULD appear at the end, after all
        // mechanisms. ... these two modifiers MUST NOT appear in a record more than once
        // each. If they do, then check_host() exits with a result of "permerror"."
        if (slot) {
          out.why = "\"" + lname + "=\" appears twice (RFC 7208 §6)";
          return out;
        }
        const std::string why = check_domain_spec(value);
        if (!why.empty()) {
          out.why = lname + "=: " + why;
          return out;
        }
        slot = std::string(value);
      } else {
        const MacroScan scan = scan_macro_string(value, MacroKind::DomainSpec);
        if (!scan.why.empty()) {
          out.why = "\"" + std::string(term) + "\": " + scan.why;
          return out;
        }
        record.unknown.push_back(SpfModifier{lname, std::string(value)});
      }
      continue;
    }
    SpfMechanism mechanism;
    mechanism.qualifier = qualifier.value_or(SpfQualifier::Pass);
    mechanism.text = std::string(term);
    const std::string why =
        parse_mechanism(mechanism, name, stop == std::string_view::npos ? std::string_view{} : rest.substr(stop));
    if (!why.empty()) {
      out.why = "\"" + std::string(term) + "\": " + why;
      return out;
    }
    record.mechanisms.push_back(std::move(mechanism));
  }
  out.record = std::move(record);
  return out;
}

std::string check_macro_string(std::string_view text, MacroKind kind) { return scan_macro_string(text, kind).why; }

MacroExpansion expand_macros(std::string_view text, const MacroContext& context, MacroKind kind) {
  MacroExpansion out;
  const MacroScan scan = scan_macro_string(text, kind);
  if (!scan.why.empty()) {
    out.why = scan.why;
    return out;
  }
  std::string result;
  for (const MacroToken& token : scan.tokens) {
    if (token.literal) {
      result += token.text;
      continue;
    }
    std::string value = transform(letter_value(token.letter, context), token);
    if (std::isupper(static_cast<unsigned char>(token.letter))) value = url_escape(value);
    result += value;
  }
  out.text = std::move(result);
  return out;
}

std::string truncate_domain(std::string name) {
  while (!name.empty() && name.back() == '.') name.pop_back();
  while (name.size() > spf_domain_length_max) {
    const std::size_t dot = name.find('.');
    if (dot == std::string::npos) return {};
    name.erase(0, dot + 1);
  }
  return name;
}

bool valid_domain_name(std::string_view name, std::string* why, bool multi_label) {
  auto fail = [&](std::string reason) {
    if (why) *why = std::move(reason);
    return false;
  };
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return fail("the domain is empty");
  if (name.front() == '[') return fail("\"" + std::string(name) + "\" is an address literal, not a domain");
  if (name.size() > spf_domain_length_max) return fail("the domain is longer than 253 characters");
  std::size_t labels = 0;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = name.find('.', start);
    const std::size_t len = (dot == std::string_view::npos ? name.size() : dot) - start;
    if (len == 0) return fail("\"" + std::string(name) + "\" has an empty label");
    if (len > spf_label_length_max) return fail("\"" + std::string(name) + "\" has a label longer than 63 characters");
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (multi_label && labels < 2) return fail("\"" + std::string(name) + "\" is not a multi-label domain name");
  return true;
}

}  // namespace smtplab::mailauth
