// dns/wire.cpp — RFC 1035 §4 message codec. Everything that reads or writes message
// bytes lives in this file, and every byte it reads or writes is annotated here, by
// the same line of code, so the byte inspector cannot drift from the codec (STYLE §26).
//
// Standards: RFC 1035 §2.3.4, §3.1, §3.3, §3.4.1, §4.1.1-§4.1.4, §5.1; RFC 3596 §2;
//            RFC 3597 §4-§5; RFC 4343 §2-§3; RFC 5952 §4.
//
// Rules of this file:
//   - decoding never reads a byte without first checking it is there, and never
//     follows a compression pointer that does not point strictly backwards, so any
//     input terminates in time proportional to its length;
//   - decoding never allocates in proportion to a header count, only to bytes that
//     are actually present, so a lying count cannot make us allocate memory;
//   - encoding throws std::invalid_argument for values we were given that cannot be
//     represented (our caller's bug), and never produces a malformed message.
#include "dns/wire.hpp"

#include <array>
#include <charconv>
#include <map>
#include <stdexcept>

#include "core/limits.hpp"

namespace smtplab::dns {

namespace {

// RFC 1035 §4.1.1: the header is six 16-bit fields, 12 octets.
constexpr std::size_t header_size = 12;
// RFC 1035 §4.1.2: after QNAME come QTYPE and QCLASS, 2 octets each.
constexpr std::size_t question_fixed_size = 4;
// RFC 1035 §4.1.3: after NAME come TYPE, CLASS (2 each), TTL (4) and RDLENGTH (2).
constexpr std::size_t record_fixed_size = 10;
// RFC 1035 §4.1.4: "The first two bits are ones. This allows a pointer to be
// distinguished from a label, since the label must begin with two zero bits because
// labels are restricted to 63 octets or less." The other 14 bits are the offset, so a
// pointer can only reach the first 16383 octets of a message.
constexpr std::uint8_t pointer_tag = 0xC0;
constexpr std::size_t pointer_offset_max = 0x3FFF;
// RFC 1035 §3.3: "<character-string> is a single length octet followed by that number
// of characters", so at most 255 characters.
constexpr std::size_t character_string_length_max = 255;
// RFC 1035 §3.3.13: SOA ends with five 32-bit fields.
constexpr std::size_t soa_fixed_size = 20;

constexpr std::string_view rfc_header = "RFC 1035 §4.1.1";
constexpr std::string_view rfc_question = "RFC 1035 §4.1.2";
constexpr std::string_view rfc_record = "RFC 1035 §4.1.3";
constexpr std::string_view rfc_compression = "RFC 1035 §4.1.4";
constexpr std::string_view rfc_names = "RFC 1035 §3.1";

std::string hex16(std::uint16_t value) {
  constexpr char digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) out += digits[(value >> shift) & 0xF];
  return out;
}

char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// RFC 1035 §5.1 / RFC 4343 §2.1: a label octet that is not a printable ASCII letter,
// digit or punctuation is written "\DDD"; a dot inside a label is "\." so it is not
// taken for a separator, and the backslash itself is "\\".
void append_escaped_label(std::string& out, std::string_view label) {
  for (const char ch : label) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '.' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c > 0x20 && c < 0x7F) {
      out += ch;
    } else {
      out += '\\';
      out += static_cast<char>('0' + c / 100);
      out += static_cast<char>('0' + (c / 10) % 10);
      out += static_cast<char>('0' + c % 10);
    }
  }
}

// Presentation of a <character-string> (RFC 1035 §5.1): always quoted, with '"' and
// '\' escaped and non-printable octets as \DDD.
std::string quote_character_string(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c >= 0x20 && c < 0x7F) {
      out += ch;
    } else {
      out += '\\';
      out += static_cast<char>('0' + c / 100);
      out += static_cast<char>('0' + (c / 10) % 10);
      out += static_cast<char>('0' + c % 10);
    }
  }
  out += '"';
  return out;
}

std::string class_text(std::uint16_t klass) {
  if (klass == class_in) return "IN";
  return "CLASS" + std::to_string(klass);  // RFC 3597 §5
}

std::string flags_meaning(const Header& h) {
  std::string m = "header: flags QR=" + std::to_string(h.qr) + (h.qr ? " (response)" : " (query)");
  m += " OPCODE=" + std::to_string(static_cast<int>(h.opcode)) + " (" + to_string(h.opcode) + ")";
  m += " AA=" + std::to_string(h.aa) + " TC=" + std::to_string(h.tc);
  m += " RD=" + std::to_string(h.rd) + " RA=" + std::to_string(h.ra);
  m += " Z=" + std::to_string(h.z);
  m += " RCODE=" + std::to_string(static_cast<int>(h.rcode)) + " (" + to_string(h.rcode) + ")";
  return m;
}

std::uint16_t pack_flags(const Header& h) {
  // RFC 1035 §4.1.1 layout: QR(1) OPCODE(4) AA(1) TC(1) RD(1) RA(1) Z(3) RCODE(4).
  std::uint16_t f = 0;
  f |= static_cast<std::uint16_t>(h.qr) << 15;
  f |= static_cast<std::uint16_t>((static_cast<unsigned>(h.opcode) & 0xF) << 11);
  f |= static_cast<std::uint16_t>(h.aa) << 10;
  f |= static_cast<std::uint16_t>(h.tc) << 9;
  f |= static_cast<std::uint16_t>(h.rd) << 8;
  f |= static_cast<std::uint16_t>(h.ra) << 7;
  f |= static_cast<std::uint16_t>((h.z & 0x7) << 4);
  f |= static_cast<std::uint16_t>(static_cast<unsigned>(h.rcode) & 0xF);
  return f;
}

Header unpack_flags(std::uint16_t id, std::uint16_t f) {
  Header h;
  h.id = id;
  h.qr = (f >> 15) & 1;
  h.opcode = static_cast<Opcode>((f >> 11) & 0xF);
  h.aa = (f >> 10) & 1;
  h.tc = (f >> 9) & 1;
  h.rd = (f >> 8) & 1;
  h.ra = (f >> 7) & 1;
  h.z = static_cast<std::uint8_t>((f >> 4) & 0x7);
  h.rcode = static_cast<Rcode>(f & 0xF);
  return h;
}

