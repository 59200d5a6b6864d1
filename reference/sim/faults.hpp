// sim/faults.hpp — every fault the simulator can inject, as one documented options struct.
//
// Standards: none; the shape follows STYLE §20 (TigerBeetle's PacketSimulatorOptions):
// all faults live in one struct, one seeded generator drives any randomness they need,
// and a scenario that asks for a fault the simulator cannot yet inject is told so
// instead of being silently ignored.
//
// API:
//   FaultOptions faults;                       fill in the fields below
//   faults.unsupported()                       the set fields that are not implemented
//   Simulator(seed, trace, {.faults = faults})  or simulator.set_faults(faults)
//
// Times in this file are offsets from the start of the run (Simulator::epoch_ms), the
// way a scenario writes them ("at = 10s"), not absolute Unix times.
//
// Implemented in the simulator: host down for an interval, host crash and restart,
// extra link delay, link loss (modelled as TCP retransmission delay on streams and as
// a lost datagram), refused connections to a host:port, reset after N bytes.
// Carried by the simulator and applied by the agents that own the protocol (wired by
// scenario/world.cpp): DNS SERVFAIL / timeout / NXDOMAIN (dns::DnsServerAgent's fault
// hook), "reply CODE at STAGE" and TLS handshake failures (mta::FaultPolicy, a
// ServerPolicy decorator).
// Every fault that fires records a `fault` trace event that says what it did.
// Not implemented yet (listed by unsupported(), announced in the trace as a note):
// NXDOMAIN for only the first N queries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace smtplab::sim {

// A host is unreachable during [from_ms, until_ms): connection attempts to it are
// refused (the caller sees CloseReason::Refused), its own connection attempts fail at
// once, and datagrams to or from it are dropped. Streams that were already established
// are not touched (that is HostCrash). Implemented.
struct HostDown {
  std::string host;     // host name
  TimeMs from_ms = 0;   // offset from the start of the run
  TimeMs until_ms = 0;  // exclusive
};

// A host crashes at at_ms and comes back restart_after_ms later. At the crash every
// established stream that touches it is reset at both ends (the peer sees
// CloseReason::Reset one link delay later, the host's own handlers at once), and the
// host is down (as HostDown) until the restart. What the agents on the host kept is up
// to them: the MTA's queue (mta::QueueStore) survives, because a message is committed
// to it before the 250 (RFC 5321 §4.1.1.4) — a real MTA reads it back from disk on
// restart. A message whose DATA was still arriving was never committed and is gone,
// and so the client, which got no 250, still owns it. Implemented.
struct HostCrash {
  std::string host;
  TimeMs at_ms = 0;              // offset from the start of the run
  TimeMs restart_after_ms = 0;   // how long it stays down
};

// Extra one-way delay on every link that touches `host` (or every link when `host` is
// empty), on top of SimOptions::latency_ms, and loss.
//
// Loss, our simple model of RFC 9293 §3.8 / RFC 6298: a stream segment that is lost
// is sent again after the retransmission timeout, so the bytes still arrive, in
// order, but later: each loss adds loss_retransmit_ms (RFC 6298 §2.1: "the sender
// SHOULD set RTO <- 1 second") and a segment may be lost several times (at most
// loss_retries_max, then it is taken to arrive, so that a run always ends). A datagram
// that is lost is simply gone (RFC 768 gives no delivery promise); the sender's own
// timeout and retry handle it. Implemented.
struct LinkFault {
  std::string host;                     // empty: every link
  TimeMs extra_delay_ms = 0;
  std::uint32_t loss_per_million = 0;   // chance that one segment or datagram is lost
};

// RFC 6298 §2.1: the initial retransmission timeout is 1 second.
inline constexpr TimeMs loss_retransmit_ms = 1000;
// Our choice: after this many losses in a row a segment is taken to arrive (a real
// TCP would eventually reset the connection; here that is ConnectionFault's job).
inline constexpr int loss_retries_max = 6;
// One million: the denominator of every *_per_million probability.
inline constexpr std::uint32_t per_million = 1'000'000;

// Faults on the connections to one host and port. Implemented.
struct ConnectionFault {
  std::string host;                 // the listening host
  std::uint16_t port = 0;           // 0: every port
  bool refuse = false;              // refuse connections although a listener exists
  // 0: never; else the connection is reset (both ends, RFC 9293 §3.5.2) as soon as
  // this many bytes have flowed on it, counting both directions: the byte that crosses
  // the limit and everything after it is lost. Mid-DATA resets are the point: the
  // client never sees the 250, so the message is still its own.
  std::size_t reset_after_bytes = 0;
  std::uint32_t first_attempts = 0;  // 0: every connection; else only the first N
};

