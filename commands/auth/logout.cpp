#include "commands/auth/logout.hpp"

#include "commands/auth/shared/auth_shared.hpp"

#include <fmt/format.h>
#include <lexsync/api/error.hpp>
#include <lexsync/api/oauth.hpp>
#include <lexsync/store/credentials.hpp>
#include <memory>

namespace lexsync::commands::auth {

void register_logout(CLI::App& parent, Context& ctx) {
    auto options = std::make_shared<LogoutOptions>();
    auto* cmd = parent.add_subcommand(
        "logout",
        "Remove the stored API key (or revoke and remove the OAuth connection) of a profile");
    cmd->footer(
        R"(Only the key in credentials.toml is removed; the profile stays in config.toml, and
LEXSYNC_API_KEY or an api_key_command still provide a key if set. An API key itself stays valid
until you revoke it at https://app.lexware.de/addons/public-api; an OAuth connection is revoked at
the authorization server (its refresh and access tokens stop working) before it is removed.

Examples:
  lexsync auth logout
  lexsync --profile shop auth logout)");
    cmd->callback([options, &ctx] { run_logout(*options, ctx); });
}

namespace {

// An OAuth connection is revoked at the authorization server before its tokens are forgotten:
// revoking the refresh token ends the access token too. A failed revocation is reported, and the
// local tokens are removed all the same (the user asked to log out).
void revoke_oauth_connection(Context& ctx, const std::string& name,
                             const std::filesystem::path& cred_file) {
    auto stored = credentials::load_oauth(cred_file, name);
    if (!stored || !*stored) {
        return;
    }
    const auto& tokens = **stored;
    const config::ResolvedProfile profile = resolve_profile(ctx, name, true);
    oauth::ClientSettings client = oauth::resolve_client(profile, ctx.env);
    if (client.client_id.empty()) {
        client.client_id = tokens.client_id;
    }
    const ClientConfig c = client_config_for(ctx, profile, BearerToken{});
    auto transport = ctx.transport_factory(c);
    oauth::TokenClient token_client(client, *transport, ctx.clock);
    auto revoked = token_client.revoke(tokens.refresh_token);
    if (revoked) {
        ctx.info(fmt::format("Revoked the OAuth connection of profile '{}'", name));
    } else {
        ctx.warn(
            fmt::format("could not revoke the OAuth connection of profile '{}' ({}); remove it "
                        "in lexoffice under Erweiterungen if it should end",
                        name, revoked.error().message));
    }
}

} // namespace

void run_logout(const LogoutOptions& /*options*/, Context& ctx) {
    const std::string name = ctx.profile_name();
    const auto cred_file = config::credentials_path(ctx.config_file());
    revoke_oauth_connection(ctx, name, cred_file);
    auto removed = credentials::remove(cred_file, name);
    if (!removed) {
        throw Error(ExitCode::config, removed.error().message);
    }
    if (*removed) {
        ctx.info(
            fmt::format("Removed the API key of profile '{}' from {}", name, cred_file.string()));
    } else {
        ctx.info(fmt::format("No API key stored for profile '{}' in {}", name, cred_file.string()));
    }
    if (ctx.env) {
        if (auto v = ctx.env(config::k_env_api_key); v && !v->empty()) {
            ctx.warn("LEXSYNC_API_KEY is set: commands still use that key");
        }
    }
    if (auto it = ctx.config().profiles.find(name);
        it != ctx.config().profiles.end() && it->second.api_key_command) {
        ctx.warn(fmt::format("profile '{}' has api_key_command: commands still get a key from it",
                             name));
    }
}

} // namespace lexsync::commands::auth
