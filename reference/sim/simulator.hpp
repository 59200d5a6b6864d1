// sim/simulator.hpp — the deterministic discrete-event simulator: virtual time, one
// event queue, one seeded random source, and the simulated network between SimHosts.
//
// Standards: RFC 9293 (TCP) §3.5-§3.6 for the shape of the simulated streams (a
// connection is opened with a round trip, closed in order after the queued bytes, or
// reset), RFC 1122 §4.2.3.5 for the connection timeout, RFC 6335 §6 for ephemeral
// ports, RFC 768 (UDP) for the datagrams. The simulation rules are STYLE §19-§21.
//
// API:
//   Trace trace;  Simulator sim(42, trace);            seed, trace sink, SimOptions
//   SimHost& mx = sim.add_host("mx.b.example", "198.51.100.25");
//   sim.at(sim.now() + 1000, [&] { ... });             absolute virtual time
//   sim.run();                                         until idle (or until / events_max)
//   sim.step();                                        one event; false when idle
//   sim.now(), sim.clock(), sim.random(), sim.seed()
//   sim.set_faults(faults)                             see sim/faults.hpp
//
// Rules of this file (the invariants everything else relies on):
// - Time only moves in run()/step(), and it jumps straight to the next event, so a
//   five-day retry schedule costs as many steps as it has events, not five days.
// - Events run in (time, sequence) order; the sequence number is the order in which
//   they were scheduled, so two events at the same millisecond keep their order.
// - Callbacks never run inside other callbacks: send/close/reset/connect/schedule called
//   from a handler only queue work. Calling run() or step() from a callback is a misuse.
// - Nothing iterates an unordered container, and the only randomness is random(), so
//   the same seed and the same calls give the same trace, field for field.
// - A finished connection is freed when both of its ends have seen on_close.
//
// Not implemented: half-close (a FIN closes both directions), congestion, bandwidth
// limits, time zones other than UTC. Packet loss is modelled simply (sim/faults.hpp
// LinkFault): a lost segment arrives one retransmission timeout later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/host.hpp"
#include "core/trace.hpp"
#include "sim/faults.hpp"
#include "sim/sim_host.hpp"

