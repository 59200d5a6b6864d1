// mailauth/ip_address.cpp — address parsing and matching for SPF.
#include "mailauth/ip_address.hpp"

#include <cstdio>

#include "dns/wire.hpp"

namespace smtplab::mailauth {

bool IpAddress::in_network(const IpAddress& network, unsigned prefix_bits) const {
  if (v6 != network.v6 || prefix_bits > bits()) return false;
  const unsigned whole = prefix_bits / 8;
  for (unsigned i = 0; i < whole; ++i)
    if (bytes[i] != network.bytes[i]) return false;
  const unsigned rest = prefix_bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (bytes[whole] & mask) == (network.bytes[whole] & mask);
}

std::string IpAddress::to_string() const {
  if (!v6) {
    return std::to_string(bytes[0]) + "." + std::to_string(bytes[1]) + "." + std::to_string(bytes[2]) +
           "." + std::to_string(bytes[3]);
  }
  return dns::ipv6_to_text(std::string(reinterpret_cast<const char*>(bytes.data()), 16));
}

std::string IpAddress::dotted() const {
  if (!v6) return to_string();
  // RFC 7208 §7.3: "for IPv6 addresses, the "i" macro expands to a dot-format address;
  // it is intended for use in %{ir}" — 32 nibbles, most significant first.
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i) out += '.';
    out += hex[bytes[i] >> 4];
    out += '.';
    out += hex[bytes[i] & 0xF];
  }
  return out;
}

std::string IpAddress::reverse_name() const {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  if (!v6) {
    // RFC 1035 §3.5: the octets in reverse order under in-addr.arpa.
    for (int i = 3; i >= 0; --i) out += std::to_string(bytes[static_cast<std::size_t>(i)]) + ".";
    return out + "in-addr.arpa";
  }
  // RFC 3596 §2.5: nibbles in reverse order under ip6.arpa.
  for (int i = 15; i >= 0; --i) {
    const auto b = bytes[static_cast<std::size_t>(i)];
    out += hex[b & 0xF];
    out += '.';
    out += hex[b >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

std::optional<IpAddress> parse_ipv4(std::string_view text) {
  IpAddress ip;
  std::size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    const std::size_t start = pos;
    unsigned value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3) {
      value = value * 10 + static_cast<unsigned>(text[pos] - '0');
      ++pos;
    }
    const std::size_t digits = pos - start;
    // RFC 7208 §5.6 qnum: no leading zeros ("01" is not a qnum), at most 255.
    if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) return std::nullopt;
    ip.bytes[static_cast<std::size_t>(part)] = static_cast<std::uint8_t>(value);
  }
  if (pos != text.size()) return std::nullopt;
  return ip;
}

std::optional<IpAddress> parse_ipv6(std::string_view text) {
  if (text.find(':') == std::string_view::npos) return std::nullopt;
  const auto raw = dns::ipv6_to_bytes(text);
  if (!raw || raw->size() != 16) return std::nullopt;
  IpAddress ip;
  ip.v6 = true;
  for (std::size_t i = 0; i < 16; ++i) ip.bytes[i] = static_cast<std::uint8_t>((*raw)[i]);
  return ip;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (auto v4 = parse_ipv4(text)) return v4;
  return parse_ipv6(text);
}

std::optional<IpAddress> client_ip(std::string_view text) {
  auto ip = parse_ip(text);
  if (!ip || !ip->v6) return ip;
  // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2): ten zero octets, two 0xFF, then IPv4.
  for (std::size_t i = 0; i < 10; ++i)
    if (ip->bytes[i] != 0) return ip;
  if (ip->bytes[10] != 0xFF || ip->bytes[11] != 0xFF) return ip;
  IpAddress v4;
  for (std::size_t i = 0; i < 4; ++i) v4.bytes[i] = ip->bytes[12 + i];
  return v4;
}

}  // namespace smtplab::mailauth
