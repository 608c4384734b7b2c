#include <doctest/doctest.h>
#include <lexsync/util/toml_guard.hpp>
#include <string>

using lexsync::toml_guard::find_excess_nesting;
using lexsync::toml_guard::k_max_depth;

namespace {

std::string dotted(int parts) {
    std::string s;
    for (int i = 0; i < parts; ++i) {
        s += i ? ".a" : "a";
    }
    return s;
}

} // namespace

TEST_SUITE("lexsync::toml_guard") {
    TEST_CASE("a 50,000-part dotted key or table header is refused with its line") {
        CHECK(find_excess_nesting("x = 1\n" + dotted(50'000) + " = 1\n") == 2);
        CHECK(find_excess_nesting("[" + dotted(50'000) + "]\nx = 1\n") == 1);
        CHECK(find_excess_nesting("\"a\" . " + dotted(200) + " = 1") == 1);
        // Inside an inline table, nesting and key parts add up.
        CHECK(find_excess_nesting("x = " + std::string(60, '{') + dotted(50) + " = 1") == 1);
    }

    TEST_CASE("ordinary files pass: floats, dates, strings and comments are no key parts") {
        CHECK_FALSE(find_excess_nesting(dotted(k_max_depth + 1) + " = 1"));
        std::string floats = "x = [";
        for (int i = 0; i < 500; ++i) {
            floats += "1.5, 6.626e-34, ";
        }
        floats += "0]\n";
        CHECK_FALSE(find_excess_nesting(floats));
        CHECK_FALSE(find_excess_nesting("t = 1979-05-27T00:32:00.999999-07:00\nd = 07:32:00.5\n"));
        CHECK_FALSE(find_excess_nesting("s = \"" + std::string(5000, '.') + "\"\n"));
        CHECK_FALSE(find_excess_nesting("s = '" + std::string(5000, '.') + "'\n"));
        CHECK_FALSE(find_excess_nesting("s = \"\"\"\n" + std::string(5000, '.') + "\n\"\"\"\n"));
        CHECK_FALSE(find_excess_nesting("# " + std::string(5000, '.') + "\nx = 1\n"));
        CHECK_FALSE(find_excess_nesting(
            "[profiles.default]\napi_key_command = \"pass show a.b.c\"\nrate_limit = 1.5\n"));
        // Digits-only key parts are key parts, not a float.
        std::string digits = "0";
        for (int i = 0; i < 200; ++i) {
            digits += ".0";
        }
        CHECK(find_excess_nesting(digits + " = 1") == 1);
    }
}
