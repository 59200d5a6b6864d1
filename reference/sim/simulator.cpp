// sim/simulator.cpp — the event loop and the simulated network (streams, datagrams,
// timers, faults). Everything that moves virtual time or delivers bytes lives here;
// SimHost only forwards to it.
//
// How a stream works here, in the terms of RFC 9293 (TCP):
// - Each direction of a connection is a FIFO of items (open, data, FIN, RST, refusal)
//   in flight toward one end. Queueing an item also schedules one StreamArrive event at
//   its arrival time; arrival times in one direction never decrease (RFC 9293 §3.4:
//   TCP delivers in sequence), so the event always pops the front item.
// - The three-way handshake of RFC 9293 §3.5 is one link delay for the request (the
//   listener's on_open) and one for the answer (the connector's on_open).
// - An orderly close (RFC 9293 §3.6) is a FIN item after the data; the side that gets
//   it answers with its own FIN after whatever it had still queued, then sees on_close.
// - A reset (RFC 9293 §3.5.2) closes the resetting end at once and travels as an RST.
#include "sim/simulator.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <utility>

namespace smtplab::sim {

enum class StreamItem : std::uint8_t {
  Open,    // the handshake answer reached the connecting side
  Data,    // bytes
  Fin,     // orderly close from the other side
  Rst,     // reset from the other side
  Refuse,  // the connection attempt was refused (RST answering the SYN)
};

std::string_view to_string(StreamItem item) {
  switch (item) {
    case StreamItem::Open: return "open";
    case StreamItem::Data: return "data";
    case StreamItem::Fin: return "fin";
    case StreamItem::Rst: return "rst";
    case StreamItem::Refuse: return "refuse";
  }
  return "unknown";
}

std::string_view to_string(Simulator::Action action) {
  switch (action) {
    case Simulator::Action::Callback: return "callback";
    case Simulator::Action::ConnectArrive: return "connect_arrive";
    case Simulator::Action::StreamArrive: return "stream_arrive";
    case Simulator::Action::LocalClose: return "local_close";
    case Simulator::Action::Datagram: return "datagram";
  }
  return "unknown";
}

// One end of a connection, as its handler sees it. Side 0 connected, side 1 accepted.
class SimStream final : public Stream {
 public:
  SimStream(Simulator& simulator, Connection& connection, int side)
      : simulator_(simulator), connection_(connection), side_(side) {}
  void send(std::string_view bytes) override;
  void close() override;
  void reset() override;
  const Endpoint& local() const override;
  const Endpoint& remote() const override;
  std::uint64_t id() const override;
  std::string peer_name() const override;

 private:
  Simulator& simulator_;
  Connection& connection_;
  int side_;
};

struct Item {
  StreamItem kind;
  std::string bytes;
};

struct Connection {
  Connection(Simulator& simulator, std::uint64_t conn_id)
      : id(conn_id), streams{SimStream(simulator, *this, 0), SimStream(simulator, *this, 1)} {}

