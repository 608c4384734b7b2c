#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <lexsync/api/oauth.hpp>
#include <lexsync/http/rate_limiter.hpp>
#include <lexsync/http/retry.hpp>
#include <lexsync/http/wrappers.hpp>
#include <lexsync/util/encoding.hpp>
#include <lexsync/util/http_text.hpp>
#include <lexsync/util/json.hpp>
#include <lexsync/util/safe_text.hpp>
#include <lexsync/util/strings.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <set>
#include <stdexcept>

namespace lexsync::oauth {

namespace {

std::int64_t unix_seconds(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

OAuthError make_error(OAuthError::Kind kind, std::string message, int status = 0,
                      std::string code = {}) {
    OAuthError e;
    e.kind = kind;
    e.status = status;
    e.error = std::move(code);
    e.message = std::move(message);
    return e;
}

// Only these characters appear in the OAuth error fields we repeat (RFC 6749 §5.2 allows
// printable ASCII); anything else is dropped so that an odd answer cannot smuggle text.
std::string printable(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c >= 0x20 && c < 0x7f) {
            out += c;
        }
        if (out.size() >= 200) {
            break;
        }
    }
    return out;
}

OAuthError error_from_answer(const http::Response& r) {
    OAuthError e;
    e.status = r.status;
    auto parsed = json::parse(r.body);
    if (parsed && parsed->IsObject()) {
        e.error = printable(json::get_string(*parsed, "error").value_or(""));
        const std::string description =
            printable(json::get_string(*parsed, "error_description").value_or(""));
        if (!e.error.empty()) {
            e.message = description.empty() ? e.error : e.error + ": " + description;
        }
    }
    if (e.message.empty()) {
        e.message = fmt::format("the authorization server answered HTTP {}", r.status);
    }
    e.message = redact(e.message);
    if (e.error == "invalid_grant") {
        e.kind = OAuthError::Kind::invalid_grant;
    } else if (e.error == "invalid_client" || e.error == "unauthorized_client" || r.status == 401) {
        e.kind = OAuthError::Kind::client;
    } else {
        e.kind = OAuthError::Kind::other;
    }
    return e;
}

std::string strip_trailing_slash(std::string s) {
    while (!s.empty() && s.back() == '/') {
        s.pop_back();
    }
    return s;
}

} // namespace

// --- PKCE ---

std::string random_urlsafe(std::size_t bytes) {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
        throw std::runtime_error("the system random generator failed");
    }
    std::string out = base64url_encode(raw);
    wipe_secret(raw);
    return out;
}

std::string make_code_verifier() {
    return random_urlsafe(32);
}

std::string code_challenge_s256(std::string_view verifier) {
    return base64url_encode(sha256(verifier));
}

// --- Scopes ---

const std::vector<CommandScopes>& command_scopes() {
    // API reference §1.4. Reference data (countries, payment conditions, posting categories) and
    // event subscriptions need no scope.
    static const std::vector<CommandScopes> k_table = {
        {"auth login, auth status, doctor", {"profile.read"}},
        {"contacts pull", {"contacts.read"}},
        {"contacts push", {"contacts.read", "contacts.write"}},
        {"invoices pull",
         {"contacts.read", "credit-notes.read", "files.read", "invoices.read", "payments.read",
          "voucherlist.read", "vouchers.read"}},
        {"invoices export",
         {"contacts.read", "contacts.write", "invoices.read", "invoices.write", "voucherlist.read",
          "vouchers.read", "vouchers.write"}},
        {"vouchers upload", {"files.write", "vouchers.read", "vouchers.write"}},
        {"transactions export",
         {"finance.read", "finance.write", "transaction-assignment-hint.write", "vouchers.read",
          "vouchers.write", "files.write"}},
        {"webhooks", {}},
        {"sync",
         {"contacts.read", "credit-notes.read", "invoices.read", "payments.read",
          "voucherlist.read", "vouchers.read"}},
    };
    return k_table;
}

std::vector<std::string> default_scopes() {
    std::set<std::string> all;
    for (const auto& row : command_scopes()) {
        all.insert(row.scopes.begin(), row.scopes.end());
    }
    return {all.begin(), all.end()};
}

std::vector<std::string> parse_scopes(std::string_view text) {
    std::vector<std::string> out;
    std::string cur;
    auto flush = [&] {
        if (!cur.empty() && std::find(out.begin(), out.end(), cur) == out.end()) {
            out.push_back(cur);
        }
        cur.clear();
    };
    for (char c : text) {
        if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            flush();
        } else {
            cur += c;
        }
    }
    flush();
    return out;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
    std::string out;
    for (const auto& s : scopes) {
        if (!out.empty()) {
            out += ' ';
        }
        out += s;
    }
    return out;
}

