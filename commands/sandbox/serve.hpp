// --- Interface ---
// `lexsync sandbox serve`: runs the local lexoffice API emulator until SIGINT/SIGTERM.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace lexsync::commands::sandbox {

struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 0; // 0 = a free port
    bool allow_remote = false;
    std::string seed = "demo"; // demo | empty | path to a JSON seed file
    std::string state_file;    // empty = in memory
    double rate_limit = 2.0;   // requests per second per key
    int burst = 4;
    bool no_rate_limit = false;
    bool retry_after = false;
    long listing_window = 10000; // 0 = unlimited
    int latency_ms = 0;
    int latency_jitter_ms = 0;
    long token_lifetime = 14399; // OAuth access-token lifetime in seconds
    int time_shift_days = 0;     // the sandbox's clock this many days ahead (negative: behind)
    bool oauth_deny = false;     // refuse every OAuth authorization (access_denied)
    // Webhooks: the PEM RSA private key of the callbacks (empty = generated), the factor on the
    // retry delays, and a file that receives the public key (PEM) at start.
    std::string webhook_key;
    double webhook_retry_scale = 1.0;
    std::string webhook_public_key_out;
    std::string faults;        // fault spec (see lexsync-sandbox(1)); empty = none
    long long fault_seed = -1; // -1 = a random seed, printed so that a run can be replayed
    // Start-up for scripts and CI: once the port is bound (connections are accepted from then
    // on) the port number is written atomically to `port_file`, the process id to `pid_file`,
    // and the base URL to file descriptor `ready_fd`, which is then closed (-1 = none).
    std::string port_file;
    std::string pid_file;
    int ready_fd = -1;
    // Detach: the command returns (printing the base URL) once the server accepts connections;
    // the server runs on in the background, its stderr going to `log_file` (default: nowhere).
    bool daemon = false;
    std::string log_file;
};

// Adds `serve` to `parent`.
void register_serve(CLI::App& parent, Context& ctx);

// Serves until SIGINT/SIGTERM, printing the base URL alone on the first line of stdout (with
// `daemon`, returns once the detached server is ready, with the server's exit status if it could
// not start); throws
// Error(usage) for a non-loopback host without --allow-remote, Error(invalid_input) for a bad
// seed or state file and Error(error) when the port cannot be bound.
void run_serve(const ServeOptions& options, Context& ctx);

} // namespace lexsync::commands::sandbox
