// tls/pki_internal.hpp — the mbedTLS objects behind Identity and TrustAnchors, shared by
// the files of this module only (the public headers do not include mbedTLS).
#pragma once

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <string>

#include "tls/pki.hpp"

namespace smtplab::tls {

struct Identity::Impl {
  mbedtls_x509_crt chain;
  mbedtls_pk_context key;
  Impl() {
    mbedtls_x509_crt_init(&chain);
    mbedtls_pk_init(&key);
  }
  ~Impl() {
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&chain);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

struct TrustAnchors::Impl {
  mbedtls_x509_crt cas;
  Impl() { mbedtls_x509_crt_init(&cas); }
  ~Impl() { mbedtls_x509_crt_free(&cas); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

// mbedtls_strerror's text for an error code.
std::string mbedtls_error_text(int code);
// The f_rng mbedTLS calls: `random` is a smtplab::Random*.
int random_callback(void* random, unsigned char* out, std::size_t size);
// "CN=mx.b.example, O=smtplab lab".
std::string dn_text(const mbedtls_x509_name& name);
CertificateSummary summarize(const mbedtls_x509_crt& crt);

}  // namespace smtplab::tls