// --- Authorization request and callback ---

std::string authorize_url(const AuthorizeRequest& r) {
    std::vector<std::pair<std::string, std::string>> q = {
        {"client_id", r.client_id},
        {"redirect_uri", r.redirect_uri},
        {"response_type", "code"},
        {"state", r.state},
    };
    if (!r.scopes.empty()) {
        q.emplace_back("scope", join_scopes(r.scopes));
    }
    q.emplace_back("code_challenge", r.code_challenge);
    q.emplace_back("code_challenge_method", "S256");
    if (!r.connection_name.empty()) {
        q.emplace_back("connection_name", r.connection_name);
    }
    return strip_trailing_slash(r.base_url) + "/oauth2/authorize?" + form_encode(q);
}

Result<CallbackParams, std::string> parse_callback(std::string_view input) {
    const std::string text = trim(input);
    if (text.empty()) {
        return unexpected(std::string("no code or redirect URL given"));
    }
    std::string_view query = text;
    const auto qmark = query.find('?');
    const bool looks_like_query =
        qmark != std::string_view::npos || query.find('=') != std::string_view::npos;
    if (!looks_like_query) {
        // A bare code: the characters the service uses (RFC 6749 allows printable ASCII).
        for (char c : text) {
            if (c <= 0x20 || c >= 0x7f || c == '&' || c == '#') {
                return unexpected(std::string("this is neither a code nor a redirect URL"));
            }
        }
        CallbackParams p;
        p.code = text;
        return p;
    }
    if (qmark != std::string_view::npos) {
        query.remove_prefix(qmark + 1);
    }
    if (const auto hash = query.find('#'); hash != std::string_view::npos) {
        query = query.substr(0, hash);
    }
    CallbackParams p;
    for (auto& [key, value] : form_pairs(query)) {
        if (key == "code") {
            p.code = std::move(value);
        } else if (key == "state") {
            p.state = std::move(value);
        } else if (key == "error") {
            p.error = printable(value);
        } else if (key == "error_description") {
            p.error_description = printable(value);
        }
    }
    if (p.code.empty() && p.error.empty()) {
        return unexpected(std::string("the redirect URL carries neither a code nor an error"));
    }
    return p;
}

// --- Token endpoint ---

ExitCode OAuthError::exit_code() const {
    return kind == Kind::network ? ExitCode::network : ExitCode::config;
}

ClientSettings resolve_client(const config::ResolvedProfile& profile,
                              const config::EnvLookup& env) {
    ClientSettings s;
    auto from_env = [&](const char* name) -> std::optional<std::string> {
        if (!env) {
            return std::nullopt;
        }
        auto v = env(name);
        if (v && !trim(*v).empty()) {
            return trim(*v);
        }
        return std::nullopt;
    };
    if (auto v = from_env(k_env_client_id)) {
        s.client_id = *v;
    } else if (profile.oauth_client_id) {
        s.client_id = *profile.oauth_client_id;
    }
    if (auto v = from_env(k_env_base_url)) {
        s.base_url = *v;
    } else if (profile.oauth_base_url) {
        s.base_url = *profile.oauth_base_url;
    } else {
        s.base_url = k_default_base_url;
    }
    s.base_url = strip_trailing_slash(s.base_url);
    const std::optional<std::string> command = profile.oauth_client_secret_command;
    const std::string name = profile.name;
    const config::EnvLookup env_copy = env;
    s.secret = [command, name, env_copy]() -> Result<BearerToken, OAuthError> {
        if (env_copy) {
            if (auto v = env_copy(k_env_client_secret)) {
                std::string secret = trim(*v);
                wipe_secret(*v);
                if (!secret.empty()) {
                    BearerToken t(secret);
                    wipe_secret(secret);
                    return t;
                }
            }
        }
        if (command) {
            auto out = credentials::run_secret_command(
                *command, fmt::format("oauth_client_secret_command of profile '{}'", name));
            if (!out) {
                return unexpected(make_error(OAuthError::Kind::config, out.error().message));
            }
            return std::move(out).value();
        }
        return unexpected(make_error(
            OAuthError::Kind::config,
            fmt::format("no OAuth client secret for profile '{}': set {} or the profile's {}", name,
                        k_env_client_secret, config::k_oauth_client_secret_command)));
    };
    return s;
}

