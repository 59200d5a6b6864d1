// mailauth/crypto.cpp — mbedTLS 2.28 and nettle behind the small interface DKIM needs.
//
// Two libraries, each where it is best (crypto.hpp's header has the figures): mbedTLS
// parses keys and signs, deterministically, as the rest of smtplab's TLS does; nettle
// hashes and holds the public key, and GMP (under nettle) does the RSA public operation,
// the hot path of verification, with the RFC 8017 §8.2.2 steps around it written here.
#include "mailauth/crypto.hpp"

#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <nettle/bignum.h>
#include <nettle/rsa.h>
#include <nettle/sha2.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
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

// The public key as nettle holds it: n and e as GMP integers, and `size` = k, the
// length of n in octets (RFC 8017 §8.2.2). mbedTLS parsed the DER; nettle only computes.
// Copies of an RsaPublicKey share one Impl (shared_ptr), so it is cleared once.
struct RsaPublicKey::Impl {
  rsa_public_key key;
  unsigned bits = 0;
  Impl() { rsa_public_key_init(&key); }
  ~Impl() { rsa_public_key_clear(&key); }
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
  // Nettle picks the SHA-NI code at run time when the CPU has it (Debian builds nettle
  // "fat"): 4 KiB in about 2.8 us against mbedTLS 2.28's 11 us. The digest is the same
  // FIPS 180-4 SHA-256 either way, so signatures made before and after are identical.
  sha256_ctx context;
  sha256_init(&context);
  sha256_update(&context, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
  std::uint8_t out[SHA256_DIGEST_SIZE];
  sha256_digest(&context, sizeof out, out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

// RFC 2045 §6.8: each 3 octets become 4 characters of the alphabet; a last group of 1
// or 2 octets is padded with "=" to 4 characters. Everything DKIM encodes (bh=, b=, p=)
// is public, so a plain table lookup replaces mbedTLS's constant-time encoder, which
// cost a verification about 1 us (bench/dkim_bench.cpp); the output is the same
// (tests/mailauth/dkim_fast_paths_test.cpp compares the two).
std::string base64_encode(std::string_view bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto octet = [&](std::size_t at) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = (octet(i) << 16) | (octet(i + 1) << 8) | octet(i + 2);
    out += alphabet[group >> 18];
    out += alphabet[(group >> 12) & 63];
    out += alphabet[(group >> 6) & 63];
    out += alphabet[group & 63];
  }
  if (const std::size_t left = bytes.size() - i; left > 0) {
    const std::uint32_t group = (octet(i) << 16) | (left == 2 ? octet(i + 1) << 8 : 0);
    out += alphabet[group >> 18];
    out += alphabet[(group >> 12) & 63];
    out += left == 2 ? alphabet[(group >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// RFC 2045 §6.8's alphabet as a table: the value of each character, 64 for "=", 65 for
// whitespace (skipped), 255 for anything else. A key record and a b= tag are public
// data, so the table lookup (not constant time, unlike mbedTLS's decoder) leaks nothing,
// and it is one pass.
constexpr unsigned char base64_pad = 64;
constexpr unsigned char base64_space = 65;
constexpr unsigned char base64_invalid = 255;
constexpr auto base64_values = [] {
  std::array<unsigned char, 256> table{};
  table.fill(base64_invalid);
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (unsigned char i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = i;
  table['='] = base64_pad;
  for (const char c : {' ', '\t', '\r', '\n'}) table[static_cast<unsigned char>(c)] = base64_space;
  return table;
}();

std::optional<std::string> base64_decode(std::string_view text) {
  // The rules are mbedTLS 2.28's (mbedtls_base64_decode), which this replaces for speed:
  // whitespace is skipped, at most two "=" and only at the end, and a last group of
  // fewer than four characters is dropped.
  // The output is at most 3 octets per 4 characters, so it is written through a pointer
  // into a buffer sized once, then cut to the length written (appending octet by octet
  // was half of the decoder's time, and it decodes b= in every verification).
  std::string out(text.size() / 4 * 3, '\0');
  char* write = out.data();
  std::uint32_t group = 0;
  int in_group = 0;
  int equals = 0;
  const auto value_at = [&](std::size_t at) { return base64_values[static_cast<unsigned char>(text[at])]; };
  std::size_t i = 0;
  while (i < text.size()) {
    // Almost every group of a b= tag is four alphabet characters in a row: those are
    // decoded at once (every other table value, "=", whitespace and invalid, has bit 6
    // set, so the four values or-ed together are below 64 only when all four are data).
    // Anything else goes through the character-by-character rules below.
    if (in_group == 0 && equals == 0 && i + 4 <= text.size()) {
      const std::uint32_t a = value_at(i), b = value_at(i + 1), c = value_at(i + 2), d = value_at(i + 3);
      if ((a | b | c | d) < base64_pad) {
        const std::uint32_t whole = (a << 18) | (b << 12) | (c << 6) | d;
        *write++ = static_cast<char>(whole >> 16);
        *write++ = static_cast<char>((whole >> 8) & 0xFF);
        *write++ = static_cast<char>(whole & 0xFF);
        i += 4;
        continue;
      }
    }
    const unsigned char value = value_at(i++);
    if (value < base64_pad) {
      if (equals != 0) return std::nullopt;  // data after "="
    } else if (value == base64_pad) {
      if (++equals > 2) return std::nullopt;
    } else if (value == base64_space) {
      continue;
    } else {
      return std::nullopt;
    }
    group = (group << 6) | (value & 63);
    if (++in_group == 4) {
      *write++ = static_cast<char>(group >> 16);
      if (equals < 2) *write++ = static_cast<char>((group >> 8) & 0xFF);
      if (equals < 1) *write++ = static_cast<char>(group & 0xFF);
      group = 0;
      in_group = 0;
    }
  }
  out.resize(static_cast<std::size_t>(write - out.data()));
  return out;
}

namespace {

// An mbedTLS context that frees itself, for the parse in from_der.
struct ParsedPk {
  mbedtls_pk_context pk;
  ParsedPk() { mbedtls_pk_init(&pk); }
  ~ParsedPk() { mbedtls_pk_free(&pk); }
  ParsedPk(const ParsedPk&) = delete;
  ParsedPk& operator=(const ParsedPk&) = delete;
};

}  // namespace

std::optional<RsaPublicKey> RsaPublicKey::from_der(std::string_view der, std::string* why) {
  ParsedPk parsed;
  // mbedTLS 2.28 reads a SubjectPublicKeyInfo and, failing that, a bare PKCS#1
  // RSAPublicKey: the second is interoperability leniency (RFC 6376 §3.6.1 says SPKI).
  const int rc = mbedtls_pk_parse_public_key(&parsed.pk, reinterpret_cast<const unsigned char*>(der.data()),
                                             der.size());
  if (rc != 0) {
    if (why) *why = "the key data is not an RSA public key (" + mbedtls_message(rc) + ")";
    return std::nullopt;
  }
  if (mbedtls_pk_get_type(&parsed.pk) != MBEDTLS_PK_RSA) {
    if (why) *why = "the key is not an RSA key";
    return std::nullopt;
  }
  const unsigned bits = static_cast<unsigned>(mbedtls_pk_get_bitlen(&parsed.pk));
  if (bits < rsa_key_bits_min || bits > rsa_key_bits_max) {
    if (why) *why = "a " + std::to_string(bits) + "-bit RSA key (RFC 8301 §3.2: at least 1024 bits)";
    return std::nullopt;
  }
  // Hand n and e to nettle once, as big-endian octets (RFC 8017 §4.1 I2OSP); every
  // verification with this key then runs in nettle and GMP. e < n, so k octets hold both.
  const mbedtls_rsa_context* rsa = mbedtls_pk_rsa(parsed.pk);
  const std::size_t k = mbedtls_rsa_get_len(rsa);
  std::vector<unsigned char> n(k), e(k);
  if (mbedtls_rsa_export_raw(rsa, n.data(), k, nullptr, 0, nullptr, 0, nullptr, 0, e.data(), k) != 0) {
    if (why) *why = "the RSA key's modulus or exponent cannot be read";
    return std::nullopt;
  }
  RsaPublicKey key;
  key.impl_ = std::make_shared<Impl>();
  key.impl_->bits = bits;
  nettle_mpz_set_str_256_u(key.impl_->key.n, k, n.data());
  nettle_mpz_set_str_256_u(key.impl_->key.e, k, e.data());
  // rsa_public_key_prepare sets size = k and refuses a modulus nettle cannot use.
  if (rsa_public_key_prepare(&key.impl_->key) != 1 || key.impl_->key.size != k) {
    if (why) *why = "the RSA key is not usable (nettle refused its modulus)";
    return std::nullopt;
  }
  return key;
}

unsigned RsaPublicKey::bits() const { return impl_ ? impl_->bits : 0; }

namespace {

// GMP keeps an integer as limbs (machine words), least significant first.
constexpr std::size_t limb_octets = sizeof(mp_limb_t);
// k <= rsa_key_bits_max / 8 octets (from_der refuses larger keys).
static_assert(rsa_key_bits_max % (8 * limb_octets) == 0);
using Limbs = std::array<mp_limb_t, rsa_key_bits_max / 8 / limb_octets>;

// The octets of a limb in the opposite order (std::byteswap is C++23); GCC and Clang
// compile the builtin to one bswap instruction.
mp_limb_t byte_swap(mp_limb_t limb) {
  static_assert(sizeof(mp_limb_t) == 8, "GMP limbs are 64 bits on the platforms smtplab builds on");
  return __builtin_bswap64(limb);
}

// RFC 8017 §4.2 OS2IP: the octets are a big-endian integer. They are gathered into limbs
// here and GMP reads those in place (mpz_roinit_n: no copy, no allocation), where
// nettle's nettle_mpz_set_str_256_u goes through GMP's general mpz_import one octet at a
// time: twice per verification (S and EM), that was about 1 us.
// Limb j holds the octets k - (j + 1) * limb_octets .. k - j * limb_octets - 1, the most
// significant first; the top limb may have fewer (k need not be a multiple of 8).
mpz_srcptr os2ip(std::span<const unsigned char> octets, Limbs& limbs, mpz_t out) {
  const std::size_t k = octets.size();
  const std::size_t count = (k + limb_octets - 1) / limb_octets;
  for (std::size_t j = 0; j < count; ++j) {
    const std::size_t end = k - j * limb_octets;
    const std::size_t begin = end >= limb_octets ? end - limb_octets : 0;
    mp_limb_t limb = 0;
    if (end - begin == limb_octets) {
      // A whole limb: one load, then the octets put in big-endian order (on a
      // little-endian CPU, one byte swap instruction). Gathering octet by octet cost
      // about 0.2 us per verification (256 octets of S, 256 of EM).
      std::memcpy(&limb, octets.data() + begin, limb_octets);
      if constexpr (std::endian::native == std::endian::little) limb = byte_swap(limb);
    } else {
      for (std::size_t i = begin; i < end; ++i) limb = (limb << 8) | octets[i];
    }
    limbs[j] = limb;
  }
  return mpz_roinit_n(out, limbs.data(), static_cast<mp_size_t>(count));
}

// RFC 8017 §9.2 note 1: the DER encoding of the DigestInfo for SHA-256, which precedes
// the hash in T.
constexpr std::array<unsigned char, 19> sha256_digest_info = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                              0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                              0x01, 0x05, 0x00, 0x04, 0x20};

}  // namespace

bool RsaPublicKey::verify(std::string_view hash, std::string_view signature) const {
  if (!impl_ || hash.size() != SHA256_DIGEST_SIZE) return false;
  const std::size_t k = impl_->key.size;
  // RFC 8017 §8.2.2 step 1: "If the length of the signature S is not k octets, output
  // "invalid signature" and stop." As an integer, leading zero octets (or missing ones)
  // would not show, so the length is checked on the octets.
  if (signature.size() != k) return false;
  // §9.2 step 3: "If emLen < tLen + 11, output "intended encoded message length too
  // short" and stop." (from_der's 1024-bit minimum makes this unreachable.)
  const std::size_t t_len = sha256_digest_info.size() + SHA256_DIGEST_SIZE;
  if (k < t_len + 11) return false;

  // Step 2a: s = OS2IP(S).
  Limbs s_limbs;
  mpz_t s;
  os2ip(std::span(reinterpret_cast<const unsigned char*>(signature.data()), k), s_limbs, s);
  // Step 2b, RSAVP1 (§5.2.2): "If the signature representative s is not between 0 and
  // n - 1, output "signature representative out of range" and stop." Then m = s^e mod n,
  // GMP's mpz_powm: the bulk of a verification, and nothing of ours.
  if (mpz_cmp(s, impl_->key.n) >= 0) return false;
  mpz_t m;
  mpz_init(m);
  mpz_powm(m, s, impl_->key.e, impl_->key.n);

  // Step 3, EMSA-PKCS1-v1_5 (§9.2): EM = 0x00 || 0x01 || PS || 0x00 || T, with PS the
  // octets 0xff filling EM to k octets, and T = DigestInfo || H.
  std::array<unsigned char, rsa_key_bits_max / 8> em{};
  em[1] = 0x01;
  const std::size_t t_start = k - t_len;
  std::fill(em.begin() + 2, em.begin() + static_cast<std::ptrdiff_t>(t_start - 1), 0xff);
  std::copy(sha256_digest_info.begin(), sha256_digest_info.end(), em.begin() + static_cast<std::ptrdiff_t>(t_start));
  std::copy(hash.begin(), hash.end(), em.begin() + static_cast<std::ptrdiff_t>(t_start + sha256_digest_info.size()));

  // Step 4: "Compare the encoded message EM and the second encoded message EM'. If they
  // are the same, output "valid signature"". EM' = I2OSP(m, k); m < n < 256^k, so
  // comparing the two as integers is comparing the k-octet strings.
  Limbs em_limbs;
  mpz_t em_value;
  os2ip(std::span<const unsigned char>(em.data(), k), em_limbs, em_value);
  const bool valid = mpz_cmp(m, em_value) == 0;
  mpz_clear(m);
  return valid;
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
