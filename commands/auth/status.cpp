#include "commands/auth/status.hpp"

#include "cli/output.hpp"
#include "commands/auth/shared/auth_shared.hpp"

#include <ctime>
#include <fmt/format.h>
#include <lexsync/api/error.hpp>
#include <lexsync/api/oauth.hpp>
#include <lexsync/store/credentials.hpp>
#include <lexsync/util/date.hpp>
#include <memory>
#include <vector>

namespace lexsync::commands::auth {

namespace {

// Where the key would have come from, for a profile whose key could not be resolved.
credentials::Source intended_source(Context& ctx, const config::ResolvedProfile& p) {
    if (ctx.env) {
        if (auto v = ctx.env(config::k_env_api_key); v && !v->empty()) {
            return credentials::Source::environment;
        }
    }
    return p.api_key_command ? credentials::Source::command : credentials::Source::file;
}

// Checks one profile and appends its record to `record`; returns whether its key works.
bool check_profile(Context& ctx, const std::string& name, json::Document& record) {
    auto& a = record.GetAllocator();
    json::set(record, "profile", json::str(name, a), a);
    json::set(record, "organizationId", json::Value(rapidjson::kNullType), a);
    json::set(record, "companyName", json::Value(rapidjson::kNullType), a);
    json::set(record, "taxType", json::Value(rapidjson::kNullType), a);
    json::set(record, "smallBusiness", json::Value(rapidjson::kNullType), a);
    json::set(record, "credential", json::Value(rapidjson::kNullType), a);
    json::set(record, "scopes", json::Value(rapidjson::kNullType), a);
    json::set(record, "expiresAt", json::Value(rapidjson::kNullType), a);
    auto finish = [&](const char* source, const std::string& status) {
        json::set(record, "keySource", json::str(source, a), a);
        json::set(record, "status", json::str(status, a), a);
        return status == "ok";
    };

    config::ResolvedProfile profile;
    try {
        profile = resolve_profile(ctx, name, false);
    } catch (const Error& e) {
        return finish("none", std::string("error: ") + e.what());
    }
    auto token = credentials::resolve_token(profile, ctx.env);
    if (!token) {
        return finish(source_name(intended_source(ctx, profile)),
                      "error: " + token.error().message);
    }
    const char* source = source_name(token->second);
    if (token->second == credentials::Source::none || token->first.empty()) {
        return finish(source, "no key");
    }
    std::optional<credentials::OAuthTokens> oauth_tokens;
    if (token->second == credentials::Source::file) {
        auto stored =
            credentials::load_oauth(config::credentials_path(profile.config_file), profile.name);
        if (!stored) {
            return finish(source, "error: " + stored.error().message);
        }
        oauth_tokens = std::move(stored).value();
    }
    json::set(record, "credential", json::str(oauth_tokens ? "oauth" : "api_key", a), a);
    std::shared_ptr<oauth::TokenSource> oauth_source;
    if (oauth_tokens) {
        oauth_source = oauth::make_token_source(
            profile, ctx.env, *oauth_tokens,
            [&ctx, c = client_config_for(ctx, profile, BearerToken{})] {
                return ctx.transport_factory(c);
            },
            ctx.clock);
    }
    auto answer = oauth_source ? fetch_profile_oauth(ctx, profile, oauth_source)
                               : fetch_profile(ctx, profile, token->first);
    if (oauth_source) {
        // After a refresh these are the new tokens' scope and expiry.
        const auto t = oauth_source->tokens();
        json::set(record, "scopes", json::str(t.scope, a), a);
        json::set(record, "expiresAt", json::str(utc_timestamp(t.expires_at), a), a);
    }
    if (!answer) {
        if (oauth_source && answer.error().status == 401) {
            return finish(source, "error: " + answer.error().message);
        }
        if (answer.error().status == 401) {
            return finish(source, "unauthorized");
        }
        return finish(source, "error: " + answer.error().describe());
    }
    const json::Document& org = *answer;
    for (const char* key : {"organizationId", "companyName", "taxType", "smallBusiness"}) {
        if (const json::Value* v = json::find(org, key)) {
            json::set(record, key, json::Value(*v, a), a);
        }
    }
    return finish(source, "ok");
}

} // namespace

void register_status(CLI::App& parent, Context& ctx) {
    auto options = std::make_shared<StatusOptions>();
    auto* cmd = parent.add_subcommand(
        "status", "Show which organisation a profile reaches and where its key comes from");
    cmd->add_flag("--all", options->all, "Check every profile in the config file");
    cmd->footer(R"(Each profile is checked with GET /v1/profile. keySource is env (LEXSYNC_API_KEY),
command (api_key_command), file (credentials.toml) or none; credential is api_key or oauth; for
OAuth connections scopes and expiresAt (of the access token, UTC; an expired one is refreshed by
the check) are shown. status is ok, unauthorized, no key or error: <reason>. Exits with 3 when
any profile checked has no working key.

Examples:
  lexsync auth status
  lexsync auth status --all -o table
  lexsync --profile shop auth status -o json | jq -r '.[0].companyName')");
    cmd->callback([options, &ctx] { run_status(*options, ctx); });
}

void run_status(const StatusOptions& options, Context& ctx) {
    std::vector<std::string> names;
    if (options.all) {
        for (const auto& [name, unused] : ctx.config().profiles) {
            names.push_back(name);
        }
        if (names.empty()) {
            names.emplace_back(config::k_default_profile_name);
        }
    } else {
        names.push_back(ctx.profile().name);
    }

    auto writer = ctx.writer({{"profile", "profile"},
                              {"organizationId", "organizationId"},
                              {"companyName", "companyName"},
                              {"taxType", "taxType"},
                              {"smallBusiness", "smallBusiness"},
                              {"keySource", "keySource"},
                              {"credential", "credential"},
                              {"scopes", "scopes"},
                              {"expiresAt", "expiresAt"},
                              {"status", "status"}});
    std::size_t failed = 0;
    for (const auto& name : names) {
        json::Document record(rapidjson::kObjectType);
        if (!check_profile(ctx, name, record)) {
            ++failed;
        }
        writer->write(record);
    }
    writer->finish();
    ctx.io.out.flush();
    if (failed > 0) {
        throw Error(
            ExitCode::config,
            names.size() == 1
                ? fmt::format("profile '{}' has no working API key", names.front())
                : fmt::format("{} of {} profiles have no working API key", failed, names.size()));
    }
}

} // namespace lexsync::commands::auth
