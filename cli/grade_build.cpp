// cli/grade_build.cpp — finding the sources, the built libraries and the compiler, and
// compiling an exercise with them, with a cache so each unchanged file compiles once.
//
// Standards: none (CMake's CMakeCache.txt "KEY:TYPE=VALUE" lines; GCC/Clang options).
// API: find_toolchain, compile_object, link_program, link_shared_library (grade.hpp).
// Not implemented: compilers other than GCC and Clang (the options are theirs); a
// cache that notices a changed reference header without a rebuilt library (the key
// includes the libraries' times, which change whenever the build does).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "grade.hpp"

namespace smtplab::cli::grade {

namespace {

// Our choice: compiler output kept for the report. A template error can be long; the
// first part says what is wrong.
constexpr std::size_t compiler_log_keep_bytes = 24 * 1024;

std::map<std::string, std::string> read_cmake_cache(const fs::path& file) {
  std::map<std::string, std::string> values;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '/') continue;
    const auto colon = line.find(':');
    const auto eq = line.find('=');
    if (colon == std::string::npos || eq == std::string::npos || colon > eq) continue;
    values[line.substr(0, colon)] = line.substr(eq + 1);
  }
  return values;
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// FNV-1a, 64 bits: a cache key, not a security measure.
struct Hash {
  std::uint64_t value = 14695981039346656037ull;
  void add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      value ^= c;
      value *= 1099511628211ull;
    }
    value ^= 0xff;  // a separator, so ("ab","c") and ("a","bc") differ
    value *= 1099511628211ull;
  }
  std::string hex() const {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (int shift = 60; shift >= 0; shift -= 4) out += digits[(value >> shift) & 0xf];
    return out;
  }
};

std::string file_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> base_flags(const Toolchain& tc) {
  std::vector<std::string> flags = {"-std=c++20", "-g", "-O0", "-Wall", "-Wextra"};
  if (tc.sanitize) {
    flags.push_back("-fsanitize=address,undefined");
    flags.push_back("-fno-omit-frame-pointer");
  }
  return flags;
}

fs::path library_file(const Toolchain& tc, const std::string& name) {
  return tc.build_dir / "reference" / ("libsmtplab_" + name + ".a");
}

// The reference libraries that exist (a module still being written has none).
std::vector<std::string> library_arguments(const Toolchain& tc, const std::vector<std::string>& names) {
  std::vector<std::string> args = {"-Wl,--start-group"};
  for (const std::string& name : names) {
    std::error_code ec;
    if (fs::exists(library_file(tc, name), ec)) args.push_back(library_file(tc, name).string());
  }
  args.push_back("-Wl,--end-group");
  for (const std::string& lib : tc.mbedtls_libraries) args.push_back(lib);
  // mbedTLS is linked with time() wrapped, as in the main build (top-level CMakeLists.txt):
  // the wrapper lives in its own small library.
  if (!tc.mbedtls_libraries.empty()) {
    args.push_back((tc.build_dir / "reference" / "libsmtplab_mbedtls_time.a").string());
    args.push_back("-Wl,--wrap=time");
  }
  return args;
}

std::string library_times(const Toolchain& tc) {
  std::string text;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tc.build_dir / "reference", ec)) {
    if (entry.path().extension() != ".a") continue;
    text += entry.path().filename().string() + "@" +
            std::to_string(entry.last_write_time(ec).time_since_epoch().count()) + ";";
  }
  return text;
}

