// pop3/maildrop.hpp — one POP3 session's view of a mailbox: message numbers, sizes,
// unique-ids and deletion marks, and the multi-line wire form of a message.
//
// Standards: RFC 1939 §5 (message numbers fixed for the session, sizes in octets,
//            deletion marks, RSET), §6 (UPDATE: marked messages are removed), §7 (TOP,
//            UIDL and its unique-id syntax), §3 (multi-line responses and byte-stuffing),
//            §11 (sizes count CRLF line endings).
//
// API:
//   Maildrop drop = Maildrop::open(store, "bob", "INBOX");   // the snapshot at login
//   drop.size()            message count, deleted ones included (numbers never shift)
//   drop.find(n)           the message numbered n (1-based) unless deleted, or nullptr
//   drop.mark_deleted(n) / drop.reset()     DELE and RSET
//   drop.undeleted_count() / undeleted_octets()   STAT
//   drop.commit(store)     UPDATE: removes the marked messages, true when all are gone
//   multi_line(text)       CRLF lines, byte-stuffed, ending "."CRLF (RFC 1939 §3)
//   wire_message(content) / top_of(content, n)   what RETR and TOP send
//
// Rule: the snapshot is taken once, when the session enters TRANSACTION (RFC 1939 §5:
// numbers refer to the maildrop as it was then); mail that arrives later is seen by the
// next session. Contents are read from the store when asked, never all at once.
//
// Not implemented: the exclusive-access lock of RFC 1939 §8 (two sessions may open the
// same maildrop; a message removed by one is "no such message" to the other's RETR).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mda/mail_store.hpp"

namespace smtplab::pop3 {

// RFC 1939 §7: "The unique-id of a message is an arbitrary server-determined string,
// consisting of one to 70 characters in the range 0x21 to 0x7E".
inline constexpr std::size_t unique_id_length_max = 70;

// Our choice (STYLE §18): the most messages one session will number. A maildrop with
// more shows the first (oldest) this many; the rest wait for a later session.
inline constexpr std::size_t maildrop_messages_max = 100'000;

struct MaildropMessage {
  std::string id;         // the store's id
  std::string unique_id;  // what UIDL shows (the id, or a digest of it when not valid)
  std::size_t octets = 0; // RFC 1939 §11: the size with CRLF line endings
  bool deleted = false;
};

class Maildrop {
 public:
  static Maildrop open(const mda::MailStore& store, std::string_view user, std::string_view folder);

  std::size_t size() const { return messages_.size(); }
  const MaildropMessage* find(std::size_t number) const;  // nullptr: no such or deleted
  bool exists(std::size_t number) const { return number >= 1 && number <= messages_.size(); }
  bool is_deleted(std::size_t number) const { return exists(number) && messages_[number - 1].deleted; }
  void mark_deleted(std::size_t number);
  void reset();
  std::size_t undeleted_count() const;
  std::size_t undeleted_octets() const;
  std::size_t deleted_count() const;
  bool commit(mda::MailStore& store) const;

  const std::string& user() const { return user_; }
  const std::string& folder() const { return folder_; }

 private:
  std::string user_;
  std::string folder_;
  std::vector<MaildropMessage> messages_;
};

// The content with every line ending made CRLF (a bare LF, the usual ending in a
// Maildir file, becomes CRLF) and a final CRLF added when missing.
std::string wire_message(std::string_view content);
// RFC 1939 §7 TOP: the header, the blank line, and at most `body_lines` lines of body.
std::string top_of(std::string_view content, std::size_t body_lines);
// RFC 1939 §3: byte-stuff CRLF text (every line starting with "." gets another) and
// add the terminating "." CRLF. `text` must be empty or end in CRLF.
std::string multi_line(std::string_view text);
// The UIDL form of a store id: the id itself when it is 1-70 octets of 0x21-0x7E, else
// "h" and the 16 hex digits of its FNV-1a 64-bit digest.
std::string unique_id_of(std::string_view id);

}  // namespace smtplab::pop3
