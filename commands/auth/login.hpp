// --- Interface ---
// `lexsync auth login`: checks an API key against the API and stores it for a profile, or
// connects a profile with OAuth (authorization code with PKCE through a loopback redirect).
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>

namespace lexsync::commands::auth {

struct LoginOptions {
    bool with_token = false; // read the key from stdin even on a terminal
    bool oauth = false;      // --oauth: partner application instead of an API key
    bool no_browser = false; // --no-browser: print the URL, read the redirect URL from stdin
    std::string scopes;      // --scopes: comma/space list; empty = every command's scopes
};

// Adds `login` to `parent`.
void register_login(CLI::App& parent, Context& ctx);

// Reads the key, checks it with GET /v1/profile, stores it and prints the organisation; throws
// Error(config) for a key the API refuses.
void run_login(const LoginOptions& options, Context& ctx);

// The OAuth variant of run_login (options.oauth): authorizes in the browser or with a pasted
// redirect URL, exchanges the code, checks GET /v1/profile and stores the tokens; throws
// Error(config) when the authorization is refused or fails.
void run_oauth_login(const LoginOptions& options, Context& ctx);

} // namespace lexsync::commands::auth
