// mta/bounce.cpp — see bounce.hpp.
#include "mta/bounce.hpp"

#include "message/date.hpp"
#include "message/header.hpp"
#include "message/message_id.hpp"

namespace smtplab::mta {

namespace {

// "550 5.1.1 No such user here (answered by mx)" -> "5.1.1"; RFC 3464 §2.3.4 wants the
// RFC 3463 code of the failure, and a generic 5.0.0 when none was given.
std::string status_of(const std::string& result) {
  const auto space = result.find(' ');
  if (space != std::string::npos) {
    const auto end = result.find(' ', space + 1);
    const std::string candidate = result.substr(space + 1, end == std::string::npos ? std::string::npos : end - space - 1);
    if (auto status = EnhancedStatus::parse(candidate)) return status->to_string();
  }
  return "5.0.0";
}

}  // namespace

std::string make_bounce(const BounceInput& input, Random& random) {
  const QueuedMessage& original = *input.original;
  const std::string boundary = "=_smtplab_" + original.id;
  const std::string date = message::format_date(input.time_ms);

  std::string human;
  std::string per_recipient;
  for (const auto& r : original.recipients) {
    if (r.status != RecipientStatus::Failed) continue;
    human += "<" + r.address + ">: " + r.last_result + "\r\n";
    // RFC 3464 §2.3: Final-Recipient, Action, Status are required per recipient.
    per_recipient += "\r\nFinal-Recipient: rfc822; " + r.address + "\r\n";
    per_recipient += "Action: failed\r\n";
    per_recipient += "Status: " + status_of(r.last_result) + "\r\n";
    per_recipient += "Diagnostic-Code: smtp; " + r.last_result + "\r\n";
  }

  std::string out;
  out += "From: Mail Delivery System <MAILER-DAEMON@" + input.reporting_mta + ">\r\n";
  out += "To: <" + original.reverse_path + ">\r\n";
  out += "Subject: Undelivered Mail Returned to Sender\r\n";
  out += "Date: " + date + "\r\n";
  out += "Message-ID: " + message::make_message_id(random, input.reporting_mta) + "\r\n";
  out += "Auto-Submitted: auto-replied\r\n";  // RFC 3834 §5
  out += "MIME-Version: 1.0\r\n";
  // RFC 6522 §3: multipart/report with report-type=delivery-status (RFC 3464 §2).
  out += "Content-Type: multipart/report; report-type=delivery-status;\r\n";
  out += "\tboundary=\"" + boundary + "\"\r\n";
  out += "\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
  out += "This is the mail system at " + input.reporting_mta + ".\r\n\r\n";
  out += "Your message " + original.id + " could not be delivered to one or more recipients.\r\n\r\n";
  out += human;
  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Type: message/delivery-status\r\n\r\n";
  // RFC 3464 §2.2: per-message fields, then a blank line before each recipient group.
  out += "Reporting-MTA: dns; " + input.reporting_mta + "\r\n";
  out += "Arrival-Date: " + message::format_date(original.arrived_ms) + "\r\n";
  out += per_recipient;
  out += "\r\n--" + boundary + "\r\n";
  // RFC 6522 §3: the third part returns the original (here: its header section only).
  out += "Content-Type: text/rfc822-headers\r\n\r\n";
  out += message::parse_header(original.content).header.serialize();
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace smtplab::mta
