#include "commands/commands.hpp"
#include "commands/transactions/export.hpp"

namespace lexsync::commands {

void register_transactions(CLI::App& app, Context& ctx) {
    auto* transactions = app.add_subcommand(
        "transactions", "Export card and payment-provider transactions into lexoffice");
    transactions->require_subcommand(1);
    transactions::register_export(*transactions, ctx);
}

} // namespace lexsync::commands
