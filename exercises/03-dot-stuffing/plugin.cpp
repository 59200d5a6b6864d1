// exercises/03-dot-stuffing/plugin.cpp — makes the student's dot_stuff and scan_data
// seams of the running client and server (exercises/support/plugin_abi.hpp).
//
// Standards: RFC 5321 §4.5.2, §4.1.1.4 (what the wrapped functions implement).
// API: extern "C" smtplab_student_plugin_v1().
// Not implemented: recovery from a crash or an endless loop in the student's code.
#include "exercise.hpp"
#include "plugin_abi.hpp"

#include <exception>

namespace {

// An exception must not cross into the engine. For sending, the content goes out
// unchanged but for a final CRLF (so the trace shows what a missing stuffing does);
// for receiving, "not complete yet" (the message then waits for the timeout, which the
// trace shows).
std::string stuff(std::string_view content) {
  try {
    return smtplab::student::dot_stuff(content);
  } catch (...) {
    std::string out(content);
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
  }
}

smtplab::smtp::DataScan scan(std::string_view received) {
  try {
    return smtplab::student::scan_data(received);
  } catch (...) {
    return {};
  }
}

const SmtplabStudentPlugin plugin = {
    smtplab_plugin_abi_version, sizeof(SmtplabStudentPlugin), "03-dot-stuffing",
    nullptr, nullptr, nullptr, nullptr, &stuff, &scan, nullptr, nullptr,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const SmtplabStudentPlugin* smtplab_student_plugin_v1() {
  return &plugin;
}
