// cli/main.cpp — the `smtplab` command: builds the command line and hands the chosen
// subcommand to its runner (STYLE §8: no protocol logic in a main).
#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"smtplab — learn how e-mail moves: SMTP, DNS and friends, step by step"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "smtplab 0.1.0");

  smtplab::cli::Action action;
  smtplab::cli::add_run_command(app, action);
  smtplab::cli::add_dkim_command(app, action);
  smtplab::cli::add_spf_command(app, action);
  smtplab::cli::add_grade_command(app, action);
  smtplab::cli::add_serve_command(app, action);
  smtplab::cli::add_send_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the help for --help (exit 0) and the problem otherwise (exit 2).
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!action) return 2;
  try {
    return action();
  } catch (const std::exception& e) {
    // Our own bug (STYLE §17): say so plainly rather than crash with an abort.
    std::cerr << "smtplab: internal error: " << e.what() << "\n";
    return 3;
  }
}
