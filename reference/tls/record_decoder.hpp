// tls/record_decoder.hpp — reads the TLS records one side sends and names every
// handshake message in them, so the trace shows the real bytes of each step.
//
// Standards: RFC 5246 (TLS 1.2: §6.2.1 the record header, §7.1 ChangeCipherSpec, §7.2
//            alerts, §7.4 handshake messages: §7.4.1.2 ClientHello, §7.4.1.3
//            ServerHello, §7.4.2 Certificate, §7.4.3 ServerKeyExchange, §7.4.5
//            ServerHelloDone, §7.4.7 ClientKeyExchange, §7.4.9 Finished), RFC 8422 §5.4
//            and §5.7 (ECDHE parameters and the client's public key), RFC 6066 §3 (SNI),
//            RFC 5077 §3.3 (NewSessionTicket).
//
// API:
//   RecordDecoder decoder(Sender::Client);
//   decoder.feed(bytes, events);   // any split; appends one tls_step Event per message
//
// The decoder only watches: it never changes the bytes and the TLS session does not
// depend on it (tls/session.cpp feeds it a copy of every byte sent and received). After
// ChangeCipherSpec the sender's records are encrypted, so Finished is reported as
// "Finished (encrypted)"; application data records are not reported (the SMTP events
// carry their plaintext). Bytes that are not a TLS record end the decoding with one
// "not TLS" event.
//
// Not implemented: SSL 2.0 hellos, TLS 1.3 (mbedTLS 2.28 speaks 1.2), DTLS.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/trace.hpp"

namespace smtplab::tls {

enum class Sender { Client, Server };
std::string_view to_string(Sender sender);  // "client", "server"

// RFC 5246 §7.2: the name of an alert description ("close_notify", "unknown_ca", ...).
std::string alert_name(unsigned description);

// RFC 5246 §6.2.3: "The length (in bytes) of the following TLSCiphertext.fragment. The
// length MUST NOT exceed 2^14 + 2048." Plus the 5-octet header.
inline constexpr std::size_t record_length_max = (1u << 14) + 2048;
inline constexpr std::size_t record_header_size = 5;

// Our choice: a handshake message larger than this (a Certificate message with a long
// chain) is reported without its bytes. 64 KiB holds any chain a lesson uses.
inline constexpr std::size_t handshake_message_shown_max = 64 * 1024;

class RecordDecoder {
 public:
  explicit RecordDecoder(Sender sender) : sender_(sender) {}

  void feed(std::string_view bytes, std::vector<Event>& events);
  bool not_tls() const { return not_tls_; }
  bool encrypted() const { return encrypted_; }

 private:
  void record(unsigned type, std::string_view header, std::string_view body, std::vector<Event>& events);
  void handshake_message(std::string_view message, std::vector<Event>& events);
  Event make_event(std::string summary, std::string_view bytes, std::string explain, std::string rfc) const;

  Sender sender_;
  std::string record_buffer_;     // the current partial record, never above header + max
  std::string handshake_buffer_;  // a handshake message split over records
  std::size_t handshake_skip_ = 0;  // octets of an oversized message still to skip
  bool encrypted_ = false;        // this sender sent ChangeCipherSpec
  bool finished_seen_ = false;
  bool not_tls_ = false;
};

}  // namespace smtplab::tls