// The compression key of a name suffix: its labels in wire form, case-folded, since
// RFC 4343 §3 makes names that differ only in ASCII case the same name.
std::string suffix_key(const std::vector<std::string>& labels, std::size_t from) {
  std::string key;
  for (std::size_t i = from; i < labels.size(); ++i) {
    key += static_cast<char>(labels[i].size());
    for (const char c : labels[i]) key += lower_ascii(c);
  }
  return key;
}

std::string section_name(int section) {
  switch (section) {
    case 0: return "answer";
    case 1: return "authority";
    default: return "additional";
  }
}

// ---------------------------------------------------------------------------------
// Writer: appends fields and records what each one means.
// ---------------------------------------------------------------------------------
class Writer {
 public:
  explicit Writer(Annotations* notes) : notes_(notes) {}

  std::size_t size() const { return out_.size(); }
  std::string take() { return std::move(out_); }

  void u8(std::uint8_t value, std::string meaning, std::string_view rfc) {
    note(out_.size(), 1, std::move(meaning), rfc);
    out_ += static_cast<char>(value);
  }
  void u16(std::uint16_t value, std::string meaning, std::string_view rfc) {
    note(out_.size(), 2, std::move(meaning), rfc);
    out_ += static_cast<char>(value >> 8);
    out_ += static_cast<char>(value & 0xFF);
  }
  void u32(std::uint32_t value, std::string meaning, std::string_view rfc) {
    note(out_.size(), 4, std::move(meaning), rfc);
    for (int shift = 24; shift >= 0; shift -= 8) out_ += static_cast<char>((value >> shift) & 0xFF);
  }
  void raw(std::string_view bytes, std::string meaning, std::string_view rfc) {
    note(out_.size(), bytes.size(), std::move(meaning), rfc);
    out_ += bytes;
  }
  // Overwrites a 16-bit field written earlier (RDLENGTH is known only after RDATA).
  void patch_u16(std::size_t offset, std::uint16_t value, std::size_t note_index, std::string meaning) {
    out_[offset] = static_cast<char>(value >> 8);
    out_[offset + 1] = static_cast<char>(value & 0xFF);
    if (notes_ != nullptr) (*notes_)[note_index].meaning = std::move(meaning);
  }
  std::size_t note_count() const { return notes_ == nullptr ? 0 : notes_->size(); }

  // RFC 1035 §4.1.4: "a domain name in a message can be represented as either: a
  // sequence of labels ending in a zero octet; a pointer; a sequence of labels ending
  // with a pointer". We write each label until the rest of the name has been written
  // before, then a pointer to it. Every RFC 1035 name field may be compressed (RFC
  // 3597 §4 forbids it only for types defined later, which we do not write).
  void name(std::string_view name, const std::string& what) {
    std::string why;
    const auto labels = name_labels(name, &why);
    if (!labels) throw std::invalid_argument("cannot encode name \"" + std::string(name) + "\": " + why);
    const std::string full = absolute_name(name);
    for (std::size_t i = 0; i < labels->size(); ++i) {
      const std::string key = suffix_key(*labels, i);
      if (const auto it = suffixes_.find(key); it != suffixes_.end()) {
        u16(static_cast<std::uint16_t>((pointer_tag << 8) | it->second),
            what + " " + full + ": compression pointer to offset " + std::to_string(it->second) +
                " (the rest of the name was written there)",
            rfc_compression);
        return;
      }
      // Remember where this suffix starts, if a 14-bit pointer can reach it.
      if (out_.size() <= pointer_offset_max) suffixes_.emplace(key, static_cast<std::uint16_t>(out_.size()));
      const std::string& label = (*labels)[i];
      std::string shown;
      append_escaped_label(shown, label);
      raw(std::string(1, static_cast<char>(label.size())) + label,
          what + " " + full + ": label \"" + shown + "\" (length octet " + std::to_string(label.size()) +
              ", then the label)",
          rfc_names);
    }
    u8(0, what + " " + full + ": root label (length 0) ends the name", rfc_names);
  }

 private:
  void note(std::size_t offset, std::size_t length, std::string meaning, std::string_view rfc) {
    if (notes_ != nullptr) notes_->push_back(ByteNote{offset, length, std::move(meaning), std::string(rfc)});
  }

  std::string out_;
  Annotations* notes_;
  std::map<std::string, std::uint16_t> suffixes_;  // suffix key -> offset of its first label
};

