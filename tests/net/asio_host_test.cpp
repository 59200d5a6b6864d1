// tests/net/asio_host_test.cpp — AsioHost on loopback: streams both ways, orderly close,
// refused connections, timers, the connection cap, bounded write queue, stop().
#include <catch2/catch.hpp>

#include <asio.hpp>

#include "net/asio_host.hpp"

using namespace smtplab;

namespace {

// Picks a port nobody listens on right now (bind to 0, read it, release it).
std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// Echoes every chunk back upper-cased, and closes on "quit".
class EchoHandler final : public StreamHandler {
 public:
  explicit EchoHandler(int* closes) : closes_(closes) {}
  void on_open(Stream& stream) override { stream.send("hello\n"); }
  void on_data(Stream& stream, std::string_view bytes) override {
    std::string upper(bytes);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    stream.send(upper);
    if (bytes.find("quit") != std::string_view::npos) stream.close();
  }
  void on_close(Stream&, CloseReason) override { ++*closes_; }

 private:
  int* closes_;
};

// Sends a line on open, collects everything, records how it ended.
class ClientHandler final : public StreamHandler {
 public:
  ClientHandler(std::string* received, std::optional<CloseReason>* reason, std::string line)
      : received_(received), reason_(reason), line_(std::move(line)) {}
  void on_open(Stream& stream) override { stream.send(line_); }
  void on_data(Stream&, std::string_view bytes) override { received_->append(bytes); }
  void on_close(Stream&, CloseReason reason) override { *reason_ = reason; }

 private:
  std::string* received_;
  std::optional<CloseReason>* reason_;
  std::string line_;
};

net::AsioHostConfig named(std::string name) {
  net::AsioHostConfig config;
  config.name = std::move(name);
  return config;
}

}  // namespace

TEST_CASE("AsioHost carries a stream both ways and closes it in order") {
  asio::io_context io;
  Trace trace;
  net::AsioHost server(io, named("server.test"), trace);
  net::AsioHost client(io, named("client.test"), trace);
  int server_closes = 0;
  const std::uint16_t port = free_port();
  server.listen(port, [&] { return std::make_unique<EchoHandler>(&server_closes); });

  std::string received;
  std::optional<CloseReason> reason;
  client.connect({"127.0.0.1", port}, std::make_unique<ClientHandler>(&received, &reason, "abc quit\n"));
  server.schedule(5000, [&] { io.stop(); });  // a safety net: the test must not hang
  while (!reason && !io.stopped()) io.run_one();

  REQUIRE(reason.has_value());
  CHECK(*reason == CloseReason::Closed);
  CHECK(received == "hello\nABC QUIT\n");
  io.run_for(std::chrono::milliseconds(50));
  CHECK(server_closes == 1);
  CHECK(server.open_connections() == 0);
  // The host recorded the opening and the closing with its own name as a lane.
  bool saw_open = false;
  for (const auto& e : trace.events())
    if (e.kind == EventKind::ConnOpen && e.dst == "server.test") saw_open = true;
  CHECK(saw_open);
}

TEST_CASE("AsioHost reports a refused connection as on_close(Refused)") {
  asio::io_context io;
  Trace trace;
  net::AsioHost client(io, named("client.test"), trace);
  std::string received;
  std::optional<CloseReason> reason;
  client.connect({"127.0.0.1", free_port()}, std::make_unique<ClientHandler>(&received, &reason, "x"));
  client.schedule(5000, [&] { io.stop(); });
  while (!reason && !io.stopped()) io.run_one();
  REQUIRE(reason.has_value());
  CHECK(*reason == CloseReason::Refused);
  CHECK(received.empty());
}

TEST_CASE("AsioHost timers fire in order and cancelled ones do not") {
  asio::io_context io;
  Trace trace;
  net::AsioHost host(io, named("host.test"), trace);
  std::string order;
  host.schedule(30, [&] { order += "b"; });
  host.schedule(10, [&] { order += "a"; });
  const TimerId cancelled = host.schedule(20, [&] { order += "X"; });
  host.cancel(cancelled);
  host.schedule(60, [&] { host.stop(); });
  io.run_for(std::chrono::seconds(2));
  CHECK(order == "ab");
}

TEST_CASE("AsioHost answers beyond its connection cap with the owner's bytes") {
  asio::io_context io;
  Trace trace;
  net::AsioHostConfig capped = named("server.test");
  capped.connections_max = 1;
  capped.overload_bytes = "busy\r\n";
  net::AsioHost server(io, capped, trace);
  net::AsioHost client(io, named("client.test"), trace);
  int closes = 0;
  const std::uint16_t port = free_port();
  server.listen(port, [&] { return std::make_unique<EchoHandler>(&closes); });

  std::string first, second;
  std::optional<CloseReason> first_reason, second_reason;
  client.connect({"127.0.0.1", port}, std::make_unique<ClientHandler>(&first, &first_reason, ""));
  // Connect the second only once the first is established and greeted.
  client.schedule(5000, [&] { io.stop(); });
  while (first.empty() && !io.stopped()) io.run_one();
  client.connect({"127.0.0.1", port}, std::make_unique<ClientHandler>(&second, &second_reason, ""));
  while (!second_reason && !io.stopped()) io.run_one();
  REQUIRE(second_reason.has_value());
  CHECK(second == "busy\r\n");
  CHECK(first == "hello\n");
  CHECK(server.refused_over_limit() == 1);
  CHECK(server.open_connections() == 1);
  server.stop();
  client.stop();
  io.run_for(std::chrono::milliseconds(100));
  CHECK(first_reason.has_value());  // stop() reset the first one
}

TEST_CASE("AsioHost resets a peer that does not read instead of queueing without bound") {
  asio::io_context io;
  Trace trace;
  net::AsioHost server(io, named("server.test"), trace);
  const std::uint16_t port = free_port();

  // The server handler tries to send far more than the write queue allows at once.
  struct Flooder final : StreamHandler {
    std::optional<CloseReason>* reason;
    explicit Flooder(std::optional<CloseReason>* r) : reason(r) {}
    void on_open(Stream& stream) override {
      const std::string chunk(64 * 1024, 'x');
      for (int i = 0; i < 200; ++i) stream.send(chunk);  // 12.8 MB > write_queue_bytes_max
    }
    void on_data(Stream&, std::string_view) override {}
    void on_close(Stream&, CloseReason r) override { *reason = r; }
  };
  std::optional<CloseReason> reason;
  server.listen(port, [&] { return std::make_unique<Flooder>(&reason); });
  // A raw client that connects and never reads.
  asio::ip::tcp::socket raw(io);
  raw.connect({asio::ip::make_address("127.0.0.1"), port});
  server.schedule(5000, [&] { io.stop(); });
  while (!reason && !io.stopped()) io.run_one();
  REQUIRE(reason.has_value());
  CHECK(*reason == CloseReason::Reset);
}
