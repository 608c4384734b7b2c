#include "lexsync/util/utf8.hpp"

#include <algorithm>

namespace lexsync::utf8 {

Lead lead(unsigned char b) {
    if (b < 0x80) {
        return {1};
    }
    if (b >= 0xC2 && b <= 0xDF) {
        return {2};
    }
    if (b >= 0xE0 && b <= 0xEF) {
        // E0: no overlong forms; ED: no surrogates.
        return {3, static_cast<unsigned char>(b == 0xE0 ? 0xA0 : 0x80),
                static_cast<unsigned char>(b == 0xED ? 0x9F : 0xBF)};
    }
    if (b >= 0xF0 && b <= 0xF4) {
        // F0: no overlong forms; F4: nothing above U+10FFFF.
        return {4, static_cast<unsigned char>(b == 0xF0 ? 0x90 : 0x80),
                static_cast<unsigned char>(b == 0xF4 ? 0x8F : 0xBF)};
    }
    return {0}; // 80..C1 (continuations, overlong leads), F5..FF
}

std::size_t sequence_length(std::string_view s, std::size_t i) {
    const Lead l = lead(static_cast<unsigned char>(s[i]));
    if (l.length == 0 || i + l.length > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < l.length; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if (b < (k == 1 ? l.lo : 0x80) || b > (k == 1 ? l.hi : 0xBF)) {
            return 0;
        }
    }
    return l.length;
}

char32_t decode(std::string_view s, std::size_t i, std::size_t n) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (n <= 1) {
        return b0;
    }
    char32_t cp = b0 & (0x7FU >> n); // 2: 0x1F, 3: 0x0F, 4: 0x07
    for (std::size_t k = 1; k < n; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3FU);
    }
    return cp;
}

std::size_t code_points(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void append(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool Validator::push(unsigned char b) {
    if (m_need == 0) {
        const Lead l = lead(b);
        if (l.length == 0) {
            return false;
        }
        m_need = l.length - 1;
        m_lo = l.lo;
        m_hi = l.hi;
        return true;
    }
    if (b < m_lo || b > m_hi) {
        m_need = 0;
        m_lo = 0x80;
        m_hi = 0xBF;
        return false;
    }
    --m_need;
    m_lo = 0x80;
    m_hi = 0xBF;
    return true;
}

} // namespace lexsync::utf8
