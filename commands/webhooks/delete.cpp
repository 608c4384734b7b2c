#include "commands/webhooks/delete.hpp"

#include <fmt/format.h>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/util/json.hpp>
#include <memory>

namespace lexsync::commands::webhooks {

void register_delete(CLI::App& parent, Context& ctx) {
    auto opts = std::make_shared<DeleteOptions>();
    auto* cmd = parent.add_subcommand("delete", "Delete event subscriptions by id, or all");
    cmd->add_option("ids", opts->ids, "Subscription ids (see `webhooks list`)");
    cmd->add_flag("--all", opts->all, "Delete every subscription of the account");
    cmd->add_flag("-y,--yes", opts->yes,
                  "Do not ask for confirmation (needed with --all when not on a terminal)");
    cmd->footer(R"(On a terminal the deletion is confirmed first, unless --yes is given. Without a
terminal, ids are deleted as given and --all needs --yes.

Examples:
  lexsync webhooks delete 1d4bf2f5-6b0e-4b5c-9c55-2f1d2a3b4c5d
  lexsync webhooks delete --all --yes)");
    cmd->callback([opts, &ctx] { run_delete(*opts, ctx); });
}

void run_delete(const DeleteOptions& opts, Context& ctx) {
    if (opts.all == !opts.ids.empty()) {
        throw Error(ExitCode::usage, "give subscription ids or --all (not both)");
    }
    auto& client = ctx.client();
    std::vector<std::string> ids = opts.ids;
    if (opts.all) {
        auto doc = value_or_throw(client.get_json("/v1/event-subscriptions"), "webhooks delete");
        if (const auto* content = json::find(doc, "content"); content && content->IsArray()) {
            for (const auto& s : content->GetArray()) {
                if (auto id = json::get_string(s, "subscriptionId")) {
                    ids.push_back(*id);
                }
            }
        }
    }
    if (ids.empty()) {
        ctx.info("webhooks delete: no subscriptions to delete");
        return;
    }
    const std::string question =
        fmt::format("Delete {} event subscription{}{}?", ids.size(), ids.size() == 1 ? "" : "s",
                    opts.all ? " (every subscription of the account)" : "");
    if (!ctx.confirm(question, opts.yes, opts.all)) {
        return;
    }
    for (const auto& id : ids) {
        value_or_throw(client.del("/v1/event-subscriptions/" + url_encode(id)),
                       "webhooks delete " + id);
    }
    ctx.info(fmt::format("webhooks delete: {} subscription{} deleted", ids.size(),
                         ids.size() == 1 ? "" : "s"));
}

} // namespace lexsync::commands::webhooks
