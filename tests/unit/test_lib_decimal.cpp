#include <doctest/doctest.h>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/decimal_wide.hpp>

using lexsync::Decimal;
using lexsync::div_round;
using lexsync::WideUnits;

namespace {

Decimal d(const char* text) {
    const auto v = Decimal::parse(text);
    REQUIRE_MESSAGE(v.has_value(), text);
    return *v;
}

} // namespace

TEST_SUITE("lexsync::Decimal") {
    TEST_CASE("parses JSON number syntax exactly") {
        CHECK(d("12").units() == 120000);
        CHECK(d("-3.5").units() == -35000);
        CHECK(d("0.1234").units() == 1234);
        CHECK(d("1e2").units() == 1000000);
        CHECK(d("1.5E-3").units() == 15);
        CHECK(d("-0").units() == 0);
        CHECK(d("15.946").to_string() == "15.946");
        CHECK(d("1.50000").to_string() == "1.5");
    }

    TEST_CASE("refuses more than four decimals and malformed text") {
        CHECK_FALSE(Decimal::parse("0.12345"));
        CHECK_FALSE(Decimal::parse("1e-5"));
        CHECK_FALSE(Decimal::parse(""));
        CHECK_FALSE(Decimal::parse("-"));
        CHECK_FALSE(Decimal::parse("1."));
        CHECK_FALSE(Decimal::parse(".5"));
        CHECK_FALSE(Decimal::parse("1,5"));
        CHECK_FALSE(Decimal::parse("12a"));
        CHECK_FALSE(Decimal::parse(" 12"));
        CHECK_FALSE(Decimal::parse("1e"));
        CHECK_FALSE(Decimal::parse("99999999999999999999"));
    }

    TEST_CASE("parses German notation with a decimal comma") {
        CHECK(Decimal::parse("1.234,56", true)->units() == 12345600);
        CHECK(Decimal::parse("12,5", true)->units() == 125000);
        CHECK(Decimal::parse("-1.000.000", true)->units() == -10000000000);
        CHECK(Decimal::parse("42", true)->units() == 420000);
        CHECK_FALSE(Decimal::parse("1.23,4", true));
        CHECK_FALSE(Decimal::parse("12.5", true));
        CHECK_FALSE(Decimal::parse("1,23456", true));
        CHECK_FALSE(Decimal::parse("1,", true));
    }

    TEST_CASE("rounds half away from zero") {
        CHECK(d("2.345").rounded(2) == d("2.35"));
        CHECK(d("-2.345").rounded(2) == d("-2.35"));
        CHECK(d("2.344").rounded(2) == d("2.34"));
        CHECK(d("0.5").rounded(0) == d("1"));
        CHECK(d("-0.5").rounded(0) == d("-1"));
        CHECK(d("1.23456e2").rounded(1) == d("123.5"));
    }

    TEST_CASE("multiplies and divides with rounding to four places") {
        CHECK(d("13.4") * d("1.19") == d("15.946"));
        CHECK(d("0.0001") * d("0.5") == d("0.0001"));
        CHECK(d("-0.0001") * d("0.5") == d("-0.0001"));
        CHECK(d("0.0001") * d("0.4") == d("0"));
        CHECK(d("10") / d("3") == d("3.3333"));
        CHECK(d("20") / d("3") == d("6.6667"));
        CHECK(d("-20") / d("3") == d("-6.6667"));
        CHECK(d("1") / d("-8") == d("-0.125"));
        CHECK(d("1.5") + d("2.25") == d("3.75"));
        CHECK(d("1.5") - d("2.25") == d("-0.75"));
        CHECK(d("1") < d("1.0001"));
    }

    TEST_CASE("formats shortest and fixed") {
        CHECK(d("12.000").to_string() == "12");
        CHECK(d("-3.50").to_string() == "-3.5");
        CHECK(d("0.1234").to_string() == "0.1234");
        CHECK(d("-0.05").to_string() == "-0.05");
        CHECK(d("3.5").to_fixed(2) == "3.50");
        CHECK(d("1234.565").to_fixed(2, ',') == "1234,57");
        CHECK(d("-0.004").to_fixed(2) == "0.00");
        CHECK(d("7").to_fixed(0) == "7");
        CHECK(d("2.5").to_fixed(0) == "3");
        CHECK(d("0.1").to_fixed(6) == "0.100000");
    }

    TEST_CASE("div_round divides 128-bit units rounding half away from zero") {
        CHECK((div_round(5, 2) == 3));
        CHECK((div_round(-5, 2) == -3));
        CHECK((div_round(4, 3) == 1));
        CHECK((div_round(-4, 3) == -1));
        CHECK((div_round(0, 7) == 0));
        // Three amounts in units multiplied stay exact beyond 64 bits before the division (the
        // doubled parentheses: doctest cannot print a 128-bit integer).
        const WideUnits big = WideUnits(9'000'000'000'000) * 10'000 * 10'000;
        CHECK((div_round(big + 5'000, 10'000) == WideUnits(9'000'000'000'000) * 10'000 + 1));
    }
}
