#include <cstdlib>
#include <ctime>
#include <doctest/doctest.h>
#include <filesystem>
#include <lexsync/util/berlin_time.hpp>
#include <string>

namespace chr = std::chrono;
namespace berlin = lexsync::berlin;

namespace {

chr::year_month_day day(int y, unsigned m, unsigned d) {
    return chr::year_month_day{chr::year(y), chr::month(m), chr::day(d)};
}

std::string stamp(int y, unsigned m, unsigned d) {
    return berlin::midnight_timestamp(day(y, m, d));
}

} // namespace

TEST_CASE("midnight switches on the last Sundays of March and October") {
    CHECK(stamp(2026, 1, 15) == "2026-01-15T00:00:00.000+01:00");
    CHECK(stamp(2026, 3, 28) == "2026-03-28T00:00:00.000+01:00");
    CHECK(stamp(2026, 3, 29) == "2026-03-29T00:00:00.000+01:00"); // before the 02:00 switch
    CHECK(stamp(2026, 3, 30) == "2026-03-30T00:00:00.000+02:00");
    CHECK(stamp(2026, 10, 25) == "2026-10-25T00:00:00.000+02:00"); // before the 03:00 switch
    CHECK(stamp(2026, 10, 26) == "2026-10-26T00:00:00.000+01:00");
    CHECK(stamp(2024, 3, 31) == "2024-03-31T00:00:00.000+01:00");
    CHECK(stamp(2024, 4, 1) == "2024-04-01T00:00:00.000+02:00");
    CHECK(stamp(2024, 10, 27) == "2024-10-27T00:00:00.000+02:00");
    CHECK(stamp(2024, 10, 28) == "2024-10-28T00:00:00.000+01:00");
}

TEST_CASE("before 1996 summer time ended in September, before 1980 there was none") {
    CHECK(stamp(1995, 9, 24) == "1995-09-24T00:00:00.000+02:00"); // the last Sunday
    CHECK(stamp(1995, 9, 25) == "1995-09-25T00:00:00.000+01:00");
    CHECK(stamp(1995, 10, 10) == "1995-10-10T00:00:00.000+01:00");
    CHECK(stamp(1996, 10, 10) == "1996-10-10T00:00:00.000+02:00");
    CHECK(stamp(1981, 3, 30) == "1981-03-30T00:00:00.000+02:00");
    CHECK(stamp(1980, 4, 6) == "1980-04-06T00:00:00.000+01:00");
    CHECK(stamp(1980, 4, 7) == "1980-04-07T00:00:00.000+02:00");
    CHECK(stamp(1980, 3, 31) == "1980-03-31T00:00:00.000+01:00");
    CHECK(stamp(1979, 7, 1) == "1979-07-01T00:00:00.000+01:00");
}

TEST_CASE("dates beyond the nanosecond clock still get their midnight") {
    // A time_point in nanoseconds ends in 2262; an input file may hold any year.
    CHECK(stamp(4052, 7, 1) == "4052-07-01T00:00:00.000+02:00");
    CHECK(stamp(9999, 12, 31) == "9999-12-31T00:00:00.000+01:00");
    CHECK(stamp(1, 1, 1) == "0001-01-01T00:00:00.000+01:00");
}

TEST_CASE("instants map to Berlin days and back") {
    using chr::sys_days;
    const auto t = sys_days(day(2026, 3, 28)) + chr::hours(23) + chr::minutes(30);
    CHECK(berlin::local_date(t) == day(2026, 3, 29)); // 00:30 CET
    CHECK(berlin::local_date(sys_days(day(2026, 6, 30)) + chr::hours(22) + chr::minutes(30)) ==
          day(2026, 7, 1));
    CHECK(berlin::midnight(day(2026, 7, 1)) == sys_days(day(2026, 6, 30)) + chr::hours(22));
    CHECK(berlin::midnight(day(2026, 1, 1)) == sys_days(day(2025, 12, 31)) + chr::hours(23));
    // Summer time runs from 01:00 UTC to 01:00 UTC.
    const auto start = sys_days(day(2026, 3, 29)) + chr::hours(1);
    CHECK_FALSE(berlin::summer_time(start - chr::seconds(1)));
    CHECK(berlin::summer_time(start));
    CHECK(std::string(berlin::utc_offset(start)) == "+02:00");
}

// The rule above against the tz database of the system (tzdata's Europe/Berlin, read by the C
// library, which also follows the zone's rule for the years after its last listed transition):
// every hour from 1970 to 2100 must have the same UTC offset. A library reading of the same file
// (date/tz.h, Debian's libhowardhinnant-date with the OS database) was wrong from 2038 on, as it
// ignores that rule; this test keeps the hand-written rule honest instead.
TEST_CASE("the rule matches the system's tz database, every hour from 1970 to 2100") {
    REQUIRE_MESSAGE(std::filesystem::exists("/usr/share/zoneinfo/Europe/Berlin"),
                    "tzdata is not installed (scripts/install-deps.sh installs it)");
    const char* old = std::getenv("TZ");
    const std::string saved = old ? old : "";
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    const auto from = chr::sys_days(chr::year(1970) / 1 / 1);
    const auto to = chr::sys_days(chr::year(2101) / 1 / 1);
    long checked = 0;
    long mismatches = 0;
    for (auto t = chr::sys_seconds(from); t < to; t += chr::hours(1)) {
        const std::time_t c = t.time_since_epoch().count();
        std::tm local{};
        localtime_r(&c, &local);
        const bool summer = local.tm_gmtoff == 7200;
        if (summer != berlin::summer_time(berlin::TimePoint(t)) && ++mismatches <= 5) {
            FAIL_CHECK("differs at " << c << " (tzdata offset " << local.tm_gmtoff << ")");
        }
        ++checked;
    }
    if (old) {
        setenv("TZ", saved.c_str(), 1);
    } else {
        unsetenv("TZ");
    }
    tzset();
    CHECK(checked > 1'000'000);
    CHECK(mismatches == 0);
}
