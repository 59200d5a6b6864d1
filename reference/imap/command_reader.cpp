// imap/command_reader.cpp — literal-aware framing and the argument parser (see
// command_reader.hpp).
#include "imap/command_reader.hpp"

namespace smtplab::imap {

namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// RFC 3501 §9: atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards /
// quoted-specials / resp-specials. We let "%", "*" and "]" into atoms (LIST patterns,
// sequence sets "2:*", "BODY[]"), as the grammar's list-mailbox and section rules do.
bool atom_char(char c) {
  return c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '{' && c != '"';
}

// The number n of a trailing "{n}" on a line, or nullopt when the line does not end so.
std::optional<std::size_t> trailing_literal(std::string_view line) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  const std::size_t open = line.rfind('{');
  if (open == std::string_view::npos || open + 2 > line.size() - 1) return std::nullopt;
  const std::string_view digits = line.substr(open + 1, line.size() - open - 2);
  if (digits.size() > 10) return static_cast<std::size_t>(-1);  // absurd: too big
  std::size_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

class Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string>& literals) : text_(text), literals_(literals) {}

  bool parse_args(std::vector<Arg>& out, std::size_t depth, std::string& shown) {
    while (pos_ < text_.size()) {
      if (text_[pos_] == ' ') {
        ++pos_;
        continue;
      }
      if (text_[pos_] == ')') return depth > 0;
      if (count_++ >= arguments_max) return false;
      Arg arg;
      if (!parse_one(arg, depth)) return false;
      out.push_back(std::move(arg));
    }
    (void)shown;
    return depth == 0;
  }

  std::size_t pos() const { return pos_; }

 private:
  bool parse_one(Arg& arg, std::size_t depth) {
    const char c = text_[pos_];
    if (c == '(') {
      if (depth + 1 > list_depth_max) return false;
      ++pos_;
      arg.kind = Arg::Kind::List;
      std::string ignored;
      if (!parse_args(arg.items, depth + 1, ignored)) return false;
      if (pos_ >= text_.size() || text_[pos_] != ')') return false;
      ++pos_;
      return true;
    }
    if (c == '"') {
      // RFC 3501 §9: quoted = DQUOTE *QUOTED-CHAR DQUOTE; "\" escapes only DQUOTE and "\".
      arg.kind = Arg::Kind::String;
      ++pos_;
      while (pos_ < text_.size() && text_[pos_] != '"') {
        if (text_[pos_] == '\\') {
          if (pos_ + 1 >= text_.size() || (text_[pos_ + 1] != '"' && text_[pos_ + 1] != '\\')) return false;
          ++pos_;
        }
        arg.text += text_[pos_++];
      }
      if (pos_ >= text_.size()) return false;  // unbalanced quote
      ++pos_;
      return true;
    }
    if (c == '{') {
      // A literal: its octets were collected by the reader, in order.
      const std::size_t close = text_.find('}', pos_);
      if (close == std::string_view::npos || next_literal_ >= literals_.size()) return false;
      arg.kind = Arg::Kind::String;
      arg.text = literals_[next_literal_++];
      pos_ = close + 1;
      return true;
    }
    arg.kind = Arg::Kind::Atom;
    const std::size_t start = pos_;
    int brackets = 0;
    // "BODY[HEADER]" and "BODY.PEEK[]" are one atom; inside brackets a space or a
    // parenthesis belongs to the section (not supported further, but framed right).
    while (pos_ < text_.size() && (atom_char(text_[pos_]) || (brackets > 0 && text_[pos_] != ']' && text_[pos_] >= 0x20))) {
      if (text_[pos_] == '[') ++brackets;
      if (text_[pos_] == ']') --brackets;
      ++pos_;
    }
    if (pos_ == start) return false;
    arg.text = std::string(text_.substr(start, pos_ - start));
    return true;
  }

  std::string_view text_;
  const std::vector<std::string>& literals_;
  std::size_t pos_ = 0;
  std::size_t next_literal_ = 0;
  std::size_t count_ = 0;
};

}  // namespace

