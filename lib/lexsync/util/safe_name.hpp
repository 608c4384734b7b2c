// --- Interface ---
// File names made from server data (voucher numbers, ids) that cannot leave the directory they
// are written to: one path component, no traversal, no control characters, no hidden files, no
// names Windows reserves, and a bounded length.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lexsync {

// The longest name safe_file_name() returns, in bytes (well below every common file system's 255).
inline constexpr std::size_t k_safe_name_max = 120;

// Turns `text` into one safe file name component: `/`, `\`, control characters, invalid UTF-8 and
// the characters Windows forbids (`<>:"|?*`) become `_`, runs of dots collapse to one, leading dots
// and spaces and trailing dots and spaces go, reserved device names (CON, NUL, COM1, …) get a `_`
// in front, and the result is cut to `max_bytes` on a UTF-8 boundary. Returns `fallback` (itself
// made safe) when nothing usable is left.
std::string safe_file_name(std::string_view text, std::size_t max_bytes = k_safe_name_max,
                           std::string_view fallback = "unnamed");

// True when `name` is a single component safe_file_name() would leave unchanged.
bool is_safe_file_name(std::string_view name);

} // namespace lexsync