void write_rdata(Writer& w, const ResourceRecord& rr, const std::string& what) {
  const std::string type = to_string(rr.type);
  if (const auto* opaque = std::get_if<OpaqueData>(&rr.data)) {
    w.raw(opaque->bytes, what + " RDATA: " + std::to_string(opaque->bytes.size()) + " octets of " + type + " data",
          "RFC 3597 §5");
    return;
  }
  auto mismatch = [&]() {
    return std::invalid_argument("record " + rr.name + " of type " + type + " has RDATA of another shape");
  };
  switch (rr.type) {
    case RecordType::A: {
      const auto* a = std::get_if<AddressV4>(&rr.data);
      if (a == nullptr) throw mismatch();
      const auto bytes = ipv4_to_bytes(a->address);
      if (!bytes) throw std::invalid_argument("not an IPv4 address: \"" + a->address + "\"");
      w.raw(*bytes, what + " RDATA: IPv4 address " + a->address + " (4 octets)", "RFC 1035 §3.4.1");
      return;
    }
    case RecordType::Aaaa: {
      const auto* a = std::get_if<AddressV6>(&rr.data);
      if (a == nullptr) throw mismatch();
      const auto bytes = ipv6_to_bytes(a->address);
      if (!bytes) throw std::invalid_argument("not an IPv6 address: \"" + a->address + "\"");
      w.raw(*bytes, what + " RDATA: IPv6 address " + ipv6_to_text(*bytes) + " (16 octets)", "RFC 3596 §2.2");
      return;
    }
    case RecordType::Ns:
    case RecordType::Cname:
    case RecordType::Ptr: {
      const auto* n = std::get_if<NameData>(&rr.data);
      if (n == nullptr) throw mismatch();
      w.name(n->name, what + " RDATA " + type + " target");
      return;
    }
    case RecordType::Mx: {
      const auto* mx = std::get_if<MxData>(&rr.data);
      if (mx == nullptr) throw mismatch();
      w.u16(mx->preference, what + " RDATA: MX PREFERENCE = " + std::to_string(mx->preference) + " (lower is tried first)",
            "RFC 1035 §3.3.9");
      w.name(mx->exchange, what + " RDATA MX EXCHANGE");
      return;
    }
    case RecordType::Txt: {
      const auto* txt = std::get_if<TxtData>(&rr.data);
      if (txt == nullptr) throw mismatch();
      // RFC 1035 §3.3.14: "TXT-DATA: One or more <character-string>s."
      if (txt->strings.empty()) throw std::invalid_argument("TXT record " + rr.name + " has no character-string");
      for (std::size_t i = 0; i < txt->strings.size(); ++i) {
        const std::string& s = txt->strings[i];
        if (s.size() > character_string_length_max)
          throw std::invalid_argument("TXT character-string over 255 octets in " + rr.name);
        w.raw(std::string(1, static_cast<char>(s.size())) + s,
              what + " RDATA: TXT character-string " + std::to_string(i + 1) + " (length octet " +
                  std::to_string(s.size()) + ") " + quote_character_string(s),
              "RFC 1035 §3.3.14");
      }
      return;
    }
    case RecordType::Soa: {
      const auto* soa = std::get_if<SoaData>(&rr.data);
      if (soa == nullptr) throw mismatch();
      w.name(soa->mname, what + " RDATA SOA MNAME (primary server)");
      w.name(soa->rname, what + " RDATA SOA RNAME (mailbox of the person responsible)");
      const std::string_view rfc = "RFC 1035 §3.3.13";
      w.u32(soa->serial, what + " RDATA: SOA SERIAL = " + std::to_string(soa->serial), rfc);
      w.u32(soa->refresh_s, what + " RDATA: SOA REFRESH = " + std::to_string(soa->refresh_s) + " s", rfc);
      w.u32(soa->retry_s, what + " RDATA: SOA RETRY = " + std::to_string(soa->retry_s) + " s", rfc);
      w.u32(soa->expire_s, what + " RDATA: SOA EXPIRE = " + std::to_string(soa->expire_s) + " s", rfc);
      w.u32(soa->minimum_s,
            what + " RDATA: SOA MINIMUM = " + std::to_string(soa->minimum_s) + " s (negative-caching TTL, RFC 2308 §4)",
            rfc);
      return;
    }
    case RecordType::Any: break;
  }
  throw std::invalid_argument("no structured RDATA for type " + type + "; use OpaqueData");
}

void write_record(Writer& w, const ResourceRecord& rr, const std::string& what) {
  w.name(rr.name, what + " NAME");
  w.u16(static_cast<std::uint16_t>(rr.type),
        what + ": TYPE = " + to_string(rr.type) + " (" + std::to_string(static_cast<unsigned>(rr.type)) + ")", rfc_record);
  w.u16(rr.klass, what + ": CLASS = " + class_text(rr.klass), rfc_record);
  w.u32(rr.ttl_s, what + ": TTL = " + std::to_string(rr.ttl_s) + " s (how long it may be cached)", rfc_record);
  const std::size_t length_offset = w.size();
  const std::size_t length_note = w.note_count();
  w.u16(0, "", rfc_record);
  write_rdata(w, rr, what);
  const std::size_t length = w.size() - length_offset - 2;
  w.patch_u16(length_offset, static_cast<std::uint16_t>(length), length_note,
              what + ": RDLENGTH = " + std::to_string(length) + " octets of RDATA follow");
}

// ---------------------------------------------------------------------------------
// Reader: every read checks bounds first; errors carry a reason and an offset.
// ---------------------------------------------------------------------------------
struct Reader {
  std::string_view msg;
  std::size_t pos = 0;
  Annotations* notes = nullptr;
  std::optional<DecodeError> error;

  void note(std::size_t offset, std::size_t length, std::string meaning, std::string_view rfc) {
    if (notes != nullptr) notes->push_back(ByteNote{offset, length, std::move(meaning), std::string(rfc)});
  }
  bool fail(WireError code, std::size_t offset, std::string reason) {
    if (!error) error = DecodeError{code, offset, std::move(reason)};
    return false;
  }
  // Checks that `n` octets remain before `end` for the field `what`.
  bool need(std::size_t n, std::size_t end, const std::string& what) {
    if (pos + n <= end) return true;
    return fail(WireError::Truncated, pos,
                "the message ends inside " + what + ": it needs " + std::to_string(n) + " octets at offset " +
                    std::to_string(pos) + " but only " + std::to_string(end > pos ? end - pos : 0) + " remain");
  }
  std::uint8_t get8() { return static_cast<std::uint8_t>(msg[pos++]); }
  std::uint16_t get16() {
    const auto hi = static_cast<std::uint8_t>(msg[pos]);
    const auto lo = static_cast<std::uint8_t>(msg[pos + 1]);
    pos += 2;
    return static_cast<std::uint16_t>((hi << 8) | lo);
  }
  std::uint32_t get32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(msg[pos++]);
    return v;
  }
};

