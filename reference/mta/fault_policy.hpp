// mta/fault_policy.hpp — injected SMTP replies: "reply CODE at STAGE for the first N
// attempts or with probability P" (greylisting, a full disk, a server that says 421 at
// connect), as a ServerPolicy decorator around the MTA's real policy.
//
// Standards: RFC 5321 §4.2.1 (a 4yz reply is transient: "the client SHOULD try again"),
// §4.2.5 (a 4yz/5yz reply to end of data means the server did NOT take the message),
// §3.8 (421 at connect). The rules come from sim/faults.hpp ReplyFault, translated by
// scenario/world.cpp, so that this library does not depend on the simulator.
//
// API:
//   auto faults = std::make_shared<ReplyFaults>(rules);  // one per MTA: counts attempts
//   MtaConfig::reply_faults = faults;                     // InboundSession wraps its policy
//   FaultPolicy policy(inner, faults, host.random(), note);
//
// A fault replaces the inner policy's decision at its stage: the inner hook is not
// called (at end of data that means the message is NOT committed, as with a real 4yz).
// Each fault that fires is reported through `note` as a `fault` event, between the
// command and the reply.
//
// Stages: connect (instead of the 220), ehlo, mail, rcpt, data (the DATA command, instead
// of the 354: RFC 5321 §4.1.1.4; a 5yz there fails every accepted recipient, §3.3), dot
// (end of data). TLS faults (TlsFaultRule) spoil the server's side of a handshake
// through ServerPolicy::on_tls_handshake; the client sees a failed handshake, a
// connection-level failure (RFC 3207 §4.1), and handles it in mta::DeliveryAttempt.
//
// Not implemented: a fault after some of the message was read (that is a reset,
// sim::ConnectionFault::reset_after_bytes).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/trace.hpp"
#include "smtp/server_policy.hpp"

namespace smtplab::mta {

enum class FaultStage { Connect, Ehlo, Mail, Rcpt, Data, Dot };
std::string_view to_string(FaultStage stage);
std::optional<FaultStage> parse_fault_stage(std::string_view text);  // "rcpt", "dot", ...

// "450 4.7.1 Greylisted" -> Reply. The code must be 4yz or 5yz (a fault that says 250
// is not a fault); the enhanced status is optional (RFC 3463 §2).
std::optional<Reply> parse_fault_reply(std::string_view text);

struct ReplyFaultRule {
  FaultStage stage = FaultStage::Rcpt;
  Reply reply;
  std::uint32_t first_attempts = 0;            // 0 and no probability: always
  std::uint32_t probability_per_million = 0;   // 0: use first_attempts
};

// A TLS handshake fault (sim::TlsFault translated, so that mta does not depend on sim).
enum class TlsFaultKind {
  HandshakeFailure,  // RFC 5246 §7.2.2: a fatal handshake_failure(40) alert after the ClientHello
  BadCertificate,    // a certificate no trusted CA signed (RFC 5280 §6.1)
};
std::string_view to_string(TlsFaultKind kind);

struct TlsFaultRule {
  TlsFaultKind kind = TlsFaultKind::HandshakeFailure;
  std::uint32_t first_attempts = 0;            // 0 and no probability: always
  std::uint32_t probability_per_million = 0;   // 0: use first_attempts
};

// The rules of one MTA, with their counters: "the first N attempts" counts every time
// the stage is reached, over all connections (greylisting refuses the first RCPT, and
// accepts the retry half an hour later on a new connection).
class ReplyFaults {
 public:
  // bad_identity: the certificate a BadCertificate rule presents (required when there
  // is such a rule: std::invalid_argument otherwise).
  explicit ReplyFaults(std::vector<ReplyFaultRule> rules, std::vector<TlsFaultRule> tls_rules = {},
                       std::shared_ptr<const tls::Identity> bad_identity = nullptr);
  // The rule that fires now at `stage`, or nullptr. Draws from `random` only for a
  // rule with a probability, so runs without such rules keep their random sequence.
  const ReplyFaultRule* fire(FaultStage stage, Random& random);
  // The same for a TLS handshake: every handshake the server starts counts as an attempt.
  const TlsFaultRule* fire_tls(Random& random);
  const std::shared_ptr<const tls::Identity>& bad_identity() const { return bad_identity_; }
  std::uint64_t fired() const { return fired_; }

 private:
  std::vector<ReplyFaultRule> rules_;
  std::vector<std::uint32_t> seen_;
  std::vector<TlsFaultRule> tls_rules_;
  std::vector<std::uint32_t> tls_seen_;
  std::shared_ptr<const tls::Identity> bad_identity_;
  std::uint64_t fired_ = 0;
};

class FaultPolicy final : public smtp::ServerPolicy {
 public:
  using Note = std::function<void(Event)>;
  FaultPolicy(smtp::ServerPolicy& inner, std::shared_ptr<ReplyFaults> faults, Random& random, Note note);

  std::optional<Reply> on_connect(const smtp::Session& session) override;
  std::optional<Reply> on_helo(const smtp::Session& session, std::string_view name) override;
  std::optional<Reply> on_mail_from(const smtp::Session& session, const smtp::Transaction& tx,
                                    const Path& reverse_path) override;
  std::optional<Reply> on_rcpt_to(const smtp::Session& session, const smtp::Transaction& tx,
                                  const Path& forward_path) override;
  std::optional<Reply> on_data(const smtp::Session& session, const smtp::Transaction& tx) override;
  std::optional<smtp::TlsHandshakeFault> on_tls_handshake(const smtp::Session& session) override;
  Reply on_message(const smtp::Session& session, const smtp::Transaction& tx) override;
  bool is_local_domain(std::string_view domain) const override;
  bool is_local_user(const Mailbox& mailbox) const override;
  bool check_password(const smtp::Session& session, std::string_view user, std::string_view password) override;
  std::optional<smtp::ScramCredentials> find_scram_credentials(const smtp::Session& session,
                                                               std::string_view user) override;

 private:
  std::optional<Reply> inject(FaultStage stage);

  smtp::ServerPolicy& inner_;
  std::shared_ptr<ReplyFaults> faults_;
  Random& random_;
  Note note_;
};

}  // namespace smtplab::mta
