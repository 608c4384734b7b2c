// --- Interface ---
// OAuth 2 for partner applications (authorization code with PKCE S256, refresh-token rotation,
// revocation) and the transport wrapper that keeps a profile's access token fresh: refreshed
// shortly before it expires and after a 401 (one refresh, one retry), under an flock on the
// credentials file so that concurrent processes never burn each other's refresh token.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/http/http.hpp>
#include <lexsync/store/config.hpp>
#include <lexsync/store/credentials.hpp>
#include <lexsync/util/clock.hpp>
#include <lexsync/util/result.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync::oauth {

inline constexpr const char* k_default_base_url = "https://app.lexware.de";
inline constexpr const char* k_env_client_id = "LEXSYNC_OAUTH_CLIENT_ID";
inline constexpr const char* k_env_client_secret = "LEXSYNC_OAUTH_CLIENT_SECRET";
inline constexpr const char* k_env_base_url = "LEXSYNC_OAUTH_BASE_URL";
inline constexpr const char* k_callback_path = "/callback";
// Seconds before the server's expiry at which the access token is refreshed (at most a tenth of
// its lifetime, so that very short lifetimes still get used).
inline constexpr std::int64_t k_refresh_margin_seconds = 30;

// --- PKCE (RFC 7636) and state ---

// `bytes` random bytes from the OpenSSL generator, base64url encoded.
std::string random_urlsafe(std::size_t bytes);
// A fresh code verifier (43 characters from 32 random bytes).
std::string make_code_verifier();
// base64url(SHA-256(verifier)), the S256 code challenge.
std::string code_challenge_s256(std::string_view verifier);

// --- Scopes (API reference §1.4) ---

// The scopes one lexsync command needs.
struct CommandScopes {
    std::string command; // e.g. "contacts pull"
    std::vector<std::string> scopes;
};

// The command → scopes table.
const std::vector<CommandScopes>& command_scopes();
// The union of every command's scopes, sorted: what `auth login --oauth` asks for by default.
std::vector<std::string> default_scopes();
// Splits a scope list given with commas and/or spaces; drops empties and duplicates.
std::vector<std::string> parse_scopes(std::string_view text);
// Joins scopes with single spaces.
std::string join_scopes(const std::vector<std::string>& scopes);

// --- Authorization request and callback ---

struct AuthorizeRequest {
    std::string base_url; // authorization server, e.g. https://app.lexware.de
    std::string client_id;
    std::string redirect_uri;
    std::string state;
    std::vector<std::string> scopes; // empty: the client's configured scopes
    std::string code_challenge;
    std::string connection_name; // optional, shown in the user's list of connections
};

// GET {base}/oauth2/authorize?… with every parameter URL-encoded.
std::string authorize_url(const AuthorizeRequest& request);

// What the authorization server sent back to the redirect URI.
struct CallbackParams {
    std::string code;
    std::string state; // empty when only a bare code was given
    std::string error; // e.g. "access_denied"
    std::string error_description;
};

// Reads a full redirect URL, a query string ("?code=…&state=…", "code=…") or a bare code.
// Fails with a message for empty or unreadable input.
Result<CallbackParams, std::string> parse_callback(std::string_view input);

// --- Token endpoint ---

struct OAuthError {
    enum class Kind {
        invalid_grant, // the code or refresh token is no longer valid: the connection is gone
        client,        // invalid_client / unauthorized_client: the application is refused
        other,         // another OAuth error answer
        network,       // no usable answer
        config,        // no client id / secret, no stored tokens
    };
    Kind kind = Kind::other;
    int status = 0;
    std::string error; // the OAuth error code ("invalid_grant")
    std::string message;

    // The exit code: network → 5, everything else → 3.
    ExitCode exit_code() const;
};

// The partner application: client id, secret (obtained only when needed) and authorization
// server.
struct ClientSettings {
    std::string client_id;
    std::string base_url;
    std::function<Result<BearerToken, OAuthError>()> secret;
};

// The profile's application: client id $LEXSYNC_OAUTH_CLIENT_ID > oauth_client_id; authorization
// server $LEXSYNC_OAUTH_BASE_URL > oauth_base_url > https://app.lexware.de; secret
// $LEXSYNC_OAUTH_CLIENT_SECRET > oauth_client_secret_command (run when first needed). The client
// id may be empty here (a refresh uses the one stored with the tokens).
ClientSettings resolve_client(const config::ResolvedProfile& profile, const config::EnvLookup& env);

