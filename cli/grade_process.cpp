// cli/grade_process.cpp — running a compiler or a test program with limits, so that a
// student's endless loop, crash or flood of output cannot stop the grader.
//
// Standards: POSIX fork/execvp/waitpid/setpgid/setrlimit/kill.
// API: run_process(argv, log_file, limits), describe_signal(signal); see grade.hpp.
// Not implemented: memory limits (RLIMIT_AS breaks sanitizer builds, which reserve
// terabytes of address space); the wall-clock limit catches a program that thrashes.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "grade.hpp"

namespace smtplab::cli::grade {

namespace {

// How often the parent looks whether the child has finished (our choice: short enough
// that a fast test costs no noticeable wait, long enough to use no CPU).
constexpr auto poll_interval = std::chrono::milliseconds(5);

std::string read_prefix(const fs::path& file, std::size_t keep_bytes) {
  std::ifstream in(file, std::ios::binary);
  std::string text(keep_bytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(keep_bytes));
  text.resize(static_cast<std::size_t>(in.gcount()));
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (!ec && size > keep_bytes) text += "\n[… " + std::to_string(size - keep_bytes) + " more bytes not shown]";
  return text;
}

}  // namespace

std::string describe_signal(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV (segmentation fault: a bad pointer or an out-of-range index)";
    case SIGABRT: return "SIGABRT (abort: a failed assertion, or an exception nobody caught)";
    case SIGFPE: return "SIGFPE (arithmetic error, such as a division by zero)";
    case SIGBUS: return "SIGBUS (bus error: a bad memory access)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGKILL: return "SIGKILL (killed)";
    case SIGXCPU: return "SIGXCPU (CPU time limit exceeded)";
    case SIGXFSZ: return "SIGXFSZ (output size limit exceeded)";
    default: return "signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
}

ProcessResult run_process(const std::vector<std::string>& argv, const fs::path& log_file,
                          const ProcessLimits& limits, std::size_t output_keep_bytes) {
  ProcessResult result;
  if (argv.empty()) return result;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    result.output = std::string("cannot start a process: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0) {
    // The child: its own process group, so that a timeout kills whatever it started.
    setpgid(0, 0);
    const int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    // The CPU limit backs up the wall-clock one (rounded up, plus a second of grace).
    const auto cpu_s = static_cast<rlim_t>(limits.wall_s) + 2;
    rlimit cpu{cpu_s, cpu_s + 1};
    setrlimit(RLIMIT_CPU, &cpu);
    rlimit fsize{static_cast<rlim_t>(limits.output_max_bytes), static_cast<rlim_t>(limits.output_max_bytes)};
    setrlimit(RLIMIT_FSIZE, &fsize);
    rlimit core{0, 0};  // no core dumps in the student's folder
    setrlimit(RLIMIT_CORE, &core);
    execvp(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent, so the group exists before any kill
  result.started = true;

  int status = 0;
  const auto deadline = start + std::chrono::duration<double>(limits.wall_s);
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(poll_interval);
  }
  // Whatever the child started and left behind goes too.
  kill(-pid, SIGKILL);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.output = read_prefix(log_file, output_keep_bytes);
  return result;
}

}  // namespace smtplab::cli::grade
