#include "commands/auth/login.hpp"

#include "cli/output.hpp"
#include "commands/auth/shared/auth_shared.hpp"

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <lexsync/api/error.hpp>
#include <lexsync/api/oauth.hpp>
#include <lexsync/store/credentials.hpp>
#include <lexsync/util/date.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace lexsync::commands::auth {

void register_login(CLI::App& parent, Context& ctx) {
    auto options = std::make_shared<LoginOptions>();
    auto* cmd = parent.add_subcommand(
        "login", "Check an API key (or connect with OAuth) and store it for a profile");
    cmd->add_flag(
        "--with-token", options->with_token,
        "Read the key from the first line of standard input (also the default when stdin is "
        "not a terminal)");
    cmd->add_flag("--oauth", options->oauth,
                  "Connect with OAuth as a partner application (client id and secret from the "
                  "profile or LEXSYNC_OAUTH_CLIENT_ID/_SECRET) instead of an API key");
    cmd->add_flag("--no-browser", options->no_browser,
                  "With --oauth: only print the authorization URL and read the redirect URL (or "
                  "the code) from standard input, for machines without a browser");
    cmd->add_option("--scopes", options->scopes,
                    "With --oauth: the scopes to ask for, comma- or space-separated (default: "
                    "what every lexsync command needs; see lexsync-auth(1))");
    cmd->footer(R"(The key is never taken from the command line. Create one at
https://app.lexware.de/addons/public-api. It is checked with GET /v1/profile and stored in
credentials.toml (mode 0600) beside the config file; the profile is added to config.toml if it is
not there yet.

With --oauth, lexsync opens the authorization page (xdg-open; the URL is printed too) and
receives the answer on http://127.0.0.1:<free port>/callback; with --no-browser, open the URL
anywhere, then paste the address the browser was sent to (it may show an error page). The
access and refresh tokens are stored in credentials.toml and refreshed automatically.

Examples:
  lexsync auth login                                # prompts without echo
  lexsync --profile partner auth login --oauth
  lexsync --profile partner auth login --oauth --no-browser --scopes contacts.read,profile.read
  lexsync auth login --profile shop < key.txt
  pass show lexoffice | lexsync auth login --with-token
  lexsync --base-url http://127.0.0.1:8080 --profile sandbox auth login --with-token <<< "$KEY")");
    cmd->callback([options, &ctx] { run_login(*options, ctx); });
}

void run_login(const LoginOptions& options, Context& ctx) {
    if (options.oauth) {
        run_oauth_login(options, ctx);
        return;
    }
    if (options.no_browser || !options.scopes.empty()) {
        throw Error(ExitCode::usage, "--no-browser and --scopes need --oauth");
    }
    const std::string name = ctx.profile_name();
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
    note_account(ctx, profile, org);

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
    } else if (!ctx.global.base_url.empty() &&
               ctx.config().profiles.at(name).base_url != ctx.global.base_url) {
        // --base-url given at login is where this key works: the profile keeps it (edited in
        // place, the file's other lines stay).
        config::ProfileSettings settings = ctx.config().profiles.at(name);
        settings.base_url = ctx.global.base_url;
        if (auto saved = config::save_profile(ctx.config_file(), settings); !saved) {
            throw Error(ExitCode::config, saved.error().message);
        }
        ctx.info(fmt::format("Saved base_url {} for profile '{}' in {}", ctx.global.base_url, name,
                             ctx.config_file().string()));
    }

    const std::string company = json::get_string(org, "companyName").value_or("");
    const std::string org_id = json::get_string(org, "organizationId").value_or("");
    json::Document record(rapidjson::kObjectType);
    auto& a = record.GetAllocator();
    json::set(record, "profile", json::str(name, a), a);
    json::set(record, "organizationId", json::str(org_id, a), a);
    json::set(record, "companyName", json::str(company, a), a);
    json::set(record, "taxType", json::str(json::get_string(org, "taxType").value_or(""), a), a);
    auto writer = ctx.writer({{"profile", "profile"},
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

namespace {

// Waits for one authorization answer on http://127.0.0.1:<port>/callback. Answers with a wrong
// state are refused and ignored (they cannot come from our request); the first answer with the
// right state is taken and the receiver closes.
class LoopbackReceiver {
public:
    explicit LoopbackReceiver(std::string state) : m_state(std::move(state)) {
        m_server.Get(
            oauth::k_callback_path,
            [this](const httplib::Request& req, httplib::Response& res) { on_callback(req, res); });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        if (m_port <= 0) {
            throw Error(ExitCode::error, "cannot listen on 127.0.0.1 for the OAuth redirect");
        }
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
    }
    LoopbackReceiver(const LoopbackReceiver&) = delete;
    LoopbackReceiver& operator=(const LoopbackReceiver&) = delete;
    ~LoopbackReceiver() { close(); }

    std::string redirect_uri() const {
        return "http://127.0.0.1:" + std::to_string(m_port) + oauth::k_callback_path;
    }

    // The answer, or nullopt after `timeout`.
    std::optional<oauth::CallbackParams> wait(std::chrono::seconds timeout) {
        std::unique_lock lock(m_mutex);
        m_cv.wait_for(lock, timeout, [this] { return m_result.has_value(); });
        return m_result;
    }

    void close() {
        if (m_thread.joinable()) {
            while (!m_server.is_running() && m_thread.joinable()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                if (m_server.is_running()) {
                    break;
                }
            }
            m_server.stop();
            m_thread.join();
        }
    }

private:
    void on_callback(const httplib::Request& req, httplib::Response& res) {
        oauth::CallbackParams p;
        p.code = req.get_param_value("code");
        p.state = req.get_param_value("state");
        p.error = req.get_param_value("error");
        p.error_description = req.get_param_value("error_description");
        std::lock_guard lock(m_mutex);
        if (p.state != m_state || m_result) {
            res.status = 400;
            res.set_content("This authorization answer does not belong to the running lexsync "
                            "login (or came twice).\n",
                            "text/plain; charset=utf-8");
            return;
        }
        m_result = std::move(p);
        res.set_content(m_result->error.empty()
                            ? "lexsync received the authorization. You can close this window.\n"
                            : "The authorization was refused. You can close this window.\n",
                        "text/plain; charset=utf-8");
        m_cv.notify_all();
    }

    std::string m_state;
    httplib::Server m_server;
    int m_port = 0;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::optional<oauth::CallbackParams> m_result;
};

// Starts xdg-open on `url` without waiting for it; false when it cannot be started.
bool open_with_xdg_open(const std::string& url) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    std::string prog = "xdg-open";
    std::string arg = url;
    char* argv[] = {prog.data(), arg.data(), nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, "xdg-open", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        return false;
    }
    // Reaped later if it is still running; xdg-open hands over to the browser and exits.
    int status = 0;
    for (int i = 0; i < 20; ++i) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            return WIFEXITED(status) && WEXITSTATUS(status) == 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

// The OAuth client of `profile`, its secret asked for once (before anything happens in the
// browser).
oauth::ClientSettings client_with_secret(const config::ResolvedProfile& profile, Context& ctx,
                                         const std::string& name) {
    oauth::ClientSettings client = oauth::resolve_client(profile, ctx.env);
    if (client.client_id.empty()) {
        throw Error(ExitCode::config,
                    fmt::format("no OAuth client id for profile '{}': set {} or {} in the profile",
                                name, oauth::k_env_client_id, config::k_oauth_client_id));
    }
    // Ask for the secret once, before anything happens in the browser.
    auto secret = client.secret();
    if (!secret) {
        throw Error(ExitCode::config, secret.error().message);
    }
    client.secret = [s = std::move(secret).value()]() -> Result<BearerToken, oauth::OAuthError> {
        return s;
    };

    return client;
}

// The authorization's answer and the redirect URI it was asked with.
struct Authorization {
    oauth::CallbackParams answer;
    std::string redirect_uri;
};

// Sends the person to the authorization page (a browser and a loopback receiver, or with
// --no-browser an address to open and the redirect URL pasted back) and returns the answer;
// throws when it was refused, timed out or belongs to another request.
Authorization authorize(const LoginOptions& options, Context& ctx,
                        const oauth::ClientSettings& client, const std::vector<std::string>& scopes,
                        const std::string& verifier, const std::string& state) {
    Authorization out;
    std::unique_ptr<LoopbackReceiver> receiver;
    std::string& redirect_uri = out.redirect_uri;
    if (options.no_browser) {
        // Nothing listens: the user copies the address the browser was sent to.
        httplib::Server probe;
        const int port = probe.bind_to_any_port("127.0.0.1");
        redirect_uri =
            "http://127.0.0.1:" + std::to_string(port > 0 ? port : 8976) + oauth::k_callback_path;
    } else {
        receiver = std::make_unique<LoopbackReceiver>(state);
        redirect_uri = receiver->redirect_uri();
    }
    oauth::AuthorizeRequest request;
    request.base_url = client.base_url;
    request.client_id = client.client_id;
    request.redirect_uri = redirect_uri;
    request.state = state;
    request.scopes = scopes;
    request.code_challenge = oauth::code_challenge_s256(verifier);
    const std::string url = oauth::authorize_url(request);

    oauth::CallbackParams& answer = out.answer;
    if (options.no_browser) {
        ctx.io.err << "Open this address in a browser, allow the connection, then paste the "
                      "address the browser was sent to (or just its code):\n\n  "
                   << url << "\n\n"
                   << "Redirect URL or code: " << std::flush;
        std::string line;
        std::getline(ctx.io.in, line);
        auto parsed = oauth::parse_callback(line);
        if (!parsed) {
            throw Error(ExitCode::config, "auth login --oauth: " + parsed.error());
        }
        answer = std::move(parsed).value();
        if (!answer.state.empty() && answer.state != state) {
            throw Error(ExitCode::config,
                        "auth login --oauth: the redirect URL belongs to another authorization "
                        "request (state differs); nothing was stored");
        }
    } else {
        const bool opened = ctx.open_browser ? ctx.open_browser(url) : open_with_xdg_open(url);
        ctx.io.err << (opened ? "Opened your browser. If it did not show up, open this address:"
                              : "Open this address in a browser:")
                   << "\n\n  " << url << "\n\nWaiting for the authorization (5 minutes)…\n"
                   << std::flush;
        auto got = receiver->wait(std::chrono::seconds(300));
        receiver->close();
        if (!got) {
            throw Error(ExitCode::config,
                        "auth login --oauth: no authorization arrived within 5 minutes");
        }
        answer = std::move(*got);
    }
    if (!answer.error.empty()) {
        throw Error(
            ExitCode::config,
            fmt::format("the authorization was refused ({}{}); nothing was stored", answer.error,
                        answer.error_description.empty() ? "" : ": " + answer.error_description));
    }

    return out;
}

// Adds profile `name` to the config file when it is new, with the base URL and OAuth client it
// was connected with.
void save_new_profile(Context& ctx, const std::string& name, const oauth::ClientSettings& client) {
    if (ctx.config().profiles.count(name) == 0) {
        config::ProfileSettings settings;
        settings.name = name;
        if (!ctx.global.base_url.empty()) {
            settings.base_url = ctx.global.base_url;
        } else if (auto env_url = ctx.env ? ctx.env(config::k_env_base_url) : std::nullopt;
                   env_url && !env_url->empty()) {
            settings.base_url = *env_url;
        }
        settings.oauth_client_id = client.client_id;
        if (client.base_url != oauth::k_default_base_url) {
            settings.oauth_base_url = client.base_url;
        }
        if (auto saved = config::save_profile(ctx.config_file(), settings); !saved) {
            throw Error(ExitCode::config, saved.error().message);
        }
        ctx.info(fmt::format("Added profile '{}' to {}", name, ctx.config_file().string()));
    }
}

// The record of the connection on stdout and the line for people on stderr.
void write_connection(Context& ctx, const std::string& name, const json::Document& org,
                      const credentials::OAuthTokens& tokens,
                      const std::filesystem::path& cred_file) {
    const std::string company = json::get_string(org, "companyName").value_or("");
    const std::string org_id = json::get_string(org, "organizationId").value_or("");
    json::Document record(rapidjson::kObjectType);
    auto& a = record.GetAllocator();
    json::set(record, "profile", json::str(name, a), a);
    json::set(record, "organizationId", json::str(org_id, a), a);
    json::set(record, "companyName", json::str(company, a), a);
    json::set(record, "taxType", json::str(json::get_string(org, "taxType").value_or(""), a), a);
    json::set(record, "credential", json::str("oauth", a), a);
    json::set(record, "scopes", json::str(tokens.scope, a), a);
    json::set(record, "expiresAt", json::str(utc_timestamp(tokens.expires_at), a), a);
    auto writer = ctx.writer({{"profile", "profile"},
                              {"organizationId", "organizationId"},
                              {"companyName", "companyName"},
                              {"taxType", "taxType"},
                              {"credential", "credential"},
                              {"scopes", "scopes"},
                              {"expiresAt", "expiresAt"}});
    writer->write(record);
    writer->finish();
    ctx.info(fmt::format("Connected {} ({}) with OAuth as profile '{}'; tokens stored in {}",
                         company, org_id, name, cred_file.string()));
}

// Says when another credential of the profile takes precedence over the new connection.
void warn_precedence(Context& ctx, const config::ResolvedProfile& profile,
                     const std::string& name) {
    if (ctx.env) {
        if (auto env_key = ctx.env(config::k_env_api_key); env_key && !env_key->empty()) {
            ctx.warn("LEXSYNC_API_KEY is set and takes precedence over the OAuth connection");
        }
    }
    if (profile.api_key_command) {
        ctx.warn(fmt::format("profile '{}' has api_key_command, which takes precedence over the "
                             "OAuth connection",
                             name));
    }
}

} // namespace

void run_oauth_login(const LoginOptions& options, Context& ctx) {
    if (options.with_token) {
        throw Error(ExitCode::usage, "--with-token is for API keys; --oauth reads no key");
    }
    const std::string name = ctx.profile_name();
    const config::ResolvedProfile profile = resolve_profile(ctx, name, true);
    const oauth::ClientSettings client = client_with_secret(profile, ctx, name);
    const std::vector<std::string> scopes =
        options.scopes.empty() ? oauth::default_scopes() : oauth::parse_scopes(options.scopes);
    if (scopes.empty()) {
        throw Error(ExitCode::usage, "--scopes lists no scope");
    }
    const std::string verifier = oauth::make_code_verifier();
    const std::string state = oauth::random_urlsafe(24);

    const Authorization auth = authorize(options, ctx, client, scopes, verifier, state);
    const oauth::CallbackParams& answer = auth.answer;
    const std::string& redirect_uri = auth.redirect_uri;

    const ClientConfig c = client_config_for(ctx, profile, BearerToken{});
    auto transport = ctx.transport_factory(c);
    oauth::TokenClient tokens_client(client, *transport, ctx.clock);
    auto tokens = tokens_client.exchange_code(answer.code, redirect_uri, verifier);
    if (!tokens) {
        throw Error(tokens.error().exit_code(),
                    fmt::format("exchanging the authorization code failed: {}; nothing was stored",
                                tokens.error().message));
    }
    if (tokens->refresh_token.empty()) {
        throw Error(ExitCode::config,
                    "the authorization server issued no refresh token; nothing was stored");
    }
    if (tokens->scope.empty()) {
        tokens->scope = oauth::join_scopes(scopes);
    }

    json::Document org(rapidjson::kObjectType);
    auto checked = fetch_profile(ctx, profile, tokens->access_token);
    if (checked) {
        org = std::move(checked).value();
        note_account(ctx, profile, org);
    } else if (checked.error().status == 403) {
        ctx.warn("the connection has no profile.read scope: cannot show the organisation");
    } else {
        throw_api_error(checked.error(), "checking the new access token with GET /v1/profile");
    }

    const auto cred_file = config::credentials_path(ctx.config_file());
    if (auto stored = credentials::store_oauth(cred_file, name, *tokens); !stored) {
        throw Error(ExitCode::config, stored.error().message);
    }
    save_new_profile(ctx, name, client);
    write_connection(ctx, name, org, *tokens, cred_file);
    warn_precedence(ctx, profile, name);
}

} // namespace lexsync::commands::auth
