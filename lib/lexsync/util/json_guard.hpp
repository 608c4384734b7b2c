// --- Interface ---
// Checks run on every JSON text before RapidJSON sees it (server answers, input files, the
// sandbox's requests):
// - RapidJSON 1.1's full-precision number parser reads outside its table of cached powers of ten
//   for some numbers far below the double range (e.g. 0.000000000002191032001e-332; found by
//   tests/fuzz/fuzz_json_page);
// - its parser, its writer and every walk over a document recurse once per nesting level, so
//   200 KB of '[' overflow the stack: nesting is limited to k_max_depth.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace lexsync::json {

// The range of decimal exponents (of a number's first significant digit) that parse() accepts:
// doubles end near 1e308 and 1e-324, and the API's numbers are nowhere near either end.
inline constexpr int k_max_decimal_exponent = 308;
inline constexpr int k_min_decimal_exponent = -300;
// Longer numbers are refused too: RapidJSON 1.1 also reads out of bounds on a long run of digits
// whose value is harmless (a zero of 412 digits crashed it). The API's numbers have at most ~20.
inline constexpr long k_max_digits = 100;

// The offset of the first number token outside strings whose first significant digit lies outside
// 10^k_min_decimal_exponent..10^k_max_decimal_exponent or that has more than k_max_digits digits,
// or nullopt when there is none. Only scans: the text need not be valid JSON.
std::optional<std::size_t> find_unsafe_number(std::string_view text);

// The deepest nesting of arrays and objects accepted. The API's documents nest about 6 levels and
// input files fewer; a recursion of this depth is harmless.
inline constexpr int k_max_depth = 100;

// The offset of the first '[' or '{' outside strings that opens level k_max_depth + 1, or nullopt.
// Only scans: the text need not be valid JSON.
std::optional<std::size_t> find_excess_nesting(std::string_view text);

// Both scans above over a text fed a piece at a time (a file read in chunks), with memory flat in
// its size: after the last piece, finish() and the two offsets are what the functions above return
// for the whole text.
class GuardScan {
public:
    // Both scans over the whole of `text`, in one pass.
    static GuardScan of(std::string_view text);

    void feed(std::string_view piece);
    void finish();
    const std::optional<std::size_t>& unsafe_number() const { return m_unsafe_number; }
    const std::optional<std::size_t>& excess_nesting() const { return m_excess_nesting; }

private:
    enum class Part { none, integer, fraction, exponent_sign, exponent };
    void end_number();
    void start_number(char c);
    void outside(char c);

    std::size_t m_at = 0; // offset of the next byte
    bool m_in_string = false;
    bool m_escaped = false; // inside a string, after a backslash
    int m_depth = 0;
    // The number token being read: -?digits(.digits)?([eE][+-]?digits)?
    Part m_part = Part::none;
    std::size_t m_start = 0;
    long m_digits = 0;
    long m_first_significant = -1; // index among all mantissa digits
    long m_int_digits = 0;
    long m_exponent = 0;
    bool m_negative_exponent = false;
    std::optional<std::size_t> m_unsafe_number;
    std::optional<std::size_t> m_excess_nesting;
};

// The offset of the first byte that is not part of well-formed UTF-8 (overlong forms, surrogates
// and code points above U+10FFFF included), or nullopt.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

} // namespace lexsync::json
