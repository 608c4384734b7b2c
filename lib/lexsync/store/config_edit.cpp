#include <lexsync/store/config_edit.hpp>
#include <lexsync/util/strings.hpp>
#include <vector>

namespace lexsync::config {

namespace {

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) {
            lines.emplace_back(text.substr(start));
            break;
        }
        lines.emplace_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) {
        out += l;
        out += '\n';
    }
    return out;
}

// The table a header line opens ("profiles.x" for "[profiles.x]  # note"), "" for other lines.
std::string header_of(std::string_view line) {
    auto t = trim_view(line);
    if (t.size() < 2 || t.front() != '[' || t[1] == '[') {
        return "";
    }
    const auto close = t.find(']');
    if (close == std::string_view::npos) {
        return "";
    }
    auto rest = trim_view(t.substr(close + 1));
    if (!rest.empty() && rest.front() != '#') {
        return "";
    }
    std::string name;
    for (char c : trim_view(t.substr(1, close - 1))) {
        if (c != ' ' && c != '\t' && c != '"') {
            name += c;
        }
    }
    return name;
}

// The key a "key = value" line sets, "" for other lines.
std::string key_of(std::string_view line) {
    auto t = trim_view(line);
    if (t.empty() || t.front() == '#' || t.front() == '[') {
        return "";
    }
    const auto eq = t.find('=');
    if (eq == std::string_view::npos) {
        return "";
    }
    std::string k(trim_view(t.substr(0, eq)));
    if (k.size() >= 2 && k.front() == '"' && k.back() == '"') {
        k = k.substr(1, k.size() - 2);
    }
    return k;
}

struct Table {
    bool found = false;
    std::size_t header = 0; // line of the header
    std::size_t end = 0;    // first line after the table
    bool editable = true;
};

Table find_table(const std::vector<std::string>& lines, std::string_view profile) {
    Table t;
    const std::string want = "profiles." + std::string(profile);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const bool opens_table = trim_view(lines[i]).rfind('[', 0) == 0;
        if (!t.found && header_of(lines[i]) == want) {
            t.found = true;
            t.header = i;
            t.end = lines.size();
        } else if (t.found && t.end == lines.size() && opens_table) {
            t.end = i;
        }
        // Profiles given as an inline table or by dotted keys cannot be edited line by line.
        const std::string k = key_of(lines[i]);
        if (!opens_table && (k == "profiles" || k.rfind("profiles.", 0) == 0)) {
            t.editable = false;
        }
    }
    return t;
}

} // namespace

std::optional<std::string> set_profile_key(std::string_view text, std::string_view profile,
                                           std::string_view key, std::string_view toml_value) {
    auto lines = split_lines(text);
    const Table t = find_table(lines, profile);
    if (!t.editable) {
        return std::nullopt;
    }
    const std::string line = std::string(key) + " = " + std::string(toml_value);
    if (!t.found) {
        if (!lines.empty() && !trim_view(lines.back()).empty()) {
            lines.emplace_back();
        }
        lines.push_back("[profiles." + std::string(profile) + "]");
        lines.push_back(line);
        return join_lines(lines);
    }
    std::size_t last_key = t.header;
    for (std::size_t i = t.header + 1; i < t.end; ++i) {
        const std::string k = key_of(lines[i]);
        if (k == key) {
            const auto indent = lines[i].find_first_not_of(" \t");
            lines[i] = lines[i].substr(0, indent == std::string::npos ? 0 : indent) + line;
            return join_lines(lines);
        }
        if (!k.empty()) {
            last_key = i;
        }
    }
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(last_key) + 1, line);
    return join_lines(lines);
}

std::optional<std::string> unset_profile_key(std::string_view text, std::string_view profile,
                                             std::string_view key) {
    auto lines = split_lines(text);
    const Table t = find_table(lines, profile);
    if (!t.editable) {
        return std::nullopt;
    }
    if (t.found) {
        for (std::size_t i = t.header + 1; i < t.end; ++i) {
            if (key_of(lines[i]) == key) {
                lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i));
                break;
            }
        }
    }
    return join_lines(lines);
}

} // namespace lexsync::config
