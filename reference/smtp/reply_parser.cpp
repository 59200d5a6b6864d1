// smtp/reply_parser.cpp — see reply_parser.hpp.
#include "smtp/reply_parser.hpp"

#include <optional>

#include "core/limits.hpp"

namespace smtplab::smtp {

namespace {

// RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39. The first digit is 2 to 5, the
// second 0 to 5, the third any digit.
bool valid_code(std::string_view text) {
  return text.size() == 3 && text[0] >= '2' && text[0] <= '5' && text[1] >= '0' &&
         text[1] <= '5' && text[2] >= '0' && text[2] <= '9';
}

// RFC 2034 §4: "...the status code MUST be followed by a SP" when text follows it.
std::optional<EnhancedStatus> leading_status(std::string_view text, std::size_t& length) {
  const std::size_t end = text.find(' ');
  const std::string_view candidate = text.substr(0, end);
  auto status = EnhancedStatus::parse(candidate);
  if (!status) return std::nullopt;
  length = end == std::string_view::npos ? text.size() : end + 1;
  return status;
}

}  // namespace

std::string_view to_string(ReplyParseStatus status) {
  switch (status) {
    case ReplyParseStatus::Complete: return "complete";
    case ReplyParseStatus::NeedMore: return "need_more";
    case ReplyParseStatus::Malformed: return "malformed";
  }
  return "unknown";
}

ParsedReply parse_reply_lines(const std::vector<std::string>& lines) {
  ParsedReply result;
  const auto fail = [&result](std::string why) {
    result.ok = false;
    result.why = std::move(why);
    return result;
  };
  if (lines.empty()) return fail("the reply has no lines");
  if (lines.size() > limits::reply_lines_max) return fail("the reply has more than 64 lines");

  std::string code_text;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const bool last = i + 1 == lines.size();
    // RFC 5321 §4.5.3.1.5: "The maximum total length of a reply line including the reply
    // code and the <CRLF> is 512 octets."
    if (line.size() + 2 > limits::reply_line_length_max)
      return fail("a reply line is longer than 512 octets");
    if (line.size() < 3 || !valid_code(std::string_view(line).substr(0, 3)))
      return fail("a reply line does not start with a three-digit code from 200 to 559");
    // RFC 5321 §4.2.1: "In a multiline reply, the reply code on each of the lines MUST be
    // the same."
    if (i == 0) code_text = line.substr(0, 3);
    else if (line.compare(0, 3, code_text) != 0)
      return fail("the lines of a multi-line reply carry different codes");
    // RFC 5321 §4.2.1: every line but the last has "-" after the code; the last has a
    // space or nothing ("Reply-code [ SP textstring ] CRLF").
    const char separator = line.size() > 3 ? line[3] : '\0';
    if (!last && separator != '-') return fail("a line before the last has no '-' after the code");
    if (last && separator != ' ' && separator != '\0')
      return fail(separator == '-' ? "the last line has '-' after the code, so the reply never ends"
                                   : "the code is not followed by a space");
    for (char c : std::string_view(line).substr(3)) {
      // RFC 5321 §4.2: textstring = 1*(%d09 / %d32-126).
      const auto byte = static_cast<unsigned char>(c);
      if (byte != 9 && (byte < 32 || byte > 126))
        return fail("the reply text contains a control character or a non-ASCII byte");
    }
  }

  Reply& reply = result.reply;
  reply.code = std::stoi(code_text);
  for (const std::string& line : lines)
    reply.lines.push_back(line.size() > 4 ? line.substr(4) : std::string());

  // RFC 2034 §4: with ENHANCEDSTATUSCODES, "the status code MUST be prefixed to the text
  // part of all SMTP responses" — on every line. We detect it by shape on the first line
  // and require its class to match the reply code's first digit (RFC 3463 §2), then
  // strip the same status from every line that carries it.
  std::size_t length = 0;
  if (auto status = leading_status(reply.lines.front(), length);
      status && status->klass == reply.code / 100) {
    reply.status = *status;
    const std::string prefix = status->to_string();
    for (std::string& text : reply.lines) {
      if (text.compare(0, prefix.size(), prefix) == 0 &&
          (text.size() == prefix.size() || text[prefix.size()] == ' '))
        text.erase(0, std::min(text.size(), prefix.size() + 1));
    }
  }
  result.ok = true;
  return result;
}

ReplyParser::ReplyParser(ReplyLinesParser parse)
    : line_reader_(limits::reply_line_length_max), parse_(parse) {}

void ReplyParser::feed(std::string_view bytes) {
  if (!error_.empty()) return;  // after Malformed nothing more is read
  input_.append(bytes);
}

ReplyParseStatus ReplyParser::next(Reply& out, std::string* wire) {
  if (!error_.empty()) return ReplyParseStatus::Malformed;
  std::string_view input = input_;
  ReplyParseStatus status = ReplyParseStatus::NeedMore;
  while (status == ReplyParseStatus::NeedMore && !input.empty()) {
    const std::size_t before = input.size();
    Line line;
    const LineStatus framed = line_reader_.next(input, line);
    // The raw copy is bounded like the reply itself: 64 lines of 512 octets.
    if (wire_.size() < limits::reply_lines_max * limits::reply_line_length_max)
      wire_.append(input_.data() + (input_.size() - before), before - input.size());
    if (framed == LineStatus::NeedMore) break;
    if (framed == LineStatus::TooLong) {
      error_ = "a reply line is longer than 512 octets";
      status = ReplyParseStatus::Malformed;
      break;
    }
    lines_.push_back(std::move(line.text));
    const std::string& text = lines_.back();
    const bool continued = text.size() > 3 && text[3] == '-';
    if (continued) {
      // Checked as the lines arrive, so an endless multi-line reply is refused at line
      // 65 instead of being buffered.
      if (lines_.size() >= limits::reply_lines_max) {
        error_ = "the reply has more than 64 lines";
        status = ReplyParseStatus::Malformed;
      }
      continue;
    }
    ParsedReply parsed = parse_(lines_);
    if (!parsed.ok) {
      error_ = parsed.why;
      status = ReplyParseStatus::Malformed;
      break;
    }
    out = std::move(parsed.reply);
    if (wire != nullptr) *wire = std::move(wire_);
    wire_.clear();
    lines_.clear();
    status = ReplyParseStatus::Complete;
  }
  // The line reader keeps its own partial line, so consumed bytes can go.
  input_.erase(0, input_.size() - input.size());
  if (status == ReplyParseStatus::Malformed) {
    input_.clear();
    lines_.clear();
    wire_.clear();
  }
  return status;
}

}  // namespace smtplab::smtp