enum class DnsFaultKind {
  ServFail,  // answer RCODE 2 (RFC 1035 §4.1.1: "Server failure")
  Timeout,   // never answer, so the stub resolver times out
  NxDomain,  // the name does not exist (RFC 1035 §4.1.1 RCODE 3): removed from the zone
};
std::string_view to_string(DnsFaultKind kind);

// A DNS server fault for queries about `name` (empty: every name). ServFail and
// Timeout are applied per query by dns::DnsServerAgent's fault hook (use
// DnsFaultCounter below); NxDomain is applied when the zones are built, by leaving the
// name out, so it holds for the whole run (first_attempts must be 0).
struct DnsFault {
  std::string server;               // the DNS host name (empty: the one DNS server)
  std::string name;                 // the queried name, empty for all
  DnsFaultKind kind = DnsFaultKind::ServFail;
  std::uint32_t first_attempts = 0;  // 0: always; else only the first N queries
};

// Decides, query by query, whether a DnsFault fires: counts the matching queries, so
// that "the first N" is exact. Names compare case-insensitively (RFC 1035 §2.3.3).
class DnsFaultCounter {
 public:
  explicit DnsFaultCounter(std::vector<DnsFault> faults) : faults_(std::move(faults)), seen_(faults_.size(), 0) {}
  // The fault that fires for a query about `name`, or nullptr.
  const DnsFault* match(std::string_view name);

 private:
  std::vector<DnsFault> faults_;
  std::vector<std::uint32_t> seen_;
};

enum class TlsFaultKind {
  HandshakeFailure,  // the server aborts the handshake (RFC 5246 §7.2.2 handshake_failure)
  BadCertificate,    // the server presents a certificate the client rejects
};
std::string_view to_string(TlsFaultKind kind);

// A TLS fault at the SMTP server `host`, on its side of the handshake (after the 220 to
// STARTTLS, RFC 3207 §4, or at connect on an implicit-TLS port), "for the first N
// handshakes or with probability P" like ReplyFault. Applied by mta::FaultPolicy
// (wired by scenario/world.cpp). HandshakeFailure: the server reads the ClientHello and
// answers with a fatal handshake_failure(40) alert (RFC 5246 §7.2.2). BadCertificate:
// the server presents a self-signed certificate, with no path to a CA the client
// trusts (RFC 5280 §6.1); a client that requires TLS rejects it (RFC 7672 §3.1 style
// verification), an opportunistic one goes on (RFC 7435 §1.3). Implemented.
struct TlsFault {
  std::string host;
  TlsFaultKind kind = TlsFaultKind::HandshakeFailure;
  std::uint32_t first_attempts = 0;           // 0 and no probability: always
  std::uint32_t probability_per_million = 0;  // 0: use first_attempts
};

// "Reply CODE at STAGE for the first N attempts or with probability P" (greylisting,
// a full mailbox, ...). The SMTP server policy applies it (mta::FaultPolicy); the
// simulator only carries it. Stages: "connect", "ehlo", "mail", "rcpt", "data" (the
// DATA command, instead of 354), "dot" (end of data); all implemented.
struct ReplyFault {
  std::string host;                  // the SMTP server host
  std::string stage;                 // "connect", "ehlo", "mail", "rcpt", "data", "dot"
  std::string reply;                 // "450 4.7.1 Greylisted"
  std::uint32_t first_attempts = 0;  // 0 and no probability: always
  std::uint32_t probability_per_million = 0;  // 0: use first_attempts
};

struct FaultOptions {
  std::vector<HostDown> host_down;
  std::vector<HostCrash> crashes;
  std::vector<LinkFault> links;
  std::vector<ConnectionFault> connections;
  std::vector<DnsFault> dns;                  // applied by the DNS server agent
  std::vector<TlsFault> tls;                  // applied by the MTA's server policy
  std::vector<ReplyFault> replies;            // applied by the MTA's server policy

  // One line per set field that the simulator does not implement yet, naming the
  // field ("links[0].loss_per_million"), so that a scenario asking for it can fail
  // loudly. Empty when every requested fault is implemented.
  std::vector<std::string> unsupported() const;
};

}  // namespace smtplab::sim
