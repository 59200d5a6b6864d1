// smtp/server_policy.cpp — the default answers of ServerPolicy: the secure ones.
//
// Standards: RFC 5321 §3.6.2 (no open relay), §4.5.1 (postmaster), §4.1.1.4 (250 after
//            end of data means the server took responsibility for the message).
#include "smtp/server_policy.hpp"

#include "core/address.hpp"

namespace smtplab::smtp {

std::optional<Reply> ServerPolicy::on_connect(const Session&) { return std::nullopt; }

std::optional<Reply> ServerPolicy::on_helo(const Session&, std::string_view) { return std::nullopt; }

std::optional<Reply> ServerPolicy::on_mail_from(const Session&, const Transaction&, const Path&) {
  return std::nullopt;
}

std::optional<Reply> ServerPolicy::on_rcpt_to(const Session& session, const Transaction&,
                                              const Path& forward_path) {
  // RFC 5321 §4.1.1.3: "<Postmaster>" without a domain MUST be accepted.
  if (forward_path.postmaster) return std::nullopt;
  const Mailbox& mailbox = forward_path.mailbox;
  if (is_local_domain(ascii_lower(mailbox.domain))) {
    // RFC 5321 §4.5.1: "Any system that includes an SMTP server supporting mail relaying
    // or delivery MUST support the reserved mailbox "postmaster" as a case-insensitive
    // local name."
    if (ascii_lower(mailbox.local_part) == "postmaster" || is_local_user(mailbox)) return std::nullopt;
    return make_reply(ReplyId::NoSuchUser);
  }
  // RFC 5321 §3.6.2: relaying for anyone is what makes an open relay; only an
  // authenticated client may send to a domain that is not ours.
  if (!session.auth_user.empty()) return std::nullopt;
  return make_reply(ReplyId::RelayDenied);
}

// RFC 5321 §4.1.1.4: "the receiver normally sends a 354 response to DATA"; the default
// has no reason to refuse.
std::optional<Reply> ServerPolicy::on_data(const Session&, const Transaction&) { return std::nullopt; }

std::optional<TlsHandshakeFault> ServerPolicy::on_tls_handshake(const Session&) { return std::nullopt; }

Reply ServerPolicy::on_message(const Session&, const Transaction&) {
  // RFC 5321 §4.1.1.4: the 250 after end of data means the server "has accepted
  // responsibility"; the base class has nowhere to keep the message, so it must not
  // say 250.
  return make_reply(ReplyId::LocalError, "no message store is configured");
}

// With no configuration, no domain is local: every recipient but postmaster is relay.
bool ServerPolicy::is_local_domain(std::string_view) const { return false; }

bool ServerPolicy::is_local_user(const Mailbox&) const { return true; }

// Without a user database nobody can authenticate (the secure default).
bool ServerPolicy::check_password(const Session&, std::string_view, std::string_view) { return false; }
std::optional<ScramCredentials> ServerPolicy::find_scram_credentials(const Session&, std::string_view) {
  return std::nullopt;
}

}  // namespace smtplab::smtp
