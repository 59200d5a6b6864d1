// smtp/dot_stuffing.cpp — see dot_stuffing.hpp for the contract and the rules.
#include "smtp/dot_stuffing.hpp"

#include <limits>

namespace smtplab::smtp {

namespace {

// Calls `on_line(text)` for each line of `content`, where a line ends at CRLF, at a bare
// CR or at a bare LF, and a last line without an ending still counts. This is the
// sending side of the smuggling defence: RFC 5321 §2.3.8 says "SMTP client
// implementations MUST NOT transmit these characters except when they are intended as
// line terminators", so every bare CR or LF is turned into a real CRLF before sending,
// and a "." that follows one is then at the start of a line and gets stuffed.
template <typename OnLine>
void for_each_line(std::string_view content, OnLine on_line) {
  std::size_t start = 0;
  std::size_t pos = 0;
  while (pos < content.size()) {
    const char c = content[pos];
    if (c == '\r' || c == '\n') {
      on_line(content.substr(start, pos - start));
      pos += (c == '\r' && pos + 1 < content.size() && content[pos + 1] == '\n') ? 2 : 1;
      start = pos;
    } else {
      ++pos;
    }
  }
  if (start < content.size()) on_line(content.substr(start));
}

}  // namespace

std::string_view to_string(DataStatus status) {
  switch (status) {
    case DataStatus::NeedMore: return "need_more";
    case DataStatus::Complete: return "complete";
  }
  return "unknown";
}

std::string dot_stuff(std::string_view content) {
  std::string out;
  out.reserve(content.size() + content.size() / 64 + 2);
  for_each_line(content, [&out](std::string_view line) {
    // RFC 5321 §4.5.2: "Before sending a line of mail text, the SMTP client checks the
    // first character of the line. If it is a period, one additional period is inserted
    // at the beginning of the line."
    if (!line.empty() && line.front() == '.') out += '.';
    out += line;
    out += "\r\n";
  });
  return out;
}

std::size_t message_size(std::string_view content) {
  // RFC 1870 §5: the size is "the number of octets, including CR-LF pairs, but not the
  // SMTP DATA command's terminating dot or doubled quoting dots".
  std::size_t size = 0;
  for_each_line(content, [&size](std::string_view line) { size += line.size() + 2; });
  return size;
}

DataReader::DataReader(std::size_t message_size_max, std::size_t line_length_max)
    : message_size_max_(message_size_max),
      line_length_max_(line_length_max),
      wire_keep_max_(message_size_max > std::numeric_limits<std::size_t>::max() - line_length_max
                         ? std::numeric_limits<std::size_t>::max()
                         : message_size_max + line_length_max) {}

void DataReader::reset() {
  content_.clear();
  line_.clear();
  line_overflow_ = false;
  line_size_ = 0;
  pending_cr_ = false;
  complete_ = false;
  size_ = 0;
  wire_size_ = 0;
  wire_.clear();
  wire_truncated_ = false;
  bare_cr_ = bare_lf_ = line_too_long_ = false;
}

DataStatus DataReader::feed(std::string_view& input) {
  if (complete_) return DataStatus::Complete;
  std::size_t i = 0;
  const auto append = [this](char c) {
    ++line_size_;
    // RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets with its CRLF, plus the
    // transparent dot (core/limits.hpp). Beyond that we stop keeping the line's text,
    // but go on counting it, so a hostile endless line costs no memory.
    if (line_size_ + 2 > line_length_max_) {
      line_overflow_ = true;
      line_too_long_ = true;
      line_.clear();
    }
    if (!line_overflow_) line_ += c;
  };
  while (i < input.size()) {
    const char c = input[i++];
    ++wire_size_;
    if (wire_.size() < wire_keep_max_) wire_ += c;
    else wire_truncated_ = true;

    if (pending_cr_) {
      pending_cr_ = false;
      if (c == '\n') {
        end_line();
        if (complete_) {
          input.remove_prefix(i);
          return DataStatus::Complete;
        }
        continue;
      }
      // RFC 5321 §2.3.8: a CR not followed by LF is not a line ending. It stays in the
      // line as content, and the message is marked for refusal.
      bare_cr_ = true;
      append('\r');
    }
    if (c == '\r') {
      pending_cr_ = true;
    } else if (c == '\n') {
      // A bare LF: never a line ending in message content (the "\n.\n" and "\n.\r\n"
      // smuggling sequences rely on servers that treat it as one).
      bare_lf_ = true;
      append('\n');
    } else {
      append(c);
    }
  }
  input.remove_prefix(i);
  return DataStatus::NeedMore;
}

void DataReader::end_line() {
  // RFC 5321 §4.1.1.4: "The mail data are terminated by a line containing only a period,
  // that is, the character sequence "<CRLF>.<CRLF>"". The CRLF before the dot is the
  // previous line's ending (or the 354 reply, for the first line).
  if (!line_overflow_ && line_ == ".") {
    complete_ = true;
    line_.clear();
    line_size_ = 0;
    return;
  }
  // RFC 5321 §4.5.2: "If the first character is a period and there are other characters
  // on the line, the first character is deleted."
  std::string_view text = line_;
  if (!text.empty() && text.front() == '.') text.remove_prefix(1);
  const std::size_t added = (line_overflow_ ? line_size_ : text.size()) + 2;
  size_ = size_ > std::numeric_limits<std::size_t>::max() - added ? std::numeric_limits<std::size_t>::max()
                                                                  : size_ + added;
  // RFC 1870 §6: a message over the limit is refused; we keep counting (to say by how
  // much) but never buffer more than the limit.
  if (size_ <= message_size_max_ && !line_overflow_) {
    content_ += text;
    content_ += "\r\n";
  }
  line_.clear();
  line_size_ = 0;
  line_overflow_ = false;
}

}  // namespace smtplab::smtp
