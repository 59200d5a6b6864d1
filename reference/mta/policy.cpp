// mta/policy.cpp — relay rules and recipient checks, each decision traced.
#include "mta/policy.hpp"

#include <algorithm>

#include "mta/mta.hpp"

namespace smtplab::mta {

void MtaPolicy::record(std::string summary, std::string rule, std::string result, std::string rfc) {
  Event event;
  event.kind = EventKind::PolicyCheck;
  event.summary = std::move(summary);
  event.explain = "policy." + rule;
  event.rfc = std::move(rfc);
  event.with("rule", std::move(rule)).with("result", std::move(result));
  if (note_) note_(std::move(event));
}

bool MtaPolicy::is_local_domain(std::string_view domain) const { return mta_.is_local_domain(domain); }

bool MtaPolicy::is_local_user(const Mailbox& mailbox) const {
  return mta_.is_local_user(mailbox.local_part);
}

std::optional<Reply> MtaPolicy::on_mail_from(const smtp::Session& session, const smtp::Transaction&,
                                            const Path&) {
  if (!auth_required_) return std::nullopt;
  // RFC 6409 §4.3: an MSA "MUST ... authenticate" its users before accepting mail; RFC
  // 4954 §6: "530 5.7.0 Authentication required ... SHOULD be returned by any command
  // other than AUTH, EHLO, HELO, NOOP, RSET, or QUIT when server policy requires
  // authentication in order to perform the requested action".
  if (!session.auth_user.empty()) {
    record("MAIL on the submission port: client authenticated as " + session.auth_user, "relay.submission_auth",
           "accept", "RFC 6409 §4.3");
    return std::nullopt;
  }
  record("MAIL on the submission port without AUTH: refusing", "relay.submission_auth", "reject", "RFC 6409 §4.3");
  return make_reply(ReplyId::AuthRequired);
}

bool MtaPolicy::check_password(const smtp::Session&, std::string_view user, std::string_view password) {
  const auto& db = mta_.config().user_db;
  if (!db) return false;
  if (db->find(user)) return db->check(user, password);
  // "alice@a.example" logs in as the local user "alice" when a.example is ours.
  const auto at = user.rfind('@');
  if (at != std::string_view::npos && is_local_domain(user.substr(at + 1)))
    return db->check(user.substr(0, at), password);
  return false;
}

// The same users as check_password, for AUTH SCRAM-SHA-256 (RFC 7677): the keys derived
// from the stored PBKDF2 hash (smtp/user_db.hpp, scram_credentials_from).
std::optional<smtp::ScramCredentials> MtaPolicy::find_scram_credentials(const smtp::Session&, std::string_view user) {
  const auto& db = mta_.config().user_db;
  if (!db) return std::nullopt;
  if (auto credentials = db->find_scram(user)) return credentials;
  const auto at = user.rfind('@');
  if (at != std::string_view::npos && is_local_domain(user.substr(at + 1))) return db->find_scram(user.substr(0, at));
  return std::nullopt;
}

std::optional<Reply> MtaPolicy::on_rcpt_to(const smtp::Session& session, const smtp::Transaction&,
                                           const Path& forward_path) {
  // RFC 5321 §4.1.1.3: "...servers MUST NOT fail the RCPT TO:<Postmaster> command".
  if (forward_path.postmaster) {
    record("RCPT <Postmaster>: always accepted", "postmaster", "accept", "RFC 5321 §4.1.1.3");
    return std::nullopt;
  }
  const Mailbox& mailbox = forward_path.mailbox;
  const std::string address = mailbox.to_string();

  if (is_local_domain(mailbox.domain)) {
    // Final delivery here: the user must exist. RFC 5321 §3.6.2 / §4.2.3: 550 for a
    // mailbox that does not exist, so the sender learns now rather than by a bounce.
    if (is_local_user(mailbox) ||
        ascii_lower(mailbox.local_part) == "postmaster") {  // RFC 5321 §4.5.1
      record(address + ": local domain, mailbox exists", "local_recipient", "accept",
             "RFC 5321 §3.6.2");
      return std::nullopt;
    }
    record(address + ": local domain, but no such mailbox", "local_recipient", "reject",
           "RFC 5321 §3.6.2");
    return make_reply(ReplyId::NoSuchUser, address);
  }

  // Relaying: the recipient is elsewhere, so accepting means we take the message to
  // another server on this client's behalf.
  const MtaConfig& config = mta_.config();
  if (config.relay == RelayPolicy::Open) {
    record(address + ": foreign domain, relaying because this server is an OPEN RELAY",
           "relay", "accept (open relay!)", "RFC 5321 §3.6.2");
    return std::nullopt;
  }
  if (!session.auth_user.empty()) {
    record(address + ": foreign domain, client authenticated as " + session.auth_user,
           "relay", "accept", "RFC 6409 §4.3");
    return std::nullopt;
  }
  if (std::find(config.relay_from.begin(), config.relay_from.end(), session.peer_address) !=
      config.relay_from.end()) {
    record(address + ": foreign domain, client " + session.peer_address +
               " is in this server's relay_from list",
           "relay", "accept", "RFC 5321 §3.6.2");
    return std::nullopt;
  }
  record(address + ": foreign domain and client " + session.peer_address +
             " may not relay: refusing (no open relay)",
         "relay", "reject", "RFC 5321 §3.6.2");
  return make_reply(ReplyId::RelayDenied, address);
}

Reply MtaPolicy::on_message(const smtp::Session& session, const smtp::Transaction& tx) {
  const MailAuthConfig& checks = mta_.config().mail_auth;
  if (checks.enabled() && start_checks_) {
    if (mta_.client_is_ours(session)) {
      record("sender authentication skipped: the client is one of ours (" +
                 (session.auth_user.empty() ? "relay_from " + session.peer_address : "AUTH " + session.auth_user) +
                 ")",
             "mail_auth.skipped", "skip", "RFC 7489 §6.6.2");
    } else {
      start_checks_(session, tx);
      return make_reply(ReplyId::MessageAccepted);  // not sent: the reply is deferred
    }
  }
  if (start_commit_ && mta_.queue().commits_async()) {
    // RFC 5321 §4.1.1.4: the 250 waits for the durable commit, which runs elsewhere.
    start_commit_(session, tx);
    return make_reply(ReplyId::MessageAccepted);  // not sent: the reply is deferred
  }
  return mta_.accept(session, tx, note_);
}

}  // namespace smtplab::mta
