// mua/raw_client.cpp — see raw_client.hpp.
#include "mua/raw_client.hpp"

namespace smtplab::mua {

class RawConnection final : public StreamHandler {
 public:
  explicit RawConnection(RawClient& owner) : owner_(owner) {}

  void on_open(Stream& stream) override {
    if (owner_.config_.pipelining || !owner_.config_.wait_for_greeting) send_next(stream);
  }

  void on_data(Stream& stream, std::string_view bytes) override {
    parser_.feed(bytes);
    Reply reply;
    while (true) {
      const auto status = parser_.next(reply);
      if (status == smtp::ReplyParseStatus::NeedMore) break;
      if (status == smtp::ReplyParseStatus::Malformed) {
        note(stream, "the server's reply is malformed: " + parser_.error());
        stream.close();
        return;
      }
      ++owner_.replies_seen_;
      owner_.codes_.push_back(reply.code);
      // RFC 5321 §4.1.1.4: after 354 the client sends the message and its final "."
      // without waiting for replies in between.
      in_data_ = reply.code == 354;
      if (!owner_.config_.pipelining) send_next(stream);
    }
  }

  void on_close(Stream&, CloseReason) override {}

 private:
  void send_next(Stream& stream) {
    auto& script = owner_.config_.script;
    std::string out;
    bool more = true;
    while (more && next_ < script.size()) {
      const std::string& line = script[next_++];
      out += line;
      out += "\r\n";
      if (owner_.config_.pipelining) continue;
      if (in_data_) {
        more = line != ".";  // the end of data waits for its reply
        if (!more) in_data_ = false;
      } else {
        more = false;  // one command, then wait for its reply
      }
    }
    if (!out.empty()) stream.send(out);
    if (next_ >= script.size() && !out.empty() && owner_.config_.pipelining) return;
    if (next_ >= script.size() && out.empty() && !closing_) {
      closing_ = true;  // the script is over: hang up like a user closing the terminal
      stream.close();
    }
  }

  void note(Stream& stream, std::string text) {
    Event event;
    event.kind = EventKind::Note;
    event.summary = std::move(text);
    event.explain = "raw_client.note";
    owner_.host_.emit(std::move(event), {}, stream.id());
  }

  RawClient& owner_;
  smtp::ReplyParser parser_;
  std::size_t next_ = 0;
  bool in_data_ = false;
  bool closing_ = false;
};

RawClient::RawClient(Host& host, RawClientConfig config) : host_(host), config_(std::move(config)) {}

void RawClient::start() { host_.connect(config_.server, std::make_unique<RawConnection>(*this)); }

}  // namespace smtplab::mua
