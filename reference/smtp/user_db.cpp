// smtp/user_db.cpp — PBKDF2-SHA256 password hashes (mbedTLS) and the in-memory user list.
//
// Standards: see user_db.hpp.
#include "smtp/user_db.hpp"

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/sha256.h>

#include <stdexcept>

namespace smtplab::smtp {

namespace {

std::string pbkdf2(std::string_view password, std::string_view salt, std::uint32_t iterations) {
  mbedtls_md_context_t md;
  mbedtls_md_init(&md);
  std::string out(password_hash_size, '\0');
  int ret = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1 /* HMAC */);
  if (ret == 0)
    ret = mbedtls_pkcs5_pbkdf2_hmac(&md, reinterpret_cast<const unsigned char*>(password.data()), password.size(),
                                    reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), iterations,
                                    static_cast<std::uint32_t>(out.size()), reinterpret_cast<unsigned char*>(out.data()));
  mbedtls_md_free(&md);
  if (ret != 0) throw std::runtime_error("PBKDF2 failed");  // only with bad arguments: our bug
  return out;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::size_t length = 0;
  mbedtls_base64_encode(nullptr, 0, &length, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  std::string out(length, '\0');
  if (mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &length,
                            reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) != 0)
    return {};
  out.resize(length);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // mbedTLS skips spaces and line breaks inside base64; a SASL line has none (RFC 4954
  // §4: one line of base64), so any is an error here.
  for (char c : text)
    if (c == ' ' || c == '\r' || c == '\n' || c == '\t') return std::nullopt;
  std::size_t length = 0;
  const int probe = mbedtls_base64_decode(nullptr, 0, &length, reinterpret_cast<const unsigned char*>(text.data()),
                                          text.size());
  if (probe == MBEDTLS_ERR_BASE64_INVALID_CHARACTER) return std::nullopt;
  std::string out(length, '\0');
  if (mbedtls_base64_decode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &length,
                            reinterpret_cast<const unsigned char*>(text.data()), text.size()) != 0)
    return std::nullopt;
  out.resize(length);
  return out;
}

std::string PasswordHash::to_string() const {
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + base64_encode(salt) + "$" + base64_encode(hash);
}

std::optional<PasswordHash> PasswordHash::parse(std::string_view text) {
  constexpr std::string_view scheme = "pbkdf2-sha256$";
  if (text.substr(0, scheme.size()) != scheme) return std::nullopt;
  text.remove_prefix(scheme.size());
  const std::size_t a = text.find('$');
  if (a == std::string_view::npos) return std::nullopt;
  const std::size_t b = text.find('$', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  const std::string_view digits = text.substr(0, a);
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  std::uint32_t iterations = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    iterations = iterations * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (iterations == 0 || iterations > pbkdf2_iterations_max) return std::nullopt;
  auto salt = base64_decode(text.substr(a + 1, b - a - 1));
  auto hash = base64_decode(text.substr(b + 1));
  if (!salt || !hash || salt->empty() || hash->size() != password_hash_size) return std::nullopt;
  return PasswordHash{iterations, std::move(*salt), std::move(*hash)};
}

PasswordHash hash_password(std::string_view password, Random& random, std::uint32_t iterations) {
  PasswordHash result;
  result.iterations = iterations;
  result.salt.resize(password_salt_size);
  random.fill(reinterpret_cast<unsigned char*>(result.salt.data()), result.salt.size());
  result.hash = pbkdf2(password, result.salt, iterations);
  return result;
}

bool verify_password(const PasswordHash& stored, std::string_view password) {
  if (stored.iterations == 0 || stored.iterations > pbkdf2_iterations_max || stored.hash.size() != password_hash_size)
    return false;
  const std::string computed = pbkdf2(password, stored.salt, stored.iterations);
  // Compare every octet whatever the first difference, so the time taken does not tell
  // an attacker how much of a guess was right.
  unsigned char difference = 0;
  for (std::size_t i = 0; i < computed.size(); ++i)
    difference |= static_cast<unsigned char>(computed[i] ^ stored.hash[i]);
  return difference == 0;
}

bool UserDb::check(std::string_view user, std::string_view password) const {
  const std::optional<PasswordHash> stored = find(user);
  if (!stored) {
    // Spend the same work for an unknown user, so that timing does not reveal which
    // user names exist.
    PasswordHash dummy;
    dummy.salt = std::string(password_salt_size, '\0');
    dummy.hash = std::string(password_hash_size, '\0');
    (void)verify_password(dummy, password);
    return false;
  }
  return verify_password(*stored, password);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), reinterpret_cast<const unsigned char*>(key.data()),
                  key.size(), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                  reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string sha256_digest(std::string_view data) {
  std::string out(32, '\0');
  mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                     reinterpret_cast<unsigned char*>(out.data()), 0);
  return out;
}

namespace {

// RFC 5802 §3: "ClientKey := HMAC(SaltedPassword, "Client Key")", "StoredKey :=
// H(ClientKey)", "ServerKey := HMAC(SaltedPassword, "Server Key")".
ScramCredentials scram_from_salted(std::string_view salted_password, std::string salt, std::uint32_t iterations) {
  ScramCredentials out;
  out.iterations = iterations;
  out.salt = std::move(salt);
  out.stored_key = sha256_digest(hmac_sha256(salted_password, "Client Key"));
  out.server_key = hmac_sha256(salted_password, "Server Key");
  return out;
}

}  // namespace

