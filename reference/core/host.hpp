// core/host.hpp — what an agent (MUA, MTA, DNS server, ...) may use of the world it
// runs in: streams, datagrams, timers, the clock, the random source and the trace.
//
// Standards: none; this is the seam between the agents and the two worlds they run
// in (STYLE §19): sim/ implements it with virtual time and simulated links, net/
// implements it with Asio sockets. Agents receive a Host& at construction and never
// find a clock, a socket or a generator any other way.
//
// API:
//   host.listen(port, factory)           accept streams; factory makes a handler each
//   host.connect(remote, handler)        open a stream; on_open or on_close(Refused)
//   host.bind_datagram(port, handler)    receive datagrams (DNS)
//   host.send_datagram(port, remote, b)  send one
//   host.schedule(delay, fn) / cancel    timers
//   host.emit(event, dst, conn)          record a trace event from this host
//
// Lifetimes: a Stream and its handler live until on_close has returned; after that the
// handler is destroyed by the host. Calls from inside a callback are allowed: sends
// are queued, closes take effect after the callback returns.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/trace.hpp"

namespace smtplab {

struct Endpoint {
  std::string address;  // "192.0.2.25", "2001:db8::1"
  std::uint16_t port = 0;
  std::string to_string() const;  // "192.0.2.25:25", "[2001:db8::1]:25"
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

enum class CloseReason {
  Closed,    // orderly close by either side
  Reset,     // reset by the peer or by a fault
  Refused,   // the connection was never established (nobody listening, host down)
  TimedOut,  // the connection attempt or the stream timed out
};
std::string_view to_string(CloseReason reason);

class Stream {
 public:
  virtual ~Stream() = default;
  virtual void send(std::string_view bytes) = 0;
  virtual void close() = 0;   // orderly: after what was sent has been delivered
  virtual void reset() = 0;   // abortive
  virtual const Endpoint& local() const = 0;
  virtual const Endpoint& remote() const = 0;
  virtual std::uint64_t id() const = 0;     // unique per run, shown in the trace
  virtual std::string peer_name() const = 0;  // the peer's host name if known, else its address
};

class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  virtual void on_open(Stream& stream) = 0;
  virtual void on_data(Stream& stream, std::string_view bytes) = 0;
  virtual void on_close(Stream& stream, CloseReason reason) = 0;
};

using StreamHandlerFactory = std::function<std::unique_ptr<StreamHandler>()>;
using DatagramHandler = std::function<void(const Endpoint& from, std::string_view bytes)>;
using TimerId = std::uint64_t;

class Host {
 public:
  virtual ~Host() = default;

  virtual const std::string& name() const = 0;     // "mx.b.example"
  virtual const std::string& address() const = 0;  // "198.51.100.25"

  virtual void listen(std::uint16_t port, StreamHandlerFactory factory) = 0;
  virtual void connect(const Endpoint& remote, std::unique_ptr<StreamHandler> handler) = 0;

  virtual void bind_datagram(std::uint16_t port, DatagramHandler handler) = 0;
  virtual void send_datagram(std::uint16_t local_port, const Endpoint& remote,
                             std::string_view bytes) = 0;

  virtual TimerId schedule(TimeMs delay_ms, std::function<void()> callback) = 0;
  virtual void cancel(TimerId timer) = 0;

  virtual const Clock& clock() const = 0;
  virtual Random& random() = 0;

  // Records an event from `src` to `dst` (each a host name, an address, or a lane such
  // as "mx.b.example/mailbox:bob"; an empty src or dst means this host itself). The
  // host fills in the time and the sequence number.
  virtual void emit(Event event, std::string_view dst = {}, std::uint64_t conn = 0,
                    std::string_view src = {}) = 0;
};

// Records the events of a protocol engine that talks to `peer` over connection `conn`.
// An engine reports what it saw and did; the agent that owns it knows where: a command
// travels client -> server and a reply server -> client (whichever side records them),
// everything else (state changes, policy checks) happens on this host. The events are
// moved out and `events` is left empty with its capacity, so a caller can reuse it.
void emit_dialogue(Host& host, std::vector<Event>&& events, std::string_view peer,
                   std::uint64_t conn, bool we_are_server);

}  // namespace smtplab
