// dns/zone.hpp — the data an authoritative server serves: zones of records, looked up
// the way RFC 1034 §4.3.2 describes, plus a one-line record syntax for scenarios.
//
// Standards: RFC 1034 §3.6.2 (CNAME: "no other data should be present"; chains are
//            followed, loops are errors), §4.3.2 (the lookup algorithm, without
//            delegation), RFC 2308 §1-§3 and §5 (NXDOMAIN vs NODATA, SOA in negative
//            answers), RFC 8020 §2 (a name with descendants exists: NODATA, not
//            NXDOMAIN), RFC 4343 §3 (case-insensitive names), RFC 2181 §5 (an RRset has
//            no duplicate records), RFC 1035 §5.1 (quoted character-strings), RFC 7505
//            (null MX "0 .").
//
// API:
//   Zones zones;
//   zones.add_zone("b.example");                       declares authority (SOA synthesized)
//   zones.add_line("b.example MX 10 mx.b.example");    -> nullopt, or why it was refused
//   zones.add_line("b.example v=spf1 -all");           short form: TXT
//   zones.add(record)                                  the same with a ResourceRecord
//   zones.lookup("B.example", RecordType::Mx)          -> ZoneAnswer {status, answers, soa}
//   parse_record_line(line)                            -> RecordParse {record | why}
//
// Not implemented: delegation (NS below an apex is stored but not followed), wildcards
// (RFC 4592), DNSSEC, master-file directives ($ORIGIN, $TTL), comments and per-record
// TTLs in the one-line syntax.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dns/wire.hpp"

namespace smtplab::dns {

// Our choice: the TTL of records given without one. Nothing caches in the lab, so its
// only role is to be shown; 300 s is a common operational value.
inline constexpr std::uint32_t record_ttl_default_s = 300;

// RFC 2308 §5: "Values of one to three hours have been found to work well" for the
// negative-caching TTL (the SOA MINIMUM field). We use one hour for synthesized SOAs.
inline constexpr std::uint32_t negative_ttl_default_s = 3600;

// RFC 1034 §3.6.2: "CNAME chains should be followed and CNAME loops signalled as an
// error." The RFC sets no length; 8 is our choice (BIND and Unbound stop at 8-16),
// and also what turns a loop into an error.
inline constexpr std::size_t cname_chain_max = 8;

enum class LookupStatus {
  Answer,            // records of the type were found (after any CNAMEs)
  NoData,            // RFC 2308 §1: the name exists, but has no record of this type
  NxDomain,          // RFC 2308 §1: the name does not exist
  NotAuthoritative,  // the name is in none of our zones (the server answers REFUSED)
  CnameLoop,         // the CNAME chain loops or is too long (the server answers SERVFAIL)
};
std::string_view to_string(LookupStatus status);

struct ZoneAnswer {
  LookupStatus status = LookupStatus::NotAuthoritative;
  // The CNAMEs followed, in order, then the records asked for (RFC 1034 §4.3.2 step
  // 3.a: "copy the CNAME RR into the answer section ... and go back to step 1").
  std::vector<ResourceRecord> answers;
  // For NoData and NxDomain: the SOA of the zone that holds the last name, for the
  // authority section (RFC 2308 §3: "Name servers authoritative for a zone MUST include
  // the SOA record of the zone in the authority section of the response when reporting
  // an NXDOMAIN or indicating that no data of the requested type exists").
  std::optional<ResourceRecord> soa;
  std::string zone;            // apex of the zone holding the queried name
  std::string canonical_name;  // where the CNAME chain ended (the queried name if none)
};

class Zones {
 public:
  // Declares that we are authoritative for `apex` and everything below it. An SOA is
  // synthesized for it (RFC 2308 §3 needs one) unless an SOA record is added.
  void add_zone(std::string apex);

  // Adds one record. A record outside every declared zone first declares a zone at its
  // own name, so a scenario may simply list records. Refused, with a reason: a CNAME
  // beside other data or a second CNAME (RFC 1034 §3.6.2), a class other than IN, data
  // that cannot be put on the wire. A duplicate of a record already present is
  // accepted and ignored (RFC 2181 §5: an RRset holds no duplicates).
  [[nodiscard]] std::optional<std::string> add(ResourceRecord record);

  // parse_record_line() then add().
  [[nodiscard]] std::optional<std::string> add_line(std::string_view line);

  // The apex of the closest zone that holds `name`, as declared.
  std::optional<std::string> zone_of(std::string_view name) const;

  ZoneAnswer lookup(std::string_view name, RecordType type) const;

  // Every record, ordered by canonical owner name then insertion (stable, for views).
  std::vector<ResourceRecord> records() const;
  std::vector<std::string> zone_apexes() const;

 private:
  ResourceRecord soa_of(const std::string& zone_key) const;

  std::map<std::string, std::string> zones_;                  // canonical apex -> apex as written
  std::map<std::string, std::vector<ResourceRecord>> nodes_;  // canonical owner -> its records
  std::set<std::string> existing_;  // owners and their ancestors up to their apex (RFC 8020)
};

struct RecordParse {
  std::optional<ResourceRecord> record;
  std::string why;  // empty on success
};

// One record in presentation form, as scenarios and the CLI write it:
//   "name TYPE value"  with TYPE one of A AAAA MX TXT PTR CNAME (any case):
//        "mx.b.example A 198.51.100.25", "b.example MX 10 mx.b.example",
//        "b.example MX 0 ." (RFC 7505 null MX), "b.example TXT \"v=spf1\" \" -all\""
//   "name value"       short form meaning TXT: "_dmarc.b.example v=DMARC1; p=reject"
// A TXT value is either quoted character-strings (RFC 1035 §5.1 escapes \" \\ \DDD) or
// the unquoted rest of the line as one string. A string longer than 255 octets is
// split into 255-octet character-strings, which readers join again (RFC 7208 §3.3,
// RFC 6376 §3.6.2.2) — so a DKIM key can be pasted as one string.
RecordParse parse_record_line(std::string_view line, std::uint32_t ttl_s = record_ttl_default_s);

}  // namespace smtplab::dns
