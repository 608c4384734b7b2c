// --- Interface ---
// Helpers shared by the auth verbs: choosing a profile by name, checking a key against
// GET /v1/profile, and reading a key from stdin or a prompt without echo.
#pragma once

#include "cli/context.hpp"

#include <lexsync/api/client.hpp>
#include <lexsync/api/oauth.hpp>
#include <lexsync/store/config.hpp>
#include <lexsync/store/credentials.hpp>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

namespace lexsync::commands::auth {

// Resolves profile `name` with the global flags applied; when `allow_missing`, a profile that is
// not in the config file resolves on defaults (for login). Throws Error(config) on failure.
config::ResolvedProfile resolve_profile(Context& ctx, const std::string& name, bool allow_missing);

// The client configuration of `profile` with `token` (the same settings Context::client_config
// uses, without needing a stored key).
ClientConfig client_config_for(Context& ctx, const config::ResolvedProfile& profile,
                               const BearerToken& token);

// GET /v1/profile with `token` through the full transport stack; returns the API's answer or why
// there was none.
Result<json::Document, ApiError> fetch_profile(Context& ctx, const config::ResolvedProfile& profile,
                                               const BearerToken& token);

// GET /v1/profile through the OAuth stack of `source` (refreshing its tokens when needed).
Result<json::Document, ApiError> fetch_profile_oauth(Context& ctx,
                                                     const config::ResolvedProfile& profile,
                                                     std::shared_ptr<oauth::TokenSource> source);

// Reads a line from the terminal on stdin without echo, after writing `prompt` to `err`; returns
// it without the line end.
std::string read_secret_from_terminal(const std::string& prompt, std::ostream& err);

// The API key for login: the first line of stdin (trimmed) when `from_stdin`, else from the
// prompt (ctx.read_secret when set). Throws Error(config) when it is empty.
BearerToken read_api_key(Context& ctx, bool from_stdin);

// Records the organisation `org` (a GET /v1/profile answer) as the one profile `profile` works on
// and warns on stderr when it worked on another one before: its ledger stays with that
// organisation, and the new one starts with its own.
void note_account(Context& ctx, const config::ResolvedProfile& profile, const json::Value& org);

// "env", "command", "file" or "none".
const char* source_name(credentials::Source s);

} // namespace lexsync::commands::auth
