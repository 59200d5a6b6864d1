// Tests of core/line_reader: framing, limits, and that memory stays bounded.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/limits.hpp"
#include "core/line_reader.hpp"

using namespace smtplab;

namespace {
// Feeds `input` in pieces of `chunk` bytes and returns what the reader reported.
std::vector<std::string> frame(LineReader& reader, const std::string& input, std::size_t chunk) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
    std::string_view piece = std::string_view(input).substr(pos, chunk);
    Line line;
    while (true) {
      LineStatus status = reader.next(piece, line);
      if (status == LineStatus::NeedMore) break;
      out.push_back(status == LineStatus::TooLong ? std::string("<too long>")
                                                  : line.text + (line.crlf ? "|crlf" : "|lf"));
    }
  }
  return out;
}
}  // namespace

TEST_CASE("lines are framed the same whatever the read size", "[line_reader]") {
  const std::string input = "EHLO a\r\nMAIL FROM:<a@b>\r\nbare\nQUIT\r\n";
  const std::vector<std::string> expected = {"EHLO a|crlf", "MAIL FROM:<a@b>|crlf", "bare|lf",
                                             "QUIT|crlf"};
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{7}, input.size()}) {
    LineReader reader(limits::command_line_length_max);
    INFO("chunk " << chunk);
    CHECK(frame(reader, input, chunk) == expected);
  }
}

TEST_CASE("a line of exactly 512 octets with CRLF fits; 513 is too long", "[line_reader]") {
  LineReader reader(limits::command_line_length_max);
  const std::string fits(510, 'a');
  const std::string over(511, 'a');
  CHECK(frame(reader, fits + "\r\n", 64) == std::vector<std::string>{fits + "|crlf"});
  CHECK(frame(reader, over + "\r\nNOOP\r\n", 64) == std::vector<std::string>{"<too long>", "NOOP|crlf"});
}

TEST_CASE("an endless line is discarded as it arrives, never buffered", "[line_reader]") {
  LineReader reader(limits::command_line_length_max);
  std::string_view chunk;
  const std::string block(4096, 'x');
  Line line;
  for (int i = 0; i < 1000; ++i) {  // 4 MB without a line ending
    chunk = block;
    CHECK(reader.next(chunk, line) == LineStatus::NeedMore);
    REQUIRE(reader.buffered() <= limits::command_line_length_max);
  }
  std::string_view end = "\r\nQUIT\r\n";
  CHECK(reader.next(end, line) == LineStatus::TooLong);
  CHECK(reader.next(end, line) == LineStatus::Complete);
  CHECK(line.text == "QUIT");
}
