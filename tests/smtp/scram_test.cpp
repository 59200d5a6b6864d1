// tests/smtp/scram_test.cpp — SASL SCRAM-SHA-256 on the server side (smtp/auth.hpp) and
// its stored keys (smtp/user_db.hpp): the RFC 7677 §3 example exchange byte for byte, a
// wrong proof, replayed nonces, channel binding, malformed messages, SASLprep's ASCII
// subset, and a client written here from RFC 5802 §3 against the server.
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>

#include <catch2/catch.hpp>
#include <string>

#include "core/clock.hpp"
#include "smtp/auth.hpp"
#include "smtp/user_db.hpp"

using namespace smtplab::smtp;

namespace {

// RFC 7677 §3: "This is a simple example of a SCRAM-SHA-256 authentication exchange
// when the client doesn't support channel bindings. The username 'user' and password
// 'pencil' are being used."
constexpr std::string_view rfc_client_first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view rfc_server_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view rfc_server_first =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view rfc_client_final =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view rfc_server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

ScramCredentials rfc_credentials() {
  const auto salt = base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  REQUIRE(salt);
  const auto credentials = derive_scram_credentials("pencil", *salt, 4096);
  REQUIRE(credentials);
  return *credentials;
}

ScramServer rfc_server(std::optional<ScramCredentials> credentials) {
  const auto first = parse_scram_client_first(rfc_client_first);
  REQUIRE(first);
  return ScramServer(*first, std::move(credentials), std::string(rfc_server_nonce));
}

// A client from RFC 5802 §3, computed here with mbedTLS directly (not through the
// server's helpers): the client-final-message for `password`.
std::string client_final_for(std::string_view client_first_bare, std::string_view server_first,
                             std::string_view password, std::string_view gs2_header = "n,,") {
  const std::string nonce(server_first.substr(2, server_first.find(',') - 2));
  const std::size_t s_at = server_first.find(",s=") + 3;
  const std::string salt = *base64_decode(server_first.substr(s_at, server_first.find(",i=") - s_at));
  const auto iterations = static_cast<unsigned>(std::stoul(std::string(server_first.substr(server_first.find(",i=") + 3))));
  const mbedtls_md_info_t* sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  mbedtls_md_context_t md;
  mbedtls_md_init(&md);
  mbedtls_md_setup(&md, sha256, 1);
  unsigned char salted[32], client_key[32], stored_key[32], signature[32];
  mbedtls_pkcs5_pbkdf2_hmac(&md, reinterpret_cast<const unsigned char*>(password.data()), password.size(),
                            reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), iterations, 32, salted);
  mbedtls_md_free(&md);
  mbedtls_md_hmac(sha256, salted, 32, reinterpret_cast<const unsigned char*>("Client Key"), 10, client_key);
  mbedtls_md(sha256, client_key, 32, stored_key);
  const std::string without_proof = "c=" + base64_encode(gs2_header) + ",r=" + nonce;
  const std::string auth_message =
      std::string(client_first_bare) + "," + std::string(server_first) + "," + without_proof;
  mbedtls_md_hmac(sha256, stored_key, 32, reinterpret_cast<const unsigned char*>(auth_message.data()),
                  auth_message.size(), signature);
  std::string proof(32, '\0');
  for (int i = 0; i < 32; ++i) proof[i] = static_cast<char>(client_key[i] ^ signature[i]);
  return without_proof + ",p=" + base64_encode(proof);
}

}  // namespace

TEST_CASE("SCRAM-SHA-256: the RFC 7677 §3 example exchange, byte for byte") {
  const ScramServer server = rfc_server(rfc_credentials());
  CHECK(server.client_first().user == "user");
  CHECK(server.client_first().gs2_header == "n,,");
  CHECK(server.client_first().bare == "n=user,r=rOprNGfwEbeRWgbNEkqO");
  CHECK(server.server_first() == rfc_server_first);
  const ScramFinal final_message = server.verify_client_final(rfc_client_final);
  CHECK(final_message.verdict == ScramVerdict::Verified);
  CHECK(final_message.server_final == rfc_server_final);
}

TEST_CASE("SCRAM-SHA-256: our independent client computes the RFC's proof") {
  CHECK(client_final_for("n=user,r=rOprNGfwEbeRWgbNEkqO", rfc_server_first, "pencil") == rfc_client_final);
}

