// dns/wire.hpp — the DNS message format: bytes <-> Message, with every byte explained.
//
// Standards: RFC 1035 §4.1 (message format: §4.1.1 header, §4.1.2 question, §4.1.3
//            resource record, §4.1.4 name compression), §3.1 and §2.3.4 (names and
//            their size limits), §3.3 and §3.4 (RDATA of CNAME, MX, NS, PTR, SOA, TXT,
//            A), §5.1 (presentation escapes); RFC 3596 §2 (AAAA); RFC 3597 §4-5
//            (unknown types kept as opaque RDATA, compression only for RFC 1035 types);
//            RFC 4343 (names compare case-insensitively); RFC 5952 §4 (IPv6 text).
//
// API:
//   Message m; ... encode(m)                  -> wire bytes (throws std::invalid_argument
//                                                for our own misuse: a label > 63 octets...)
//   encode(m, &annotations)                   also records what every byte means
//   decode(bytes)                             -> DecodeResult: message, or error + reason
//   decode(bytes, &annotations)               also records what every byte means
//   annotate(bytes)                           the annotations alone (for the visualizer)
//   decode_name(bytes, offset)                one possibly compressed name
//   make_query(id, name, type)                a standard query with RD set
//   ResourceRecord::to_string()               "example.com. 300 IN A 192.0.2.1"
//
// Names are held as presentation text without the final dot ("mx.b.example"; the
// root is ""), with RFC 1035 §5.1 escapes ("\." and "\DDD") for octets that are not
// printable or that would be ambiguous, so any name on the wire survives the trip.
//
// Not implemented: EDNS(0) OPT records (RFC 6891; decoded as opaque RDATA), DNSSEC
// types, classes other than IN in presentation (decoded, shown as CLASSn), the
// deprecated label types 01/10 (rejected, RFC 6891 §5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace smtplab::dns {

// RFC 1035 §3.2.2 (TYPE values), RFC 3596 §2.1 (AAAA = 28), §3.2.3 (QTYPE ANY = 255).
// Other values are legal on the wire: they decode as opaque RDATA (RFC 3597).
enum class RecordType : std::uint16_t {
  A = 1,
  Ns = 2,
  Cname = 5,
  Soa = 6,
  Ptr = 12,
  Mx = 15,
  Txt = 16,
  Aaaa = 28,
  Any = 255,
};
// "A", "MX", ...; an unknown type is "TYPE99" (RFC 3597 §5).
std::string to_string(RecordType type);
// Accepts the mnemonics case-insensitively and "TYPEnn".
std::optional<RecordType> record_type_from_string(std::string_view text);

// RFC 1035 §3.2.4: class IN, the Internet. The only class a zone here holds.
inline constexpr std::uint16_t class_in = 1;

// RFC 1035 §4.1.1: OPCODE. 0 is the only one this project sends or serves.
enum class Opcode : std::uint8_t { Query = 0, IQuery = 1, Status = 2 };
std::string to_string(Opcode opcode);  // "QUERY", "IQUERY", "STATUS", "OPCODE5"

// RFC 1035 §4.1.1: RCODE; RFC 2308 §1 calls 3 "NXDOMAIN".
enum class Rcode : std::uint8_t {
  NoError = 0,
  FormErr = 1,
  ServFail = 2,
  NxDomain = 3,
  NotImp = 4,
  Refused = 5,
};
std::string to_string(Rcode rcode);  // "NOERROR", "NXDOMAIN", ...; others "RCODE9"

// RFC 1035 §4.1.1: the 12-octet header, without the four counts (the encoder derives
// them from the sections; the decoder checks them against what follows).
struct Header {
  std::uint16_t id = 0;
  bool qr = false;  // false: query, true: response
  Opcode opcode = Opcode::Query;
  bool aa = false;  // authoritative answer
  bool tc = false;  // truncated
  bool rd = false;  // recursion desired
  bool ra = false;  // recursion available
  std::uint8_t z = 0;  // three reserved bits: "Must be zero in all queries and responses"
  Rcode rcode = Rcode::NoError;

