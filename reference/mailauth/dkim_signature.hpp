// mailauth/dkim_signature.hpp — the two records of DKIM: the DKIM-Signature header
// field a signer adds, and the key record a domain publishes at
// <selector>._domainkey.<domain>.
//
// Standards: RFC 6376 §3.5 (the DKIM-Signature tags: v a b bh c d h i l q s t x z),
//            §3.6.1 (key record tags: v h k n p s t), §3.7 (b= removed before hashing),
//            §5.4 ("The From header field MUST be signed"), §6.1.1 (validating the
//            signature header field), §6.1.2 (getting and validating the key),
//            RFC 8301 §3.1 (rsa-sha1 is not valid), RFC 8463 (ed25519-sha256).
//
// API:
//   parse_dkim_signature(raw_value)  -> DkimSignatureParse {signature | why, algorithm}
//   parse_dkim_key(txt)              -> DkimKeyParse {key | why, revoked, unsupported}
//   remove_b_value(raw_field)        the field with b='s value emptied (RFC 6376 §3.7)
//
// Not implemented: z= (copied header fields, diagnostic only), q= methods other than
// dns/txt (the only one defined), the key record's n= notes (kept, not shown).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mailauth/crypto.hpp"
#include "mailauth/dkim_canon.hpp"

namespace smtplab::mailauth {

// RFC 6376 §3.3 and RFC 8463 §3: the signing algorithms seen in the wild.
enum class DkimAlgorithm { RsaSha256, RsaSha1, Ed25519Sha256, Unknown };
std::string_view to_string(DkimAlgorithm algorithm);

struct DkimSignature {
  DkimAlgorithm algorithm = DkimAlgorithm::RsaSha256;
  std::string algorithm_text;        // a= as written
  std::string signature;             // b=, decoded
  std::string body_hash;             // bh=, decoded
  std::string body_hash_text;        // bh= as written (for the trace)
  DkimCanon header_canon = DkimCanon::Simple;  // RFC 6376 §3.5 c=: "simple/simple" by default
  DkimCanon body_canon = DkimCanon::Simple;
  std::string domain;                // d=
  std::vector<std::string> headers;  // h=, in order
  std::string identity;              // i=, "@" + d= by default (§3.5)
  std::optional<std::uint64_t> body_length;  // l=
  std::string selector;              // s=
  std::optional<std::int64_t> timestamp_s;   // t=
  std::optional<std::int64_t> expiration_s;  // x=
  std::string key_name() const { return selector + "._domainkey." + domain; }
};

struct DkimSignatureParse {
  std::optional<DkimSignature> signature;
  std::string why;           // empty on success
  std::string domain;        // d= and s= even when the rest is invalid, for the report
  std::string selector;
  DkimAlgorithm algorithm = DkimAlgorithm::Unknown;
  bool unsupported = false;  // a valid signature of an algorithm smtplab cannot check
};

DkimSignatureParse parse_dkim_signature(std::string_view raw_value);

struct DkimKey {
  std::optional<RsaPublicKey> rsa;
  std::vector<std::string> hash_algorithms;  // h=, empty = all
  std::vector<std::string> flags;            // t=: "y" testing, "s" strict identity
  bool testing() const;
  bool strict() const;
};

struct DkimKeyParse {
  std::optional<DkimKey> key;
  std::string why;
  bool revoked = false;      // RFC 6376 §3.6.1: "An empty value means that this public key has been revoked."
  bool unsupported = false;  // k=ed25519: valid, but not something smtplab can check
};

DkimKeyParse parse_dkim_key(std::string_view txt);

// RFC 6376 §3.7: "the value of the "b=" tag (including all surrounding whitespace) is
// deleted (i.e., treated as the empty string)". Works on the raw header field.
std::string remove_b_value(std::string_view raw_field);

// Our choice (STYLE §18): signatures examined per message. RFC 6376 §6.1 lets a
// verifier "limit the number of signatures it tries"; 8 covers lists and forwarders.
inline constexpr std::size_t dkim_signatures_max = 8;

}  // namespace smtplab::mailauth
