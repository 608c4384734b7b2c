#include "sandbox/oauth.hpp"

#include <algorithm>
#include <ctime>
#include <lexsync/util/encoding.hpp>
#include <lexsync/util/http_text.hpp>
#include <lexsync/util/strings.hpp>
#include <openssl/evp.h>
#include <stdexcept>

namespace lexsync::sandbox::oauth {

namespace {

constexpr std::int64_t k_code_lifetime_seconds = 300; // API reference §1.3
constexpr std::size_t k_max_client_id = 36;

std::int64_t now_seconds() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

// The fields of a form body (the same coding as lexsync's client: `+` and %20 both decode to a
// space); of a repeated field the first counts.
std::map<std::string, std::string> parse_form(std::string_view body) {
    const auto pairs = form_pairs(body);
    return {pairs.begin(), pairs.end()};
}

std::vector<std::string> split_scopes(std::string_view s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == ' ' || c == ',') {
            if (!cur.empty()) {
                out.push_back(cur);
            }
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) {
        out.push_back(cur);
    }
    return out;
}

// An OAuth error answer (RFC 6749 §5.2).
ApiResponse oauth_error(int status, const std::string& error, const std::string& description) {
    JsonDocument d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("error", json_str(error, a), a);
    if (!description.empty()) {
        d.AddMember("error_description", json_str(description, a), a);
    }
    ApiResponse r = json_response(status, d);
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("Pragma", "no-cache");
    if (status == 401) {
        r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"oauth2\"");
    }
    return r;
}

ApiResponse redirect(const std::string& uri,
                     const std::vector<std::pair<std::string, std::string>>& params) {
    std::string location = uri;
    char sep = uri.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [k, v] : params) {
        location += sep;
        location += url_encode(k) + "=" + url_encode(v);
        sep = '&';
    }
    ApiResponse r;
    r.status = 302;
    r.headers.emplace_back("Location", location);
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

// For a loopback redirect URI ("http://127.0.0.1:PORT/path", localhost, [::1]): the URI without
// its port, so that loopback URIs match whatever port the client listens on (RFC 8252 §7.3).
std::optional<std::string> loopback_without_port(const std::string& uri) {
    const std::string scheme = "http://";
    if (uri.compare(0, scheme.size(), scheme) != 0) {
        return std::nullopt;
    }
    std::string rest = uri.substr(scheme.size());
    std::string host;
    if (!rest.empty() && rest[0] == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos) {
            return std::nullopt;
        }
        host = rest.substr(0, close + 1);
        rest = rest.substr(close + 1);
    } else {
        const auto end = rest.find_first_of(":/?");
        host = rest.substr(0, end);
        rest = end == std::string::npos ? std::string() : rest.substr(end);
    }
    if (host != "127.0.0.1" && host != "localhost" && host != "[::1]") {
        return std::nullopt;
    }
    if (!rest.empty() && rest[0] == ':') {
        std::size_t i = 1;
        while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
            ++i;
        }
        if (i == 1) {
            return std::nullopt;
        }
        rest = rest.substr(i);
    }
    return scheme + host + rest;
}

struct Client {
    std::string id;
    std::string secret_hash;
    std::string org_id;
    std::vector<std::string> redirect_uris;
    std::vector<std::string> scopes;
    bool active = true;
};

std::optional<Client> find_client(Store& store, const std::string& id) {
    auto st = store.db().prepare("SELECT client_id, secret_hash, org_id, redirect_uris, scopes, "
                                 "active FROM oauth_clients WHERE client_id = ?");
    st.bind(1, id);
    if (!st.step()) {
        return std::nullopt;
    }
    Client c;
    c.id = st.column_text(0);
    c.secret_hash = st.column_text(1);
    c.org_id = st.column_text(2);
    const std::string uris = st.column_text(3);
    std::string cur;
    for (char ch : uris) {
        if (ch == '\n') {
            if (!cur.empty()) {
                c.redirect_uris.push_back(cur);
            }
            cur.clear();
        } else {
            cur += ch;
        }
    }
    if (!cur.empty()) {
        c.redirect_uris.push_back(cur);
    }
    c.scopes = split_scopes(st.column_text(4));
    c.active = st.column_int(5) != 0;
    return c;
}

bool redirect_allowed(const Client& c, const std::string& uri) {
    const auto loop = loopback_without_port(uri);
    if (c.redirect_uris.empty()) {
        return loop.has_value();
    }
    for (const auto& registered : c.redirect_uris) {
        if (registered == uri) {
            return true;
        }
        const auto reg_loop = loopback_without_port(registered);
        if (loop && reg_loop && *loop == *reg_loop) {
            return true;
        }
    }
    return false;
}

