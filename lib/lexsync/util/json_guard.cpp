#include <lexsync/util/json_guard.hpp>
#include <lexsync/util/utf8.hpp>

namespace lexsync::json {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

} // namespace

std::optional<std::size_t> find_unsafe_number(std::string_view text) {
    const std::size_t n = text.size();
    bool in_string = false;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i; // the escaped character cannot end the string
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
            continue;
        }
        if (c != '-' && !is_digit(c)) {
            continue;
        }
        // A number token: -?digits(.digits)?([eE][+-]?digits)?
        const std::size_t start = i;
        if (c == '-') {
            ++i;
        }
        long digits = 0;
        long first_significant = -1; // index among all mantissa digits
        long int_digits = 0;
        for (; i < n && is_digit(text[i]); ++i, ++int_digits, ++digits) {
            if (first_significant < 0 && text[i] != '0') {
                first_significant = digits;
            }
        }
        if (i < n && text[i] == '.') {
            for (++i; i < n && is_digit(text[i]); ++i, ++digits) {
                if (first_significant < 0 && text[i] != '0') {
                    first_significant = digits;
                }
            }
        }
        long exponent = 0;
        if (i < n && (text[i] == 'e' || text[i] == 'E')) {
            ++i;
            bool negative = false;
            if (i < n && (text[i] == '+' || text[i] == '-')) {
                negative = text[i] == '-';
                ++i;
            }
            for (; i < n && is_digit(text[i]); ++i) {
                if (exponent < 100'000) {
                    exponent = exponent * 10 + (text[i] - '0');
                }
            }
            if (negative) {
                exponent = -exponent;
            }
        }
        if (digits > k_max_digits) {
            return start;
        }
        if (first_significant >= 0) {
            // The power of ten of the first significant digit.
            const long magnitude = int_digits - 1 - first_significant + exponent;
            if (magnitude > k_max_decimal_exponent || magnitude < k_min_decimal_exponent) {
                return start;
            }
        }
        if (i > start) {
            --i; // the loop's ++i moves to the character after the token
        }
    }
    return std::nullopt;
}

std::optional<std::size_t> find_excess_nesting(std::string_view text) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > k_max_depth) {
                return i;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return std::nullopt;
}

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        const std::size_t len = utf8::sequence_length(text, i);
        if (len == 0) {
            return i;
        }
        i += len;
    }
    return std::nullopt;
}

} // namespace lexsync::json