TokenClient::TokenClient(ClientSettings settings, http::Transport& transport, Clock& clock)
    : m_settings(std::move(settings)), m_transport(transport), m_clock(clock) {}

Result<credentials::OAuthTokens, OAuthError> TokenClient::token_request(std::string body) {
    if (m_settings.client_id.empty()) {
        wipe_secret(body);
        return unexpected(make_error(OAuthError::Kind::config,
                                     fmt::format("no OAuth client id: set {} or the profile's {}",
                                                 k_env_client_id, config::k_oauth_client_id)));
    }
    auto secret = m_settings.secret ? m_settings.secret()
                                    : Result<BearerToken, OAuthError>(unexpected(make_error(
                                          OAuthError::Kind::config, "no OAuth client secret")));
    if (!secret) {
        wipe_secret(body);
        return unexpected(std::move(secret).error());
    }
    http::Request req;
    req.method = http::Method::post;
    req.url = m_settings.base_url + "/oauth2/token";
    std::string credentials = url_encode(m_settings.client_id) + ":" + url_encode(secret->reveal());
    std::string basic = "Basic " + base64_encode(credentials);
    wipe_secret(credentials);
    req.headers.set("Authorization", basic);
    wipe_secret(basic);
    req.headers.set("Content-Type", "application/x-www-form-urlencoded");
    req.headers.set("Accept", "application/json");
    req.headers.set("User-Agent", "lexsync/" LEXSYNC_VERSION);
    req.body = std::move(body);
    const auto now = m_clock.now();
    auto answer = m_transport.send(req);
    wipe_secret(req.body);
    req.headers.wipe("authorization");
    if (!answer) {
        return unexpected(make_error(OAuthError::Kind::network,
                                     fmt::format("cannot reach the authorization server {}: {}",
                                                 m_settings.base_url, answer.error().message)));
    }
    if (!answer->ok()) {
        return unexpected(error_from_answer(*answer));
    }
    auto parsed = json::parse(answer->body);
    wipe_secret(answer->body);
    if (!parsed || !parsed->IsObject()) {
        return unexpected(make_error(OAuthError::Kind::other,
                                     "the authorization server answered with invalid JSON",
                                     answer->status));
    }
    credentials::OAuthTokens t;
    auto access = json::get_string(*parsed, "access_token");
    auto refresh = json::get_string(*parsed, "refresh_token");
    if (!access || access->empty()) {
        return unexpected(make_error(OAuthError::Kind::other,
                                     "the token answer has no access_token", answer->status));
    }
    t.access_token = BearerToken(*access);
    wipe_secret(*access);
    if (refresh) {
        t.refresh_token = BearerToken(*refresh);
        wipe_secret(*refresh);
    }
    t.obtained_at = unix_seconds(now);
    const std::int64_t expires_in = json::get_int(*parsed, "expires_in").value_or(3600);
    t.expires_at = t.obtained_at + std::max<std::int64_t>(0, expires_in);
    t.scope = json::get_string(*parsed, "scope").value_or("");
    t.client_id = m_settings.client_id;
    // The parsed document still holds copies; wipe its strings before it is freed.
    for (auto& m : parsed->GetObject()) {
        if (m.value.IsString() && m.value.GetStringLength() > 0) {
            OPENSSL_cleanse(const_cast<char*>(m.value.GetString()), m.value.GetStringLength());
        }
    }
    return t;
}

Result<credentials::OAuthTokens, OAuthError>
TokenClient::exchange_code(const std::string& code, const std::string& redirect_uri,
                           const std::string& code_verifier) {
    return token_request(form_encode({{"grant_type", "authorization_code"},
                                      {"code", code},
                                      {"redirect_uri", redirect_uri},
                                      {"code_verifier", code_verifier}}));
}

Result<credentials::OAuthTokens, OAuthError> TokenClient::refresh(const BearerToken& token) {
    auto t = token_request(
        form_encode({{"grant_type", "refresh_token"}, {"refresh_token", token.reveal()}}));
    if (t && t->refresh_token.empty()) {
        // OAuth 2.0 servers may keep the refresh token; the service always rotates it.
        t->refresh_token = token;
    }
    return t;
}

