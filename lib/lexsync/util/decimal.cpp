#include <cstdlib>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/decimal_wide.hpp>
#include <lexsync/util/strings.hpp>
#include <limits>

namespace lexsync {

namespace {

using Wide = WideUnits;

constexpr std::int64_t k_pow10[] = {1, 10, 100, 1000, 10000};

std::int64_t clamp_to_int64(Wide v) {
    // Out-of-range results are far beyond any amount the API accepts; saturate instead of UB.
    if (v > std::numeric_limits<std::int64_t>::max()) {
        return std::numeric_limits<std::int64_t>::max();
    }
    if (v < std::numeric_limits<std::int64_t>::min()) {
        return std::numeric_limits<std::int64_t>::min();
    }
    return static_cast<std::int64_t>(v);
}

// Builds a value from sign, integer digits, fraction digits and a decimal exponent.
// Returns nullopt when the value needs more than 4 decimals or does not fit.
std::optional<Decimal> assemble(bool negative, std::string_view int_digits,
                                std::string_view frac_digits, long exponent) {
    std::string digits;
    digits.reserve(int_digits.size() + frac_digits.size());
    digits.append(int_digits);
    digits.append(frac_digits);
    // The value is digits * 10^(exponent - frac_len).
    long scale = exponent - static_cast<long>(frac_digits.size());
    // Drop trailing zeros that only make the text longer ("1.50000" is exactly 1.5).
    while (scale < 0 && !digits.empty() && digits.back() == '0') {
        digits.pop_back();
        ++scale;
    }
    if (scale < -Decimal::k_scale_digits) {
        return std::nullopt;
    }
    // Units = digits * 10^(scale + 4).
    const long shift = scale + Decimal::k_scale_digits;
    Wide units = 0;
    const Wide limit = static_cast<Wide>(std::numeric_limits<std::int64_t>::max());
    for (char c : digits) {
        units = units * 10 + (c - '0');
        if (units > limit) {
            return std::nullopt;
        }
    }
    for (long i = 0; i < shift; ++i) {
        if (units == 0) {
            break;
        }
        units *= 10;
        if (units > limit) {
            return std::nullopt;
        }
    }
    return Decimal::from_units(static_cast<std::int64_t>(negative ? -units : units));
}

std::optional<Decimal> parse_json_syntax(std::string_view s) {
    std::size_t i = 0;
    bool negative = false;
    if (i < s.size() && s[i] == '-') {
        negative = true;
        ++i;
    }
    const std::size_t int_start = i;
    while (i < s.size() && is_digit(s[i])) {
        ++i;
    }
    const std::string_view int_digits = s.substr(int_start, i - int_start);
    if (int_digits.empty()) {
        return std::nullopt;
    }
    std::string_view frac_digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        const std::size_t frac_start = i;
        while (i < s.size() && is_digit(s[i])) {
            ++i;
        }
        frac_digits = s.substr(frac_start, i - frac_start);
        if (frac_digits.empty()) {
            return std::nullopt;
        }
    }
    long exponent = 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool exp_negative = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            exp_negative = s[i] == '-';
            ++i;
        }
        const std::size_t exp_start = i;
        while (i < s.size() && is_digit(s[i])) {
            if (exponent < 10000) {
                exponent = exponent * 10 + (s[i] - '0');
            }
            ++i;
        }
        if (i == exp_start) {
            return std::nullopt;
        }
        exponent = exp_negative ? -exponent : exponent;
    }
    if (i != s.size()) {
        return std::nullopt;
    }
    return assemble(negative, int_digits, frac_digits, exponent);
}

