// cli/commands.hpp — one file per `smtplab` subcommand; each adds itself to the CLI11
// app and, when chosen, sets the action that main() runs.
//
// Exit codes (all subcommands): 0 success, 1 the work ran but its verdict is negative
// (an expectation failed, a signature did not verify), 2 invalid input (a scenario
// that does not load, a bad option).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace smtplab::cli {

using Action = std::function<int()>;

// Each adds one subcommand to `app`; when the user picks it, `action` is set.
void add_run_command(CLI::App& app, Action& action);
void add_dkim_command(CLI::App& app, Action& action);  // cli/mailauth_command.cpp
void add_spf_command(CLI::App& app, Action& action);   // cli/mailauth_command.cpp
void add_grade_command(CLI::App& app, Action& action);
void add_serve_command(CLI::App& app, Action& action);  // cli/serve_command.cpp
void add_send_command(CLI::App& app, Action& action);   // cli/send_command.cpp

}  // namespace smtplab::cli
