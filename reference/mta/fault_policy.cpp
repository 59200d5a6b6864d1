// mta/fault_policy.cpp — see fault_policy.hpp.
#include "mta/fault_policy.hpp"

#include <stdexcept>

namespace smtplab::mta {

std::string_view to_string(FaultStage stage) {
  switch (stage) {
    case FaultStage::Connect: return "connect";
    case FaultStage::Ehlo: return "ehlo";
    case FaultStage::Mail: return "mail";
    case FaultStage::Rcpt: return "rcpt";
    case FaultStage::Data: return "data";
    case FaultStage::Dot: return "dot";
  }
  return "unknown";
}

std::optional<FaultStage> parse_fault_stage(std::string_view text) {
  for (FaultStage stage : {FaultStage::Connect, FaultStage::Ehlo, FaultStage::Mail, FaultStage::Rcpt,
                           FaultStage::Data, FaultStage::Dot})
    if (text == to_string(stage)) return stage;
  return std::nullopt;
}

std::optional<Reply> parse_fault_reply(std::string_view text) {
  // RFC 5321 §4.2: "Reply-code [ SP textstring ]", the code three digits.
  if (text.size() < 3) return std::nullopt;
  for (int i = 0; i < 3; ++i)
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  Reply reply;
  reply.code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
  // Only failures: 4yz transient, 5yz permanent (RFC 5321 §4.2.1).
  if (reply.first_digit() != 4 && reply.first_digit() != 5) return std::nullopt;
  if (text.size() > 3 && text[3] != ' ') return std::nullopt;
  std::string_view rest = text.size() > 4 ? text.substr(4) : std::string_view{};
  const auto space = rest.find(' ');
  if (auto status = EnhancedStatus::parse(rest.substr(0, space))) {
    // RFC 3463 §2: the class of the status must agree with the reply code.
    if (status->klass != reply.first_digit()) return std::nullopt;
    reply.status = *status;
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
  }
  // Printable ASCII only on the wire (RFC 5321 §4.2): refuse anything else.
  for (char c : rest)
    if (c < 0x20 || c > 0x7e) return std::nullopt;
  reply.lines.push_back(rest.empty() ? std::string("Injected fault") : std::string(rest));
  return reply;
}

std::string_view to_string(TlsFaultKind kind) {
  switch (kind) {
    case TlsFaultKind::HandshakeFailure: return "handshake_failure";
    case TlsFaultKind::BadCertificate: return "bad_certificate";
  }
  return "unknown";
}

namespace {
// Our choice: the denominator of probability_per_million.
constexpr std::uint64_t per_million = 1'000'000;

// "The first N attempts, or with probability P, or always": the rule shared by reply
// and TLS faults. `seen` is this attempt's number, counting from 1.
bool rule_fires(std::uint32_t first_attempts, std::uint32_t probability_per_million, std::uint32_t seen,
                Random& random) {
  if (probability_per_million != 0) return random.uniform(per_million) < probability_per_million;
  return first_attempts == 0 || seen <= first_attempts;
}
}  // namespace

ReplyFaults::ReplyFaults(std::vector<ReplyFaultRule> rules, std::vector<TlsFaultRule> tls_rules,
                         std::shared_ptr<const tls::Identity> bad_identity)
    : rules_(std::move(rules)),
      seen_(rules_.size(), 0),
      tls_rules_(std::move(tls_rules)),
      tls_seen_(tls_rules_.size(), 0),
      bad_identity_(std::move(bad_identity)) {
  for (const TlsFaultRule& rule : tls_rules_)
    if (rule.kind == TlsFaultKind::BadCertificate && !bad_identity_)
      throw std::invalid_argument("ReplyFaults: a bad_certificate rule needs the certificate to present");
}

const TlsFaultRule* ReplyFaults::fire_tls(Random& random) {
  for (std::size_t i = 0; i < tls_rules_.size(); ++i) {
    const TlsFaultRule& rule = tls_rules_[i];
    if (rule_fires(rule.first_attempts, rule.probability_per_million, ++tls_seen_[i], random)) {
      ++fired_;
      return &rule;
    }
  }
  return nullptr;
}

const ReplyFaultRule* ReplyFaults::fire(FaultStage stage, Random& random) {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const ReplyFaultRule& rule = rules_[i];
    if (rule.stage != stage) continue;
    if (rule_fires(rule.first_attempts, rule.probability_per_million, ++seen_[i], random)) {
      ++fired_;
      return &rule;
    }
  }
  return nullptr;
}

FaultPolicy::FaultPolicy(smtp::ServerPolicy& inner, std::shared_ptr<ReplyFaults> faults, Random& random,
                         Note note)
    : inner_(inner), faults_(std::move(faults)), random_(random), note_(std::move(note)) {}

