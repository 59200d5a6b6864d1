// mailauth/key_gen.hpp — an RSA key pair for DKIM signing, made from a caller's random
// source, so that a scenario's seed gives the same key (and the same DNS record) on
// every run.
//
// Standards: RFC 8301 §3.2 ("Signers MUST use RSA keys of at least 1024 bits ... SHOULD
//            use RSA keys of at least 2048 bits"), RFC 8017 §3.1 (the RSA key, e = 65537),
//            RFC 7468 (PEM).
//
// API:
//   generate_rsa_key_pem(bits, random) -> "-----BEGIN RSA PRIVATE KEY-----..." or "" on error
//   (then RsaPrivateKey::from_pem and dkim_key_record, in crypto.hpp and dkim.hpp)
//
// Not implemented: Ed25519 keys (RFC 8463; mbedTLS 2.28 has none). A real signer would
// use a system entropy source; here the source is the simulator's seeded generator, which
// is exactly what makes a lesson repeatable and exactly what a real key must never be.
#pragma once

#include <string>

#include "core/clock.hpp"

namespace smtplab::mailauth {

// RFC 8301 §3.2: the recommended size.
inline constexpr unsigned dkim_key_bits_default = 2048;
// RFC 8301 §3.2: "at least 1024 bits"; our choice of upper bound keeps generation short.
inline constexpr unsigned dkim_key_bits_min = 1024;
inline constexpr unsigned dkim_key_bits_max = 4096;

// A PKCS#1 PEM private key; "" when `bits` is outside [min, max] or mbedTLS fails.
std::string generate_rsa_key_pem(unsigned bits, Random& random);

}  // namespace smtplab::mailauth
