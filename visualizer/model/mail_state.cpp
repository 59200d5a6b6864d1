// visualizer/model/mail_state.cpp — message lifetimes and header parsing.
#include "model/mail_state.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace smtplab::visualizer {

std::string_view to_string(MailPlace place) {
  switch (place) {
    case MailPlace::Queue: return "queue";
    case MailPlace::Mailbox: return "mailbox";
  }
  return "unknown";
}

namespace {

std::string trim(std::string_view s) {
  std::size_t a = 0;
  std::size_t b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "bob@b.example (pending), carol@b.example (sent)" -> {"bob@b.example", "carol@b.example"}
std::vector<std::string> split_recipients(std::string_view list) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const auto comma = list.find(',', pos);
    std::string_view part = list.substr(pos, comma == std::string_view::npos ? list.npos : comma - pos);
    if (const auto paren = part.find(" ("); paren != std::string_view::npos) part = part.substr(0, paren);
    std::string item = trim(part);
    if (!item.empty()) out.push_back(std::move(item));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

std::vector<std::string> recipients_of(const TraceEvent& e) {
  std::vector<std::string> out;
  for (const auto& [k, v] : e.fields)
    if (k == "rcpt_to" || k == "rcpt")
      for (auto& r : split_recipients(v)) out.push_back(std::move(r));
  return out;
}

}  // namespace

MailIndex::MailIndex(const std::vector<TraceEvent>& events) {
  // Open queue entries by (queue lane, queue id); std::map for a deterministic order.
  std::map<std::pair<std::string, std::string>, std::size_t> open;
  for (std::size_t step = 0; step < events.size(); ++step) {
    const TraceEvent& e = events[step];
    if (e.kind != EventKind::QueueChange && e.kind != EventKind::Delivery) continue;
    if (e.kind == EventKind::Delivery) {
      if (items_.size() >= items_max) {
        truncated_ = true;
        continue;
      }
      MailItem item;
      item.place = MailPlace::Mailbox;
      item.location = std::string(e.field("mailbox"));
      if (item.location.empty()) item.location = e.dst;
      item.id = std::string(e.field("message_id"));
      if (item.id.empty()) {
        item.id.assign(1, '#');  // (not = "#": GCC 12 -Wrestrict false positive, bug 105651)
        item.id += std::to_string(e.seq);
      }
      item.mail_from = std::string(e.field("mail_from"));
      // RFC 5321 §4.4: at delivery the envelope sender becomes the Return-Path field;
      // an MDA's delivery event may carry only that.
      if (item.mail_from.empty()) item.mail_from = std::string(e.field("return_path"));
      if (const std::string_view folder = e.field("folder"); !folder.empty() && folder != "INBOX")
        item.folder = std::string(folder);
      item.rcpt_to = recipients_of(e);
      item.message_step = step;
      item.from_step = step;
      items_.push_back(std::move(item));
      continue;
    }
    const std::string_view action = e.field("action");
    std::string id(e.field("queue_id"));
    if (id.empty()) id = std::string(e.field("id"));
    const auto key = std::make_pair(e.src, id);
    if (action == "enqueue") {
      if (items_.size() >= items_max) {
        truncated_ = true;
        continue;
      }
      MailItem item;
      item.place = MailPlace::Queue;
      item.location = e.src;
      item.id = id;
      item.mail_from = std::string(e.field("mail_from"));
      item.rcpt_to = recipients_of(e);
      item.message_step = step;
      item.from_step = step;
      open[key] = items_.size();
      items_.push_back(std::move(item));
    } else if (const auto it = open.find(key); it != open.end()) {
      MailItem& item = items_[it->second];
      if (action == "defer") {
        item.defer_steps.push_back(step);
      } else if (action == "remove" || action == "dequeue" || action == "delivered") {
        // The removal event itself still shows the message leaving; it is gone after.
        item.until_step = step + 1;
        open.erase(it);
      }
    }
  }
}

std::vector<std::size_t> MailIndex::visible_at(std::size_t step) const {
  std::vector<std::size_t> out;
  // Items are in from_step order, so the scan stops at the first one from the future.
  for (std::size_t i = 0; i < items_.size() && items_[i].from_step <= step; ++i)
    if (step < items_[i].until_step) out.push_back(i);
  return out;
}

std::size_t MailIndex::deferrals_at(const MailItem& item, std::size_t step) const {
  return static_cast<std::size_t>(
      std::upper_bound(item.defer_steps.begin(), item.defer_steps.end(), step) -
      item.defer_steps.begin());
}

std::vector<HeaderField> parse_headers(std::string_view message) {
  std::vector<HeaderField> out;
  std::size_t pos = 0;
  while (pos < message.size() && out.size() < headers_max) {
    auto eol = message.find('\n', pos);
    if (eol == std::string_view::npos) eol = message.size();
    std::string_view line = message.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = eol + 1;
    if (line.empty()) break;  // RFC 5322 §2.1: an empty line ends the header section
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back().value += ' ';
      out.back().value += trim(line);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // not a field: skip, do not guess
    out.push_back(HeaderField{trim(line.substr(0, colon)), trim(line.substr(colon + 1))});
  }
  return out;
}

std::string_view message_body(std::string_view message) {
  if (const auto p = message.find("\r\n\r\n"); p != std::string_view::npos) return message.substr(p + 4);
  if (const auto p = message.find("\n\n"); p != std::string_view::npos) return message.substr(p + 2);
  return {};
}

std::vector<std::string> addresses_in(std::string_view text) {
  std::vector<std::string> out;
  auto is_addr_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view(".-_+=!#$%&'*/?^`{|}~").find(c) != std::string_view::npos;
  };
  for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    std::size_t a = at;
    while (a > 0 && is_addr_char(text[a - 1])) --a;
    std::size_t b = at + 1;
    while (b < text.size() && is_addr_char(text[b])) ++b;
    if (a < at && b > at + 1) out.emplace_back(text.substr(a, b - a));
  }
  return out;
}

std::vector<std::string> envelope_only_recipients(const MailItem& item,
                                                  const std::vector<HeaderField>& headers) {
  std::vector<std::string> named;
  for (const auto& h : headers) {
    const std::string n = lower(h.name);
    if (n == "to" || n == "cc")
      for (auto& a : addresses_in(h.value)) named.push_back(lower(a));
  }
  std::vector<std::string> out;
  for (const auto& r : item.rcpt_to) {
    for (const auto& a : addresses_in(r))
      if (std::find(named.begin(), named.end(), lower(a)) == named.end()) out.push_back(a);
  }
  return out;
}

}  // namespace smtplab::visualizer