// Reads a name at r.pos. The octets in place (before any pointer) must lie before
// `end` (the end of the message, or of the RDATA holding the name); a pointer may
// lead anywhere earlier in the message.
NameDecode read_name(Reader& r, std::size_t end, const std::string& what) {
  NameDecode result;
  const std::size_t start = r.pos;
  const std::string_view msg = r.msg;
  std::size_t pos = start;
  // RFC 1035 §4.1.4: a pointer refers to "a prior occurance of the same name". We hold
  // every pointer to strictly less than the previous one (or than the name's start),
  // which is what "prior" means and which makes a loop impossible: offsets can only
  // decrease, so the walk ends within the message length.
  std::size_t pointer_limit = start;
  bool jumped = false;
  std::size_t pointer_note = 0;
  bool has_pointer_note = false;
  std::size_t wire_length = 0;
  std::size_t segment_start = start;                        // where the current run of labels began
  std::vector<std::pair<std::size_t, std::size_t>> walked;  // earlier runs, [begin, end)
  auto fail = [&](WireError code, std::size_t at, std::string reason) {
    result.error = DecodeError{code, at, what + ": " + std::move(reason)};
    r.fail(code, at, result.error->reason);
    return result;
  };

  for (;;) {
    const std::size_t bound = jumped ? msg.size() : end;
    if (pos >= bound)
      return fail(WireError::Truncated, pos, "the name runs past the end of its field before its root label");
    const auto length = static_cast<std::uint8_t>(msg[pos]);
    if ((length & pointer_tag) == pointer_tag) {
      if (pos + 2 > bound) return fail(WireError::Truncated, pos, "the message ends inside a compression pointer");
      const std::size_t target = (static_cast<std::size_t>(length & 0x3F) << 8) | static_cast<std::uint8_t>(msg[pos + 1]);
      if (target >= msg.size())
        return fail(WireError::PointerOutOfRange, pos,
                    "compression pointer to offset " + std::to_string(target) + " beyond the end of the " +
                        std::to_string(msg.size()) + "-octet message (RFC 1035 §4.1.4)");
      if (target >= pointer_limit) {
        // Which error to report: a pointer into octets this name has already walked
        // through is a loop; any other later offset is merely forward.
        bool revisits = target >= segment_start && target <= pos;
        for (const auto& [begin, finish] : walked) revisits = revisits || (target >= begin && target < finish);
        if (revisits)
          return fail(WireError::PointerLoop, pos,
                      "compression pointer at offset " + std::to_string(pos) + " to offset " + std::to_string(target) +
                          " points back into the name being read, which would loop forever (RFC 1035 §4.1.4: a "
                          "pointer refers to \"a prior occurance of the same name\")");
        return fail(WireError::PointerForward, pos,
                    "compression pointer at offset " + std::to_string(pos) + " points forward to offset " +
                        std::to_string(target) + "; RFC 1035 §4.1.4 allows only \"a prior occurance\" of a name");
      }
      if (!jumped) {
        result.bytes_consumed = pos + 2 - start;
        if (r.notes != nullptr) {
          pointer_note = r.notes->size();
          has_pointer_note = true;
        }
        r.note(pos, 2, what + ": compression pointer to offset " + std::to_string(target), rfc_compression);
      }
      walked.emplace_back(segment_start, pos + 2);
      segment_start = target;
      jumped = true;
      pointer_limit = target;
      pos = target;
      continue;
    }
    if ((length & pointer_tag) != 0)
      return fail(WireError::ReservedLabelType, pos,
                  "length octet " + std::to_string(length) +
                      " starts with bits 01 or 10, which RFC 1035 §4.1.4 reserves (\"The 10 and 01 combinations "
                      "are reserved for future use\"); a label is at most 63 octets (RFC 1035 §2.3.4)");
    if (length == 0) {
      ++wire_length;
      if (!jumped) {
        result.bytes_consumed = pos + 1 - start;
        r.note(pos, 1, what + ": root label (length 0) ends the name", rfc_names);
      }
      break;
    }
    if (pos + 1 + length > bound)
      return fail(WireError::Truncated, pos,
                  "label of length " + std::to_string(length) + " at offset " + std::to_string(pos) +
                      " runs past the end of its field");
    wire_length += 1 + length;
    // RFC 1035 §2.3.4: "names 255 octets or less" — counting length octets and the
    // root octet still to come.
    if (wire_length + 1 > limits::dns_name_length_max)
      return fail(WireError::NameTooLong, pos, "the name is longer than 255 octets (RFC 1035 §2.3.4)");
    const std::string_view label = msg.substr(pos + 1, length);
    if (!result.name.empty()) result.name += '.';
    std::string shown;
    append_escaped_label(shown, label);
    result.name += shown;
    if (!jumped)
      r.note(pos, 1 + length, what + ": label \"" + shown + "\" (length octet " + std::to_string(length) + ", then the label)",
             rfc_names);
    pos += 1 + length;
  }
  if (has_pointer_note)
    (*r.notes)[pointer_note].meaning += " (the name there completes it: " + absolute_name(result.name) + ")";
  r.pos = start + result.bytes_consumed;
  return result;
}

