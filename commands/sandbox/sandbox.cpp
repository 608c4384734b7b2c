#include "commands/commands.hpp"
#include "commands/sandbox/seed.hpp"
#include "commands/sandbox/serve.hpp"

namespace lexsync::commands {

void register_sandbox(CLI::App& app, Context& ctx) {
    auto* sandbox = app.add_subcommand("sandbox", "A local emulator of the lexoffice API");
    sandbox->require_subcommand(1);
    sandbox::register_serve(*sandbox, ctx);
    sandbox::register_seed(*sandbox, ctx);
}

} // namespace lexsync::commands
