// --- Interface ---
// `lexsync webhooks subscribe EVENT... --url URL`: one event subscription per event type.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace lexsync::commands::webhooks {

struct SubscribeOptions {
    std::vector<std::string> events; // e.g. "invoice.created", lower-cased before sending
    std::string url;                 // the callback URL (https; the sandbox allows loopback http)
};

// Adds `subscribe` to `parent`.
void register_subscribe(CLI::App& parent, Context& ctx);
// Creates the subscriptions (an existing one for the same event and URL is reported, not an
// error) and writes one record per event; throws Error on failure.
void run_subscribe(const SubscribeOptions& opts, Context& ctx);

} // namespace lexsync::commands::webhooks
