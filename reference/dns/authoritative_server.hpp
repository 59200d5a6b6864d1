// dns/authoritative_server.hpp — a sans-I/O authoritative name server: query bytes in,
// response bytes out.
//
// Standards: RFC 1035 §4.1.1 (RCODEs: FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED;
//            the AA and TC bits), §4.2.1 (512-octet UDP limit, truncation), §3.3.9
//            (MX additional-section processing); RFC 3596 §3 (AAAA in it too); RFC 1034
//            §4.3.2 (the algorithm, via Zones); RFC 2308 §3 (SOA in negative answers);
//            RFC 2181 §9 (TC only when required data is missing); RFC 9619 §2 (one
//            question per query).
//
// API:
//   AuthoritativeServer server(zones);
//   std::string response = server.handle(query_bytes);   // "" means: send nothing
//   ServerReply reply = server.answer(query_bytes);      // the same, with what happened
//   std::string r = AuthoritativeServer::error_response(query_bytes, Rcode::ServFail);
//   response_summary(message)   "MX b.example: 10 mx.b.example", "NXDOMAIN c.example"
//
// Not implemented: TCP (RFC 7766; a truncated answer is final here), EDNS(0) (RFC
// 6891), recursion (RA is always 0), zone transfer, NOTIFY, UPDATE.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dns/wire.hpp"
#include "dns/zone.hpp"

namespace smtplab::dns {

// RFC 1035 §4.2.1: "Messages sent using UDP user server port 53 (decimal)."
inline constexpr std::uint16_t dns_port = 53;

struct ServerReply {
  std::string bytes;                // the response; empty when nothing is sent
  std::optional<Message> query;     // the query, when it decoded
  std::optional<Message> response;  // the response, when one is sent
  std::string summary;              // one line for the trace: "MX b.example: 10 mx.b.example"
  std::string reason;               // why this answer, a sentence citing the RFC
  std::string rfc;                  // the governing section: "RFC 2308 §2.1"
};

class AuthoritativeServer {
 public:
  explicit AuthoritativeServer(std::shared_ptr<const Zones> zones);

  std::string handle(std::string_view query_bytes) { return answer(query_bytes).bytes; }
  ServerReply answer(std::string_view query_bytes) const;

  // A response carrying only `rcode` for whatever of the query is readable (its id,
  // opcode, RD bit and question): what FORMERR needs, and what a fault that forces
  // SERVFAIL sends. Empty when not even the id is readable.
  static std::string error_response(std::string_view query_bytes, Rcode rcode);

 private:
  std::shared_ptr<const Zones> zones_;
};

// One line describing a response, for trace summaries: the answers of the question's
// type ("MX b.example: 10 mx.b.example, 20 backup.b.example"), or the RCODE
// ("NXDOMAIN c.example"), or "NODATA AAAA b.example"; "(truncated)" when TC is set.
std::string response_summary(const Message& response);

// "MX? b.example" — the summary of a query.
std::string query_summary(const Question& question);

}  // namespace smtplab::dns