  // "QR AA RD" — the set flags in the order the header holds them.
  std::string flags_text() const;
  friend bool operator==(const Header&, const Header&) = default;
};

struct Question {
  std::string name;  // "b.example"
  RecordType type = RecordType::A;
  std::uint16_t klass = class_in;
  friend bool operator==(const Question&, const Question&) = default;
};

// Structured RDATA, one alternative per shape (the record's type says which name a
// NameData is: the target of CNAME, PTR or NS).
struct AddressV4 {  // A, RFC 1035 §3.4.1
  std::string address;  // "192.0.2.1"
  friend bool operator==(const AddressV4&, const AddressV4&) = default;
};
struct AddressV6 {  // AAAA, RFC 3596 §2.2
  std::string address;  // "2001:db8::1" (RFC 5952 canonical text)
  friend bool operator==(const AddressV6&, const AddressV6&) = default;
};
struct NameData {  // CNAME §3.3.1, NS §3.3.11, PTR §3.3.12
  std::string name;
  friend bool operator==(const NameData&, const NameData&) = default;
};
struct MxData {  // RFC 1035 §3.3.9
  std::uint16_t preference = 0;
  std::string exchange;  // "" is the root: RFC 7505's null MX "0 ."
  friend bool operator==(const MxData&, const MxData&) = default;
};
struct TxtData {  // RFC 1035 §3.3.14: "One or more <character-string>s"
  std::vector<std::string> strings;
  // RFC 7208 §3.3 and RFC 6376 §3.6.2.2: readers join the strings with no separator.
  std::string joined() const;
  friend bool operator==(const TxtData&, const TxtData&) = default;
};
struct SoaData {  // RFC 1035 §3.3.13
  std::string mname;
  std::string rname;
  std::uint32_t serial = 0;
  std::uint32_t refresh_s = 0;
  std::uint32_t retry_s = 0;
  std::uint32_t expire_s = 0;
  std::uint32_t minimum_s = 0;  // RFC 2308 §4: the negative-caching TTL
  friend bool operator==(const SoaData&, const SoaData&) = default;
};
struct OpaqueData {  // any other type, RFC 3597 §5: shown as "\# len hex"
  std::string bytes;
  friend bool operator==(const OpaqueData&, const OpaqueData&) = default;
};
using Rdata = std::variant<AddressV4, AddressV6, NameData, MxData, TxtData, SoaData, OpaqueData>;

struct ResourceRecord {
  std::string name;
  RecordType type = RecordType::A;
  std::uint16_t klass = class_in;
  std::uint32_t ttl_s = 0;
  Rdata data;

  // RFC 1035 §5.1 presentation: "example.com. 300 IN MX 10 mail.example.com."
  std::string to_string() const;
  // Only the RDATA part: "10 mail.example.com.", "\"v=spf1\" \" -all\"".
  std::string data_text() const;
  friend bool operator==(const ResourceRecord&, const ResourceRecord&) = default;
};

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<ResourceRecord> answers;
  std::vector<ResourceRecord> authorities;
  std::vector<ResourceRecord> additionals;
  friend bool operator==(const Message&, const Message&) = default;
};

// RFC 1035 §4.1.1: a standard query (OPCODE 0) for one question, RD set as a stub
// resolver sends it (§7.1 / RFC 1034 §5.3.1: stubs rely on a recursive server).
Message make_query(std::uint16_t id, std::string name, RecordType type);

// One range of bytes and what it means, for the byte inspector (STYLE §26). Ranges
// are recorded by the code that reads or writes the bytes, in offset order, without
// overlap, and together they cover every byte of a well-formed message.
struct ByteNote {
  std::size_t offset = 0;
  std::size_t length = 0;
  std::string meaning;  // "header: ID = 0x1234", "answer 1 name: pointer to offset 12 (example.com)"
  std::string rfc;      // "RFC 1035 §4.1.1"
};
using Annotations = std::vector<ByteNote>;

