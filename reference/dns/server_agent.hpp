// dns/server_agent.hpp — an authoritative DNS server on a Host: it binds UDP port 53,
// answers each query datagram with AuthoritativeServer, and records a dns_answer event.
//
// Standards: RFC 1035 §4.2.1 ("Messages sent using UDP user server port 53"), and
//            through AuthoritativeServer RFC 1035 §4.1.1, RFC 1034 §4.3.2, RFC 2308.
//
// API:
//   auto zones = std::make_shared<Zones>(); ... ;
//   DnsServerAgent ns(host, zones);                      // binds port 53 at once
//   ns.set_fault_hook([](const Question& q) { return DnsServerAgent::FaultAction::ServFail; });
//
// Trace: one dns_answer event per response, from this host to the asker's address
// (summary "MX b.example: 10 mx.b.example" or "NXDOMAIN c.example", the datagram,
// fields id/qname/qtype/rcode/aa/tc/answers/reason); a note when a datagram is dropped;
// a fault event when the fault hook changes the answer.
//
// Not implemented: TCP on port 53 (RFC 7766), rate limiting.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "core/host.hpp"
#include "dns/authoritative_server.hpp"
#include "dns/zone.hpp"

namespace smtplab::dns {

class DnsServerAgent {
 public:
  // What an injected fault (sim/faults.hpp DnsFault) does to one query.
  enum class FaultAction {
    None,      // answer normally
    ServFail,  // answer RCODE 2 (RFC 1035 §4.1.1 "Server failure")
    Drop,      // do not answer: the asker times out
  };
  using FaultHook = std::function<FaultAction(const Question& question)>;

  DnsServerAgent(Host& host, std::shared_ptr<const Zones> zones, std::uint16_t port = dns_port);
  DnsServerAgent(const DnsServerAgent&) = delete;
  DnsServerAgent& operator=(const DnsServerAgent&) = delete;

  void set_fault_hook(FaultHook hook);
  std::uint64_t queries_received() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace smtplab::dns
