// --- Interface ---
// Small helpers for the English of status lines on stderr.
#pragma once

#include <fmt/format.h>
#include <string>
#include <string_view>

namespace lexsync {

// `n` with its noun in the singular or plural: "1 request", "2 requests", "0 requests".
inline std::string counted(long n, std::string_view singular, std::string_view plural) {
    return fmt::format("{} {}", n, n == 1 ? singular : plural);
}

} // namespace lexsync
