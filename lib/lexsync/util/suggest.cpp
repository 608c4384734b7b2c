#include <algorithm>
#include <cctype>
#include <lexsync/util/suggest.hpp>
#include <utility>

namespace lexsync {

namespace {

char fold(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

} // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Optimal string alignment distance over three rows.
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
    for (std::size_t j = 0; j <= m; ++j) {
        prev[j] = j;
    }
    for (std::size_t i = 1; i <= n; ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) &&
                fold(a[i - 2]) == fold(b[j - 1])) {
                cur[j] = std::min(cur[j], prev2[j - 2] + 1);
            }
        }
        prev2.swap(prev);
        prev.swap(cur);
    }
    return prev[m];
}

std::vector<std::string> suggest(std::string_view input,
                                 const std::vector<std::string>& candidates) {
    const std::size_t limit = std::clamp<std::size_t>(input.size() / 3, 1, 3);
    std::vector<std::pair<std::size_t, std::string>> scored;
    for (const auto& c : candidates) {
        if (c == input) {
            continue;
        }
        std::size_t d = edit_distance(input, c);
        const bool prefix = input.size() >= 3 && c.size() > input.size() &&
                            std::equal(input.begin(), input.end(), c.begin(),
                                       [](char x, char y) { return fold(x) == fold(y); });
        if (prefix) {
            d = std::min(d, limit);
        }
        if (d <= limit) {
            scored.emplace_back(d, c);
        }
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<std::string> out;
    for (auto& s : scored) {
        if (std::find(out.begin(), out.end(), s.second) == out.end()) {
            out.push_back(std::move(s.second));
        }
    }
    return out;
}

std::string did_you_mean(std::string_view input, const std::vector<std::string>& candidates) {
    const auto s = suggest(input, candidates);
    if (s.empty()) {
        return "";
    }
    if (s.size() == 1) {
        return " (did you mean '" + s[0] + "'?)";
    }
    return " (did you mean '" + s[0] + "' or '" + s[1] + "'?)";
}

} // namespace lexsync
