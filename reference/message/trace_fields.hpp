// message/trace_fields.hpp — the trace fields an MTA and an MDA add: Received and
// Return-Path.
//
// Standards: RFC 5321 §4.4 (Trace Information: the Received time stamp line and its
// grammar, the Return-Path added at final delivery), §4.1.3 (address literals),
// RFC 3848 (the "with" protocol names ESMTPS, ESMTPA, ESMTPSA), RFC 5322 §3.6.7
// (trace fields in the message format).
//
// API:
//   ReceivedInfo info{.helo = "client.a.example", .peer_name = "smtp.a.example",
//                     .peer_address = "192.0.2.25", .by_host = "mx.b.example",
//                     .protocol = ReceivedProtocol::Esmtps, .id = "4F2A1",
//                     .for_path = "<bob@b.example>", .time_ms = now};
//   received_value(info)   "from client.a.example (smtp.a.example [192.0.2.25]) by ..."
//   received_field(info)   "Received: from ...\r\n" folded at 78 columns
//   return_path_field("<alice@a.example>")  "Return-Path: <alice@a.example>\r\n"
//
// The HELO name, the peer name and the path come from the network, so they are
// sanitized before they go into a header: a client must not be able to end the field
// early with CRLF and inject fields of its own (header injection).
//
// Not implemented: the "via" clause, Additional-Registered-Clauses, comments with the
// TLS cipher (the way Postfix writes "(using TLSv1.3 with cipher ...)").
#pragma once

#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace smtplab::message {

// RFC 5321 §4.4: Protocol = "ESMTP" / "SMTP" / Attdl-Protocol; RFC 3848 §2 registers
// ESMTPA (AUTH), ESMTPS (STARTTLS) and ESMTPSA (both).
enum class ReceivedProtocol { Smtp, Esmtp, Esmtps, Esmtpa, Esmtpsa };
std::string_view to_string(ReceivedProtocol protocol);  // "SMTP", "ESMTP", "ESMTPS", ...
// The right name for how the session went (RFC 3848 §2).
ReceivedProtocol received_protocol(bool ehlo, bool tls, bool authenticated);

struct ReceivedInfo {
  std::string helo;          // what the client said in HELO/EHLO
  std::string peer_name;     // the client's name as we know it (may be empty)
  std::string peer_address;  // "192.0.2.25" or "2001:db8::25"
  std::string by_host;       // our own name
  ReceivedProtocol protocol = ReceivedProtocol::Esmtp;
  std::string id;            // queue id; empty: no "id" clause
  std::string for_path;      // "<bob@b.example>" when there is one recipient; else empty
  TimeMs time_ms = 0;
};

std::string received_value(const ReceivedInfo& info);
std::string received_field(const ReceivedInfo& info);

// "<a@b.example>", or "<>" for a bounce; angle brackets are added when missing.
std::string return_path_value(std::string_view reverse_path);
std::string return_path_field(std::string_view reverse_path);

// RFC 5321 §4.1.3: "[192.0.2.25]" for IPv4, "[IPv6:2001:db8::25]" for IPv6.
std::string address_literal(std::string_view address);

}  // namespace smtplab::message
