// core/address.hpp — mailboxes and paths as RFC 5321 §4.1.2 defines them.
//
// Standards: RFC 5321 §4.1.2 (Reverse-path, Forward-path, Mailbox, Local-part,
//            Dot-string, Quoted-string, Domain, address-literal), §4.1.3 (address
//            literals), §4.5.3.1.1-3 (length limits), §4.1.1.3 (<Postmaster>).
//
// API:
//   parse_mailbox("alice@a.example")           -> MailboxParse
//   parse_reverse_path("<alice@a.example> SIZE=100") -> PathParse (allows "<>")
//   parse_forward_path("<bob@b.example>")      -> PathParse (allows "<Postmaster>")
//   parse_domain("a.example")                  -> true/false
//   Mailbox::to_string() gives the canonical form (local part quoted when needed).
//
// Each parse reports what is wrong in `why`, a sentence for the student, and which
// reply the server should send (501 5.1.7 for a bad sender, 501 5.1.3 for a bad
// recipient).
//
// Not implemented: source routes ("@a,@b:user@c", RFC 5321 §4.1.2 says they MUST be
// accepted and SHOULD be ignored — we accept and drop them), SMTPUTF8 (RFC 6531).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/reply.hpp"

namespace smtplab {

struct Mailbox {
  std::string local_part;  // as written, without quotes: "john doe" for "\"john doe\""
  std::string domain;      // "b.example", or the literal with brackets "[192.0.2.1]"
  bool domain_is_literal = false;

  std::string to_string() const;  // local part quoted when it is not a Dot-string
  friend bool operator==(const Mailbox&, const Mailbox&) = default;
};

struct Path {
  bool null = false;   // the null reverse-path "<>" (RFC 5321 §4.5.5: bounces)
  bool postmaster = false;  // "<Postmaster>" with no domain (RFC 5321 §4.1.1.3)
  Mailbox mailbox;

  std::string to_string() const;  // "<alice@a.example>", "<>", "<Postmaster>"
};

struct MailboxParse {
  std::optional<Mailbox> mailbox;
  std::string why;  // empty on success
};

struct PathParse {
  std::optional<Path> path;
  std::string parameters;  // text after the closing '>' and its spaces ("SIZE=100 BODY=8BITMIME")
  ReplyId error = ReplyId::SyntaxErrorParameters;  // meaningful only on failure
  std::string why;  // empty on success
};

MailboxParse parse_mailbox(std::string_view text);
bool parse_domain(std::string_view text);  // RFC 5321 Domain or address-literal

// `text` is what follows "MAIL FROM:" / "RCPT TO:" (RFC 5321 §4.1.1.2-3), including any
// ESMTP parameters.
PathParse parse_reverse_path(std::string_view text);
PathParse parse_forward_path(std::string_view text);

// Lower-cases ASCII; domains compare case-insensitively (RFC 5321 §2.4).
std::string ascii_lower(std::string_view text);

}  // namespace smtplab
