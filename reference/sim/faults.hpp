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
// Implemented: host down for an interval (connections to it are refused, datagrams to
// or from it are dropped), extra link delay.
// Not implemented yet (listed by unsupported(), announced in the trace as a note):
// link loss, refusing connections to one port, reset after N bytes, DNS SERVFAIL and
// timeouts, TLS failures, "reply CODE at STAGE for the first N attempts".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace smtplab::sim {

// A host is unreachable during [from_ms, until_ms): connection attempts to it are
// refused (the caller sees CloseReason::Refused) and datagrams to or from it are
// dropped. Streams that were already established are not touched (a crash that resets
// them is not modelled). Implemented.
struct HostDown {
  std::string host;     // host name
  TimeMs from_ms = 0;   // offset from the start of the run
  TimeMs until_ms = 0;  // exclusive
};

// Extra one-way delay on every link that touches `host` (or every link when `host` is
// empty), on top of SimOptions::latency_ms. Implemented for extra_delay_ms; loss is a
// documented field that is not implemented yet.
struct LinkFault {
  std::string host;                     // empty: every link
  TimeMs extra_delay_ms = 0;            // implemented
  std::uint32_t loss_per_million = 0;   // NOT implemented yet: datagram/segment loss
};

// Faults on the connections to one host and port. NOT implemented yet.
struct ConnectionFault {
  std::string host;                 // the listening host
  std::uint16_t port = 0;           // 0: every port
  bool refuse = false;              // refuse connections although a listener exists
  std::size_t reset_after_bytes = 0;  // 0: never; else reset once this many bytes flowed
};

enum class DnsFaultKind {
  ServFail,  // answer RCODE 2 (RFC 1035 §4.1.1: "Server failure")
  Timeout,   // never answer, so the stub resolver times out
};
std::string_view to_string(DnsFaultKind kind);

// A DNS server fault for queries about `name` (empty: every name). NOT implemented yet.
struct DnsFault {
  std::string server;               // the DNS host name
  std::string name;                 // the queried name, empty for all
  DnsFaultKind kind = DnsFaultKind::ServFail;
  std::uint32_t first_attempts = 0;  // 0: always; else only the first N queries
};

enum class TlsFaultKind {
  HandshakeFailure,  // the server aborts the handshake (RFC 5246 §7.2.2 handshake_failure)
  BadCertificate,    // the server presents a certificate the client rejects
};
std::string_view to_string(TlsFaultKind kind);

// A TLS fault at `host`. NOT implemented yet.
struct TlsFault {
  std::string host;
  TlsFaultKind kind = TlsFaultKind::HandshakeFailure;
};

// "Reply CODE at STAGE for the first N attempts" (greylisting, a full mailbox, ...).
// The SMTP server policy applies it; the simulator only carries it. NOT implemented yet.
struct ReplyFault {
  std::string host;                  // the SMTP server host
  std::string stage;                 // "connect", "ehlo", "mail", "rcpt", "data", "dot"
  std::string reply;                 // "450 4.7.1 Greylisted"
  std::uint32_t first_attempts = 0;  // 0: always
};

struct FaultOptions {
  std::vector<HostDown> host_down;            // implemented
  std::vector<LinkFault> links;               // extra_delay_ms implemented, loss not
  std::vector<ConnectionFault> connections;   // not implemented yet
  std::vector<DnsFault> dns;                  // not implemented yet
  std::vector<TlsFault> tls;                  // not implemented yet
  std::vector<ReplyFault> replies;            // not implemented yet

  // One line per set field that the simulator does not implement yet, naming the
  // field ("links[0].loss_per_million"), so that a scenario asking for it can fail
  // loudly. Empty when every requested fault is implemented.
  std::vector<std::string> unsupported() const;
};

}  // namespace smtplab::sim
