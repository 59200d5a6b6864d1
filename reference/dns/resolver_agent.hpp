// dns/resolver_agent.hpp — the stub resolver put to work on a Host: it sends queries
// as datagrams, keeps the retransmission timers, and answers "where does mail for
// this domain go?" for the MTA.
//
// Standards: RFC 5321 §5.1 (MX, then A/AAAA for each exchange; implicit MX; "none of
//            them usable" is an error), RFC 7505 (null MX), RFC 1035 §4.2.1 (UDP,
//            port 53, retransmission), RFC 5452 §9.1 (accept only responses from the
//            server we asked), RFC 6056 §2.1 and RFC 6335 §6 (ephemeral ports),
//            RFC 1035 §7.4 and RFC 2181 §5.2/§8 (an answer cache, by TTL, when enabled),
//            RFC 2308 §5 (negative answers cached for the SOA's minimum).
//
// API:
//   ResolverAgent resolver(host, Endpoint{"203.0.113.53", 53});
//   resolver.lookup("b.example", RecordType::Txt, [](const LookupResult& r) { ... });
//   resolver.resolve_mx("b.example", [](const MxResolution& m) { ... });
//   resolver.enable_cache();   // off by default: lessons show every query on the wire
// Callbacks run later, from the host's datagram or timer callbacks, never from inside
// lookup()/resolve_mx(). Destroying the agent cancels its timers and drops pending
// callbacks without calling them.
//
// Trace: a dns_query event per transmission (summary "MX? b.example", the datagram,
// fields id/qname/qtype/attempt) towards the server's address; notes for responses
// ignored (RFC 5452 §9.1), timeouts and the MX selection made. With the cache on, a
// lookup answered from it sends nothing and leaves a dns_cache_hit note instead
// ("answered from cache: MX? b.example, TTL left 217 s"), as a real resolver would.
//
// Not implemented: several servers or server failover, per-query source ports (the
// Host interface cannot unbind a port, so one random port is bound per agent),
// caching of server failures (RFC 2308 §7.1 allows up to 5 minutes; we ask again),
// TCP fallback after TC.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/host.hpp"
#include "dns/mx.hpp"
#include "dns/stub_resolver.hpp"

namespace smtplab::dns {

// RFC 6335 §6: "the Dynamic Ports, also known as the Private or Ephemeral Ports, from
// 49152-65535". RFC 6056 §3.2 would allow 1024-65535; we stay in the IANA range so a
// trace never shows a query from a well-known or registered port.
inline constexpr std::uint16_t ephemeral_port_min = 49152;
inline constexpr std::uint16_t ephemeral_port_max = 65535;

// Our choice (STYLE §18): lookups one agent keeps in flight; past it a lookup fails at
// once as a temporary failure rather than growing without bound.
inline constexpr std::size_t lookups_pending_max = 256;

// Our choice (STYLE §18): answers one agent's cache holds. When it is full, expired
// entries go first, then the one closest to expiry.
inline constexpr std::size_t cache_entries_max = 1024;
// The longest a positive answer stays cached, whatever its TTL says: one week, BIND's
// max-cache-ttl default (RFC 2181 §8 lets a TTL run to 68 years; RFC 8767 §4 suggests
// capping at 7 days).
inline constexpr std::uint32_t cache_ttl_max_s = 604'800;
// RFC 2308 §5: "Values of one to three hours have been found to work well and would
// make sensible a default." We cap negative answers at three hours.
inline constexpr std::uint32_t cache_negative_ttl_max_s = 10'800;

struct MxResolution {
  enum class Status {
    Ok,        // targets holds hosts with addresses, in the order to try them
    NoDomain,  // NXDOMAIN, or no usable host: a permanent failure (RFC 5321 §5.1)
    NoMail,    // null MX (RFC 7505): the domain accepts no mail
    TempFail,  // SERVFAIL, timeout, malformed or truncated answers: try again later
  };
  Status status = Status::TempFail;
  std::string domain;
  MxPlanKind kind = MxPlanKind::Listed;  // how the targets were chosen
  std::vector<MxTarget> targets;         // only targets with at least one address
  std::string explanation;               // sentences citing the RFCs
};
std::string_view to_string(MxResolution::Status status);

class ResolverAgent {
 public:
  using LookupCallback = std::function<void(const LookupResult&)>;
  using MxCallback = std::function<void(const MxResolution&)>;

  ResolverAgent(Host& host, Endpoint server);
  ~ResolverAgent();
  ResolverAgent(const ResolverAgent&) = delete;
  ResolverAgent& operator=(const ResolverAgent&) = delete;

  void lookup(std::string name, RecordType type, LookupCallback done);
  void resolve_mx(std::string domain, MxCallback done);
  // The seam of exercise 4 (dns/mx.hpp): how resolve_mx orders the MX records.
  void set_order_mx(OrderMxFn order);
  // Keeps answers for their TTL in the host's (virtual) time: positive answers for the
  // smallest TTL of their records, NXDOMAIN/NODATA for the SOA's negative TTL.
  void enable_cache();
  std::size_t cache_size() const;      // entries held, expired ones included

  const Endpoint& server() const;
  std::uint16_t local_port() const;    // the source port of our queries
  std::size_t pending() const;         // lookups in flight

  struct State;  // the part that callbacks reach, through a weak pointer

 private:
  std::shared_ptr<State> state_;
};

}  // namespace smtplab::dns
