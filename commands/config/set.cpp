#include "cli/option_values.hpp"
#include "commands/config/config.hpp"

#include <fmt/format.h>
#include <fstream>
#include <lexsync/api/error.hpp>
#include <lexsync/store/config.hpp>
#include <lexsync/store/config_edit.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <sstream>

namespace lexsync::commands::config_cmd {

namespace {

// Writes `edited` (the whole new text) to the config file once it reads back without error.
void write_checked(Context& ctx, const std::optional<std::string>& edited) {
    const auto path = ctx.config_file();
    if (!edited) {
        throw Error(ExitCode::config,
                    fmt::format("{} defines the profiles as an inline table or with dotted keys; "
                                "edit it by hand",
                                path.string()));
    }
    if (auto check = config::load_text(*edited, path); !check) {
        throw Error(ExitCode::usage, check.error().message);
    }
    create_private_directories(path.parent_path());
    write_file_atomically(path, *edited, 0600);
}

std::string current_text(Context& ctx) {
    return read_file(ctx.config_file()).value_or("");
}

void require_known(const std::string& key) {
    if (!config::is_profile_key(key)) {
        throw Error(ExitCode::usage, fmt::format("unknown setting '{}' (known: {})", key,
                                                 config::profile_keys_text()));
    }
}

} // namespace

void register_set(CLI::App& parent, Context& ctx) {
    auto kv = std::make_shared<std::pair<std::string, std::string>>();
    auto* set = parent.add_subcommand("set", "Set one setting of the profile in config.toml");
    set->add_option("key", kv->first, "The setting, e.g. base_url or rate_limit")
        ->required()
        ->check(named_values(config::profile_keys()));
    set->add_option("value", kv->second, "Its value")->required();
    set->footer(wrapped_list("Settings", config::profile_keys()) + R"(

Numbers are written as numbers (rate_limit, rate_burst, timeout, rate_limit_wait),
everything else as a string. The file is edited in place and checked before it is written.

Examples:
  lexsync config set output table
  lexsync --profile sandbox config set base_url http://127.0.0.1:8080)");
    set->callback([&ctx, kv] {
        const auto& [key, value] = *kv;
        require_known(key);
        const std::string name = ctx.profile_name();
        (void)ctx.config(); // a file that does not read is reported as it is, not overwritten
        write_checked(ctx, config::set_profile_key(current_text(ctx), name, key,
                                                   config::toml_value_for(key, value)));
        ctx.info(fmt::format("config: {} = {} in profile {} ({})", key, value, name,
                             ctx.config_file().string()));
    });

    auto key = std::make_shared<std::string>();
    auto* unset = parent.add_subcommand("unset", "Remove one setting of the profile");
    unset->add_option("key", *key, "The setting")
        ->required()
        ->check(named_values(config::profile_keys()));
    unset->footer(wrapped_list("Settings", config::profile_keys()) + R"(

Examples:
  lexsync config unset rate_limit)");
    unset->callback([&ctx, key] {
        require_known(*key);
        const std::string name = ctx.profile_name();
        (void)ctx.config();
        write_checked(ctx, config::unset_profile_key(current_text(ctx), name, *key));
        ctx.info(fmt::format("config: {} removed from profile {}", *key, name));
    });
}

} // namespace lexsync::commands::config_cmd
