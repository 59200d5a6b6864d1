// smtp/server_policy.hpp — the decisions an SMTP server engine does not make itself.
//
// Standards: RFC 5321 §3.6.2 (relaying: "SMTP servers... MUST NOT be used as open
// relays" is the effect of §3.6.2 with RFC 5068 §3 and RFC 2505 §2.14), §3.5.3
// (VRFY), §4.1.1.4 (DATA: on_data may refuse it before the 354; the server takes
// responsibility for the message at the 250 reply to end of data).
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

#include <memory>
#include <optional>
#include <string_view>

#include "core/reply.hpp"
#include "smtp/session_types.hpp"
#include "smtp/user_db.hpp"
#include "tls/pki.hpp"

namespace smtplab::smtp {

// How one TLS handshake must go wrong (fault injection: mta::FaultPolicy). Real servers
// never ask for this; the simulator does, to show what a client does when TLS fails.
struct TlsHandshakeFault {
  // RFC 5246 §7.2.2: answer the ClientHello with a fatal handshake_failure(40) alert.
  bool abort = false;
  // Present this certificate chain instead of the configured one (one the client will
  // not accept: self-signed, so no path to a trust anchor, RFC 5280 §6.1).
  std::shared_ptr<const tls::Identity> identity;
};

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
  // RFC 5321 §4.1.1.4: at the DATA command, before the 354. A Reply here (4yz or 5yz)
  // is sent instead of 354: the server will not read the message, so the client keeps
  // it (RFC 5321 §4.2.1: after a 4yz it tries again later; after a 5yz it bounces every
  // recipient that RCPT accepted, since DATA answers for the whole transaction, §3.3).
  // Default: nothing, i.e. 354. The transaction is kept; the client may RSET or QUIT.
  virtual std::optional<Reply> on_data(const Session& session, const Transaction& tx);
  // RFC 3207 §4 / RFC 8314 §3.3: just before the server's side of a TLS handshake
  // starts (after the 220 to STARTTLS, or at connect on an implicit-TLS port). Default:
  // nothing, a normal handshake with the configured certificate.
  virtual std::optional<TlsHandshakeFault> on_tls_handshake(const Session& session);
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
  // RFC 7677 / RFC 5802 §3: the SCRAM-SHA-256 credentials (salt, iterations, StoredKey,
  // ServerKey) of `user`, or nothing for an unknown user. AUTH SCRAM-SHA-256 checks the
  // client's proof against them; the password itself never reaches the server. Default:
  // nobody. Typical override: `return users_.find_scram(user);`.
  virtual std::optional<ScramCredentials> find_scram_credentials(const Session& session, std::string_view user);
};

}  // namespace smtplab::smtp
