// mda/mda.hpp — the mail delivery agent: final delivery of one message into a mailbox.
//
// Standards: RFC 5321 §4.4 (final delivery adds Return-Path: "When the delivery SMTP
// server makes the "final delivery" of a message, it inserts a return-path line at the
// beginning of the mail data."), RFC 5322 §3.6.7 (the Return-Path field).
//
// API:
//   Mda mda(host, store);
//   DeliveryResult r = mda.deliver("<alice@a.example>", "bob", "INBOX", content);
//   r.ok(), r.id, r.bytes
//
// Each delivery is one `delivery` trace event from this host to the lane
// "<host>/mailbox:<user>", carrying the stored bytes. Whether `user` exists is the
// MTA's question, asked at RCPT time (RFC 5321 §3.3); the MDA only stores.
//
// Not implemented: Sieve filtering (RFC 5228), Delivered-To loop detection, quotas.
#pragma once

#include <string>
#include <string_view>

#include "core/host.hpp"
#include "mda/mail_store.hpp"

namespace smtplab::mda {

struct DeliveryResult {
  std::string id;           // the stored message's id, when stored
  std::string error;        // why not, when not
  std::size_t bytes = 0;    // size of what was stored (with Return-Path)
  bool ok() const { return error.empty(); }
};

class Mda {
 public:
  Mda(Host& host, MailStore& store) : host_(host), store_(store) {}

  // `reverse_path` is the MAIL FROM path, "<a@b.example>" or "<>" for a bounce.
  DeliveryResult deliver(const std::string& reverse_path, const std::string& user,
                         std::string_view folder, std::string_view content);

 private:
  Host& host_;
  MailStore& store_;
};

}  // namespace smtplab::mda
