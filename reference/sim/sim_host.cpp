// sim/sim_host.cpp — the Host interface of one simulated host. Every method forwards to
// the Simulator, which owns time, the network and the trace; this file only keeps what
// belongs to one host (its listeners, its datagram ports, its next ephemeral port).
#include "sim/sim_host.hpp"

#include <algorithm>

#include "sim/simulator.hpp"

namespace smtplab::sim {

SimHost::SimHost(Simulator& simulator, std::string name, std::string address)
    : simulator_(simulator), name_(std::move(name)), address_(std::move(address)) {}

void SimHost::listen(std::uint16_t port, StreamHandlerFactory factory) {
  listeners_[port] = std::move(factory);
}

void SimHost::connect(const Endpoint& remote, std::unique_ptr<StreamHandler> handler) {
  simulator_.open_connection(*this, remote, std::move(handler));
}

void SimHost::bind_datagram(std::uint16_t port, DatagramHandler handler) {
  datagram_handlers_[port] = std::move(handler);
}

void SimHost::send_datagram(std::uint16_t local_port, const Endpoint& remote,
                            std::string_view bytes) {
  simulator_.send_datagram(*this, local_port, remote, bytes);
}

TimerId SimHost::schedule(TimeMs delay_ms, std::function<void()> callback) {
  return simulator_.add_callback(simulator_.now() + std::max<TimeMs>(delay_ms, 0),
                                 std::move(callback));
}

void SimHost::cancel(TimerId timer) { simulator_.cancel_callback(timer); }

const Clock& SimHost::clock() const { return simulator_.clock(); }

Random& SimHost::random() { return simulator_.random(); }

void SimHost::emit(Event event, std::string_view dst, std::uint64_t conn,
                   std::string_view src) {
  const std::string_view self = name_;
  simulator_.record_lane(src.empty() ? self : src, dst.empty() ? self : dst, conn,
                         std::move(event));
}

bool SimHost::is_down() const {
  const TimeMs now_ms = simulator_.now();
  return std::any_of(down_windows_ms_.begin(), down_windows_ms_.end(),
                     [now_ms](const auto& w) { return now_ms >= w.first && now_ms < w.second; });
}

std::uint16_t SimHost::next_ephemeral_port() {
  const std::uint16_t port = next_port_;
  next_port_ = port == ephemeral_port_last ? ephemeral_port_first
                                           : static_cast<std::uint16_t>(port + 1);
  return port;
}

}  // namespace smtplab::sim
