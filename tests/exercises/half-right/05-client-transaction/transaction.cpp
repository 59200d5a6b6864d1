// tests/exercises/half-right/05-client-transaction/transaction.cpp — a deliberately
// half-right answer to exercise 5: a plain one-command-at-a-time client that gets the
// simple dialogue right, but never falls back to HELO, ignores pipelining (it sends
// RCPT while the group's replies are still on their way, which the session refuses)
// and sends DATA even when no recipient was accepted. It must score between zero and
// full marks.
//
// Standards: RFC 5321 §3.3, §4.1.1 (the parts it gets right).
// API: exercises/05-client-transaction/exercise.hpp.
// Not implemented (on purpose): RFC 5321 §3.2 (HELO fallback), RFC 2920 §3.1, and the
// "no successful RCPT, no DATA" rule of RFC 5321 §3.3.
#include "exercise.hpp"

namespace smtplab::student {

smtp::TransactionStep transaction_step(const smtp::TransactionView& view, const Reply& reply) {
  using smtp::NextCommand;
  smtp::TransactionStep step;
  const bool ok = reply.first_digit() == 2;
  const auto quit_failed = [&step](const char* reason) {
    step.send = NextCommand::Quit;
    step.failed = true;
    step.reason = reason;
  };
  switch (view.reply_to) {
    case smtp::TransactionReplyTo::Greeting:
      if (reply.code == 220) step.send = NextCommand::Ehlo;
      else quit_failed("greeting refused");
      break;
    case smtp::TransactionReplyTo::Ehlo:
    case smtp::TransactionReplyTo::Helo:
      if (ok) step.send = NextCommand::Mail;
      else quit_failed("EHLO refused");
      break;
    case smtp::TransactionReplyTo::Mail:
      if (ok) step.send = NextCommand::Rcpt;
      else quit_failed("MAIL refused");
      break;
    case smtp::TransactionReplyTo::Rcpt:
      step.recipient = ok ? smtp::RecipientVerdict::Accepted : smtp::RecipientVerdict::Refused;
      step.send = view.rcpt_sent < view.rcpt_count ? NextCommand::Rcpt : NextCommand::Data;
      break;
    case smtp::TransactionReplyTo::Data:
      if (reply.code == 354) step.send = NextCommand::Content;
      else quit_failed("DATA refused");
      break;
    case smtp::TransactionReplyTo::Content:
      step.send = NextCommand::Quit;
      step.failed = !ok;
      break;
  }
  return step;
}

}  // namespace smtplab::student
