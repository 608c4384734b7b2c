#include "commands/commands.hpp"
#include "commands/vouchers/upload.hpp"

namespace lexsync::commands {

void register_vouchers(CLI::App& app, Context& ctx) {
    auto* vouchers =
        app.add_subcommand("vouchers", "Upload receipts and create bookkeeping vouchers");
    vouchers->require_subcommand(1);
    vouchers::register_upload(*vouchers, ctx);
}

} // namespace lexsync::commands
