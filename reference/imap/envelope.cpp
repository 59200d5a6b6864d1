// imap/envelope.cpp — ENVELOPE (RFC 3501 §7.4.2) from an RFC 5322 header, and the
// INTERNALDATE text (RFC 3501 §9 date-time). See envelope.hpp.
#include "imap/envelope.hpp"

#include <cstdio>

#include "message/header.hpp"

namespace smtplab::imap {

namespace {

// One lexical token of an address field (RFC 5322 §3.2): a word (atom or dot-atom),
// a quoted string (its content, unescaped), or one of the specials that structure an
// address list.
struct Token {
  enum class Kind { Word, Quoted, Special } kind;
  std::string text;
};

bool is_special(char c) { return c == '<' || c == '>' || c == ',' || c == ':' || c == ';' || c == '@'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (is_space(c)) {
      ++i;
    } else if (c == '(') {
      // RFC 5322 §3.2.2: comments nest, and a quoted-pair may escape a parenthesis.
      // They carry no address, so they are skipped; an unclosed one ends the field.
      int depth = 0;
      for (; i < text.size(); ++i) {
        if (text[i] == '\\') ++i;
        else if (text[i] == '(') ++depth;
        else if (text[i] == ')' && --depth == 0) break;
      }
      ++i;
    } else if (c == '"') {
      // RFC 5322 §3.2.4: quoted-string; quoted-pair "\" x stands for x.
      std::string content;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        content += text[i];
      }
      ++i;  // the closing quote (or past the end)
      tokens.push_back({Token::Kind::Quoted, std::move(content)});
    } else if (is_special(c)) {
      tokens.push_back({Token::Kind::Special, std::string(1, c)});
      ++i;
    } else {
      std::string word;
      while (i < text.size() && !is_space(text[i]) && !is_special(text[i]) && text[i] != '(' && text[i] != '"')
        word += text[i++];
      tokens.push_back({Token::Kind::Word, std::move(word)});
    }
  }
  return tokens;
}

bool special(const Token& t, char c) { return t.kind == Token::Kind::Special && t.text[0] == c; }

// A phrase (display name): its words joined by single spaces, RFC 5322 §3.2.5.
std::optional<std::string> phrase_text(const std::vector<Token>& tokens, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (tokens[i].kind == Token::Kind::Special) continue;
    if (!out.empty()) out += ' ';
    out += tokens[i].text;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// An addr-spec "local@domain" from tokens [from, to); RFC 3501 §7.4.2 splits it into
// mailbox and host. A local part without a domain keeps an empty host: NIL would mean
// group syntax, which this is not.
Address addr_spec(const std::vector<Token>& tokens, std::size_t from, std::size_t to) {
  Address a;
  std::string local, domain;
  bool at = false;
  for (std::size_t i = from; i < to; ++i) {
    if (special(tokens[i], '@') && !at) {
      at = true;
      continue;
    }
    (at ? domain : local) += tokens[i].text;
  }
  a.mailbox = local;
  a.host = domain;
  return a;
}

}  // namespace

std::vector<Address> parse_address_list(std::string_view value) {
  const std::vector<Token> tokens = tokenize(value);
  std::vector<Address> out;
  std::size_t i = 0;
  bool in_group = false;
  while (i < tokens.size()) {
    // Scan to the token that decides what this address is: '<' (name-addr), ':'
    // (a group's name ends), or ',' / ';' / the end (a bare addr-spec ends).
    std::size_t j = i;
    while (j < tokens.size() && !special(tokens[j], '<') && !special(tokens[j], ':') && !special(tokens[j], ',') &&
           !special(tokens[j], ';'))
      ++j;
    if (j < tokens.size() && special(tokens[j], ':') && !in_group) {
      // RFC 3501 §7.4.2: "[RFC-2822] group syntax is indicated by a special form of
      // address structure in which the host name field is NIL. If the mailbox name
      // field is also NIL, this is an end of group marker ... If the mailbox name
      // field is non-NIL, this is a start of group marker, and the mailbox name field
      // holds the group name phrase."
      out.push_back(Address{std::nullopt, std::nullopt, phrase_text(tokens, i, j).value_or(""), std::nullopt});
      in_group = true;
      i = j + 1;
      continue;
    }
    if (j < tokens.size() && special(tokens[j], '<')) {
      // name-addr = [display-name] angle-addr; RFC 5322 §4.4 obs-route "@a,@b:" may
      // precede the addr-spec inside the brackets: that is the adl.
      std::size_t close = j + 1;
      while (close < tokens.size() && !special(tokens[close], '>')) ++close;
      std::size_t spec_from = j + 1;
      std::optional<std::string> adl;
      for (std::size_t k = j + 1; k < close; ++k)
        if (special(tokens[k], ':')) {
          std::string route;
          for (std::size_t r = j + 1; r < k; ++r) route += tokens[r].text;
          adl = route;
          spec_from = k + 1;
          break;
        }
      Address a = addr_spec(tokens, spec_from, close);
      a.name = phrase_text(tokens, i, j);
      a.adl = adl;
      // "<>" (a null path, seen in Return-Path-like misuse) has no address at all.
      if (!(a.mailbox->empty() && a.host->empty())) out.push_back(std::move(a));
      j = close < tokens.size() ? close + 1 : close;
      // Skip anything up to the next separator (junk after '>').
      while (j < tokens.size() && !special(tokens[j], ',') && !special(tokens[j], ';')) ++j;
    } else if (j > i) {
      out.push_back(addr_spec(tokens, i, j));
    }
    if (j < tokens.size() && special(tokens[j], ';') && in_group) {
      out.push_back(Address{});  // end of group marker: all four NIL
      in_group = false;
    }
    i = j + 1;
  }
  if (in_group) out.push_back(Address{});  // an unterminated group is closed anyway
  return out;
}

