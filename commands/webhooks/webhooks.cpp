#include "commands/commands.hpp"
#include "commands/webhooks/delete.hpp"
#include "commands/webhooks/list.hpp"
#include "commands/webhooks/listen.hpp"
#include "commands/webhooks/subscribe.hpp"

namespace lexsync::commands {

void register_webhooks(CLI::App& app, Context& ctx) {
    auto* webhooks = app.add_subcommand(
        "webhooks", "Subscribe to lexoffice events and receive them (verified) locally");
    webhooks->require_subcommand(1);
    webhooks::register_subscribe(*webhooks, ctx);
    webhooks::register_list(*webhooks, ctx);
    webhooks::register_delete(*webhooks, ctx);
    webhooks::register_listen(*webhooks, ctx);
}

} // namespace lexsync::commands
