// mta/inbound.hpp — one incoming SMTP connection: the thin pump between a stream and
// a ServerSession (STYLE §7: reader, writer, idle watchdog; no protocol logic here).
//
// Standards: RFC 5321 §4.5.3.2.7 (server timeout: "An SMTP server SHOULD have a
// timeout of at least 5 minutes while it is awaiting the next command"), §3.8
// (421 on timeout, then close).
#pragma once

#include <memory>
#include <optional>

#include "core/host.hpp"
#include "mta/fault_policy.hpp"
#include "mta/policy.hpp"
#include "smtp/server_session.hpp"

namespace smtplab::mta {

class Mta;

class InboundSession final : public StreamHandler {
 public:
  // `port`: the port the client connected to (587 may require TLS and AUTH).
  InboundSession(Mta& mta, std::uint16_t port);
  ~InboundSession() override;

  void on_open(Stream& stream) override;
  void on_data(Stream& stream, std::string_view bytes) override;
  void on_close(Stream& stream, CloseReason reason) override;

 private:
  void pump(Stream& stream);
  void arm_idle_timer(Stream& stream);

  Mta& mta_;
  MtaPolicy policy_;
  FaultPolicy fault_policy_;  // policy_ behind injected replies (none in normal runs)
  smtp::ServerSession session_;
  std::string peer_;
  std::optional<TimerId> idle_timer_;
  bool closed_ = false;
};

}  // namespace smtplab::mta
