// --- Interface ---
// `lexsync config list / get / set / unset`: the profile settings in config.toml, read and edited
// in place (comments, order and the other profiles stay as written; see
// lexsync/store/config_edit.hpp). The profile is --profile, else $LEXSYNC_PROFILE, else the file's
// default_profile, else "default"; `set` creates it when the file has no such profile yet.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <string>

namespace lexsync::commands::config_cmd {

void register_list(CLI::App& parent, Context& ctx);
void register_get(CLI::App& parent, Context& ctx);
// Adds `set` and `unset`.
void register_set(CLI::App& parent, Context& ctx);

} // namespace lexsync::commands::config_cmd
