// net/asio_host.hpp — the Host interface on real sockets: the same agents that run in the
// simulator run here on TCP and UDP through standalone Asio.
//
// Standards: RFC 9293 (TCP: §3.5 connection establishment, §3.6 closing), RFC 768 (UDP).
// No mail protocol is implemented here: this file only moves bytes between sockets and
// the sans-I/O engines (STYLE §7, "the I/O adapter is a thin pump").
//
// API:
//   asio::io_context io;
//   AsioHost host(io, {.name = "lab.example", .bind_address = "127.0.0.1"}, sink);
//   host.listen(2525, factory);      // throws std::system_error if the port is taken
//   host.connect({"127.0.0.1", 25}, std::make_unique<MyHandler>());
//   host.schedule(1000, fn);         // asio::steady_timer
//   io.run();                        // until host.stop() (or a SIGINT, see stop_on_signals)
//
// Per connection: one reader (async_read_some into a fixed buffer), one writer with a
// queue (bounded: a peer that never reads is reset rather than allowed to grow our
// memory), and the agent's own watchdog timer (the MTA's InboundSession arms it through
// schedule(); RFC 5321 §4.5.3.2 timeouts are an SMTP matter, not a socket one).
//
// Real mode is not deterministic: the clock is the system clock and the random source is
// the operating system's (std::random_device), which TLS needs for its secrets.
//
// Not implemented: IPv6 listening beside IPv4 (bind_address picks one family), TCP
// keep-alive tuning, connection-rate limits per client address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/host.hpp"
#include "core/trace.hpp"

namespace asio {
class io_context;
}

namespace smtplab::net {

// Our choice: how many streams (accepted plus outgoing) one host holds at once. Each costs
// a file descriptor, a 16 KiB read buffer and an engine; 1000 leaves room under the usual
// 4096-descriptor soft limit for the listeners, the Maildir and the queue files.
inline constexpr std::size_t connections_max_default = 1000;
// Our choice: bytes waiting to be written to one peer before we give up on it. An SMTP
// server's replies are short; only a peer that stops reading fills this, and resetting it
// is the answer (otherwise one slow reader could hold any amount of our memory).
inline constexpr std::size_t write_queue_bytes_max = 4u * 1024u * 1024u;
// The read buffer: one TLS record is at most 16 KiB + 2048 (RFC 5246 §6.2.3), so one
// read of this size takes most records whole.
inline constexpr std::size_t read_buffer_size = 16u * 1024u;
// RFC 768 with IPv4: a UDP payload is at most 65535 - 8 - 20 octets.
inline constexpr std::size_t datagram_size_max = 65507;

// The system clock: milliseconds since the Unix epoch.
class SystemClock final : public Clock {
 public:
  TimeMs now_ms() const override;
};

// The operating system's random source (getrandom(2) behind std::random_device on Linux):
// TLS secrets come from here in real mode, so a seeded generator would not do.
class SystemRandom final : public Random {
 public:
  std::uint64_t next_u64() override;

 private:
  std::random_device device_;
};

struct AsioHostConfig {
  std::string name = "localhost";          // our host name: trace lanes, HELO/EHLO
  std::string bind_address = "127.0.0.1";  // where listen() binds; loopback by default
  std::size_t connections_max = connections_max_default;
  // Written to a stream accepted beyond connections_max before it is closed. The host
  // knows no protocol: the owner supplies the bytes (smtplab serve gives RFC 5321 §3.8's
  // "421 4.3.2 ..."); empty means close without a word.
  std::string overload_bytes;
};

class AsioHost final : public Host {
 public:
  AsioHost(asio::io_context& io, AsioHostConfig config, TraceSink& sink);
  ~AsioHost() override;
  AsioHost(const AsioHost&) = delete;
  AsioHost& operator=(const AsioHost&) = delete;

  const std::string& name() const override { return config_.name; }
  const std::string& address() const override { return config_.bind_address; }

  void listen(std::uint16_t port, StreamHandlerFactory factory) override;
  void connect(const Endpoint& remote, std::unique_ptr<StreamHandler> handler) override;
  void bind_datagram(std::uint16_t port, DatagramHandler handler) override;
  void send_datagram(std::uint16_t local_port, const Endpoint& remote, std::string_view bytes) override;
  TimerId schedule(TimeMs delay_ms, std::function<void()> callback) override;
  void cancel(TimerId timer) override;
  const Clock& clock() const override { return clock_; }
  Random& random() override { return random_; }
  void emit(Event event, std::string_view dst = {}, std::uint64_t conn = 0,
            std::string_view src = {}) override;

  // Closes the listeners, resets every stream (each handler sees on_close(Reset)) and
  // cancels the timers, so that io_context::run() returns once the handlers are done.
  // Owners stop the host and let run() return before destroying their agents: the
  // destructor drops what is left without calling any handler.
  void stop();
  // Calls stop() on SIGINT or SIGTERM (asio::signal_set), then `on_stop` if given.
  void stop_on_signals(std::function<void(int signal)> on_stop = {});

  std::size_t open_connections() const { return connections_.size(); }
  std::size_t refused_over_limit() const { return refused_over_limit_; }

  // Used by the connection objects in asio_host.cpp.
  struct Connection;
  struct Listener;
  struct Datagram;
  void connection_finished(std::uint64_t id);
  asio::io_context& io() { return io_; }
  std::weak_ptr<int> alive_token() const { return alive_; }
  const AsioHostConfig& config() const { return config_; }

 private:
  void accept_next(const std::shared_ptr<Listener>& listener);
  std::uint64_t next_stream_id();

  asio::io_context& io_;
  AsioHostConfig config_;
  TraceSink& sink_;
  SystemClock clock_;
  SystemRandom random_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::map<std::uint64_t, std::shared_ptr<Connection>> connections_;
  std::map<std::uint16_t, std::shared_ptr<Datagram>> datagrams_;
  struct TimerSlot;
  std::map<TimerId, std::shared_ptr<TimerSlot>> timers_;
  std::vector<std::shared_ptr<std::function<void()>>> datagram_loops_;  // receive loops
  struct SignalSlot;
  std::shared_ptr<SignalSlot> signals_;  // when stop_on_signals was called
  // Callbacks hold a weak_ptr to this: once the host is gone they do nothing.
  std::shared_ptr<int> alive_;
  TimerId next_timer_ = 1;
  std::uint64_t next_stream_ = 1;
  std::size_t refused_over_limit_ = 0;
  bool stopped_ = false;
};

}  // namespace smtplab::net
