#pragma once

// Small string helpers shared by the client, the commands and the sandbox. ASCII only on purpose:
// they work on protocol text (header names, keys, ids, column names), never on locale text.

#include <string>
#include <string_view>
#include <vector>

namespace lexsync {

// `s` without leading and trailing ASCII white space (space, \t, \r, \n, \v, \f).
std::string_view trim_view(std::string_view s);
// trim_view() as a string.
std::string trim(std::string_view s);

// `items` with `sep` between each two of them.
std::string join(const std::vector<std::string>& items, std::string_view sep);

// `s` with A-Z turned into a-z (other bytes, UTF-8 included, stay as they are).
std::string ascii_lower(std::string_view s);
// `s` with a-z turned into A-Z.
std::string ascii_upper(std::string_view s);

// Whether `c` is an ASCII digit 0-9 (std::isdigit depends on the locale and wants an unsigned
// char).
constexpr bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
// Whether `s` is not empty and holds ASCII digits only.
bool all_digits(std::string_view s);

// The value of the hex digit `c` (0-9, a-f, A-F), or -1 for any other byte.
int hex_digit(char c);

// Whether `s` is a UUID in its 8-4-4-4-12 hex form (either case), as lexoffice writes ids.
bool is_uuid(std::string_view s);

// `s` with &, < and > escaped as HTML text (&amp; &lt; &gt;); quotes and all other bytes kept.
std::string html_escape(std::string_view s);

// Text that XML 1.0 can carry: escapes & < > " and drops the characters XML forbids (most
// controls, U+FFFE, U+FFFF).
std::string xml_escape(std::string_view s);

} // namespace lexsync
