// message/date.cpp — RFC 5322 §3.3 date-time from milliseconds since the Unix epoch.
#include "message/date.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <string>

namespace smtplab::message {

namespace {
// RFC 5322 §3.3: day-name = "Mon" / "Tue" / ...; month = "Jan" / "Feb" / ...
constexpr const char* day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Appends `value` in decimal, with leading zeros up to `width` digits ("09", "0042").
// (Every message gets a Date and each hop a Received date, so this avoids snprintf.)
void append_padded(std::string& out, int value, int width) {
  char digits[16];
  const auto length = std::to_chars(digits, digits + sizeof digits, value).ptr - digits;
  for (auto n = length; n < width; ++n) out += '0';
  out.append(digits, static_cast<std::size_t>(length));
}
}  // namespace

std::string format_date(TimeMs time_ms, int zone_offset_minutes) {
  using namespace std::chrono;
  zone_offset_minutes = std::clamp(zone_offset_minutes, -zone_offset_max_minutes, zone_offset_max_minutes);
  // The local time of the zone is UTC plus the offset (RFC 5322 §3.3: "the time zone
  // offset ... indicates the amount of offset from Universal Time").
  const sys_seconds local{floor<seconds>(milliseconds(time_ms)) + minutes(zone_offset_minutes)};
  const sys_days day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss hms{local - day};
  const weekday wd{day};
  const int offset = zone_offset_minutes < 0 ? -zone_offset_minutes : zone_offset_minutes;
  // "Mon, 03 Mar 2025 09:00:00 +0000": day is 2DIGIT here (§3.3 allows 1*2DIGIT).
  std::string out;
  out.reserve(32);
  out += day_names[wd.c_encoding()];
  out += ", ";
  append_padded(out, static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
  out += ' ';
  out += month_names[static_cast<unsigned>(ymd.month()) - 1];
  out += ' ';
  append_padded(out, static_cast<int>(ymd.year()), 4);
  out += ' ';
  append_padded(out, static_cast<int>(hms.hours().count()), 2);
  out += ':';
  append_padded(out, static_cast<int>(hms.minutes().count()), 2);
  out += ':';
  append_padded(out, static_cast<int>(hms.seconds().count()), 2);
  out += ' ';
  out += zone_offset_minutes < 0 ? '-' : '+';
  append_padded(out, offset / 60, 2);
  append_padded(out, offset % 60, 2);
  return out;
}

}  // namespace smtplab::message
