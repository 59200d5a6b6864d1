// smtp/dot_stuffing.cpp — see dot_stuffing.hpp for the contract and the rules.
#include "smtp/dot_stuffing.hpp"

#include <algorithm>
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
  overflow_tail_.clear();
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
  if (scan_ != nullptr) return feed_scanned(input);
  std::size_t i = 0;
  // Adds octets that are not a line ending to the current line.
  const auto append = [this](std::string_view octets) {
    line_size_ += octets.size();
    // RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets with its CRLF, plus the
    // transparent dot (core/limits.hpp). Beyond that we stop keeping the line's text,
    // but go on counting it, so a hostile endless line costs no memory.
    if (line_size_ + 2 > line_length_max_) {
      line_overflow_ = true;
      line_too_long_ = true;
      line_.clear();
    }
    if (!line_overflow_) line_.append(octets);
  };
  // The raw copy for the trace, kept up to wire_keep_max_: appended in one piece for the
  // i octets this call consumed (byte by byte it cost an append and a check per octet).
  const auto keep_wire = [this](std::string_view consumed) {
    wire_size_ += consumed.size();
    const std::size_t room = wire_keep_max_ - std::min(wire_.size(), wire_keep_max_);
    wire_.append(consumed.substr(0, std::min(room, consumed.size())));
    if (consumed.size() > room) wire_truncated_ = true;
  };
  while (i < input.size()) {
    const char c = input[i++];

    if (pending_cr_) {
      pending_cr_ = false;
      if (c == '\n') {
        end_line();
        if (complete_) {
          keep_wire(input.substr(0, i));
          input.remove_prefix(i);
          return DataStatus::Complete;
        }
        continue;
      }
      // RFC 5321 §2.3.8: a CR not followed by LF is not a line ending. It stays in the
      // line as content, and the message is marked for refusal.
      bare_cr_ = true;
      append("\r");
    }
    if (c == '\r') {
      pending_cr_ = true;
    } else if (c == '\n') {
      // A bare LF: never a line ending in message content (the "\n.\n" and "\n.\r\n"
      // smuggling sequences rely on servers that treat it as one).
      bare_lf_ = true;
      append("\n");
    } else {
      // Ordinary text: the whole run up to the next CR or LF goes in at once.
      const std::size_t start = i - 1;
      while (i < input.size() && input[i] != '\r' && input[i] != '\n') ++i;
      append(input.substr(start, i - start));
    }
  }
  keep_wire(input.substr(0, i));
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

DataStatus DataReader::feed_scanned(std::string_view& input) {
  // The scanner sees every byte since the 354 at each call, so the raw copy is the
  // buffer; it is bounded like the trace copy (size limit plus one line).
  if (!wire_truncated_) {
    const std::size_t before = wire_.size();
    const std::size_t take = std::min(input.size(), wire_keep_max_ - std::min(before, wire_keep_max_));
    wire_.append(input.substr(0, take));
    const DataScan scan = scan_(wire_);
    // Only an end inside the bytes just added is believed: an end before them would
    // have been reported by the previous call.
    if (scan.complete && scan.consumed > before && scan.consumed <= wire_.size()) {
      const std::size_t used = scan.consumed - before;
      wire_.resize(scan.consumed);
      wire_size_ += used;
      input.remove_prefix(used);
      size_ = scan.content.size();
      if (size_ <= message_size_max_) content_ = scan.content;
      bare_cr_ = scan.bare_cr;
      bare_lf_ = scan.bare_lf;
      complete_ = true;
      return DataStatus::Complete;
    }
    wire_size_ += take;
    input.remove_prefix(take);
    if (input.empty()) return DataStatus::NeedMore;
    // Past the bound: the message is refused as too big whatever the scanner says.
    wire_truncated_ = true;
    size_ = std::numeric_limits<std::size_t>::max();
    overflow_tail_ = wire_.substr(wire_.size() - std::min<std::size_t>(wire_.size(), 5));
  }
  // RFC 5321 §4.1.1.4: only "<CRLF>.<CRLF>" ends the data. Over the bound nothing is
  // kept but the last five bytes, enough to see the terminator across any split.
  static constexpr std::string_view terminator = "\r\n.\r\n";
  for (std::size_t i = 0; i < input.size(); ++i) {
    overflow_tail_.push_back(input[i]);
    if (overflow_tail_.size() > terminator.size()) overflow_tail_.erase(0, 1);
    ++wire_size_;
    if (overflow_tail_ == terminator) {
      input.remove_prefix(i + 1);
      complete_ = true;
      return DataStatus::Complete;
    }
  }
  input.remove_prefix(input.size());
  return DataStatus::NeedMore;
}

DataScan scan_data(std::string_view received) {
  // The incremental reader, given everything at once and no limits of its own: the
  // reference answer that exercise 3's tests compare a student's scan with.
  DataReader reader(received.size() + 1, received.size() + 3);
  std::string_view input = received;
  DataScan scan;
  scan.complete = reader.feed(input) == DataStatus::Complete;
  scan.bare_cr = reader.bare_cr();
  scan.bare_lf = reader.bare_lf();
  if (scan.complete) {
    scan.consumed = received.size() - input.size();
    scan.content = reader.take_content();
  }
  return scan;
}

}  // namespace smtplab::smtp
