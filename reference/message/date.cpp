// message/date.cpp — RFC 5322 §3.3 date-time from milliseconds since the Unix epoch.
#include "message/date.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace smtplab::message {

namespace {
// RFC 5322 §3.3: day-name = "Mon" / "Tue" / ...; month = "Jan" / "Feb" / ...
constexpr const char* day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
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
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02u %s %04d %02d:%02d:%02d %c%02d%02d",
                day_names[wd.c_encoding()], static_cast<unsigned>(ymd.day()),
                month_names[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), zone_offset_minutes < 0 ? '-' : '+',
                offset / 60, offset % 60);
  return buffer;
}

}  // namespace smtplab::message
