// exercises/05-client-transaction/transaction.cpp — YOUR client transaction: what the
// client sends after each reply, and which recipients the server accepted.
//
// Standards: RFC 5321 §3.1, §3.2, §3.3, §4.1.1.1-4, §4.2; RFC 2920 §3.1.
//
// API: see exercise.hpp. Grade it with
//   smtplab grade exercises/05-client-transaction
// and watch every MTA and MUA drive its transactions with it:
//   smtplab run lessons/02-mua-mta-mda --student exercises/05-client-transaction
//
// Not implemented: everything, until you write it. The stub throws, so every test
// fails with a clear message.
#include "exercise.hpp"

#include <stdexcept>

namespace smtplab::student {

// Hints (README.md has more):
//  - switch on view.reply_to; each case is a few lines.
//  - The first digit of a reply says almost everything (RFC 5321 §4.2.1): 2 yes,
//    3 go on (354), 4 not now, 5 no. EHLO answered 500 or 502 means "try HELO".
//  - A RCPT reply decides only its own recipient. Send DATA after the last RCPT reply,
//    and only when at least one recipient was accepted.
//  - Pipelined (view.pipelined): MAIL and every RCPT are already sent; answer None
//    until the last of their replies has arrived.

smtp::TransactionStep transaction_step(const smtp::TransactionView& view, const Reply& reply) {
  (void)view;
  (void)reply;
  throw std::logic_error("exercise 05: transaction_step is not written yet");
}

}  // namespace smtplab::student
