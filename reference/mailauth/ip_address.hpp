// mailauth/ip_address.hpp — the connecting client's address as SPF sees it: parsing,
// CIDR matching and the reverse-lookup name.
//
// Standards: RFC 7208 §5.6 (ip4/ip6 networks and CIDR lengths; "ip4-network = qnum
//            "." qnum "." qnum "." qnum" without leading zeros), §5 ("when <ip> is an
//            IPv4-mapped IPv6 address, it is treated as IPv4" — interpreted from §5's
//            note and the openspf test suite), §7.3 (the "i" and "v" macros), RFC 1035
//            §3.5 (in-addr.arpa), RFC 3596 §2.5 (ip6.arpa nibbles), RFC 4291 §2.2
//            (IPv6 text, embedded IPv4), RFC 5952 §4 (canonical IPv6 text).
//
// API:
//   parse_ip("192.0.2.1") / parse_ip("2001:db8::1")  -> optional<IpAddress>
//   ip.in_network(network, prefix_bits)               CIDR match (same family only)
//   ip.to_string()  "192.0.2.1" / "2001:db8::1";  ip.dotted()  the %{i} form;
//   ip.reverse_name()  "1.2.0.192.in-addr.arpa" / nibbles ".ip6.arpa"
//
// Not implemented: zone indices ("fe80::1%eth0"), which SPF never carries.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smtplab::mailauth {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4

  std::size_t size() const { return v6 ? 16 : 4; }
  unsigned bits() const { return v6 ? 128 : 32; }
  // True when the first `prefix_bits` bits equal those of `network` (same family).
  bool in_network(const IpAddress& network, unsigned prefix_bits) const;
  std::string to_string() const;     // RFC 5952 for IPv6
  std::string dotted() const;        // RFC 7208 §7.3 "i": "192.0.2.1" / "2.0.0.1.0.d.b.8..."
  std::string reverse_name() const;  // "1.2.0.192.in-addr.arpa" / "...ip6.arpa"
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// Strict dotted quad: four decimal numbers 0-255, no leading zeros (RFC 7208 §5.6 qnum).
std::optional<IpAddress> parse_ipv4(std::string_view text);
// RFC 4291 §2.2 text forms, including "::" and an embedded dotted quad.
std::optional<IpAddress> parse_ipv6(std::string_view text);
// Either family. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) stays IPv6 here;
// client_ip() folds it to IPv4.
std::optional<IpAddress> parse_ip(std::string_view text);
// The client address as SPF evaluates it: RFC 7208 §5 treats an IPv4-mapped IPv6
// address as the IPv4 address it carries.
std::optional<IpAddress> client_ip(std::string_view text);

}  // namespace smtplab::mailauth
