// visualizer/model/mail_state.hpp — mailboxes and queues at any step, derived from
// queue_change and delivery events, and the envelope-versus-headers comparison the
// mail panel shows.
//
// Standards: RFC 5321 §2.3.1 (the envelope: MAIL FROM and RCPT TO, separate from the
// content), §4.4 (Return-Path and Received trace fields), RFC 5322 §2.2 and §2.2.3
// (header fields and folding), §3.6.3 (To, Cc and Bcc).
//
// API:
//   MailIndex index(events);
//   index.items()                   every message that was ever queued or delivered,
//                                   with the step interval [from_step, until_step)
//                                   during which it is where it says
//   index.visible_at(step)          indexes of the items present at that step
//   index.deferrals_at(item, step)  how many times delivery was deferred by then
//   parse_headers(message)          the header fields, unfolded, in order
//   envelope_only_recipients(item, headers)   RCPT TO addresses no To/Cc names (Bcc)
//
// Event conventions (docs/trace-format.md): queue_change has fields action
// (enqueue/defer/remove), queue_id, mail_from, rcpt_to ("a@x (pending), b@y (sent)"),
// and the message in its bytes on enqueue; delivery has mailbox, mail_from, rcpt_to
// and the stored message in its bytes.
//
// Not implemented: MIME structure (the body is shown as text).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/trace.hpp"

namespace smtplab::visualizer {

enum class MailPlace {
  Queue,    // in an MTA's queue (location is the queue's lane, "host/queue")
  Mailbox,  // delivered (location is the mailbox, "bob@b.example")
};
std::string_view to_string(MailPlace place);

struct MailItem {
  MailPlace place = MailPlace::Queue;
  std::string location;
  std::string folder;                   // a delivery's folder when not INBOX ("Junk")
  std::string id;                       // queue id, or the delivery's message id
  std::string mail_from;                // as in the trace, "<alice@a.example>"
  std::vector<std::string> rcpt_to;     // addresses only, statuses stripped
  std::size_t message_step = 0;         // the event whose bytes hold the message
  std::size_t from_step = 0;            // present from this step...
  std::size_t until_step = static_cast<std::size_t>(-1);  // ...until before this one
  std::vector<std::size_t> defer_steps;  // steps at which delivery was deferred
};

class MailIndex {
 public:
  // Our choice (STYLE §18): a trace with more messages than this shows the first ones
  // only; the panel says so. A lesson has a handful.
  static constexpr std::size_t items_max = 100'000;

  MailIndex() = default;
  explicit MailIndex(const std::vector<TraceEvent>& events);

  const std::vector<MailItem>& items() const { return items_; }
  std::vector<std::size_t> visible_at(std::size_t step) const;
  std::size_t deferrals_at(const MailItem& item, std::size_t step) const;
  bool truncated() const { return truncated_; }

 private:
  std::vector<MailItem> items_;
  bool truncated_ = false;
};

struct HeaderField {
  std::string name;
  std::string value;
};

// RFC 5322 §2.2.3: a folded field continues on lines that start with a space or tab;
// unfolding removes the CRLF before them. Parsing stops at the first empty line (the
// end of the header section) or after headers_max fields.
inline constexpr std::size_t headers_max = 500;  // our choice: far above real messages
std::vector<HeaderField> parse_headers(std::string_view message);
std::string_view message_body(std::string_view message);

// Addresses ("local@domain") found in a header value or an envelope path.
std::vector<std::string> addresses_in(std::string_view text);

// RFC 5322 §3.6.3: Bcc recipients are in the envelope (RCPT TO) but not in To or Cc;
// this lists those, lower-cased comparison.
std::vector<std::string> envelope_only_recipients(const MailItem& item,
                                                  const std::vector<HeaderField>& headers);

}  // namespace smtplab::visualizer
