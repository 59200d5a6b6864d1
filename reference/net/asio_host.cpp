// net/asio_host.cpp — the Host interface on Asio sockets: accept, connect, read, write
// with a bounded queue, timers and UDP datagrams.
//
// Standards: RFC 9293 §3.5-3.6 (TCP open and close), RFC 768 (UDP). See asio_host.hpp.
//
// Lifetimes: every asynchronous operation holds a shared_ptr to its connection, so a
// connection lives until its last operation has finished; the host's map holds it from
// accept (or connect) to the end of on_close. Callbacks that need the host check a weak
// "alive" token first, so an io_context that outlives the host runs none of them.
#include "net/asio_host.hpp"

#include <array>
#include <chrono>
#include <deque>

#include <asio.hpp>

namespace smtplab::net {

using asio::ip::tcp;
using asio::ip::udp;

TimeMs SystemClock::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::uint64_t SystemRandom::next_u64() {
  // std::random_device yields 32 bits per call (unsigned int on Linux).
  const std::uint64_t high = device_();
  const std::uint64_t low = device_();
  return (high << 32) ^ low;
}

namespace {

Endpoint to_endpoint(const tcp::endpoint& e) {
  return Endpoint{e.address().to_string(), e.port()};
}

}  // namespace

// ---------------------------------------------------------------------------------
// One TCP stream: one reader, one writer with a queue.

struct AsioHost::Connection final : Stream, std::enable_shared_from_this<AsioHost::Connection> {
  Connection(AsioHost& h, tcp::socket s, std::uint64_t stream_id)
      : host(h), socket(std::move(s)), id_(stream_id) {}

  // Stream
  void send(std::string_view bytes) override {
    if (finished || close_requested || bytes.empty()) return;
    if (queued_bytes + bytes.size() > write_queue_bytes_max) {
      // The peer is not reading what we send; holding more would let it grow our memory
      // without bound. Abort the stream instead.
      reset();
      return;
    }
    queued_bytes += bytes.size();
    writes.emplace_back(bytes);
    start_write();
  }
  void close() override {
    if (finished || close_requested) return;
    close_requested = true;
    // Orderly: what was queued is written first (start_write finishes when it drains).
    // The close takes effect after the current callback returns (host.hpp).
    if (!writing) asio::post(host.io(), [self = shared_from_this()] { self->finish(CloseReason::Closed); });
  }
  void reset() override {
    if (finished) return;
    close_requested = true;
    asio::post(host.io(), [self = shared_from_this()] { self->finish(CloseReason::Reset); });
  }
  const Endpoint& local() const override { return local_; }
  const Endpoint& remote() const override { return remote_; }
  std::uint64_t id() const override { return id_; }
  std::string peer_name() const override { return remote_.address; }

  void open() {
    std::error_code ec;
    const auto l = socket.local_endpoint(ec);
    if (!ec) local_ = to_endpoint(l);
    const auto r = socket.remote_endpoint(ec);
    if (!ec) remote_ = to_endpoint(r);
    // Nagle's algorithm would hold a short reply back waiting for more; SMTP is a
    // dialogue of short lines, so we send each at once.
    socket.set_option(tcp::no_delay(true), ec);
    handler->on_open(*this);
    start_read();
  }

  void start_read() {
    if (finished || close_requested) return;
    socket.async_read_some(asio::buffer(buffer), [self = shared_from_this()](std::error_code ec, std::size_t n) {
      if (self->finished) return;
      if (ec) {
        // RFC 9293 §3.6: end of file is the peer's FIN, an orderly close; anything else
        // (ECONNRESET, a closed socket) is an abort.
        self->finish(ec == asio::error::eof ? CloseReason::Closed : CloseReason::Reset);
        return;
      }
      if (!self->close_requested) self->handler->on_data(*self, std::string_view(self->buffer.data(), n));
      self->start_read();
    });
  }

  void start_write() {
    if (writing || writes.empty() || finished) return;
    writing = true;
    asio::async_write(socket, asio::buffer(writes.front()),
                      [self = shared_from_this()](std::error_code ec, std::size_t) {
                        self->writing = false;
                        if (self->finished) return;
                        if (ec) {
                          self->finish(CloseReason::Reset);
                          return;
                        }
                        self->queued_bytes -= self->writes.front().size();
                        self->writes.pop_front();
                        if (!self->writes.empty())
                          self->start_write();
                        else if (self->close_requested)
                          self->finish(CloseReason::Closed);
                      });
  }

