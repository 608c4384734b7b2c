#include <algorithm>
#include <array>
#include <cctype>
#include <lexsync/util/safe_name.hpp>
#include <lexsync/util/utf8.hpp>

namespace lexsync {

namespace {

// Length of the valid UTF-8 sequence at `s[i]`, or 0 when it is not one or a C1 control
// character (U+0080..U+009F).
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const std::size_t n = utf8::sequence_length(s, i);
    if (n == 2 && static_cast<unsigned char>(s[i]) == 0xC2 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
        return 0;
    }
    return n;
}

bool forbidden_ascii(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
        return true;
    }
    constexpr std::string_view k_bad = "/\\<>:\"|?*";
    return k_bad.find(c) != std::string_view::npos;
}

// True for the device names Windows reserves, with or without an extension ("nul.pdf").
bool reserved_name(std::string_view name) {
    std::string stem(name.substr(0, name.find('.')));
    while (!stem.empty() && stem.back() == ' ') {
        stem.pop_back();
    }
    std::transform(stem.begin(), stem.end(), stem.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    static constexpr std::array<std::string_view, 6> k_plain = {"CON", "PRN",    "AUX",
                                                                "NUL", "CONIN$", "CONOUT$"};
    if (std::find(k_plain.begin(), k_plain.end(), stem) != k_plain.end()) {
        return true;
    }
    return stem.size() == 4 && (stem.starts_with("COM") || stem.starts_with("LPT")) &&
           stem[3] >= '0' && stem[3] <= '9';
}

std::string clean(std::string_view text, std::size_t max_bytes) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_length(text, i);
        if (n == 0) {
            out += '_';
            ++i;
            continue;
        }
        if (n == 1) {
            const char c = text[i];
            if (forbidden_ascii(c)) {
                out += '_';
            } else if (c == '.' && !out.empty() && out.back() == '.') {
                // ".." never survives, wherever it is.
            } else {
                out += c;
            }
        } else {
            out.append(text.substr(i, n));
        }
        i += n;
    }
    // No hidden files, nothing that a shell or Windows trims away.
    const auto first = out.find_first_not_of(". ");
    out.erase(0, first == std::string::npos ? out.size() : first);
    while (!out.empty() && (out.back() == '.' || out.back() == ' ')) {
        out.pop_back();
    }
    if (reserved_name(out)) {
        out.insert(0, "_");
    }
    if (out.size() > max_bytes) {
        std::size_t cut = max_bytes;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) {
            --cut;
        }
        out.resize(cut);
        while (!out.empty() && (out.back() == '.' || out.back() == ' ')) {
            out.pop_back();
        }
    }
    return out;
}

} // namespace

std::string safe_file_name(std::string_view text, std::size_t max_bytes,
                           std::string_view fallback) {
    max_bytes = std::clamp<std::size_t>(max_bytes, 8, 255);
    std::string out = clean(text, max_bytes);
    if (out.empty()) {
        out = clean(fallback, max_bytes);
    }
    if (out.empty()) {
        out = "unnamed";
    }
    return out;
}

bool is_safe_file_name(std::string_view name) {
    return !name.empty() && name.size() <= 255 && clean(name, 255) == name;
}

} // namespace lexsync
