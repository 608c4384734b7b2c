// --- Interface ---
// Editing config.toml in place: one key of one profile set or removed, every other line (comments,
// blank lines, other profiles, key order) kept byte for byte. Pure text logic; the caller checks
// the result with config::load_text() before writing it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lexsync::config {

// `text` with `key` of table [profiles.`profile`] set to `toml_value` (already TOML, e.g. "\"x\""
// or "2.0"): the key's line is replaced, or a line is added after the table's last key, or the
// table is appended. nullopt when the file defines the profile in a form this cannot edit (an
// inline table or dotted keys).
std::optional<std::string> set_profile_key(std::string_view text, std::string_view profile,
                                           std::string_view key, std::string_view toml_value);

// `text` without the line of `key` in table [profiles.`profile`] (unchanged when there is none);
// nullopt as above.
std::optional<std::string> unset_profile_key(std::string_view text, std::string_view profile,
                                             std::string_view key);

} // namespace lexsync::config
