// --- Interface ---
// `lexsync auth status`: which organisation each profile reaches, and where its key comes from.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>

namespace lexsync::commands::auth {

struct StatusOptions {
    bool all = false; // every profile in the config file instead of the selected one
};

// Adds `status` to `parent`.
void register_status(CLI::App& parent, Context& ctx);

// Prints one record per profile; throws Error(config) when any profile has no working key.
void run_status(const StatusOptions& options, Context& ctx);

} // namespace lexsync::commands::auth