std::string imap_string(std::string_view text) {
  bool literal = false;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    // RFC 3501 §9: QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\"
    // quoted-specials, and TEXT-CHAR excludes CR and LF; CHAR is 7-bit, without NUL.
    if (c == '\r' || c == '\n' || u == 0 || u >= 0x80) literal = true;
  }
  if (literal) return "{" + std::to_string(text.size()) + "}\r\n" + std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string imap_nstring(const std::optional<std::string>& text) { return text ? imap_string(*text) : "NIL"; }

namespace {

std::string address_list_text(const std::vector<Address>& list) {
  // RFC 3501 §7.4.2: an empty or absent address list is NIL, not "()".
  if (list.empty()) return "NIL";
  std::string out = "(";
  for (const Address& a : list)
    out += "(" + imap_nstring(a.name) + " " + imap_nstring(a.adl) + " " + imap_nstring(a.mailbox) + " " +
           imap_nstring(a.host) + ")";
  return out + ")";
}

}  // namespace

std::string envelope(std::string_view message) {
  const message::HeaderParse parse = message::parse_header(message);
  const message::Header& header = parse.header;
  auto field = [&](std::string_view name) -> std::optional<std::string> {
    const message::HeaderField* f = header.find(name);
    if (!f) return std::nullopt;
    return f->value;
  };
  auto addresses = [&](std::string_view name) {
    const auto value = field(name);
    return value ? parse_address_list(*value) : std::vector<Address>{};
  };
  const std::vector<Address> from = addresses("From");
  std::vector<Address> sender = addresses("Sender");
  std::vector<Address> reply_to = addresses("Reply-To");
  // RFC 3501 §7.4.2: "If the Sender or Reply-To lines are absent in the [RFC-2822]
  // header, or are present but empty, the server sets the corresponding member of the
  // envelope to be the same value as the from member (the client is not expected to
  // know to do this)."
  if (sender.empty()) sender = from;
  if (reply_to.empty()) reply_to = from;
  std::string out = "(";
  out += imap_nstring(field("Date")) + " ";
  out += imap_nstring(field("Subject")) + " ";
  out += address_list_text(from) + " ";
  out += address_list_text(sender) + " ";
  out += address_list_text(reply_to) + " ";
  out += address_list_text(addresses("To")) + " ";
  out += address_list_text(addresses("Cc")) + " ";
  out += address_list_text(addresses("Bcc")) + " ";
  out += imap_nstring(field("In-Reply-To")) + " ";
  out += imap_nstring(field("Message-ID"));
  return out + ")";
}

std::string internal_date(TimeMs time_ms) {
  // Days since 1970-01-01 to a civil date (the proleptic Gregorian algorithm of
  // H. Hinnant's "chrono-compatible low-level date algorithms").
  const long long seconds = time_ms >= 0 ? time_ms / 1000 : (time_ms - 999) / 1000;
  long long days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  const long long second_of_day = seconds - days * 86400;
  days += 719468;
  const long long era = (days >= 0 ? days : days - 146096) / 146097;
  const long long day_of_era = days - era * 146097;
  const long long year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const long long day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const long long mp = (5 * day_of_year + 2) / 153;
  const long long day = day_of_year - (153 * mp + 2) / 5 + 1;
  const long long month = mp < 10 ? mp + 3 : mp - 9;
  const long long year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  // RFC 3501 §9: date-month = "Jan" / "Feb" / ... / "Dec".
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char text[96];  // room for any long long, so the compiler can see nothing is cut
  std::snprintf(text, sizeof text, "\"%2lld-%s-%04lld %02lld:%02lld:%02lld +0000\"", day, months[month - 1], year,
                second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60);
  return text;
}

}  // namespace smtplab::imap
