// exercises/02-paths-and-parameters/plugin.cpp — makes the student's path and
// parameter parsers seams of the running server (exercises/support/plugin_abi.hpp).
//
// Standards: RFC 5321 §4.1.2 (what the wrapped functions implement).
// API: extern "C" smtplab_student_plugin_v1().
// Not implemented: recovery from a crash or an endless loop in the student's code.
#include "exercise.hpp"
#include "plugin_abi.hpp"

#include <exception>
#include <string>

namespace {

// The reason goes into a reply line and the trace: a CR or LF in it would let the
// student's text start a new reply (RFC 5321 §2.3.8), so every byte outside printable
// ASCII becomes '?'.
std::string printable(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) c = '?';
  return text;
}

// An exception must not cross into the engine: it becomes a refusal with its text.
template <typename Result, typename Call>
Result guarded(const char* name, Call call) {
  try {
    Result result = call();
    result.why = printable(std::move(result.why));
    return result;
  } catch (const std::exception& e) {
    Result failed;
    failed.why = std::string("your ") + name + " threw: " + e.what();
    return failed;
  } catch (...) {
    Result failed;
    failed.why = std::string("your ") + name + " threw something that is not a std::exception";
    return failed;
  }
}

smtplab::PathParse reverse(std::string_view text) {
  auto r = guarded<smtplab::PathParse>("parse_reverse_path", [&] { return smtplab::student::parse_reverse_path(text); });
  if (!r.path && r.why.empty()) r.why = "your parse_reverse_path refused the path without saying why";
  return r;
}
smtplab::PathParse forward(std::string_view text) {
  auto r = guarded<smtplab::PathParse>("parse_forward_path", [&] { return smtplab::student::parse_forward_path(text); });
  if (!r.path && r.why.empty()) r.why = "your parse_forward_path refused the path without saying why";
  return r;
}
smtplab::smtp::ParameterParse parameters(std::string_view text) {
  return guarded<smtplab::smtp::ParameterParse>("parse_esmtp_parameters",
                                                [&] { return smtplab::student::parse_esmtp_parameters(text); });
}

const SmtplabStudentPlugin plugin = {
    smtplab_plugin_abi_version, sizeof(SmtplabStudentPlugin), "02-paths-and-parameters",
    nullptr, &reverse, &forward, &parameters, nullptr, nullptr, nullptr, nullptr,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const SmtplabStudentPlugin* smtplab_student_plugin_v1() {
  return &plugin;
}
