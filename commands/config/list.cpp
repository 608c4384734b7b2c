#include "cli/option_values.hpp"
#include "commands/config/config.hpp"

#include <fmt/format.h>
#include <lexsync/api/error.hpp>
#include <lexsync/store/config.hpp>
#include <lexsync/util/json.hpp>

namespace lexsync::commands::config_cmd {

namespace {

// The settings of `p` as records {profile, key, value} (sync jobs as sync.KEY).
void write_settings(RecordWriter& w, const config::ProfileSettings& p) {
    for (const auto& [key, value] : config::profile_settings(p)) {
        json::Document rec(rapidjson::kObjectType);
        auto& a = rec.GetAllocator();
        rec.AddMember("profile", json::str(p.name, a), a);
        rec.AddMember("key", json::str(key, a), a);
        rec.AddMember("value", json::str(value, a), a);
        w.write(rec);
    }
}

} // namespace

void register_list(CLI::App& parent, Context& ctx) {
    auto* cmd = parent.add_subcommand("list", "List the settings of every profile in config.toml");
    cmd->footer(R"(Examples:
  lexsync config list -o table
  lexsync --profile client-b config list -o csv)");
    cmd->callback([&ctx] {
        const auto& file = ctx.config();
        auto writer = ctx.writer({{"profile", "profile"}, {"key", "key"}, {"value", "value"}});
        for (const auto& [name, p] : file.profiles) {
            if (ctx.global.profile.empty() || ctx.global.profile == name) {
                write_settings(*writer, p);
            }
        }
        writer->finish();
    });
}

void register_get(CLI::App& parent, Context& ctx) {
    auto key = std::make_shared<std::string>();
    auto* cmd = parent.add_subcommand(
        "get", "Print one setting of the profile (nothing when it is not set)");
    cmd->add_option("key", *key, "The setting, e.g. base_url or rate_limit")
        ->required()
        ->check(named_values(config::profile_keys()));
    cmd->footer(wrapped_list("Settings", config::profile_keys()) + R"(

Examples:
  lexsync config get base_url
  lexsync --profile client-b config get output)");
    cmd->callback([&ctx, key] {
        const std::string name = ctx.profile_name();
        if (!config::is_profile_key(*key)) {
            throw Error(ExitCode::usage, fmt::format("unknown setting '{}' (known: {})", *key,
                                                     config::profile_keys_text()));
        }
        const auto& profiles = ctx.config().profiles;
        const auto it = profiles.find(name);
        if (it == profiles.end()) {
            return;
        }
        for (const auto& [k, value] : config::profile_settings(it->second)) {
            if (k == *key) {
                ctx.io.out << value << "\n";
            }
        }
    });
}

} // namespace lexsync::commands::config_cmd
