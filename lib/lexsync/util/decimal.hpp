// --- Interface ---
// Exact decimal amounts: money and quantities never pass through binary floating point
// when they are sent or written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lexsync {

// A fixed-point number with 4 decimal places (the API's finest precision), stored as an integer
// count of 1/10000.
class Decimal {
public:
    static constexpr int k_scale_digits = 4;
    static constexpr std::int64_t k_scale = 10000;

    constexpr Decimal() = default;
    static constexpr Decimal from_units(std::int64_t units) {
        Decimal d;
        d.m_units = units;
        return d;
    }
    static constexpr Decimal from_int(std::int64_t v) { return from_units(v * k_scale); }

    // Parses "12", "-3.5", "0.1234", "1e2" (JSON number syntax); with `decimal_comma`, also
    // "1.234,56" and "12,5". Returns nullopt for anything else or more than 4 decimals.
    static std::optional<Decimal> parse(std::string_view text, bool decimal_comma = false);

    // Rounds half away from zero to `digits` (0..4) decimal places.
    Decimal rounded(int digits) const;

    std::int64_t units() const { return m_units; }
    // Shortest plain representation: "12", "-3.5", "0.1234".
    std::string to_string() const;
    // Exactly `digits` decimal places: to_fixed(2) of 3.5 is "3.50".
    std::string to_fixed(int digits, char separator = '.') const;

    friend constexpr Decimal operator+(Decimal a, Decimal b) {
        return from_units(a.m_units + b.m_units);
    }
    friend constexpr Decimal operator-(Decimal a, Decimal b) {
        return from_units(a.m_units - b.m_units);
    }
    friend constexpr Decimal operator-(Decimal a) { return from_units(-a.m_units); }
    Decimal& operator+=(Decimal b) {
        m_units += b.m_units;
        return *this;
    }
    // Product rounded half away from zero to 4 places.
    friend Decimal operator*(Decimal a, Decimal b);
    // Quotient rounded half away from zero to 4 places; b must not be zero.
    friend Decimal operator/(Decimal a, Decimal b);
    friend constexpr auto operator<=>(Decimal a, Decimal b) = default;
    friend constexpr bool operator==(Decimal a, Decimal b) = default;

private:
    std::int64_t m_units = 0;
};

} // namespace lexsync
