// visualizer/main.cpp — `smtplab-visualizer`: parse the command line, hand over to the
// app (STYLE §8: small mains).
//
// Usage:
//   smtplab-visualizer INPUT [--seed N] [--scale X] [--student DIR] [--print-summary]
//   smtplab-visualizer INPUT --screenshot OUT.png --at STEP --size 1600x900
// INPUT is a saved trace (.json), a scenario (.toml) or a lesson folder.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "app.hpp"

int main(int argc, char** argv) {
  smtplab::visualizer::AppOptions options;
  CLI::App cli{"smtplab-visualizer: watch an SMTP conversation step by step"};
  cli.add_option("input", options.input, "trace (.json), scenario (.toml) or lesson folder")->required();
  cli.add_option("--seed", options.seed, "seed for the scenario's random source (replaces its own)");
  cli.add_option("--scale", options.scale, "UI scale for projectors (1.0 = 17 px text; Ctrl +/- in the window)")
      ->check(CLI::Range(0.6f, 3.0f));
  cli.add_option("--screenshot", options.screenshot_path, "render one step to this PNG file and exit");
  cli.add_option("--at", options.screenshot_step, "the step to render with --screenshot");
  std::string size = "1600x900";
  cli.add_option("--size", size, "window size WIDTHxHEIGHT");
  cli.add_option("--font-dir", options.font_dir, "folder holding DejaVuSans.ttf and DejaVuSansMono.ttf");
  cli.add_option("--tab", options.tab, "bottom tab to show first")
      ->check(CLI::IsMember({"lesson", "mail", "network"}));
  cli.add_option("--student", options.student,
                 "run the scenario with a student's exercise files from this folder (exercises/README.md)");
  cli.add_flag("--print-summary", options.print_summary,
               "print the exercises plugged in and each expectation's PASS/FAIL to stdout");
  CLI11_PARSE(cli, argc, argv);
  if (std::sscanf(size.c_str(), "%dx%d", &options.width, &options.height) != 2 || options.width < 320 ||
      options.height < 240 || options.width > 8192 || options.height > 8192) {
    std::fprintf(stderr, "smtplab-visualizer: --size must be WIDTHxHEIGHT, from 320x240 to 8192x8192\n");
    return 2;
  }
  return smtplab::visualizer::run_app(options);
}
