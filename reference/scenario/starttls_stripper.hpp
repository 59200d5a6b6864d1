// scenario/starttls_stripper.hpp — an on-path attacker for lesson 05: it relays an SMTP
// connection to the real server and removes STARTTLS from the EHLO reply, so that a
// client using opportunistic TLS goes on in plaintext and the attacker reads the mail.
//
// Standards: RFC 3207 §6 ("A man-in-the-middle attack can be launched by deleting the
// "250 STARTTLS" response from the server. This would cause the client not to try to
// start a TLS session."), RFC 5321 §4.2.1 (multiline replies: every line but the last
// has a hyphen after the code), RFC 7435 (opportunistic security), RFC 8461 (MTA-STS)
// and RFC 7672 (DANE): the defences, which this lesson motivates.
//
// API:
//   StartTlsStripper mitm(host, upstream);  // upstream: the real server, e.g. mx.b.example:25
//   mitm.start(port);                       // listen (the MX record points here)
//
// Every connection accepted is relayed to `upstream`. Server -> client bytes go through
// a line filter that drops a "250-STARTTLS"/"250 STARTTLS" line and repairs the hyphens
// so the reply stays well-formed; client -> server bytes pass unchanged, and the message
// after DATA is reported as a note (what the attacker read). Nothing else is changed.
//
// Not implemented: attacks inside TLS (impossible without the server's key), rewriting
// other extensions, IPv6-specific behaviour.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/host.hpp"

namespace smtplab::scenario {

// Our choice: a reply line longer than this without CRLF is passed on as is (the filter
// never grows without bound; RFC 5321 §4.5.3.1.5 allows reply lines of 512 octets).
inline constexpr std::size_t stripper_line_buffer_max = 64 * 1024;
// Our choice: client bytes held while the upstream connection is being made, and the
// message text kept for the "attacker read" note; beyond it the rest is not kept.
inline constexpr std::size_t stripper_client_buffer_max = 1024 * 1024;

class StartTlsStripper {
 public:
  StartTlsStripper(Host& host, Endpoint upstream) : host_(host), upstream_(std::move(upstream)) {}
  void start(std::uint16_t port);

  Host& host() { return host_; }
  const Endpoint& upstream() const { return upstream_; }

 private:
  Host& host_;
  Endpoint upstream_;
};

// The reply filter on its own (public so that tests can check it without a network):
// feed server bytes, get the bytes to pass to the client. `stripped()` says whether a
// STARTTLS line was removed by the last feed.
class EhloReplyFilter {
 public:
  std::string feed(std::string_view bytes);
  bool stripped() const { return stripped_; }

 private:
  std::string flush_group();

  std::string partial_;                 // bytes of a line without its CRLF yet
  std::vector<std::string> group_;      // lines of a multiline reply so far (with CRLF)
  bool stripped_ = false;
};

}  // namespace smtplab::scenario
