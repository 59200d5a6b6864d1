// exercises/01-reply-parser/plugin.cpp — makes the student's parse_reply_lines a seam
// of the running engines (exercises/support/plugin_abi.hpp).
//
// Standards: RFC 5321 §4.2 (what the wrapped function implements).
// API: extern "C" smtplab_student_plugin_v1(), built by the grader into a shared
//      library together with reply_parser.cpp.
// Not implemented: recovery from a crash or an endless loop in the student's code
// (`smtplab grade` runs tests in separate processes for that; `run` cannot).
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

// An exception must not cross into the engine, which does not expect one: it becomes
// a refused reply with the exception's text, which the trace then shows.
smtplab::smtp::ParsedReply guarded(const std::vector<std::string>& lines) {
  try {
    smtplab::smtp::ParsedReply parsed = smtplab::student::parse_reply_lines(lines);
    parsed.why = printable(std::move(parsed.why));
    if (!parsed.ok && parsed.why.empty()) parsed.why = "your parse_reply_lines refused the reply without saying why";
    return parsed;
  } catch (const std::exception& e) {
    smtplab::smtp::ParsedReply failed;
    failed.why = std::string("your parse_reply_lines threw: ") + e.what();
    return failed;
  } catch (...) {
    smtplab::smtp::ParsedReply failed;
    failed.why = "your parse_reply_lines threw something that is not a std::exception";
    return failed;
  }
}

const SmtplabStudentPlugin plugin = {
    smtplab_plugin_abi_version, sizeof(SmtplabStudentPlugin), "01-reply-parser",
    &guarded, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const SmtplabStudentPlugin* smtplab_student_plugin_v1() {
  return &plugin;
}
