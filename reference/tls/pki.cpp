// tls/pki.cpp — the demo PKI (EC P-256 CA and host certificates) and PEM loading.
//
// Standards: see pki.hpp.
#include "tls/pki.hpp"

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <cstdio>
#include <stdexcept>

#include "tls/pki_internal.hpp"
#include "tls/verify.hpp"

namespace smtplab::tls {

std::string mbedtls_error_text(int code) {
  char buffer[160];
  mbedtls_strerror(code, buffer, sizeof buffer);
  return buffer;
}

int random_callback(void* random, unsigned char* out, std::size_t size) {
  static_cast<Random*>(random)->fill(out, size);
  return 0;
}

namespace {

void check(int ret, const char* what) {
  // Every call here works on inputs we built ourselves, so a failure is our bug (STYLE §17).
  if (ret != 0) throw std::runtime_error(std::string("demo PKI: ") + what + ": " + mbedtls_error_text(ret));
}

// Owners for mbedTLS contexts, so that every exit path frees them.
struct PkKey {
  mbedtls_pk_context ctx;
  PkKey() { mbedtls_pk_init(&ctx); }
  ~PkKey() { mbedtls_pk_free(&ctx); }
  PkKey(const PkKey&) = delete;
  PkKey& operator=(const PkKey&) = delete;
};
struct CertWriter {
  mbedtls_x509write_cert ctx;
  CertWriter() { mbedtls_x509write_crt_init(&ctx); }
  ~CertWriter() { mbedtls_x509write_crt_free(&ctx); }
  CertWriter(const CertWriter&) = delete;
  CertWriter& operator=(const CertWriter&) = delete;
};
struct Mpi {
  mbedtls_mpi ctx;
  Mpi() { mbedtls_mpi_init(&ctx); }
  ~Mpi() { mbedtls_mpi_free(&ctx); }
  Mpi(const Mpi&) = delete;
  Mpi& operator=(const Mpi&) = delete;
};

// RFC 5280 §4.1.2.5.2: GeneralizedTime, which mbedTLS takes as "YYYYMMDDhhmmss" (UTC).
std::string x509_time(TimeMs ms) {
  std::int64_t seconds = ms / 1000;
  if (ms < 0 && ms % 1000 != 0) --seconds;
  std::int64_t days = seconds / 86400;
  std::int64_t rest = seconds % 86400;
  if (rest < 0) { rest += 86400; --days; }
  // civil_from_days (Howard Hinnant), the inverse of epoch_seconds() in verify.cpp.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char text[96];
  std::snprintf(text, sizeof text, "%04lld%02lld%02lld%02lld%02lld%02lld", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day), static_cast<long long>(rest / 3600),
                static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
  return text;
}

// DER length octets (X.690 §8.1.3): short form below 128, else 0x81/0x82 + length.
void der_length(std::string& out, std::size_t length) {
  if (length < 0x80) {
    out += static_cast<char>(length);
  } else if (length <= 0xFF) {
    out += static_cast<char>(0x81);
    out += static_cast<char>(length);
  } else {
    out += static_cast<char>(0x82);
    out += static_cast<char>(length >> 8);
    out += static_cast<char>(length & 0xFF);
  }
}

// RFC 5280 §4.2.1.6: SubjectAltName ::= GeneralNames ::= SEQUENCE OF GeneralName, with
// dNSName [2] IA5String. mbedTLS 2.28 can read this extension but has no writer for it,
// so we encode the few bytes ourselves. RFC 6125 §6.4.4: clients look at the dNSNames
// and ignore the CN when a SAN is present, which is what OpenSSL-based clients (curl,
// Python) do.
std::string subject_alt_name_der(const std::vector<std::string>& names) {
  std::string body;
  for (const std::string& name : names) {
    body += static_cast<char>(0x82);  // context-specific, primitive, tag 2 (dNSName)
    der_length(body, name.size());
    body += name;
  }
  std::string out;
  out += static_cast<char>(0x30);  // SEQUENCE
  der_length(out, body.size());
  return out + body;
}

std::string subject_name(const CertificateRequest& request) {
  // mbedTLS reads "CN=...,O=..." (x509_create.c); a comma inside a value would need "\,".
  std::string name = "CN=" + request.common_name;
  if (!request.organization.empty()) name += ",O=" + request.organization;
  return name;
}

void generate_key(PkKey& key, Random& random) {
  check(mbedtls_pk_setup(&key.ctx, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), "pk_setup");
  check(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.ctx), random_callback, &random),
        "ecp_gen_key");
}

