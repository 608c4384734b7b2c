#include <doctest/doctest.h>
#include <lexsync/util/json.hpp>
#include <lexsync/util/json_guard.hpp>

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

TEST_SUITE("lexsync::json nesting and UTF-8") {
    using lexsync::json::find_excess_nesting;
    using lexsync::json::find_invalid_utf8;
    using lexsync::json::k_max_depth;

    TEST_CASE("200 KB of '[' is refused before parsing instead of overflowing the stack") {
        const std::string deep(200'000, '[');
        CHECK(find_excess_nesting(deep) == static_cast<std::size_t>(k_max_depth));
        const auto parsed = lexsync::json::parse(deep);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error() == "offset 100: nested deeper than 100 levels");
        // Objects count as levels too.
        std::string objects;
        for (int i = 0; i < 50'000; ++i) {
            objects += "{\"a\":";
        }
        CHECK_FALSE(lexsync::json::parse(objects));
    }

    TEST_CASE("nesting up to the limit parses; brackets inside strings do not count") {
        const std::string ok = std::string(k_max_depth, '[') + std::string(k_max_depth, ']');
        CHECK_FALSE(find_excess_nesting(ok));
        CHECK(lexsync::json::parse(ok));
        // Siblings do not add up: depth, not count.
        std::string wide = "[";
        for (int i = 0; i < 1000; ++i) {
            wide += "[[1]],";
        }
        wide += "0]";
        CHECK(lexsync::json::parse(wide));
        const std::string in_string = "[\"" + std::string(500, '[') + "\\\"" + "{{{\"]";
        CHECK_FALSE(find_excess_nesting(in_string));
        CHECK(lexsync::json::parse(in_string));
    }

    TEST_CASE("invalid UTF-8 is found: stray bytes, overlong forms, surrogates, truncation") {
        CHECK_FALSE(find_invalid_utf8("plain ASCII"));
        CHECK_FALSE(find_invalid_utf8("M\xC3\xBC"
                                      "ller \xE2\x82\xAC \xF0\x9F\x98\x80"));
        CHECK(find_invalid_utf8("ab\xFF") == 2);
        CHECK(find_invalid_utf8("M\xFCller") == 1);        // Latin-1
        CHECK(find_invalid_utf8("\xC0\xAF") == 0);         // overlong '/'
        CHECK(find_invalid_utf8("\xE0\x80\xAF") == 0);     // overlong
        CHECK(find_invalid_utf8("\xED\xA0\x80") == 0);     // surrogate
        CHECK(find_invalid_utf8("\xF4\x90\x80\x80") == 0); // above U+10FFFF
        CHECK(find_invalid_utf8("x\xE2\x82") == 1);        // truncated
        CHECK(find_invalid_utf8("\xE2\x28\xA1") == 0);     // bad continuation
    }
}

TEST_SUITE("lexsync::json guard over pieces") {
    using lexsync::json::GuardScan;

    // The scan of a text fed a byte at a time finds what the scan of the whole text finds.
    GuardScan bytewise(std::string_view text) {
        GuardScan scan;
        for (std::size_t i = 0; i < text.size(); ++i) {
            scan.feed(text.substr(i, 1));
        }
        scan.finish();
        return scan;
    }

    TEST_CASE("numbers and nesting cut anywhere give the offsets of the whole text") {
        for (const std::string& text :
             {std::string("0.000000000002191032001e-332"), std::string(R"({"a":[1, 2e-301]})"),
              std::string("[1e309]"), std::string(R"({"s":"1e-999 \"2e999\"","n":42})"),
              std::string("garbage - 1e e- . 1-2e400"), std::string(101, '1'),
              "0." + std::string(410, '0'), std::string(150, '['),
              "[\"" + std::string(500, '[') + "\\\"" + "{{{\"]" + std::string(120, '{'),
              std::string(R"([1.5e+3, -0.0, "x\\", 7e-400])")}) {
            const auto scan = bytewise(text);
            CHECK(scan.unsafe_number() == lexsync::json::find_unsafe_number(text));
            CHECK(scan.excess_nesting() == lexsync::json::find_excess_nesting(text));
        }
        CHECK(bytewise("[1, 2e-301]").unsafe_number() == 4);
        CHECK(bytewise(std::string(150, '[')).excess_nesting() == 100);
        CHECK_FALSE(bytewise("[1.5e+3, \"2e999\"]").unsafe_number());
    }
}
