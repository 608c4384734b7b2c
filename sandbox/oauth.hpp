// --- Interface ---
// The emulator's OAuth 2 authorization server on the API's own origin: /oauth2/authorize
// (auto-consent, 302 to the redirect URI), /oauth2/token (authorization_code with PKCE S256 and
// refresh_token with rotation, HTTP Basic client authentication) and /oauth2/revoke; plus the
// access-token lookup and the per-endpoint scope rules (API reference §1.4) the gateway enforces.
// Clients, codes and tokens live in the store (hashed), so a state file keeps them.
#pragma once

#include "sandbox/store.hpp"
#include "sandbox/support.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lexsync::sandbox::oauth {

// The OAuth client of the demo seed.
inline constexpr const char* k_demo_client_id = "lexsync-sandbox-client";
inline constexpr const char* k_demo_client_secret = "sandbox-client-secret";

struct Options {
    long token_lifetime_seconds = 14399; // access tokens; 0 = expired at once
    bool deny = false;                   // every authorization request is refused (access_denied)
};

// Creates the OAuth tables if they are missing.
void ensure_schema(Store& store);

// Every scope of the §1.4 table (what a seed client gets when it lists none).
const std::vector<std::string>& all_scopes();

// Registers one seed entry {clientId, clientSecret, redirectUris?, scopes?, active?} for
// `org_id`; throws std::runtime_error naming `where`.
void seed_client(Store& store, const std::string& org_id, const JsonValue& client,
                 const std::string& where);

// What a live access token grants.
struct Grant {
    std::string org_id;
    std::vector<std::string> scopes;
};

// The grant of `token` when it is a live (unexpired, unrevoked) OAuth access token.
std::optional<Grant> access_token(Store& store, const std::string& token);

// One request to the authorization server.
struct OAuthRequest {
    std::string method;
    std::string path;
    std::multimap<std::string, std::string> query; // decoded
    std::string body;
    std::string content_type;
    std::string authorization; // the Authorization header
};

// Answers /oauth2/authorize, /oauth2/token and /oauth2/revoke; nullopt for any other path.
std::optional<ApiResponse> handle(Store& store, const Options& options, const OAuthRequest& req);

// True when `scopes` allow `method` on `path` (a /v1 path); routes without a scope rule
// (reference data, event subscriptions, unknown routes) are always allowed.
bool scope_allows(const std::string& method, const std::string& path,
                  const std::vector<std::string>& scopes);

// The scope(s) a route needs, for the 403 message ("contacts.write").
std::string required_scopes_text(const std::string& method, const std::string& path);

} // namespace lexsync::sandbox::oauth
