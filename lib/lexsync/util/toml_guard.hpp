// --- Interface ---
// A check run on every TOML text before toml++ sees it. toml++ 3.3 limits nested arrays and inline
// tables to 256 levels, but not dotted keys and table headers: `a.a.a…= 1` with 50,000 parts
// builds 50,000 nested tables, and their recursive destruction overflows the stack.
#pragma once

#include <optional>
#include <string_view>

namespace lexsync::toml_guard {

// The deepest nesting accepted: key parts of one line plus the open arrays and inline tables
// around them. lexsync's files nest 3 levels.
inline constexpr int k_max_depth = 100;

// The 1-based line on which the text nests deeper than k_max_depth, or nullopt. Only scans
// (strings and comments are skipped; a float's decimal point is no key separator): the text need
// not be valid TOML.
std::optional<long> find_excess_nesting(std::string_view text);

} // namespace lexsync::toml_guard
