// net/session_pump.hpp — a StreamHandler that pumps one connection through any sans-I/O
// server engine (POP3, IMAP, ...): bytes in, bytes and trace events out, plus the two
// timers an engine cannot keep itself (it has no clock).
//
// Standards: none of its own; it knows no protocol (STYLE §7, "the I/O adapter is a
// thin pump"). The engines it drives cite theirs: RFC 1939 §3 / RFC 3501 §5.4 (the
// autologout timer that calls timeout()), RFC 1939 §13 / RFC 3501 §11 (the delay after
// a failed login, which the engine asks for with next_reply_delay_ms()).
//
// API:
//   host.listen(2110, [&] {
//     return std::make_unique<SessionPump<pop3::ServerSession>>(
//         host, std::make_unique<pop3::ServerSession>(config, store, users), idle_timeout_ms);
//   });
//
// The engine must offer: start(), receive(bytes), take_output(), take_events(),
// wants_close(), timeout(), set_now(ms), next_reply_delay_ms() — the ServerEngine
// concept below, so a missing function is a compile error that names it.
//
// The delay: when the engine asks for one (a failed login), its output is held back for
// that long and so is any input that arrives meanwhile, so a client that pipelines many
// guesses in one packet still waits for each answer. Held input is bounded.
//
// Not implemented: pushing events that start on the server side (IMAP IDLE's new-mail
// notification needs a call from the MDA into the engine; the owner may keep a list of
// pumps and call engine() for that).
#pragma once

#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/host.hpp"
#include "core/trace.hpp"

namespace smtplab::net {

// Our choice: input held while a failed-login delay runs. A client has no reason to
// send more than a few commands before it hears the answer; beyond this it is flooding
// us, and the stream is reset rather than allowed to grow our memory.
inline constexpr std::size_t held_input_bytes_max = 64u * 1024u;

template <typename E>
concept ServerEngine = requires(E engine, const E& const_engine, std::string_view bytes, TimeMs now_ms) {
  engine.start();
  engine.receive(bytes);
  { engine.take_output() } -> std::convertible_to<std::string>;
  { engine.take_events() } -> std::convertible_to<std::vector<Event>>;
  { const_engine.wants_close() } -> std::convertible_to<bool>;
  { const_engine.next_reply_delay_ms() } -> std::convertible_to<TimeMs>;
  engine.timeout();
  engine.set_now(now_ms);
};

template <ServerEngine Engine>
class SessionPump final : public StreamHandler {
 public:
  SessionPump(Host& host, std::unique_ptr<Engine> engine, TimeMs idle_timeout_ms)
      : host_(host), engine_(std::move(engine)), idle_timeout_ms_(idle_timeout_ms) {}
  ~SessionPump() override { cancel_timers(); }
  SessionPump(const SessionPump&) = delete;
  SessionPump& operator=(const SessionPump&) = delete;

  Engine& engine() { return *engine_; }

  void on_open(Stream& stream) override {
    stream_ = &stream;
    peer_ = stream.remote().address;
    engine_->set_now(host_.clock().now_ms());
    engine_->start();  // the greeting, or (implicit TLS) the wait for a ClientHello
    pump();
  }

  void on_data(Stream& stream, std::string_view bytes) override {
    stream_ = &stream;
    if (closed_) return;
    if (delay_timer_) {
      // A failed-login delay is running: the client waits for that answer first.
      if (held_.size() + bytes.size() > held_input_bytes_max) {
        closed_ = true;
        cancel_timers();
        stream.reset();
        return;
      }
      held_.append(bytes);
      return;
    }
    feed(bytes);
  }

  // Sends what the engine produced outside of a receive() — an IMAP session told of new
  // mail while it idles (RFC 2177 §3) — with its trace events. A running failed-login
  // delay still holds the output back.
  void flush() { pump(); }

  void on_close(Stream&, CloseReason) override {
    closed_ = true;
    cancel_timers();
    stream_ = nullptr;
  }

 private:
  void feed(std::string_view bytes) {
    engine_->set_now(host_.clock().now_ms());  // a TLS handshake checks certificate dates
    engine_->receive(bytes);
    pump();
  }

  // Sends what the engine has (unless it asks to wait first), records its events, and
  // closes when it is done.
  void pump() {
    if (closed_ || stream_ == nullptr) return;
    emit_dialogue(host_, engine_->take_events(), peer_, stream_->id(), /*we_are_server=*/true);
    const TimeMs delay_ms = engine_->next_reply_delay_ms();
    if (delay_ms > 0) {
      if (delay_timer_) return;  // already waiting (an idle timeout during the delay)
      delay_timer_ = host_.schedule(delay_ms, [this] {
        delay_timer_.reset();
        release();
      });
      return;
    }
    const std::string output = engine_->take_output();
    if (!output.empty()) stream_->send(output);
    if (engine_->wants_close()) {
      closed_ = true;
      cancel_timers();
      stream_->close();
      return;
    }
    arm_idle_timer();
  }

  // The delay is over: send the held answer, then read what arrived meanwhile.
  void release() {
    if (closed_ || stream_ == nullptr) return;
    const std::string output = engine_->take_output();  // also clears the engine's delay
    if (!output.empty()) stream_->send(output);
    if (engine_->wants_close()) {
      closed_ = true;
      cancel_timers();
      stream_->close();
      return;
    }
    arm_idle_timer();
    if (!held_.empty()) {
      const std::string held = std::exchange(held_, std::string());
      feed(held);
    }
  }

  void arm_idle_timer() {
    if (idle_timer_) host_.cancel(*idle_timer_);
    idle_timer_ = host_.schedule(idle_timeout_ms_, [this] {
      idle_timer_.reset();
      if (closed_) return;
      engine_->timeout();  // the engine's autologout answer (and its wish to close)
      pump();
    });
  }

  void cancel_timers() {
    if (idle_timer_) host_.cancel(*idle_timer_);
    if (delay_timer_) host_.cancel(*delay_timer_);
    idle_timer_.reset();
    delay_timer_.reset();
  }

  Host& host_;
  std::unique_ptr<Engine> engine_;
  TimeMs idle_timeout_ms_;
  Stream* stream_ = nullptr;  // valid from on_open to on_close
  std::string peer_;
  std::string held_;
  std::optional<TimerId> idle_timer_;
  std::optional<TimerId> delay_timer_;
  bool closed_ = false;
};

}  // namespace smtplab::net
