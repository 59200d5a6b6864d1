// exercises/04-mx-order/plugin.cpp — makes the student's order_mx the resolver's seam
// (exercises/support/plugin_abi.hpp).
//
// Standards: RFC 5321 §5.1 (what the wrapped function implements).
// API: extern "C" smtplab_student_plugin_v1().
// Not implemented: recovery from a crash or an endless loop in the student's code.
#include "exercise.hpp"
#include "plugin_abi.hpp"

namespace {

// An exception must not cross into the resolver: no targets at all, which the MTA
// reports as "no mail host" in the trace.
std::vector<smtplab::dns::MxTarget> order(std::vector<smtplab::dns::MxRecord> records, smtplab::Random& random) {
  try {
    return smtplab::student::order_mx(std::move(records), random);
  } catch (...) {
    return {};
  }
}

const SmtplabStudentPlugin plugin = {
    smtplab_plugin_abi_version, sizeof(SmtplabStudentPlugin), "04-mx-order",
    nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, &order, nullptr,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const SmtplabStudentPlugin* smtplab_student_plugin_v1() {
  return &plugin;
}
