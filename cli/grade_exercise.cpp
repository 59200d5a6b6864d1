// cli/grade_exercise.cpp — grading one exercise: build its tests with the student's
// file, list the test cases and their points, run each in its own process with a time
// limit, and read Catch2's XML report of each.
//
// Standards: none of the mail RFCs (the tests cite theirs). Catch2 v2 command line
//            (test names with "\" escapes, -r xml, -o FILE) and XML report format.
// API: load_exercise, grade_exercise, GradeResult::points / max_points (grade.hpp).
// Not implemented: running test cases in parallel (the lab machines have 2 cores and
// several users; one at a time keeps the time limit fair).
#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <toml++/toml.h>

#include "grade.hpp"
#include "grade_xml.hpp"

namespace smtplab::cli::grade {

namespace {

// Our choices, each a limit on something a student controls (STYLE §18):
constexpr double compile_time_limit_s = 300;            // one file, on a busy 2-core machine
constexpr double list_time_limit_s = 30;                // listing runs no test code
constexpr std::size_t failures_per_test_max = 8;        // enough to see the pattern
constexpr std::size_t text_per_failure_max = 2000;      // a transcript fits; a flood does not
constexpr std::size_t output_per_test_max = 4000;       // what the student's code printed

std::string clip(std::string text, std::size_t max) {
  if (text.size() > max) text = text.substr(0, max) + "\n[… cut]";
  return text;
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && (text[start] == '\n' || text[start] == ' ' || text[start] == '\r')) ++start;
  return text.substr(start);
}

// Catch2 v2 test specs: ',' separates, '[' starts a tag, '"' quotes, '*' is a
// wildcard, '~' and a leading '-' negate; a backslash makes the next character plain.
std::string catch_spec(const std::string& name) {
  std::string spec;
  for (char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
                       static_cast<unsigned char>(c) > 127;
    if (!plain) spec += '\\';
    spec += c;
  }
  return spec;
}

struct ListedTest {
  int points = 1;
  std::string tags;
  std::string name;
};

std::vector<ListedTest> parse_listing(const std::string& text) {
  std::vector<ListedTest> tests;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto tab1 = line.find('\t');
    const auto tab2 = tab1 == std::string::npos ? std::string::npos : line.find('\t', tab1 + 1);
    if (tab2 == std::string::npos) continue;
    ListedTest t;
    try {
      t.points = std::stoi(line.substr(0, tab1));
    } catch (const std::exception&) {
      continue;
    }
    t.tags = line.substr(tab1 + 1, tab2 - tab1 - 1);
    t.name = line.substr(tab2 + 1);
    tests.push_back(std::move(t));
  }
  return tests;
}

void collect_failures(const XmlNode& node, const std::string& source_dir, TestResult& test, std::vector<std::string>& infos) {
  const auto where = [&](const XmlNode& n) {
    std::string file = n.attribute("filename");
    if (!source_dir.empty() && file.rfind(source_dir, 0) == 0) file = file.substr(source_dir.size() + 1);
    return file + (n.attribute("line").empty() ? "" : ":" + n.attribute("line"));
  };
  for (const XmlNode& c : node.children) {
    if (c.name == "Section") {
      collect_failures(c, source_dir, test, infos);
    } else if (c.name == "Info" || c.name == "Warning") {
      infos.push_back(trim(c.text));
    } else if (c.name == "Expression" && c.attribute("success") == "false") {
      Failure f;
      f.where = where(c);
      const XmlNode* original = c.child("Original");
      const XmlNode* expanded = c.child("Expanded");
      f.what = c.attribute("type") + "( " + (original ? trim(original->text) : "") + " )";
      f.expanded = expanded ? clip(trim(expanded->text), text_per_failure_max) : "";
      // Catch repeats the expression when it has nothing to expand (an exception).
      if (original != nullptr && f.expanded == trim(original->text)) f.expanded.clear();
      if (const XmlNode* e = c.child("Exception")) f.message = "exception: " + trim(e->text);
      if (const XmlNode* e = c.child("FatalErrorCondition")) f.message = "fatal error: " + trim(e->text);
      std::string context;
      for (const std::string& info : infos) context += (context.empty() ? "" : "\n") + info;
      if (!context.empty()) f.message += (f.message.empty() ? "" : "\n") + clip(context, text_per_failure_max);
      if (test.failures.size() < failures_per_test_max) test.failures.push_back(std::move(f));
    } else if (c.name == "Exception" || c.name == "FatalErrorCondition" || c.name == "Failure") {
      Failure f;
      f.where = where(c);
      f.what = c.name == "Exception" ? "an exception escaped the test"
               : c.name == "Failure" ? "FAIL"
                                     : "a fatal error (crash)";
      f.message = clip(trim(c.text), text_per_failure_max);
      if (test.failures.size() < failures_per_test_max) test.failures.push_back(std::move(f));
    }
  }
}

std::vector<fs::path> cpp_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".cpp") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int GradeResult::points() const {
  int total = 0;
  for (const TestResult& t : tests) total += t.points;
  return total;
}