TEST_CASE("SCRAM-SHA-256: a wrong proof, a wrong password or an unknown user is refused (535)") {
  const ScramServer server = rfc_server(rfc_credentials());
  std::string tampered(rfc_client_final);
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  const ScramFinal wrong_proof = server.verify_client_final(tampered);
  CHECK(wrong_proof.verdict == ScramVerdict::Refused);
  CHECK(wrong_proof.server_final.empty());
  CHECK_THAT(wrong_proof.why, Catch::Contains("proof"));

  const std::string wrong_password = client_final_for("n=user,r=rOprNGfwEbeRWgbNEkqO", rfc_server_first, "pencil2");
  CHECK(server.verify_client_final(wrong_password).verdict == ScramVerdict::Refused);

  // An unknown user gets a plausible server-first (same salt each time, 4096) and 535.
  const ScramServer nobody = rfc_server(std::nullopt);
  CHECK(nobody.server_first().starts_with("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s="));
  CHECK(nobody.server_first().ends_with(",i=4096"));
  CHECK(nobody.server_first() == rfc_server(std::nullopt).server_first());
  CHECK(nobody.verify_client_final(rfc_client_final).verdict == ScramVerdict::Refused);
}

TEST_CASE("SCRAM-SHA-256: a replayed final message from another exchange is refused (RFC 5802 §5.1 r=)") {
  const auto first = parse_scram_client_first(rfc_client_first);
  REQUIRE(first);
  const ScramServer other(*first, rfc_credentials(), "another-server-nonce");
  const ScramFinal replay = other.verify_client_final(rfc_client_final);
  CHECK(replay.verdict == ScramVerdict::Refused);
  CHECK_THAT(replay.why, Catch::Contains("nonce"));
}

TEST_CASE("SCRAM-SHA-256: channel binding: n and y accepted, p= refused, c= must echo the header") {
  std::string why;
  CHECK_FALSE(parse_scram_client_first("p=tls-unique,,n=user,r=abc", &why));
  CHECK_THAT(why, Catch::Contains("PLUS"));
  const auto y = parse_scram_client_first("y,,n=user,r=abc");
  REQUIRE(y);
  CHECK(y->gs2_header == "y,,");
  // c=biws is "n,,": a client that said "y" and then "n" changed its story.
  const ScramServer server(*y, rfc_credentials(), "xyz");
  const std::string final_n = client_final_for(y->bare, server.server_first(), "pencil", "n,,");
  CHECK(server.verify_client_final(final_n).verdict == ScramVerdict::Refused);
  const std::string final_y = client_final_for(y->bare, server.server_first(), "pencil", "y,,");
  CHECK(server.verify_client_final(final_y).verdict == ScramVerdict::Verified);
}

TEST_CASE("SCRAM-SHA-256: malformed messages are refused with a reason (501 5.5.2)") {
  std::string why;
  for (std::string_view bad : {"", "n,,", "n,,n=user", "x,,n=user,r=abc", "n,,r=abc,n=user", "n,,n=,r=abc",
                               "n,,n=us=er,r=abc", "n,,n=user,r=", "n,,n=user,r=a b", "n,b=x,n=user,r=abc",
                               "n,,m=ext,n=user,r=abc"}) {
    INFO("client-first: " << bad);
    why.clear();
    CHECK_FALSE(parse_scram_client_first(bad, &why));
    CHECK_FALSE(why.empty());
  }
  CHECK_FALSE(parse_scram_client_first("n,,n=user,r=" + std::string(scram_client_nonce_max + 1, 'a')));
  const ScramServer server = rfc_server(rfc_credentials());
  for (std::string_view bad : {"", "c=biws", "c=biws,r=x", "p=abc", "r=x,c=biws,p=AAAA", "c=biws,r=x,p=notbase64!",
                               "c=biws,r=x,p=AAAA"}) {
    INFO("client-final: " << bad);
    CHECK(server.verify_client_final(bad).verdict == ScramVerdict::Malformed);
  }
  const smtplab::Reply reply = make_auth_reply(AuthReplyId::MalformedSaslMessage);
  CHECK(reply.code == 501);
  CHECK(to_string(ScramVerdict::Malformed) == "malformed");
}

TEST_CASE("SCRAM-SHA-256: user names decode =2C and =3D; authzid is parsed") {
  const auto first = parse_scram_client_first("n,a=b=3Dob,n=a=2Cb=3Dc,r=nonce");
  REQUIRE(first);
  CHECK(first->user == "a,b=c");
  CHECK(first->authzid == "b=ob");
  CHECK(first->gs2_header == "n,a=b=3Dob,");
  CHECK(first->bare == "n=a=2Cb=3Dc,r=nonce");
}