// Authenticates the client from an HTTP Basic header (RFC 6749 §2.3.1: both parts form-encoded).
std::optional<Client> authenticate(Store& store, const std::string& authorization) {
    if (authorization.size() < 6) {
        return std::nullopt;
    }
    std::string scheme = authorization.substr(0, 6);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (scheme != "basic ") {
        return std::nullopt;
    }
    auto decoded = base64_decode(authorization.substr(6));
    if (!decoded) {
        return std::nullopt;
    }
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) {
        return std::nullopt;
    }
    const std::string id = form_decode(decoded->substr(0, colon));
    const std::string secret = form_decode(decoded->substr(colon + 1));
    auto c = find_client(store, id);
    if (!c || c->secret_hash != sha256_hex(secret)) {
        return std::nullopt;
    }
    return c;
}

void revoke_connection(Store& store, const std::string& connection) {
    store.db().prepare("DELETE FROM oauth_tokens WHERE connection = ?").bind(1, connection).run();
}

ApiResponse issue_tokens(Store& store, const Options& options, const std::string& connection,
                         const std::string& client_id, const std::string& org_id,
                         const std::string& scope) {
    const std::int64_t now = now_seconds();
    // The access token is a JWT (reference §1.3) of at most 4096 characters. [U] Its claims and
    // signing key are not published: the sandbox writes the standard claims and a random
    // signature part; clients treat the token as opaque, and the sandbox looks it up by hash.
    JsonDocument claims(rapidjson::kObjectType);
    auto& ca = claims.GetAllocator();
    claims.AddMember("jti", json_str(new_uuid(), ca), ca);
    claims.AddMember("client_id", json_str(client_id, ca), ca);
    claims.AddMember("scope", json_str(scope, ca), ca);
    claims.AddMember("iat", now, ca);
    claims.AddMember("exp", now + options.token_lifetime_seconds, ca);
    const std::string access = base64url_encode(R"({"alg":"RS256","typ":"JWT"})") + "." +
                               base64url_encode(to_json(claims)) + "." +
                               base64url_encode(random_hex(128));
    const std::string refresh = random_hex(128); // §1.3: 128 characters
    auto insert = store.db().prepare(
        "INSERT INTO oauth_tokens (token_hash, kind, connection, client_id, org_id, scope, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, sha256_hex(access))
        .bind(2, "access")
        .bind(3, connection)
        .bind(4, client_id)
        .bind(5, org_id)
        .bind(6, scope)
        .bind(7, now + options.token_lifetime_seconds)
        .run();
    auto insert2 = store.db().prepare(
        "INSERT INTO oauth_tokens (token_hash, kind, connection, client_id, org_id, scope, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    // [U] Refresh-token lifetime: about 23 months per one integration; not enforced here.
    insert2.bind(1, sha256_hex(refresh))
        .bind(2, "refresh")
        .bind(3, connection)
        .bind(4, client_id)
        .bind(5, org_id)
        .bind(6, scope)
        .bind(7, now + 60LL * 60 * 24 * 700)
        .run();
    JsonDocument d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("access_token", json_str(access, a), a);
    d.AddMember("token_type", "Bearer", a);
    d.AddMember("expires_in", static_cast<std::int64_t>(options.token_lifetime_seconds), a);
    d.AddMember("refresh_token", json_str(refresh, a), a);
    d.AddMember("scope", json_str(scope, a), a);
    ApiResponse r = json_response(200, d);
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("Pragma", "no-cache");
    return r;
}

ApiResponse authorize(Store& store, const Options& options, const OAuthRequest& req) {
    auto param = [&](const char* name) -> std::string {
        const auto it = req.query.find(name);
        return it == req.query.end() ? std::string() : it->second;
    };
    const std::string client_id = param("client_id");
    const std::string redirect_uri = param("redirect_uri");
    const std::string state = param("state");
    // Errors before the redirect URI is trusted are shown to the user, never redirected
    // (RFC 6749 §4.1.2.1); the service shows an error page, the emulator answers JSON.
    const auto client = client_id.empty() ? std::nullopt : find_client(store, client_id);
    if (!client) {
        return oauth_error(400, "invalid_client", "unknown client_id");
    }
    if (redirect_uri.empty() || !redirect_allowed(*client, redirect_uri)) {
        return oauth_error(400, "invalid_request", "redirect_uri is missing or not registered");
    }
    auto refuse = [&](const std::string& error, const std::string& description) {
        std::vector<std::pair<std::string, std::string>> p = {{"error", error},
                                                              {"error_description", description}};
        if (!state.empty()) {
            p.emplace_back("state", state);
        }
        return redirect(redirect_uri, p);
    };
    if (!client->active) {
        return refuse("unauthorized_client", "the client is deactivated");
    }
    if (param("response_type") != "code") {
        return refuse("unsupported_response_type", "only response_type=code is supported");
    }
    const std::string challenge = param("code_challenge");
    if (challenge.empty() || param("code_challenge_method") != "S256") {
        return refuse("invalid_request", "PKCE is required: code_challenge with method S256");
    }
    std::vector<std::string> scopes = split_scopes(param("scope"));
    if (scopes.empty()) {
        scopes = client->scopes;
    }
    for (const auto& s : scopes) {
        if (std::find(client->scopes.begin(), client->scopes.end(), s) == client->scopes.end()) {
            return refuse("invalid_scope", "scope not allowed for this client: " + s);
        }
    }
    const std::string deny = param("deny");
    if (options.deny || deny == "1" || deny == "true") {
        return refuse("access_denied", "the user refused the connection");
    }
    const std::string code = random_hex(128);
    store.db()
        .prepare("INSERT INTO oauth_codes (code_hash, client_id, org_id, redirect_uri, challenge, "
                 "scope, expires_at, used, connection) VALUES (?, ?, ?, ?, ?, ?, ?, 0, '')")
        .bind(1, sha256_hex(code))
        .bind(2, client->id)
        .bind(3, client->org_id)
        .bind(4, redirect_uri)
        .bind(5, challenge)
        .bind(6, join(scopes, " "))
        .bind(7, now_seconds() + k_code_lifetime_seconds)
        .run();
    std::vector<std::pair<std::string, std::string>> p = {{"code", code}};
    if (!state.empty()) {
        p.emplace_back("state", state);
    }
    return redirect(redirect_uri, p);
}

// Marks the authorization code a refused token request presented as used: any error consumes
// the code (reference §1.3), also one the request never got to check (client authentication).
void consume_presented_code(Store& store, const std::string& body) {
    const auto form = parse_form(body);
    const auto grant = form.find("grant_type");
    const auto code = form.find("code");
    if (grant == form.end() || grant->second != "authorization_code" || code == form.end() ||
        code->second.empty()) {
        return;
    }
    store.db()
        .prepare("UPDATE oauth_codes SET used = 1 WHERE code_hash = ? AND used = 0")
        .bind(1, sha256_hex(code->second))
        .run();
}

ApiResponse token(Store& store, const Options& options, const OAuthRequest& req) {
    const auto client = authenticate(store, req.authorization);
    if (!client) {
        consume_presented_code(store, req.body);
        return oauth_error(401, "invalid_client", "client authentication failed");
    }
    if (!client->active) {
        consume_presented_code(store, req.body);
        return oauth_error(400, "unauthorized_client", "");
    }
    if (req.content_type.find("application/x-www-form-urlencoded") == std::string::npos) {
        consume_presented_code(store, req.body);
        return oauth_error(400, "invalid_request",
                           "expected application/x-www-form-urlencoded parameters");
    }
    const auto form = parse_form(req.body);
    auto field = [&](const char* name) -> std::string {
        const auto it = form.find(name);
        return it == form.end() ? std::string() : it->second;
    };
    const std::string grant = field("grant_type");
    if (grant == "authorization_code") {
        const std::string code_hash = sha256_hex(field("code"));
        auto st = store.db().prepare("SELECT client_id, org_id, redirect_uri, challenge, scope, "
                                     "expires_at, used, connection FROM oauth_codes "
                                     "WHERE code_hash = ?");
        st.bind(1, code_hash);
        if (field("code").empty() || !st.step()) {
            return oauth_error(400, "invalid_grant", "unknown authorization code");
        }
        const std::string code_client = st.column_text(0);
        const std::string org_id = st.column_text(1);
        const std::string redirect_uri = st.column_text(2);
        const std::string challenge = st.column_text(3);
        const std::string scope = st.column_text(4);
        const std::int64_t expires_at = st.column_int(5);
        const bool used = st.column_int(6) != 0;
        const std::string earlier_connection = st.column_text(7);
        if (used) {
            // A replayed code revokes what it produced (RFC 6749 §4.1.2).
            if (!earlier_connection.empty()) {
                revoke_connection(store, earlier_connection);
            }
            return oauth_error(400, "invalid_grant", "the authorization code was already used");
        }
        // Any answer consumes the code (§1.3).
        const std::string connection = new_uuid();
        store.db()
            .prepare("UPDATE oauth_codes SET used = 1, connection = ? WHERE code_hash = ?")
            .bind(1, connection)
            .bind(2, code_hash)
            .run();
        if (expires_at <= now_seconds()) {
            return oauth_error(400, "invalid_grant", "the authorization code has expired");
        }
        if (code_client != client->id) {
            return oauth_error(400, "invalid_grant", "the code was issued to another client");
        }
        if (field("redirect_uri") != redirect_uri) {
            return oauth_error(400, "invalid_grant", "redirect_uri does not match");
        }
        const std::string verifier = field("code_verifier");
        if (verifier.empty()) {
            return oauth_error(400, "invalid_request", "code_verifier is required");
        }
        if (base64url_encode(sha256(verifier)) != challenge) {
            return oauth_error(400, "invalid_grant", "code_verifier does not match");
        }
        return issue_tokens(store, options, connection, client->id, org_id, scope);
    }
    if (grant == "refresh_token") {
        const std::string presented = field("refresh_token");
        auto st = store.db().prepare("SELECT connection, client_id, org_id, scope FROM "
                                     "oauth_tokens WHERE token_hash = ? AND kind = 'refresh'");
        st.bind(1, sha256_hex(presented));
        if (presented.empty() || !st.step()) {
            return oauth_error(400, "invalid_grant", "the refresh token is invalid or was used");
        }
        const std::string connection = st.column_text(0);
        const std::string token_client = st.column_text(1);
        const std::string org_id = st.column_text(2);
        const std::string scope = st.column_text(3);
        if (token_client != client->id) {
            return oauth_error(400, "invalid_grant", "the refresh token belongs to another client");
        }
        // Rotation: one connection = one refresh token and one access token.
        revoke_connection(store, connection);
        return issue_tokens(store, options, connection, client->id, org_id, scope);
    }
    if (grant.empty()) {
        return oauth_error(400, "invalid_request", "grant_type is required");
    }
    return oauth_error(400, "unsupported_grant_type", "");
}

ApiResponse revoke(Store& store, const OAuthRequest& req) {
    const auto client = authenticate(store, req.authorization);
    if (!client) {
        return oauth_error(401, "invalid_client", "client authentication failed");
    }
    const auto form = parse_form(req.body);
    const auto it = form.find("token");
    if (it == form.end() || it->second.empty()) {
        return oauth_error(400, "invalid_request", "token is required");
    }
    auto st = store.db().prepare(
        "SELECT kind, connection, client_id FROM oauth_tokens WHERE token_hash = ?");
    const std::string hash = sha256_hex(it->second);
    st.bind(1, hash);
    if (st.step() && st.column_text(2) == client->id) {
        const std::string kind = st.column_text(0);
        const std::string connection = st.column_text(1);
        if (kind == "refresh") {
            revoke_connection(store, connection); // also the access token (§1.3)
        } else {
            store.db().prepare("DELETE FROM oauth_tokens WHERE token_hash = ?").bind(1, hash).run();
        }
    }
    // RFC 7009 §2.2: unknown tokens are answered like revoked ones.
    ApiResponse r;
    r.status = 200;
    return r;
}

// --- Scope rules (§1.4) ---

struct Rule {
    std::vector<std::string> all; // every one needed
    std::vector<std::string> any; // one of them needed (print layouts)
};

std::vector<std::string> segments(const std::string& path) {
    std::vector<std::string> seg;
    std::string cur;
    for (char c : path) {
        if (c == '/') {
            if (!cur.empty()) {
                seg.push_back(cur);
            }
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) {
        seg.push_back(cur);
    }
    return seg;
}

std::optional<Rule> rule_for(const std::string& method, const std::string& path) {
    const auto seg = segments(path);
    if (seg.size() < 2 || seg[0] != "v1") {
        return std::nullopt;
    }
    const std::string& family = seg[1];
    const bool read = method == "GET" || method == "HEAD";
    const bool del = method == "DELETE";
    auto rw = [&](const std::string& base) {
        return Rule{{base + (read ? ".read" : ".write")}, {}};
    };
    // The sendmail subresource of any sales voucher.
    if (seg.size() == 4 && seg[3] == "sendmail") {
        return Rule{{"vouchers.sendmail"}, {}};
    }
    static const std::vector<std::string> k_simple = {
        "articles",   "credit-notes", "delivery-notes", "dunnings", "order-confirmations",
        "quotations", "invoices"};
    if (std::find(k_simple.begin(), k_simple.end(), family) != k_simple.end()) {
        return rw(family);
    }
    if (family == "contacts") {
        if (seg.size() >= 4 && seg[3] == "bankaccounts") {
            return rw("contacts.bankaccounts");
        }
        return rw("contacts");
    }
    if (family == "down-payment-invoices") {
        return Rule{{"invoices.read"}, {}};
    }
    if (family == "files") {
        if (seg.size() == 4 && seg[3] == "status") {
            return Rule{{"files.status"}, {}};
        }
        return rw("files");
    }
    if (family == "vouchers") {
        if (seg.size() == 4 && seg[3] == "files") {
            return Rule{{"vouchers.write", "files.write"}, {}};
        }
        return rw("vouchers");
    }
    if (family == "voucherlist") {
        return Rule{{"voucherlist.read"}, {}};
    }
    if (family == "payments") {
        return Rule{{"payments.read"}, {}};
    }
    if (family == "profile") {
        return Rule{{"profile.read"}, {}};
    }
    if (family == "organization") {
        return Rule{{"organization.read"}, {}};
    }
    if (family == "recurring-templates") {
        return Rule{{"recurring-templates.read"}, {}};
    }
    if (family == "transaction-assignment-hint") {
        return Rule{{"transaction-assignment-hint.write"}, {}};
    }
    if (family == "finance") {
        return Rule{{read ? "finance.read" : del ? "finance.delete" : "finance.write"}, {}};
    }
    if (family == "cash-boxes") {
        if (seg.size() >= 4 && seg.back() == "files") {
            return Rule{{"cashbox.write", "files.write"}, {}};
        }
        return Rule{{read ? "cashbox.read" : del ? "cashbox.delete" : "cashbox.write"}, {}};
    }
    if (family == "print-layouts") {
        return Rule{{},
                    {"invoices.read", "credit-notes.read", "quotations.read",
                     "order-confirmations.read", "delivery-notes.read", "dunnings.read"}};
    }
    // countries, payment-conditions, posting-categories, event-subscriptions, ping, …
    return std::nullopt;
}

bool has(const std::vector<std::string>& scopes, const std::string& s) {
    return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
}

} // namespace

void ensure_schema(Store& store) {
    store.db().exec(R"(
CREATE TABLE IF NOT EXISTS oauth_clients (
  client_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, org_id TEXT NOT NULL,
  redirect_uris TEXT NOT NULL, scopes TEXT NOT NULL, active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_codes (
  code_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, org_id TEXT NOT NULL,
  redirect_uri TEXT NOT NULL, challenge TEXT NOT NULL, scope TEXT NOT NULL,
  expires_at INTEGER NOT NULL, used INTEGER NOT NULL, connection TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_tokens (
  token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, connection TEXT NOT NULL,
  client_id TEXT NOT NULL, org_id TEXT NOT NULL, scope TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS oauth_tokens_connection ON oauth_tokens (connection);
)");
}

const std::vector<std::string>& all_scopes() {
    static const std::vector<std::string> k_all = {
        "articles.read",
        "articles.write",
        "cashbox.read",
        "cashbox.write",
        "cashbox.delete",
        "contacts.read",
        "contacts.write",
        "contacts.bankaccounts.read",
        "contacts.bankaccounts.write",
        "credit-notes.read",
        "credit-notes.write",
        "delivery-notes.read",
        "delivery-notes.write",
        "dunnings.read",
        "dunnings.write",
        "files.read",
        "files.status",
        "files.write",
        "finance.read",
        "finance.write",
        "finance.delete",
        "invoices.read",
        "invoices.write",
        "order-confirmations.read",
        "order-confirmations.write",
        "organization.read",
        "payments.read",
        "profile.read",
        "quotations.read",
        "quotations.write",
        "recurring-templates.read",
        "transaction-assignment-hint.write",
        "voucherlist.read",
        "vouchers.read",
        "vouchers.write",
        "vouchers.sendmail",
    };
    return k_all;
}

void seed_client(Store& store, const std::string& org_id, const JsonValue& client,
                 const std::string& where) {
    ensure_schema(store);
    if (!client.IsObject()) {
        throw std::runtime_error(where + ": not a JSON object");
    }
    auto str = [&](const char* key) -> std::string {
        const auto it = client.FindMember(key);
        if (it == client.MemberEnd() || it->value.IsNull()) {
            return {};
        }
        if (!it->value.IsString()) {
            throw std::runtime_error(where + ": \"" + key + "\" must be a string");
        }
        return std::string(it->value.GetString(), it->value.GetStringLength());
    };
    const std::string id = str("clientId");
    const std::string secret = str("clientSecret");
    if (id.empty() || id.size() > k_max_client_id) {
        throw std::runtime_error(where + ": \"clientId\" must have 1 to 36 characters");
    }
    if (secret.empty()) {
        throw std::runtime_error(where + ": \"clientSecret\" is required");
    }
    auto list = [&](const char* key) {
        std::vector<std::string> out;
        const auto it = client.FindMember(key);
        if (it == client.MemberEnd() || it->value.IsNull()) {
            return out;
        }
        if (!it->value.IsArray()) {
            throw std::runtime_error(where + ": \"" + key + "\" must be an array of strings");
        }
        for (const auto& v : it->value.GetArray()) {
            if (!v.IsString() || v.GetStringLength() == 0) {
                throw std::runtime_error(where + ": \"" + key + "\" must be an array of strings");
            }
            out.emplace_back(v.GetString(), v.GetStringLength());
        }
        return out;
    };
    const auto uris = list("redirectUris");
    auto scopes = list("scopes");
    if (client.HasMember("scopes") == false) {
        scopes = all_scopes();
    }
    bool active = true;
    if (const auto it = client.FindMember("active"); it != client.MemberEnd()) {
        if (!it->value.IsBool()) {
            throw std::runtime_error(where + ": \"active\" must be true or false");
        }
        active = it->value.GetBool();
    }
    if (const auto existing = find_client(store, id); existing && existing->org_id != org_id) {
        throw std::runtime_error(where + ": client id " + id + " is listed for two organisations");
    }
    store.db()
        .prepare("INSERT OR REPLACE INTO oauth_clients (client_id, secret_hash, org_id, "
                 "redirect_uris, scopes, active) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(1, id)
        .bind(2, sha256_hex(secret))
        .bind(3, org_id)
        .bind(4, join(uris, "\n"))
        .bind(5, join(scopes, " "))
        .bind(6, static_cast<std::int64_t>(active ? 1 : 0))
        .run();
}

std::optional<Grant> access_token(Store& store, const std::string& token) {
    auto st = store.db().prepare("SELECT org_id, scope, expires_at FROM oauth_tokens "
                                 "WHERE token_hash = ? AND kind = 'access'");
    st.bind(1, sha256_hex(token));
    if (!st.step() || st.column_int(2) <= now_seconds()) {
        return std::nullopt;
    }
    return Grant{st.column_text(0), split_scopes(st.column_text(1))};
}

std::optional<ApiResponse> handle(Store& store, const Options& options, const OAuthRequest& req) {
    if (req.path == "/oauth2/authorize") {
        if (req.method != "GET") {
            return oauth_error(405, "invalid_request", "use GET");
        }
        return authorize(store, options, req);
    }
    if (req.path == "/oauth2/token") {
        if (req.method != "POST") {
            return oauth_error(405, "invalid_request", "use POST");
        }
        return token(store, options, req);
    }
    if (req.path == "/oauth2/revoke") {
        if (req.method != "POST") {
            return oauth_error(405, "invalid_request", "use POST");
        }
        return revoke(store, req);
    }
    return std::nullopt;
}

bool scope_allows(const std::string& method, const std::string& path,
                  const std::vector<std::string>& scopes) {
    const auto rule = rule_for(method, path);
    if (!rule) {
        return true;
    }
    for (const auto& s : rule->all) {
        if (!has(scopes, s)) {
            return false;
        }
    }
    if (!rule->any.empty()) {
        return std::any_of(rule->any.begin(), rule->any.end(),
                           [&](const std::string& s) { return has(scopes, s); });
    }
    return true;
}

std::string required_scopes_text(const std::string& method, const std::string& path) {
    const auto rule = rule_for(method, path);
    if (!rule) {
        return {};
    }
    if (!rule->all.empty()) {
        return join(rule->all, " and ");
    }
    return "one of " + join(rule->any, ", ");
}

} // namespace lexsync::sandbox::oauth
