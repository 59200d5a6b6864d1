// exercises/05-client-transaction/plugin.cpp — makes the student's transaction_step the
// SMTP client's seam (exercises/support/plugin_abi.hpp).
//
// Standards: RFC 5321 §3.3, §4.1.1, §4.2; RFC 2920 (what the wrapped function implements).
// API: extern "C" smtplab_student_plugin_v1().
// Not implemented: recovery from a crash or an endless loop in the student's code.
#include <exception>
#include <string>

#include "exercise.hpp"
#include "plugin_abi.hpp"

namespace {

// An exception must not cross into the client engine: the session fails and says
// goodbye, with the exception's text as its reason in the trace (421 4.3.2, so the MTA
// keeps the message and retries).
smtplab::smtp::TransactionStep step(const smtplab::smtp::TransactionView& view, const smtplab::Reply& reply) {
  try {
    return smtplab::student::transaction_step(view, reply);
  } catch (const std::exception& e) {
    smtplab::smtp::TransactionStep failed;
    failed.send = smtplab::smtp::NextCommand::Quit;
    failed.failed = true;
    failed.reason = std::string("transaction_step threw: ") + e.what();
    return failed;
  } catch (...) {
    smtplab::smtp::TransactionStep failed;
    failed.send = smtplab::smtp::NextCommand::Quit;
    failed.failed = true;
    failed.reason = "transaction_step threw";
    return failed;
  }
}

const SmtplabStudentPlugin plugin = {
    smtplab_plugin_abi_version, sizeof(SmtplabStudentPlugin), "05-client-transaction",
    nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, &step,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const SmtplabStudentPlugin* smtplab_student_plugin_v1() {
  return &plugin;
}
