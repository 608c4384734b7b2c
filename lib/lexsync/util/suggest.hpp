// --- Interface ---
// "Did you mean …?": the candidates closest to a mistyped command, option, column or field name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lexsync {

// Edit distance (insertions, deletions, substitutions and swaps of neighbours) between `a` and
// `b`, compared case-insensitively for ASCII.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidates that `input` plausibly misspells, best first: those within an edit distance of
// about a third of the input's length (at least 1, at most 3), and those that start with `input`
// when it has at least 3 characters. Empty when nothing is close.
std::vector<std::string> suggest(std::string_view input,
                                 const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or " (did you mean 'x' or 'y'?)" for the best two, or "" when none.
std::string did_you_mean(std::string_view input, const std::vector<std::string>& candidates);

} // namespace lexsync
