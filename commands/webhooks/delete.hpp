// --- Interface ---
// `lexsync webhooks delete ID...|--all`: removes event subscriptions.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace lexsync::commands::webhooks {

struct DeleteOptions {
    std::vector<std::string> ids;
    bool all = false; // every subscription of the account
    bool yes = false; // --yes: no confirmation
};

// Adds `delete` to `parent`.
void register_delete(CLI::App& parent, Context& ctx);
// Deletes the subscriptions; throws Error(usage) without ids or --all, Error on failure.
void run_delete(const DeleteOptions& opts, Context& ctx);

} // namespace lexsync::commands::webhooks