namespace smtplab::sim {

// The virtual clock starts at 2025-03-03T09:00:00Z, a Monday morning, so that dates in
// traces and goldens never change. 2025-03-03 is day 20150 of the Unix epoch (55 years
// with 14 leap days make 20089 days to 2025-01-01, plus 31 + 28 + 2), and
// 20150 * 86400 s + 9 h * 3600 s = 1,740,960,000 + 32,400 = 1,740,992,400 s.
inline constexpr TimeMs epoch_ms = 1'740'992'400'000;

// Our choice: 5 ms one way, a typical LAN-to-ISP hop; small enough that lessons feel
// instantaneous, large enough that a round trip is visible on the timeline.
inline constexpr TimeMs latency_default_ms = 5;

// RFC 1122 §4.2.3.5: "the value of R2 for a SYN segment MUST be set large enough to
// provide retransmission of the segment for at least 3 minutes." So a connection to an
// address where no host answers gives up after 3 minutes (CloseReason::TimedOut).
inline constexpr TimeMs connect_timeout_default_ms = 3 * 60 * 1000;

// Our choice: the most events one run() handles unless told otherwise, so that a
// scenario that loops forever stops (STYLE §18). Far above any lesson or benchmark.
inline constexpr std::size_t run_events_default_max = 200'000'000;

struct SimOptions {
  TimeMs latency_ms = latency_default_ms;                  // one way, per direction
  TimeMs connect_timeout_ms = connect_timeout_default_ms;  // unknown address
  // 0: the bytes of one send() arrive as one on_data, so pipelining is visible.
  // N > 0: split every send into segments of at most N bytes, each its own on_data
  // (to prove that engines do not depend on where reads split).
  std::size_t segment_size_max = 0;
  FaultOptions faults;
};

struct Connection;                   // one simulated stream, both ends (simulator.cpp)
enum class StreamItem : std::uint8_t;  // what travels on a stream (simulator.cpp)

class Simulator {
 public:
  explicit Simulator(std::uint64_t seed, TraceSink& trace, SimOptions options = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Adds a host. Names and addresses must be unique (a duplicate is our own misuse and
  // throws std::invalid_argument). The reference stays valid for the simulator's life.
  SimHost& add_host(std::string name, std::string address);
  SimHost* host_by_address(std::string_view address);
  SimHost* host_by_name(std::string_view name);
  std::size_t host_count() const { return hosts_.size(); }
  SimHost& host(std::size_t index) { return *hosts_.at(index); }  // in the order added

  // Runs `callback` at absolute virtual time `when` (a time in the past means now).
  void at(TimeMs when, std::function<void()> callback);

  bool step();  // runs one event; false when there is nothing left to run
  // Runs events whose time is <= until_ms, at most events_max of them; returns how many
  // ran. When it stops because the next event is later than until_ms, the clock moves
  // to until_ms (time passes even when nothing happens).
  std::size_t run(TimeMs until_ms = std::numeric_limits<TimeMs>::max(),
                  std::size_t events_max = run_events_default_max);

  TimeMs now() const { return now_ms_; }
  const Clock& clock() const { return clock_; }
  Random& random() { return random_; }
  std::uint64_t seed() const { return seed_; }
  const SimOptions& options() const { return options_; }

  // Replaces the faults. Each unsupported() entry is recorded as a `note` event (lane
  // "sim") so the trace says which requested faults did not happen; the list is also
  // returned, for a scenario loader that wants to refuse to run.
  std::vector<std::string> set_faults(FaultOptions faults);

  // Introspection for tests and views.
  std::size_t open_connections() const { return connections_.size(); }
  std::size_t queued_events() const { return queue_.size(); }  // including stale ones
  std::size_t pending_timers() const { return callbacks_.size(); }

 private:
  friend class SimHost;
  friend class SimStream;

  enum class Action : std::uint8_t {
    Callback,       // a timer or at(): target = callback id
    ConnectArrive,  // a connection request reaches the listening side: target = conn id
    StreamArrive,   // the next item of one direction arrives: target = conn id, side
    LocalClose,     // an end learns its own reset/timeout: target = conn id, side
    Datagram,       // a datagram arrives: target = datagram id
  };
  friend std::string_view to_string(Action action);

  struct Scheduled {
    TimeMs time_ms;
    std::uint64_t seq;
    std::uint64_t target;
    Action action;
    std::uint8_t side;
  };
  struct Later {  // heap order: the earliest (time, seq) on top
    bool operator()(const Scheduled& a, const Scheduled& b) const {
      return a.time_ms != b.time_ms ? a.time_ms > b.time_ms : a.seq > b.seq;
    }
  };
  struct PendingDatagram {
    Endpoint from;
    Endpoint to;
    std::string bytes;
  };

  class SimClock final : public Clock {
   public:
    explicit SimClock(const TimeMs& now_ms) : now_ms_(now_ms) {}
    TimeMs now_ms() const override { return now_ms_; }

   private:
    const TimeMs& now_ms_;
  };

  void push(TimeMs time_ms, Action action, std::uint64_t target, std::uint8_t side = 0);
  Scheduled pop();
  bool dispatch(const Scheduled& event);  // false when the event was stale (cancelled)
  void compact_queue();
  std::uint64_t add_callback(TimeMs when, std::function<void()> callback);
  void cancel_callback(std::uint64_t id);

  // The network, called by SimHost and SimStream.
  TimeMs link_delay_ms(const SimHost* a, const SimHost* b) const;
  void open_connection(SimHost& client, const Endpoint& remote,
                       std::unique_ptr<StreamHandler> handler);
  void stream_send(Connection& c, int side, std::string_view bytes);
  void send_segments(Connection& c, int side, std::string_view bytes);
  void stream_close(Connection& c, int side);
  void stream_reset(Connection& c, int side);
  void send_datagram(SimHost& from, std::uint16_t port, const Endpoint& to,
                     std::string_view bytes);
  void record(SimHost* src, std::string_view dst, std::uint64_t conn, Event event);
  void record_lane(std::string_view src, std::string_view dst, std::uint64_t conn,
                   Event&& event);  // && : the hot path moves each event once, not twice

  // The handlers of the actions.
  void on_connect_arrive(Connection& c);
  void on_stream_arrive(Connection& c, int side);
  void on_local_close(Connection& c, int side);
  void on_datagram(std::uint64_t id);
  void record_fault(SimHost& down, std::string_view other, std::uint64_t conn,
                    std::string summary);
  void record_fault_kind(std::string_view src, std::string_view dst, std::uint64_t conn,
                         std::string_view kind, std::string summary, std::string rfc = {});
  std::uint32_t loss_per_million(const SimHost* a, const SimHost* b) const;
  bool draw(std::uint32_t chance_per_million);  // true with that chance; no draw for 0
  void crash(const std::string& host_name);
  void fault_reset(Connection& c, std::string_view why, int crashed_side = -1);
  void queue_item(Connection& c, int toward, StreamItem item, std::string_view bytes);
  void deliver_close(Connection& c, int side, CloseReason reason);
  void record_conn_open(Connection& c, std::string_view result);
  void record_conn_close(Connection& c, int side, CloseReason reason);
  void erase_if_done(Connection& c);
  void apply_fault_caches();

  std::uint64_t seed_;
  TraceSink& trace_;
  SimOptions options_;
  SeededRandom random_;
  TimeMs now_ms_ = epoch_ms;
  SimClock clock_{now_ms_};

  std::vector<Scheduled> queue_;  // a binary heap ordered by Later
  std::size_t stale_entries_ = 0;  // heap entries whose callback was cancelled
  std::uint64_t next_seq_ = 0;
  std::uint64_t next_callback_id_ = 1;
  std::uint64_t next_conn_id_ = 1;
  std::uint64_t next_datagram_id_ = 1;
  std::uint64_t next_trace_seq_ = 0;

  std::vector<std::unique_ptr<SimHost>> hosts_;
  std::map<std::string, SimHost*, std::less<>> hosts_by_name_;
  std::map<std::string, SimHost*, std::less<>> hosts_by_address_;

  // Looked up by id only, never iterated (iteration order would leak into the trace).
  std::unordered_map<std::uint64_t, std::function<void()>> callbacks_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections_;
  std::unordered_map<std::uint64_t, PendingDatagram> datagrams_;
  TimeMs extra_delay_all_ms_ = 0;  // from LinkFaults without a host
  std::uint32_t loss_all_per_million_ = 0;  // from LinkFaults without a host
  std::vector<std::uint32_t> connection_fault_seen_;  // per ConnectionFault: matches so far
  std::uint64_t fault_generation_ = 0;  // crash callbacks of replaced faults do nothing
};

}  // namespace smtplab::sim
