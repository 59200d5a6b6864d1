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
// The same three steps one at a time, for an owner that stores on another thread (smtplab
// serve's worker pool: the store is the slow, thread-safe part):
//   Prepared p = prepare("<alice@a.example>", content);            // Return-Path added
//   StoreResult s = store.deliver("bob", "INBOX", p.stored, now);  // anywhere
//   DeliveryResult r = mda.record("bob", "INBOX", p, s);           // the trace event
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

// A message ready for its mailbox: the sender's Return-Path fields removed and the
// envelope's added at the top.
struct Prepared {
  std::string return_path;  // the field's value, "<alice@a.example>"
  std::string stored;       // the bytes the mailbox gets
};
// `reverse_path` is the MAIL FROM path, "<a@b.example>" or "<>" for a bounce.
Prepared prepare(const std::string& reverse_path, std::string_view content);

class Mda {
 public:
  Mda(Host& host, MailStore& store) : host_(host), store_(store) {}

  // prepare, store and record, in one call.
  DeliveryResult deliver(const std::string& reverse_path, const std::string& user,
                         std::string_view folder, std::string_view content);

  // The `delivery` trace event for a store's answer; `prepared.stored` moves into it.
  DeliveryResult record(const std::string& user, std::string_view folder, Prepared& prepared,
                        const StoreResult& stored);

 private:
  Host& host_;
  MailStore& store_;
};

}  // namespace smtplab::mda
