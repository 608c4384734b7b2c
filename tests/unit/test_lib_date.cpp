#include <doctest/doctest.h>
#include <lexsync/util/date.hpp>

using namespace lexsync;
namespace chr = std::chrono;

namespace {

Date ymd(int y, unsigned m, unsigned d) {
    return Date{chr::year(y), chr::month(m), chr::day(d)};
}

} // namespace

TEST_SUITE("lexsync::date") {
    TEST_CASE("dates as a person writes them: ISO and German") {
        CHECK(*parse_date("2026-03-31") == ymd(2026, 3, 31));
        CHECK(*parse_date(" 31.03.2026 ") == ymd(2026, 3, 31));
        CHECK(*parse_date("1.3.2026") == ymd(2026, 3, 1));
        CHECK(*parse_date("2024-02-29") == ymd(2024, 2, 29));
        CHECK(parse_date("31.03.26").error() ==
              "'31.03.26' has no four-digit year (write 31.03.2026)");
        CHECK(
            parse_date("03/31/2026").error() ==
            "'03/31/2026' is ambiguous (day/month or month/day?): write 2026-03-31 or 31.03.2026");
        CHECK(parse_date("31.02.2026").error() == "'31.02.2026' is not a calendar date");
        CHECK(parse_date("2023-02-29").error() == "'2023-02-29' is not a calendar date");
        CHECK(parse_date("2026-13-01").error() == "'2026-13-01' is not a calendar date");
        CHECK(parse_date("1969-12-31").error() == "'1969-12-31' is before 1970");
        CHECK(parse_date("März 2026").error() ==
              "'März 2026' is not a date (2026-03-31 or 31.03.2026)");
        CHECK(parse_date("2026-3-1").error() ==
              "'2026-3-1' is not a date (2026-03-31 or 31.03.2026)");
        CHECK(parse_date("2026-03-3x").error() ==
              "'2026-03-3x' is not a date (2026-03-31 or 31.03.2026)");
        CHECK(!parse_date("123.3.2026"));
        CHECK(!parse_date(""));
    }

    TEST_CASE("the API's form is exactly yyyy-mm-dd") {
        CHECK(parse_iso_date("2024-02-29") == ymd(2024, 2, 29));
        CHECK_FALSE(parse_iso_date("2023-02-29"));
        CHECK_FALSE(parse_iso_date("2023-13-01"));
        CHECK_FALSE(parse_iso_date("01.03.2026"));
        CHECK_FALSE(parse_iso_date("2026-3-1"));
        CHECK_FALSE(parse_iso_date(" 2026-03-01"));
        CHECK(format_date(*parse_iso_date("2026-03-01")) == "2026-03-01");
    }

    TEST_CASE("day numbers count from 1970-01-01") {
        CHECK(day_number(ymd(1970, 1, 1)) == 0);
        const long d = day_number(ymd(2024, 2, 29));
        CHECK(format_date(date_of_day(d)) == "2024-02-29");
        CHECK(format_date(date_of_day(d + 1)) == "2024-03-01");
    }

    TEST_CASE("German dates and UTC timestamps") {
        CHECK(german_date("2024-03-05") == "05.03.2024");
        CHECK(german_date("2024-02-30").empty());
        CHECK(german_date("05.03.2024").empty());
        CHECK(utc_timestamp(0) == "1970-01-01T00:00:00Z");
        CHECK(utc_timestamp(1'709'251'199) == "2024-02-29T23:59:59Z");
    }
}
