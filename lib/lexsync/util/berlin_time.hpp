#pragma once

// Europe/Berlin, the time zone of every lexoffice date: one rule for the client and the sandbox.
// Germany keeps CET (+01:00) and, since 1980, summer time (CEST, +02:00), switching at 01:00 UTC:
// 1980 from 6 April, from 1981 on the last Sunday of March; until 1995 back on the last Sunday of
// September, since 1996 (EU directive) on the last Sunday of October. Earlier years are CET. This
// is what the tz database's Europe/Berlin holds for these years (a unit test compares every hour
// from 1970 to 2100 with the system's tzdata). Written out here, once, rather than taken from a
// library: GCC 12's standard library has no time zone database yet, and the date/tz library of
// Debian 12 (libhowardhinnant-date, reading the system's tzdata) gives Berlin no summer time from
// 2038 on, because it ignores the rule that tzdata states for the years after its last transition.

#include <chrono>
#include <string>

namespace lexsync::berlin {

using TimePoint = std::chrono::system_clock::time_point;

// Whether Berlin keeps summer time at `t`.
bool summer_time(TimePoint t);
// "+01:00" or "+02:00" at `t`.
const char* utc_offset(TimePoint t);
// The calendar day in Berlin at `t`.
std::chrono::year_month_day local_date(TimePoint t);
// The instant of 00:00 in Berlin on `date`, which must lie within `TimePoint`'s range
// (nanoseconds: 1678 to 2262).
TimePoint midnight(std::chrono::year_month_day date);
// "yyyy-MM-ddT00:00:00.000+0X:00": local midnight of `date`, as lexoffice writes a voucher date.
// Any year.
std::string midnight_timestamp(std::chrono::year_month_day date);

} // namespace lexsync::berlin
