// exercises/05-client-transaction/exercise.hpp — the function you write in transaction.cpp.
//
// Standards: RFC 5321 §3.1 (greeting), §3.2 and §4.1.1.1 (EHLO, HELO fallback), §3.3
//            (the mail transaction: MAIL, one RCPT per recipient, DATA), §4.1.1.2-4,
//            §4.2 (reply codes: 2yz, 3yz, 4yz, 5yz), RFC 2920 §3.1 (pipelining: read
//            every reply of a group, in order).
//
// API (the SMTP client calls it where it calls the reference: smtp::Seams::
// transaction_step, used by ClientSession::handle_reply for every reply of the
// dialogue except STARTTLS, AUTH and QUIT):
//   smtp::TransactionStep student::transaction_step(view, reply)
//     view:  what the reply answers (view.reply_to) and what the client knows
//            (pipelined, mail_refused, rcpt_count, rcpt_sent, rcpt_index,
//            rcpt_accepted); see smtp::TransactionView in smtp/client_session.hpp.
//     reply: the server's reply (reply.code, reply.first_digit(), reply.lines).
//     returns: step.send, the next command (None: wait for the next reply; Mail: start
//            the transaction; Rcpt: RCPT for the recipient at view.rcpt_sent; Content:
//            the message and its final dot), step.recipient for a RCPT reply
//            (Accepted: its outcome will be the reply to end of data; Refused: this
//            reply is its outcome), and step.failed with step.reason when this reply
//            ends the session in failure.
//   The session does the sending, the trace and the 421 rule ("closing": no QUIT),
//   and refuses a step that is impossible where it is (e.g. DATA while RCPT replies
//   are still on their way) by failing the session with 421 4.3.2.
//
// Not implemented: nothing here; this file is the contract, do not change it.
#pragma once

#include "core/reply.hpp"
#include "smtp/client_session.hpp"

namespace smtplab::student {

smtp::TransactionStep transaction_step(const smtp::TransactionView& view, const Reply& reply);

}  // namespace smtplab::student
