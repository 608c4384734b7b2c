#include "commands/commands.hpp"

namespace lexsync::commands {

void register_contacts(CLI::App& app, Context& ctx) {
    (void)ctx;
    auto* contacts = app.add_subcommand("contacts", "Pull and push customers and vendors");
    contacts->require_subcommand(1);
}

} // namespace lexsync::commands