std::optional<std::string> saslprep_ascii(std::string_view text, std::string* why) {
  for (const char c : text) {
    const auto octet = static_cast<unsigned char>(c);
    if (octet >= 0x80) {
      // RFC 4013 maps and normalizes (NFKC) non-ASCII text; without Unicode tables we
      // would get it wrong, and a wrong SASLprep means a password that never matches.
      if (why) *why = "non-ASCII characters need full SASLprep (RFC 4013), which is not implemented";
      return std::nullopt;
    }
    // RFC 4013 §2.3 prohibits RFC 3454 C.2.1, "ASCII control characters" (0-1F, 7F).
    if (octet < 0x20 || octet == 0x7F) {
      if (why) *why = "an ASCII control character is prohibited (RFC 4013 §2.3, RFC 3454 C.2.1)";
      return std::nullopt;
    }
  }
  // RFC 4013 §2.1-2.2: the mappings and NFKC change no printable ASCII character.
  return std::string(text);
}

std::optional<ScramCredentials> derive_scram_credentials(std::string_view password, std::string_view salt,
                                                         std::uint32_t iterations, std::string* why) {
  if (iterations < scram_iterations_min || iterations > pbkdf2_iterations_max) {
    if (why) *why = "the iteration count must be 4096 or more (RFC 7677 §4)";
    return std::nullopt;
  }
  // RFC 5802 §2.2: "Normalize(str): Apply the SASLprep profile [RFC4013] ... to the
  // UTF-8 string str"; "SaltedPassword := Hi(Normalize(password), salt, i)".
  const auto salted = scram_salted_password(password, salt, iterations, why);
  if (!salted) return std::nullopt;
  return scram_from_salted(*salted, std::string(salt), iterations);
}

std::optional<std::string> scram_salted_password(std::string_view password, std::string_view salt,
                                                 std::uint32_t iterations, std::string* why) {
  // Our limits: RFC 7677 §4's floor, and pbkdf2_iterations_max so that a hostile server
  // cannot make a client spend minutes on one login.
  if (iterations < scram_iterations_min || iterations > pbkdf2_iterations_max) {
    if (why) *why = "the iteration count must be 4096 or more (RFC 7677 §4) and at most 10000000";
    return std::nullopt;
  }
  // RFC 5802 §2.2: "Normalize(str): Apply the SASLprep profile [RFC4013] ... to the
  // UTF-8 string str"; "SaltedPassword := Hi(Normalize(password), salt, i)".
  const auto prepared = saslprep_ascii(password, why);
  if (!prepared) return std::nullopt;
  return pbkdf2(*prepared, salt, iterations);
}

std::optional<ScramCredentials> make_scram_credentials(std::string_view password, Random& random,
                                                       std::uint32_t iterations, std::string* why) {
  std::string salt(password_salt_size, '\0');
  random.fill(reinterpret_cast<unsigned char*>(salt.data()), salt.size());
  return derive_scram_credentials(password, salt, iterations, why);
}

std::optional<ScramCredentials> scram_credentials_from(const PasswordHash& hash) {
  if (hash.iterations < scram_iterations_min || hash.hash.size() != password_hash_size) return std::nullopt;
  return scram_from_salted(hash.hash, hash.salt, hash.iterations);
}

std::string ScramCredentials::to_string() const {
  return "scram-sha-256$" + std::to_string(iterations) + "$" + base64_encode(salt) + "$" + base64_encode(stored_key) +
         "$" + base64_encode(server_key);
}

std::optional<ScramCredentials> ScramCredentials::parse(std::string_view text) {
  constexpr std::string_view scheme = "scram-sha-256$";
  if (text.substr(0, scheme.size()) != scheme) return std::nullopt;
  text.remove_prefix(scheme.size());
  std::string_view parts[4];
  for (int i = 0; i < 3; ++i) {
    const std::size_t dollar = text.find('$');
    if (dollar == std::string_view::npos) return std::nullopt;
    parts[i] = text.substr(0, dollar);
    text.remove_prefix(dollar + 1);
  }
  parts[3] = text;
  if (parts[0].empty() || parts[0].size() > 9) return std::nullopt;
  std::uint32_t iterations = 0;
  for (char c : parts[0]) {
    if (c < '0' || c > '9') return std::nullopt;
    iterations = iterations * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (iterations < scram_iterations_min || iterations > pbkdf2_iterations_max) return std::nullopt;
  auto salt = base64_decode(parts[1]);
  auto stored = base64_decode(parts[2]);
  auto server = base64_decode(parts[3]);
  if (!salt || salt->empty() || !stored || stored->size() != 32 || !server || server->size() != 32) return std::nullopt;
  return ScramCredentials{iterations, std::move(*salt), std::move(*stored), std::move(*server)};
}

std::optional<ScramCredentials> UserDb::find_scram(std::string_view user) const {
  const auto hash = find(user);
  if (!hash) return std::nullopt;
  return scram_credentials_from(*hash);
}

std::optional<ScramCredentials> MemoryUserDb::find_scram(std::string_view user) const {
  if (const auto it = scram_users_.find(user); it != scram_users_.end()) return it->second;
  return UserDb::find_scram(user);
}

std::optional<PasswordHash> MemoryUserDb::find(std::string_view user) const {
  const auto it = users_.find(user);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

}  // namespace smtplab::smtp