int GradeResult::max_points() const {
  int total = 0;
  for (const TestResult& t : tests) total += t.max_points;
  return total;
}

std::optional<ExerciseSpec> load_exercise(const fs::path& dir, std::string& error) {
  std::error_code ec;
  const fs::path file = dir / "exercise.toml";
  if (!fs::exists(file, ec)) {
    error = dir.string() + " is not an exercise: it has no exercise.toml";
    return std::nullopt;
  }
  ExerciseSpec spec;
  spec.dir = fs::canonical(dir, ec);
  spec.name = spec.dir.filename().string();
  try {
    const toml::table table = toml::parse_file(file.string());
    const toml::node_view exercise = table["exercise"];
    spec.title = exercise["title"].value_or(spec.name);
    if (const toml::array* files = exercise["student_files"].as_array())
      for (const auto& f : *files)
        if (auto s = f.value<std::string>()) spec.student_files.push_back(*s);
    spec.plugin = exercise["plugin"].value_or(std::string());
    if (const toml::array* libs = exercise["libraries"].as_array())
      for (const auto& l : *libs)
        if (auto s = l.value<std::string>()) spec.libraries.push_back(*s);
    spec.time_limit_s = exercise["time_limit_s"].value_or(10.0);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << file.string() << ":" << e.source().begin.line << ": " << e.description();
    error = where.str();
    return std::nullopt;
  }
  if (spec.student_files.empty()) {
    error = file.string() + ": [exercise] needs student_files";
    return std::nullopt;
  }
  for (const std::string& f : spec.student_files) {
    if (f.find('/') != std::string::npos || f.find("..") != std::string::npos) {
      error = file.string() + ": student_files must be plain file names";
      return std::nullopt;
    }
  }
  if (spec.time_limit_s <= 0 || spec.time_limit_s > 600) spec.time_limit_s = 10;
  return spec;
}

