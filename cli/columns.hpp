// --- Interface ---
// Terminal columns of text lexsync prints (tables, the progress line).
#pragma once

#include <cstddef>
#include <string>

namespace lexsync {

// Number of code points in UTF-8 `s` (terminal columns for the scripts lexsync prints).
std::size_t display_width(const std::string& s);
// Cuts `s` to `width` code points, ending in "…" when something was cut.
std::string fit(const std::string& s, std::size_t width);

} // namespace lexsync