std::string_view to_string(Arg::Kind kind) {
  switch (kind) {
    case Arg::Kind::Atom: return "atom";
    case Arg::Kind::String: return "string";
    case Arg::Kind::List: return "list";
  }
  return "unknown";
}

std::string_view to_string(ReadStatus status) {
  switch (status) {
    case ReadStatus::Complete: return "complete";
    case ReadStatus::NeedMore: return "need_more";
    case ReadStatus::NeedLiteral: return "need_literal";
    case ReadStatus::LiteralTooBig: return "literal_too_big";
    case ReadStatus::TooLong: return "too_long";
    case ReadStatus::Malformed: return "malformed";
  }
  return "unknown";
}

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 64) return false;  // 64: our choice, tags are short
  for (char c : tag)
    if (!atom_char(c) || c == '%' || c == '*' || c == '+') return false;
  return true;
}

std::optional<Command> parse_command(std::string_view text, const std::vector<std::string>& literals) {
  // RFC 3501 §2.2.1: "Each client command is prefixed with an identifier (typically a
  // short alphanumeric string, e.g., A0001, A0002, etc.) called a "tag"."
  Command command;
  const std::size_t space = text.find(' ');
  command.tag = std::string(text.substr(0, space));
  if (!is_valid_tag(command.tag)) return std::nullopt;
  if (space == std::string_view::npos) return std::nullopt;
  Parser parser(text.substr(space + 1), literals);
  std::string shown;
  std::vector<Arg> args;
  if (!parser.parse_args(args, 0, shown) || args.empty() || args.front().kind != Arg::Kind::Atom) return std::nullopt;
  command.name = upper(args.front().text);
  command.args.assign(args.begin() + 1, args.end());
  command.shown = std::string(text);
  return command;
}

void CommandReader::reset() {
  line_reader_.reset();
  pending_.clear();
  literals_.clear();
  literal_remaining_ = 0;
  size_ = 0;
  tag_ = "*";
}

ReadStatus CommandReader::next(std::string_view& input, Command& out) {
  while (!input.empty()) {
    if (literal_remaining_ > 0) {
      // RFC 3501 §4.3: the literal is exactly the announced number of octets, whatever
      // they are (CRLF included); it is not a line.
      const std::size_t take = std::min(literal_remaining_, input.size());
      literals_.back().append(input.substr(0, take));
      input.remove_prefix(take);
      literal_remaining_ -= take;
      continue;
    }
    Line line;
    const LineStatus status = line_reader_.next(input, line);
    if (status == LineStatus::NeedMore) return ReadStatus::NeedMore;
    if (pending_.empty()) {
      const std::size_t space = line.text.find(' ');
      tag_ = line.text.substr(0, std::min(space, std::size_t{64}));
      if (tag_.empty()) tag_ = "*";
    }
    if (status == LineStatus::TooLong || size_ + line.text.size() > command_size_max) {
      pending_.clear();
      literals_.clear();
      size_ = 0;
      return ReadStatus::TooLong;
    }
    size_ += line.text.size() + 2;
    pending_ += line.text;
    if (std::optional<std::size_t> n = trailing_literal(line.text)) {
      if (*n > literal_size_max || size_ + *n > command_size_max) {
        // RFC 3501 §7.5: the client waits for "+" before it sends a synchronizing
        // literal; a tagged BAD instead means it never sends it, so the session stays
        // in step.
        pending_.clear();
        literals_.clear();
        size_ = 0;
        return ReadStatus::LiteralTooBig;
      }
      literals_.emplace_back();
      literal_remaining_ = *n;
      size_ += *n;
      return ReadStatus::NeedLiteral;
    }
    std::optional<Command> command = parse_command(pending_, literals_);
    pending_.clear();
    literals_.clear();
    size_ = 0;
    if (!command) return ReadStatus::Malformed;
    out = std::move(*command);
    return ReadStatus::Complete;
  }
  return ReadStatus::NeedMore;
}

}  // namespace smtplab::imap
