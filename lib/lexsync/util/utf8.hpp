#pragma once

// Well-formed UTF-8 (Unicode 15, table 3-7; RFC 3629 section 4): one rule for every reader that
// checks or decodes it, whole (a string) or byte by byte (a stream).

#include <cstddef>
#include <string>
#include <string_view>

namespace lexsync::utf8 {

// What a sequence's first byte allows: its length (1 for ASCII, 0 when the byte cannot start a
// sequence) and the range of its second byte, which excludes overlong forms, surrogates and code
// points above U+10FFFF. Later bytes are 0x80..0xBF.
struct Lead {
    std::size_t length = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
};
Lead lead(unsigned char b);

// The length (1..4) of the well-formed sequence at `s[i]`, or 0 when the bytes there are not one
// (also when it is cut off by the end of `s`). `i` must be < s.size().
std::size_t sequence_length(std::string_view s, std::size_t i);

// The code point of the well-formed sequence of `n` (sequence_length) bytes at `s[i]`.
char32_t decode(std::string_view s, std::size_t i, std::size_t n);

// The number of code points of well-formed UTF-8 `s` (its bytes that do not continue a sequence).
std::size_t code_points(std::string_view s);

// Appends the UTF-8 encoding of code point `cp` (at most U+10FFFF) to `out`.
void append(std::string& out, char32_t cp);

// Checks a stream of bytes one at a time.
class Validator {
public:
    // Takes the next byte; false when it makes the text ill-formed (the validator is then reset
    // to the start of a sequence).
    bool push(unsigned char b);
    // Whether a sequence is open: at the end of the text that is a truncated character.
    bool open() const { return m_need > 0; }

private:
    std::size_t m_need = 0;
    unsigned char m_lo = 0x80;
    unsigned char m_hi = 0xBF;
};

} // namespace lexsync::utf8
