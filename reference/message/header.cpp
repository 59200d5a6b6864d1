// message/header.cpp — parsing, lookup, folding and byte-preserving edits of an RFC 5322
// header section (see header.hpp).
#include "message/header.hpp"

#include <algorithm>

namespace smtplab::message {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// RFC 5322 §3.6.8: ftext = %d33-57 / %d59-126 ("Printable US-ASCII characters not
// including ':'").
bool is_ftext(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 33 && u <= 126 && c != ':';
}

std::string_view trim_wsp(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

enum class LineEnd { Crlf, Lf, None };

// One physical line of the message: [begin, begin + text.size()) is the text, `next` is
// where the following line starts.
struct RawLine {
  std::string_view text;
  LineEnd end = LineEnd::None;
  std::size_t next = 0;
};

RawLine read_line(std::string_view message, std::size_t pos) {
  RawLine line;
  const std::size_t lf = message.find('\n', pos);
  if (lf == std::string_view::npos) {
    line.text = message.substr(pos);
    line.next = message.size();
    return line;
  }
  const bool cr = lf > pos && message[lf - 1] == '\r';
  line.text = message.substr(pos, lf - pos - (cr ? 1 : 0));
  line.end = cr ? LineEnd::Crlf : LineEnd::Lf;
  line.next = lf + 1;
  return line;
}

// RFC 5322 §2.2.3: "Unfolding is accomplished by simply removing any CRLF that is
// immediately followed by WSP." Our raw values hold folds as CRLF only.
std::string unfold(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') {
      ++i;
      continue;
    }
    out += raw[i];
  }
  return std::string(trim_wsp(out));
}

// The field name of a field line, or empty when the line is not one.
std::string_view field_name_of(std::string_view line) {
  if (line.empty() || is_wsp(line.front())) return {};
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return {};
  return trim_wsp(line.substr(0, colon));
}

std::string without_line_breaks(std::string_view value) {
  std::string out(value);
  std::replace(out.begin(), out.end(), '\r', ' ');
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

}  // namespace

std::string_view to_string(HeaderError error) {
  switch (error) {
    case HeaderError::None: return "none";
    case HeaderError::MissingColon: return "missing_colon";
    case HeaderError::BadFieldName: return "bad_field_name";
    case HeaderError::LeadingFold: return "leading_fold";
    case HeaderError::LineTooLong: return "line_too_long";
    case HeaderError::BareLineFeed: return "bare_line_feed";
    case HeaderError::NoBody: return "no_body";
  }
  return "unknown";
}

bool field_name_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

HeaderParse parse_header(std::string_view message) {
  HeaderParse result;
  auto fail = [&result](HeaderError error, std::size_t line, std::string why) {
    if (result.error != HeaderError::None) return;  // keep the first problem
    result.error = error;
    result.error_line = line;
    result.why = std::move(why);
  };
  std::vector<HeaderField>& fields = result.header.fields_;
  bool current_is_field = false;  // a continuation line extends the last field
  std::size_t pos = 0;
  std::size_t line_number = 0;
  while (pos < message.size()) {
    const RawLine line = read_line(message, pos);
    ++line_number;
    pos = line.next;
    const std::string where = "line " + std::to_string(line_number);
    if (line.text.empty() && line.end != LineEnd::None) {
      // RFC 5322 §2.1: "the body ... is separated from the header section by an empty
      // line (i.e., a line with nothing preceding the CRLF)."
      if (line.end == LineEnd::Lf)
        fail(HeaderError::BareLineFeed, line_number,
             where + " ends with a bare LF; RFC 5322 §2.1 ends every line with CRLF");
      result.body_offset = pos;
      for (auto& f : fields) f.value = unfold(f.raw_value);
      return result;
    }
    if (line.end == LineEnd::Lf)
      fail(HeaderError::BareLineFeed, line_number,
           where + " ends with a bare LF; RFC 5322 §2.1 ends every line with CRLF");
    if (line.text.size() > line_length_max)
      fail(HeaderError::LineTooLong, line_number,
           where + " has " + std::to_string(line.text.size()) +
               " characters; RFC 5322 §2.1.1 allows at most 998 before the CRLF");
    if (is_wsp(line.text.front())) {
      // RFC 5322 §2.2.3: a line that starts with WSP continues the previous field.
      if (!current_is_field) {
        fail(HeaderError::LeadingFold, line_number,
             where + " starts with white space but there is no field before it to "
                     "continue (RFC 5322 §2.2.3)");
        continue;
      }
      fields.back().raw_value += "\r\n";
      fields.back().raw_value += line.text;
      continue;
    }
    const std::size_t colon = line.text.find(':');
    if (colon == std::string_view::npos) {
      current_is_field = false;
      fail(HeaderError::MissingColon, line_number,
           where + " is not a header field: RFC 5322 §2.2 wants a field name, a colon "
                   "and a body (was the empty line before the body forgotten?)");
      continue;
    }
    // RFC 5322 §4.5.8 (obsolete syntax) allows white space between name and colon; we
    // read it and drop it.
    const std::string_view name = trim_wsp(line.text.substr(0, colon));
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_ftext)) {
      current_is_field = false;
      fail(HeaderError::BadFieldName, line_number,
           where + ": a field name must be printable US-ASCII without spaces or colons "
                   "(RFC 5322 §2.2, §3.6.8)");
      continue;
    }
    fields.push_back(HeaderField{std::string(name), std::string(line.text.substr(colon + 1)), {}});
    current_is_field = true;
  }
  // No empty line: the whole text is a header section (RFC 5322 §3.5: the body is
  // optional, and then so is the empty line before it).
  result.body_offset = message.size();
  if (result.error == HeaderError::None && !message.empty()) {
    result.error = HeaderError::NoBody;
    result.why = "the message has no empty line, so it has no body (RFC 5322 §3.5)";
  }
  for (auto& f : fields) f.value = unfold(f.raw_value);
  return result;
}

