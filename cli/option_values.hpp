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

} // namespace lexsync::commands
