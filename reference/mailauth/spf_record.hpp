// mailauth/spf_record.hpp — an SPF record as text becomes a list of terms, and macro
// strings become names: the parts of RFC 7208 that need no DNS.
//
// Standards: RFC 7208 §4.5 (selecting records: "v=spf1" then SP or the end),
//            §4.6.1 (term syntax: directives and modifiers), §5 (the mechanisms and
//            their arguments, §5.6 CIDR lengths), §6 (redirect, exp; "unrecognized
//            modifiers MUST be ignored"; each of redirect and exp at most once, §6),
//            §7 (macros: letters, transformers, delimiters, URL escaping for upper-case
//            letters, §7.3 truncation of long names), §12 (the collected ABNF).
//
// API:
//   is_spf_record(txt)                 the version check of §4.5
//   parse_spf_record(txt)              -> SpfRecordParse {record | why}; any syntax error
//                                         anywhere is the caller's "permerror" (§4.6)
//   check_macro_string(text, kind)     -> empty or why it is not a valid macro-string
//   expand_macros(text, context, kind) -> MacroExpansion {text | why}
//   valid_domain_name(name, why)       labels 1..63 octets, name <= 253, multi-label
//
// Not implemented: the SPF RR type (99), removed by RFC 7208 §3.1 ("SPF records MUST be
// published as a DNS TXT (type 16) Resource Record (RR) [RFC1035] only").
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mailauth/ip_address.hpp"

namespace smtplab::mailauth {

// RFC 7208 §4.6.2 (table) — the qualifier in front of a mechanism, "+" when absent.
enum class SpfQualifier { Pass, Fail, SoftFail, Neutral };
std::string_view to_string(SpfQualifier qualifier);
char qualifier_char(SpfQualifier qualifier);  // '+', '-', '~', '?'

// RFC 7208 §5: the eight mechanisms.
enum class SpfMechanismKind { All, Include, A, Mx, Ptr, Ip4, Ip6, Exists };
std::string_view to_string(SpfMechanismKind kind);

struct SpfMechanism {
  SpfQualifier qualifier = SpfQualifier::Pass;
  SpfMechanismKind kind = SpfMechanismKind::All;
  std::string domain_spec;   // include/exists always; a/mx/ptr when ":..." was given
  IpAddress network;         // ip4/ip6
  unsigned cidr4_bits = 32;  // RFC 7208 §5.6: "If no CIDR prefix length is given ...
  unsigned cidr6_bits = 128; // the /32 and /128 are assumed"
  std::string text;          // the term as written, for the trace
};

struct SpfModifier {
  std::string name;  // lower-cased
  std::string value;
};

struct SpfRecord {
  std::vector<SpfMechanism> mechanisms;  // in order of evaluation
  std::optional<std::string> redirect;   // RFC 7208 §6.1
  std::optional<std::string> exp;        // RFC 7208 §6.2
  std::vector<SpfModifier> unknown;      // ignored (§6), kept for the trace
};

struct SpfRecordParse {
  std::optional<SpfRecord> record;
  std::string why;  // empty on success: which term broke which rule
};

// RFC 7208 §4.5: "discard records that do not begin with a version section of exactly
// "v=spf1". Note that the version section is terminated by either an SP character or
// the end of the record." The comparison ignores case (ABNF literals are
// case-insensitive, RFC 5234 §2.3).
bool is_spf_record(std::string_view txt);

SpfRecordParse parse_spf_record(std::string_view txt);

// Where a macro-string appears: in a domain-spec (mechanism and modifier arguments) or
// in an explanation TXT record, which alone may use "c", "r", "t" and spaces (§7.1).
enum class MacroKind { DomainSpec, Explanation };

// The values the macro letters stand for (RFC 7208 §7.3).
struct MacroContext {
  std::string sender;         // s: "strong-bad@email.example.com"
  std::string local_part;     // l: "strong-bad"
  std::string sender_domain;  // o: "email.example.com"
  std::string domain;         // d: the domain check_host() is evaluating
  IpAddress ip;               // i, c, v
  std::string helo;           // h
  std::string receiver;       // r (explanations only)
  std::int64_t timestamp_s = 0;  // t (explanations only)
  // p: the validated domain name of the client; computed only when used (it costs
  // DNS lookups, §7.3 "this macro SHOULD NOT be used").
  std::function<std::string()> validated_domain;
};

std::string check_macro_string(std::string_view text, MacroKind kind);

struct MacroExpansion {
  std::optional<std::string> text;
  std::string why;
};
MacroExpansion expand_macros(std::string_view text, const MacroContext& context, MacroKind kind);

// RFC 7208 §7.3: "if the expanded domain name exceeds 253 characters ... the left side
// is truncated to fit, by removing successive domain labels (and their following dots)
// until the total length does not exceed 253 characters." Also drops a final dot.
std::string truncate_domain(std::string name);

// RFC 7208 §4.3: a <domain> is malformed when a "label [is] longer than 63 characters,
// total length longer than 255 characters, zero-length label not at the end, etc." or
// "is not a multi-label domain name". 253 is 255 less the length octet of the first
// label and the root label (RFC 1035 §3.1), the limit §7.3 uses for text.
bool valid_domain_name(std::string_view name, std::string* why = nullptr, bool multi_label = true);

// RFC 7208 §4.6.4 and our limits, named here so that the check and the docs agree.
inline constexpr std::size_t spf_domain_length_max = 253;
inline constexpr std::size_t spf_label_length_max = 63;
// Our choice: a macro transformer of more than 3 digits ("%{d1000}") is refused rather
// than parsed into a huge number; RFC 7208 §7.3 requires support up to 128 parts.
inline constexpr std::size_t spf_macro_digits_max = 3;

}  // namespace smtplab::mailauth