  void finish(CloseReason reason) {
    if (finished) return;
    finished = true;
    std::error_code ec;
    if (reason == CloseReason::Reset) {
      // An abortive close: SO_LINGER with a zero timeout makes close() send RST
      // (RFC 9293 §3.5.2) instead of FIN.
      socket.set_option(asio::socket_base::linger(true, 0), ec);
    } else {
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
    socket.close(ec);
    if (handler) handler->on_close(*this, reason);
    Event event;
    event.kind = EventKind::ConnClose;
    event.summary = std::string(reason == CloseReason::Reset ? "reset" : "close") + " " + remote_.to_string();
    event.explain = "kind.conn_close";
    event.rfc = reason == CloseReason::Reset ? "RFC 9293 §3.5.2" : "RFC 9293 §3.6";
    event.with("reason", std::string(to_string(reason)));
    host.emit(std::move(event), remote_.address, id_);
    // The handler is destroyed after on_close has returned (host.hpp), from the loop.
    asio::post(host.io(), [self = shared_from_this(), alive = host.alive_token()] {
      if (!alive.expired()) self->host.connection_finished(self->id_);
    });
  }

  AsioHost& host;
  tcp::socket socket;
  std::unique_ptr<StreamHandler> handler;
  Endpoint local_, remote_;
  std::uint64_t id_;
  std::array<char, read_buffer_size> buffer{};
  std::deque<std::string> writes;
  std::size_t queued_bytes = 0;
  bool writing = false;
  bool close_requested = false;
  bool finished = false;
};

struct AsioHost::Listener {
  Listener(asio::io_context& io, std::uint16_t p, StreamHandlerFactory f)
      : acceptor(io), port(p), factory(std::move(f)) {}
  tcp::acceptor acceptor;
  std::uint16_t port;
  StreamHandlerFactory factory;
};

struct AsioHost::Datagram {
  explicit Datagram(asio::io_context& io) : socket(io) {}
  udp::socket socket;
  DatagramHandler handler;
  udp::endpoint from;
  std::vector<char> buffer = std::vector<char>(datagram_size_max);
};

struct AsioHost::TimerSlot {
  explicit TimerSlot(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  std::function<void()> callback;
};

// ---------------------------------------------------------------------------------

AsioHost::AsioHost(asio::io_context& io, AsioHostConfig config, TraceSink& sink)
    : io_(io), config_(std::move(config)), sink_(sink), alive_(std::make_shared<int>(0)) {}

struct AsioHost::SignalSlot {
  explicit SignalSlot(asio::io_context& io) : signals(io, SIGINT, SIGTERM) {}
  asio::signal_set signals;
};

AsioHost::~AsioHost() {
  // No handler is called from here (the agents they point to may be gone already):
  // sockets close as their objects are destroyed, and every pending callback finds the
  // alive token expired.
  alive_.reset();
  std::error_code ignored;
  for (auto& listener : listeners_) listener->acceptor.close(ignored);
  for (auto& [id, connection] : connections_) connection->finished = true;
  for (auto& [id, slot] : timers_) slot->timer.cancel();
  for (auto& [port, datagram] : datagrams_) datagram->socket.close(ignored);
  if (signals_) signals_->signals.cancel(ignored);
}

std::uint64_t AsioHost::next_stream_id() { return next_stream_++; }

void AsioHost::listen(std::uint16_t port, StreamHandlerFactory factory) {
  auto listener = std::make_shared<Listener>(io_, port, std::move(factory));
  const tcp::endpoint endpoint(asio::ip::make_address(config_.bind_address), port);
  listener->acceptor.open(endpoint.protocol());
  // Lets a restarted server bind at once while old connections sit in TIME_WAIT.
  listener->acceptor.set_option(tcp::acceptor::reuse_address(true));
  listener->acceptor.bind(endpoint);  // throws std::system_error: port taken, no permission
  listener->acceptor.listen();
  listeners_.push_back(listener);
  accept_next(listener);
}

void AsioHost::accept_next(const std::shared_ptr<Listener>& listener) {
  std::weak_ptr<int> alive = alive_;
  listener->acceptor.async_accept([this, alive, listener](std::error_code ec, tcp::socket socket) {
    if (alive.expired() || stopped_ || !listener->acceptor.is_open()) return;
    if (ec) {
      // Out of descriptors (EMFILE) or a transient error: wait a little rather than
      // spin on a failing accept.
      auto pause = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
      pause->async_wait([this, alive, listener, pause](std::error_code) {
        if (!alive.expired() && !stopped_) accept_next(listener);
      });
      return;
    }
    if (connections_.size() >= config_.connections_max) {
      // Over the cap: say so (the owner's bytes, e.g. 421 4.3.2) and close.
      ++refused_over_limit_;
      auto held = std::make_shared<std::pair<tcp::socket, std::string>>(std::move(socket), config_.overload_bytes);
      asio::async_write(held->first, asio::buffer(held->second), [held](std::error_code, std::size_t) {
        std::error_code ignored;
        held->first.shutdown(tcp::socket::shutdown_both, ignored);
        held->first.close(ignored);
      });
    } else {
      const std::uint64_t id = next_stream_id();
      auto connection = std::make_shared<Connection>(*this, std::move(socket), id);
      connection->handler = listener->factory();
      connections_[id] = connection;
      std::error_code ignored;
      const auto remote = connection->socket.remote_endpoint(ignored);
      Event event;
      event.kind = EventKind::ConnOpen;
      const std::string from = to_endpoint(remote).to_string();
      event.summary = from + " → " + config_.name + ":" + std::to_string(listener->port) + " accepted";
      event.explain = "kind.conn_open";
      event.rfc = "RFC 9293 §3.5";
      event.with("from", from).with("port", std::to_string(listener->port)).with("result", "accepted");
      emit(std::move(event), {}, id, remote.address().to_string());
      connection->open();
    }
    accept_next(listener);
  });
}

void AsioHost::connect(const Endpoint& remote, std::unique_ptr<StreamHandler> handler) {
  const std::uint64_t id = next_stream_id();
  auto connection = std::make_shared<Connection>(*this, tcp::socket(io_), id);
  connection->handler = std::move(handler);
  connection->remote_ = remote;
  connections_[id] = connection;
  auto resolver = std::make_shared<tcp::resolver>(io_);
  std::weak_ptr<int> alive = alive_;
  auto refused = [this, connection, remote](const std::string& why) {
    Event event;
    event.kind = EventKind::ConnOpen;
    event.summary = config_.name + " → " + remote.to_string() + " refused (" + why + ")";
    event.explain = "kind.conn_open";
    event.rfc = "RFC 9293 §3.5";
    event.with("to", remote.to_string()).with("result", "refused").with("error", why);
    emit(std::move(event), remote.address, connection->id_);
    connection->finished = true;
    connection->handler->on_close(*connection, CloseReason::Refused);
    asio::post(io_, [this, connection, alive = alive_token()] {
      if (!alive.expired()) connection_finished(connection->id_);
    });
  };
  resolver->async_resolve(
      remote.address, std::to_string(remote.port),
      [this, alive, resolver, connection, remote, refused](std::error_code ec, tcp::resolver::results_type results) {
        if (alive.expired() || connection->finished) return;
        if (ec) return refused(ec.message());
        asio::async_connect(connection->socket, results,
                            [this, alive, connection, remote, refused](std::error_code ec2, const tcp::endpoint&) {
                              if (alive.expired() || connection->finished) return;
                              if (ec2) return refused(ec2.message());
                              Event event;
                              event.kind = EventKind::ConnOpen;
                              event.summary = config_.name + " → " + remote.to_string() + " connected";
                              event.explain = "kind.conn_open";
                              event.rfc = "RFC 9293 §3.5";
                              event.with("to", remote.to_string()).with("result", "connected");
                              emit(std::move(event), remote.address, connection->id_);
                              connection->open();
                            });
      });
}

void AsioHost::connection_finished(std::uint64_t id) { connections_.erase(id); }

void AsioHost::bind_datagram(std::uint16_t port, DatagramHandler handler) {
  auto datagram = std::make_shared<Datagram>(io_);
  const udp::endpoint endpoint(asio::ip::make_address(config_.bind_address), port);
  datagram->socket.open(endpoint.protocol());
  datagram->socket.bind(endpoint);
  datagram->handler = std::move(handler);
  datagrams_[port] = datagram;
  std::weak_ptr<int> alive = alive_;
  auto receive = std::make_shared<std::function<void()>>();
  *receive = [datagram, alive, receive_weak = std::weak_ptr<std::function<void()>>(receive)] {
    datagram->socket.async_receive_from(
        asio::buffer(datagram->buffer), datagram->from,
        [datagram, alive, receive_weak](std::error_code ec, std::size_t n) {
          if (alive.expired() || ec == asio::error::operation_aborted || !datagram->socket.is_open()) return;
          if (!ec)
            datagram->handler(Endpoint{datagram->from.address().to_string(), datagram->from.port()},
                              std::string_view(datagram->buffer.data(), n));
          if (auto next = receive_weak.lock()) (*next)();
        });
  };
  datagram_loops_.push_back(receive);
  (*receive)();
}

void AsioHost::send_datagram(std::uint16_t local_port, const Endpoint& remote, std::string_view bytes) {
  if (bytes.size() > datagram_size_max) return;
  std::error_code ec;
  const auto address = asio::ip::make_address(remote.address, ec);
  if (ec) return;  // a datagram goes to an address, never to a name
  const udp::endpoint to(address, remote.port);
  auto it = datagrams_.find(local_port);
  if (it != datagrams_.end()) {
    it->second->socket.send_to(asio::buffer(bytes.data(), bytes.size()), to, 0, ec);
    return;
  }
  // No bound socket on that port: send from an ephemeral one (replies are not read).
  udp::socket socket(io_);
  socket.open(to.protocol(), ec);
  if (!ec) socket.send_to(asio::buffer(bytes.data(), bytes.size()), to, 0, ec);
}

TimerId AsioHost::schedule(TimeMs delay_ms, std::function<void()> callback) {
  const TimerId id = next_timer_++;
  if (stopped_) return id;  // shutting down: nothing new runs
  auto slot = std::make_shared<TimerSlot>(io_);
  slot->callback = std::move(callback);
  slot->timer.expires_after(std::chrono::milliseconds(delay_ms < 0 ? 0 : delay_ms));
  timers_[id] = slot;
  std::weak_ptr<int> alive = alive_;
  slot->timer.async_wait([this, alive, id](std::error_code ec) {
    if (alive.expired() || ec) return;
    auto it = timers_.find(id);
    if (it == timers_.end()) return;  // cancelled
    auto slot_held = it->second;
    timers_.erase(it);
    slot_held->callback();
  });
  return id;
}

void AsioHost::cancel(TimerId timer) {
  auto it = timers_.find(timer);
  if (it == timers_.end()) return;
  it->second->timer.cancel();
  timers_.erase(it);
}

void AsioHost::emit(Event event, std::string_view dst, std::uint64_t conn, std::string_view src) {
  TraceEvent e;
  static_cast<Event&>(e) = std::move(event);
  e.time_ms = clock_.now_ms();
  e.src = src.empty() ? config_.name : std::string(src);
  e.dst = dst.empty() ? config_.name : std::string(dst);
  e.conn = conn;
  sink_.record(std::move(e));
}

void AsioHost::stop() {
  if (stopped_) return;
  stopped_ = true;
  std::error_code ignored;
  for (auto& listener : listeners_) listener->acceptor.close(ignored);
  listeners_.clear();
  // Copy first: finishing a connection posts its removal from the map.
  std::vector<std::shared_ptr<Connection>> open;
  for (auto& [id, connection] : connections_) open.push_back(connection);
  for (auto& connection : open) {
    if (connection->finished) continue;
    connection->finish(CloseReason::Reset);
  }
  for (auto& [id, slot] : timers_) slot->timer.cancel();
  timers_.clear();
  for (auto& [port, datagram] : datagrams_) datagram->socket.close(ignored);
  datagrams_.clear();
  datagram_loops_.clear();
  if (signals_) signals_->signals.cancel(ignored);
}

void AsioHost::stop_on_signals(std::function<void(int signal)> on_stop) {
  signals_ = std::make_shared<SignalSlot>(io_);
  std::weak_ptr<int> alive = alive_;
  signals_->signals.async_wait([this, alive, on_stop = std::move(on_stop)](std::error_code ec, int signal) {
    if (alive.expired() || ec) return;
    if (on_stop) on_stop(signal);
    stop();
  });
}

}  // namespace smtplab::net
