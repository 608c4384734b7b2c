// --- Interface ---
// What an option's value is, told to the help and to `lexsync completion` in one place: the type
// names FILE, DIR and PROFILE stand for a file name, a directory and a profile of the config
// file; a fixed set of values shows as {a,b,c} after the type name, whether CLI::IsMember checks
// it or the command itself does (`named_values`).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace lexsync::commands {

inline constexpr const char* k_file_value = "FILE";
inline constexpr const char* k_dir_value = "DIR";
inline constexpr const char* k_profile_value = "PROFILE";

// A validator that accepts everything and names `values` ({a,b,c} in the help), for an option
// whose command checks the value itself (other spellings, aliases, or a file instead).
CLI::Validator named_values(const std::vector<std::string>& values);

// The values of `opt`'s set ({a,b,c} in its type name), or none.
std::vector<std::string> value_set(const CLI::Option& opt);

// "Label: a, b, c, …" wrapped before `width` columns, the further lines indented by two spaces:
// the whole of a long set of values, for a command's footer.
std::string wrapped_list(const std::string& label, const std::vector<std::string>& values,
                         std::size_t width = 100);

// The help formatter of every command: as CLI11's, except that a set of values too long for one
// line of help shows its first values only ({base_url,rate_limit,…}); such a command lists the
// whole set in its footer (wrapped_list). Completion reads the full set from the type name.
class HelpFormatter : public CLI::Formatter {
public:
    std::string make_option_opts(const CLI::Option* opt) const override;
};

} // namespace lexsync::commands
