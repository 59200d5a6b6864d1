// message/date.hpp — the RFC 5322 date-time of Date: and Received: fields.
//
// Standards: RFC 5322 §3.3 (date-time), §3.6.1 (the Date field: "the date and time at
// which the creator of the message indicated that the message was complete").
//
// API:
//   format_date(epoch + 0)          -> "Mon, 03 Mar 2025 09:00:00 +0000"
//   format_date(t, -300)            -> the same instant written in UTC-05:00
//
// The time comes from the caller (a Clock), never from the system: same input, same
// text. Not implemented: parsing dates (RFC 5322 §3.3 and the obsolete §4.3 forms),
// time zones by name (the offset is given in minutes).
#pragma once

#include <string>

#include "core/clock.hpp"

namespace smtplab::message {

// RFC 5322 §3.3: zone = (FWS ( "+" / "-" ) 4DIGIT); an offset is less than 24 hours.
// Larger offsets are clamped to ±23:59 (our misuse, not a peer's).
inline constexpr int zone_offset_max_minutes = 23 * 60 + 59;

std::string format_date(TimeMs time_ms, int zone_offset_minutes = 0);

}  // namespace smtplab::message
