// smtp/user_db.hpp — the users an SMTP server may authenticate, with hashed passwords.
//
// Standards: RFC 8018 §5.2 (PBKDF2), RFC 7914 §11 / RFC 6070 (test vectors style), RFC
//            4954 §4 (AUTH: the server checks the credentials), RFC 4616 §2 (PLAIN: the
//            server "MUST" verify the password against the authentication identity).
//
// API:
//   PasswordHash h = hash_password("secret", random);        // random salt
//   h.to_string()  -> "pbkdf2-sha256$20000$<salt b64>$<hash b64>"  (what a config stores)
//   PasswordHash::parse(text)                                 // and back
//   verify_password(h, "secret")                              // constant-time compare
//   MemoryUserDb db; db.add("alice", h); db.check("alice", "secret");
//
// Passwords are never stored: only a salted PBKDF2-HMAC-SHA256 of them. The salt makes
// equal passwords hash differently; the iterations make guessing slow.
//
// SCRAM-SHA-256 (RFC 7677, RFC 5802 §3) keeps, per user, what the server needs to check
// a proof without the password: salt, iteration count, StoredKey and ServerKey.
//   ScramCredentials c = *make_scram_credentials("pencil", random);    // random salt
//   c.to_string() -> "scram-sha-256$4096$<salt>$<StoredKey>$<ServerKey>" (base64 each)
//   ScramCredentials::parse(text);  db.add_scram("user", c);  db.find_scram("user")
// SaltedPassword = Hi(password, salt, i) is exactly our PBKDF2 hash (RFC 5802 §2.2: Hi
// is PBKDF2 with HMAC), so a user stored only with a PasswordHash of 4096 or more
// iterations also gets SCRAM credentials (scram_credentials_from). Caveat, RFC 5802 §9:
// a stolen SaltedPassword lets its holder log in with SCRAM, a stolen StoredKey does
// not; a database meant for SCRAM should store ScramCredentials, not PasswordHash.
//
// Not implemented: argon2/scrypt, password policies. SASLprep (RFC 4013) only for
// ASCII: printable ASCII maps to itself, control characters are prohibited (RFC 4013
// §5, RFC 3454 C.2.1), and non-ASCII passwords are refused with a reason instead of
// being prepared wrongly. User names are compared exactly (no case folding).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace smtplab::smtp {

// Our choice, an interpretation of RFC 8018 §4.2 ("A modest number of iterations, say
// 1000, is not likely to be a burden for legitimate parties when computing a key, but
// will be a significant burden for opponents"): 20000, which keeps a lab's logins fast;
// a production server would use far more (OWASP's current advice is 600000).
inline constexpr std::uint32_t pbkdf2_iterations_default = 20'000;
// RFC 8018 §4.1: "the salt ... at least eight octets (64 bits) long"; we use 16.
inline constexpr std::size_t password_salt_size = 16;
// SHA-256's output size: a longer PBKDF2 output adds cost for us, not for an attacker.
inline constexpr std::size_t password_hash_size = 32;
// Our choice: a stored hash asking for more work than this is refused as corrupt, so a
// bad configuration cannot make one login take minutes.
inline constexpr std::uint32_t pbkdf2_iterations_max = 10'000'000;

struct PasswordHash {
  std::uint32_t iterations = pbkdf2_iterations_default;
  std::string salt;  // raw octets
  std::string hash;  // raw octets

  std::string to_string() const;  // "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>"
  static std::optional<PasswordHash> parse(std::string_view text);
};

PasswordHash hash_password(std::string_view password, Random& random,
                           std::uint32_t iterations = pbkdf2_iterations_default);
bool verify_password(const PasswordHash& stored, std::string_view password);

// RFC 7677 §4: "the iteration count ... SHOULD be at least 4096"; we never issue or
// accept fewer, so a weak stored entry cannot be used.
inline constexpr std::uint32_t scram_iterations_min = 4096;

// RFC 5802 §3: what the server stores for a user ("StoredKey := H(ClientKey)",
// "ServerKey := HMAC(SaltedPassword, "Server Key")"), with the salt and iteration count
// it sends in server-first-message. All octet strings are raw (not base64).
struct ScramCredentials {
  std::uint32_t iterations = scram_iterations_min;
  std::string salt;
  std::string stored_key;  // 32 octets (SHA-256)
  std::string server_key;  // 32 octets

  std::string to_string() const;  // "scram-sha-256$<i>$<salt b64>$<StoredKey b64>$<ServerKey b64>"
  static std::optional<ScramCredentials> parse(std::string_view text);
};

// RFC 4013 for ASCII only (see the header comment): the prepared string, or nullopt with
// the reason in *why.
std::optional<std::string> saslprep_ascii(std::string_view text, std::string* why = nullptr);

// RFC 5802 §3 from a password; nullopt (with *why) when SASLprep refuses the password or
// the iteration count is under scram_iterations_min.
std::optional<ScramCredentials> derive_scram_credentials(std::string_view password, std::string_view salt,
                                                         std::uint32_t iterations, std::string* why = nullptr);
// RFC 5802 §2.2 / §3: SaltedPassword := Hi(Normalize(password), salt, i), what a SCRAM
// client computes from the server-first-message; nullopt (with *why) as for
// derive_scram_credentials.
std::optional<std::string> scram_salted_password(std::string_view password, std::string_view salt,
                                                 std::uint32_t iterations, std::string* why = nullptr);
std::optional<ScramCredentials> make_scram_credentials(std::string_view password, Random& random,
                                                       std::uint32_t iterations = scram_iterations_min,
                                                       std::string* why = nullptr);
// From a PBKDF2 hash, whose hash is SaltedPassword (caveat in the header comment);
// nullopt when it has fewer than scram_iterations_min iterations.
std::optional<ScramCredentials> scram_credentials_from(const PasswordHash& hash);

// HMAC-SHA-256 and SHA-256 over mbedTLS (RFC 5802 §2.2 HMAC and H), for SCRAM.
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string sha256_digest(std::string_view data);

class UserDb {
 public:
  virtual ~UserDb() = default;
  virtual std::optional<PasswordHash> find(std::string_view user) const = 0;
  // SCRAM credentials of a user. Default: derived from find()'s PasswordHash when it has
  // enough iterations (scram_credentials_from).
  virtual std::optional<ScramCredentials> find_scram(std::string_view user) const;
  // True when the user exists and the password is right.
  bool check(std::string_view user, std::string_view password) const;
};

class MemoryUserDb final : public UserDb {
 public:
  void add(std::string user, PasswordHash hash) { users_[std::move(user)] = std::move(hash); }
  // A SCRAM entry; it is preferred to one derived from a PasswordHash of the same user.
  void add_scram(std::string user, ScramCredentials credentials) {
    scram_users_[std::move(user)] = std::move(credentials);
  }
  std::optional<PasswordHash> find(std::string_view user) const override;
  std::optional<ScramCredentials> find_scram(std::string_view user) const override;
  std::size_t size() const { return users_.size(); }

 private:
  std::map<std::string, PasswordHash, std::less<>> users_;
  std::map<std::string, ScramCredentials, std::less<>> scram_users_;
};

// RFC 4648 §4 base64 (the encoding of SASL exchanges, RFC 4954 §4). decode returns
// nullopt for anything that is not canonical base64.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace smtplab::smtp
