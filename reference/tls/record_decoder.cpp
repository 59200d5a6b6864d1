// tls/record_decoder.cpp — TLS 1.2 records and handshake messages, named for the trace.
//
// Standards: see record_decoder.hpp. Every read is bounds-checked: the bytes come from
// the peer, and a malformed message is reported as such, never trusted.
#include "tls/record_decoder.hpp"

#include <mbedtls/ecp.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <cstdint>
#include <optional>

#include "tls/pki_internal.hpp"

namespace smtplab::tls {

namespace {

// A cursor over a message; any read past the end sets ok = false and returns zeros.
struct Reader {
  std::string_view data;
  std::size_t pos = 0;
  bool ok = true;

  bool has(std::size_t n) {
    if (data.size() - pos < n) ok = false;
    return ok;
  }
  unsigned u8() { return has(1) ? static_cast<unsigned char>(data[pos++]) : 0; }
  unsigned u16() { unsigned hi = u8(); return (hi << 8) | u8(); }
  std::size_t u24() { std::size_t v = u8(); v = (v << 8) | u8(); return (v << 8) | u8(); }
  std::string_view bytes(std::size_t n) {
    if (!has(n)) return {};
    std::string_view out = data.substr(pos, n);
    pos += n;
    return out;
  }
};

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string version_name(unsigned version) {
  switch (version) {
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
  }
  return "0x" + hex(std::string{static_cast<char>(version >> 8), static_cast<char>(version & 0xFF)});
}

std::string suite_name(unsigned id) {
  // RFC 5746 §3.3: the "signalling cipher suite value" is not a suite but a flag.
  if (id == 0x00FF) return "TLS_EMPTY_RENEGOTIATION_INFO_SCSV";
  const char* name = mbedtls_ssl_get_ciphersuite_name(static_cast<int>(id));
  if (name == nullptr || std::string_view(name) == "unknown")
    return "0x" + hex(std::string{static_cast<char>(id >> 8), static_cast<char>(id & 0xFF)});
  return name;
}

std::string curve_name(unsigned tls_id) {
  const mbedtls_ecp_curve_info* info = mbedtls_ecp_curve_info_from_tls_id(static_cast<std::uint16_t>(tls_id));
  return info != nullptr ? std::string(info->name) : "group " + std::to_string(tls_id);
}

std::string extension_name(unsigned type) {
  switch (type) {
    case 0: return "server_name";                  // RFC 6066 §3
    case 10: return "supported_groups";            // RFC 8422 §5.1.1
    case 11: return "ec_point_formats";            // RFC 8422 §5.1.2
    case 13: return "signature_algorithms";        // RFC 5246 §7.4.1.4.1
    case 16: return "application_layer_protocol_negotiation";  // RFC 7301
    case 22: return "encrypt_then_mac";            // RFC 7366
    case 23: return "extended_master_secret";      // RFC 7627
    case 35: return "session_ticket";              // RFC 5077
    case 65281: return "renegotiation_info";       // RFC 5746
  }
  return std::to_string(type);
}

}  // namespace

std::string alert_name(unsigned description) {
  // RFC 5246 §7.2 (and RFC 6066 §3 for unrecognized_name).
  switch (description) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
  }
  return std::to_string(description);
}

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

}  // namespace

std::string_view to_string(Sender sender) { return sender == Sender::Client ? "client" : "server"; }

Event RecordDecoder::make_event(std::string summary, std::string_view bytes, std::string explain,
                                std::string rfc) const {
  Event event;
  event.kind = EventKind::TlsStep;
  event.summary = std::move(summary);
  event.bytes = std::string(bytes);
  event.explain = std::move(explain);
  event.rfc = std::move(rfc);
  event.with("sender", std::string(to_string(sender_)));
  return event;
}