PemPair write_certificate(const CertificateRequest& request, PkKey& subject_key, PkKey& issuer_key,
                          const std::string& issuer_name, bool is_ca, Random& random) {
  CertWriter crt;
  // RFC 5280 §4.1.2.1: extensions need version 3.
  mbedtls_x509write_crt_set_version(&crt.ctx, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&crt.ctx, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&crt.ctx, &subject_key.ctx);
  mbedtls_x509write_crt_set_issuer_key(&crt.ctx, &issuer_key.ctx);
  check(mbedtls_x509write_crt_set_subject_name(&crt.ctx, subject_name(request).c_str()), "subject name");
  check(mbedtls_x509write_crt_set_issuer_name(&crt.ctx, issuer_name.c_str()), "issuer name");

  // RFC 5280 §4.1.2.2: "The serial number MUST be a positive integer ... Conforming CAs
  // MUST NOT use serialNumber values longer than 20 octets." 16 random octets with the
  // top bit clear are positive and unique enough.
  unsigned char serial_bytes[16];
  random.fill(serial_bytes, sizeof serial_bytes);
  serial_bytes[0] &= 0x7F;
  serial_bytes[0] |= 0x01;  // never a leading zero octet, so the length is stable
  Mpi serial;
  check(mbedtls_mpi_read_binary(&serial.ctx, serial_bytes, sizeof serial_bytes), "serial");
  check(mbedtls_x509write_crt_set_serial(&crt.ctx, &serial.ctx), "set serial");

  check(mbedtls_x509write_crt_set_validity(&crt.ctx, x509_time(request.not_before_ms).c_str(),
                                           x509_time(request.not_after_ms).c_str()),
        "validity");
  // RFC 5280 §4.2.1.9: basicConstraints cA=TRUE only for the CA.
  check(mbedtls_x509write_crt_set_basic_constraints(&crt.ctx, is_ca ? 1 : 0, is_ca ? 0 : -1),
        "basic constraints");
  check(mbedtls_x509write_crt_set_subject_key_identifier(&crt.ctx), "subject key identifier");
  check(mbedtls_x509write_crt_set_authority_key_identifier(&crt.ctx), "authority key identifier");
  // RFC 5280 §4.2.1.3: a CA signs certificates; an ECDHE_ECDSA server signs handshakes.
  check(mbedtls_x509write_crt_set_key_usage(&crt.ctx, is_ca ? (MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN)
                                                            : MBEDTLS_X509_KU_DIGITAL_SIGNATURE),
        "key usage");
  if (!is_ca) {
    std::vector<std::string> names = request.dns_names;
    if (names.empty()) names.push_back(request.common_name);
    const std::string san = subject_alt_name_der(names);
    check(mbedtls_x509write_crt_set_extension(&crt.ctx, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                              MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
                                              reinterpret_cast<const unsigned char*>(san.data()), san.size()),
          "subjectAltName");
  }

  // Our choice: 4 KiB holds a P-256 certificate with these extensions several times over.
  std::string pem(4096, '\0');
  check(mbedtls_x509write_crt_pem(&crt.ctx, reinterpret_cast<unsigned char*>(pem.data()), pem.size(),
                                  random_callback, &random),
        "write certificate");
  pem.resize(pem.find('\0'));
  std::string key_pem(2048, '\0');
  check(mbedtls_pk_write_key_pem(&subject_key.ctx, reinterpret_cast<unsigned char*>(key_pem.data()), key_pem.size()),
        "write key");
  key_pem.resize(key_pem.find('\0'));
  return {std::move(pem), std::move(key_pem)};
}

// mbedTLS's PEM parsers want the terminating NUL counted in the length.
int parse_key(mbedtls_pk_context& key, std::string_view pem) {
  const std::string text(pem);
  return mbedtls_pk_parse_key(&key, reinterpret_cast<const unsigned char*>(text.c_str()), text.size() + 1, nullptr, 0);
}

int parse_certificates(mbedtls_x509_crt& chain, std::string_view pem) {
  const std::string text(pem);
  const bool is_pem = text.find("-----BEGIN") != std::string::npos;
  return mbedtls_x509_crt_parse(&chain, reinterpret_cast<const unsigned char*>(text.c_str()),
                                text.size() + (is_pem ? 1 : 0));
}

std::string format_time(const mbedtls_x509_time& t) {
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d", t.year, t.mon, t.day, t.hour, t.min, t.sec);
  return text;
}

}  // namespace

std::string dn_text(const mbedtls_x509_name& name) {
  char buffer[512];
  const int n = mbedtls_x509_dn_gets(buffer, sizeof buffer, &name);
  return n < 0 ? std::string("(unreadable name)") : std::string(buffer, static_cast<std::size_t>(n));
}

