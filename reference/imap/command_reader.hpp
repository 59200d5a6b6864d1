// imap/command_reader.hpp — framing IMAP commands that may carry literals, and parsing
// them into a tag, a command name and arguments.
//
// Standards: RFC 3501 §2.2.1 (commands are tagged lines), §4.3 (literals: "{" number
//            "}" CRLF, then exactly that many octets), §7.5 (the "+" continuation the
//            server sends before a synchronizing literal), §9 (formal syntax: atom,
//            quoted, literal, parenthesized list); RFC 7162 §4 (command line lengths).
//
// API:
//   CommandReader reader;
//   switch (reader.next(input, command)) {           // consumes from the front of input
//     case ReadStatus::Complete:     command.tag, command.name, command.args
//     case ReadStatus::NeedLiteral:  send "+ ..." ; call next() again with more bytes
//     case ReadStatus::LiteralTooBig / TooLong / Malformed:  reply BAD with reader.tag()
//     case ReadStatus::NeedMore:     wait for more bytes
//   }
//   parse_command(text, literals) -> optional<Command>   (used by the reader)
//
// Limits: a command line (between literals) is at most command_line_length_max octets,
// a literal at most literal_size_max, a whole command (lines and literals) at most
// command_size_max; beyond any of them the command is dropped (never buffered) and the
// session goes on.
//
// Not implemented: non-synchronizing literals (LITERAL+, RFC 7888), literal8 (RFC 3516).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/line_reader.hpp"

namespace smtplab::imap {

// RFC 7162 §4 advises clients to keep a command line to about 8192 octets (quoted
// strings included, literals not); we accept exactly that much, CRLF included.
inline constexpr std::size_t command_line_length_max = 8192;
// Our choice: this server has no APPEND, so a literal carries a user name, a password or
// a search string; 64 KiB is far beyond any of them. A bigger literal is refused before
// the client sends it (RFC 3501 §7.5: it waits for our "+").
inline constexpr std::size_t literal_size_max = 64 * 1024;
// Our choice: lines and literals of one command together.
inline constexpr std::size_t command_size_max = 128 * 1024;
// Our choice: how deep parenthesized lists may nest, and how many items a command may
// have, so that "((((((" cannot make the parser recurse without bound.
inline constexpr std::size_t list_depth_max = 8;
inline constexpr std::size_t arguments_max = 1024;

struct Arg {
  enum class Kind { Atom, String, List };
  Kind kind = Kind::Atom;
  std::string text;        // atom or string
  std::vector<Arg> items;  // list
};
std::string_view to_string(Arg::Kind kind);

struct Command {
  std::string tag;
  std::string name;  // upper case: "LOGIN", "UID"
  std::vector<Arg> args;
  std::string shown;  // the command as the trace shows it (literals inline)
};

// RFC 3501 §9: tag = 1*<any ASTRING-CHAR except "+">.
bool is_valid_tag(std::string_view tag);

// Parses a complete command; `text` has "{n}" where each literal was announced, and the
// literals are given in order. nullopt when malformed.
std::optional<Command> parse_command(std::string_view text, const std::vector<std::string>& literals);

enum class ReadStatus { Complete, NeedMore, NeedLiteral, LiteralTooBig, TooLong, Malformed };
std::string_view to_string(ReadStatus status);

class CommandReader {
 public:
  CommandReader() : line_reader_(command_line_length_max) {}

  ReadStatus next(std::string_view& input, Command& out);
  // The tag of the command being read or just refused ("*" when it has none yet).
  const std::string& tag() const { return tag_; }
  void reset();

 private:
  LineReader line_reader_;
  std::string pending_;                // the command's lines so far, "{n}" kept
  std::vector<std::string> literals_;  // the literals so far
  std::size_t literal_remaining_ = 0;  // octets of the current literal still to come
  std::size_t size_ = 0;               // all octets of the command so far
  std::string tag_ = "*";
};

}  // namespace smtplab::imap