void RecordDecoder::feed(std::string_view bytes, std::vector<Event>& events) {
  while (!bytes.empty() && !not_tls_) {
    // RFC 5246 §6.2.1: struct { ContentType type; ProtocolVersion version; uint16 length;
    // opaque fragment[length]; } TLSPlaintext — 5 octets of header, then the fragment.
    const std::size_t want_header = record_header_size > record_buffer_.size() ? record_header_size - record_buffer_.size() : 0;
    if (want_header > 0) {
      const std::size_t take = std::min(want_header, bytes.size());
      record_buffer_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (record_buffer_.size() < record_header_size) return;
      const unsigned type = static_cast<unsigned char>(record_buffer_[0]);
      const unsigned major = static_cast<unsigned char>(record_buffer_[1]);
      const std::size_t length = (static_cast<std::size_t>(static_cast<unsigned char>(record_buffer_[3])) << 8) |
                                 static_cast<unsigned char>(record_buffer_[4]);
      // ContentType is 20..23 in TLS 1.2 and every version is 3.x; anything else means
      // the peer is not speaking TLS (a plaintext command, garbage, an HTTP request).
      if (type < 20 || type > 23 || major != 3 || length > record_length_max) {
        Event event = make_event("not a TLS record: " + hex(record_buffer_.substr(0, record_header_size)),
                                 record_buffer_, "tls.not_tls", "RFC 5246 §6.2.1");
        events.push_back(std::move(event));
        not_tls_ = true;
        record_buffer_.clear();
        return;
      }
    }
    const std::size_t length = (static_cast<std::size_t>(static_cast<unsigned char>(record_buffer_[3])) << 8) |
                               static_cast<unsigned char>(record_buffer_[4]);
    const std::size_t missing = record_header_size + length - record_buffer_.size();
    const std::size_t take = std::min(missing, bytes.size());
    record_buffer_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (record_buffer_.size() < record_header_size + length) return;
    const std::string_view whole(record_buffer_);
    record(static_cast<unsigned char>(record_buffer_[0]), whole.substr(0, record_header_size),
           whole.substr(record_header_size), events);
    record_buffer_.clear();
  }
}

void RecordDecoder::record(unsigned type, std::string_view header, std::string_view body,
                           std::vector<Event>& events) {
  const std::string whole = std::string(header) + std::string(body);
  switch (type) {
    case 20: {  // RFC 5246 §7.1: change_cipher_spec
      Event event = make_event("ChangeCipherSpec", whole, "tls.change_cipher_spec", "RFC 5246 §7.1");
      event.with("record_type", "20");
      events.push_back(std::move(event));
      encrypted_ = true;
      return;
    }
    case 21: {  // RFC 5246 §7.2: alert
      if (encrypted_ || body.size() != 2) {
        // After ChangeCipherSpec an alert is encrypted; at the end of a session it is
        // almost always close_notify (RFC 5246 §7.2.1).
        Event event = make_event("Alert (encrypted)", whole, "tls.alert", "RFC 5246 §7.2");
        event.with("record_type", "21");
        events.push_back(std::move(event));
        return;
      }
      const unsigned level = static_cast<unsigned char>(body[0]);
      const std::string name = alert_name(static_cast<unsigned char>(body[1]));
      Event event = make_event(std::string("Alert: ") + (level == 2 ? "fatal " : "warning ") + name, whole,
                               "tls.alert", "RFC 5246 §7.2");
      event.with("record_type", "21").with("level", level == 2 ? "fatal" : "warning").with("description", name);
      events.push_back(std::move(event));
      return;
    }
    case 22: {  // RFC 5246 §7.4: handshake
      if (encrypted_) {
        // The first encrypted handshake message is Finished (RFC 5246 §7.4.9: "sent
        // immediately after a change cipher spec message").
        Event event = make_event(finished_seen_ ? "encrypted handshake message" : "Finished (encrypted)", whole,
                                 "tls.finished", "RFC 5246 §7.4.9");
        event.with("record_type", "22").with("handshake_type", finished_seen_ ? "" : "20");
        finished_seen_ = true;
        events.push_back(std::move(event));
        return;
      }
      // RFC 5246 §6.2.1: "multiple client messages of the same ContentType MAY be
      // coalesced into a single TLSPlaintext record, or a single message MAY be
      // fragmented across several records" — so messages are framed again here.
      while (!body.empty()) {
        if (handshake_skip_ > 0) {
          const std::size_t skip = std::min(handshake_skip_, body.size());
          body.remove_prefix(skip);
          handshake_skip_ -= skip;
          continue;
        }
        const std::size_t take = std::min(body.size(), handshake_message_shown_max);
        handshake_buffer_.append(body.substr(0, take));
        body.remove_prefix(take);
        while (handshake_buffer_.size() >= 4) {
          const std::size_t length = (static_cast<std::size_t>(static_cast<unsigned char>(handshake_buffer_[1])) << 16) |
                                     (static_cast<std::size_t>(static_cast<unsigned char>(handshake_buffer_[2])) << 8) |
                                     static_cast<unsigned char>(handshake_buffer_[3]);
          if (4 + length > handshake_message_shown_max) {
            Event event = make_event("handshake message of " + std::to_string(length) + " octets (too large to show)",
                                     handshake_buffer_.substr(0, 4), "tls.handshake", "RFC 5246 §7.4");
            event.with("handshake_type", std::to_string(static_cast<unsigned char>(handshake_buffer_[0])));
            events.push_back(std::move(event));
            handshake_skip_ = 4 + length - handshake_buffer_.size();
            handshake_buffer_.clear();
            break;
          }
          if (handshake_buffer_.size() < 4 + length) break;
          handshake_message(std::string_view(handshake_buffer_).substr(0, 4 + length), events);
          handshake_buffer_.erase(0, 4 + length);
        }
      }
      return;
    }
    default:  // 23, application_data: the SMTP events carry its plaintext
      return;
  }
}

