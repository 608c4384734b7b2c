#include <lexsync/util/strings.hpp>
#include <lexsync/util/toml_guard.hpp>

namespace lexsync::toml_guard {

namespace {

// Characters of bare keys, numbers and dates (with the dots between them).
bool is_token_char(char c) {
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           c == '-' || c == '+' || c == ':' || c == '.';
}

} // namespace

std::optional<long> find_excess_nesting(std::string_view text) {
    const std::size_t n = text.size();
    long line = 1;
    long depth = 0;     // open arrays and inline tables
    long line_dots = 0; // key separators on this line
    for (std::size_t i = 0; i < n;) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            line_dots = 0;
            ++i;
            continue;
        }
        if (c == '#') {
            while (i < n && text[i] != '\n') {
                ++i;
            }
            continue;
        }
        if (c == '"' || c == '\'') {
            const std::string_view triple = c == '"' ? "\"\"\"" : "'''";
            const bool multi = text.substr(i, 3) == triple;
            i += multi ? 3 : 1;
            while (i < n) {
                const char d = text[i];
                if (c == '"' && d == '\\') {
                    if (i + 1 < n && text[i + 1] == '\n') {
                        ++line;
                    }
                    i += 2;
                    continue;
                }
                if (d == '\n') {
                    if (!multi) {
                        break; // an unterminated string ends at its line (a parse error anyway)
                    }
                    ++line;
                } else if (multi ? text.substr(i, 3) == triple : d == c) {
                    i += multi ? 3 : 1;
                    break;
                }
                ++i;
            }
            continue;
        }
        if (c == '[' || c == '{') {
            ++depth;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        } else if (is_token_char(c)) {
            const std::size_t start = i;
            long dots = 0;
            std::size_t dot_at = 0;
            for (; i < n && is_token_char(text[i]); ++i) {
                if (text[i] == '.') {
                    ++dots;
                    dot_at = i;
                }
            }
            // One dot between digits is a decimal point (1.5, 6.626e-34, 07:32:00.999).
            if (dots == 1 && dot_at > start && dot_at + 1 < i && is_digit(text[dot_at - 1]) &&
                is_digit(text[dot_at + 1])) {
                dots = 0;
            }
            line_dots += dots;
            if (line_dots + depth > k_max_depth) {
                return line;
            }
            continue;
        }
        if (line_dots + depth > k_max_depth) {
            return line;
        }
        ++i;
    }
    return std::nullopt;
}

} // namespace lexsync::toml_guard
