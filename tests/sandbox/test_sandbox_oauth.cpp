// The emulator's OAuth authorization server (/oauth2/authorize, /token, /revoke) and the scope
// enforcement of the API, spoken to with a plain HTTP client.
#include "sandbox/oauth.hpp"
#include "sandbox_fixture.hpp"

using namespace sandbox_test;

namespace {

constexpr const char* k_client = "lexsync-sandbox-client";
constexpr const char* k_secret = "sandbox-client-secret";
constexpr const char* k_redirect = "http://127.0.0.1:5555/callback";
// RFC 7636 appendix B.
constexpr const char* k_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* k_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr const char* k_form = "application/x-www-form-urlencoded";

std::string enc(const std::string& s) {
    return httplib::detail::encode_query_param(s);
}

std::string authorize_target(const std::string& extra = {},
                             const std::string& scope = "contacts.read profile.read",
                             const std::string& redirect = k_redirect) {
    std::string t = std::string("/oauth2/authorize?client_id=") + k_client +
                    "&redirect_uri=" + enc(redirect) + "&response_type=code&state=st-1" +
                    "&code_challenge=" + k_challenge + "&code_challenge_method=S256";
    if (!scope.empty()) {
        t += "&scope=" + enc(scope);
    }
    return t + extra;
}

// The query parameter `name` of a Location header.
std::string location_param(const std::string& location, const std::string& name) {
    const auto q = location.find('?');
    if (q == std::string::npos) {
        return {};
    }
    std::multimap<std::string, std::string> params;
    httplib::detail::parse_query_text(location.substr(q + 1), params);
    const auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
}

std::string basic(const std::string& id, const std::string& secret) {
    return httplib::make_basic_authentication_header(id, secret).second;
}

httplib::Result post_token(httplib::Client& c, const std::string& body,
                           const std::string& secret = k_secret) {
    httplib::Headers h = {{"Authorization", basic(k_client, secret)}};
    return c.Post("/oauth2/token", h, body, k_form);
}

std::string code_for(RunningServer& s, const std::string& scope = "contacts.read profile.read") {
    auto c = s.client("");
    auto res = c.Get(authorize_target({}, scope));
    REQUIRE(res);
    REQUIRE(res->status == 302);
    const std::string code = location_param(res->get_header_value("Location"), "code");
    REQUIRE(code.size() == 128);
    return code;
}

std::string exchange_body(const std::string& code, const std::string& verifier = k_verifier,
                          const std::string& redirect = k_redirect) {
    return "grant_type=authorization_code&code=" + code + "&redirect_uri=" + enc(redirect) +
           "&code_verifier=" + verifier;
}

struct Tokens {
    std::string access;
    std::string refresh;
};

Tokens tokens_for(RunningServer& s, const std::string& scope = "contacts.read profile.read") {
    auto c = s.client("");
    auto res = post_token(c, exchange_body(code_for(s, scope)));
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 200, res->body);
    const auto d = parse(res->body);
    CHECK(std::string(d["token_type"].GetString()) == "Bearer");
    CHECK(d["expires_in"].GetInt() == 14399);
    CHECK(std::string(d["scope"].GetString()) == scope);
    Tokens t{d["access_token"].GetString(), d["refresh_token"].GetString()};
    CHECK(t.refresh.size() == 128);
    return t;
}

std::string oauth_error(const httplib::Result& res) {
    REQUIRE(res);
    const auto d = parse(res->body);
    REQUIRE(d.HasMember("error"));
    return d["error"].GetString();
}

} // namespace

