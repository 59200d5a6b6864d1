// dns/stub_resolver.hpp — one DNS lookup as a sans-I/O engine: it makes the query
// bytes, accepts only the response that matches them, and tells its owner when to
// retransmit and when to give up. The owner sends the bytes and owns the timer.
//
// Standards: RFC 1035 §4.1.1 (ID, RCODE), §4.2.1 (UDP retransmission: "the minimum
//            retransmission interval should be 2-5 seconds"), §7.3 (processing
//            responses); RFC 1034 §5.3.1 (stub resolvers), §3.6.2 (following CNAME
//            chains in an answer); RFC 1536 §1 (back off when retransmitting); RFC 5452
//            §9.1 (match the response's ID and question before believing it); RFC 2308
//            §2 (NXDOMAIN vs NODATA); RFC 2181 §9 (TC: the answer is incomplete).
//
// API:
//   StubResolver lookup("b.example", RecordType::Mx, random);   // draws the ID
//   send(lookup.start());  arm a timer of lookup.next_timeout_ms()
//   on a datagram:  if (lookup.on_response(bytes) == ResponseCheck::Accepted) use lookup.result()
//   on the timer:   if (auto again = lookup.on_timeout()) { send(*again); arm the timer again }
//                   else use lookup.result() (Timeout, or Malformed if only garbage came)
//
// Not implemented: several servers (RFC 1035 §4.2.1 would try others first), retrying
// over TCP after TC (RFC 7766), EDNS(0), DNSSEC validation, caching.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "dns/wire.hpp"

namespace smtplab::dns {

// RFC 1035 §4.2.1: "Depending on how well connected the client is to its expected
// servers, the minimum retransmission interval should be 2-5 seconds." We take the
// low end, 2 s, for the first wait.
inline constexpr TimeMs query_timeout_initial_ms = 2000;
// RFC 1536 §1 (fast retransmissions) asks resolvers to back off exponentially rather
// than retransmit at a fixed rate; each wait doubles: 2 s, 4 s, 8 s.
inline constexpr unsigned query_timeout_backoff_factor = 2;
// Our choice (RFC 1035 leaves the number open): three transmissions, 14 s in all,
// before the lookup times out. glibc's default is two tries per server of 5 s each.
inline constexpr unsigned query_tries_max = 3;
// Our choice: the most responses we examine for one lookup before we stop listening
// (mismatched ones are ignored, RFC 5452 §9.1, but a flood must not keep us busy).
inline constexpr unsigned responses_examined_max = 64;

enum class ResolveStatus {
  Answer,     // records of the type (after any CNAMEs in the answer)
  NoData,     // NOERROR with no record of the type (RFC 2308 §2.2)
  NxDomain,   // RCODE 3: the name does not exist (RFC 2308 §2.1)
  ServFail,   // RCODE 2, or another error RCODE (FORMERR, NOTIMP): try again later
  Refused,    // RCODE 5: the server does not serve this name to us
  Truncated,  // TC=1: the answer did not fit in 512 octets and we have no TCP
  Malformed,  // only undecodable responses with our ID arrived
  Timeout,    // no matching response after query_tries_max transmissions
};
std::string_view to_string(ResolveStatus status);

struct LookupResult {
  ResolveStatus status = ResolveStatus::Timeout;
  std::string name;  // the name asked about
  RecordType type = RecordType::A;
  std::vector<ResourceRecord> records;  // of `type`, owned by canonical_name
  std::vector<ResourceRecord> cnames;   // the aliases followed, in order
  std::string canonical_name;           // where the CNAMEs lead (= name if none)
  std::optional<Rcode> rcode;           // as received; none for Timeout
  unsigned attempts = 0;                // transmissions made
  std::string explanation;              // a sentence for the student, citing the RFC

  // The records' data as text: "192.0.2.1", "10 mx.b.example.", ...
  std::vector<std::string> data_texts() const;
};

enum class ResponseCheck {
  Accepted,  // it matched: result() is set
  Ignored,   // not ours (ID, question, not a response) or undecodable: keep waiting
  Finished,  // the lookup was already over; nothing changes
};
std::string_view to_string(ResponseCheck check);

class StubResolver {
 public:
  // Draws a random ID (RFC 5452 §9.2: IDs must be unpredictable) from `random`.
  // Throws std::invalid_argument when `name` cannot be encoded (check it first with
  // name_labels(); ResolverAgent does).
  StubResolver(std::string name, RecordType type, Random& random);
  // With a given ID, for tests and for owners that must avoid an ID in use.
  StubResolver(std::string name, RecordType type, std::uint16_t id);

  std::uint16_t id() const { return id_; }
  const Question& question() const { return question_; }
  // The query datagram: the same bytes for every transmission, so that a late answer
  // to an earlier one is still accepted.
  const std::string& query() const { return query_; }
  // The first transmission: counts it and returns query().
  const std::string& start();

  // How long to wait for an answer to the transmission just made.
  TimeMs next_timeout_ms() const;
  unsigned attempts() const { return attempts_; }

  ResponseCheck on_response(std::string_view bytes);
  // Why the last response was ignored (for a trace note); empty if none was.
  const std::string& last_ignored_reason() const { return last_ignored_reason_; }

  // The timer fired: the bytes to send again, or nullopt when the lookup is over (then
  // result() is set).
  std::optional<std::string> on_timeout();

  bool done() const { return result_.has_value(); }
  const std::optional<LookupResult>& result() const { return result_; }

 private:
  void finish(LookupResult result);
  LookupResult base_result() const;

  Question question_;
  std::uint16_t id_;
  std::string query_;
  unsigned attempts_ = 0;
  unsigned responses_examined_ = 0;
  std::string last_ignored_reason_;
  std::optional<std::string> malformed_reason_;
  std::optional<LookupResult> result_;
};

}  // namespace smtplab::dns
