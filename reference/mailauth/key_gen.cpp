// mailauth/key_gen.cpp — RSA key generation over mbedTLS with a caller's random source.
#include "mailauth/key_gen.hpp"

#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

namespace smtplab::mailauth {

namespace {

// mbedTLS's f_rng: every random byte of the key comes from `random`.
int random_bytes(void* random, unsigned char* out, std::size_t size) {
  static_cast<Random*>(random)->fill(out, size);
  return 0;
}

// RFC 8017 §3.1 leaves e open; 65537 is the universal choice (and what DKIM keys use).
constexpr int rsa_public_exponent = 65537;
// mbedTLS writes a PEM of about 1.7 KiB for 2048 bits; 4096 bits need about 3.3 KiB.
constexpr std::size_t pem_buffer_bytes = 8192;

}  // namespace

std::string generate_rsa_key_pem(unsigned bits, Random& random) {
  if (bits < dkim_key_bits_min || bits > dkim_key_bits_max) return {};
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  std::string pem;
  if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0 &&
      mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), random_bytes, &random, bits, rsa_public_exponent) == 0) {
    std::string buffer(pem_buffer_bytes, '\0');
    if (mbedtls_pk_write_key_pem(&pk, reinterpret_cast<unsigned char*>(buffer.data()), buffer.size()) == 0)
      pem = buffer.c_str();  // NUL-terminated by mbedTLS
  }
  mbedtls_pk_free(&pk);
  return pem;
}

}  // namespace smtplab::mailauth