GradeResult grade_exercise(const Toolchain& tc, const ExerciseSpec& spec, const GradeOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  GradeResult result;
  result.spec = spec;
  result.student_dir = options.student_dir.empty() ? spec.dir : options.student_dir;
  const double time_limit_s = options.time_limit_s.value_or(spec.time_limit_s);
  std::error_code ec;
  const fs::path work = options.work_dir.empty() ? default_work_dir(tc) : options.work_dir;
  const fs::path cache = work / "objects";
  // Each grading run gets its own scratch folder, so two graders never share files.
  const fs::path scratch = work / "runs" / (spec.name + "-" + std::to_string(getpid()));
  fs::create_directories(cache, ec);
  fs::create_directories(scratch, ec);

  const std::vector<fs::path> includes = {tc.source_dir / "reference", spec.dir, tc.source_dir / "exercises" / "support"};
  const std::vector<std::string> defines = {
      "SMTPLAB_SOURCE_DIR=\"" + tc.source_dir.string() + "\"",
      "SMTPLAB_CONFORMANCE_DIR=\"" + tc.conformance_dir.string() + "\"",
      "SMTPLAB_EXERCISE_DIR=\"" + spec.dir.string() + "\""};

  // 1. Build: the student's files, the tests (cached), the runner (cached), linked.
  std::vector<fs::path> objects;
  std::string build_log;
  bool built = true;
  for (const std::string& name : spec.student_files) {
    const fs::path file = result.student_dir / name;
    if (!fs::exists(file, ec)) {
      built = false;
      build_log += "missing file: " + file.string() + " (the exercise needs it)\n";
      continue;
    }
    BuildStep step = compile_object(tc, file, includes, defines, false, cache, compile_time_limit_s);
    if (!step.ok) {
      built = false;
      build_log += "your file " + name + " does not compile:\n" + step.log + "\n";
    }
    objects.push_back(step.output);
  }
  std::vector<fs::path> test_files = cpp_files(spec.dir / "tests");
  for (const fs::path& extra : options.extra_test_dirs)
    for (const fs::path& f : cpp_files(extra)) test_files.push_back(f);
  if (test_files.empty()) {
    built = false;
    build_log += "the exercise has no tests (" + (spec.dir / "tests").string() + "/*.cpp)\n";
  }
  for (const fs::path& file : test_files) {
    if (!built) break;
    BuildStep step = compile_object(tc, file, includes, defines, false, cache, compile_time_limit_s);
    if (!step.ok) {
      built = false;
      build_log += "the tests " + file.filename().string() +
                   " do not compile against your files (did a signature in exercise.hpp change?):\n" + step.log + "\n";
    }
    objects.push_back(step.output);
  }
  if (built) {
    BuildStep step = compile_object(tc, tc.source_dir / "exercises" / "support" / "grading_main.cpp", includes, {},
                                    false, cache, compile_time_limit_s);
    if (!step.ok) {
      built = false;
      build_log += "the grader's test runner does not compile (not your fault):\n" + step.log + "\n";
    }
    objects.push_back(step.output);
  }
  const fs::path program = scratch / "tests";
  if (built) {
    BuildStep step = link_program(tc, objects, spec.libraries, program, compile_time_limit_s);
    if (!step.ok) {
      built = false;
      build_log += "linking failed (is every function of exercise.hpp defined, with the same signature?):\n" +
                   step.log + "\n";
    }
  }
  result.built = built;
  result.build_log = build_log;

  // 2. List the test cases and their points. When the build failed, the listing comes
  // from the reference build of the same tests, so the table still shows what each
  // test is worth: build the tests with the model solution if there is one.
  std::vector<ListedTest> listed;
  fs::path lister = program;
  if (!built && fs::exists(spec.dir / "solution", ec)) {
    GradeOptions reference = options;
    reference.student_dir = spec.dir / "solution";
    // Only the listing is used; the solution's results are never reported.
    const fs::path ref_scratch = scratch / "reference";
    fs::create_directories(ref_scratch, ec);
    std::vector<fs::path> ref_objects;
    bool ok = true;
    for (const std::string& name : spec.student_files) {
      BuildStep s = compile_object(tc, reference.student_dir / name, includes, defines, false, cache, compile_time_limit_s);
      ok = ok && s.ok;
      ref_objects.push_back(s.output);
    }
    for (const fs::path& file : test_files) {
      BuildStep s = compile_object(tc, file, includes, defines, false, cache, compile_time_limit_s);
      ok = ok && s.ok;
      ref_objects.push_back(s.output);
    }
    BuildStep m = compile_object(tc, tc.source_dir / "exercises" / "support" / "grading_main.cpp", includes, {}, false,
                                 cache, compile_time_limit_s);
    ok = ok && m.ok;
    ref_objects.push_back(m.output);
    if (ok && link_program(tc, ref_objects, spec.libraries, ref_scratch / "tests", compile_time_limit_s).ok)
      lister = ref_scratch / "tests";
  }
  if (fs::exists(lister, ec)) {
    ProcessLimits limits;
    limits.wall_s = list_time_limit_s;
    const ProcessResult run = run_process({lister.string(), "--smtplab-list"}, scratch / "list.txt", limits, 1 << 20);
    if (run.exit_code == 0) listed = parse_listing(run.output);
  }

  // 3. Run each test case alone.
  for (const ListedTest& l : listed) {
    TestResult test;
    test.name = l.name;
    test.tags = l.tags;
    test.max_points = l.points;
    test.hidden = l.tags.find("[hidden]") != std::string::npos;
    if (!built) {
      test.status = "not built";
      test.output = "not run: the exercise did not build (see the build messages)";
      result.tests.push_back(std::move(test));
      continue;
    }
    const std::string index = std::to_string(result.tests.size() + 1);
    const fs::path xml_file = scratch / ("case-" + index + ".xml");
    fs::remove(xml_file, ec);
    ProcessLimits limits;
    limits.wall_s = time_limit_s;
    const ProcessResult run = run_process(
        {program.string(), catch_spec(l.name), "-r", "xml", "-o", xml_file.string(), "--durations", "no"},
        scratch / ("case-" + index + ".out"), limits, output_per_test_max);
    test.seconds = run.seconds;
    std::ifstream in(xml_file, std::ios::binary);
    std::stringstream xml_text;
    xml_text << in.rdbuf();
    std::string xml_error;
    const XmlNode report = parse_xml(xml_text.str(), xml_error);
    const XmlNode* group = report.child("Group");
    const XmlNode* test_case = group != nullptr ? group->child("TestCase") : nullptr;
    std::vector<std::string> infos;
    if (test_case != nullptr) collect_failures(*test_case, tc.source_dir.string(), test, infos);
    const XmlNode* overall = test_case != nullptr ? test_case->child("OverallResult") : nullptr;
    const bool success = overall != nullptr && overall->attribute("success") == "true";
    test.output = trim(run.output);
    if (run.timed_out) {
      test.status = "timed out";
      test.failures.push_back({"", "time limit", "", "stopped after " + std::to_string(int(time_limit_s)) +
                                                      " s: an endless loop, or a wait for input that never comes"});
    } else if (run.signal != 0) {
      test.status = "crashed";
      test.failures.push_back({"", "crash", "", "the test program was killed by " + describe_signal(run.signal)});
    } else if (test_case == nullptr) {
      test.status = "crashed";
      test.failures.push_back({"", "no report", "",
                               "the test program ended (exit code " + std::to_string(run.exit_code) +
                                   ") without reporting this test" + (xml_error.empty() ? "" : ": " + xml_error)});
    } else if (success && run.exit_code == 0) {
      test.status = "passed";
      test.passed = true;
      test.points = test.max_points;
    } else {
      test.status = "failed";
      if (test.failures.empty())
        test.failures.push_back({"", "failed", "", "the test failed without a failed assertion (exit code " +
                                                       std::to_string(run.exit_code) + ")"});
    }
    result.tests.push_back(std::move(test));
  }
  if (listed.empty() && built) {
    result.built = false;
    result.build_log += "the test program lists no test cases: it may crash before any test runs\n";
  }
  fs::remove_all(scratch, ec);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace smtplab::cli::grade
