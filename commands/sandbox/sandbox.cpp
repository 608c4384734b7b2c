#include "commands/commands.hpp"

namespace lexsync::commands {

void register_sandbox(CLI::App& app, Context& ctx) {
    (void)ctx;
    auto* sandbox = app.add_subcommand("sandbox", "A local emulator of the lexoffice API");
    sandbox->require_subcommand(1);
}

} // namespace lexsync::commands
