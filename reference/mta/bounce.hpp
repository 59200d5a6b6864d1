// mta/bounce.hpp — the delivery status notification ("bounce") sent back to the
// sender when some recipients of a queued message failed.
//
// Standards: RFC 3464 (message/delivery-status: per-message and per-recipient
// fields), RFC 6522 (multipart/report), RFC 3463 (the Status: codes), RFC 3834 §5
// (Auto-Submitted: auto-replied), RFC 5321 §6.1 and §4.5.5 (sent with a null
// reverse-path to the original reverse-path).
//
// API: make_bounce(input, random) -> the complete RFC 5322 message.
//
// Not implemented: delay notifications (Action: delayed), DSN extension parameters
// (RFC 3461 ENVID/ORCPT/NOTIFY/RET — issue 6).
#pragma once

#include <string>

#include "core/clock.hpp"
#include "mta/queue.hpp"

namespace smtplab::mta {

struct BounceInput {
  std::string reporting_mta;             // our host name
  const QueuedMessage* original = nullptr;
  TimeMs time_ms = 0;
};

std::string make_bounce(const BounceInput& input, Random& random);

}  // namespace smtplab::mta
