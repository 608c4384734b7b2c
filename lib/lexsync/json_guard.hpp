// --- Interface ---
// A guard for RapidJSON 1.1's full-precision number parser, which reads outside its table of
// cached powers of ten for some numbers far below the double range (e.g.
// 0.000000000002191032001e-332; found by tests/fuzz/fuzz_json_page). Every text parsed with
// kParseFullPrecisionFlag is checked first.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace lexsync::json {

// The range of decimal exponents (of a number's first significant digit) that parse() accepts:
// doubles end near 1e308 and 1e-324, and the API's numbers are nowhere near either end.
inline constexpr int k_max_decimal_exponent = 308;
inline constexpr int k_min_decimal_exponent = -300;

// The offset of the first number token outside strings whose first significant digit lies outside
// 10^k_min_decimal_exponent..10^k_max_decimal_exponent or that has more than 500 digits, or
// nullopt when there is none.
// Only scans: the text need not be valid JSON.
std::optional<std::size_t> find_unsafe_number(std::string_view text);

} // namespace lexsync::json