// Speaks to {base}/oauth2/token and /oauth2/revoke with HTTP Basic client authentication.
class TokenClient {
public:
    TokenClient(ClientSettings settings, http::Transport& transport, Clock& clock);

    // grant_type=authorization_code.
    Result<credentials::OAuthTokens, OAuthError> exchange_code(const std::string& code,
                                                               const std::string& redirect_uri,
                                                               const std::string& code_verifier);
    // grant_type=refresh_token; the answer carries a new refresh token (rotation).
    Result<credentials::OAuthTokens, OAuthError> refresh(const BearerToken& refresh_token);
    // Revokes `token` (the refresh token ends the whole connection).
    Result<Ok, OAuthError> revoke(const BearerToken& token);

private:
    Result<credentials::OAuthTokens, OAuthError> token_request(std::string body);

    ClientSettings m_settings;
    http::Transport& m_transport;
    Clock& m_clock;
};

// True when `tokens` should be refreshed before use at `now`.
bool needs_refresh(const credentials::OAuthTokens& tokens, Clock::time_point now);

// --- The connection of one profile ---

// Holds a profile's current tokens and refreshes them: in-process under a mutex, across processes
// under the credentials file lock, re-reading the file after taking it (another process may have
// rotated the tokens meanwhile).
class TokenSource {
public:
    using TransportFactory = std::function<std::unique_ptr<http::Transport>()>;

    TokenSource(std::filesystem::path credentials_file, std::string profile,
                credentials::OAuthTokens tokens, ClientSettings client,
                TransportFactory token_transport, Clock& clock);

    // The access token to send now; refreshes first when it is (about to be) expired.
    Result<BearerToken, OAuthError> access_token();
    // Called after `rejected` got a 401: returns a token other than `rejected`, refreshing unless
    // another thread or process already did.
    Result<BearerToken, OAuthError> refresh_after(const BearerToken& rejected);
    // A copy of the current tokens.
    credentials::OAuthTokens tokens() const;
    const std::string& profile() const { return m_profile; }
    // How many refreshes this source performed against the token endpoint.
    int refreshes() const;

private:
    Result<BearerToken, OAuthError> refresh_locked(const BearerToken& stale);

    std::filesystem::path m_file;
    std::string m_profile;
    credentials::OAuthTokens m_tokens;
    ClientSettings m_client;
    TransportFactory m_token_transport;
    Clock& m_clock;
    mutable std::mutex m_mutex;
    int m_refreshes = 0;
};

// The TokenSource of `profile` (its credentials file and client settings) holding `tokens`;
// `token_transport` makes the transport for token requests.
std::shared_ptr<TokenSource> make_token_source(const config::ResolvedProfile& profile,
                                               const config::EnvLookup& env,
                                               credentials::OAuthTokens tokens,
                                               TokenSource::TransportFactory token_transport,
                                               Clock& clock);

// The message for a connection that can no longer be refreshed (mentions the fix).
std::string reconnect_message(const std::string& profile, const OAuthError& e);

// Adds the profile's current access token to each request; refreshes it when expired and once
// after a 401, then repeats the request once. A failed refresh becomes a 401 answer whose
// message says how to reconnect (so the command exits 3), or a transport error for network
// failures. `log` (optional) gets one line per refresh, never a token.
class OAuthTransport final : public http::Transport {
public:
    OAuthTransport(std::unique_ptr<http::Transport> inner, std::shared_ptr<TokenSource> source,
                   std::ostream* log = nullptr);
    http::SendResult send(const http::Request& request) override;

private:
    http::SendResult failed(const OAuthError& e);

    std::unique_ptr<http::Transport> m_inner;
    std::shared_ptr<TokenSource> m_source;
    std::ostream* m_log;
};

// The rate limiter of `source`'s connection, shared through config.limiter_dir like an API
// key's. Its state is keyed by the connection (profile and client), not by the access token,
// which changes with every refresh.
std::shared_ptr<RateLimiter> make_oauth_limiter(const ClientConfig& config, Clock& clock,
                                                const TokenSource& source);

// The full stack for an OAuth profile: retry → logging → OAuth → rate limit → user agent →
// `base`, over config.limiter or make_oauth_limiter's. `config.token` is the token the log
// masks.
std::unique_ptr<http::Transport> make_oauth_stack(const ClientConfig& config, Clock& clock,
                                                  std::unique_ptr<http::Transport> base,
                                                  std::shared_ptr<TokenSource> source,
                                                  ClientStats* stats = nullptr);

} // namespace lexsync::oauth
