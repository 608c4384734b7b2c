#include "commands/webhooks/list.hpp"

#include <fmt/format.h>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/util/json.hpp>

namespace lexsync::commands::webhooks {

void register_list(CLI::App& parent, Context& ctx) {
    auto* cmd = parent.add_subcommand("list", "List the account's event subscriptions");
    cmd->footer(R"(Examples:
  lexsync webhooks list -o table
  lexsync webhooks list -o ndjson | jq -r .subscriptionId)");
    cmd->callback([&ctx] { run_list(ctx); });
}

void run_list(Context& ctx) {
    auto doc = value_or_throw(ctx.client().get_json("/v1/event-subscriptions"), "webhooks list");
    auto writer = ctx.writer({{"subscriptionId", "subscriptionId"},
                              {"eventType", "eventType"},
                              {"callbackUrl", "callbackUrl"},
                              {"createdDate", "createdDate"}});
    long n = 0;
    if (const auto* content = json::find(doc, "content"); content && content->IsArray()) {
        for (const auto& s : content->GetArray()) {
            writer->write(s);
            ++n;
        }
    }
    writer->finish();
    ctx.info(fmt::format("webhooks list: {} subscription{}", n, n == 1 ? "" : "s"));
}

} // namespace lexsync::commands::webhooks
