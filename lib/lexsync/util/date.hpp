// --- Interface ---
// Calendar dates: the one Date type, the one parser for dates a person writes (input cells and
// every --from/--to flag), the strict ISO form the API and the stored files use, day numbers, and
// UTC timestamps.
#pragma once

#include <chrono>
#include <cstdint>
#include <lexsync/util/result.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace lexsync {

using Date = std::chrono::year_month_day;

// Parses a date as a person writes it: yyyy-mm-dd, dd.mm.yyyy or d.m.yyyy, a real calendar date
// from 1970 on (surrounding blanks ignored). Returns a message saying why not, quoting the text
// ("'31.02.2026' is not a calendar date"); flags put their name before it.
Result<Date, std::string> parse_date(std::string_view text);

// Parses exactly "yyyy-mm-dd" (the API's and the stored files' form), a real calendar date from
// 1970 on, else nullopt.
std::optional<Date> parse_iso_date(std::string_view text);

// `d` as "yyyy-mm-dd".
std::string format_date(Date d);

// "dd.mm.yyyy" of "yyyy-mm-dd" (German documents and bank exports); empty for empty or invalid
// input.
std::string german_date(std::string_view iso_date);

// `unix_seconds` as a UTC timestamp, "yyyy-mm-ddThh:mm:ssZ".
std::string utc_timestamp(std::int64_t unix_seconds);

// Days since 1970-01-01 of `d`, and back.
long day_number(Date d);
Date date_of_day(long day);

} // namespace lexsync
