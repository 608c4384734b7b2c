#include "commands/auth/login.hpp"
#include "commands/auth/logout.hpp"
#include "commands/auth/status.hpp"
#include "commands/commands.hpp"

namespace lexsync::commands {

void register_auth(CLI::App& app, Context& ctx) {
    auto* auth = app.add_subcommand("auth", "Connect accounts and show what a profile reaches");
    auth->require_subcommand(1);
    auth::register_login(*auth, ctx);
    auth::register_status(*auth, ctx);
    auth::register_logout(*auth, ctx);
}

} // namespace lexsync::commands