Result<Ok, OAuthError> TokenClient::revoke(const BearerToken& token) {
    if (m_settings.client_id.empty() || !m_settings.secret) {
        return unexpected(make_error(OAuthError::Kind::config, "no OAuth client id"));
    }
    auto secret = m_settings.secret();
    if (!secret) {
        return unexpected(std::move(secret).error());
    }
    http::Request req;
    req.method = http::Method::post;
    req.url = m_settings.base_url + "/oauth2/revoke";
    std::string credentials = url_encode(m_settings.client_id) + ":" + url_encode(secret->reveal());
    req.headers.set("Authorization", "Basic " + base64_encode(credentials));
    wipe_secret(credentials);
    req.headers.set("Content-Type", "application/x-www-form-urlencoded");
    req.headers.set("User-Agent", "lexsync/" LEXSYNC_VERSION);
    req.body = form_encode({{"token", token.reveal()}});
    auto answer = m_transport.send(req);
    wipe_secret(req.body);
    if (!answer) {
        return unexpected(make_error(OAuthError::Kind::network, answer.error().message));
    }
    if (!answer->ok()) {
        return unexpected(error_from_answer(*answer));
    }
    return Ok{};
}

bool needs_refresh(const credentials::OAuthTokens& t, Clock::time_point now) {
    if (t.access_token.empty()) {
        return true;
    }
    const std::int64_t lifetime = std::max<std::int64_t>(0, t.expires_at - t.obtained_at);
    const std::int64_t margin = std::min<std::int64_t>(k_refresh_margin_seconds, lifetime / 10);
    return unix_seconds(now) >= t.expires_at - margin;
}

// --- TokenSource ---

TokenSource::TokenSource(std::filesystem::path credentials_file, std::string profile,
                         credentials::OAuthTokens tokens, ClientSettings client,
                         TransportFactory token_transport, Clock& clock)
    : m_file(std::move(credentials_file)), m_profile(std::move(profile)),
      m_tokens(std::move(tokens)), m_client(std::move(client)),
      m_token_transport(std::move(token_transport)), m_clock(clock) {}

credentials::OAuthTokens TokenSource::tokens() const {
    std::lock_guard lock(m_mutex);
    return m_tokens;
}

int TokenSource::refreshes() const {
    std::lock_guard lock(m_mutex);
    return m_refreshes;
}

Result<BearerToken, OAuthError> TokenSource::access_token() {
    std::lock_guard lock(m_mutex);
    if (!needs_refresh(m_tokens, m_clock.now())) {
        return m_tokens.access_token;
    }
    return refresh_locked(m_tokens.access_token);
}

Result<BearerToken, OAuthError> TokenSource::refresh_after(const BearerToken& rejected) {
    std::lock_guard lock(m_mutex);
    if (m_tokens.access_token.reveal() != rejected.reveal() &&
        !needs_refresh(m_tokens, m_clock.now())) {
        return m_tokens.access_token; // another thread refreshed meanwhile
    }
    return refresh_locked(rejected);
}

Result<BearerToken, OAuthError> TokenSource::refresh_locked(const BearerToken& stale) {
    credentials::CredentialsLock file_lock(m_file);
    if (!file_lock.locked()) {
        return unexpected(make_error(OAuthError::Kind::config, file_lock.error()));
    }
    // Another process may have rotated the tokens while we waited for the lock.
    auto stored = credentials::load_oauth(m_file, m_profile);
    if (!stored) {
        return unexpected(make_error(OAuthError::Kind::config, stored.error().message));
    }
    if (!*stored) {
        return unexpected(make_error(
            OAuthError::Kind::invalid_grant,
            fmt::format("profile '{}' has no OAuth tokens any more (logged out)", m_profile), 0,
            "invalid_grant"));
    }
    credentials::OAuthTokens current = std::move(**stored);
    if (current.access_token.reveal() != stale.reveal() && !needs_refresh(current, m_clock.now())) {
        m_tokens = std::move(current);
        return m_tokens.access_token;
    }
    ClientSettings settings = m_client;
    if (!current.client_id.empty()) {
        settings.client_id = current.client_id; // the application that issued the tokens
    }
    auto transport = m_token_transport();
    TokenClient client(settings, *transport, m_clock);
    auto fresh = client.refresh(current.refresh_token);
    if (!fresh) {
        return unexpected(std::move(fresh).error());
    }
    if (fresh->scope.empty()) {
        fresh->scope = current.scope;
    }
    auto saved = credentials::store_oauth_locked(m_file, m_profile, *fresh);
    m_tokens = std::move(fresh).value();
    ++m_refreshes;
    if (!saved) {
        // The new tokens work in this process, but the file still holds the burnt refresh token.
        return unexpected(
            make_error(OAuthError::Kind::config,
                       fmt::format("the OAuth tokens were refreshed but could not be saved: {}",
                                   saved.error().message)));
    }
    return m_tokens.access_token;
}

