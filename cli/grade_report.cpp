// cli/grade_report.cpp — a grading result as a table for the terminal, as Gradescope's
// results.json and as JUnit XML.
//
// Standards: Gradescope autograder specifications, "Output format" (results.json:
//            top-level "score", "execution_time", "output"; "tests": name, score,
//            max_score, status, output, visibility); JUnit XML as read by GitHub,
//            GitLab and Jenkins (testsuites > testsuite > testcase > failure,
//            system-out); XML 1.0 escaping (grade_xml.hpp).
// API: print_table, gradescope_json, junit_xml (grade.hpp).
// Not implemented: Gradescope leaderboards and per-test "tags"/"number".
#include <cstdio>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "grade.hpp"
#include "grade_xml.hpp"

namespace smtplab::cli::grade {

namespace {

std::string failure_text(const TestResult& test) {
  std::string text;
  for (const Failure& f : test.failures) {
    if (!text.empty()) text += "\n";
    if (!f.where.empty()) text += f.where + ": ";
    text += f.what + "\n";
    if (!f.expanded.empty()) text += "  with expansion (your value first):\n    " + f.expanded + "\n";
    if (!f.message.empty()) text += "  " + f.message + "\n";
  }
  return text;
}

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    out += prefix + text.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string seconds_text(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", s);
  return buffer;
}

}  // namespace

void print_table(const GradeResult& result, std::ostream& out, bool colour) {
  const char* bold = colour ? "\x1b[1m" : "";
  const char* green = colour ? "\x1b[32m" : "";
  const char* red = colour ? "\x1b[31m" : "";
  const char* reset = colour ? "\x1b[0m" : "";
  out << bold << "Exercise " << result.spec.name << ": " << result.spec.title << reset << "\n";
  out << "Graded files in " << result.student_dir.string() << ":";
  for (const std::string& f : result.spec.student_files) out << " " << f;
  out << "\n\n";
  if (!result.built) {
    out << red << "BUILD FAILED" << reset << " — every test scores 0.\n" << indent(result.build_log, "  ") << "\n";
  }
  out << "  #  result      points  test\n";
  int number = 0;
  for (const TestResult& t : result.tests) {
    ++number;
    char head[64];
    std::snprintf(head, sizeof head, "%3d  %-10s %3d/%-3d  ", number, t.status.c_str(), t.points, t.max_points);
    out << (t.passed ? green : red) << head << reset << t.name << "\n";
    if (!t.passed && result.built) out << indent(failure_text(t), "       ");
    if (!t.passed && result.built && !t.output.empty())
      out << "       your program printed:\n" << indent(t.output, "         ");
  }
  out << "\n" << bold << "Total: " << result.points() << "/" << result.max_points() << reset << "  ("
      << seconds_text(result.seconds) << " s)\n";
}

std::string gradescope_json(const GradeResult& result) {
  nlohmann::json doc;
  doc["score"] = result.points();
  doc["execution_time"] = result.seconds;
  std::string summary = "Exercise " + result.spec.name + ": " + std::to_string(result.points()) + "/" +
                        std::to_string(result.max_points()) + " points.";
  if (!result.built) summary += "\nThe exercise did not build, so every test scores 0:\n" + result.build_log;
  doc["output"] = summary;
  doc["tests"] = nlohmann::json::array();
  for (const TestResult& t : result.tests) {
    nlohmann::json test;
    test["name"] = t.name;
    test["score"] = t.points;
    test["max_score"] = t.max_points;
    test["status"] = t.passed ? "passed" : "failed";
    std::string output = t.passed ? "passed" : t.status + "\n" + failure_text(t);
    if (!t.output.empty() && !t.passed) output += "\nyour program printed:\n" + t.output;
    test["output"] = output;
    // Instructors' hidden tests ([hidden]) are shown once the grades are published.
    test["visibility"] = t.hidden ? "after_published" : "visible";
    doc["tests"].push_back(std::move(test));
  }
  // A student's output may hold any bytes; invalid UTF-8 becomes U+FFFD, never an error.
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string junit_xml(const GradeResult& result) {
  std::size_t failures = 0, errors = 0;
  for (const TestResult& t : result.tests) {
    if (t.passed) continue;
    if (t.status == "failed") ++failures;
    else ++errors;  // crashed, timed out, not built: the test could not give a verdict
  }
  const std::string suite = xml_escape(result.spec.name);
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"smtplab grade\" tests=\"" << result.tests.size() << "\" failures=\"" << failures
      << "\" errors=\"" << errors << "\" time=\"" << seconds_text(result.seconds) << "\">\n";
  out << "  <testsuite name=\"" << suite << "\" tests=\"" << result.tests.size() << "\" failures=\"" << failures
      << "\" errors=\"" << errors << "\" time=\"" << seconds_text(result.seconds) << "\">\n";
  out << "    <properties>\n      <property name=\"score\" value=\"" << result.points()
      << "\"/>\n      <property name=\"max_score\" value=\"" << result.max_points() << "\"/>\n    </properties>\n";
  for (const TestResult& t : result.tests) {
    out << "    <testcase classname=\"" << suite << "\" name=\"" << xml_escape(t.name) << "\" time=\""
        << seconds_text(t.seconds) << "\">\n";
    const std::string points = std::to_string(t.points) + "/" + std::to_string(t.max_points) + " points";
    if (!t.passed) {
      const char* element = t.status == "failed" ? "failure" : "error";
      const std::string message = t.status + ", " + points;
      std::string body = failure_text(t);
      if (!result.built) body = result.build_log;
      out << "      <" << element << " message=\"" << xml_escape(message) << "\" type=\"" << xml_escape(t.status)
          << "\">" << xml_escape(body) << "</" << element << ">\n";
    }
    out << "      <system-out>" << xml_escape(points + (t.output.empty() ? "" : "\n" + t.output)) << "</system-out>\n";
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

}  // namespace smtplab::cli::grade
