// tests/mailauth/rsa_verify_test.cpp — the nettle verification path of crypto.cpp
// (RsaPublicKey::verify over nettle/GMP, sha256 over nettle) accepts exactly the right
// signature and rejects its near misses, for 1024-, 2048- and 4096-bit keys (RFC 8301
// §3.2's range). Signatures are made by mbedTLS (RsaPrivateKey::sign), so every check is
// also a check that the two libraries agree, and each verdict is compared with
// mbedTLS's own mbedtls_pk_verify, the verifier the nettle path replaced.
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include <catch2/catch.hpp>
#include <string>

#include "core/clock.hpp"
#include "mailauth/crypto.hpp"
#include "mailauth/key_gen.hpp"

using namespace smtplab::mailauth;

namespace {

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += digits[static_cast<unsigned char>(c) >> 4];
    out += digits[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

// mbedTLS 2.28's verdict on the same key, hash and signature: the reference the nettle
// path must agree with.
bool mbedtls_verdict(const std::string& public_der, const std::string& hash, const std::string& signature) {
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  const bool parsed =
      mbedtls_pk_parse_public_key(&pk, reinterpret_cast<const unsigned char*>(public_der.data()), public_der.size()) == 0;
  const bool valid = parsed && mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, reinterpret_cast<const unsigned char*>(hash.data()),
                                                 hash.size(), reinterpret_cast<const unsigned char*>(signature.data()),
                                                 signature.size()) == 0;
  mbedtls_pk_free(&pk);
  return valid;
}

}  // namespace

TEST_CASE("sha256 gives the FIPS 180-4 answers and mbedTLS's digest at every length") {
  // FIPS 180-4 / NIST CSVS examples: "", "abc" and the two-block 448-bit message.
  CHECK(to_hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(to_hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Every length across several 64-octet blocks, so padding at each position is covered.
  smtplab::SeededRandom random(180);
  std::string bytes;
  for (std::size_t length = 0; length <= 300; ++length) {
    unsigned char expected[32];
    mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), expected, 0);
    INFO("length " << length);
    REQUIRE(sha256(bytes) == std::string(reinterpret_cast<const char*>(expected), sizeof expected));
    unsigned char next = 0;
    random.fill(&next, 1);
    bytes += static_cast<char>(next);
  }
}

TEST_CASE("nettle RSA verify accepts the signature and rejects its near misses (RFC 8017 §8.2.2)") {
  // One key per size, and every check on it in turn (key generation is the slow part).
  const unsigned bits = GENERATE(1024u, 2048u, 4096u);
  INFO(bits << "-bit key");
  smtplab::SeededRandom random(8017 + bits);
  const auto private_key = RsaPrivateKey::from_pem(generate_rsa_key_pem(bits, random));
  REQUIRE(private_key);
  const std::string der = private_key->public_der();
  const auto key = RsaPublicKey::from_der(der);
  REQUIRE(key);
  CHECK(key->bits() == bits);

  const std::string hash = sha256("From: a@example.com\r\nSubject: the message that was signed\r\n");
  const std::string other_hash = sha256("From: a@example.com\r\nSubject: another message\r\n");
  const auto signature = private_key->sign(hash);
  REQUIRE(signature);
  REQUIRE(signature->size() == bits / 8);  // k octets (RFC 8017 §8.2.1 step 2)

  {  // the right signature of the right hash is valid
    CHECK(key->verify(hash, *signature));
    CHECK(mbedtls_verdict(der, hash, *signature));
  }
  {  // a signature with one bit flipped is invalid, wherever the bit is
    for (const std::size_t bit : {std::size_t{0}, std::size_t{7}, signature->size() * 4 + 3, signature->size() * 8 - 1}) {
      std::string flipped = *signature;
      flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
      INFO("bit " << bit);
      CHECK_FALSE(key->verify(hash, flipped));
      CHECK_FALSE(mbedtls_verdict(der, hash, flipped));
    }
  }
  {  // a signature of the wrong length is invalid (§8.2.2 step 1), even with the same value
    // A zero octet in front keeps the integer the same: only the length check catches it.
    const std::string padded = std::string(1, '\0') + *signature;
    CHECK_FALSE(key->verify(hash, padded));
    CHECK_FALSE(mbedtls_verdict(der, hash, padded));
    CHECK_FALSE(key->verify(hash, signature->substr(1)));
    CHECK_FALSE(key->verify(hash, *signature + '\0'));
    CHECK_FALSE(key->verify(hash, ""));
  }
  {  // the signature of one message does not verify another's hash
    CHECK_FALSE(key->verify(other_hash, *signature));
    CHECK_FALSE(mbedtls_verdict(der, other_hash, *signature));
    CHECK(key->verify(other_hash, *private_key->sign(other_hash)));
  }
  {  // a representative not below n is invalid (RFC 8017 §5.2.2: s must be in [0, n-1])
    const std::string all_ones(signature->size(), '\xff');
    CHECK_FALSE(key->verify(hash, all_ones));
    CHECK_FALSE(key->verify(hash, std::string(signature->size(), '\0')));
  }
  {  // a hash that is not 32 octets is refused
    CHECK_FALSE(key->verify(hash.substr(1), *signature));
    CHECK_FALSE(key->verify(hash + 'x', *signature));
  }
  {  // copies share the key and it outlives the original
    std::optional<RsaPublicKey> copy;
    {
      const auto original = RsaPublicKey::from_der(der);
      REQUIRE(original);
      copy = *original;
    }
    CHECK(copy->verify(hash, *signature));
    CHECK(copy->bits() == bits);
  }
}

TEST_CASE("from_der keeps refusing what is not an RSA key of 1024..8192 bits (RFC 8301 §3.2)") {
  std::string why;
  CHECK_FALSE(RsaPublicKey::from_der("not DER at all", &why));
  CHECK_FALSE(why.empty());
  // A 512-bit key: parsed by mbedTLS, refused by size before nettle ever sees it.
  smtplab::SeededRandom random(512);
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  REQUIRE(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0);
  auto fill = [](void* context, unsigned char* out, std::size_t size) {
    static_cast<smtplab::Random*>(context)->fill(out, size);
    return 0;
  };
  REQUIRE(mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), fill, &random, 512, 65537) == 0);
  unsigned char buffer[1024];
  const int length = mbedtls_pk_write_pubkey_der(&pk, buffer, sizeof buffer);
  mbedtls_pk_free(&pk);
  REQUIRE(length > 0);
  why.clear();
  const std::string der(reinterpret_cast<const char*>(buffer + sizeof buffer - length), static_cast<std::size_t>(length));
  CHECK_FALSE(RsaPublicKey::from_der(der, &why));
  CHECK(why.find("512-bit") != std::string::npos);
}