  std::uint64_t id;
  SimHost* hosts[2] = {nullptr, nullptr};  // [1] stays null for an unknown address
  Endpoint endpoints[2];                   // the local endpoint of each side
  std::unique_ptr<StreamHandler> handlers[2];
  std::deque<Item> toward[2];              // items in flight toward each side
  TimeMs last_arrival_ms[2] = {0, 0};
  bool accepted = false;                   // a listener took it (side 1 exists)
  bool opened[2] = {false, false};         // the handler got on_open
  bool closing[2] = {false, false};        // the side has sent its FIN or RST
  bool closed[2] = {false, false};         // the handler got on_close (or never will)
  bool local_close_pending[2] = {false, false};
  CloseReason local_reason[2] = {CloseReason::Closed, CloseReason::Closed};
  bool close_recorded = false;             // one conn_close event per connection
  std::size_t reset_after_bytes = 0;       // ConnectionFault: 0 never
  std::size_t bytes_flowed = 0;            // both directions, for reset_after_bytes
  bool faulted = false;                    // reset by a fault: the ends can do no more
  SimStream streams[2];
};

void SimStream::send(std::string_view bytes) { simulator_.stream_send(connection_, side_, bytes); }
void SimStream::close() { simulator_.stream_close(connection_, side_); }
void SimStream::reset() { simulator_.stream_reset(connection_, side_); }
const Endpoint& SimStream::local() const { return connection_.endpoints[side_]; }
const Endpoint& SimStream::remote() const { return connection_.endpoints[1 - side_]; }
std::uint64_t SimStream::id() const { return connection_.id; }
std::string SimStream::peer_name() const {
  const SimHost* peer = connection_.hosts[1 - side_];
  return peer != nullptr ? peer->name() : connection_.endpoints[1 - side_].address;
}

// ---------------------------------------------------------------------------------
// Hosts, clock, event queue

Simulator::Simulator(std::uint64_t seed, TraceSink& trace, SimOptions options)
    : seed_(seed), trace_(trace), options_(std::move(options)), random_(seed) {
  FaultOptions faults = std::move(options_.faults);
  set_faults(std::move(faults));
}

Simulator::~Simulator() = default;

SimHost& Simulator::add_host(std::string name, std::string address) {
  if (hosts_by_name_.contains(name))
    throw std::invalid_argument("sim: duplicate host name " + name);
  if (hosts_by_address_.contains(address))
    throw std::invalid_argument("sim: duplicate host address " + address);
  hosts_.push_back(std::make_unique<SimHost>(*this, std::move(name), std::move(address)));
  SimHost& host = *hosts_.back();
  hosts_by_name_.emplace(host.name(), &host);
  hosts_by_address_.emplace(host.address(), &host);
  apply_fault_caches();  // a fault may name a host that is only added now
  return host;
}

SimHost* Simulator::host_by_address(std::string_view address) {
  auto it = hosts_by_address_.find(address);
  return it == hosts_by_address_.end() ? nullptr : it->second;
}

SimHost* Simulator::host_by_name(std::string_view name) {
  auto it = hosts_by_name_.find(name);
  return it == hosts_by_name_.end() ? nullptr : it->second;
}

void Simulator::push(TimeMs time_ms, Action action, std::uint64_t target, std::uint8_t side) {
  queue_.push_back(Scheduled{std::max(time_ms, now_ms_), next_seq_++, target, action, side});
  std::push_heap(queue_.begin(), queue_.end(), Later{});
}

Simulator::Scheduled Simulator::pop() {
  std::pop_heap(queue_.begin(), queue_.end(), Later{});
  Scheduled event = queue_.back();
  queue_.pop_back();
  return event;
}

void Simulator::at(TimeMs when, std::function<void()> callback) {
  add_callback(when, std::move(callback));
}

std::uint64_t Simulator::add_callback(TimeMs when, std::function<void()> callback) {
  const std::uint64_t id = next_callback_id_++;
  callbacks_.emplace(id, std::move(callback));
  push(when, Action::Callback, id);
  return id;
}

void Simulator::cancel_callback(std::uint64_t id) {
  if (callbacks_.erase(id) == 0) return;  // already ran or already cancelled
  ++stale_entries_;
  compact_queue();
}

// A cancelled timer leaves its entry in the heap until its time comes. Agents cancel
// most timers they set (a reply arrived before the timeout), so without this the heap
// would grow with the number of commands ever sent; once more than half of it is
// stale, rebuild it without the stale entries. (time, seq) is a total order, so the
// rebuilt heap pops in exactly the same order.
void Simulator::compact_queue() {
  constexpr std::size_t stale_entries_min = 1024;  // our choice: not worth it below this
  if (stale_entries_ < stale_entries_min || stale_entries_ * 2 < queue_.size()) return;
  std::erase_if(queue_, [this](const Scheduled& e) {
    return e.action == Action::Callback && !callbacks_.contains(e.target);
  });
  std::make_heap(queue_.begin(), queue_.end(), Later{});
  stale_entries_ = 0;
}

bool Simulator::step() {
  while (!queue_.empty()) {
    const Scheduled event = pop();
    now_ms_ = event.time_ms;
    if (dispatch(event)) return true;
  }
  return false;
}

std::size_t Simulator::run(TimeMs until_ms, std::size_t events_max) {
  std::size_t ran = 0;
  while (ran < events_max && !queue_.empty() && queue_.front().time_ms <= until_ms) {
    const Scheduled event = pop();
    now_ms_ = event.time_ms;
    if (dispatch(event)) ++ran;
  }
  const bool waited = queue_.empty() || queue_.front().time_ms > until_ms;
  if (waited && until_ms != std::numeric_limits<TimeMs>::max() && until_ms > now_ms_)
    now_ms_ = until_ms;
  return ran;
}

bool Simulator::dispatch(const Scheduled& event) {
  switch (event.action) {
    case Action::Callback: {
      auto it = callbacks_.find(event.target);
      if (it == callbacks_.end()) {  // cancelled
        if (stale_entries_ > 0) --stale_entries_;
        return false;
      }
      // Move the function out first: it may schedule or cancel other callbacks, which
      // could rehash the map under our feet.
      std::function<void()> callback = std::move(it->second);
      callbacks_.erase(it);
      callback();
      return true;
    }
    case Action::Datagram:
      on_datagram(event.target);
      return true;
    case Action::ConnectArrive:
    case Action::StreamArrive:
    case Action::LocalClose: {
      auto it = connections_.find(event.target);
      if (it == connections_.end()) return false;  // both ends already closed
      Connection& c = *it->second;
      if (event.action == Action::ConnectArrive) on_connect_arrive(c);
      else if (event.action == Action::StreamArrive) on_stream_arrive(c, event.side);
      else on_local_close(c, event.side);
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------
// Faults

std::vector<std::string> Simulator::set_faults(FaultOptions faults) {
  options_.faults = std::move(faults);
  connection_fault_seen_.assign(options_.faults.connections.size(), 0);
  apply_fault_caches();
  // Crashes are events in time. A later set_faults replaces them: the generation
  // number makes the callbacks of the old ones do nothing.
  const std::uint64_t generation = ++fault_generation_;
  for (const auto& crash_fault : options_.faults.crashes) {
    std::string name = crash_fault.host;
    at(epoch_ms + crash_fault.at_ms, [this, generation, name] {
      if (generation == fault_generation_) crash(name);
    });
  }
  std::vector<std::string> unsupported = options_.faults.unsupported();
  for (const auto& field : unsupported) {
    Event note;
    note.kind = EventKind::Note;
    note.summary = "fault not implemented yet, ignored: " + field;
    note.explain = "fault.unsupported";
    note.with("fault", field);
    record_lane("sim", "sim", 0, std::move(note));
  }
  return unsupported;
}

void Simulator::apply_fault_caches() {
  extra_delay_all_ms_ = 0;
  loss_all_per_million_ = 0;
  for (auto& host : hosts_) {
    host->down_windows_ms_.clear();
    host->extra_delay_ms_ = 0;
    host->loss_per_million_ = 0;
  }
  for (const auto& down : options_.faults.host_down)
    if (SimHost* host = host_by_name(down.host))
      host->down_windows_ms_.emplace_back(epoch_ms + down.from_ms, epoch_ms + down.until_ms);
  // A crashed host is down until it restarts.
  for (const auto& crash_fault : options_.faults.crashes)
    if (SimHost* host = host_by_name(crash_fault.host))
      host->down_windows_ms_.emplace_back(epoch_ms + crash_fault.at_ms,
                                          epoch_ms + crash_fault.at_ms + crash_fault.restart_after_ms);
  auto add_loss = [](std::uint32_t& total, std::uint32_t more) {
    total = std::min<std::uint32_t>(per_million, total + std::min(more, per_million));
  };
  for (const auto& link : options_.faults.links) {
    if (link.host.empty()) {
      extra_delay_all_ms_ += link.extra_delay_ms;
      add_loss(loss_all_per_million_, link.loss_per_million);
    } else if (SimHost* host = host_by_name(link.host)) {
      host->extra_delay_ms_ += link.extra_delay_ms;
      add_loss(host->loss_per_million_, link.loss_per_million);
    }
  }
}

std::uint32_t Simulator::loss_per_million(const SimHost* a, const SimHost* b) const {
  std::uint64_t total = loss_all_per_million_;
  if (a != nullptr) total += a->loss_per_million_;
  if (b != nullptr && b != a) total += b->loss_per_million_;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(total, per_million));
}

// No draw at all when the chance is 0, so that a run without loss faults uses the
// random source exactly as before (its traces do not change).
bool Simulator::draw(std::uint32_t chance_per_million) {
  if (chance_per_million == 0) return false;
  return random_.uniform(per_million) < chance_per_million;
}

void Simulator::record_fault_kind(std::string_view src, std::string_view dst, std::uint64_t conn,
                                  std::string_view kind, std::string summary, std::string rfc) {
  Event event;
  event.kind = EventKind::Fault;
  event.summary = std::move(summary);
  event.explain = "fault." + std::string(kind);
  event.rfc = std::move(rfc);
  event.with("fault", std::string(kind));
  record_lane(src, dst.empty() ? src : dst, conn, std::move(event));
}

// HostCrash: every stream that touches the host is reset, in connection-id order (the
// map is unordered; sorting the ids keeps the trace deterministic).
void Simulator::crash(const std::string& host_name) {
  SimHost* host = host_by_name(host_name);
  if (host == nullptr) return;
  record_fault_kind(host->name(), host->name(), 0, "crash",
                    host->name() + " crashed: its connections are reset, and what it had not "
                                   "committed to stable storage is lost");
  std::vector<std::uint64_t> ids;
  for (const auto& [id, connection] : connections_)
    if (connection->hosts[0] == host || connection->hosts[1] == host) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (std::uint64_t id : ids) {
    auto it = connections_.find(id);
    if (it == connections_.end()) continue;
    Connection& c = *it->second;
    fault_reset(c, "crash of " + host->name(), c.hosts[0] == host ? 0 : 1);
  }
}

// Resets a connection from the network's side: both ends get on_close(Reset), after
// whatever was already in flight toward them, and can send nothing more.
void Simulator::fault_reset(Connection& c, std::string_view why, int crashed_side) {
  if (c.faulted) return;
  c.faulted = true;
  const std::string_view dst =
      c.hosts[1] != nullptr ? std::string_view(c.hosts[1]->name()) : c.endpoints[1].address;
  record_fault_kind(c.hosts[0]->name(), dst, c.id, "reset",
                    "connection reset by a fault (" + std::string(why) + ")", "RFC 9293 §3.5.2");
  for (int side = 0; side < 2; ++side) {
    c.closing[side] = true;
    if (c.closed[side]) continue;
    if (side == 1 && !c.accepted) {  // the SYN is still travelling: nobody will accept it
      c.closed[1] = true;
      continue;
    }
    if (side == crashed_side || (side == 0 && !c.opened[0] && !c.accepted)) {
      // A crashed host's handlers stop at once (nothing more reaches them); a
      // connector whose SYN was never answered learns of it as the next event.
      if (c.local_close_pending[side]) continue;
      c.local_close_pending[side] = true;
      c.local_reason[side] = CloseReason::Reset;
      push(now_ms_, Action::LocalClose, c.id, static_cast<std::uint8_t>(side));
      continue;
    }
    queue_item(c, side, StreamItem::Rst, {});
  }
  if (!c.close_recorded) {
    c.close_recorded = true;
    Event event;
    event.kind = EventKind::ConnClose;
    event.summary = "reset by a fault";
    event.explain = "kind.conn_close";
    event.rfc = "RFC 9293 §3.5.2";
    event.with("reason", std::string(to_string(CloseReason::Reset)));
    record_lane(c.hosts[0]->name(), dst, c.id, std::move(event));
  }
}

TimeMs Simulator::link_delay_ms(const SimHost* a, const SimHost* b) const {
  TimeMs delay_ms = options_.latency_ms + extra_delay_all_ms_;
  if (a != nullptr) delay_ms += a->extra_delay_ms_;
  if (b != nullptr && b != a) delay_ms += b->extra_delay_ms_;
  return std::max<TimeMs>(delay_ms, 0);
}

void Simulator::record_fault(SimHost& down, std::string_view other, std::uint64_t conn,
                             std::string summary) {
  Event event;
  event.kind = EventKind::Fault;
  event.summary = std::move(summary);
  event.explain = "fault.host_down";
  event.with("fault", "host_down").with("host", down.name());
  record(&down, other, conn, std::move(event));
}

// ---------------------------------------------------------------------------------
// Trace

void Simulator::record(SimHost* src, std::string_view dst, std::uint64_t conn, Event event) {
  record_lane(src->name(), dst.empty() ? std::string_view(src->name()) : dst, conn,
              std::move(event));
}

void Simulator::record_lane(std::string_view src, std::string_view dst, std::uint64_t conn,
                            Event&& event) {
  // Built in place from the moved event (seq: the sink may renumber; Trace does, identically).
  trace_.record(TraceEvent{std::move(event), next_trace_seq_++, now_ms_, std::string(src),
                           std::string(dst), conn});
}

void Simulator::record_conn_open(Connection& c, std::string_view result) {
  Event event;
  event.kind = EventKind::ConnOpen;
  const std::string from = c.endpoints[0].to_string();
  const std::string to = c.endpoints[1].to_string();
  event.summary = from + " → " + to + " " + std::string(result);
  event.explain = "kind.conn_open";
  event.rfc = "RFC 9293 §3.5";
  event.with("from", from)
      .with("to", to)
      .with("port", std::to_string(c.endpoints[1].port))
      .with("result", std::string(result));
  const std::string_view dst =
      c.hosts[1] != nullptr ? std::string_view(c.hosts[1]->name()) : c.endpoints[1].address;
  record(c.hosts[0], dst, c.id, std::move(event));
}

void Simulator::record_conn_close(Connection& c, int side, CloseReason reason) {
  if (c.close_recorded) return;
  c.close_recorded = true;
  Event event;
  event.kind = EventKind::ConnClose;
  event.summary = std::string(reason == CloseReason::Reset ? "reset by " : "close by ") +
                  c.hosts[side]->name();
  event.explain = "kind.conn_close";
  event.rfc = reason == CloseReason::Reset ? "RFC 9293 §3.5.2" : "RFC 9293 §3.6";
  event.with("reason", std::string(to_string(reason)));
  record(c.hosts[side], c.hosts[1 - side]->name(), c.id, std::move(event));
}

// ---------------------------------------------------------------------------------
// Streams

void Simulator::open_connection(SimHost& client, const Endpoint& remote,
                                std::unique_ptr<StreamHandler> handler) {
  if (!handler) return;  // nobody would hear the result: our own misuse, nothing to do
  const std::uint64_t id = next_conn_id_++;
  auto connection = std::make_unique<Connection>(*this, id);
  Connection& c = *connection;
  c.hosts[0] = &client;
  c.endpoints[0] = Endpoint{client.address(), client.next_ephemeral_port()};
  c.endpoints[1] = remote;
  c.handlers[0] = std::move(handler);
  connections_.emplace(id, std::move(connection));

  SimHost* server = host_by_address(remote.address);
  if (client.is_down()) {
    // A host that is down (or crashed) cannot send a SYN: the attempt fails at once.
    record_fault(client, server != nullptr ? std::string_view(server->name()) : remote.address, id,
                 client.name() + " is down: its connection to " + remote.to_string() + " fails");
    c.local_close_pending[0] = true;
    c.local_reason[0] = CloseReason::Refused;
    push(now_ms_, Action::LocalClose, id, 0);
    return;
  }
  if (server == nullptr) {
    // Nobody will ever answer the SYN: the connector retries until it gives up
    // (RFC 1122 §4.2.3.5, see connect_timeout_default_ms).
    c.local_close_pending[0] = true;
    c.local_reason[0] = CloseReason::TimedOut;
    push(now_ms_ + options_.connect_timeout_ms, Action::LocalClose, id, 0);
    return;
  }
  push(now_ms_ + link_delay_ms(&client, server), Action::ConnectArrive, id);
}

void Simulator::on_connect_arrive(Connection& c) {
  SimHost* server = host_by_address(c.endpoints[1].address);
  c.hosts[1] = server;
  if (c.closed[0] || c.faulted) {  // the connector gave up (or crashed) meanwhile
    c.closed[1] = true;
    erase_if_done(c);
    return;
  }
  std::unique_ptr<StreamHandler> handler;
  const ConnectionFault* fault = nullptr;
  for (std::size_t i = 0; i < options_.faults.connections.size(); ++i) {
    const ConnectionFault& f = options_.faults.connections[i];
    if (f.host != server->name() || (f.port != 0 && f.port != c.endpoints[1].port)) continue;
    ++connection_fault_seen_[i];
    if (f.first_attempts != 0 && connection_fault_seen_[i] > f.first_attempts) continue;
    fault = &f;
    break;
  }
  if (server->is_down()) {
    record_fault(*server, c.hosts[0]->name(), c.id,
                 server->name() + " is down: connection from " + c.hosts[0]->name() +
                     " refused");
  } else if (fault != nullptr && fault->refuse) {
    record_fault_kind(server->name(), c.hosts[0]->name(), c.id, "refused",
                      "connection from " + c.hosts[0]->name() + " to " + c.endpoints[1].to_string() +
                          " refused by a fault, although a server listens there",
                      "RFC 9293 §3.5.2");
  } else if (auto it = server->listeners_.find(c.endpoints[1].port);
             it != server->listeners_.end()) {
    handler = it->second();
    if (fault != nullptr) c.reset_after_bytes = fault->reset_after_bytes;
  }
  if (!handler) {
    // RFC 9293 §3.5.2: a SYN to a port where nobody listens is answered with a reset,
    // which the connector sees as "connection refused" one link delay later.
    queue_item(c, 0, StreamItem::Refuse, {});
    return;
  }
  c.accepted = true;
  c.handlers[1] = std::move(handler);
  c.opened[1] = true;
  record_conn_open(c, "established");
  // Queue the answer before the listener runs, so that the connector sees on_open
  // before any greeting the listener sends from its on_open.
  queue_item(c, 0, StreamItem::Open, {});
  c.handlers[1]->on_open(c.streams[1]);
}

void Simulator::queue_item(Connection& c, int toward, StreamItem item, std::string_view bytes) {
  TimeMs arrival_ms = now_ms_ + link_delay_ms(c.hosts[1 - toward], c.hosts[toward]);
  if (item == StreamItem::Data) {
    // LinkFault loss (sim/faults.hpp): each loss costs one retransmission timeout.
    const std::uint32_t loss = loss_per_million(c.hosts[1 - toward], c.hosts[toward]);
    int losses = 0;
    while (losses < loss_retries_max && draw(loss)) ++losses;
    if (losses > 0) {
      arrival_ms += losses * loss_retransmit_ms;
      record_fault_kind(c.hosts[1 - toward]->name(), c.hosts[toward]->name(), c.id, "loss",
                        std::to_string(bytes.size()) + " bytes lost " + std::to_string(losses) +
                            " time(s): retransmitted, arriving " +
                            std::to_string(losses * loss_retransmit_ms) + " ms later",
                        "RFC 6298 §2.1");
    }
  }
  // In-order delivery (RFC 9293 §3.4) even when a fault changes the delay mid-stream.
  arrival_ms = std::max(arrival_ms, c.last_arrival_ms[toward]);
  c.last_arrival_ms[toward] = arrival_ms;
  c.toward[toward].push_back(Item{item, std::string(bytes)});
  push(arrival_ms, Action::StreamArrive, c.id, static_cast<std::uint8_t>(toward));
}

void Simulator::on_stream_arrive(Connection& c, int side) {
  Item item = std::move(c.toward[side].front());
  c.toward[side].pop_front();
  if (!c.closed[side]) {
    StreamHandler& handler = *c.handlers[side];
    switch (item.kind) {
      case StreamItem::Open:
        c.opened[side] = true;
        handler.on_open(c.streams[side]);
        break;
      case StreamItem::Data:
        handler.on_data(c.streams[side], item.bytes);
        break;
      case StreamItem::Fin:
        // The peer closed. We close too (no half-close here): our FIN follows whatever
        // we had already queued, and it is what tells the peer its close is complete.
        if (!c.closing[side]) {
          c.closing[side] = true;
          queue_item(c, 1 - side, StreamItem::Fin, {});
        }
        deliver_close(c, side, CloseReason::Closed);
        break;
      case StreamItem::Rst:
        c.closing[side] = true;
        deliver_close(c, side, CloseReason::Reset);
        break;
      case StreamItem::Refuse:
        record_conn_open(c, "refused");
        c.closed[1] = true;  // there never was a listening end
        deliver_close(c, side, CloseReason::Refused);
        break;
    }
  }
  erase_if_done(c);
}

void Simulator::on_local_close(Connection& c, int side) {
  if (!c.closed[side]) {
    if (c.local_reason[side] == CloseReason::TimedOut) {
      record_conn_open(c, "timed_out");
      c.closed[1] = true;  // there never was a listening end
    } else if (side == 0 && !c.accepted && c.hosts[1] == nullptr) {
      c.closed[1] = true;  // the connector itself was down: no SYN ever left
    }
    deliver_close(c, side, c.local_reason[side]);
  }
  erase_if_done(c);
}

void Simulator::deliver_close(Connection& c, int side, CloseReason reason) {
  c.closed[side] = true;  // first, so that sends from inside on_close are dropped
  c.closing[side] = true;
  std::unique_ptr<StreamHandler> handler = std::move(c.handlers[side]);
  if (handler) handler->on_close(c.streams[side], reason);
  // The handler is destroyed here, right after its on_close (core/host.hpp).
}

void Simulator::erase_if_done(Connection& c) {
  if (c.closed[0] && c.closed[1]) connections_.erase(c.id);  // frees the streams
}

void Simulator::stream_send(Connection& c, int side, std::string_view bytes) {
  // RFC 9293 §3.10.2 (SEND call, FIN-WAIT states): 'Return "error: connection
  // closing" and do not service request.' So after close() or reset() a send is
  // dropped; so is a send to a peer whose end has already closed.
  if (bytes.empty() || !c.opened[side] || c.closing[side] || c.closed[1 - side] || c.faulted) return;
  bool reset_now = false;
  if (c.reset_after_bytes != 0) {
    // ConnectionFault::reset_after_bytes: the bytes up to the limit go through, the
    // rest is lost, and the connection is reset.
    const std::size_t room = c.reset_after_bytes - std::min(c.bytes_flowed, c.reset_after_bytes);
    if (bytes.size() >= room) {
      bytes = bytes.substr(0, room);
      reset_now = true;
    }
    c.bytes_flowed += bytes.size();
  }
  if (!bytes.empty()) send_segments(c, side, bytes);
  if (reset_now)
    fault_reset(c, "reset after " + std::to_string(c.reset_after_bytes) + " bytes");
}

void Simulator::send_segments(Connection& c, int side, std::string_view bytes) {
  const std::size_t segment_max = options_.segment_size_max;
  if (segment_max == 0 || bytes.size() <= segment_max) {
    queue_item(c, 1 - side, StreamItem::Data, bytes);
    return;
  }
  for (std::size_t at = 0; at < bytes.size(); at += segment_max)
    queue_item(c, 1 - side, StreamItem::Data, bytes.substr(at, segment_max));
}

void Simulator::stream_close(Connection& c, int side) {
  if (!c.opened[side] || c.closing[side] || c.closed[side] || c.faulted) return;
  c.closing[side] = true;
  record_conn_close(c, side, CloseReason::Closed);
  queue_item(c, 1 - side, StreamItem::Fin, {});
}

void Simulator::stream_reset(Connection& c, int side) {
  if (!c.opened[side] || c.closed[side] || c.local_close_pending[side] || c.faulted) return;
  c.closing[side] = true;
  record_conn_close(c, side, CloseReason::Reset);
  if (!c.closed[1 - side]) queue_item(c, 1 - side, StreamItem::Rst, {});
  // Our own end learns of the reset as the next event, not inside the caller's callback.
  c.local_close_pending[side] = true;
  c.local_reason[side] = CloseReason::Reset;
  push(now_ms_, Action::LocalClose, c.id, static_cast<std::uint8_t>(side));
}

// ---------------------------------------------------------------------------------
// Datagrams (RFC 768): unreliable, unordered in principle, here delivered after one
// link delay unless a host is down. A datagram to a port nobody bound is dropped
// (a real host would answer ICMP port unreachable, RFC 1122 §3.2.2.1: not modelled).

void Simulator::send_datagram(SimHost& from, std::uint16_t port, const Endpoint& to,
                              std::string_view bytes) {
  SimHost* dest = host_by_address(to.address);
  if (from.is_down()) {
    record_fault(from, dest != nullptr ? std::string_view(dest->name()) : to.address, 0,
                 from.name() + " is down: datagram to " + to.to_string() + " dropped");
    return;
  }
  if (dest == nullptr) return;  // no such address: the datagram goes nowhere
  if (draw(loss_per_million(&from, dest))) {
    record_fault_kind(from.name(), dest->name(), 0, "loss",
                      "datagram to " + to.to_string() + " lost (UDP does not retransmit)", "RFC 768");
    return;
  }
  const std::uint64_t id = next_datagram_id_++;
  datagrams_.emplace(id, PendingDatagram{Endpoint{from.address(), port}, to, std::string(bytes)});
  push(now_ms_ + link_delay_ms(&from, dest), Action::Datagram, id);
}

void Simulator::on_datagram(std::uint64_t id) {
  auto node = datagrams_.extract(id);
  if (node.empty()) return;
  PendingDatagram& datagram = node.mapped();
  SimHost* dest = host_by_address(datagram.to.address);
  if (dest == nullptr) return;
  if (dest->is_down()) {
    SimHost* source = host_by_address(datagram.from.address);
    record_fault(*dest, source != nullptr ? std::string_view(source->name()) : datagram.from.address,
                 0, dest->name() + " is down: datagram from " + datagram.from.to_string() +
                        " dropped");
    return;
  }
  auto it = dest->datagram_handlers_.find(datagram.to.port);
  if (it == dest->datagram_handlers_.end() || !it->second) return;
  // A copy, because the handler may re-bind its own port while it runs.
  DatagramHandler handler = it->second;
  handler(datagram.from, datagram.bytes);
}

}  // namespace smtplab::sim
