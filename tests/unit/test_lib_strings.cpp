#include <doctest/doctest.h>
#include <lexsync/util/strings.hpp>

using namespace lexsync;

TEST_CASE("trim removes ASCII white space at both ends only") {
    CHECK(trim(" \t\r\n a b \v\f") == "a b");
    CHECK(trim("") == "");
    CHECK(trim(" \t ") == "");
    CHECK(trim_view("  x") == "x");
    // A no-break space (U+00A0) is data, not white space.
    CHECK(trim("\xc2\xa0x") == "\xc2\xa0x");
}

TEST_CASE("ascii_lower and ascii_upper change only ASCII letters") {
    CHECK(ascii_lower("Content-Type") == "content-type");
    CHECK(ascii_upper("eur") == "EUR");
    CHECK(ascii_lower("\xc3\x84RGER") == "\xc3\x84rger"); // "ÄRGER": the Ä stays
}

TEST_CASE("hex_digit gives the value of a hex digit in either case, -1 for anything else") {
    CHECK(hex_digit('0') == 0);
    CHECK(hex_digit('9') == 9);
    CHECK(hex_digit('a') == 10);
    CHECK(hex_digit('F') == 15);
    CHECK(hex_digit('g') == -1);
    CHECK(hex_digit('/') == -1);
    CHECK(hex_digit('\0') == -1);
    CHECK(hex_digit('\xff') == -1);
}

TEST_CASE("is_uuid accepts the 8-4-4-4-12 hex form in either case") {
    CHECK(is_uuid("e9066f04-8cc7-4616-93f8-ac9ecc8479c8"));
    CHECK(is_uuid("E9066F04-8CC7-4616-93F8-AC9ECC8479C8"));
    CHECK_FALSE(is_uuid("e9066f04-8cc7-4616-93f8-ac9ecc8479c"));
    CHECK_FALSE(is_uuid("e9066f048cc7-4616-93f8-ac9ecc8479c8-"));
    CHECK_FALSE(is_uuid("g9066f04-8cc7-4616-93f8-ac9ecc8479c8"));
    CHECK_FALSE(is_uuid(""));
}

TEST_CASE("html_escape covers exactly &, < and >") {
    CHECK(html_escape("Schmidt <Bau> & Co \"x\"") == "Schmidt &lt;Bau&gt; &amp; Co \"x\"");
}

TEST_CASE("xml_escape escapes markup and drops characters XML cannot carry") {
    CHECK(xml_escape("a<b>&\"c") == "a&lt;b&gt;&amp;&quot;c");
    CHECK(xml_escape(std::string("a\x01"
                                 "b\tc",
                                 5)) == "ab\tc");
    CHECK(xml_escape("x\xef\xbf\xbey") == "xy"); // U+FFFE
    CHECK(xml_escape("\xc3\xa4") == "\xc3\xa4"); // ä stays
}
