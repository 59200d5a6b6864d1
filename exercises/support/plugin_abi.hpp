// exercises/support/plugin_abi.hpp — how a student's compiled exercise hands its
// functions to a running smtplab (`smtplab run LESSON --student DIR`).
//
// Standards: none (an ABI of our own); the functions it carries implement RFC 5321
//            §4.2, §4.1.2, §4.5.2, §5.1 and §3.3 (see each exercise's README.md).
//
// API:
//   extern "C" const SmtplabStudentPlugin* smtplab_student_plugin_v1(void);
//     exported by the shared library that the grader builds from an exercise's
//     plugin.cpp and the student's file; every function pointer may be null (the
//     exercise does not provide it), and the loader (cli/grade_plugin.cpp) refuses a
//     library whose abi_version or struct_size differs from its own.
//
// Why function pointers of C++ types behind an extern "C" door: the library and the
// program are built by the same compiler from the same headers (the grader makes sure
// of it), so passing std::string and std::vector across is safe; only the entry point
// needs a name that does not depend on C++ mangling. The version number changes
// whenever a field is added, removed or changes type.
//
// Not implemented: loading a library built by another compiler or from other headers.
#pragma once

#include <cstdint>

#include "dns/mx.hpp"
#include "smtp/seams.hpp"

// Bump on every change to SmtplabStudentPlugin.
inline constexpr std::uint32_t smtplab_plugin_abi_version = 2;

extern "C" {

struct SmtplabStudentPlugin {
  std::uint32_t abi_version;  // smtplab_plugin_abi_version of the library's headers
  std::uint32_t struct_size;  // sizeof(SmtplabStudentPlugin) there
  const char* exercise;       // "01-reply-parser"
  // The seams this exercise provides; the others are null.
  smtplab::smtp::ParseReplyLinesFn parse_reply_lines;
  smtplab::smtp::ParsePathFn parse_reverse_path;
  smtplab::smtp::ParsePathFn parse_forward_path;
  smtplab::smtp::ParseParametersFn parse_esmtp_parameters;
  smtplab::smtp::DotStuffFn dot_stuff;
  smtplab::smtp::ScanDataFn scan_data;
  smtplab::dns::OrderMxFn order_mx;
  smtplab::smtp::TransactionStepFn transaction_step;  // since version 2
};

// The one symbol a student library exports.
using SmtplabStudentPluginEntry = const SmtplabStudentPlugin* (*)();
inline constexpr const char* smtplab_student_plugin_symbol = "smtplab_student_plugin_v1";

}  // extern "C"
