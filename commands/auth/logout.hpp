// --- Interface ---
// `lexsync auth logout`: removes the stored API key of a profile.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>

namespace lexsync::commands::auth {

struct LogoutOptions {};

// Adds `logout` to `parent`.
void register_logout(CLI::App& parent, Context& ctx);

// Removes the key of the selected profile from the credentials file and says whether there was
// one; succeeds either way.
void run_logout(const LogoutOptions& options, Context& ctx);

} // namespace lexsync::commands::auth