CertificateSummary summarize(const mbedtls_x509_crt& crt) {
  CertificateSummary summary;
  summary.subject = dn_text(crt.subject);
  summary.issuer = dn_text(crt.issuer);
  summary.valid_from = format_time(crt.valid_from);
  summary.valid_to = format_time(crt.valid_to);
  for (const mbedtls_x509_sequence* san = &crt.subject_alt_names; san != nullptr; san = san->next) {
    if (san->buf.p == nullptr) continue;
    if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2))
      summary.dns_names.emplace_back(reinterpret_cast<const char*>(san->buf.p), san->buf.len);
  }
  return summary;
}

CertificateRequest demo_request(std::string common_name, TimeMs now_ms) {
  constexpr TimeMs day_ms = 24LL * 3600 * 1000;
  CertificateRequest request;
  request.common_name = std::move(common_name);
  request.not_before_ms = now_ms - day_ms;
  request.not_after_ms = now_ms + demo_validity_ms;
  return request;
}

PemPair make_ca(const CertificateRequest& request, Random& random) {
  PkKey key;
  generate_key(key, random);
  // A root CA is its own issuer (RFC 5280 §3.2, "self-signed certificates").
  return write_certificate(request, key, key, subject_name(request), true, random);
}

PemPair make_host_certificate(const PemPair& ca, const CertificateRequest& request, Random& random) {
  PkKey ca_key;
  check(parse_key(ca_key.ctx, ca.key_pem), "parse CA key");
  mbedtls_x509_crt ca_crt;
  mbedtls_x509_crt_init(&ca_crt);
  const int ret = parse_certificates(ca_crt, ca.certificate_pem);
  std::string issuer = ret == 0 ? dn_text(ca_crt.subject) : std::string();
  mbedtls_x509_crt_free(&ca_crt);
  check(ret, "parse CA certificate");
  // mbedtls_x509_dn_gets writes "CN=a, O=b"; the writer wants "CN=a,O=b".
  for (std::size_t pos = issuer.find(", "); pos != std::string::npos; pos = issuer.find(", ", pos))
    issuer.erase(pos + 1, 1);
  PkKey key;
  generate_key(key, random);
  return write_certificate(request, key, ca_key, issuer, false, random);
}

// ---------------------------------------------------------------------------------------

Identity::Identity() : impl_(std::make_unique<Impl>()) {}
Identity::~Identity() = default;

std::shared_ptr<const Identity> Identity::load(std::string_view cert_chain_pem, std::string_view key_pem,
                                               std::string* error) {
  std::shared_ptr<Identity> identity(new Identity());
  Impl& impl = *identity->impl_;
  if (int ret = parse_certificates(impl.chain, cert_chain_pem); ret != 0) {
    if (error) *error = "cannot read the certificate: " + mbedtls_error_text(ret);
    return nullptr;
  }
  if (int ret = parse_key(impl.key, key_pem); ret != 0) {
    if (error) *error = "cannot read the private key: " + mbedtls_error_text(ret);
    return nullptr;
  }
  // A key that does not belong to the certificate would make every handshake fail at the
  // client's signature check; say so at load time instead.
  if (int ret = mbedtls_pk_check_pair(&impl.chain.pk, &impl.key); ret != 0) {
    if (error) *error = "the private key does not match the certificate: " + mbedtls_error_text(ret);
    return nullptr;
  }
  return identity;
}

TrustAnchors::TrustAnchors() : impl_(std::make_unique<Impl>()) {}
TrustAnchors::~TrustAnchors() = default;

std::shared_ptr<const TrustAnchors> TrustAnchors::load(std::string_view ca_pem, std::string* error) {
  std::shared_ptr<TrustAnchors> anchors(new TrustAnchors());
  const int ret = parse_certificates(anchors->impl_->cas, ca_pem);
  // A positive return counts certificates that could not be parsed while others could
  // (a system bundle may hold a few exotic ones); only "none at all" is an error.
  if (ret < 0 || anchors->impl_->cas.raw.p == nullptr) {
    if (error) *error = "cannot read the CA certificates: " + (ret < 0 ? mbedtls_error_text(ret) : std::string("none found"));
    return nullptr;
  }
  return anchors;
}

std::optional<CertificateSummary> describe_certificate(std::string_view pem_or_der) {
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  std::optional<CertificateSummary> result;
  if (parse_certificates(crt, pem_or_der) == 0) result = summarize(crt);
  mbedtls_x509_crt_free(&crt);
  return result;
}

}  // namespace smtplab::tls