bool read_rdata(Reader& r, ResourceRecord& rr, std::size_t rdlength, const std::string& what) {
  const std::size_t start = r.pos;
  const std::size_t end = start + rdlength;
  auto bad = [&](std::string reason) {
    return r.fail(WireError::BadRdata, start, what + ": " + std::move(reason));
  };
  // A name inside RDATA must end inside the RDATA (its pointer may lead elsewhere).
  auto read_inner_name = [&](std::string& out, const std::string& field) {
    const NameDecode n = read_name(r, end, field);
    if (n.error) return false;
    out = n.name;
    return true;
  };
  // After the fields of a structured type, RDLENGTH must be used up exactly.
  auto finish = [&]() {
    if (r.pos == end) return true;
    return bad("the RDATA is " + std::to_string(rdlength) + " octets by RDLENGTH but its fields use " +
               std::to_string(r.pos - start));
  };
  const bool in_class = rr.klass == class_in;
  if (rr.type == RecordType::A && in_class) {
    // RFC 1035 §3.4.1: "ADDRESS  A 32 bit Internet address."
    if (rdlength != 4) return bad("an A record's RDATA is 4 octets (RFC 1035 §3.4.1), not " + std::to_string(rdlength));
    rr.data = AddressV4{ipv4_to_text(r.msg.substr(start, 4))};
    r.note(start, 4, what + " RDATA: IPv4 address " + std::get<AddressV4>(rr.data).address, "RFC 1035 §3.4.1");
    r.pos = end;
    return true;
  }
  if (rr.type == RecordType::Aaaa && in_class) {
    // RFC 3596 §2.2: "A 128 bit IPv6 address is encoded in the data portion".
    if (rdlength != 16) return bad("an AAAA record's RDATA is 16 octets (RFC 3596 §2.2), not " + std::to_string(rdlength));
    rr.data = AddressV6{ipv6_to_text(r.msg.substr(start, 16))};
    r.note(start, 16, what + " RDATA: IPv6 address " + std::get<AddressV6>(rr.data).address, "RFC 3596 §2.2");
    r.pos = end;
    return true;
  }
  if (rr.type == RecordType::Ns || rr.type == RecordType::Cname || rr.type == RecordType::Ptr) {
    NameData n;
    if (!read_inner_name(n.name, what + " RDATA " + to_string(rr.type) + " target")) return false;
    rr.data = n;
    return finish();
  }
  if (rr.type == RecordType::Mx) {
    // RFC 1035 §3.3.9: "PREFERENCE  A 16 bit integer ... EXCHANGE  A <domain-name>".
    if (rdlength < 3) return bad("an MX record's RDATA needs a preference and a name (RFC 1035 §3.3.9)");
    MxData mx;
    mx.preference = r.get16();
    r.note(start, 2, what + " RDATA: MX PREFERENCE = " + std::to_string(mx.preference), "RFC 1035 §3.3.9");
    if (!read_inner_name(mx.exchange, what + " RDATA MX EXCHANGE")) return false;
    rr.data = mx;
    return finish();
  }
  if (rr.type == RecordType::Txt) {
    // RFC 1035 §3.3.14: "TXT-DATA  One or more <character-string>s."
    if (rdlength == 0) return bad("a TXT record holds one or more character-strings (RFC 1035 §3.3.14), not none");
    TxtData txt;
    while (r.pos < end) {
      const std::size_t length = static_cast<std::uint8_t>(r.msg[r.pos]);
      if (r.pos + 1 + length > end)
        return bad("a TXT character-string of length " + std::to_string(length) + " runs past RDLENGTH");
      txt.strings.emplace_back(r.msg.substr(r.pos + 1, length));
      r.note(r.pos, 1 + length,
             what + " RDATA: TXT character-string " + std::to_string(txt.strings.size()) + " (length octet " +
                 std::to_string(length) + ") " + quote_character_string(txt.strings.back()),
             "RFC 1035 §3.3.14");
      r.pos += 1 + length;
    }
    rr.data = std::move(txt);
    return finish();
  }
  if (rr.type == RecordType::Soa) {
    SoaData soa;
    if (!read_inner_name(soa.mname, what + " RDATA SOA MNAME")) return false;
    if (!read_inner_name(soa.rname, what + " RDATA SOA RNAME")) return false;
    if (r.pos + soa_fixed_size != end)
      return bad("an SOA record's RDATA ends with exactly 20 octets of numbers (RFC 1035 §3.3.13)");
    std::uint32_t* fields[] = {&soa.serial, &soa.refresh_s, &soa.retry_s, &soa.expire_s, &soa.minimum_s};
    const char* names[] = {"SERIAL", "REFRESH", "RETRY", "EXPIRE", "MINIMUM"};
    for (int i = 0; i < 5; ++i) {
      const std::size_t at = r.pos;
      *fields[i] = r.get32();
      r.note(at, 4, what + " RDATA: SOA " + names[i] + " = " + std::to_string(*fields[i]), "RFC 1035 §3.3.13");
    }
    rr.data = soa;
    return finish();
  }
  // Types (and classes) we do not model: keep the octets as they are (RFC 3597 §5).
  rr.data = OpaqueData{std::string(r.msg.substr(start, rdlength))};
  if (rdlength > 0) r.note(start, rdlength, what + " RDATA: " + std::to_string(rdlength) + " opaque octets", "RFC 3597 §5");
  r.pos = end;
  return true;
}

bool read_record(Reader& r, ResourceRecord& rr, const std::string& what) {
  const NameDecode owner = read_name(r, r.msg.size(), what + " NAME");
  if (owner.error) return false;
  rr.name = owner.name;
  if (!r.need(record_fixed_size, r.msg.size(), what + " (TYPE, CLASS, TTL, RDLENGTH)")) return false;
  const std::size_t at = r.pos;
  rr.type = static_cast<RecordType>(r.get16());
  r.note(at, 2, what + ": TYPE = " + to_string(rr.type) + " (" + std::to_string(static_cast<unsigned>(rr.type)) + ")",
         rfc_record);
  rr.klass = r.get16();
  r.note(at + 2, 2, what + ": CLASS = " + class_text(rr.klass), rfc_record);
  rr.ttl_s = r.get32();
  r.note(at + 4, 4, what + ": TTL = " + std::to_string(rr.ttl_s) + " s", rfc_record);
  const std::size_t rdlength = r.get16();
  r.note(at + 8, 2, what + ": RDLENGTH = " + std::to_string(rdlength) + " octets of RDATA follow", rfc_record);
  if (r.pos + rdlength > r.msg.size())
    return r.fail(WireError::Truncated, r.pos,
                  what + ": RDLENGTH says " + std::to_string(rdlength) + " octets but only " +
                      std::to_string(r.msg.size() - r.pos) + " remain in the message");
  return read_rdata(r, rr, rdlength, what);
}

// A header count that promises more entries than the message holds: when the message
// ends exactly where the next entry should start, the count lied (CountMismatch);
// when it ends inside an entry, that entry is truncated.
bool check_more(Reader& r, std::string_view count_name, std::size_t count, std::size_t index, const std::string& entry) {
  if (r.pos < r.msg.size()) return true;
  return r.fail(WireError::CountMismatch, r.pos,
                "the header's " + std::string(count_name) + " says " + std::to_string(count) +
                    " but the message ends after " + std::to_string(index) + " " + entry + "(s) (RFC 1035 §4.1.1)");
}

}  // namespace

// ---------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------

std::string to_string(RecordType type) {
  switch (type) {
    case RecordType::A: return "A";
    case RecordType::Ns: return "NS";
    case RecordType::Cname: return "CNAME";
    case RecordType::Soa: return "SOA";
    case RecordType::Ptr: return "PTR";
    case RecordType::Mx: return "MX";
    case RecordType::Txt: return "TXT";
    case RecordType::Aaaa: return "AAAA";
    case RecordType::Any: return "ANY";
  }
  return "TYPE" + std::to_string(static_cast<unsigned>(type));  // RFC 3597 §5
}

