// visualizer/app.hpp — the program: a GLFW window with an OpenGL 3.3 core context,
// Dear ImGui, the main window, and the headless screenshot mode.
//
// API:
//   AppOptions options{...};   what main() parsed from the command line
//   int run_app(options);      the exit code: 0, 1 (the input could not be read; the
//                              window still showed why), 2 (no display / OpenGL)
//
// The frame loop never blocks (DESIGN principle 7: a later WebAssembly build): it polls
// events, ticks the playback with the measured frame time and draws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace smtplab::visualizer {

struct AppOptions {
  std::string input;                 // trace .json, scenario .toml, or lesson folder
  std::optional<std::uint64_t> seed;
  float scale = 1.0f;                // UI scale (fonts, spacing); Ctrl +/- changes it
  std::string screenshot_path;       // headless: render, write PNG, exit
  std::size_t screenshot_step = 0;
  int width = 1600;
  int height = 900;
  std::string font_dir;              // default: ui::default_font_dir
  std::string tab;                   // bottom tab to show first: lesson, mail, network
  std::string student;               // --student DIR: a student's exercises in the engines
  bool print_summary = false;        // print the exercises used and the expectations
};

int run_app(const AppOptions& options);

}  // namespace smtplab::visualizer
