// mta/delivery.hpp — one outbound delivery attempt: find where a domain's mail goes,
// connect, and run the SMTP client dialogue for some recipients of one message.
//
// Standards: RFC 5321 §5.1 ("Locating the Target Host": MX records, preference order,
// implicit MX, "SHOULD try at least two addresses"), §4.5.4.1 (what counts as a
// transient failure), §3.8 (421 closes the session; try elsewhere), RFC 7505 (null MX),
// RFC 3207 §4.1 and RFC 7435 (a failed TLS handshake: with TLS required, try elsewhere
// and later; with opportunistic TLS, reconnect to the same address in cleartext once).
//
// API: DeliveryAttempt(mta, id, message_id, domain, recipients).start(); when it is
// over, it calls mta.attempt_finished(id), and results() has one reply per recipient.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/host.hpp"
#include "core/reply.hpp"
#include "dns/resolver_agent.hpp"
#include "smtp/client_session.hpp"

namespace smtplab::mta {

class Mta;

struct AttemptResult {
  std::string recipient;  // "bob@b.example"
  Reply reply;            // 2xx delivered, 4xx try later, 5xx failed
  std::string detail;     // a sentence: which host said it, or what went wrong
};

class DeliveryAttempt : public std::enable_shared_from_this<DeliveryAttempt> {
 public:
  DeliveryAttempt(Mta& mta, dns::ResolverAgent& resolver, std::uint64_t id, std::string message_id,
                  std::string domain, std::vector<std::string> recipients, smtp::ClientJob job);

  void start();
  std::uint64_t id() const { return id_; }
  const std::string& message_id() const { return message_id_; }
  const std::vector<AttemptResult>& results() const { return results_; }

  // Called by the connection handler.
  void session_over(const smtp::ClientResult& result, bool completed);
  smtp::ClientJob& job() { return job_; }

 private:
  void on_mx(const dns::MxResolution& resolution);
  void try_next_address();
  void connect_to(const std::string& host_name, const std::string& address, smtp::StartTlsPolicy starttls);
  void finish_all(const Reply& reply, const std::string& detail);

  Mta& mta_;
  dns::ResolverAgent& resolver_;
  std::uint64_t id_;
  std::string message_id_;
  std::string domain_;
  std::vector<std::string> recipients_;
  smtp::ClientJob job_;
  std::vector<std::pair<std::string, std::string>> addresses_;  // (host, address) in order
  std::size_t next_address_ = 0;
  // The current address is being tried again without STARTTLS, after a failed
  // handshake under opportunistic TLS (see session_over).
  bool plaintext_retry_ = false;
  std::string current_host_;
  std::string last_error_;
  std::vector<AttemptResult> results_;
  bool finished_ = false;
};

}  // namespace smtplab::mta
