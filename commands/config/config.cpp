#include "commands/config/config.hpp"

#include "commands/commands.hpp"

namespace lexsync::commands {

void register_config(CLI::App& app, Context& ctx) {
    auto* config = app.add_subcommand(
        "config", "Show and change profile settings in config.toml (comments are kept)");
    config->require_subcommand(1);
    config_cmd::register_list(*config, ctx);
    config_cmd::register_get(*config, ctx);
    config_cmd::register_set(*config, ctx);
}

namespace config_cmd {

std::string profile_name(Context& ctx) {
    if (!ctx.global.profile.empty()) {
        return ctx.global.profile;
    }
    if (auto v = ctx.env ? ctx.env(config::k_env_profile) : std::nullopt; v && !v->empty()) {
        return *v;
    }
    if (ctx.config().default_profile) {
        return *ctx.config().default_profile;
    }
    return config::k_default_profile_name;
}

} // namespace config_cmd

} // namespace lexsync::commands
