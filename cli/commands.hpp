// cli/commands.hpp — one runner per `smtplab` subcommand.
//
// Exit codes (all subcommands): 0 success, 1 the scenario ran but an expectation
// failed, 2 invalid input (a scenario that does not load, a bad option).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace smtplab::cli {

struct RunOptions {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  std::string json_path;
  std::string color = "auto";
  bool verbose = false;
  bool hide_state = false;
  bool hide_connections = false;
  bool quiet = false;
  std::size_t lane_width = 16;
};

int run_command(const RunOptions& options);

}  // namespace smtplab::cli