std::optional<Reply> FaultPolicy::inject(FaultStage stage) {
  if (!faults_) return std::nullopt;
  const ReplyFaultRule* rule = faults_->fire(stage, random_);
  if (rule == nullptr) return std::nullopt;
  Event event;
  event.kind = EventKind::Fault;
  const std::string line = rule->reply.first_line(true);
  event.summary = "injected fault at " + std::string(to_string(stage)) + ": reply " + line +
                  (rule->reply.transient_failure() ? " (transient: the client must retry later)"
                                                   : " (permanent: the client must give up and bounce)");
  event.explain = "fault.reply";
  event.rfc = rule->reply.transient_failure() ? "RFC 5321 §4.2.1" : "RFC 5321 §4.2.1";
  event.with("fault", "reply").with("stage", std::string(to_string(stage))).with("reply", line);
  if (note_) note_(std::move(event));
  return rule->reply;
}

std::optional<Reply> FaultPolicy::on_connect(const smtp::Session& session) {
  if (auto reply = inject(FaultStage::Connect)) return reply;
  return inner_.on_connect(session);
}

std::optional<Reply> FaultPolicy::on_helo(const smtp::Session& session, std::string_view name) {
  if (auto reply = inject(FaultStage::Ehlo)) return reply;
  return inner_.on_helo(session, name);
}

std::optional<Reply> FaultPolicy::on_mail_from(const smtp::Session& session, const smtp::Transaction& tx,
                                               const Path& reverse_path) {
  if (auto reply = inject(FaultStage::Mail)) return reply;
  return inner_.on_mail_from(session, tx, reverse_path);
}

std::optional<Reply> FaultPolicy::on_rcpt_to(const smtp::Session& session, const smtp::Transaction& tx,
                                             const Path& forward_path) {
  if (auto reply = inject(FaultStage::Rcpt)) return reply;
  return inner_.on_rcpt_to(session, tx, forward_path);
}

std::optional<Reply> FaultPolicy::on_data(const smtp::Session& session, const smtp::Transaction& tx) {
  // RFC 5321 §4.1.1.4: a failure reply instead of the 354; the client never sends the
  // message, so nothing reaches the queue and the client still owns it.
  if (auto reply = inject(FaultStage::Data)) return reply;
  return inner_.on_data(session, tx);
}

std::optional<smtp::TlsHandshakeFault> FaultPolicy::on_tls_handshake(const smtp::Session& session) {
  const TlsFaultRule* rule = faults_ ? faults_->fire_tls(random_) : nullptr;
  if (rule == nullptr) return inner_.on_tls_handshake(session);
  smtp::TlsHandshakeFault fault;
  Event event;
  event.kind = EventKind::Fault;
  event.explain = "fault.tls";
  if (rule->kind == TlsFaultKind::HandshakeFailure) {
    // RFC 5246 §7.2.2: a fatal alert ends the handshake; RFC 3207 §4.1: the connection
    // cannot carry SMTP any more, so the client's attempt fails as a whole.
    fault.abort = true;
    event.summary =
        "injected TLS fault: the server will answer the ClientHello with a fatal handshake_failure alert "
        "(the client must treat the connection as failed and keep the message)";
    event.rfc = "RFC 5246 §7.2.2";
  } else {
    fault.identity = faults_->bad_identity();
    event.summary =
        "injected TLS fault: the server presents a self-signed certificate (a client that requires TLS "
        "rejects it and retries later; an opportunistic one encrypts anyway)";
    event.rfc = "RFC 3207 §4.1";
  }
  event.with("fault", "tls").with("failure", std::string(to_string(rule->kind)));
  if (note_) note_(std::move(event));
  return fault;
}

Reply FaultPolicy::on_message(const smtp::Session& session, const smtp::Transaction& tx) {
  // RFC 5321 §4.2.5: after a failure reply to end of data the server has not taken the
  // message, so the inner policy (which would commit it to the queue) is not called.
  if (auto reply = inject(FaultStage::Dot)) return *reply;
  return inner_.on_message(session, tx);
}

bool FaultPolicy::is_local_domain(std::string_view domain) const { return inner_.is_local_domain(domain); }
bool FaultPolicy::is_local_user(const Mailbox& mailbox) const { return inner_.is_local_user(mailbox); }
bool FaultPolicy::check_password(const smtp::Session& session, std::string_view user, std::string_view password) {
  return inner_.check_password(session, user, password);
}

std::optional<smtp::ScramCredentials> FaultPolicy::find_scram_credentials(const smtp::Session& session,
                                                                          std::string_view user) {
  return inner_.find_scram_credentials(session, user);
}

}  // namespace smtplab::mta
