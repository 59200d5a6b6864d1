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
// Not implemented: SCRAM-SHA-256 (RFC 7677) stored keys, argon2/scrypt, password
// policies. User names are compared exactly (no case folding, no SASLprep, RFC 4013).
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

class UserDb {
 public:
  virtual ~UserDb() = default;
  virtual std::optional<PasswordHash> find(std::string_view user) const = 0;
  // True when the user exists and the password is right.
  bool check(std::string_view user, std::string_view password) const;
};

class MemoryUserDb final : public UserDb {
 public:
  void add(std::string user, PasswordHash hash) { users_[std::move(user)] = std::move(hash); }
  std::optional<PasswordHash> find(std::string_view user) const override;
  std::size_t size() const { return users_.size(); }

 private:
  std::map<std::string, PasswordHash, std::less<>> users_;
};

// RFC 4648 §4 base64 (the encoding of SASL exchanges, RFC 4954 §4). decode returns
// nullopt for anything that is not canonical base64.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace smtplab::smtp
