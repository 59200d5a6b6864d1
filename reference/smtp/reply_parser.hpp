// smtp/reply_parser.hpp — the client side of replies: bytes in, Reply values out.
//
// Standards: RFC 5321 §4.2 (reply syntax), §4.2.1 (multi-line replies: "250-" on every
//            line but the last, the same code on every line), §4.5.3.1.5 (reply line
//            length), RFC 2034 §4 and RFC 3463 §2 (the enhanced status after the code).
//
// API:
//   ParsedReply parse_reply_lines(lines)  the core parse of one complete reply: a seam
//                                         that a graded exercise replaces;
//   ReplyParser p; p.feed(bytes);         framing: collects lines until a last line;
//   p.next(reply) -> ReplyParseStatus      Complete / NeedMore / Malformed (p.error()).
//
// After Malformed the parser stays Malformed: the byte stream can no longer be trusted
// to line up with our commands, and the client gives up on the connection.
//
// Not implemented: SMTPUTF8 reply text (RFC 6531); enhanced status detection is by
// shape only (a valid "x.y.z" after the code), as RFC 2034 does not mark it otherwise.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/line_reader.hpp"
#include "core/reply.hpp"

namespace smtplab::smtp {

struct ParsedReply {
  bool ok = false;
  Reply reply;      // code, status (empty when none), text of each line
  std::string why;  // when !ok: a sentence saying what is wrong
};

// `lines` are the lines of one reply without their CRLF, e.g. {"250-mx.b.example",
// "250 PIPELINING"}.
ParsedReply parse_reply_lines(const std::vector<std::string>& lines);
using ReplyLinesParser = ParsedReply (*)(const std::vector<std::string>& lines);

enum class ReplyParseStatus { Complete, NeedMore, Malformed };
std::string_view to_string(ReplyParseStatus status);

class ReplyParser {
 public:
  // `parse` is the seam of smtp/seams.hpp: the function that turns a reply's lines
  // into a Reply once the framing has collected them.
  explicit ReplyParser(ReplyLinesParser parse = &parse_reply_lines);

  void feed(std::string_view bytes);
  // The next complete reply, if any. `wire` (optional) receives its raw bytes.
  ReplyParseStatus next(Reply& out, std::string* wire = nullptr);

  const std::string& error() const { return error_; }
  std::size_t buffered() const { return input_.size(); }

 private:
  std::string input_;               // bytes fed but not yet framed
  LineReader line_reader_;
  ReplyLinesParser parse_;
  std::vector<std::string> lines_;  // lines of the reply being collected
  std::string wire_;                // their raw bytes
  std::string error_;
};

}  // namespace smtplab::smtp