TEST_CASE("SCRAM stored keys: to_string and parse, iteration floor, SASLprep ASCII subset") {
  smtplab::SeededRandom random(7677);
  const auto credentials = make_scram_credentials("pencil", random);
  REQUIRE(credentials);
  CHECK(credentials->iterations == 4096);
  const auto parsed = ScramCredentials::parse(credentials->to_string());
  REQUIRE(parsed);
  CHECK(parsed->salt == credentials->salt);
  CHECK(parsed->stored_key == credentials->stored_key);
  CHECK(parsed->server_key == credentials->server_key);
  CHECK_FALSE(ScramCredentials::parse("scram-sha-256$1000$" + base64_encode("salt") + "$" +
                                      base64_encode(credentials->stored_key) + "$" +
                                      base64_encode(credentials->server_key)));  // RFC 7677 §4
  CHECK_FALSE(derive_scram_credentials("pencil", "salt", 4095));

  std::string why;
  CHECK_FALSE(derive_scram_credentials("p\xC3\xA9ncil", "salt", 4096, &why));  // "pencil" with e-acute
  CHECK_THAT(why, Catch::Contains("RFC 4013"));
  CHECK_FALSE(saslprep_ascii(std::string("a\tb"), &why));
  CHECK(saslprep_ascii("Pencil 1!") == std::optional<std::string>("Pencil 1!"));
}

TEST_CASE("SCRAM stored keys from a PBKDF2 password hash let the same password log in") {
  smtplab::SeededRandom random(5802);
  MemoryUserDb db;
  db.add("alice", hash_password("wonderland", random, 4096));
  db.add("weak", hash_password("x", random, 1000));
  const auto alice = db.find_scram("alice");
  REQUIRE(alice);
  CHECK_FALSE(db.find_scram("weak"));  // fewer than 4096 iterations: no SCRAM
  CHECK_FALSE(db.find_scram("nobody"));

  const auto first = parse_scram_client_first("n,,n=alice,r=client-nonce");
  REQUIRE(first);
  const ScramServer server(*first, alice, scram_nonce(random));
  CHECK(server.verify_client_final(client_final_for(first->bare, server.server_first(), "wonderland")).verdict ==
        ScramVerdict::Verified);
  CHECK(server.verify_client_final(client_final_for(first->bare, server.server_first(), "Wonderland")).verdict ==
        ScramVerdict::Refused);

  // A SCRAM entry added for the user is preferred over the derived one.
  const auto own = make_scram_credentials("other", random, 8192);
  REQUIRE(own);
  db.add_scram("alice", *own);
  CHECK(db.find_scram("alice")->iterations == 8192);
}

TEST_CASE("SCRAM server nonces come from the session's Random: same seed, same nonce") {
  smtplab::SeededRandom a(1), b(1), c(2);
  const std::string nonce = scram_nonce(a);
  CHECK(nonce.size() == 24);
  CHECK(nonce.find(',') == std::string::npos);
  CHECK(nonce == scram_nonce(b));
  CHECK(nonce != scram_nonce(c));
}

TEST_CASE("SCRAM client: the RFC 7677 §3 example exchange from the client's side") {
  ScramClient client("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
  CHECK(client.client_first() == rfc_client_first);
  CHECK_FALSE(client.verify_server_final(rfc_server_final));  // nothing computed yet
  std::string why;
  const auto final_message = client.client_final(rfc_server_first, &why);
  INFO(why);
  REQUIRE(final_message);
  CHECK(*final_message == rfc_client_final);
  CHECK(client.verify_server_final(rfc_server_final));
  // One flipped character of the server's signature: the server is not who it claims.
  std::string forged(rfc_server_final);
  forged[5] = forged[5] == 'A' ? 'B' : 'A';
  CHECK_FALSE(client.verify_server_final(forged));
  CHECK_FALSE(client.verify_server_final("e=invalid-proof"));
}

TEST_CASE("SCRAM client: names are escaped, and a hostile server-first is refused") {
  CHECK(ScramClient("a,b=c", "pw", "abc").client_first() == "n,,n=a=2Cb=3Dc,r=abc");
  ScramClient client("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
  std::string why;
  // RFC 5802 §5.1: the server's nonce must start with ours (else: a replay or a mix-up).
  CHECK_FALSE(client.client_final("r=somethingelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", &why));
  CHECK_THAT(why, Catch::Matchers::Contains("nonce"));
  // ...and add something to it.
  CHECK_FALSE(client.client_final("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", &why));
  // RFC 7677 §4: fewer than 4096 iterations would make a stolen exchange cheap to crack.
  CHECK_FALSE(client.client_final("r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1", &why));
  CHECK_THAT(why, Catch::Matchers::Contains("4096"));
  // A count that would make us compute for hours, or overflow.
  CHECK_FALSE(client.client_final("r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999999999999", &why));
  CHECK_FALSE(client.client_final("r=rOprNGfwEbeRWgbNEkqOx,s=not base64!,i=4096", &why));
  CHECK_FALSE(client.client_final("s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOx,i=4096", &why));
  CHECK_FALSE(client.client_final("", &why));
}
