#include <lexsync/util/json_guard.hpp>
#include <lexsync/util/strings.hpp>
#include <lexsync/util/utf8.hpp>

namespace lexsync::json {

void GuardScan::feed(std::string_view piece) {
    for (const char c : piece) {
        if (m_part != Part::none) {
            const bool digit = is_digit(c);
            if (m_part == Part::integer || m_part == Part::fraction) {
                if (digit) {
                    if (m_first_significant < 0 && c != '0') {
                        m_first_significant = m_digits;
                    }
                    ++m_digits;
                    m_int_digits += m_part == Part::integer ? 1 : 0;
                    ++m_at;
                    continue;
                }
                if (c == '.' && m_part == Part::integer) {
                    m_part = Part::fraction;
                    ++m_at;
                    continue;
                }
                if (c == 'e' || c == 'E') {
                    m_part = Part::exponent_sign;
                    ++m_at;
                    continue;
                }
            } else if (m_part == Part::exponent_sign && (c == '+' || c == '-')) {
                m_negative_exponent = c == '-';
                m_part = Part::exponent;
                ++m_at;
                continue;
            } else if (digit) {
                if (m_exponent < 100'000) {
                    m_exponent = m_exponent * 10 + (c - '0');
                }
                m_part = Part::exponent;
                ++m_at;
                continue;
            }
            end_number(); // the character after the token is read as any other
        }
        if (m_in_string) {
            if (m_escaped) {
                m_escaped = false; // the escaped character cannot end the string
            } else if (c == '\\') {
                m_escaped = true;
            } else if (c == '"') {
                m_in_string = false;
            }
        } else {
            outside(c);
        }
        ++m_at;
    }
}

void GuardScan::finish() {
    if (m_part != Part::none) {
        end_number();
    }
}

void GuardScan::outside(char c) {
    if (c == '"') {
        m_in_string = true;
    } else if (c == '-' || is_digit(c)) {
        start_number(c);
    } else if (c == '[' || c == '{') {
        if (++m_depth > k_max_depth && !m_excess_nesting) {
            m_excess_nesting = m_at;
        }
    } else if ((c == ']' || c == '}') && m_depth > 0) {
        --m_depth;
    }
}

void GuardScan::start_number(char c) {
    m_part = Part::integer;
    m_start = m_at;
    m_digits = 0;
    m_first_significant = -1;
    m_int_digits = 0;
    m_exponent = 0;
    m_negative_exponent = false;
    if (c != '-') {
        m_first_significant = c != '0' ? 0 : -1;
        m_digits = 1;
        m_int_digits = 1;
    }
}

void GuardScan::end_number() {
    m_part = Part::none;
    if (m_unsafe_number) {
        return;
    }
    if (m_digits > k_max_digits) {
        m_unsafe_number = m_start;
        return;
    }
    if (m_first_significant >= 0) {
        // The power of ten of the first significant digit.
        const long exponent = m_negative_exponent ? -m_exponent : m_exponent;
        const long magnitude = m_int_digits - 1 - m_first_significant + exponent;
        if (magnitude > k_max_decimal_exponent || magnitude < k_min_decimal_exponent) {
            m_unsafe_number = m_start;
        }
    }
}

GuardScan GuardScan::of(std::string_view text) {
    GuardScan scan;
    scan.feed(text);
    scan.finish();
    return scan;
}

std::optional<std::size_t> find_unsafe_number(std::string_view text) {
    return GuardScan::of(text).unsafe_number();
}

std::optional<std::size_t> find_excess_nesting(std::string_view text) {
    return GuardScan::of(text).excess_nesting();
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
