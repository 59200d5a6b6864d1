// mailauth/dkim.hpp — DKIM: verifying the signatures on a message (resumable, asking
// for each key record it needs) and signing a message with an RSA key.
//
// Standards: RFC 6376 §3.7 (computing the message hashes), §5 (signer actions: §5.4
//            which fields, §5.5 recommended fields), §6.1 (verifier actions: §6.1.1
//            the signature field, §6.1.2 the key, §6.1.3 the body hash and signature),
//            §3.5 (t=, x=, l=), §3.6.1 (key record t=y, t=s), RFC 8601 §2.7.1 (the
//            results none, pass, fail, policy, neutral, temperror, permerror),
//            RFC 8301 (rsa-sha1 invalid, key sizes), RFC 8463 (ed25519: reported as
//            unsupported, never as pass).
//
// API:
//   DkimVerify verify(message_bytes, {.now_s = clock_s});
//   while (auto q = verify.next_query()) verify.on_answer(*q, answer);
//   verify.results()   one DkimSignatureResult per DKIM-Signature (top first)
//   verify.take_events()
//   dkim_sign(message, key, {.domain, .selector, ...}) -> DkimSignResult {field | why}
//   signed = field + message   (RFC 6376 §5.6: the signature is prepended)
//
// Not implemented: ARC (RFC 8617), the z= tag, third-party signature policies
// (ADSP, historic), signing with l= (discouraged by §8.2), streaming over large bodies.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/trace.hpp"
#include "mailauth/dkim_canon.hpp"
#include "mailauth/dkim_signature.hpp"
#include "mailauth/dns_answer.hpp"

namespace smtplab::mailauth {

// RFC 8601 §2.7.1: the DKIM results an Authentication-Results field can carry.
enum class DkimResult { None, Pass, Fail, Policy, Neutral, TempError, PermError };
std::string_view to_string(DkimResult result);

struct DkimSignatureResult {
  DkimResult result = DkimResult::None;
  std::string domain;     // d=
  std::string selector;   // s=
  std::string algorithm;  // a=
  std::string identity;   // i= (or "@" + d=)
  std::string reason;     // a sentence with the RFC section
  bool unsupported = false;  // a signature smtplab cannot check (ed25519-sha256)
  bool testing = false;      // the key record says t=y (RFC 6376 §3.6.1)
  std::string body_hash_given;     // bh=, base64
  std::string body_hash_computed;  // base64, when computed
  std::string signature_prefix;    // the first 8 characters of b= (RFC 6008 header.b)
};

// Parsed key records by their text, shared by the verifications of one MTA, as a DNS
// cache would share the answers. Parsing a key (base64, ASN.1) and mbedTLS's first use
// of it (R^2 mod N for Montgomery multiplication) cost about as much as the signature
// check itself; a busy receiver sees the same few keys again and again.
class DkimKeyCache {
 public:
  // Our choice (STYLE §18): distinct key records kept; the oldest goes first.
  static constexpr std::size_t entries_max = 256;
  const DkimKeyParse& parse(const std::string& txt);
  std::size_t size() const { return entries_.size(); }

 private:
  std::map<std::string, DkimKeyParse> entries_;
  std::vector<std::string> order_;
};

struct DkimVerifyOptions {
  // Unix time of the check, for x= (RFC 6376 §3.5); 0 skips the expiry check.
  std::int64_t now_s = 0;
  std::size_t signatures_max = dkim_signatures_max;
  DkimKeyCache* key_cache = nullptr;  // optional; owned by the caller
  // Whether to build the trace events that show each step (the signature, the key, the
  // canonical body and header with their hashes, the result). The MTA always does; a
  // caller that wants only the verdicts (a bulk check, the benchmark's like-for-like
  // comparison with dkimpy, which has no such trace) turns it off. Verdicts and results
  // are the same either way.
  bool record_steps = true;
};

// Our choice: canonicalized text placed in one trace event is cut here (the trace has
// a size limit of its own, and a student reads the start, not 10 MB of body).
inline constexpr std::size_t dkim_trace_bytes_max = 4096;

class DkimVerify {
 public:
  explicit DkimVerify(std::string message, DkimVerifyOptions options = {});

  std::optional<DnsQuestion> next_query();
  void on_answer(const DnsQuestion& question, DnsAnswer answer);
  bool done() const { return finished_; }
  const std::vector<DkimSignatureResult>& results() const { return results_; }
  // The best result over all signatures: pass if any passes, otherwise the first one's
  // (RFC 6376 §6.1: a message is judged by its signatures independently); none when
  // there is no signature. A reference (valid while this DkimVerify lives), so that
  // reading one field of it copies nothing.
  const DkimSignatureResult& best() const;
  std::vector<Event> take_events();

 private:
  struct Pending {
    DkimSignatureParse parse;
    std::size_t field_index = 0;  // the DKIM-Signature field, in header_.fields
    std::optional<DnsQuestion> key_question;
  };
  void finish();
  DkimSignatureResult verify_one(const Pending& pending);
  void emit(Event event);

  // The body is message_ from header_.body_offset on: an offset, not a copy of the body
  // nor a string_view, so that a DkimVerify can be moved (the MTA keeps one in a
  // std::optional) without anything pointing into the moved-from string.
  std::string_view body() const { return std::string_view(message_).substr(header_.body_offset); }

  std::string message_;
  DkimVerifyOptions options_;
  MessageHeader header_;
  std::vector<Pending> signatures_;
  std::map<DnsQuestion, DnsAnswer> answers_;
  std::vector<DkimSignatureResult> results_;
  std::vector<Event> events_;
  std::map<std::pair<DkimCanon, std::uint64_t>, std::string> body_hash_cache_;
  bool finished_ = false;
};

// Fields signed by default (RFC 6376 §5.4.1 "The following header fields SHOULD be
// included in the signature, if they are present in the message being signed"), each
// once if present. From is always signed (§5.4).
std::vector<std::string> default_signed_headers();

struct DkimSignOptions {
  std::string domain;    // d=
  std::string selector;  // s=
  DkimCanon header_canon = DkimCanon::Relaxed;
  DkimCanon body_canon = DkimCanon::Relaxed;
  std::vector<std::string> headers;          // empty: default_signed_headers() present
  std::optional<std::int64_t> timestamp_s;   // t=
  std::optional<std::int64_t> expiration_s;  // x=
  std::string identity;                      // i=, empty for none
};

struct DkimSignResult {
  std::optional<std::string> field;  // "DKIM-Signature: ...\r\n", to prepend
  std::string why;                   // when it could not sign
  std::vector<Event> events;
};

// Signs `message` (CRLF line ends). The tags are written in alphabetical order with b=
// last, folded at 75 columns; RSASSA-PKCS1-v1_5 being deterministic, the same inputs
// give the same bytes (the go-msgauth vector is reproduced exactly).
DkimSignResult dkim_sign(std::string_view message, const RsaPrivateKey& key, const DkimSignOptions& options);

// The key record to publish for `key`: "v=DKIM1; k=rsa; p=<base64 SPKI>".
std::string dkim_key_record(const RsaPrivateKey& key);

}  // namespace smtplab::mailauth
