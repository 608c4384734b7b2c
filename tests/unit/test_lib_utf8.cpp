#include <doctest/doctest.h>
#include <lexsync/util/utf8.hpp>
#include <string>

namespace utf8 = lexsync::utf8;

namespace {

// Whether the validator accepts all of `s` and ends outside a sequence.
bool streams(std::string_view s) {
    utf8::Validator v;
    for (char c : s) {
        if (!v.push(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return !v.open();
}

} // namespace

TEST_CASE("sequence lengths follow Unicode's table of well-formed sequences") {
    CHECK(utf8::sequence_length("a", 0) == 1);
    CHECK(utf8::sequence_length("\xC3\xA4", 0) == 2);         // ä
    CHECK(utf8::sequence_length("\xE2\x82\xAC", 0) == 3);     // €
    CHECK(utf8::sequence_length("\xF0\x9F\x98\x80", 0) == 4); // 😀
    CHECK(utf8::sequence_length("\xF4\x8F\xBF\xBF", 0) == 4); // U+10FFFF
    CHECK(utf8::sequence_length("x\xC3\xA4", 1) == 2);
    // Ill-formed: a lone continuation, overlong forms, a surrogate, above U+10FFFF, cut off.
    CHECK(utf8::sequence_length("\x80", 0) == 0);
    CHECK(utf8::sequence_length("\xC0\xAF", 0) == 0);
    CHECK(utf8::sequence_length("\xC1\xBF", 0) == 0);
    CHECK(utf8::sequence_length("\xE0\x80\xAF", 0) == 0);
    CHECK(utf8::sequence_length("\xED\xA0\x80", 0) == 0);
    CHECK(utf8::sequence_length("\xF0\x8F\xBF\xBF", 0) == 0);
    CHECK(utf8::sequence_length("\xF4\x90\x80\x80", 0) == 0);
    CHECK(utf8::sequence_length("\xF5\x80\x80\x80", 0) == 0);
    CHECK(utf8::sequence_length("\xE2\x82", 0) == 0);
    CHECK(utf8::sequence_length("\xE2\x82x", 0) == 0);
}

TEST_CASE("decode gives the code point") {
    CHECK(utf8::decode("a", 0, 1) == U'a');
    CHECK(utf8::decode("\xC3\xA4", 0, 2) == U'\u00E4');
    CHECK(utf8::decode("\xE2\x82\xAC", 0, 3) == U'\u20AC');
    CHECK(utf8::decode("\xF0\x9F\x98\x80", 0, 4) == U'\U0001F600');
}

TEST_CASE("the byte-by-byte validator agrees with sequence_length") {
    CHECK(streams("Grüße, 5 € und 😀"));
    CHECK_FALSE(streams("\xC0\xAF"));
    CHECK_FALSE(streams("\xED\xA0\x80"));
    CHECK_FALSE(streams("ab\xE2\x82")); // open at the end
    CHECK_FALSE(streams("\xE2\x82x"));  // interrupted
    utf8::Validator v;
    CHECK_FALSE(v.push(0xFF));
    CHECK(v.push('a')); // starts afresh after a refused byte
    CHECK_FALSE(v.open());
}

TEST_CASE("append encodes a code point of each length, and decode reads it back") {
    for (char32_t cp : {U'a', U'ü', U'€', U'😀'}) {
        std::string s;
        utf8::append(s, cp);
        const std::size_t n = utf8::sequence_length(s, 0);
        CHECK(n == s.size());
        CHECK(utf8::decode(s, 0, n) == cp);
    }
    std::string euro;
    utf8::append(euro, 0x20AC);
    CHECK(euro == "\xE2\x82\xAC");
}