TEST_SUITE("sandbox::oauth") {
    TEST_CASE("authorize consents at once and redirects with a code and the state") {
        RunningServer s;
        auto c = s.client("");
        auto res = c.Get(authorize_target());
        REQUIRE(res);
        CHECK(res->status == 302);
        const std::string loc = res->get_header_value("Location");
        CHECK(loc.rfind(std::string(k_redirect) + "?code=", 0) == 0);
        CHECK(location_param(loc, "state") == "st-1");
        // Any loopback port is accepted for a client without registered redirect URIs.
        auto other = c.Get(authorize_target({}, "contacts.read", "http://localhost:1/callback"));
        REQUIRE(other);
        CHECK(other->status == 302);
    }

    TEST_CASE("authorize refuses bad requests, by page or by redirect") {
        RunningServer s;
        auto c = s.client("");
        auto unknown = c.Get("/oauth2/authorize?client_id=nobody&redirect_uri=" + enc(k_redirect) +
                             "&response_type=code");
        REQUIRE(unknown);
        CHECK(unknown->status == 400);
        CHECK(oauth_error(unknown) == "invalid_client");
        auto remote = c.Get(authorize_target({}, "contacts.read", "https://evil.example/cb"));
        REQUIRE(remote);
        CHECK(remote->status == 400); // never redirected to an unregistered URI

        auto no_pkce = c.Get(std::string("/oauth2/authorize?client_id=") + k_client +
                             "&redirect_uri=" + enc(k_redirect) + "&response_type=code&state=x");
        REQUIRE(no_pkce);
        CHECK(no_pkce->status == 302);
        CHECK(location_param(no_pkce->get_header_value("Location"), "error") == "invalid_request");
        CHECK(location_param(no_pkce->get_header_value("Location"), "state") == "x");

        auto denied = c.Get(authorize_target("&deny=1"));
        REQUIRE(denied);
        CHECK(denied->status == 302);
        const std::string loc = denied->get_header_value("Location");
        CHECK(location_param(loc, "error") == "access_denied");
        CHECK(location_param(loc, "code").empty());

        auto bad_scope = c.Get(authorize_target({}, "contacts.read no.such.scope"));
        REQUIRE(bad_scope);
        CHECK(location_param(bad_scope->get_header_value("Location"), "error") == "invalid_scope");
    }

    TEST_CASE("the deny option refuses every authorization") {
        ServerOptions o = unlimited();
        o.oauth_deny = true;
        RunningServer s(o);
        auto res = s.client("").Get(authorize_target());
        REQUIRE(res);
        CHECK(location_param(res->get_header_value("Location"), "error") == "access_denied");
    }

    TEST_CASE("codes are single use and bound to client secret, redirect URI and PKCE") {
        RunningServer s;
        auto c = s.client("");
        const std::string code = code_for(s);
        auto wrong_secret = post_token(c, exchange_body(code), "wrong");
        REQUIRE(wrong_secret);
        CHECK(wrong_secret->status == 401);
        CHECK(oauth_error(wrong_secret) == "invalid_client");
        auto no_auth = c.Post("/oauth2/token", exchange_body(code), k_form);
        REQUIRE(no_auth);
        CHECK(no_auth->status == 401);
        // Any error consumes the code (reference §1.3), also a failed client authentication.
        CHECK(oauth_error(post_token(c, exchange_body(code))) == "invalid_grant");

        const std::string code1 = code_for(s);
        auto ok = post_token(c, exchange_body(code1));
        REQUIRE(ok);
        CHECK(ok->status == 200);
        CHECK(ok->get_header_value("Cache-Control") == "no-store");
        auto again = post_token(c, exchange_body(code1));
        REQUIRE(again);
        CHECK(again->status == 400);
        CHECK(oauth_error(again) == "invalid_grant");
        // The replay revoked what the code had produced.
        const auto d = parse(ok->body);
        auto api = s.client(d["access_token"].GetString()).Get("/v1/profile");
        REQUIRE(api);
        CHECK(api->status == 401);

        const std::string code2 = code_for(s);
        auto bad_verifier =
            post_token(c, exchange_body(code2, "x" + std::string(k_verifier).substr(1)));
        REQUIRE(bad_verifier);
        CHECK(oauth_error(bad_verifier) == "invalid_grant");
        auto after_error = post_token(c, exchange_body(code2)); // any error consumes the code
        CHECK(oauth_error(after_error) == "invalid_grant");

        const std::string code3 = code_for(s);
        auto other_redirect =
            post_token(c, exchange_body(code3, k_verifier, "http://127.0.0.1:5556/callback"));
        CHECK(oauth_error(other_redirect) == "invalid_grant");
    }

    TEST_CASE("the access token is a JWT of at most 4096 characters") {
        RunningServer s;
        const Tokens t = tokens_for(s);
        CHECK(t.access.size() <= 4096);
        const auto dot1 = t.access.find('.');
        const auto dot2 = t.access.find('.', dot1 + 1);
        REQUIRE(dot1 != std::string::npos);
        REQUIRE(dot2 != std::string::npos);
        CHECK(t.access.find('.', dot2 + 1) == std::string::npos);
        CHECK(t.access.substr(0, dot1) == "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9");
        CHECK(t.access.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                         "0123456789-_.") == std::string::npos);
    }

    TEST_CASE("refresh rotates: the old refresh and access tokens stop working") {
        RunningServer s;
        auto c = s.client("");
        const Tokens first = tokens_for(s);
        CHECK(s.client(first.access).Get("/v1/profile")->status == 200);
        auto res = post_token(c, "grant_type=refresh_token&refresh_token=" + first.refresh);
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const auto d = parse(res->body);
        const Tokens second{d["access_token"].GetString(), d["refresh_token"].GetString()};
        CHECK(second.refresh != first.refresh);
        CHECK(s.client(second.access).Get("/v1/profile")->status == 200);
        CHECK(s.client(first.access).Get("/v1/profile")->status == 401);
        auto burnt = post_token(c, "grant_type=refresh_token&refresh_token=" + first.refresh);
        CHECK(oauth_error(burnt) == "invalid_grant");
        auto unsupported = post_token(c, "grant_type=password");
        CHECK(oauth_error(unsupported) == "unsupported_grant_type");
    }

    TEST_CASE("revoking the refresh token also ends the access token") {
        RunningServer s;
        auto c = s.client("");
        const Tokens t = tokens_for(s);
        httplib::Headers h = {{"Authorization", basic(k_client, k_secret)}};
        auto res = c.Post("/oauth2/revoke", h, "token=" + t.refresh, k_form);
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(s.client(t.access).Get("/v1/profile")->status == 401);
        auto refresh = post_token(c, "grant_type=refresh_token&refresh_token=" + t.refresh);
        CHECK(oauth_error(refresh) == "invalid_grant");
        auto unauthenticated = c.Post("/oauth2/revoke", "token=" + t.refresh, k_form);
        REQUIRE(unauthenticated);
        CHECK(unauthenticated->status == 401);
    }

    TEST_CASE("access tokens expire after the configured lifetime") {
        ServerOptions o = unlimited();
        o.token_lifetime_seconds = 0;
        RunningServer s(o);
        auto c = s.client("");
        auto res = post_token(c, exchange_body(code_for(s)));
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const auto d = parse(res->body);
        CHECK(d["expires_in"].GetInt() == 0);
        auto api = s.client(d["access_token"].GetString()).Get("/v1/profile");
        REQUIRE(api);
        CHECK(api->status == 401);
        CHECK(api->body == R"({"message":"Unauthorized"})");
    }

    TEST_CASE("a token without the endpoint's scope gets 403; API keys keep full access") {
        RunningServer s;
        const Tokens t = tokens_for(s, "contacts.read");
        auto token = s.client(t.access);
        CHECK(token.Get("/v1/contacts?page=0&size=5")->status == 200);
        CHECK(token.Get("/v1/countries")->status == 200); // no scope needed
        auto write = token.Post("/v1/contacts", company_body("Scoped GmbH"), k_json);
        REQUIRE(write);
        CHECK(write->status == 403);
        const auto body = parse(write->body);
        CHECK(body["status"].GetInt() == 403);
        CHECK(std::string(body["path"].GetString()) == "/v1/contacts");
        CHECK(std::string(body["message"].GetString()).find("contacts.write") != std::string::npos);
        CHECK(token.Get("/v1/profile")->status == 403);
        CHECK(token.Get("/v1/voucherlist?voucherType=any&voucherStatus=any")->status == 403);

        auto key = s.client();
        auto created = key.Post("/v1/contacts", company_body("Keyed GmbH"), k_json);
        REQUIRE(created);
        CHECK(created->status / 100 == 2);
        CHECK(key.Get("/v1/profile")->status == 200);
    }

    TEST_CASE("scope rules follow the reference table") {
        using lexsync::sandbox::oauth::scope_allows;
        CHECK(scope_allows("POST", "/v1/vouchers/abc/files", {"vouchers.write", "files.write"}));
        CHECK_FALSE(scope_allows("POST", "/v1/vouchers/abc/files", {"vouchers.write"}));
        CHECK(scope_allows("GET", "/v1/print-layouts", {"credit-notes.read"}));
        CHECK_FALSE(scope_allows("GET", "/v1/print-layouts", {"contacts.read"}));
        CHECK(scope_allows("GET", "/v1/down-payment-invoices/x", {"invoices.read"}));
        CHECK(scope_allows("GET", "/v1/event-subscriptions", {}));
        CHECK_FALSE(scope_allows("GET", "/v1/files/x/status", {"files.read"}));
        CHECK(scope_allows("POST", "/v1/invoices/x/sendmail", {"vouchers.sendmail"}));
    }

    TEST_CASE("the rate limit applies per token") {
        ServerOptions o;
        o.seed = "demo";
        o.rate_per_second = 0.01;
        o.burst = 1;
        RunningServer s(o);
        const Tokens t = tokens_for(s); // the authorization server has no bucket here
        auto key = s.client();
        CHECK(key.Get("/v1/profile")->status == 200);
        CHECK(key.Get("/v1/profile")->status == 429);
        auto token = s.client(t.access);
        CHECK(token.Get("/v1/profile")->status == 200);
        CHECK(token.Get("/v1/profile")->status == 429);
    }

    TEST_CASE("seed files register clients with redirect URIs, scopes and an active flag") {
        TempPath seed(".json");
        seed.write(R"({"organizations":[{"id":"aaaaaaaa-0000-4000-8000-000000000001",
            "companyName":"Alpha GmbH","apiKeys":["alpha-key"],
            "oauthClients":[
              {"clientId":"alpha-app","clientSecret":"alpha-secret",
               "redirectUris":["http://127.0.0.1/callback"],"scopes":["contacts.read"]},
              {"clientId":"off-app","clientSecret":"off-secret","active":false}]}]})");
        RunningServer s(unlimited(seed.str()));
        auto c = s.client("");
        const std::string base = std::string("/oauth2/authorize?client_id=alpha-app") +
                                 "&response_type=code&state=s&code_challenge=" + k_challenge +
                                 "&code_challenge_method=S256&redirect_uri=";
        auto ok = c.Get(base + enc("http://127.0.0.1:7777/callback"));
        REQUIRE(ok);
        CHECK(ok->status == 302);
        auto other_path = c.Get(base + enc("http://127.0.0.1:7777/other"));
        REQUIRE(other_path);
        CHECK(other_path->status == 400);
        auto too_wide =
            c.Get(base + enc("http://127.0.0.1:7777/callback") + "&scope=contacts.write");
        REQUIRE(too_wide);
        CHECK(location_param(too_wide->get_header_value("Location"), "error") == "invalid_scope");

        httplib::Headers h = {{"Authorization", basic("off-app", "off-secret")}};
        auto inactive =
            c.Post("/oauth2/token", h, "grant_type=refresh_token&refresh_token=x", k_form);
        REQUIRE(inactive);
        CHECK(inactive->status == 400);
        CHECK(oauth_error(inactive) == "unauthorized_client");

        TempPath bad(".json");
        bad.write(R"({"organizations":[{"id":"aaaaaaaa-0000-4000-8000-000000000001",
            "companyName":"Alpha GmbH","apiKeys":["alpha-key"],
            "oauthClients":[{"clientId":"no-secret"}]}]})");
        CHECK_THROWS_WITH_AS(Server(unlimited(bad.str())), doctest::Contains("clientSecret"),
                             std::runtime_error);
    }
}
