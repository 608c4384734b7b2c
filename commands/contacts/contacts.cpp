#include "commands/commands.hpp"
#include "commands/contacts/pull.hpp"
#include "commands/contacts/push.hpp"

namespace lexsync::commands {

void register_contacts(CLI::App& app, Context& ctx) {
    auto* contacts = app.add_subcommand("contacts", "Pull and push customers and vendors");
    contacts->require_subcommand(1);
    contacts::register_pull(*contacts, ctx);
    contacts::register_push(*contacts, ctx);
}

} // namespace lexsync::commands