BuildStep run_build(const Toolchain& tc, std::vector<std::string> argv, const fs::path& output, double time_limit_s) {
  BuildStep step;
  step.output = output;
  std::error_code ec;
  fs::create_directories(output.parent_path(), ec);
  // Per-process names: two graders (ctest -j) may build the same cached object at once.
  const std::string own = "." + std::to_string(getpid());
  const fs::path log = output.string() + own + ".log";
  const fs::path partial = output.string() + own + ".partial";
  argv.push_back("-o");
  argv.push_back(partial.string());
  ProcessLimits limits;
  limits.wall_s = time_limit_s;
  limits.output_max_bytes = 1ull << 30;  // objects with debug information can be big
  const ProcessResult run = run_process(argv, log, limits, compiler_log_keep_bytes);
  step.log = run.output;
  if (run.timed_out) step.log += "\n[the compiler was stopped after " + std::to_string(int(time_limit_s)) + " s]";
  (void)tc;
  step.ok = run.started && !run.timed_out && run.exit_code == 0 && fs::exists(partial, ec);
  // Renamed only when complete, so an interrupted build never leaves a cached object.
  if (step.ok) fs::rename(partial, output, ec);
  if (ec) step.ok = false;
  fs::remove(partial, ec);
  fs::remove(log, ec);
  return step;
}

}  // namespace

fs::path default_work_dir(const Toolchain& tc) { return tc.build_dir / "grade-work"; }

std::optional<Toolchain> find_toolchain(const ToolchainOverrides& overrides, std::string& error) {
  Toolchain tc;
  std::string build = !overrides.build_dir.empty() ? overrides.build_dir : env("SMTPLAB_BUILD_DIR");
  std::error_code ec;
  if (build.empty()) {
    // …/build/cli/smtplab: the build tree is two levels up.
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && fs::exists(self.parent_path().parent_path() / "CMakeCache.txt"))
      build = self.parent_path().parent_path().string();
  }
  if (build.empty() || !fs::exists(fs::path(build) / "CMakeCache.txt")) {
    error = "cannot find the smtplab build tree (a folder with CMakeCache.txt and reference/libsmtplab_core.a); "
            "give it with --build-dir or SMTPLAB_BUILD_DIR";
    return std::nullopt;
  }
  tc.build_dir = fs::canonical(build, ec);
  const auto cache = read_cmake_cache(tc.build_dir / "CMakeCache.txt");
  const auto value = [&cache](const std::string& key) {
    const auto it = cache.find(key);
    return it == cache.end() ? std::string() : it->second;
  };

  std::string source = !overrides.source_dir.empty() ? overrides.source_dir : env("SMTPLAB_SOURCE_DIR");
  if (source.empty()) source = value("CMAKE_HOME_DIRECTORY");
  if (source.empty()) {
    // The tree this file was compiled from (CMake passes absolute paths).
    const fs::path here(__FILE__);
    if (here.is_absolute()) source = here.parent_path().parent_path().string();
  }
  if (source.empty() || !fs::exists(fs::path(source) / "reference" / "core" / "reply.hpp")) {
    error = "cannot find the smtplab source tree (with reference/ and exercises/); give it with --source-dir or "
            "SMTPLAB_SOURCE_DIR";
    return std::nullopt;
  }
  tc.source_dir = fs::canonical(source, ec);
  if (!fs::exists(library_file(tc, "core"))) {
    error = "the reference libraries are not built in " + (tc.build_dir / "reference").string() +
            "; run: cmake --build " + tc.build_dir.string() + " --target smtplab";
    return std::nullopt;
  }
  if (!value("CMAKE_CXX_COMPILER").empty()) tc.cxx = value("CMAKE_CXX_COMPILER");
  const std::string sanitize = value("SMTPLAB_SANITIZE");
  tc.sanitize = sanitize == "ON" || sanitize == "TRUE" || sanitize == "1";
  tc.conformance_dir = value("SMTPLAB_CONFORMANCE_DIR");
  // A header newer than every library means nothing was rebuilt since it changed:
  // objects compiled now might not match the libraries (different struct layouts).
  fs::file_time_type newest_header{}, newest_library{};
  for (const auto& entry : fs::recursive_directory_iterator(tc.source_dir / "reference", ec))
    if (entry.path().extension() == ".hpp") newest_header = std::max(newest_header, entry.last_write_time(ec));
  for (const auto& entry : fs::directory_iterator(tc.build_dir / "reference", ec))
    if (entry.path().extension() == ".a") newest_library = std::max(newest_library, entry.last_write_time(ec));
  if (newest_header > newest_library)
    tc.warning = "reference/ has changed since the libraries in " + (tc.build_dir / "reference").string() +
                 " were built; if tests crash oddly, rebuild: cmake --build " + tc.build_dir.string() +
                 " --target smtplab";
  for (const char* key : {"MBEDTLS_STATIC_LIBRARY", "MBEDX509_STATIC_LIBRARY", "MBEDCRYPTO_STATIC_LIBRARY"})
    if (!value(key).empty() && value(key).find("NOTFOUND") == std::string::npos) tc.mbedtls_libraries.push_back(value(key));
  return tc;
}

