// mta/inbound.cpp — see inbound.hpp.
#include "mta/inbound.hpp"

#include "mta/mta.hpp"

namespace smtplab::mta {

InboundSession::InboundSession(Mta& mta, std::uint16_t port)
    : mta_(mta),
      // The policy's checks are slotted into the engine's own event stream, so the
      // trace reads: command, the checks it triggered, the reply.
      policy_(mta, [this](Event event) { session_.add_event(std::move(event)); }, mta.requires_auth(port)),
      fault_policy_(policy_, mta.config().reply_faults, mta.host().random(),
                    [this](Event event) { session_.add_event(std::move(event)); }),
      session_(mta.server_config_for(port), fault_policy_) {}

InboundSession::~InboundSession() {
  if (idle_timer_) mta_.host().cancel(*idle_timer_);
}

void InboundSession::on_open(Stream& stream) {
  peer_ = stream.peer_name();
  // The time a TLS handshake checks certificates against (virtual in the simulator).
  session_.set_now(mta_.host().clock().now_ms());
  session_.start(stream.remote().address, peer_);
  pump(stream);
}

void InboundSession::on_data(Stream& stream, std::string_view bytes) {
  if (closed_) return;
  session_.set_now(mta_.host().clock().now_ms());
  session_.receive(bytes);
  pump(stream);
}

void InboundSession::on_close(Stream&, CloseReason) {
  closed_ = true;
  if (idle_timer_) mta_.host().cancel(*idle_timer_);
  idle_timer_.reset();
}

void InboundSession::pump(Stream& stream) {
  emit_dialogue(mta_.host(), session_.take_events(), peer_, stream.id(), /*we_are_server=*/true);
  std::string output = session_.take_output();
  if (!output.empty()) stream.send(output);
  if (session_.wants_close()) {
    closed_ = true;
    if (idle_timer_) mta_.host().cancel(*idle_timer_);
    idle_timer_.reset();
    stream.close();
    return;
  }
  arm_idle_timer(stream);
}

void InboundSession::arm_idle_timer(Stream& stream) {
  Host& host = mta_.host();
  if (idle_timer_) host.cancel(*idle_timer_);
  Stream* s = &stream;  // valid until on_close, which cancels this timer
  idle_timer_ = host.schedule(mta_.config().idle_timeout_ms, [this, s] {
    idle_timer_.reset();
    if (closed_) return;
    session_.timeout();  // RFC 5321 §4.5.3.2.7: 421 and close
    pump(*s);
  });
}

}  // namespace smtplab::mta
