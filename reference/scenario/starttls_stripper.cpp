// scenario/starttls_stripper.cpp — see starttls_stripper.hpp.
#include "scenario/starttls_stripper.hpp"

#include "core/address.hpp"

namespace smtplab::scenario {

namespace {

// A reply line is "ddd" then "-" (more lines follow) or " " / end (the last line):
// RFC 5321 §4.2.1, "Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code
// [ SP textstring ] CRLF".
bool is_continuation(const std::string& line) { return line.size() >= 4 && line[3] == '-'; }

bool is_starttls_line(const std::string& line) {
  // "250-STARTTLS\r\n" or "250 STARTTLS\r\n": the keyword is the whole text (RFC 3207 §4).
  if (line.size() < 4 || line.compare(0, 3, "250") != 0) return false;
  std::string text = line.substr(4);
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return ascii_lower(text) == "starttls";
}

}  // namespace

std::string EhloReplyFilter::feed(std::string_view bytes) {
  stripped_ = false;
  std::string out;
  partial_.append(bytes);
  std::size_t start = 0;
  while (true) {
    const auto lf = partial_.find('\n', start);
    if (lf == std::string::npos) break;
    group_.push_back(partial_.substr(start, lf + 1 - start));
    start = lf + 1;
    if (!is_continuation(group_.back())) out += flush_group();
  }
  partial_.erase(0, start);
  if (partial_.size() > stripper_line_buffer_max) {
    // Not SMTP replies (or an absurd line): pass everything through unchanged.
    for (const auto& line : group_) out += line;
    group_.clear();
    out += partial_;
    partial_.clear();
  }
  return out;
}

std::string EhloReplyFilter::flush_group() {
  std::vector<std::string> kept;
  for (auto& line : group_) {
    if (is_starttls_line(line)) {
      stripped_ = true;
      continue;
    }
    kept.push_back(std::move(line));
  }
  group_.clear();
  // The hyphens must still say "more follows" on every line but the last: when the
  // removed line was the last one ("250 STARTTLS"), the new last line gets a space.
  std::string out;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    std::string& line = kept[i];
    if (line.size() >= 4) line[3] = (i + 1 < kept.size()) ? '-' : ' ';
    out += line;
  }
  return out;
}

namespace {

// State shared by the two halves of one relayed connection.
struct Relay {
  StartTlsStripper* owner = nullptr;
  Stream* client = nullptr;    // the victim's connection to us
  Stream* upstream = nullptr;  // our connection to the real server
  std::string pending;         // client bytes before the upstream is open
  EhloReplyFilter filter;
  std::string seen;            // client -> server text, for the "attacker read" note
  bool in_data = false;
  bool reported = false;
  bool closed = false;

  void note(std::string summary, std::string bytes, std::string explain) {
    Event event;
    event.kind = EventKind::Note;
    event.summary = std::move(summary);
    event.bytes = std::move(bytes);
    event.explain = std::move(explain);
    event.rfc = "RFC 3207 §6";
    event.with("role", "starttls-stripper");
    owner->host().emit(std::move(event));
  }

  void from_client(std::string_view bytes) {
    if (seen.size() < stripper_client_buffer_max) seen.append(bytes.substr(0, stripper_client_buffer_max - seen.size()));
    watch_for_message();
    if (upstream != nullptr) {
      upstream->send(bytes);
    } else if (pending.size() + bytes.size() <= stripper_client_buffer_max) {
      pending.append(bytes);
    } else {
      close_both();
    }
  }

  void watch_for_message() {
    // The message follows "DATA" and ends at CRLF.CRLF (RFC 5321 §4.1.1.4). In plaintext
    // the attacker reads it all; this note is what the lesson shows.
    if (reported) return;
    const auto data = seen.find("\r\nDATA\r\n");
    if (data == std::string::npos) return;
    const auto end = seen.find("\r\n.\r\n", data + 8);
    if (end == std::string::npos) return;
    reported = true;
    note("the attacker read the whole message in cleartext", seen.substr(data + 8, end + 2 - (data + 8)),
         "command.message.read_by_attacker");
  }

  void from_server(std::string_view bytes) {
    std::string out = filter.feed(bytes);
    if (filter.stripped())
      note("removed STARTTLS from the EHLO reply: the client cannot see that TLS is offered", out,
           "ehlo.STARTTLS.stripped");
    if (client != nullptr && !out.empty()) client->send(out);
  }

  void close_both() {
    if (closed) return;
    closed = true;
    if (client != nullptr) client->close();
    if (upstream != nullptr) upstream->close();
  }
};

class UpstreamSide final : public StreamHandler {
 public:
  explicit UpstreamSide(std::shared_ptr<Relay> relay) : relay_(std::move(relay)) {}
  void on_open(Stream& stream) override {
    relay_->upstream = &stream;
    if (!relay_->pending.empty()) stream.send(std::exchange(relay_->pending, std::string()));
  }
  void on_data(Stream&, std::string_view bytes) override { relay_->from_server(bytes); }
  void on_close(Stream&, CloseReason) override {
    relay_->upstream = nullptr;
    relay_->close_both();
  }

 private:
  std::shared_ptr<Relay> relay_;
};

class ClientSide final : public StreamHandler {
 public:
  explicit ClientSide(StartTlsStripper& owner) : relay_(std::make_shared<Relay>()) { relay_->owner = &owner; }
  void on_open(Stream& stream) override {
    relay_->client = &stream;
    relay_->owner->host().connect(relay_->owner->upstream(), std::make_unique<UpstreamSide>(relay_));
  }
  void on_data(Stream&, std::string_view bytes) override { relay_->from_client(bytes); }
  void on_close(Stream&, CloseReason) override {
    relay_->client = nullptr;
    relay_->close_both();
  }

 private:
  std::shared_ptr<Relay> relay_;
};

}  // namespace

void StartTlsStripper::start(std::uint16_t port) {
  host_.listen(port, [this] { return std::make_unique<ClientSide>(*this); });
}

}  // namespace smtplab::scenario
