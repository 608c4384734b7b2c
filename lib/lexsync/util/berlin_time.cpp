#include "lexsync/util/berlin_time.hpp"

#include <fmt/format.h>

namespace lexsync::berlin {

namespace chr = std::chrono;

namespace {

// The instants (UTC) summer time starts and ends in year `y`; equal when there is none.
std::pair<chr::sys_seconds, chr::sys_seconds> summer_of(chr::year y) {
    if (y < chr::year(1980)) {
        return {};
    }
    const chr::sys_days start = y == chr::year(1980)
                                    ? chr::sys_days(chr::year(1980) / chr::April / 6)
                                    : chr::sys_days(y / chr::March / chr::Sunday[chr::last]);
    const chr::sys_days end = y <= chr::year(1995)
                                  ? chr::sys_days(y / chr::September / chr::Sunday[chr::last])
                                  : chr::sys_days(y / chr::October / chr::Sunday[chr::last]);
    return {start + chr::hours(1), end + chr::hours(1)};
}

bool summer_time_at(chr::sys_seconds t) {
    const auto [start, end] = summer_of(chr::year_month_day(chr::floor<chr::days>(t)).year());
    return t >= start && t < end;
}

// Computed in seconds: a time_point counts nanoseconds and ends in 2262, while a date read from
// input may lie in any year (fuzz_sandbox found 4052).
chr::sys_seconds midnight_at(chr::year_month_day date) {
    const chr::sys_seconds summer = chr::sys_days(date) - chr::hours(2);
    return summer_time_at(summer) ? summer : chr::sys_seconds(chr::sys_days(date) - chr::hours(1));
}

} // namespace

bool summer_time(TimePoint t) {
    return summer_time_at(chr::floor<chr::seconds>(t));
}

const char* utc_offset(TimePoint t) {
    return summer_time(t) ? "+02:00" : "+01:00";
}

chr::year_month_day local_date(TimePoint t) {
    return chr::year_month_day(chr::floor<chr::days>(t + chr::hours(summer_time(t) ? 2 : 1)));
}

TimePoint midnight(chr::year_month_day date) {
    return TimePoint(midnight_at(date));
}

std::string midnight_timestamp(chr::year_month_day date) {
    return fmt::format("{:04}-{:02}-{:02}T00:00:00.000{}", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                       summer_time_at(midnight_at(date)) ? "+02:00" : "+01:00");
}

} // namespace lexsync::berlin
