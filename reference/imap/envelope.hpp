// imap/envelope.hpp — the ENVELOPE and INTERNALDATE data items of an IMAP FETCH.
//
// Standards: RFC 3501 §7.4.2 (ENVELOPE: "date, subject, from, sender, reply-to, to, cc,
//            bcc, in-reply-to, and message-id"; address structures; group syntax),
//            §2.3.3 (internal date), §9 (date-time grammar), §4.3 and §4.5 (quoted
//            strings, literals, NIL); RFC 5322 §3.4 (address syntax), §3.2.4 (quoted
//            strings), §3.2.2 (comments).
//
// API:
//   envelope(message)          -> "(\"Mon, 3 Mar 2025 ...\" \"Hi\" ((\"Alice\" NIL \"alice\" \"a.example\")) ...)"
//   parse_address_list(value)  -> the addresses of a From/To/Cc field, groups marked
//   imap_string("a\"b")         -> "\"a\\\"b\"" (quoted) or "{n}\r\n..." (literal)
//   internal_date(time_ms)     -> "\" 3-Mar-2025 09:00:00 +0000\"" (quoted, UTC)
//
// The server decodes nothing: encoded-words (RFC 2047) stay as they are in the header,
// because RFC 3501 §7.4.2 leaves their decoding to the client.
//
// Not implemented: obsolete address syntax (RFC 5322 §4.4) beyond source routes, time
// zones other than +0000 for INTERNALDATE (the store keeps UTC instants only).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace smtplab::imap {

// RFC 3501 §7.4.2: "An address structure is a parenthesized list that describes an
// electronic mail address. The fields of an address structure are in the following
// order: personal name, [SMTP] at-domain-list (source route), mailbox name, and host
// name." A missing part is NIL (nullopt).
struct Address {
  std::optional<std::string> name;     // display name, quotes removed
  std::optional<std::string> adl;      // source route "@a,@b" (obsolete), usually NIL
  std::optional<std::string> mailbox;  // local part, or the group name at a group's start
  std::optional<std::string> host;     // domain; NIL marks group syntax
};

// RFC 5322 §3.4 address-list, tolerant: never throws; what cannot be read is skipped.
// RFC 3501 §7.4.2: a group "name: a, b;" becomes a start marker (mailbox = name, host
// NIL), the members, and an end marker (mailbox NIL, host NIL).
std::vector<Address> parse_address_list(std::string_view value);

// RFC 3501 §4.3: a quoted string when the text allows it (7-bit, no CR, LF or NUL),
// else a literal "{n}\r\n" followed by the octets. '"' and '\' are escaped with '\'.
std::string imap_string(std::string_view text);
// RFC 3501 §4.5: nstring = string / nil.
std::string imap_nstring(const std::optional<std::string>& text);

// The ENVELOPE of a message (its header is read with message/header.hpp).
std::string envelope(std::string_view message);

// RFC 3501 §9: date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time
// SP zone DQUOTE, with date-day-fixed = (SP DIGIT) / 2DIGIT. Quoted, in UTC (+0000).
std::string internal_date(TimeMs time_ms);

}  // namespace smtplab::imap
