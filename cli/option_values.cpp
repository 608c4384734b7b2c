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

} // namespace lexsync::commands
