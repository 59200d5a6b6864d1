// visualizer/model/event_explanation.cpp — from an event to its explanation keys.
#include "model/event_explanation.hpp"

#include <algorithm>
#include <cctype>

#include "model/timeline.hpp"

namespace smtplab::visualizer {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view first_line(std::string_view text) {
  const auto eol = text.find_first_of("\r\n");
  return eol == std::string_view::npos ? text : text.substr(0, eol);
}

void add(std::vector<ExplanationLine>& out, std::string label, const Explanation* e) {
  if (e == nullptr) return;
  for (const auto& existing : out)
    if (existing.explanation == e) return;  // each entry once
  out.push_back(ExplanationLine{std::move(label), e});
}

}  // namespace

EnhancedStatus reply_status_of(const TraceEvent& event) {
  if (auto s = EnhancedStatus::parse(event.field("status")); s) return *s;
  std::string_view line = first_line(event.bytes.empty() ? std::string_view(event.summary)
                                                          : std::string_view(event.bytes));
  // RFC 5321 §4.2.1: "Reply-code [ SP textstring ]" (or "-" on continuation lines);
  // RFC 2034 §4: the enhanced status code comes first in the text.
  if (line.size() < 5) return {};
  std::string_view rest = line.substr(4);
  const auto space = rest.find(' ');
  if (auto s = EnhancedStatus::parse(rest.substr(0, space)); s) return *s;
  return {};
}

namespace {

// POP3 and IMAP reuse the smtp_command and smtp_reply kinds with a "protocol" field
// (docs/trace-format.md). Their verbs must not be explained as SMTP's: POP3's QUIT
// (RFC 1939 §6) deletes messages, SMTP's (RFC 5321 §4.1.1.10) does not.
bool is_other_protocol(const TraceEvent& event) {
  const std::string_view protocol = event.field("protocol");
  return !protocol.empty() && protocol != "smtp";
}

}  // namespace

std::vector<ExplanationLine> explain_event(const TraceEvent& event) {
  std::vector<ExplanationLine> out;
  if (is_other_protocol(event)) {
    // A POP3 or IMAP line: its own explain key (pop3.reply, imap.untagged, ...) is added
    // below; a command also gets "pop3.command.RETR", falling back to "pop3.command"
    // (explain() drops trailing parts). RFC 3501 §2.2.1: an IMAP command line starts
    // with its tag, then the verb. The SMTP reply-code and EHLO lookups do not apply.
    if (event.kind == EventKind::SmtpCommand) {
      const std::string protocol(event.field("protocol"));
      std::string_view line = first_line(event.bytes.empty() ? std::string_view(event.summary)
                                                             : std::string_view(event.bytes));
      if (protocol == "imap" && line.find(' ') != std::string_view::npos) line = line.substr(line.find(' ') + 1);
      const std::string verb = upper(line.substr(0, line.find(' ')));
      add(out, verb, explain(protocol + ".command." + verb));
    }
  }
  switch (is_other_protocol(event) ? EventKind::Note : event.kind) {
    case EventKind::SmtpReply: {
      if (const int code = reply_code_of(event); code != 0)
        add(out, std::to_string(code), explain_reply_code(code));
      if (const EnhancedStatus status = reply_status_of(event); !status.empty())
        add(out, status.to_string(), explain_status(status));
      // RFC 5321 §4.1.1.1: after the first line, each line of an EHLO reply names one
      // extension keyword, possibly followed by parameters.
      std::string_view bytes = event.bytes;
      std::size_t pos = bytes.find('\n');
      while (pos != std::string_view::npos && pos + 1 < bytes.size()) {
        std::string_view line = first_line(bytes.substr(pos + 1));
        pos = bytes.find('\n', pos + 1);
        if (line.size() < 5) continue;
        std::string_view text = line.substr(4);
        if (auto s = EnhancedStatus::parse(text.substr(0, text.find(' '))); s)
          text = text.substr(std::min(text.size(), text.find(' ') + 1));
        const std::string keyword = upper(text.substr(0, text.find_first_of(" =")));
        add(out, keyword, explain("ehlo." + keyword));
      }
      break;
    }
    case EventKind::SmtpCommand: {
      std::string_view line = first_line(event.bytes.empty() ? std::string_view(event.summary)
                                                             : std::string_view(event.bytes));
      const std::string verb = upper(line.substr(0, line.find_first_of(" :")));
      add(out, verb, explain("command." + verb));
      break;
    }
    case EventKind::DnsQuery:
    case EventKind::DnsAnswer: {
      for (std::string_view key : {"rcode", "qtype", "type"}) {
        const std::string value = upper(event.field(key));
        if (!value.empty() && value != "NOERROR") add(out, value, explain("dns." + value));
      }
      add(out, event.kind == EventKind::DnsQuery ? "query" : "answer",
          explain(event.kind == EventKind::DnsQuery ? "dns.query" : "dns.answer"));
      break;
    }
    default:
      break;
  }
  // The event's own key goes first when it is more specific than what we derived.
  if (!event.explain.empty()) {
    if (const Explanation* own = explain(event.explain); own != nullptr) {
      const bool already = std::any_of(out.begin(), out.end(),
                                       [&](const ExplanationLine& l) { return l.explanation == own; });
      if (!already) out.insert(out.begin(), ExplanationLine{std::string(event.explain), own});
    }
  }
  // The kind's entry says "SMTP command"/"SMTP reply": not for a POP3 or IMAP line.
  if (!is_other_protocol(event))
    add(out, std::string(to_string(event.kind)), explain("kind." + std::string(to_string(event.kind))));
  return out;
}

std::string visible_bytes(std::string_view bytes, std::size_t length_max) {
  std::string out;
  const std::size_t n = std::min(bytes.size(), length_max);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n\n"; break;  // show the LF and break the line after it
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          static constexpr char digits[] = "0123456789ABCDEF";
          out += "\\x";
          out += digits[c >> 4];
          out += digits[c & 15];
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through; the font shows it
        }
    }
  }
  if (bytes.size() > n) {
    out += "\n... (";
    out += std::to_string(bytes.size() - n);
    out += " more bytes)";
  }
  return out;
}

std::vector<HexRow> hex_rows(std::string_view bytes, std::size_t width, std::size_t rows_max) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::vector<HexRow> rows;
  if (width == 0) return rows;
  for (std::size_t offset = 0; offset < bytes.size() && rows.size() < rows_max; offset += width) {
    HexRow row;
    row.offset = offset;
    for (std::size_t i = offset; i < std::min(bytes.size(), offset + width); ++i) {
      const auto c = static_cast<unsigned char>(bytes[i]);
      if (i > offset) row.hex += ' ';
      row.hex += digits[c >> 4];
      row.hex += digits[c & 15];
      if (c == '\r') {
        row.text += "\\r";
      } else if (c == '\n') {
        row.text += "\\n";
      } else {
        row.text += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '.';
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace smtplab::visualizer