BuildStep compile_object(const Toolchain& tc, const fs::path& source, const std::vector<fs::path>& include_dirs,
                         const std::vector<std::string>& defines, bool position_independent,
                         const fs::path& cache_dir, double time_limit_s) {
  std::vector<std::string> argv = {tc.cxx};
  for (const std::string& flag : base_flags(tc)) argv.push_back(flag);
  if (position_independent) {
    argv.push_back("-fPIC");
    argv.push_back("-fvisibility=hidden");
  }
  for (const fs::path& dir : include_dirs) argv.push_back("-I" + dir.string());
  for (const std::string& define : defines) argv.push_back("-D" + define);
  argv.push_back("-c");
  argv.push_back(source.string());

  // The key: the command, the file, the headers beside it and in the include folders
  // we own, and the libraries' times (they change whenever reference/ is rebuilt).
  Hash key;
  for (const std::string& a : argv) key.add(a);
  key.add(file_text(source));
  std::error_code ec;
  for (const fs::path& dir : include_dirs) {
    if (dir == tc.source_dir / "reference") continue;  // covered by the library times
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().extension() == ".hpp") key.add(entry.path().filename().string() + file_text(entry.path()));
  }
  key.add(library_times(tc));
  const fs::path object = cache_dir / (source.stem().string() + "-" + key.hex() + ".o");
  if (fs::exists(object, ec)) {
    BuildStep step;
    step.ok = true;
    step.cached = true;
    step.output = object;
    return step;
  }
  return run_build(tc, argv, object, time_limit_s);
}

BuildStep link_program(const Toolchain& tc, const std::vector<fs::path>& objects,
                       const std::vector<std::string>& libraries, const fs::path& output, double time_limit_s) {
  std::vector<std::string> argv = {tc.cxx};
  if (tc.sanitize) argv.push_back("-fsanitize=address,undefined");
  for (const fs::path& o : objects) argv.push_back(o.string());
  for (const std::string& a : library_arguments(tc, libraries)) argv.push_back(a);
  return run_build(tc, argv, output, time_limit_s);
}

BuildStep link_shared_library(const Toolchain& tc, const std::vector<fs::path>& objects,
                              const std::vector<std::string>& libraries, const fs::path& output,
                              double time_limit_s) {
  // The reference libraries are static (built position-independent for this, see
  // reference/CMakeLists.txt), and the smtplab program exports none of their symbols,
  // so the student's library cannot resolve against it at load time. It carries
  // its own copy of what it uses, with its own C++ runtime (-static-libstdc++), bound
  // to itself (-Bsymbolic) and hidden (--exclude-libs): only the entry point is
  // exported. Both sides are built from the same headers by the same compiler, so the
  // types they pass (std::string, std::vector) have the same layout.
  std::vector<std::string> argv = {tc.cxx, "-shared", "-static-libstdc++", "-static-libgcc",
                                   "-Wl,-Bsymbolic", "-Wl,--exclude-libs,ALL"};
  // Every symbol must be found now, not when smtplab loads the library; a sanitizer
  // build leaves its runtime's symbols to the program.
  if (tc.sanitize) argv.push_back("-fsanitize=address,undefined");
  else argv.push_back("-Wl,--no-undefined");
  for (const fs::path& o : objects) argv.push_back(o.string());
  for (const std::string& a : library_arguments(tc, libraries)) argv.push_back(a);
  return run_build(tc, argv, output, time_limit_s);
}

}  // namespace smtplab::cli::grade