std::optional<RecordType> record_type_from_string(std::string_view text) {
  std::string upper;
  for (const char c : text) upper += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  constexpr RecordType known[] = {RecordType::A,   RecordType::Ns,  RecordType::Cname, RecordType::Soa, RecordType::Ptr,
                                  RecordType::Mx,  RecordType::Txt, RecordType::Aaaa,  RecordType::Any};
  for (const RecordType t : known)
    if (to_string(t) == upper) return t;
  if (upper.size() > 4 && upper.starts_with("TYPE")) {
    unsigned value = 0;
    const char* first = upper.data() + 4;
    const char* last = upper.data() + upper.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec == std::errc() && ptr == last && value <= 0xFFFF) return static_cast<RecordType>(value);
  }
  return std::nullopt;
}

std::string to_string(Opcode opcode) {
  switch (opcode) {
    case Opcode::Query: return "QUERY";
    case Opcode::IQuery: return "IQUERY";
    case Opcode::Status: return "STATUS";
  }
  return "OPCODE" + std::to_string(static_cast<unsigned>(opcode));
}

std::string to_string(Rcode rcode) {
  switch (rcode) {
    case Rcode::NoError: return "NOERROR";
    case Rcode::FormErr: return "FORMERR";
    case Rcode::ServFail: return "SERVFAIL";
    case Rcode::NxDomain: return "NXDOMAIN";
    case Rcode::NotImp: return "NOTIMP";
    case Rcode::Refused: return "REFUSED";
  }
  return "RCODE" + std::to_string(static_cast<unsigned>(rcode));
}

std::string_view to_string(WireError error) {
  switch (error) {
    case WireError::Truncated: return "truncated";
    case WireError::CountMismatch: return "count_mismatch";
    case WireError::TrailingBytes: return "trailing_bytes";
    case WireError::PointerLoop: return "pointer_loop";
    case WireError::PointerForward: return "pointer_forward";
    case WireError::PointerOutOfRange: return "pointer_out_of_range";
    case WireError::ReservedLabelType: return "reserved_label_type";
    case WireError::NameTooLong: return "name_too_long";
    case WireError::BadRdata: return "bad_rdata";
  }
  return "unknown";
}

std::string Header::flags_text() const {
  std::string out;
  auto add = [&](bool set, std::string_view name) {
    if (!set) return;
    if (!out.empty()) out += ' ';
    out += name;
  };
  add(qr, "QR");
  add(aa, "AA");
  add(tc, "TC");
  add(rd, "RD");
  add(ra, "RA");
  return out;
}

std::string TxtData::joined() const {
  std::string out;
  for (const auto& s : strings) out += s;
  return out;
}

std::string ResourceRecord::data_text() const {
  return std::visit(
      [&](const auto& d) -> std::string {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, AddressV4> || std::is_same_v<T, AddressV6>) {
          return d.address;
        } else if constexpr (std::is_same_v<T, NameData>) {
          return absolute_name(d.name);
        } else if constexpr (std::is_same_v<T, MxData>) {
          return std::to_string(d.preference) + " " + absolute_name(d.exchange);
        } else if constexpr (std::is_same_v<T, TxtData>) {
          std::string out;
          for (const auto& s : d.strings) {
            if (!out.empty()) out += ' ';
            out += quote_character_string(s);
          }
          return out;
        } else if constexpr (std::is_same_v<T, SoaData>) {
          return absolute_name(d.mname) + " " + absolute_name(d.rname) + " " + std::to_string(d.serial) + " " +
                 std::to_string(d.refresh_s) + " " + std::to_string(d.retry_s) + " " + std::to_string(d.expire_s) +
                 " " + std::to_string(d.minimum_s);
        } else {
          // RFC 3597 §5: "\# <length> <hex>".
          constexpr char digits[] = "0123456789abcdef";
          std::string out = "\\# " + std::to_string(d.bytes.size());
          if (!d.bytes.empty()) out += ' ';
          for (const char c : d.bytes) {
            out += digits[(static_cast<unsigned char>(c) >> 4) & 0xF];
            out += digits[static_cast<unsigned char>(c) & 0xF];
          }
          return out;
        }
      },
      data);
}

std::string ResourceRecord::to_string() const {
  return absolute_name(name) + " " + std::to_string(ttl_s) + " " + class_text(klass) + " " + dns::to_string(type) + " " +
         data_text();
}

Message make_query(std::uint16_t id, std::string name, RecordType type) {
  Message m;
  m.header.id = id;
  m.header.rd = true;
  m.questions.push_back(Question{std::move(name), type, class_in});
  return m;
}

// ---------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------

namespace {
// True when the name's last character is a dot that ends it, not an escaped "\." that
// belongs to its last label: count the backslashes before the dot.
bool has_final_dot(std::string_view name) {
  if (name.empty() || name.back() != '.') return false;
  std::size_t backslashes = 0;
  for (std::size_t i = name.size() - 1; i > 0 && name[i - 1] == '\\'; --i) ++backslashes;
  return backslashes % 2 == 0;
}
}  // namespace

std::string absolute_name(std::string_view name) {
  if (name.empty() || name == ".") return ".";
  if (has_final_dot(name)) return std::string(name);
  return std::string(name) + ".";
}

std::string canonical_name(std::string_view name) {
  if (has_final_dot(name)) name.remove_suffix(1);
  std::string out;
  out.reserve(name.size());
  for (const char c : name) out += lower_ascii(c);
  return out;
}

bool names_equal(std::string_view a, std::string_view b) { return canonical_name(a) == canonical_name(b); }

bool name_in_zone(std::string_view name, std::string_view zone) {
  const std::string n = canonical_name(name);
  const std::string z = canonical_name(zone);
  if (z.empty()) return true;  // everything is below the root
  if (n == z) return true;
  return n.size() > z.size() && n.ends_with(z) && has_final_dot(std::string_view(n).substr(0, n.size() - z.size()));
}