void RecordDecoder::handshake_message(std::string_view message, std::vector<Event>& events) {
  // RFC 5246 §7.4: struct { HandshakeType msg_type; uint24 length; body } Handshake.
  Reader r{message.substr(4)};
  const unsigned type = static_cast<unsigned char>(message[0]);
  Event event = make_event("", message, "", "");
  event.with("record_type", "22").with("handshake_type", std::to_string(type));

  switch (type) {
    case 1: {  // ClientHello, RFC 5246 §7.4.1.2
      const unsigned version = r.u16();
      const std::string_view random = r.bytes(32);
      r.bytes(r.u8());  // session_id
      std::vector<std::string> suites;
      const std::size_t suites_length = r.u16();
      for (std::size_t i = 0; i + 1 < suites_length && r.ok; i += 2) suites.push_back(suite_name(r.u16()));
      r.bytes(r.u8());  // compression_methods
      std::string sni;
      std::vector<std::string> extensions;
      std::vector<std::string> groups;
      if (r.ok && r.pos < r.data.size()) {
        Reader ext{r.bytes(r.u16())};
        while (ext.ok && ext.pos < ext.data.size()) {
          const unsigned ext_type = ext.u16();
          Reader body{ext.bytes(ext.u16())};
          extensions.push_back(extension_name(ext_type));
          if (ext_type == 0) {
            // RFC 6066 §3: ServerNameList { NameType name_type (0 = host_name); HostName }.
            Reader list{body.bytes(body.u16())};
            while (list.ok && list.pos < list.data.size()) {
              const unsigned name_type = list.u8();
              const std::string_view name = list.bytes(list.u16());
              if (name_type == 0 && list.ok) sni = std::string(name);
            }
          } else if (ext_type == 10) {
            Reader list{body.bytes(body.u16())};
            while (list.ok && list.pos + 1 < list.data.size()) groups.push_back(curve_name(list.u16()));
          }
        }
      }
      event.summary = "ClientHello: " + version_name(version) + ", SNI " + (sni.empty() ? "(none)" : sni) + ", " +
                      std::to_string(suites.size()) + " cipher suites";
      event.explain = "tls.client_hello";
      event.rfc = "RFC 5246 §7.4.1.2";
      event.with("message", "ClientHello").with("version", version_name(version)).with("random", hex(random))
          .with("sni", sni).with("suites", join(suites)).with("groups", join(groups))
          .with("extensions", join(extensions));
      break;
    }
    case 2: {  // ServerHello, RFC 5246 §7.4.1.3
      const unsigned version = r.u16();
      const std::string_view random = r.bytes(32);
      r.bytes(r.u8());
      const std::string suite = suite_name(r.u16());
      r.u8();  // compression_method
      std::vector<std::string> extensions;
      if (r.ok && r.pos < r.data.size()) {
        Reader ext{r.bytes(r.u16())};
        while (ext.ok && ext.pos < ext.data.size()) {
          extensions.push_back(extension_name(ext.u16()));
          ext.bytes(ext.u16());
        }
      }
      event.summary = "ServerHello: " + version_name(version) + ", " + suite;
      event.explain = "tls.server_hello";
      event.rfc = "RFC 5246 §7.4.1.3";
      event.with("message", "ServerHello").with("version", version_name(version)).with("random", hex(random))
          .with("suite", suite).with("extensions", join(extensions));
      break;
    }
    case 11: {  // Certificate, RFC 5246 §7.4.2: certificate_list<0..2^24-1>, leaf first
      Reader list{r.bytes(r.u24())};
      std::size_t count = 0;
      std::optional<CertificateSummary> leaf;
      while (list.ok && list.pos < list.data.size()) {
        const std::string_view der = list.bytes(list.u24());
        if (!list.ok) break;
        if (count++ == 0) {
          mbedtls_x509_crt crt;
          mbedtls_x509_crt_init(&crt);
          if (mbedtls_x509_crt_parse_der(&crt, reinterpret_cast<const unsigned char*>(der.data()), der.size()) == 0)
            leaf = summarize(crt);
          mbedtls_x509_crt_free(&crt);
        }
      }
      event.explain = "tls.certificate";
      event.rfc = "RFC 5246 §7.4.2";
      event.with("message", "Certificate").with("chain_length", std::to_string(count));
      if (leaf) {
        event.summary = "Certificate: " + leaf->subject + " (issuer " + leaf->issuer + ", valid " + leaf->valid_from +
                        " to " + leaf->valid_to + ")";
        event.with("subject", leaf->subject).with("issuer", leaf->issuer).with("valid_from", leaf->valid_from)
            .with("valid_to", leaf->valid_to).with("dns_names", join(leaf->dns_names));
      } else {
        event.summary = count == 0 ? "Certificate: (empty)" : "Certificate: (unreadable)";
      }
      break;
    }
    case 12: {  // ServerKeyExchange, RFC 5246 §7.4.3 with RFC 8422 §5.4 for ECDHE
      const unsigned curve_type = r.u8();
      event.explain = "tls.server_key_exchange";
      event.rfc = "RFC 8422 §5.4";
      event.with("message", "ServerKeyExchange");
      if (curve_type == 3) {  // named_curve
        const std::string curve = curve_name(r.u16());
        const std::string_view point = r.bytes(r.u8());
        const unsigned hash = r.u8();
        const unsigned signature = r.u8();
        event.summary = "ServerKeyExchange: ECDHE on " + curve + ", public key of " + std::to_string(point.size()) +
                        " octets, signed";
        event.with("curve", curve).with("public_key", hex(point))
            .with("signature_algorithm", std::to_string(hash) + "," + std::to_string(signature));
      } else {
        event.summary = "ServerKeyExchange";
      }
      break;
    }
    case 13:
      event.summary = "CertificateRequest";
      event.explain = "tls.certificate_request";
      event.rfc = "RFC 5246 §7.4.4";
      event.with("message", "CertificateRequest");
      break;
    case 14:
      event.summary = "ServerHelloDone";
      event.explain = "tls.server_hello_done";
      event.rfc = "RFC 5246 §7.4.5";
      event.with("message", "ServerHelloDone");
      break;
    case 16: {  // ClientKeyExchange, RFC 8422 §5.7: ECPoint ecdh_Yc (1-octet length)
      const std::string_view point = r.bytes(r.u8());
      event.summary = "ClientKeyExchange: ECDHE public key of " + std::to_string(point.size()) + " octets";
      event.explain = "tls.client_key_exchange";
      event.rfc = "RFC 8422 §5.7";
      event.with("message", "ClientKeyExchange").with("public_key", hex(point));
      break;
    }
    case 4:
      event.summary = "NewSessionTicket";
      event.explain = "tls.new_session_ticket";
      event.rfc = "RFC 5077 §3.3";
      event.with("message", "NewSessionTicket");
      break;
    case 20:
      event.summary = "Finished";
      event.explain = "tls.finished";
      event.rfc = "RFC 5246 §7.4.9";
      event.with("message", "Finished");
      break;
    default:
      event.summary = "handshake message type " + std::to_string(type);
      event.explain = "tls.handshake";
      event.rfc = "RFC 5246 §7.4";
      break;
  }
  if (!r.ok) event.with("malformed", "true");
  events.push_back(std::move(event));
}

}  // namespace smtplab::tls
