// --- Interface ---
// `lexsync webhooks listen`: an HTTP receiver for lexoffice callbacks that verifies each
// X-Lxo-Signature, refuses replays, acknowledges at once and then runs a command, forwards the
// event, or both.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <string>

namespace lexsync::commands::webhooks {

struct ListenOptions {
    std::string host = "127.0.0.1";
    int port = 0;                // 0 = a free port (printed on stdout)
    std::string exec;            // shell command run per verified event, event JSON on stdin
    std::string public_key;      // PEM file; empty: the profile's webhook_public_key
    std::string forward_to;      // relay verified events (raw body + signature) to this URL
    std::string organization_id; // expected organizationId; empty: the profile's, when known
    int max_events = 0;          // stop after this many accepted events (0 = run until signalled)
};

// Adds `listen` to `parent`.
void register_listen(CLI::App& parent, Context& ctx);
// Serves until SIGINT/SIGTERM (or --max-events), then waits for the running commands; throws
// Error(config) without a public key, Error(error) when the port cannot be bound.
void run_listen(const ListenOptions& opts, Context& ctx);

} // namespace lexsync::commands::webhooks
