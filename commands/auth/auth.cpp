#include "commands/commands.hpp"

namespace lexsync::commands {

void register_auth(CLI::App& app, Context& ctx) {
    (void)ctx;
    auto* auth = app.add_subcommand("auth", "Connect accounts and show what a profile reaches");
    auth->require_subcommand(1);
}

} // namespace lexsync::commands
