// visualizer/loader.hpp — from a command-line argument to a TraceModel: a saved JSON
// trace, a scenario file, or a lesson folder (scenario.toml + lesson.md).
//
// API: LoadResult load_input(path, seed, catalog [, student_dir, summary]);
//      register_engine_tables(catalog)   the engines' transition tables, when linked
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/trace_model.hpp"

namespace smtplab::visualizer {

// Our choice (STYLE §18): a saved trace larger than this is refused before reading.
inline constexpr std::size_t trace_file_size_max = 512u * 1024u * 1024u;

LoadResult load_input(const std::string& path, std::optional<std::uint64_t> seed,
                      const MachineCatalog& catalog);

// The same, with a student's exercises in the engines' seams (`--student DIR`, issue 7):
// built and loaded by the grader's library exactly as `smtplab run --student` does
// (cli/grade_plugin.cpp). `summary` receives what a run prints without the window:
// which exercises were plugged in, and each expectation with PASS or FAIL.
LoadResult load_input(const std::string& path, std::optional<std::uint64_t> seed,
                      const MachineCatalog& catalog, const std::string& student_dir, std::string& summary);
void register_engine_tables(MachineCatalog& catalog);

}  // namespace smtplab::visualizer
