// mailauth/crypto.cpp — mbedTLS 2.28 behind the small interface DKIM needs.
#include "mailauth/crypto.hpp"

#include <mbedtls/base64.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace smtplab::mailauth {

namespace {

std::string mbedtls_message(int code) {
  char buffer[128] = {};
  (void)code;
  std::snprintf(buffer, sizeof buffer, "mbedTLS error -0x%04X", static_cast<unsigned>(-code));
  return buffer;
}

}  // namespace

struct RsaPublicKey::Impl {
  mbedtls_pk_context pk;
  Impl() { mbedtls_pk_init(&pk); }
  ~Impl() { mbedtls_pk_free(&pk); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

struct RsaPrivateKey::Impl {
  mbedtls_pk_context pk;
  Impl() { mbedtls_pk_init(&pk); }
  ~Impl() { mbedtls_pk_free(&pk); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

std::string sha256(std::string_view bytes) {
  unsigned char out[32];
  mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out, 0);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string base64_encode(std::string_view bytes) {
  std::size_t length = 0;
  mbedtls_base64_encode(nullptr, 0, &length, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  std::vector<unsigned char> out(length + 1);
  if (mbedtls_base64_encode(out.data(), out.size(), &length, reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size()) != 0)
    return {};
  return std::string(reinterpret_cast<const char*>(out.data()), length);
}

// RFC 2045 §6.8's alphabet as a table: the value of each character, 64 for "=", 255
// for anything else. A key record and a b= tag are public data, so the table lookup
// (not constant time, unlike mbedTLS's decoder) leaks nothing, and it is one pass.
constexpr auto base64_values = [] {
  std::array<unsigned char, 256> table{};
  table.fill(255);
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (unsigned char i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = i;
  table['='] = 64;
  return table;
}();

std::optional<std::string> base64_decode(std::string_view text) {
  // The rules are mbedTLS 2.28's (mbedtls_base64_decode), which this replaces for speed:
  // whitespace is skipped, at most two "=" and only at the end, and a last group of
  // fewer than four characters is dropped.
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  std::uint32_t group = 0;
  int in_group = 0;
  int equals = 0;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    const unsigned char value = base64_values[static_cast<unsigned char>(c)];
    if (value == 255) return std::nullopt;
    if (value == 64) {
      if (++equals > 2) return std::nullopt;
    } else if (equals != 0) {
      return std::nullopt;  // data after "="
    }
    group = (group << 6) | (value & 63);
    if (++in_group == 4) {
      out += static_cast<char>(group >> 16);
      if (equals < 2) out += static_cast<char>((group >> 8) & 0xFF);
      if (equals < 1) out += static_cast<char>(group & 0xFF);
      group = 0;
      in_group = 0;
    }
  }
  return out;
}

std::optional<RsaPublicKey> RsaPublicKey::from_der(std::string_view der, std::string* why) {
  RsaPublicKey key;
  key.impl_ = std::make_shared<Impl>();
  // mbedTLS 2.28 reads a SubjectPublicKeyInfo and, failing that, a bare PKCS#1
  // RSAPublicKey: the second is interoperability leniency (RFC 6376 §3.6.1 says SPKI).
  const int rc = mbedtls_pk_parse_public_key(&key.impl_->pk, reinterpret_cast<const unsigned char*>(der.data()),
                                             der.size());
  if (rc != 0) {
    if (why) *why = "the key data is not an RSA public key (" + mbedtls_message(rc) + ")";
    return std::nullopt;
  }
  if (mbedtls_pk_get_type(&key.impl_->pk) != MBEDTLS_PK_RSA) {
    if (why) *why = "the key is not an RSA key";
    return std::nullopt;
  }
  const unsigned bits = key.bits();
  if (bits < rsa_key_bits_min || bits > rsa_key_bits_max) {
    if (why) *why = "a " + std::to_string(bits) + "-bit RSA key (RFC 8301 §3.2: at least 1024 bits)";
    return std::nullopt;
  }
  return key;
}

unsigned RsaPublicKey::bits() const {
  return impl_ ? static_cast<unsigned>(mbedtls_pk_get_bitlen(&impl_->pk)) : 0;
}

bool RsaPublicKey::verify(std::string_view hash, std::string_view signature) const {
  if (!impl_ || hash.size() != 32) return false;
  return mbedtls_pk_verify(&impl_->pk, MBEDTLS_MD_SHA256, reinterpret_cast<const unsigned char*>(hash.data()),
                           hash.size(), reinterpret_cast<const unsigned char*>(signature.data()),
                           signature.size()) == 0;
}

std::optional<RsaPrivateKey> RsaPrivateKey::from_pem(std::string_view pem, std::string* why) {
  RsaPrivateKey key;
  key.impl_ = std::make_shared<Impl>();
  const std::string text(pem);  // mbedTLS wants PEM NUL-terminated, the NUL counted
  const int rc = mbedtls_pk_parse_key(&key.impl_->pk, reinterpret_cast<const unsigned char*>(text.c_str()),
                                      text.size() + 1, nullptr, 0);
  if (rc != 0) {
    if (why) *why = "not a PEM private key (" + mbedtls_message(rc) + ")";
    return std::nullopt;
  }
  if (mbedtls_pk_get_type(&key.impl_->pk) != MBEDTLS_PK_RSA) {
    if (why) *why = "not an RSA key (rsa-sha256 needs one)";
    return std::nullopt;
  }
  return key;
}

unsigned RsaPrivateKey::bits() const {
  return impl_ ? static_cast<unsigned>(mbedtls_pk_get_bitlen(&impl_->pk)) : 0;
}

std::optional<std::string> RsaPrivateKey::sign(std::string_view hash) const {
  if (!impl_ || hash.size() != 32) return std::nullopt;
  std::vector<unsigned char> out(MBEDTLS_PK_SIGNATURE_MAX_SIZE);
  std::size_t length = 0;
  // No random source: PKCS#1 v1.5 signatures are deterministic, and mbedTLS 2.28 skips
  // blinding when no generator is given (engines have no random source of their own).
  const int rc = mbedtls_pk_sign(&impl_->pk, MBEDTLS_MD_SHA256, reinterpret_cast<const unsigned char*>(hash.data()),
                                 hash.size(), out.data(), &length, nullptr, nullptr);
  if (rc != 0) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out.data()), length);
}

std::string RsaPrivateKey::public_der() const {
  if (!impl_) return {};
  std::vector<unsigned char> buffer(4096);
  const int length = mbedtls_pk_write_pubkey_der(&impl_->pk, buffer.data(), buffer.size());
  if (length <= 0) return {};
  // mbedTLS writes at the end of the buffer.
  return std::string(reinterpret_cast<const char*>(buffer.data() + buffer.size() - static_cast<std::size_t>(length)),
                     static_cast<std::size_t>(length));
}

}  // namespace smtplab::mailauth
