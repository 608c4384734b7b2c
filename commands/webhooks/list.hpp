// --- Interface ---
// `lexsync webhooks list`: the event subscriptions of the account.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>

namespace lexsync::commands::webhooks {

// Adds `list` to `parent`.
void register_list(CLI::App& parent, Context& ctx);
// Writes one record per subscription; throws Error on failure.
void run_list(Context& ctx);

} // namespace lexsync::commands::webhooks
