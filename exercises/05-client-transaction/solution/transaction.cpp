// exercises/05-client-transaction/solution/transaction.cpp — the model solution: the
// reference function (reference/smtp/client_session.cpp: transaction_step). Read it
// for the code.
//
// Standards: RFC 5321 §3.1, §3.2, §3.3, §4.1.1.1-4, §4.2; RFC 2920 §3.1.
// API: see ../exercise.hpp.
// Not implemented: nothing.
#include "exercise.hpp"

namespace smtplab::student {

smtp::TransactionStep transaction_step(const smtp::TransactionView& view, const Reply& reply) {
  return smtp::transaction_step(view, reply);
}

}  // namespace smtplab::student
