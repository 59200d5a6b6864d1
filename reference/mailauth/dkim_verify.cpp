// mailauth/dkim_verify.cpp — RFC 6376 §6.1: verifying each DKIM-Signature of a message.
//
// The order of work follows §6.1: validate the signature field (§6.1.1), get the key
// (§6.1.2), compute and compare the body hash, then the header hash and the signature
// (§6.1.3). Each step reports a policy_check event, so a student sees the canonical
// bytes and both body hashes side by side.
#include <algorithm>
#include <utility>

#include "core/address.hpp"
#include "mailauth/dkim.hpp"
#include "message/header.hpp"

namespace smtplab::mailauth {

namespace {

std::string capped(std::string_view bytes) {
  if (bytes.size() <= dkim_trace_bytes_max) return std::string(bytes);
  return std::string(bytes.substr(0, dkim_trace_bytes_max)) + "[... " +
         std::to_string(bytes.size() - dkim_trace_bytes_max) + " more octets]";
}

// verify_one reports at most five steps per signature: signature, key, body_hash,
// signature_check, result.
constexpr std::size_t events_per_signature_max = 5;

}  // namespace

std::string_view to_string(DkimResult result) {
  switch (result) {
    case DkimResult::None: return "none";
    case DkimResult::Pass: return "pass";
    case DkimResult::Fail: return "fail";
    case DkimResult::Policy: return "policy";
    case DkimResult::Neutral: return "neutral";
    case DkimResult::TempError: return "temperror";
    case DkimResult::PermError: return "permerror";
  }
  return "?";
}

DkimVerify::DkimVerify(std::string message, DkimVerifyOptions options)
    : message_(std::move(message)), options_(options), header_(split_header(message_)) {
  for (std::size_t index = 0; index < header_.fields.size(); ++index) {
    const RawField& field = header_.fields[index];
    if (!message::field_name_equals(field.name, "DKIM-Signature")) continue;
    if (signatures_.size() >= options_.signatures_max) {
      Event event;
      event.summary = "DKIM: more than " + std::to_string(options_.signatures_max) +
                      " signatures; the rest are not examined";
      event.with("step", "limit");
      emit(std::move(event));
      break;
    }
    Pending pending;
    pending.field_index = index;
    const std::size_t colon = field.raw.find(':');
    pending.parse = parse_dkim_signature(std::string_view(field.raw).substr(colon + 1));
    if (pending.parse.signature) {
      pending.key_question = DnsQuestion{pending.parse.signature->key_name(), dns::RecordType::Txt};
    }
    signatures_.push_back(std::move(pending));
  }
  // The events are known in number: reserving them at once moves no event when the
  // vector would otherwise grow (1, 2, 4, 8 for the five of one signature).
  if (options_.record_steps) events_.reserve(events_.size() + std::max<std::size_t>(1, signatures_.size() * events_per_signature_max));
}

void DkimVerify::emit(Event event) {
  if (!options_.record_steps) return;
  event.kind = EventKind::PolicyCheck;
  event.fields.insert(event.fields.begin(), {"check", "dkim"});
  if (event.explain.empty()) event.explain = "mailauth.dkim." + std::string(event.field("step"));
  if (event.rfc.empty()) event.rfc = "RFC 6376 §6.1";
  events_.push_back(std::move(event));
}

std::optional<DnsQuestion> DkimVerify::next_query() {
  if (finished_) return std::nullopt;
  for (const Pending& p : signatures_)
    if (p.key_question && !answers_.contains(*p.key_question)) return p.key_question;
  finish();
  return std::nullopt;
}

void DkimVerify::on_answer(const DnsQuestion& question, DnsAnswer answer) {
  for (const Pending& p : signatures_) {
    if (p.key_question && *p.key_question == question) {
      answers_[question] = std::move(answer);
      return;
    }
  }
}

void DkimVerify::finish() {
  finished_ = true;
  if (signatures_.empty()) {
    Event event;
    event.summary = "DKIM: the message carries no DKIM-Signature (result none)";
    event.with("step", "none").with("result", "none");
    event.rfc = "RFC 8601 §2.7.1";
    emit(std::move(event));
  }
  for (const Pending& p : signatures_) results_.push_back(verify_one(p));
}

DkimSignatureResult DkimVerify::verify_one(const Pending& pending) {
  DkimSignatureResult r;
  const std::string& raw_field = header_.fields[pending.field_index].raw;
  r.domain = pending.parse.domain;
  r.selector = pending.parse.selector;
  r.algorithm = std::string(to_string(pending.parse.algorithm));
  auto conclude = [&](DkimResult result, std::string reason, std::string rfc) {
    r.result = result;
    r.reason = std::move(reason);
    if (!options_.record_steps) return std::move(r);
    Event event;
    event.summary = "DKIM d=" + r.domain + " s=" + r.selector + ": " + std::string(to_string(result)) + " - " +
                    r.reason;
    event.with("step", "result").with("domain", r.domain).with("selector", r.selector)
        .with("result", std::string(to_string(result))).with("reason", r.reason);
    event.explain = "mailauth.dkim.result." + std::string(to_string(result));
    event.rfc = std::move(rfc);
    emit(std::move(event));
    return std::move(r);  // r is not used after its conclusion: moved, not copied
  };
  if (options_.record_steps) {
    Event event;
    event.summary = "DKIM-Signature d=" + r.domain + " s=" + r.selector + " a=" + r.algorithm;
    event.bytes = capped(raw_field);
    event.with("step", "signature").with("domain", r.domain).with("selector", r.selector)
        .with("algorithm", r.algorithm);
    event.rfc = "RFC 6376 §3.5";
    emit(std::move(event));
  }
  if (!pending.parse.signature) {
    r.unsupported = pending.parse.unsupported;
    // RFC 6376 §6.1.1: a signature field that fails validation is a PERMFAIL; RFC 8601
    // §2.7.1 calls that "permerror". An algorithm we cannot check is never a pass.
    return conclude(DkimResult::PermError, pending.parse.why, "RFC 6376 §6.1.1");
  }
  const DkimSignature& sig = *pending.parse.signature;
  // The key's name (selector._domainkey.domain) was built once, for the question.
  const std::string& key_name = pending.key_question->name;
  r.identity = sig.identity;
  r.body_hash_given = sig.body_hash_text;
  // The first 8 base64 characters encode exactly the first 6 octets (RFC 2045 §6.8:
  // 3 octets per 4 characters), so only those are encoded.
  r.signature_prefix = base64_encode(std::string_view(sig.signature).substr(0, 6)).substr(0, 8);

  // RFC 6376 §6.1.1: "Verifiers MAY ignore the DKIM-Signature header field and return
  // PERMFAIL (signature expired) if it contains an "x=" tag and the signature has
  // expired."
  if (options_.now_s > 0 && sig.expiration_s && *sig.expiration_s < options_.now_s) {
    return conclude(DkimResult::PermError,
                    "the signature expired at x=" + std::to_string(*sig.expiration_s) + " (RFC 6376 §3.5, §6.1.1)",
                    "RFC 6376 §6.1.1");
  }

  // §6.1.2: get the key.
  const auto found = answers_.find(*pending.key_question);
  if (found == answers_.end()) return conclude(DkimResult::TempError, "no answer for the key", "RFC 6376 §6.1.2");
  const DnsAnswer& answer = found->second;
  if (answer.status == DnsStatus::TempFail) {
    // RFC 6376 §6.1.2: "If the query for the public key fails to respond, the Verifier
    // MAY seek a later verification attempt by returning TEMPFAIL (key unavailable)."
    return conclude(DkimResult::TempError, "the key lookup " + pending.key_question->to_string() + " failed (" +
                                               answer.why + ")",
                    "RFC 6376 §6.1.2");
  }
  const auto texts = txt_strings(answer);
  if (texts.empty()) {
    // RFC 6376 §6.1.2: "If the query for the public key fails because the corresponding
    // key record does not exist, the Verifier MUST immediately return PERMFAIL (no key
    // for signature)."
    return conclude(DkimResult::PermError, "no key record at " + key_name + " (RFC 6376 §6.1.2)",
                    "RFC 6376 §6.1.2");
  }
  // §6.1.2: with several records, "the Verifier can choose one"; we use the first.
  // With a cache the parsed key is used where the cache keeps it, not copied.
  std::optional<DkimKeyParse> uncached;
  if (!options_.key_cache) uncached = parse_dkim_key(texts.front());
  const DkimKeyParse& key = options_.key_cache ? options_.key_cache->parse(texts.front()) : *uncached;
  if (options_.record_steps) {
    Event event;
    event.summary = "key " + key_name + ": " + (key.key ? "RSA " + std::to_string(key.key->rsa->bits()) + " bits"
                                                              : key.why);
    event.bytes = capped(texts.front());
    event.with("step", "key").with("name", key_name);
    event.rfc = "RFC 6376 §3.6.1";
    emit(std::move(event));
  }
  if (!key.key) {
    r.unsupported = key.unsupported;
    return conclude(DkimResult::PermError, key.why, "RFC 6376 §6.1.2");
  }
  r.testing = key.key->testing();
  // RFC 6376 §3.6.1 t=s: "the "i=" domain MUST NOT be a subdomain of "d="".
  if (key.key->strict()) {
    const std::size_t at = sig.identity.rfind('@');
    if (ascii_lower(sig.identity.substr(at + 1)) != ascii_lower(sig.domain)) {
      return conclude(DkimResult::PermError, "the key has t=s but i= is a subdomain of d= (RFC 6376 §3.6.1)",
                      "RFC 6376 §3.6.1");
    }
  }

  // §6.1.3: the body hash. RFC 6376 §3.7: "BH = hash-alg(canon-body, l-param)".
  const std::uint64_t length_key = sig.body_length.value_or(UINT64_MAX);
  std::string canonical_body = canonicalize_body(body(), sig.body_canon);
  if (sig.body_length && *sig.body_length > canonical_body.size()) {
    // RFC 6376 §6.1.3: a body length greater than the canonicalized body "MUST" make the
    // signature fail: the body was shortened after signing.
    return conclude(DkimResult::PermError,
                    "l=" + std::to_string(*sig.body_length) + " is longer than the body (" +
                        std::to_string(canonical_body.size()) + " octets) (RFC 6376 §6.1.3)",
                    "RFC 6376 §6.1.3");
  }
  if (sig.body_length) canonical_body.resize(*sig.body_length);
  auto cached = body_hash_cache_.find({sig.body_canon, length_key});
  if (cached == body_hash_cache_.end())
    cached = body_hash_cache_.emplace(std::pair{sig.body_canon, length_key}, sha256(canonical_body)).first;
  r.body_hash_computed = base64_encode(cached->second);
  if (options_.record_steps) {
    Event event;
    event.summary = "body (" + std::string(to_string(sig.body_canon)) + ", " +
                    std::to_string(canonical_body.size()) + " octets): computed bh=" + r.body_hash_computed +
                    ", signature says bh=" + r.body_hash_given;
    // The canonical body is not needed after this event: it moves into the trace when
    // it fits, instead of being copied (a 4 KiB copy was a visible part of a verification).
    event.bytes = canonical_body.size() <= dkim_trace_bytes_max ? std::move(canonical_body) : capped(canonical_body);
    event.with("step", "body_hash").with("canonicalization", std::string(to_string(sig.body_canon)))
        .with("computed", r.body_hash_computed).with("given", r.body_hash_given)
        .with("match", cached->second == sig.body_hash ? "yes" : "no");
    event.rfc = "RFC 6376 §3.7";
    emit(std::move(event));
  }
  if (cached->second != sig.body_hash) {
    // RFC 6376 §6.1.3: "If the hash does not match, the Verifier MUST ignore the
    // signature and return PERMFAIL (body hash did not verify)." RFC 8601 reports a
    // signature that does not verify as "fail".
    return conclude(DkimResult::Fail, "the body hash did not verify: the body changed after signing (RFC 6376 §6.1.3)",
                    "RFC 6376 §6.1.3");
  }

  // §3.7: the header hash input: the signed fields, canonicalized, in h= order, then the
  // DKIM-Signature field itself with b= empty and no final CRLF.
  // Canonicalization never lengthens a field by more than its CRLF, and
  // append_canonical_header makes room for the raw size plus 3 before cutting back, so
  // reserving the raw sizes plus 3 each builds the input in one buffer.
  const auto signed_fields = select_signed_fields(header_.fields, sig.headers);
  std::size_t hashed_size = raw_field.size() + 3;
  for (const auto& index : signed_fields)
    if (index) hashed_size += header_.fields[*index].raw.size() + 3;
  std::string hashed;
  hashed.reserve(hashed_size);
  for (const auto& index : signed_fields)
    if (index) append_canonical_header(hashed, header_.fields[*index].raw, sig.header_canon);
  append_canonical_header(hashed, remove_b_value(raw_field), sig.header_canon);
  if (hashed.ends_with("\r\n")) hashed.resize(hashed.size() - 2);
  const std::string header_hash = sha256(hashed);
  const bool valid = key.key->rsa->verify(header_hash, sig.signature);
  if (options_.record_steps) {
    Event event;
    event.summary = "header hash over " + std::to_string(sig.headers.size()) + " fields (" +
                    std::string(to_string(sig.header_canon)) + "): RSA signature " + (valid ? "verifies" : "does not verify");
    event.bytes = hashed.size() <= dkim_trace_bytes_max ? std::move(hashed) : capped(hashed);
    event.with("step", "signature_check").with("canonicalization", std::string(to_string(sig.header_canon)))
        .with("valid", valid ? "yes" : "no");
    event.rfc = "RFC 6376 §3.7";
    emit(std::move(event));
  }
  if (!valid) {
    return conclude(DkimResult::Fail, "the signature did not verify: a signed header changed (RFC 6376 §6.1.3)",
                    "RFC 6376 §6.1.3");
  }
  return conclude(DkimResult::Pass,
                  std::string("the body hash and the signature verify with the key at ") + key_name +
                      (r.testing ? " (the key is in testing mode, t=y)" : ""),
                  "RFC 6376 §6.1.3");
}

const DkimKeyParse& DkimKeyCache::parse(const std::string& txt) {
  if (const auto found = entries_.find(txt); found != entries_.end()) return found->second;
  if (entries_.size() >= entries_max) {
    entries_.erase(order_.front());
    order_.erase(order_.begin());
  }
  order_.push_back(txt);
  return entries_.emplace(txt, parse_dkim_key(txt)).first->second;
}

const DkimSignatureResult& DkimVerify::best() const {
  // Result none, for a message without signatures; a constant, never modified.
  static const DkimSignatureResult no_signature;
  if (results_.empty()) return no_signature;
  for (const auto& r : results_)
    if (r.result == DkimResult::Pass) return r;
  return results_.front();
}

std::vector<Event> DkimVerify::take_events() { return std::exchange(events_, {}); }

}  // namespace smtplab::mailauth
