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

} // namespace lexsync::commands
