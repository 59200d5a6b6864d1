// smtp/client_transaction.cpp — the client's decision after each reply of the dialogue
// (smtp::transaction_step, the model solution of exercise 5) and its enums' names.
//
// Standards: RFC 5321 §3.1, §3.2, §3.3, §4.1.1.1-4, §4.2.1; RFC 2920 §3.1.
//
// API: TransactionStep transaction_step(view, reply) (types in smtp/client_session.hpp);
//      ClientSession calls it through Seams::transaction_step.
//
// Rule: this file needs nothing but the reply, so a student's plugin that calls it (the
// solution of exercise 5) links without the TLS code of client_session.cpp.
//
// Not implemented: STARTTLS and AUTH decisions (they stay in ClientSession).
#include <string>
#include <utility>

#include "smtp/client_session.hpp"

namespace smtplab::smtp {

std::string_view to_string(TransactionReplyTo reply_to) {
  switch (reply_to) {
    case TransactionReplyTo::Greeting: return "greeting";
    case TransactionReplyTo::Ehlo: return "EHLO";
    case TransactionReplyTo::Helo: return "HELO";
    case TransactionReplyTo::Mail: return "MAIL";
    case TransactionReplyTo::Rcpt: return "RCPT";
    case TransactionReplyTo::Data: return "DATA";
    case TransactionReplyTo::Content: return "end of data";
  }
  return "unknown";
}

std::string_view to_string(NextCommand command) {
  switch (command) {
    case NextCommand::None: return "none";
    case NextCommand::Ehlo: return "EHLO";
    case NextCommand::Helo: return "HELO";
    case NextCommand::Mail: return "MAIL";
    case NextCommand::Rcpt: return "RCPT";
    case NextCommand::Data: return "DATA";
    case NextCommand::Content: return "content";
    case NextCommand::Quit: return "QUIT";
  }
  return "unknown";
}

std::string_view to_string(RecipientVerdict verdict) {
  switch (verdict) {
    case RecipientVerdict::None: return "none";
    case RecipientVerdict::Accepted: return "accepted";
    case RecipientVerdict::Refused: return "refused";
  }
  return "unknown";
}

// The model solution of exercise 5: what a client does after each reply of the
// dialogue. It reads only the view and the reply, so the same answer comes whether
// the replies arrived one by one or pipelined.
TransactionStep transaction_step(const TransactionView& view, const Reply& reply) {
  TransactionStep step;
  const bool positive = reply.first_digit() == 2;
  const auto failure = [&step](std::string reason, NextCommand then) {
    step.failed = true;
    step.reason = std::move(reason);
    step.send = then;
  };
  switch (view.reply_to) {
    case TransactionReplyTo::Greeting:
      // RFC 5321 §3.1: "the server will issue a 220 reply"; after a 554 greeting it
      // waits for our QUIT.
      if (reply.code == 220) step.send = NextCommand::Ehlo;
      else failure("the server refused the session in its greeting", NextCommand::Quit);
      return step;

    case TransactionReplyTo::Ehlo:
      // RFC 5321 §3.2: a client "SHOULD" fall back to HELO when the server does not
      // recognise EHLO (an old RFC 821 server answers 500 or 502).
      if (positive) step.send = NextCommand::Mail;
      else if (reply.code == 500 || reply.code == 502) step.send = NextCommand::Helo;
      else failure("the server refused EHLO", NextCommand::Quit);
      return step;

    case TransactionReplyTo::Helo:
      if (positive) step.send = NextCommand::Mail;
      else failure("the server refused HELO", NextCommand::Quit);
      return step;

    case TransactionReplyTo::Mail:
      // RFC 5321 §4.1.1.2: MAIL answered 250 starts the transaction; any other reply
      // ends it. RFC 2920 §3.1: when pipelined, the RCPT replies are already on their
      // way (most likely 503) and "MUST" be read, in order, before anything else.
      if (positive) step.send = view.pipelined ? NextCommand::None : NextCommand::Rcpt;
      else failure("the server refused the sender (MAIL)", view.pipelined ? NextCommand::None : NextCommand::Quit);
      return step;

    case TransactionReplyTo::Rcpt: {
      const bool last = view.rcpt_index + 1 >= view.rcpt_count;
      if (view.mail_refused) {
        // These replies answer RCPTs of a transaction that never started: no verdict.
        step.send = last ? NextCommand::Quit : NextCommand::None;
        return step;
      }
      // RFC 5321 §4.1.1.3: each RCPT is answered on its own; a 2xx accepts that
      // recipient, anything else refuses that recipient only (§3.3: "the SMTP client
      // ... [may] continue with the remaining recipients").
      step.recipient = positive ? RecipientVerdict::Accepted : RecipientVerdict::Refused;
      const std::size_t accepted = view.rcpt_accepted + (positive ? 1 : 0);
      if (!view.pipelined && view.rcpt_sent < view.rcpt_count) step.send = NextCommand::Rcpt;
      else if (!last) step.send = NextCommand::None;
      // RFC 5321 §3.3: "If there were no successful RCPT commands ... the SMTP server
      // returns a 503 or 554" to DATA, so we do not send it; we say goodbye.
      else if (accepted > 0) step.send = NextCommand::Data;
      else {
        step.send = NextCommand::Quit;
        step.reason = "no recipient was accepted";
      }
      return step;
    }

    case TransactionReplyTo::Data:
      // RFC 5321 §4.1.1.4: "354 Start mail input" invites the content; anything else
      // refuses the whole transaction.
      if (reply.code == 354) step.send = NextCommand::Content;
      else failure("the server refused DATA", NextCommand::Quit);
      return step;

    case TransactionReplyTo::Content:
      // RFC 5321 §4.1.1.4: one reply for the whole message; the session gives it to
      // every recipient that RCPT accepted. One transaction per session here: QUIT.
      step.send = NextCommand::Quit;
      if (!positive) {
        step.failed = true;
        step.reason = "the server refused the message at end of data";
      }
      return step;
  }
  failure("a reply to nothing we know", NextCommand::Quit);
  return step;
}

}  // namespace smtplab::smtp
