// message/compose.hpp — compose a simple text message, the way a MUA does.
//
// Standards: RFC 5322 §2.1 (CRLF line ends), §2.1.1 (998-character lines), §3.6
// (Date, From, To, Cc, Subject, Message-ID), RFC 2045 §4 (MIME-Version), §5
// (Content-Type), §6.7 (quoted-printable), RFC 2047 §2, §4.1, §5 (encoded-words in
// Subject), RFC 6532 is NOT used: headers stay 7-bit.
//
// API:
//   Draft draft{.from = "Alice <alice@a.example>", .to = {"bob@b.example"},
//               .subject = "Lunch?", .body = "Noon?\n", .date_ms = clock.now_ms()};
//   Composed m = compose(draft, host.random());   m.content, m.message_id, m.mime
//
// MIME only when needed: a body of US-ASCII lines of at most 998 characters goes out as
// it is, with no MIME fields at all (RFC 2045 §4 lets a plain message omit them). A
// body with non-ASCII bytes or a longer line is sent as text/plain; charset=UTF-8 in
// quoted-printable, whose lines are at most 76 characters, so the 998 limit holds
// whatever the author typed. A non-ASCII Subject becomes RFC 2047 encoded-words.
//
// Not implemented: attachments and multipart (RFC 2046), format=flowed (RFC 3676),
// encoding of non-ASCII display names in From/To/Cc, Bcc, Reply-To, In-Reply-To.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace smtplab::message {

// RFC 2045 §6.7 rule 5: "The Quoted-Printable encoding REQUIRES that encoded lines be
// no more than 76 characters long."
inline constexpr std::size_t quoted_printable_line_max = 76;

// RFC 2047 §2: "An 'encoded-word' may not be more than 75 characters long, including
// 'charset', 'encoding', 'encoded-text', and delimiters."
inline constexpr std::size_t encoded_word_length_max = 75;
// RFC 2047 §2 also says: "each line of a header field that contains one or more
// 'encoded-word's is limited to 76 characters." One word per line after "Subject: "
// (9 characters) leaves 67; "=?UTF-8?B?" and "?=" take 12, so 48 base64 characters =
// 36 octets per word keeps the line at 9 + 60 = 69 (and a field name of up to 16
// characters within 76).
inline constexpr std::size_t encoded_word_octets_max = 36;

struct Draft {
  std::string from;             // "Alice <alice@a.example>" or "alice@a.example"
  std::vector<std::string> to;  // each an address as it should appear
  std::vector<std::string> cc;
  std::string subject;
  std::string body;             // any line ends: LF, CR or CRLF
  TimeMs date_ms = 0;
  int zone_offset_minutes = 0;
  std::string message_id;       // empty: made from the random source and From's domain
  std::vector<std::pair<std::string, std::string>> extra_fields;  // e.g. {"X-Lesson", "2"}
};

struct Composed {
  std::string content;     // the whole message, header and body, CRLF line ends
  std::string message_id;  // "<...@a.example>"
  bool mime = false;       // whether MIME fields were needed
};

Composed compose(const Draft& draft, Random& random);

// The pieces, for tests and for other writers of messages (bounces, DSNs).
std::string normalize_line_endings(std::string_view text);  // every line end -> CRLF
std::string quoted_printable_encode(std::string_view text);  // CRLF text in, CRLF out
std::string encode_header_text(std::string_view text);  // as is if ASCII, else RFC 2047
std::string base64_encode(std::string_view bytes);       // RFC 4648 §4

}  // namespace smtplab::message