std::optional<std::vector<std::string>> name_labels(std::string_view name, std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<std::vector<std::string>> {
    if (why != nullptr) *why = std::move(reason);
    return std::nullopt;
  };
  std::vector<std::string> labels;
  if (name.empty() || name == ".") return labels;  // the root
  std::string label;
  std::size_t wire_length = 1;  // the root octet
  bool ended_with_dot = false;
  auto finish_label = [&]() -> bool {
    if (label.empty()) return false;
    labels.push_back(std::move(label));
    wire_length += 1 + labels.back().size();
    label.clear();
    return true;
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    ended_with_dot = false;
    if (c == '\\') {
      // RFC 1035 §5.1: "\X where X is any character other than a digit (0-9), is used
      // to quote that character"; "\DDD where each D is a digit is the octet".
      if (i + 1 >= name.size()) return fail("the name ends with a lone backslash");
      if (name[i + 1] >= '0' && name[i + 1] <= '9') {
        unsigned value = 0;
        for (std::size_t k = 1; k <= 3; ++k) {
          if (i + k >= name.size() || name[i + k] < '0' || name[i + k] > '9') return fail("a \\DDD escape needs three digits");
          value = value * 10 + static_cast<unsigned>(name[i + k] - '0');
        }
        if (value > 255) return fail("a \\DDD escape above 255");
        label += static_cast<char>(value);
        i += 3;
      } else {
        label += name[i + 1];
        ++i;
      }
    } else if (c == '.') {
      if (!finish_label()) return fail("empty label (two dots in a row, or a leading dot) in \"" + std::string(name) + "\"");
      ended_with_dot = true;
    } else {
      label += c;
    }
    // RFC 1035 §2.3.4: "labels 63 octets or less".
    if (label.size() > limits::dns_label_length_max)
      return fail("a label longer than 63 octets (RFC 1035 §2.3.4) in \"" + std::string(name) + "\"");
  }
  if (!ended_with_dot && !finish_label()) return fail("empty label in \"" + std::string(name) + "\"");
  // RFC 1035 §2.3.4: "names 255 octets or less".
  if (wire_length > limits::dns_name_length_max)
    return fail("a name longer than 255 octets (RFC 1035 §2.3.4): \"" + std::string(name) + "\"");
  return labels;
}

// ---------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------

std::optional<std::string> ipv4_to_bytes(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
    const std::size_t begin = i;
    unsigned value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - begin < 3)
      value = value * 10 + static_cast<unsigned>(text[i++] - '0');
    // No empty parts, no leading zeros ("010" is octal to some parsers), no value > 255.
    if (i == begin || value > 255 || (i - begin > 1 && text[begin] == '0')) return std::nullopt;
    out += static_cast<char>(value);
  }
  if (i != text.size()) return std::nullopt;
  return out;
}

std::string ipv4_to_text(std::string_view bytes4) {
  std::string out;
  for (std::size_t i = 0; i < 4 && i < bytes4.size(); ++i) {
    if (i > 0) out += '.';
    out += std::to_string(static_cast<unsigned char>(bytes4[i]));
  }
  return out;
}

std::optional<std::string> ipv6_to_bytes(std::string_view text) {
  // RFC 4291 §2.2: eight groups of up to four hex digits; "::" stands for one or more
  // groups of zeros and appears at most once; the last 32 bits may be dotted IPv4.
  std::vector<std::uint16_t> head, tail;
  bool gap = false;
  if (text.starts_with("::")) {
    gap = true;
    text.remove_prefix(2);
  }
  std::size_t i = 0;
  while (i < text.size()) {
    auto& groups = gap ? tail : head;
    const std::size_t begin = i;
    while (i < text.size() && text[i] != ':') ++i;
    const std::string_view part = text.substr(begin, i - begin);
    if (part.find('.') != std::string_view::npos) {
      if (i != text.size()) return std::nullopt;  // IPv4 only at the end
      const auto v4 = ipv4_to_bytes(part);
      if (!v4) return std::nullopt;
      groups.push_back(static_cast<std::uint16_t>((static_cast<unsigned char>((*v4)[0]) << 8) |
                                                  static_cast<unsigned char>((*v4)[1])));
      groups.push_back(static_cast<std::uint16_t>((static_cast<unsigned char>((*v4)[2]) << 8) |
                                                  static_cast<unsigned char>((*v4)[3])));
      break;
    }
    if (part.empty() || part.size() > 4) return std::nullopt;
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value, 16);
    if (ec != std::errc() || ptr != part.data() + part.size()) return std::nullopt;
    groups.push_back(static_cast<std::uint16_t>(value));
    if (i < text.size()) {
      ++i;  // the ':'
      if (i < text.size() && text[i] == ':') {
        if (gap) return std::nullopt;  // a second "::"
        gap = true;
        ++i;
      } else if (i == text.size()) {
        return std::nullopt;  // a trailing single ':'
      }
    }
    if (head.size() + tail.size() > 8) return std::nullopt;
  }
  const std::size_t total = head.size() + tail.size();
  if ((gap && total > 7) || (!gap && total != 8)) return std::nullopt;
  std::vector<std::uint16_t> groups = head;
  groups.resize(8 - tail.size(), 0);
  groups.insert(groups.end(), tail.begin(), tail.end());
  std::string out;
  for (const auto g : groups) {
    out += static_cast<char>(g >> 8);
    out += static_cast<char>(g & 0xFF);
  }
  return out;
}

