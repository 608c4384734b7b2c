#include <doctest/doctest.h>
#include <lexsync/json.hpp>
#include <lexsync/json_guard.hpp>

using lexsync::json::find_unsafe_number;

TEST_SUITE("lexsync::json guard") {
    TEST_CASE("numbers far below or above the double range are found before parsing") {
        // Crashed RapidJSON 1.1's full-precision parser (found by fuzz_error_response).
        CHECK(find_unsafe_number("0.000000000002191032001e-332") == 0);
        CHECK(find_unsafe_number(R"({"a":[1, 2e-301]})") == 9);
        CHECK(find_unsafe_number("1e309") == 0);
        CHECK(find_unsafe_number("-12345e305") == 0);
        CHECK(find_unsafe_number(std::string(501, '1')) == 0);
        // A long zero also crashed it (found by fuzz_error_response in CI).
        CHECK(find_unsafe_number("0." + std::string(410, '0')) == 0);
        CHECK(find_unsafe_number(std::string(101, '1')) == 0);
        CHECK_FALSE(find_unsafe_number(std::string(100, '1')));
        const auto parsed = lexsync::json::parse(R"({"x":0.0000000000021910320012e-332})");
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error() == "offset 5: number out of range");
    }

    TEST_CASE("ordinary numbers, zeros and numbers inside strings pass") {
        CHECK_FALSE(find_unsafe_number(R"({"a":119.00,"b":-0.0,"c":1.7976931348623157e308})"));
        CHECK_FALSE(find_unsafe_number("0e-99999 0.0000e+99999 1e300 1e-300"));
        CHECK_FALSE(find_unsafe_number(R"({"s":"1e-999 \"2e999\"","n":42})"));
        CHECK_FALSE(find_unsafe_number("garbage - 1e e- ."));
        CHECK(lexsync::json::parse(R"({"amount":1234.5678})"));
    }
}
