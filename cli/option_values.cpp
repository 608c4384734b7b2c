#include "cli/option_values.hpp"

namespace lexsync::commands {

CLI::Validator named_values(const std::vector<std::string>& values) {
    std::string set = "{";
    for (const auto& v : values) {
        set += (set.size() > 1 ? "," : "") + v;
    }
    return CLI::Validator(set + "}");
}

std::vector<std::string> value_set(const CLI::Option& opt) {
    const std::string type = opt.get_type_name();
    const auto open = type.find(":{");
    const auto close = type.find('}', open);
    if (open == std::string::npos || close == std::string::npos) {
        return {};
    }
    std::vector<std::string> values;
    std::string value;
    for (std::size_t i = open + 2; i <= close; ++i) {
        if (type[i] == ',' || i == close) {
            values.push_back(value);
            value.clear();
        } else {
            value += type[i];
        }
    }
    return values;
}

std::string wrapped_list(const std::string& label, const std::vector<std::string>& values,
                         std::size_t width) {
    std::string out = label + ":";
    std::size_t line = out.size();
    for (std::size_t i = 0; i < values.size(); ++i) {
        const std::string item = values[i] + (i + 1 < values.size() ? "," : "");
        if (line + 1 + item.size() > width) {
            out += "\n  " + item;
            line = 2 + item.size();
        } else {
            out += " " + item;
            line += 1 + item.size();
        }
    }
    return out;
}

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
    constexpr std::size_t k_max_set = 80; // characters of a set shown whole in the help
    std::string text = CLI::Formatter::make_option_opts(opt);
    const auto open = text.find(":{");
    const auto close = text.find('}', open);
    if (open == std::string::npos || close == std::string::npos || close - open < k_max_set) {
        return text;
    }
    const std::vector<std::string> values = value_set(*opt);
    std::string shown = ":{";
    for (std::size_t i = 0; i < values.size() && i < 2; ++i) {
        shown += values[i] + ",";
    }
    return text.substr(0, open) + shown + "…}" + text.substr(close + 1);
}

} // namespace lexsync::commands