std::string ipv6_to_text(std::string_view bytes16) {
  std::array<unsigned, 8> g{};
  for (std::size_t i = 0; i < 8 && 2 * i + 1 < bytes16.size(); ++i)
    g[i] = (static_cast<unsigned char>(bytes16[2 * i]) << 8) | static_cast<unsigned char>(bytes16[2 * i + 1]);
  // RFC 5952 §4.2: "::" replaces the longest run of two or more zero groups, the first
  // such run when two are equally long; §4.3: hex digits in lowercase, §4.1: no
  // leading zeros.
  int best_start = -1, best_length = 0;
  for (int i = 0; i < 8;) {
    if (g[static_cast<std::size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[static_cast<std::size_t>(j)] == 0) ++j;
    if (j - i > best_length && j - i >= 2) {
      best_start = i;
      best_length = j - i;
    }
    i = j;
  }
  constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_length - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    const unsigned v = g[static_cast<std::size_t>(i)];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned d = (v >> shift) & 0xF;
      if (d != 0 || started || shift == 0) {
        out += digits[d];
        started = true;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------

std::string encode(const Message& m, Annotations* annotations) {
  Writer w(annotations);
  const Header& h = m.header;
  w.u16(h.id, "header: ID = " + hex16(h.id) + " (copied into the response so the asker can match it)", rfc_header);
  w.u16(pack_flags(h), flags_meaning(h), rfc_header);
  const std::size_t counts[] = {m.questions.size(), m.answers.size(), m.authorities.size(), m.additionals.size()};
  const char* count_names[] = {"QDCOUNT (questions)", "ANCOUNT (answers)", "NSCOUNT (authority records)",
                               "ARCOUNT (additional records)"};
  for (int i = 0; i < 4; ++i) {
    if (counts[i] > 0xFFFF) throw std::invalid_argument("a DNS section holds at most 65535 entries");
    w.u16(static_cast<std::uint16_t>(counts[i]), std::string("header: ") + count_names[i] + " = " + std::to_string(counts[i]),
          rfc_header);
  }
  for (std::size_t i = 0; i < m.questions.size(); ++i) {
    const Question& q = m.questions[i];
    const std::string what = "question " + std::to_string(i + 1);
    w.name(q.name, what + " QNAME");
    w.u16(static_cast<std::uint16_t>(q.type),
          what + ": QTYPE = " + to_string(q.type) + " (" + std::to_string(static_cast<unsigned>(q.type)) + ")", rfc_question);
    w.u16(q.klass, what + ": QCLASS = " + class_text(q.klass), rfc_question);
  }
  const std::vector<ResourceRecord>* sections[] = {&m.answers, &m.authorities, &m.additionals};
  for (int s = 0; s < 3; ++s)
    for (std::size_t i = 0; i < sections[s]->size(); ++i)
      write_record(w, (*sections[s])[i], section_name(s) + " " + std::to_string(i + 1));
  return w.take();
}

DecodeResult decode(std::string_view bytes, Annotations* annotations) {
  DecodeResult result;
  Reader r{bytes, 0, annotations, std::nullopt};
  auto failed = [&]() {
    result.error = r.error;
    return result;
  };
  if (bytes.size() >= 2) result.id = static_cast<std::uint16_t>((static_cast<std::uint8_t>(bytes[0]) << 8) |
                                                                static_cast<std::uint8_t>(bytes[1]));
  if (!r.need(header_size, bytes.size(), "the 12-octet header")) return failed();

  Message m;
  const std::uint16_t id = r.get16();
  r.note(0, 2, "header: ID = " + hex16(id), rfc_header);
  m.header = unpack_flags(id, r.get16());
  r.note(2, 2, flags_meaning(m.header), rfc_header);
  result.header = m.header;
  std::size_t counts[4];
  const char* count_names[] = {"QDCOUNT", "ANCOUNT", "NSCOUNT", "ARCOUNT"};
  const char* count_meanings[] = {"questions", "answers", "authority records", "additional records"};
  for (int i = 0; i < 4; ++i) {
    counts[i] = r.get16();
    r.note(4 + 2 * static_cast<std::size_t>(i), 2,
           std::string("header: ") + count_names[i] + " = " + std::to_string(counts[i]) + " (" + count_meanings[i] + ")",
           rfc_header);
  }

  for (std::size_t i = 0; i < counts[0]; ++i) {
    const std::string what = "question " + std::to_string(i + 1);
    if (!check_more(r, "QDCOUNT", counts[0], i, "question")) return failed();
    Question q;
    const NameDecode n = read_name(r, bytes.size(), what + " QNAME");
    if (n.error) return failed();
    q.name = n.name;
    if (!r.need(question_fixed_size, bytes.size(), what + " (QTYPE, QCLASS)")) return failed();
    const std::size_t at = r.pos;
    q.type = static_cast<RecordType>(r.get16());
    q.klass = r.get16();
    r.note(at, 2, what + ": QTYPE = " + to_string(q.type) + " (" + std::to_string(static_cast<unsigned>(q.type)) + ")",
           rfc_question);
    r.note(at + 2, 2, what + ": QCLASS = " + class_text(q.klass), rfc_question);
    m.questions.push_back(std::move(q));
  }
  std::vector<ResourceRecord>* sections[] = {&m.answers, &m.authorities, &m.additionals};
  for (int s = 0; s < 3; ++s) {
    const std::size_t count = counts[s + 1];
    for (std::size_t i = 0; i < count; ++i) {
      if (!check_more(r, count_names[s + 1], count, i, section_name(s) + " record")) return failed();
      ResourceRecord rr;
      if (!read_record(r, rr, section_name(s) + " " + std::to_string(i + 1))) return failed();
      sections[s]->push_back(std::move(rr));
    }
  }
  if (r.pos != bytes.size()) {
    r.fail(WireError::TrailingBytes, r.pos,
           std::to_string(bytes.size() - r.pos) + " octets follow the last record that the header counts describe");
    return failed();
  }
  result.message = std::move(m);
  return result;
}

Annotations annotate(std::string_view bytes) {
  Annotations notes;
  const DecodeResult result = decode(bytes, &notes);
  if (result.error) {
    std::size_t covered = 0;
    for (const auto& n : notes) covered = std::max(covered, n.offset + n.length);
    if (covered < bytes.size())
      notes.push_back(ByteNote{covered, bytes.size() - covered, "not decoded: " + result.error->reason, "RFC 1035 §4.1"});
    else
      notes.push_back(ByteNote{bytes.size(), 0, "rejected: " + result.error->reason, "RFC 1035 §4.1"});
  }
  return notes;
}

NameDecode decode_name(std::string_view message, std::size_t offset) {
  Reader r{message, offset, nullptr, std::nullopt};
  return read_name(r, message.size(), "name at offset " + std::to_string(offset));
}

}  // namespace smtplab::dns
