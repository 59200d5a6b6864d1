// mta/policy.hpp — the MTA's receiving policy: who may relay, which recipients exist,
// and what happens at end of data.
//
// Standards: RFC 5321 §3.6.2 ("...a server MUST NOT ... relay" for unknown clients is
// the consensus of RFC 2505 §2.14 and RFC 5068 §3: no open relays), §3.6.1 (source
// routes ignored), §4.1.1.3 (Postmaster must be accepted), §3.5.3 (VRFY), §4.1.1.4.
//
// API: MtaPolicy policy(mta, note); one per connection, passed to its ServerSession.
// Each decision is also reported through `note` as a policy_check event (the inbound
// session slots it into the engine's own event stream, so it appears between the
// command and the reply), and a student sees *why* a recipient was refused.
#pragma once

#include <functional>

#include "core/trace.hpp"
#include "smtp/server_policy.hpp"

namespace smtplab::mta {

class Mta;

class MtaPolicy final : public smtp::ServerPolicy {
 public:
  using Note = std::function<void(Event)>;
  // `auth_required`: MAIL needs a successful AUTH first (the submission port, RFC 6409).
  MtaPolicy(Mta& mta, Note note, bool auth_required = false)
      : mta_(mta), note_(std::move(note)), auth_required_(auth_required) {}

  std::optional<Reply> on_mail_from(const smtp::Session& session, const smtp::Transaction& tx,
                                    const Path& reverse_path) override;
  bool check_password(const smtp::Session& session, std::string_view user, std::string_view password) override;
  std::optional<smtp::ScramCredentials> find_scram_credentials(const smtp::Session& session,
                                                               std::string_view user) override;

  std::optional<Reply> on_rcpt_to(const smtp::Session& session, const smtp::Transaction& tx,
                                  const Path& forward_path) override;
  // At end of data: accept now, or — with mail_auth on and a client that is not ours —
  // hand the message to `start_checks` (the inbound session defers the reply and runs
  // SPF, DKIM and DMARC; mail_auth.hpp). The reply returned then is ignored.
  Reply on_message(const smtp::Session& session, const smtp::Transaction& tx) override;
  using StartChecks = std::function<void(const smtp::Session&, const smtp::Transaction&)>;
  void set_start_checks(StartChecks start) { start_checks_ = std::move(start); }
  // Real mode: when the queue commits asynchronously (QueueStore::commits_async), the
  // message goes to `start_commit` instead of Mta::accept: the inbound session defers
  // the reply and resumes with 250 once the commit's fsyncs returned.
  void set_start_commit(StartChecks start) { start_commit_ = std::move(start); }
  bool is_local_domain(std::string_view domain) const override;
  bool is_local_user(const Mailbox& mailbox) const override;

 private:
  void record(std::string summary, std::string rule, std::string result, std::string rfc);
  Mta& mta_;
  Note note_;
  bool auth_required_ = false;
  StartChecks start_checks_;
  StartChecks start_commit_;
};

}  // namespace smtplab::mta