const HeaderField* Header::find(std::string_view name) const {
  for (const auto& f : fields_)
    if (field_name_equals(f.name, name)) return &f;
  return nullptr;
}

std::vector<const HeaderField*> Header::find_all(std::string_view name) const {
  std::vector<const HeaderField*> out;
  for (const auto& f : fields_)
    if (field_name_equals(f.name, name)) out.push_back(&f);
  return out;
}

std::size_t Header::count(std::string_view name) const {
  return static_cast<std::size_t>(std::count_if(
      fields_.begin(), fields_.end(), [name](const HeaderField& f) { return field_name_equals(f.name, name); }));
}

namespace {
HeaderField make_field(std::string_view name, std::string_view value) {
  const std::string formatted = format_field(name, value);
  // formatted is "Name:" raw "\r\n"
  HeaderField field;
  field.name = std::string(name);
  field.raw_value = formatted.substr(name.size() + 1, formatted.size() - name.size() - 3);
  field.value = unfold(field.raw_value);
  return field;
}
}  // namespace

void Header::prepend(std::string_view name, std::string_view value) {
  fields_.insert(fields_.begin(), make_field(name, value));
}

void Header::append(std::string_view name, std::string_view value) {
  fields_.push_back(make_field(name, value));
}

std::size_t Header::remove(std::string_view name) {
  return std::erase_if(fields_, [name](const HeaderField& f) { return field_name_equals(f.name, name); });
}

std::string Header::serialize() const {
  std::string out;
  for (const auto& f : fields_) {
    out += f.name;
    out += ':';
    out += f.raw_value;
    out += "\r\n";
  }
  return out;
}

// RFC 5322 §2.2.3: "folding ... is the process of inserting a CRLF immediately before
// any WSP"; §2.1.1 asks for lines of at most 78 characters. We fold before a space when
// the next word would pass column 78, never leaving a line with only white space, and
// leave a word longer than a line whole (it cannot be folded).
std::string format_field(std::string_view name, std::string_view value) {
  const std::string clean = without_line_breaks(value);
  std::string out;
  // Room for the name, the value, and a fold (CRLF) every 40 characters or so.
  out.reserve(name.size() + clean.size() + clean.size() / 20 + 8);
  out += name;
  out += ':';
  std::size_t column = out.size();
  bool word_on_line = false;
  std::size_t start = 0;
  while (start <= clean.size()) {
    std::size_t space = clean.find(' ', start);
    if (space == std::string::npos) space = clean.size();
    const std::string_view word = std::string_view(clean).substr(start, space - start);
    if (word_on_line && column + 1 + word.size() > line_length_recommended_max) {
      out += "\r\n";
      column = 0;
    }
    out += ' ';
    out += word;
    column += 1 + word.size();
    word_on_line = true;
    start = space + 1;
  }
  out += "\r\n";
  return out;
}

std::string prepend_field(std::string_view message, std::string_view name,
                          std::string_view value) {
  const std::string field = format_field(name, value);
  std::string out;
  out.reserve(field.size() + message.size());  // one allocation for the whole message
  out += field;
  out += message;
  return out;
}

std::size_t count_fields(std::string_view message, std::string_view name) {
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < message.size()) {
    const RawLine line = read_line(message, pos);
    if (line.text.empty() && line.end != LineEnd::None) break;  // end of the header
    // A continuation line (RFC 5322 §2.2.3) starts with WSP and has no name of its own.
    if (field_name_equals(field_name_of(line.text), name)) ++count;
    pos = line.next;
  }
  return count;
}

std::string remove_fields(std::string_view message, std::string_view name) {
  std::string out;
  out.reserve(message.size());
  std::size_t pos = 0;
  bool skipping = false;  // inside a removed field (its continuation lines go too)
  while (pos < message.size()) {
    const RawLine line = read_line(message, pos);
    if (line.text.empty() && line.end != LineEnd::None) break;  // end of the header
    if (!line.text.empty() && is_wsp(line.text.front())) {
      if (!skipping) out += message.substr(pos, line.next - pos);
    } else {
      skipping = field_name_equals(field_name_of(line.text), name);
      if (!skipping) out += message.substr(pos, line.next - pos);
    }
    pos = line.next;
  }
  out += message.substr(pos);  // the empty line and the body, untouched
  return out;
}

}  // namespace smtplab::message
