#include "commands/auth/logout.hpp"

#include "commands/auth/shared/auth_shared.hpp"

#include <fmt/format.h>
#include <lexsync/credentials.hpp>
#include <lexsync/error.hpp>
#include <memory>

namespace lexsync::commands::auth {

void register_logout(CLI::App& parent, Context& ctx) {
    auto options = std::make_shared<LogoutOptions>();
    auto* cmd = parent.add_subcommand("logout", "Remove the stored API key of a profile");
    cmd->footer(
        R"(Only the key in credentials.toml is removed; the profile stays in config.toml, and
LEXSYNC_API_KEY or an api_key_command still provide a key if set. The key itself stays valid
until you revoke it at https://app.lexware.de/addons/public-api.

Examples:
  lexsync auth logout
  lexsync --profile shop auth logout)");
    cmd->callback([options, &ctx] { run_logout(*options, ctx); });
}

void run_logout(const LogoutOptions& /*options*/, Context& ctx) {
    const std::string name = selected_profile_name(ctx);
    const auto cred_file = config::credentials_path(ctx.config_file());
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
