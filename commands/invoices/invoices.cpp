#include "commands/commands.hpp"
#include "commands/invoices/export.hpp"
#include "commands/invoices/pull.hpp"

namespace lexsync::commands {

void register_invoices(CLI::App& app, Context& ctx) {
    auto* invoices =
        app.add_subcommand("invoices", "Export invoices into lexoffice and archive what it holds");
    invoices->require_subcommand(1);
    invoices::register_export(*invoices, ctx);
    invoices::register_pull(*invoices, ctx);
}

} // namespace lexsync::commands
