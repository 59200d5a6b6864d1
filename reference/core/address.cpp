// core/address.cpp — parsing mailboxes and paths exactly as RFC 5321 §4.1.2 writes them.
//
// Standards: RFC 5321 §4.1.2 (Path, Mailbox, Local-part, Dot-string, Quoted-string,
//            Domain, esmtp parameters after the path), §4.1.3 (address literals),
//            §4.5.3.1.1-3 (length limits), §4.1.1.3 (<Postmaster>), §3.3 (no spaces
//            around the colon), RFC 5322 §3.2.3 (atext).
//
// API: see address.hpp. Every parser here is a small recursive-descent reader over a
// string_view: it never allocates more than the input, never loops without consuming,
// and every rejection says why in a sentence that never echoes the raw input (so a
// hostile byte such as CR cannot travel into a reply line).
//
// Not implemented: SMTPUTF8 (RFC 6531) local parts and U-labels, General-address-literal
// tags other than "IPv6" (RFC 5321 §4.1.3: a tag must be registered with IANA, and IPv6
// is the only one that is).
#include "core/address.hpp"

#include <cstddef>
#include <string>

#include "core/limits.hpp"

namespace smtplab {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_let_dig(char c) { return is_alpha(c) || is_digit(c); }

// RFC 5322 §3.2.3 (used by RFC 5321 §4.1.2 for Atom):
//   atext = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "/" /
//           "=" / "?" / "^" / "_" / "`" / "{" / "|" / "}" / "~"
bool is_atext(char c) {
  if (is_let_dig(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '/': case '=': case '?': case '^': case '_': case '`': case '{':
    case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

// RFC 5321 §4.1.2: qtextSMTP = %d32-33 / %d35-91 / %d93-126 (printable ASCII and space,
// except the double quote and the backslash, which need a quoted-pair).
bool is_qtext(char c) { return c >= 32 && c <= 126 && c != '"' && c != '\\'; }

// A character named for a student, without ever copying a control byte into the text.
std::string describe(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte > 32 && byte < 127) return std::string("'") + c + "'";
  if (byte == 32) return "a space";
  static constexpr char digits[] = "0123456789ABCDEF";
  return std::string("byte 0x") + digits[byte >> 4] + digits[byte & 0xF];
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Domains (RFC 5321 §4.1.2)
//   Domain     = sub-domain *("." sub-domain)
//   sub-domain = Let-dig [Ldh-str]
//   Ldh-str    = *( ALPHA / DIGIT / "-" ) Let-dig
// so a label starts and ends with a letter or digit and has hyphens only inside.

std::string check_domain_name(std::string_view text) {
  if (text.empty()) return "the domain is empty";
  // RFC 5321 §4.5.3.1.2: "The maximum total length of a domain name or number is 255
  // octets."
  if (text.size() > limits::domain_length_max) return "the domain is longer than 255 octets";
  std::size_t start = 0;
  while (true) {
    std::size_t dot = text.find('.', start);
    const std::string_view label =
        text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty())
      return start == 0 ? "the domain starts with a dot"
                        : (dot == std::string_view::npos ? "the domain ends with a dot"
                                                         : "the domain has an empty label (two dots in a row)");
    // RFC 1035 §2.3.4: "labels 63 octets or less" (RFC 5321 §2.3.5 defers to DNS).
    if (label.size() > limits::dns_label_length_max)
      return "a domain label is longer than 63 octets";
    for (char c : label) {
      if (!is_let_dig(c) && c != '-')
        return "the domain contains " + describe(c) +
               "; labels may hold only letters, digits and hyphens";
    }
    if (label.front() == '-') return "a domain label starts with a hyphen";
    if (label.back() == '-') return "a domain label ends with a hyphen";
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return {};
}

// ---------------------------------------------------------------------------------------
// Address literals (RFC 5321 §4.1.3)
//   IPv4-address-literal = Snum 3("." Snum)
//   Snum = 1*3DIGIT  ; representing a decimal integer value in the range 0 through 255

bool is_ipv4(std::string_view text) {
  int parts = 0;
  std::size_t pos = 0;
  while (true) {
    std::size_t start = pos;
    int value = 0;
    while (pos < text.size() && is_digit(text[pos]) && pos - start < 3) {
      value = value * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start || value > 255) return false;
    ++parts;
    if (parts == 4) return pos == text.size();
    if (pos >= text.size() || text[pos] != '.') return false;
    ++pos;
  }
}

// IPv6-addr = IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp (RFC 5321 §4.1.3):
// 8 groups of 1-4 hex digits, or fewer with one "::" standing for at least two groups
// of zeros, and the last two groups may be written as an IPv4 address.
bool is_ipv6(std::string_view text) {
  // Split off a trailing IPv4 part first: it counts as two groups.
  int ipv4_groups = 0;
  std::string_view hex_part = text;
  const std::size_t last_colon = text.rfind(':');
  if (last_colon != std::string_view::npos && text.find('.', last_colon) != std::string_view::npos) {
    if (!is_ipv4(text.substr(last_colon + 1))) return false;
    ipv4_groups = 2;
    // Keep the colon so that "::1.2.3.4" still shows its "::".
    hex_part = text.substr(0, last_colon + 1);
    if (hex_part.size() >= 2 && hex_part.substr(hex_part.size() - 2) == "::") {
      // "…::a.b.c.d": the trailing "::" is the compression itself.
    } else {
      hex_part.remove_suffix(1);  // "…:a.b.c.d": the colon only separated the parts
    }
  }
  const std::size_t compress = hex_part.find("::");
  if (compress != std::string_view::npos && hex_part.find("::", compress + 1) != std::string_view::npos)
    return false;  // at most one "::"

  auto count_groups = [](std::string_view part, int& groups) {
    if (part.empty()) return true;
    std::size_t pos = 0;
    while (true) {
      std::size_t start = pos;
      while (pos < part.size() && is_hex(part[pos]) && pos - start < 4) ++pos;
      if (pos == start) return false;
      ++groups;
      if (pos == part.size()) return true;
      if (part[pos] != ':') return false;
      ++pos;
      if (pos == part.size()) return false;  // a trailing single colon
    }
  };

  int groups = 0;
  if (compress == std::string_view::npos) {
    if (!count_groups(hex_part, groups)) return false;
    return groups + ipv4_groups == 8;
  }
  if (!count_groups(hex_part.substr(0, compress), groups)) return false;
  if (!count_groups(hex_part.substr(compress + 2), groups)) return false;
  // RFC 5321 §4.1.3: 'The "::" represents at least 2 16-bit groups of zeros. No more
  // than 6 groups in addition to the "::" may be present' (4 with an IPv4 tail).
  return groups + ipv4_groups <= 6;
}

std::string check_address_literal(std::string_view text) {
  // text includes the brackets.
  if (text.size() < 2 || text.front() != '[' || text.back() != ']')
    return "an address literal must be enclosed in [ ]";
  const std::string_view inner = text.substr(1, text.size() - 2);
  if (inner.empty()) return "the address literal is empty";
  if (text.size() > limits::domain_length_max) return "the address literal is longer than 255 octets";
  if (inner.size() > 5 && iequals(inner.substr(0, 5), "IPv6:")) {
    if (is_ipv6(inner.substr(5))) return {};
    return "the address literal is not a valid IPv6 address (RFC 5321 §4.1.3)";
  }
  if (inner.find(':') != std::string_view::npos)
    return "only the IPv6: tag is registered for address literals (RFC 5321 §4.1.3)";
  if (is_ipv4(inner)) return {};
  return "the address literal is not a valid IPv4 address: four numbers 0-255 separated by dots";
}

// Domain / address-literal, as after the "@" of a Mailbox.
std::string check_domain(std::string_view text) {
  if (!text.empty() && text.front() == '[') return check_address_literal(text);
  return check_domain_name(text);
}

// ---------------------------------------------------------------------------------------
// Local parts (RFC 5321 §4.1.2)
//   Local-part    = Dot-string / Quoted-string
//   Dot-string    = Atom *("." Atom)
//   Quoted-string = DQUOTE *QcontentSMTP DQUOTE
//   quoted-pairSMTP = %d92 %d32-126   ; a backslash followed by any printable ASCII

// Reads a local part from the front of `text`. On success `local` holds it without quotes
// and with quoted-pairs resolved, and `used` how many input bytes it took.
std::string read_local_part(std::string_view text, std::string& local, std::size_t& used) {
  local.clear();
  if (text.empty() || text.front() == '@') return "the local part (before the @) is empty";
  if (text.front() == '"') {
    std::size_t pos = 1;
    while (true) {
      if (pos >= text.size()) return "the quoted local part has no closing double quote";
      const char c = text[pos];
      if (c == '"') break;
      if (c == '\\') {
        if (pos + 1 >= text.size()) return "the quoted local part ends with a lone backslash";
        const char next = text[pos + 1];
        if (next < 32 || next > 126)
          return "a backslash in the quoted local part is followed by " + describe(next) +
                 "; only printable ASCII may be quoted";
        local += next;
        pos += 2;
        continue;
      }
      if (!is_qtext(c))
        return "the quoted local part contains " + describe(c) + ", which is not allowed there";
      local += c;
      ++pos;
    }
    used = pos + 1;
  } else {
    std::size_t pos = 0;
    bool after_dot = true;  // the start behaves like "just after a dot": an atom must follow
    while (pos < text.size() && text[pos] != '@') {
      const char c = text[pos];
      if (c == '.') {
        if (after_dot)
          return pos == 0 ? "the local part starts with a dot"
                          : "the local part has two dots in a row";
        after_dot = true;
      } else if (is_atext(c)) {
        after_dot = false;
      } else {
        return "the local part contains " + describe(c) +
               ", which needs the local part to be written in double quotes";
      }
      local += c;
      ++pos;
    }
    if (after_dot && !local.empty()) return "the local part ends with a dot";
    used = pos;
  }
  // RFC 5321 §4.5.3.1.1: "The maximum total length of a user name or other local-part is
  // 64 octets."
  if (local.size() > limits::local_part_length_max) return "the local part is longer than 64 octets";
  return {};
}

bool is_dot_string(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  char previous = 0;
  for (char c : text) {
    if (c == '.' && previous == '.') return false;
    if (c != '.' && !is_atext(c)) return false;
    previous = c;
  }
  return true;
}

// The whole of `text` must be one Mailbox.
std::string read_mailbox(std::string_view text, Mailbox& out) {
  std::string local;
  std::size_t used = 0;
  if (std::string why = read_local_part(text, local, used); !why.empty()) return why;
  if (used >= text.size() || text[used] != '@')
    return used >= text.size() ? "the address has no @ and domain"
                               : "the local part is followed by " + describe(text[used]) +
                                     " instead of @";
  const std::string_view domain = text.substr(used + 1);
  if (domain.empty()) return "the domain after the @ is empty";
  if (std::string why = check_domain(domain); !why.empty()) return why;
  out.local_part = std::move(local);
  out.domain = std::string(domain);
  out.domain_is_literal = domain.front() == '[';
  return {};
}

// ---------------------------------------------------------------------------------------
// Paths (RFC 5321 §4.1.2)
//   Path         = "<" [ A-d-l ":" ] Mailbox ">"
//   A-d-l        = At-domain *( "," At-domain )   ; the obsolete source route
//   At-domain    = "@" Domain
//   Reverse-path = Path / "<>"

enum class PathKind { Reverse, Forward };

PathParse parse_path(std::string_view text, PathKind kind) {
  PathParse result;
  result.error = kind == PathKind::Reverse ? ReplyId::BadSenderSyntax : ReplyId::BadRecipientSyntax;
  const auto fail = [&result](std::string why) {
    result.path.reset();
    result.why = std::move(why);
    return result;
  };

  if (text.empty()) return fail("the address is missing: write it in angle brackets, <user@domain>");
  // RFC 5321 §3.3: "Since it has been a common source of errors, it is worth noting that
  // spaces are not permitted on either side of the colon following FROM in the MAIL
  // command or TO in the RCPT command." We follow the RFC strictly here.
  if (text.front() == ' ')
    return fail("no space is allowed between the colon and the address (RFC 5321 §3.3)");
  if (text.front() != '<')
    return fail("the address must be enclosed in angle brackets, <user@domain> (RFC 5321 §4.1.2)");

  const std::size_t close = [&text] {
    // The closing '>' is the first one outside a quoted local part.
    bool quoted = false;
    for (std::size_t i = 1; i < text.size(); ++i) {
      if (quoted && text[i] == '\\') { ++i; continue; }
      if (text[i] == '"') quoted = !quoted;
      else if (!quoted && text[i] == '>') return i;
    }
    return std::string_view::npos;
  }();
  if (close == std::string_view::npos) return fail("the address has no closing '>'");

  // RFC 5321 §4.5.3.1.3: "The maximum total length of a reverse-path or forward-path is
  // 256 octets (including the punctuation and element separators)."
  if (close + 1 > limits::path_length_max) return fail("the path is longer than 256 octets");

  // After '>': nothing, or SP and the ESMTP parameters (RFC 5321 §4.1.1.2:
  // "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF).
  std::string_view after = text.substr(close + 1);
  if (!after.empty()) {
    if (after.front() != ' ')
      return fail("the address must be followed by a space before any parameters");
    while (!after.empty() && after.front() == ' ') after.remove_prefix(1);
    result.parameters = std::string(after);
  }

  std::string_view inner = text.substr(1, close - 1);
  Path path;
  if (inner.empty()) {
    // RFC 5321 §4.5.5: the null reverse-path "<>" is used for notifications (bounces), so
    // that they can never cause a notification themselves. It is not a forward-path.
    if (kind == PathKind::Forward) return fail("<> is only allowed as the sender (MAIL FROM:<>)");
    path.null = true;
    result.path = path;
    return result;
  }

  // RFC 5321 §4.1.1.3: '...servers MUST NOT require a domain for "Postmaster"'. The local
  // part "Postmaster" is case-insensitive (§4.5.1).
  if (kind == PathKind::Forward && iequals(inner, "postmaster")) {
    path.postmaster = true;
    path.mailbox.local_part = "Postmaster";
    result.path = path;
    return result;
  }

  // RFC 5321 §4.1.2: source routes ("@one,@two:user@three") are obsolete; §C says servers
  // "MUST accept" them but "SHOULD ignore" the route. We check their syntax and drop it.
  if (inner.front() == '@') {
    const std::size_t colon = inner.find(':');
    if (colon == std::string_view::npos) return fail("a source route (@host,...) must end with ':'");
    std::string_view route = inner.substr(0, colon);
    while (!route.empty()) {
      if (route.front() != '@') return fail("each hop of a source route must start with '@'");
      const std::size_t comma = route.find(',');
      const std::string_view hop = route.substr(1, comma == std::string_view::npos ? std::string_view::npos : comma - 1);
      if (std::string why = check_domain_name(hop); !why.empty())
        return fail("in the source route, " + why);
      if (comma == std::string_view::npos) break;
      route.remove_prefix(comma + 1);
      if (route.empty()) return fail("the source route ends with a comma");
    }
    inner.remove_prefix(colon + 1);
  }

  if (std::string why = read_mailbox(inner, path.mailbox); !why.empty()) return fail(why);
  result.path = path;
  return result;
}

}  // namespace

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string Mailbox::to_string() const {
  std::string out;
  // RFC 5321 §4.1.2: "a local-part that could be written as a Dot-string SHOULD be
  // written that way"; otherwise it is quoted, with '"' and '\' escaped.
  if (is_dot_string(local_part)) {
    out = local_part;
  } else {
    out = "\"";
    for (char c : local_part) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '@';
  out += domain;
  return out;
}

std::string Path::to_string() const {
  if (null) return "<>";
  if (postmaster && mailbox.domain.empty()) return "<Postmaster>";
  return "<" + mailbox.to_string() + ">";
}

MailboxParse parse_mailbox(std::string_view text) {
  MailboxParse result;
  Mailbox mailbox;
  result.why = read_mailbox(text, mailbox);
  if (result.why.empty()) result.mailbox = std::move(mailbox);
  return result;
}

bool parse_domain(std::string_view text) { return check_domain(text).empty(); }

PathParse parse_reverse_path(std::string_view text) { return parse_path(text, PathKind::Reverse); }
PathParse parse_forward_path(std::string_view text) { return parse_path(text, PathKind::Forward); }

}  // namespace smtplab
