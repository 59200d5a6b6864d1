// cli/grade_plugin.cpp — a student's exercises inside the running engines: build each
// exercise the student has a file for into a shared library, load it, and put its
// functions into the engines' seams (`smtplab run LESSON --student DIR`).
//
// Standards: POSIX dlopen/dlsym; the ABI of exercises/support/plugin_abi.hpp.
// API: load_student_plugins(toolchain, student_dir, work_dir) (grade.hpp).
// Not implemented: unloading (the libraries live as long as the process, like the
// engines that call into them); protection from a crash or a hang inside the student's
// code while a lesson runs (grade the exercise first: the grader isolates each test).
#include <dlfcn.h>

#include <algorithm>

#include "../exercises/support/plugin_abi.hpp"
#include "grade.hpp"

namespace smtplab::cli::grade {

namespace {

// Our choice: a plugin is one or two small files.
constexpr double plugin_build_time_limit_s = 300;

template <typename Fn>
void take(Fn& seam, Fn student, const char* name, std::string& names) {
  if (student == nullptr) return;
  seam = student;
  names += names.empty() ? name : std::string(", ") + name;
}

}  // namespace

StudentPlugins load_student_plugins(const Toolchain& tc, const fs::path& student_dir, const fs::path& work_dir) {
  StudentPlugins plugins;
  std::error_code ec;
  if (!fs::is_directory(student_dir, ec)) {
    plugins.error = student_dir.string() + " is not a folder";
    return plugins;
  }
  std::vector<fs::path> exercise_dirs;
  for (const auto& entry : fs::directory_iterator(tc.source_dir / "exercises", ec))
    if (fs::exists(entry.path() / "exercise.toml")) exercise_dirs.push_back(entry.path());
  std::sort(exercise_dirs.begin(), exercise_dirs.end());

  const fs::path cache = work_dir / "objects";
  const fs::path libraries = work_dir / "plugins";
  fs::create_directories(cache, ec);
  fs::create_directories(libraries, ec);
  for (const fs::path& dir : exercise_dirs) {
    std::string error;
    const auto spec = load_exercise(dir, error);
    if (!spec || spec->plugin.empty()) continue;
    const bool present = std::all_of(spec->student_files.begin(), spec->student_files.end(),
                                     [&](const std::string& f) { return fs::exists(student_dir / f); });
    if (!present) continue;

    const std::vector<fs::path> includes = {tc.source_dir / "reference", spec->dir, tc.source_dir / "exercises" / "support"};
    std::vector<fs::path> objects;
    std::vector<fs::path> sources;
    for (const std::string& f : spec->student_files) sources.push_back(student_dir / f);
    sources.push_back(spec->dir / spec->plugin);
    for (const fs::path& source : sources) {
      const BuildStep step = compile_object(tc, source, includes, {}, true, cache, plugin_build_time_limit_s);
      if (!step.ok) {
        plugins.error = source.string() + " does not compile:\n" + step.log;
        return plugins;
      }
      objects.push_back(step.output);
    }
    // Named after the objects' hashes: a changed file gives a new library, and dlopen
    // never hands back an older one of the same path.
    const fs::path library =
        libraries / (spec->name + "-" + objects.front().stem().string() + "-" + objects.back().stem().string() + ".so");
    if (!fs::exists(library, ec)) {
      const BuildStep step = link_shared_library(tc, objects, spec->libraries, library, plugin_build_time_limit_s);
      if (!step.ok) {
        plugins.error = "the " + spec->name + " library does not link:\n" + step.log;
        return plugins;
      }
    }
    void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      plugins.error = "cannot load " + library.string() + ": " + dlerror();
      return plugins;
    }
    const auto entry = reinterpret_cast<SmtplabStudentPluginEntry>(dlsym(handle, smtplab_student_plugin_symbol));
    const SmtplabStudentPlugin* plugin = entry != nullptr ? entry() : nullptr;
    if (plugin == nullptr || plugin->abi_version != smtplab_plugin_abi_version ||
        plugin->struct_size != sizeof(SmtplabStudentPlugin)) {
      plugins.error = library.string() + " was built for another version of smtplab (plugin ABI " +
                      std::to_string(plugin != nullptr ? plugin->abi_version : 0) + ", this program has " +
                      std::to_string(smtplab_plugin_abi_version) + ")";
      return plugins;
    }
    std::string names;
    take(plugins.seams.smtp.parse_reply_lines, plugin->parse_reply_lines, "parse_reply_lines", names);
    take(plugins.seams.smtp.parse_reverse_path, plugin->parse_reverse_path, "parse_reverse_path", names);
    take(plugins.seams.smtp.parse_forward_path, plugin->parse_forward_path, "parse_forward_path", names);
    take(plugins.seams.smtp.parse_esmtp_parameters, plugin->parse_esmtp_parameters, "parse_esmtp_parameters", names);
    take(plugins.seams.smtp.dot_stuff, plugin->dot_stuff, "dot_stuff", names);
    take(plugins.seams.smtp.scan_data, plugin->scan_data, "scan_data", names);
    take(plugins.seams.order_mx, plugin->order_mx, "order_mx", names);
    take(plugins.seams.smtp.transaction_step, plugin->transaction_step, "transaction_step", names);
    std::string files;
    for (const std::string& f : spec->student_files) files += (files.empty() ? "" : ", ") + (student_dir / f).string();
    plugins.loaded.push_back(spec->name + ": " + names + " (from " + files + ")");
  }
  if (plugins.loaded.empty()) {
    plugins.error = "no exercise file found in " + student_dir.string() +
                    " (expected e.g. reply_parser.cpp; see exercises/README.md)";
    return plugins;
  }
  plugins.ok = true;
  return plugins;
}

}  // namespace smtplab::cli::grade