// "1.234,56", "12,5", "-1234": dots group thousands (groups of exactly three), comma separates.
std::optional<Decimal> parse_decimal_comma(std::string_view s) {
    std::size_t i = 0;
    bool negative = false;
    if (i < s.size() && s[i] == '-') {
        negative = true;
        ++i;
    }
    std::string int_digits;
    std::size_t group_len = 0;
    bool grouped = false;
    while (i < s.size() && (is_digit(s[i]) || s[i] == '.')) {
        if (s[i] == '.') {
            if (int_digits.empty() || (grouped && group_len != 3) || (!grouped && group_len > 3)) {
                return std::nullopt;
            }
            grouped = true;
            group_len = 0;
        } else {
            int_digits.push_back(s[i]);
            ++group_len;
        }
        ++i;
    }
    if (int_digits.empty() || (grouped && group_len != 3)) {
        return std::nullopt;
    }
    std::string_view frac_digits;
    if (i < s.size() && s[i] == ',') {
        ++i;
        const std::size_t frac_start = i;
        while (i < s.size() && is_digit(s[i])) {
            ++i;
        }
        frac_digits = s.substr(frac_start, i - frac_start);
        if (frac_digits.empty()) {
            return std::nullopt;
        }
    }
    if (i != s.size()) {
        return std::nullopt;
    }
    return assemble(negative, int_digits, frac_digits, 0);
}

} // namespace

WideUnits div_round(WideUnits n, WideUnits d) {
    const bool negative = n < 0;
    const WideUnits a = negative ? -n : n;
    WideUnits q = a / d;
    if ((a % d) * 2 >= d) {
        ++q;
    }
    return negative ? -q : q;
}

std::optional<Decimal> Decimal::parse(std::string_view text, bool decimal_comma) {
    if (text.empty()) {
        return std::nullopt;
    }
    if (decimal_comma) {
        // Plain JSON syntax without a dot ("12", "-3") is the same in both notations.
        return parse_decimal_comma(text);
    }
    return parse_json_syntax(text);
}

Decimal Decimal::rounded(int digits) const {
    if (digits >= k_scale_digits) {
        return *this;
    }
    if (digits < 0) {
        digits = 0;
    }
    const std::int64_t factor = k_pow10[k_scale_digits - digits];
    const Wide q = div_round(m_units, factor);
    return from_units(clamp_to_int64(q * factor));
}

std::string Decimal::to_string() const {
    std::string s = to_fixed(k_scale_digits);
    const auto dot = s.find('.');
    if (dot != std::string::npos) {
        while (s.back() == '0') {
            s.pop_back();
        }
        if (s.back() == '.') {
            s.pop_back();
        }
    }
    return s;
}

std::string Decimal::to_fixed(int digits, char separator) const {
    if (digits < 0) {
        digits = 0;
    }
    const int kept = digits > k_scale_digits ? k_scale_digits : digits;
    const std::int64_t units = rounded(kept).m_units;
    const bool negative = units < 0;
    const unsigned long long magnitude = negative ? 0ULL - static_cast<unsigned long long>(units)
                                                  : static_cast<unsigned long long>(units);
    const unsigned long long whole = magnitude / k_scale;
    unsigned long long frac = magnitude % k_scale;
    std::string out;
    if (negative && magnitude != 0) {
        out.push_back('-');
    }
    out += std::to_string(whole);
    if (digits > 0) {
        out.push_back(separator);
        std::string frac_text = std::to_string(frac);
        frac_text.insert(0, static_cast<std::size_t>(k_scale_digits) - frac_text.size(), '0');
        frac_text.resize(static_cast<std::size_t>(kept));
        frac_text.append(static_cast<std::size_t>(digits - kept), '0');
        out += frac_text;
    }
    return out;
}

Decimal operator*(Decimal a, Decimal b) {
    const Wide product = static_cast<Wide>(a.m_units) * static_cast<Wide>(b.m_units);
    return Decimal::from_units(clamp_to_int64(div_round(product, Decimal::k_scale)));
}

Decimal operator/(Decimal a, Decimal b) {
    Wide n = static_cast<Wide>(a.m_units) * Decimal::k_scale;
    Wide d = b.m_units;
    if (d == 0) {
        return Decimal{};
    }
    if (d < 0) {
        n = -n;
        d = -d;
    }
    return Decimal::from_units(clamp_to_int64(div_round(n, d)));
}

} // namespace lexsync
