// sim/sim_host.hpp — one host of the simulated world: the Host interface (core/host.hpp)
// on top of the Simulator's virtual time, network and random source.
//
// Standards: RFC 9293 (TCP) §3.5-§3.6 for the stream semantics, RFC 768 (UDP) for the
// datagrams, RFC 6335 §6 for the ephemeral client ports.
//
// API (everything of core/host.hpp, plus):
//   SimHost& h = sim.add_host("mx.b.example", "198.51.100.25");
//   h.listen(25, [] { return std::make_unique<MyHandler>(); });
//   h.connect({"198.51.100.25", 25}, std::make_unique<MyClient>());
//   h.is_down()                         whether a HostDown fault holds right now
//
// Stream semantics (what agents can rely on):
// - connect: the request takes one link delay to arrive; if the host there listens on
//   the port, its handler gets on_open at once and the caller's handler one link delay
//   later. Nobody listening, or the host down: on_close(Refused) after a round trip. No
//   host with that address: on_close(TimedOut) after SimOptions::connect_timeout_ms.
// - send: bytes arrive in order, one link delay later; one send() is one on_data
//   unless SimOptions::segment_size_max splits it.
// - close: orderly; the peer gets the bytes sent before the close, then on_close(Closed);
//   the closing side gets on_close(Closed) once the peer's own close arrives back (a
//   round trip later, after whatever the peer had sent). Sends after close are dropped.
// - reset: the resetting side gets on_close(Reset) at once (as the next event), the
//   peer gets on_close(Reset) one link delay later, after the bytes already in flight.
// - A handler is destroyed right after its on_close returns.
//
// Not implemented: half-close, listening on a port more than once (the second listen
// replaces the first), binding to an address other than the host's own.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/host.hpp"

namespace smtplab::sim {

class Simulator;

// RFC 6335 §6: "the Dynamic Ports, also known as the Private or Ephemeral Ports, from
// 49152-65535". Client ends of streams take ports from this range in turn.
inline constexpr std::uint16_t ephemeral_port_first = 49152;
inline constexpr std::uint16_t ephemeral_port_last = 65535;

class SimHost final : public Host {
 public:
  SimHost(Simulator& simulator, std::string name, std::string address);

  const std::string& name() const override { return name_; }
  const std::string& address() const override { return address_; }

  void listen(std::uint16_t port, StreamHandlerFactory factory) override;
  void connect(const Endpoint& remote, std::unique_ptr<StreamHandler> handler) override;

  void bind_datagram(std::uint16_t port, DatagramHandler handler) override;
  void send_datagram(std::uint16_t local_port, const Endpoint& remote,
                     std::string_view bytes) override;

  TimerId schedule(TimeMs delay_ms, std::function<void()> callback) override;
  void cancel(TimerId timer) override;

  const Clock& clock() const override;
  Random& random() override;

  // Empty src or dst means this host (core/host.hpp).
  void emit(Event event, std::string_view dst = {}, std::uint64_t conn = 0,
            std::string_view src = {}) override;

  bool is_down() const;  // a HostDown fault covers the current virtual time

 private:
  friend class Simulator;

  std::uint16_t next_ephemeral_port();

  Simulator& simulator_;
  std::string name_;
  std::string address_;
  std::map<std::uint16_t, StreamHandlerFactory> listeners_;
  std::map<std::uint16_t, DatagramHandler> datagram_handlers_;
  std::uint16_t next_port_ = ephemeral_port_first;
  // Fault caches, rebuilt by Simulator::set_faults: absolute [from, until) windows, and
  // the extra delay on every link that touches this host.
  std::vector<std::pair<TimeMs, TimeMs>> down_windows_ms_;
  TimeMs extra_delay_ms_ = 0;
  std::uint32_t loss_per_million_ = 0;
};

}  // namespace smtplab::sim
