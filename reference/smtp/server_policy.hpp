// smtp/server_policy.hpp — the decisions an SMTP server engine does not make itself.
//
// Standards: RFC 5321 §3.6.2 (relaying: "SMTP servers... MUST NOT be used as open
// relays" is the effect of §3.6.2 with RFC 5068 §3 and RFC 2505 §2.14), §3.5.3
// (VRFY), §4.1.1.4 (the server takes responsibility for the message at the 250
// reply to end of data).
//
// API: derive from ServerPolicy and override what you need (aiosmtpd's handle_*
// style: a hook you do not override keeps its default). A hook returns a Reply to
// refuse, or nothing to accept with the engine's default positive reply.
//
// Defaults are the secure ones: no open relay (a recipient outside is_local_domain
// is refused with 550 5.7.1 unless the session authenticated), and on_message, which
// must store the message before saying 250, refuses with 451 4.3.0 because the base
// class has nowhere to store it; check_password says no (no users).
#pragma once

#include <optional>
#include <string_view>

#include "core/reply.hpp"
#include "smtp/session_types.hpp"

namespace smtplab::smtp {

class ServerPolicy {
 public:
  virtual ~ServerPolicy() = default;

  // Before the greeting: a Reply here (554 NoServiceHere, 421) replaces the 220.
  virtual std::optional<Reply> on_connect(const Session& session);
  virtual std::optional<Reply> on_helo(const Session& session, std::string_view name);
  virtual std::optional<Reply> on_mail_from(const Session& session, const Transaction& tx,
                                            const Path& reverse_path);
  // Default: Postmaster and local domains accepted (if is_local_user), others only
  // when session.auth_user is set; otherwise 550 5.7.1 RelayDenied.
  virtual std::optional<Reply> on_rcpt_to(const Session& session, const Transaction& tx,
                                          const Path& forward_path);
  // After end of data. The owner must make the message durable before returning 250
  // (MessageAccepted). The returned reply is sent as is.
  virtual Reply on_message(const Session& session, const Transaction& tx);

  virtual bool is_local_domain(std::string_view domain) const;
  virtual bool is_local_user(const Mailbox& mailbox) const;

  // RFC 4954 §4 / RFC 4616 §2: is `password` right for `user`? Called by AUTH (PLAIN,
  // LOGIN) with the decoded credentials; the engine never stores or logs the password.
  // Default: no user database, so nobody can authenticate. Typical override, with a
  // UserDb (smtp/user_db.hpp) holding PBKDF2 hashes:
  //   bool check_password(const Session&, std::string_view u, std::string_view p) override {
  //     return users_.check(u, p);
  //   }
  virtual bool check_password(const Session& session, std::string_view user, std::string_view password);
};

}  // namespace smtplab::smtp
