// smtp/seams.hpp — the functions of the SMTP engines that a student's implementation
// can replace at run time: the exercises' interfaces, seen from the engine's side.
//
// Standards: the seams follow the RFC sections of the functions they stand for:
//            RFC 5321 §4.2 (parse_reply_lines), §4.1.2 and §4.1.1.2-3 (paths and
//            ESMTP parameters), §4.5.2 and §4.1.1.4 (dot-stuffing, end of data),
//            §3.3, §4.1.1 and §4.2 with RFC 2920 (transaction_step: the client's
//            decision after each reply, smtp/client_session.hpp).
//
// API:
//   Seams seams;                          every field defaults to the reference function
//   seams.parse_reply_lines = &mine;      replace one
//   ServerConfig::seams / ClientConfig::seams carry them into an engine; MtaConfig and
//   SubmitterConfig pass theirs on; scenario::World sets them for `smtplab run
//   --student` (exercises/README.md explains the whole path).
//
// Rule: a seam is a plain function pointer with no state, carried in a config struct,
// never a global: two engines in one process can run two different implementations.
// A student's function that misbehaves changes what the engine does (that is the
// point: a wrong parser shows up as a wrong delivery in the trace), but it is called
// exactly where ours would be, with the same limits applied around it.
//
// Not implemented: seams for STARTTLS and AUTH (ClientSession keeps those decisions).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "smtp/dot_stuffing.hpp"
#include "smtp/reply_parser.hpp"

namespace smtplab::smtp {

struct ParameterParse;                                  // smtp/commands.hpp
ParameterParse parse_esmtp_parameters(std::string_view text);
struct TransactionView;                                 // smtp/client_session.hpp
struct TransactionStep;
TransactionStep transaction_step(const TransactionView& view, const Reply& reply);

using ParseReplyLinesFn = ParsedReply (*)(const std::vector<std::string>& lines);
using ParsePathFn = PathParse (*)(std::string_view text);
using ParseParametersFn = ParameterParse (*)(std::string_view text);
using DotStuffFn = std::string (*)(std::string_view content);
using TransactionStepFn = TransactionStep (*)(const TransactionView& view, const Reply& reply);

struct Seams {
  // Exercise 1: one complete reply's lines -> Reply (client side, ReplyParser).
  ParseReplyLinesFn parse_reply_lines = &smtp::parse_reply_lines;
  // Exercise 2: what follows "MAIL FROM:" / "RCPT TO:", and the parameters after the
  // path (server side, commands.cpp).
  ParsePathFn parse_reverse_path = &smtplab::parse_reverse_path;
  ParsePathFn parse_forward_path = &smtplab::parse_forward_path;
  ParseParametersFn parse_esmtp_parameters = &smtp::parse_esmtp_parameters;
  // Exercise 3: the content to send after 354 (client side) and the end of data
  // (server side). nullptr for scan_data keeps the incremental DataReader, which needs
  // no buffer; a student's scan_data is handed the bytes received so far.
  DotStuffFn dot_stuff = &smtp::dot_stuff;
  ScanDataFn scan_data = nullptr;
  // Exercise 5: what the client does after each reply of the dialogue (greeting, EHLO,
  // HELO, MAIL, RCPT, DATA, end of data), and which recipients the server accepted
  // (client side, ClientSession::handle_reply).
  TransactionStepFn transaction_step = &smtp::transaction_step;
};

}  // namespace smtplab::smtp
