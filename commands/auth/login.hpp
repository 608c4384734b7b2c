// --- Interface ---
// `lexsync auth login`: checks an API key against the API and stores it for a profile.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>

namespace lexsync::commands::auth {

struct LoginOptions {
    bool with_token = false; // read the key from stdin even on a terminal
};

// Adds `login` to `parent`.
void register_login(CLI::App& parent, Context& ctx);

// Reads the key, checks it with GET /v1/profile, stores it and prints the organisation; throws
// Error(config) for a key the API refuses.
void run_login(const LoginOptions& options, Context& ctx);

} // namespace lexsync::commands::auth
