#include "commands/webhooks/subscribe.hpp"

#include "cli/option_values.hpp"

#include <cctype>
#include <fmt/format.h>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/api/webhook.hpp>
#include <lexsync/util/json.hpp>
#include <lexsync/util/strings.hpp>
#include <memory>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace lexsync::commands::webhooks {

namespace {

std::string subscription_body(const std::string& event, const std::string& url) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("eventType");
    w.String(event);
    w.Key("callbackUrl");
    w.String(url);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

// The id of the existing subscription for `event` and `url`, or "".
std::string existing_id(ApiClient& client, const std::string& event, const std::string& url) {
    auto doc = value_or_throw(client.get_json("/v1/event-subscriptions"), "webhooks subscribe");
    if (const auto* content = json::find(doc, "content"); content && content->IsArray()) {
        for (const auto& s : content->GetArray()) {
            if (json::get_string(s, "eventType").value_or("") == event &&
                json::get_string(s, "callbackUrl").value_or("") == url) {
                return json::get_string(s, "subscriptionId").value_or("");
            }
        }
    }
    return {};
}

} // namespace

void register_subscribe(CLI::App& parent, Context& ctx) {
    auto opts = std::make_shared<SubscribeOptions>();
    auto* cmd = parent.add_subcommand("subscribe", "Subscribe a callback URL to event types");
    cmd->add_option("events", opts->events, "Event types, e.g. invoice.created contact.changed")
        ->required()
        ->check(named_values(webhook::event_types()));
    cmd->add_option("--url", opts->url, "Callback URL (https; lexoffice checks it with HEAD)")
        ->required();
    cmd->footer(wrapped_list("Event types", webhook::event_types()) + R"(

An existing subscription for the same event type and URL is reported with status "exists".

Examples:
  lexsync webhooks subscribe invoice.created invoice.status.changed --url https://hooks.example.com/lexoffice
  lexsync webhooks subscribe contact.changed --url https://hooks.example.com/lexoffice -o table)");
    cmd->callback([opts, &ctx] { run_subscribe(*opts, ctx); });
}

void run_subscribe(const SubscribeOptions& opts, Context& ctx) {
    std::vector<std::string> events;
    for (const auto& e : opts.events) {
        const std::string t = ascii_lower(e);
        if (!webhook::is_event_type(t)) {
            throw Error(ExitCode::usage,
                        fmt::format("unknown event type '{}' (see `lexsync webhooks subscribe "
                                    "--help`)",
                                    e));
        }
        events.push_back(t);
    }
    if (opts.url.rfind("https://", 0) != 0 && opts.url.rfind("http://", 0) != 0) {
        throw Error(ExitCode::usage, "--url must be an https:// URL");
    }
    auto writer = ctx.writer({{"subscriptionId", "subscriptionId"},
                              {"eventType", "eventType"},
                              {"callbackUrl", "callbackUrl"},
                              {"status", "status"}});
    auto& client = ctx.client();
    int created = 0;
    for (const auto& event : events) {
        std::string id;
        std::string status = "created";
        auto r = client.post_json("/v1/event-subscriptions", subscription_body(event, opts.url));
        if (r) {
            id = json::get_string(*r, "id").value_or("");
            ++created;
        } else if (r.error().status == 409) {
            status = "exists";
            id = existing_id(client, event, opts.url);
        } else {
            writer->finish();
            throw_api_error(r.error(), "webhooks subscribe " + event);
        }
        json::Document rec(rapidjson::kObjectType);
        auto& a = rec.GetAllocator();
        rec.AddMember("subscriptionId", json::str(id, a), a);
        rec.AddMember("eventType", json::str(event, a), a);
        rec.AddMember("callbackUrl", json::str(opts.url, a), a);
        rec.AddMember("status", json::str(status, a), a);
        writer->write(rec);
    }
    writer->finish();
    ctx.info(fmt::format("webhooks subscribe: {} created, {} existed", created,
                         events.size() - static_cast<std::size_t>(created)));
}

} // namespace lexsync::commands::webhooks
