// core/limits.hpp — every size limit smtplab enforces, each derived from its source.
//
// Standards: RFC 5321 §4.5.3.1 (size limits and minimums), RFC 1035 §2.3.4 (DNS sizes).
// A limit that is our own choice says so; a limit that the RFC gives as a minimum
// ("at least") is one we may raise but never go below.
#pragma once

#include <cstddef>
#include <cstdint>

namespace smtplab::limits {

// RFC 5321 §4.5.3.1.4: "The maximum total length of a command line including the
// command word and the <CRLF> is 512 octets." Extensions may add to it (SIZE's
// parameter, AUTH's initial response); §4.5.3.1.4 lets them, so we keep it at 512
// and raise it only where an extension says so.
inline constexpr std::size_t command_line_length_max = 512;

// RFC 5321 §4.5.3.1.6: "The maximum total length of a text line including the
// <CRLF> is 1000 octets (not counting the leading dot duplicated for transparency)."
// 998 + CRLF = 1000, +1 for the transparent dot that §4.5.2 adds on the wire.
inline constexpr std::size_t text_line_length_max = 1000 + 1;

// RFC 5321 §4.5.3.1.5: "The maximum total length of a reply line including the reply
// code and the <CRLF> is 512 octets."
inline constexpr std::size_t reply_line_length_max = 512;

// RFC 5321 §4.5.3.1.1: "The maximum total length of a user name or other local-part
// is 64 octets."
inline constexpr std::size_t local_part_length_max = 64;

// RFC 5321 §4.5.3.1.2: "The maximum total length of a domain name or number is 255
// octets."
inline constexpr std::size_t domain_length_max = 255;

// RFC 5321 §4.5.3.1.3: "The maximum total length of a reverse-path or forward-path is
// 256 octets (including the punctuation and element separators)."
inline constexpr std::size_t path_length_max = 256;

// RFC 5321 §4.5.3.1.8: "The minimum total number of recipients that MUST be buffered
// is 100 recipients." We buffer exactly the minimum; the 101st gets 452 (§4.5.3.1.10).
inline constexpr std::size_t recipients_max = 100;

// Our choice: the largest message we accept by default (advertised with SIZE,
// RFC 1870 §4). A host setting can change it.
inline constexpr std::size_t message_size_default_max = 10 * 1024 * 1024;

// Our choice: lines of a multi-line reply we accept before calling the reply
// malformed (RFC 5321 §4.2.1 sets no limit; an EHLO reply has one line a keyword).
inline constexpr std::size_t reply_lines_max = 64;

// RFC 1035 §2.3.4: "UDP messages 512 octets or less". Without EDNS(0) a response that
// does not fit is truncated (TC bit, §4.1.1).
inline constexpr std::size_t dns_udp_message_max = 512;

// RFC 1035 §2.3.4: labels are 63 octets or less, names 255 octets or less.
inline constexpr std::size_t dns_label_length_max = 63;
inline constexpr std::size_t dns_name_length_max = 255;

// Our choice: how many events one run may record before the trace says it is full
// (STYLE §18: a limit on everything). 2 million events is far beyond any lesson.
inline constexpr std::size_t trace_events_max = 2'000'000;

// RFC 5321 §6.3 (mail loops): "Simple counting of the number of Received: header fields
// in a message has proven to be an effective, although rarely optimal, method". 100 is
// the threshold it calls "the more commonly cited" value.
inline constexpr std::size_t received_headers_max = 100;

}  // namespace smtplab::limits
