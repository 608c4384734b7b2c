#include "commands/auth/login.hpp"

#include "cli/output.hpp"
#include "commands/auth/shared/auth_shared.hpp"

#include <fmt/format.h>
#include <lexsync/credentials.hpp>
#include <lexsync/error.hpp>
#include <memory>

namespace lexsync::commands::auth {

void register_login(CLI::App& parent, Context& ctx) {
    auto options = std::make_shared<LoginOptions>();
    auto* cmd = parent.add_subcommand("login", "Check an API key and store it for a profile");
    cmd->add_flag(
        "--with-token", options->with_token,
        "Read the key from the first line of standard input (also the default when stdin is "
        "not a terminal)");
    cmd->footer(R"(The key is never taken from the command line. Create one at
https://app.lexware.de/addons/public-api. It is checked with GET /v1/profile and stored in
credentials.toml (mode 0600) beside the config file; the profile is added to config.toml if it is
not there yet.

Examples:
  lexsync auth login                                # prompts without echo
  lexsync auth login --profile shop < key.txt
  pass show lexoffice | lexsync auth login --with-token
  lexsync --base-url http://127.0.0.1:8080 --profile sandbox auth login --with-token <<< "$KEY")");
    cmd->callback([options, &ctx] { run_login(*options, ctx); });
}

void run_login(const LoginOptions& options, Context& ctx) {
    const std::string name = selected_profile_name(ctx);
    const config::ResolvedProfile profile = resolve_profile(ctx, name, true);
    const BearerToken token = read_api_key(ctx, options.with_token || !ctx.io.in_is_tty);

    auto answer = fetch_profile(ctx, profile, token);
    if (!answer) {
        if (answer.error().status == 401) {
            throw Error(
                ExitCode::config,
                fmt::format("the API refused this key (401 Unauthorized at {}); nothing was stored",
                            profile.base_url));
        }
        throw_api_error(answer.error(), "checking the key with GET /v1/profile");
    }
    const json::Document& org = *answer;

    const auto cred_file = config::credentials_path(ctx.config_file());
    if (auto stored = credentials::store(cred_file, name, token); !stored) {
        throw Error(ExitCode::config, stored.error().message);
    }
    if (ctx.config().profiles.count(name) == 0) {
        config::ProfileSettings settings;
        settings.name = name;
        if (!ctx.global.base_url.empty()) {
            settings.base_url = ctx.global.base_url;
        } else if (auto env_url = ctx.env ? ctx.env(config::k_env_base_url) : std::nullopt;
                   env_url && !env_url->empty()) {
            settings.base_url = *env_url;
        }
        if (auto saved = config::save_profile(ctx.config_file(), settings); !saved) {
            throw Error(ExitCode::config, saved.error().message);
        }
        ctx.info(fmt::format("Added profile '{}' to {}", name, ctx.config_file().string()));
    }

    const std::string company = json::get_string(org, "companyName").value_or("");
    const std::string org_id = json::get_string(org, "organizationId").value_or("");
    json::Document record(rapidjson::kObjectType);
    auto& a = record.GetAllocator();
    json::set(record, "profile", json::str(name, a), a);
    json::set(record, "organizationId", json::str(org_id, a), a);
    json::set(record, "companyName", json::str(company, a), a);
    json::set(record, "taxType", json::str(json::get_string(org, "taxType").value_or(""), a), a);
    auto writer = make_record_writer(ctx.output_format(), ctx.io.out,
                                     {{"profile", "profile"},
                                      {"organizationId", "organizationId"},
                                      {"companyName", "companyName"},
                                      {"taxType", "taxType"}});
    writer->write(record);
    writer->finish();

    ctx.info(fmt::format("Logged in to {} ({}) as profile '{}'; key stored in {}", company, org_id,
                         name, cred_file.string()));
    if (ctx.env) {
        if (auto env_key = ctx.env(config::k_env_api_key); env_key && !env_key->empty()) {
            ctx.warn("LEXSYNC_API_KEY is set and takes precedence over the stored key");
        }
    }
    if (profile.api_key_command) {
        ctx.warn(fmt::format(
            "profile '{}' has api_key_command, which takes precedence over the stored key", name));
    }
}

} // namespace lexsync::commands::auth