std::shared_ptr<TokenSource> make_token_source(const config::ResolvedProfile& profile,
                                               const config::EnvLookup& env,
                                               credentials::OAuthTokens tokens,
                                               TokenSource::TransportFactory token_transport,
                                               Clock& clock) {
    return std::make_shared<TokenSource>(
        config::credentials_path(profile.config_file), profile.name, std::move(tokens),
        resolve_client(profile, env), std::move(token_transport), clock);
}

std::string reconnect_message(const std::string& profile, const OAuthError& e) {
    if (e.kind == OAuthError::Kind::invalid_grant) {
        return fmt::format(
            "the OAuth connection of profile '{}' is no longer valid (it was revoked or has "
            "expired; the authorization server said: {}); connect again with: lexsync --profile "
            "{} auth login --oauth",
            profile, e.message, profile);
    }
    if (e.kind == OAuthError::Kind::client) {
        return fmt::format("the authorization server refused the OAuth client of profile '{}' "
                           "({}); check oauth_client_id and the client secret",
                           profile, e.message);
    }
    return fmt::format("cannot refresh the OAuth access token of profile '{}': {}", profile,
                       e.message);
}

// --- OAuthTransport ---

OAuthTransport::OAuthTransport(std::unique_ptr<http::Transport> inner,
                               std::shared_ptr<TokenSource> source, std::ostream* log)
    : m_inner(std::move(inner)), m_source(std::move(source)), m_log(log) {}

http::SendResult OAuthTransport::failed(const OAuthError& e) {
    if (e.kind == OAuthError::Kind::network) {
        return unexpected(http::TransportError{http::TransportError::Kind::other, e.message});
    }
    http::Response r;
    r.status = 401;
    r.headers.set("Content-Type", "application/json");
    r.headers.set("X-Lexsync-OAuth", "refresh-failed");
    json::Document d(rapidjson::kObjectType);
    json::set(d, "message", json::str(reconnect_message(m_source->profile(), e), d.GetAllocator()),
              d.GetAllocator());
    r.body = json::to_string(d);
    return r;
}

http::SendResult OAuthTransport::send(const http::Request& request) {
    const int before = m_source->refreshes();
    auto token = m_source->access_token();
    if (!token) {
        return failed(token.error());
    }
    if (m_log != nullptr && m_source->refreshes() != before) {
        *m_log << "  (the OAuth access token had expired: refreshed it)\n";
    }
    http::Request r = request;
    r.headers.set("Authorization", "Bearer " + token->reveal());
    auto result = m_inner->send(r);
    if (result && result->status == 401) {
        auto fresh = m_source->refresh_after(*token);
        if (!fresh) {
            result = failed(fresh.error());
        } else {
            if (m_log != nullptr) {
                *m_log << "  (401 with the OAuth access token: refreshed it, repeating once)\n";
            }
            r.headers.set("Authorization", "Bearer " + fresh->reveal());
            result = m_inner->send(r);
        }
    }
    r.headers.wipe("authorization");
    return result;
}

std::shared_ptr<RateLimiter> make_oauth_limiter(const ClientConfig& config, Clock& clock,
                                                const TokenSource& source) {
    std::filesystem::path state_file;
    if (!config.limiter_dir.empty()) {
        const auto t = source.tokens();
        state_file = limiter_file_for(config.limiter_dir, config.base_url,
                                      "oauth-connection:" + source.profile() + ":" + t.client_id);
    }
    return make_rate_limiter(config.rate_per_second, config.burst, clock, state_file);
}

std::unique_ptr<http::Transport> make_oauth_stack(const ClientConfig& config, Clock& clock,
                                                  std::unique_ptr<http::Transport> base,
                                                  std::shared_ptr<TokenSource> source,
                                                  ClientStats* stats) {
    ClientConfig c = config;
    if (!c.limiter) {
        c.limiter = make_oauth_limiter(config, clock, *source);
    }
    return make_transport_stack(c, clock, std::move(base), stats,
                                [source, log = config.log](std::unique_ptr<http::Transport> inner) {
                                    return std::make_unique<OAuthTransport>(std::move(inner),
                                                                            source, log);
                                });
}

} // namespace lexsync::oauth
