// mailauth/crypto.hpp — the few cryptographic operations DKIM needs, over mbedTLS and
// nettle: SHA-256, base64, and RSASSA-PKCS1-v1_5 with SHA-256.
//
// Why two libraries: mbedTLS 2.28 is smtplab's TLS library, and it parses keys and signs
// here too (PKCS#1 v1.5 is deterministic, so DKIM signatures stay byte for byte what
// they were, seeded keys included). Verification is the hot path of a receiving MTA, and
// issue 5 asks for at least 20 times dkimpy's verification rate: with mbedTLS a 2048-bit
// check took about 60 us, of which the RSA public operation was 37 us and SHA-256 of a
// 4 KiB message 11 us. Nettle (Debian's nettle-dev, RSA in its hogweed part over GMP)
// does the same public operation in about 17 us and SHA-256 in about 2.8 us (the CPU's
// SHA instructions, chosen at run time). So sha256() uses nettle, and verify() runs the
// steps of RFC 8017 §8.2.2 itself around GMP's mpz_powm (the public operation, on the n
// and e a nettle rsa_public_key holds): nettle's rsa_sha256_verify_digest did the same
// but converted S and EM to integers an octet at a time, 1 us a verification. A key is
// still parsed by mbedTLS and its n and e handed over once, in from_der.
//
// Standards: RFC 6376 §3.3.1 (rsa-sha256 = RSASSA-PKCS1-v1_5 [RFC 8017 §8.2] with
//            SHA-256), §3.6.1 (p= is base64 of an RSAPublicKey inside a
//            SubjectPublicKeyInfo), §2.4 (base64 per RFC 2045 §6.8), RFC 8301 §3.2
//            (RSA key sizes: "Verifiers MUST be able to validate signatures with keys
//            ranging from 1024 bits to 4096 bits").
//
// API:
//   sha256(bytes) -> 32 octets;  base64_encode(bytes);  base64_decode(text) -> optional
//   RsaPublicKey::from_der(der)  SPKI, or a bare PKCS#1 RSAPublicKey (leniency)
//   RsaPrivateKey::from_pem(pem) PKCS#1 or PKCS#8 PEM
//   key.verify(hash, signature)  (GMP)  key.sign(hash) -> signature  (mbedTLS);  key.public_der()
//
// Not implemented: Ed25519 (RFC 8463; mbedTLS 2.28 has none, but nettle 3.8, already
// used here, verifies ed25519: the way to add it), rsa-sha1 (RFC 8301
// §3.1: "Verifiers MUST NOT consider signatures using the "rsa-sha1" algorithm valid").
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace smtplab::mailauth {

std::string sha256(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
// Whitespace is ignored (RFC 6376 §3.5: b= and bh= may be folded); anything else
// outside the alphabet, or bad padding, gives nullopt.
std::optional<std::string> base64_decode(std::string_view text);

// RFC 8301 §3.2: keys under 1024 bits are not accepted.
inline constexpr unsigned rsa_key_bits_min = 1024;
// Our choice: RFC 8301 §3.2 requires verifiers to handle up to 4096 bits; larger keys
// are refused so that a hostile record cannot make us do huge exponentiations.
inline constexpr unsigned rsa_key_bits_max = 8192;

class RsaPublicKey {
 public:
  static std::optional<RsaPublicKey> from_der(std::string_view der, std::string* why = nullptr);
  unsigned bits() const;
  // True when `signature` is a valid RSASSA-PKCS1-v1_5 signature of the SHA-256 `hash`.
  bool verify(std::string_view hash, std::string_view signature) const;

  struct Impl;
  std::shared_ptr<Impl> impl_;
};

class RsaPrivateKey {
 public:
  static std::optional<RsaPrivateKey> from_pem(std::string_view pem, std::string* why = nullptr);
  unsigned bits() const;
  // RSASSA-PKCS1-v1_5 is deterministic: the same key and hash give the same bytes.
  std::optional<std::string> sign(std::string_view hash) const;
  // The SubjectPublicKeyInfo DER, for the p= of a key record.
  std::string public_der() const;

  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace smtplab::mailauth
