#include <algorithm>
#include <ctime>
#include <fmt/format.h>
#include <lexsync/util/date.hpp>
#include <lexsync/util/strings.hpp>

namespace lexsync {

namespace chr = std::chrono;

namespace {

// The value of 1..4 digits, or -1.
int number(std::string_view s) {
    if (!all_digits(s) || s.size() > 4) {
        return -1;
    }
    int v = 0;
    for (char c : s) {
        v = v * 10 + (c - '0');
    }
    return v;
}

bool iso_shape(std::string_view s) {
    return s.size() == 10 && s[4] == '-' && s[7] == '-' && all_digits(s.substr(0, 4)) &&
           all_digits(s.substr(5, 2)) && all_digits(s.substr(8, 2));
}

Date make_date(int y, int m, int d) {
    return Date{chr::year(y), chr::month(static_cast<unsigned>(m)),
                chr::day(static_cast<unsigned>(d))};
}

std::string_view trimmed(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

} // namespace

Result<Date, std::string> parse_date(std::string_view text) {
    const std::string_view s = trimmed(text);
    const std::string quoted = fmt::format("'{}'", s);
    const std::string not_a_date =
        fmt::format("{} is not a date (2026-03-31 or 31.03.2026)", quoted);
    int y = 0;
    int m = 0;
    int d = 0;
    if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
        if (!iso_shape(s)) {
            return unexpected(not_a_date);
        }
        y = number(s.substr(0, 4));
        m = number(s.substr(5, 2));
        d = number(s.substr(8, 2));
    } else if (std::count(s.begin(), s.end(), '.') == 2) {
        const auto p1 = s.find('.');
        const auto p2 = s.find('.', p1 + 1);
        const std::string_view ds = s.substr(0, p1);
        const std::string_view ms = s.substr(p1 + 1, p2 - p1 - 1);
        const std::string_view ys = s.substr(p2 + 1);
        d = ds.size() <= 2 ? number(ds) : -1;
        m = ms.size() <= 2 ? number(ms) : -1;
        y = number(ys);
        if (d < 0 || m < 0 || y < 0) {
            return unexpected(not_a_date);
        }
        if (ys.size() != 4) {
            return unexpected(fmt::format("{} has no four-digit year (write 31.03.2026)", quoted));
        }
    } else if (s.find('/') != std::string_view::npos) {
        return unexpected(fmt::format(
            "{} is ambiguous (day/month or month/day?): write 2026-03-31 or 31.03.2026", quoted));
    } else {
        return unexpected(not_a_date);
    }
    const Date date = make_date(y, m, d);
    if (!date.ok()) {
        return unexpected(fmt::format("{} is not a calendar date", quoted));
    }
    if (date.year() < chr::year(1970)) {
        return unexpected(fmt::format("{} is before 1970", quoted));
    }
    return date;
}

std::optional<Date> parse_iso_date(std::string_view s) {
    if (!iso_shape(s)) {
        return std::nullopt;
    }
    const Date date =
        make_date(number(s.substr(0, 4)), number(s.substr(5, 2)), number(s.substr(8, 2)));
    if (!date.ok() || date.year() < chr::year(1970)) {
        return std::nullopt;
    }
    return date;
}

std::string format_date(Date d) {
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()),
                       static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

long day_number(Date d) {
    return static_cast<long>(chr::sys_days(d).time_since_epoch().count());
}

Date date_of_day(long day) {
    return Date(chr::sys_days(chr::days(day)));
}

std::string german_date(std::string_view iso_date) {
    if (!parse_iso_date(iso_date)) {
        return {};
    }
    return fmt::format("{}.{}.{}", iso_date.substr(8, 2), iso_date.substr(5, 2),
                       iso_date.substr(0, 4));
}

std::string utc_timestamp(std::int64_t unix_seconds) {
    const auto t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace lexsync
