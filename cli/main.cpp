// cli/main.cpp — the `smtplab` command: builds the command line and hands each
// subcommand to its runner (STYLE §8: no protocol logic in a main).
#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"smtplab — learn how e-mail moves: SMTP, DNS and friends, step by step"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "smtplab 0.1.0");

  smtplab::cli::RunOptions run;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Run a scenario or lesson in the simulator and print its sequence diagram");
  run_cmd->add_option("scenario", run.scenario, "scenario.toml, or a lesson folder")->required();
  run_cmd->add_option("--seed", run.seed, "Override the scenario's random seed");
  run_cmd->add_option("--json", run.json_path, "Also write the trace as JSON (docs/trace-format.md)");
  run_cmd->add_option("--color", run.color, "Colours: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  run_cmd->add_flag("--verbose,-v", run.verbose, "Show every reply line and message contents");
  run_cmd->add_flag("--no-state", run.hide_state, "Hide state_change events");
  run_cmd->add_flag("--no-connections", run.hide_connections, "Hide conn_open/conn_close events");
  run_cmd->add_flag("--quiet,-q", run.quiet, "Print only the expectations and the verdict");
  run_cmd->add_option("--lane-width", run.lane_width, "Characters per lane (default 16)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help for --help and errors otherwise; usage errors exit 2.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (*run_cmd) return smtplab::cli::run_command(run);
  return 2;
}