// Why a message was rejected. Each value is one class of malformation.
enum class WireError {
  Truncated,          // the message ends inside a field
  CountMismatch,      // a header count promises entries that are not there
  TrailingBytes,      // bytes after the last section the counts describe
  PointerLoop,        // a compression pointer that points at itself or back into its own name
  PointerForward,     // a compression pointer to a later offset (not a "prior occurrence")
  PointerOutOfRange,  // a compression pointer beyond the end of the message
  ReservedLabelType,  // label type 01 or 10 (a length octet 64..191)
  NameTooLong,        // more than 255 octets
  BadRdata,           // RDATA inconsistent with its type or RDLENGTH
};
std::string_view to_string(WireError error);

struct DecodeError {
  WireError code = WireError::Truncated;
  std::size_t offset = 0;  // where the problem was found
  std::string reason;      // a sentence for the student, citing the RFC
};

struct DecodeResult {
  std::optional<Message> message;     // set on success
  std::optional<DecodeError> error;   // set on failure
  // Parts that could be read before the error: a server answers FORMERR with the id
  // (RFC 1035 §4.1.1: "Format error - The name server was unable to interpret the
  // query"), so it needs the id even when the rest is garbage.
  std::optional<std::uint16_t> id;
  std::optional<Header> header;
  explicit operator bool() const { return message.has_value(); }
};

// Decodes a whole message. Trailing bytes after the last counted record are an error
// (our choice, like dnspython's TrailingJunk: RFC 1035 is silent, and a message whose
// counts do not describe all of it is the sign of a bug or an attack).
DecodeResult decode(std::string_view bytes, Annotations* annotations = nullptr);

// Annotations of any byte string: what decode() read, then (if it failed) one note
// for the rest saying why it was rejected.
Annotations annotate(std::string_view bytes);

struct NameDecode {
  std::string name;                 // presentation text without the final dot
  std::size_t bytes_consumed = 0;   // octets at `offset` (a pointer ends the name: 2)
  std::optional<DecodeError> error;
};
// RFC 1035 §4.1.4: one name at `offset`, following compression pointers.
NameDecode decode_name(std::string_view message, std::size_t offset);

// Encodes with RFC 1035 §4.1.4 compression. Throws std::invalid_argument when the
// message cannot be represented (a label over 63 octets, a bad address literal, a TXT
// string over 255 octets): that is a bug in the caller, never a peer's fault.
std::string encode(const Message& message, Annotations* annotations = nullptr);

// --- names -----------------------------------------------------------------------

// The presentation form with the final dot: "b.example." ("." for the root).
std::string absolute_name(std::string_view name);
// Case-folded (RFC 4343 §3: ASCII only), without a final dot: the form used as a key.
std::string canonical_name(std::string_view name);
bool names_equal(std::string_view a, std::string_view b);
// True when `name` is `zone` or below it ("mx.b.example" is in "b.example").
bool name_in_zone(std::string_view name, std::string_view zone);
// Splits presentation text into raw labels, undoing §5.1 escapes; nullopt with a
// reason in *why when a label is empty or over 63 octets, or the name over 255.
std::optional<std::vector<std::string>> name_labels(std::string_view name, std::string* why = nullptr);

// --- addresses (A and AAAA RDATA as text) ----------------------------------------

std::optional<std::string> ipv4_to_bytes(std::string_view text);  // "192.0.2.1" -> 4 octets
std::optional<std::string> ipv6_to_bytes(std::string_view text);  // "2001:db8::1" -> 16 octets
std::string ipv4_to_text(std::string_view bytes4);
std::string ipv6_to_text(std::string_view bytes16);  // RFC 5952 §4 canonical form

}  // namespace smtplab::dns
