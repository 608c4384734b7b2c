// OAuth client pieces: PKCE (RFC 7636 appendix B), authorization URL and callback parsing, the
// scope table, token storage beside API keys, the refreshing transport, and refresh-token
// rotation by two processes at once against the real emulator on loopback.
#include "sandbox/oauth.hpp"
#include "sandbox/server.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <httplib.h>
#include <lexsync/api/oauth.hpp>
#include <lexsync/http/wrappers.hpp>
#include <lexsync/store/credentials.hpp>
#include <mutex>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace lexsync;

namespace {

using lexsync::testing::TempDir;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::int64_t unix_now(const Clock& clock) {
    return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
}

credentials::OAuthTokens make_tokens(const std::string& access, const std::string& refresh,
                                     std::int64_t obtained, std::int64_t expires) {
    credentials::OAuthTokens t;
    t.access_token = BearerToken(access);
    t.refresh_token = BearerToken(refresh);
    t.obtained_at = obtained;
    t.expires_at = expires;
    t.scope = "contacts.read profile.read";
    t.client_id = "client-1";
    return t;
}

oauth::ClientSettings settings(const std::string& base_url) {
    oauth::ClientSettings s;
    s.client_id = "client-1";
    s.base_url = base_url;
    s.secret = []() -> Result<BearerToken, oauth::OAuthError> {
        return BearerToken("client-secret");
    };
    return s;
}

// A transport answered by a function; records every request.
class ScriptedTransport final : public http::Transport {
public:
    explicit ScriptedTransport(std::function<http::Response(const http::Request&)> fn)
        : m_fn(std::move(fn)) {}
    http::SendResult send(const http::Request& request) override {
        std::lock_guard lock(m_mutex);
        requests.push_back(request);
        return m_fn(request);
    }
    std::vector<http::Request> requests;

private:
    std::function<http::Response(const http::Request&)> m_fn;
    std::mutex m_mutex;
};

http::Response answer(int status, std::string body) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

// Obtains tokens from a running emulator the way a browser and lexsync would: authorize without
// following the redirect, then exchange the code.
credentials::OAuthTokens obtain_tokens(const std::string& base_url, int port) {
    const std::string verifier = oauth::make_code_verifier();
    oauth::AuthorizeRequest req;
    req.base_url = base_url;
    req.client_id = sandbox::oauth::k_demo_client_id;
    req.redirect_uri = "http://127.0.0.1:9/callback";
    req.state = "s1";
    req.scopes = {"contacts.read", "profile.read"};
    req.code_challenge = oauth::code_challenge_s256(verifier);
    const std::string url = oauth::authorize_url(req);
    httplib::Client c("127.0.0.1", port);
    c.set_url_encode(false);
    auto res = c.Get(url.substr(base_url.size()));
    REQUIRE(res);
    REQUIRE(res->status == 302);
    auto cb = oauth::parse_callback(res->get_header_value("Location"));
    REQUIRE(cb);
    REQUIRE(cb->state == "s1");

    oauth::ClientSettings s;
    s.client_id = sandbox::oauth::k_demo_client_id;
    s.base_url = base_url;
    s.secret = []() -> Result<BearerToken, oauth::OAuthError> {
        return BearerToken(sandbox::oauth::k_demo_client_secret);
    };
    auto transport = make_curl_transport(ClientConfig{});
    SystemClock clock;
    oauth::TokenClient client(s, *transport, clock);
    auto tokens = client.exchange_code(cb->code, req.redirect_uri, verifier);
    REQUIRE_MESSAGE(tokens, (tokens ? "" : tokens.error().message));
    return std::move(tokens).value();
}

} // namespace

TEST_SUITE("lexsync::oauth") {
    TEST_CASE("PKCE matches the RFC 7636 appendix B example") {
        const unsigned char octets[] = {116, 24,  223, 180, 151, 153, 224, 37,  79,  250, 96,
                                        125, 216, 173, 187, 186, 22,  212, 37,  77,  105, 214,
                                        191, 240, 91,  88,  5,   88,  83,  132, 141, 121};
        const std::string verifier = lexsync::base64url_encode(
            std::string(reinterpret_cast<const char*>(octets), sizeof octets));
        CHECK(verifier == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        CHECK(oauth::code_challenge_s256(verifier) ==
              "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    TEST_CASE("fresh verifiers and states are long, URL-safe and different") {
        const std::string a = oauth::make_code_verifier();
        const std::string b = oauth::make_code_verifier();
        CHECK(a.size() == 43);
        CHECK(a != b);
        CHECK(a.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
              std::string::npos);
    }

    TEST_CASE("the authorization URL carries every parameter encoded") {
        oauth::AuthorizeRequest r;
        r.base_url = "https://app.lexware.de/";
        r.client_id = "my-client";
        r.redirect_uri = "http://127.0.0.1:4711/callback";
        r.state = "xyz";
        r.scopes = {"contacts.read", "profile.read"};
        r.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        CHECK(oauth::authorize_url(r) ==
              "https://app.lexware.de/oauth2/authorize?client_id=my-client"
              "&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcallback&response_type=code"
              "&state=xyz&scope=contacts.read%20profile.read"
              "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
              "&code_challenge_method=S256");
        r.scopes.clear();
        r.connection_name = "Shop & Co";
        const std::string url = oauth::authorize_url(r);
        CHECK(url.find("scope=") == std::string::npos);
        CHECK(url.find("connection_name=Shop%20%26%20Co") != std::string::npos);
    }

    TEST_CASE("callbacks are read from a redirect URL, a query or a bare code") {
        auto full =
            oauth::parse_callback("http://127.0.0.1:4711/callback?code=abc%2B1&state=s%20t#frag\n");
        REQUIRE(full);
        CHECK(full->code == "abc+1");
        CHECK(full->state == "s t");
        auto query = oauth::parse_callback("code=abc&state=xyz");
        REQUIRE(query);
        CHECK(query->code == "abc");
        auto bare = oauth::parse_callback("  0123abcdef  ");
        REQUIRE(bare);
        CHECK(bare->code == "0123abcdef");
        CHECK(bare->state.empty());
        auto refused = oauth::parse_callback(
            "http://127.0.0.1:1/callback?error=access_denied&error_description=no&state=s");
        REQUIRE(refused);
        CHECK(refused->error == "access_denied");
        CHECK_FALSE(oauth::parse_callback(""));
        CHECK_FALSE(oauth::parse_callback("http://127.0.0.1:1/callback?state=s"));
        CHECK_FALSE(oauth::parse_callback("two words"));
    }

    TEST_CASE("a callback's query is form-decoded; a name without a value carries none") {
        // `+` is a space, %XX in either case its byte, a broken escape stays as it is.
        auto decoded = oauth::parse_callback("?state=a+b%2fc%2F&code=x%zz%41&&scope&=y");
        REQUIRE(decoded);
        CHECK(decoded->code == "x%zzA");
        CHECK(decoded->state == "a b/c/");
        // A name without `=` is an empty value: a lone `code` carries no code.
        CHECK_FALSE(oauth::parse_callback("http://127.0.0.1:1/callback?code&state=s"));
        auto described =
            oauth::parse_callback("?error=access_denied&error_description=user+said+no");
        REQUIRE(described);
        CHECK(described->error_description == "user said no");
        CHECK(described->code.empty());
    }

    TEST_CASE("scopes come from the command table or a list") {
        const auto all = oauth::default_scopes();
        for (const char* s : {"contacts.read", "contacts.write", "profile.read", "invoices.read",
                              "voucherlist.read", "vouchers.write", "files.write"}) {
            CHECK_MESSAGE(std::find(all.begin(), all.end(), s) != all.end(), s);
        }
        CHECK(std::is_sorted(all.begin(), all.end()));
        CHECK(oauth::parse_scopes("contacts.read, profile.read contacts.read") ==
              std::vector<std::string>{"contacts.read", "profile.read"});
        CHECK(oauth::join_scopes({"a", "b"}) == "a b");
    }

    TEST_CASE("OAuth tokens and API keys of different profiles live side by side") {
        TempDir dir;
        const fs::path file = dir.path / "credentials.toml";
        REQUIRE(credentials::store(file, "keyed", BearerToken("api-key-1")));
        REQUIRE(
            credentials::store_oauth(file, "partner", make_tokens("acc-1", "ref-1", 100, 14499)));
        auto key = credentials::load(file, "keyed");
        REQUIRE(key);
        REQUIRE(*key);
        CHECK((*key)->reveal() == "api-key-1");
        auto t = credentials::load_oauth(file, "partner");
        REQUIRE(t);
        REQUIRE(*t);
        CHECK((*t)->access_token.reveal() == "acc-1");
        CHECK((*t)->refresh_token.reveal() == "ref-1");
        CHECK((*t)->expires_at == 14499);
        CHECK((*t)->client_id == "client-1");
        CHECK((fs::status(file).permissions() & fs::perms::all) ==
              (fs::perms::owner_read | fs::perms::owner_write));
        // An API key login replaces the OAuth connection of that profile, and the other way round.
        REQUIRE(credentials::store(file, "partner", BearerToken("api-key-2")));
        auto gone = credentials::load_oauth(file, "partner");
        REQUIRE(gone);
        CHECK_FALSE(*gone);
        REQUIRE(credentials::store_oauth(file, "keyed", make_tokens("acc-3", "ref-3", 1, 2)));
        auto no_key = credentials::load(file, "keyed");
        REQUIRE(no_key);
        CHECK_FALSE(*no_key);
        REQUIRE(credentials::remove(file, "keyed"));
        auto removed = credentials::load_oauth(file, "keyed");
        REQUIRE(removed);
        CHECK_FALSE(*removed);
    }

    TEST_CASE("an expired access token is refreshed before the request and the new pair stored") {
        TempDir dir;
        const fs::path file = dir.path / "credentials.toml";
        FakeClock clock;
        const auto now = unix_now(clock);
        REQUIRE(credentials::store_oauth(file, "p",
                                         make_tokens("old-acc", "old-ref", now - 100, now - 1)));
        auto token_endpoint = std::make_shared<ScriptedTransport>([](const http::Request& r) {
            CHECK(r.url == "https://auth.example/oauth2/token");
            CHECK(r.body == "grant_type=refresh_token&refresh_token=old-ref");
            CHECK(r.headers.get("authorization") ==
                  "Basic Y2xpZW50LTE6Y2xpZW50LXNlY3JldA=="); // client-1:client-secret
            return answer(200, R"({"access_token":"new-acc","token_type":"Bearer",)"
                               R"("expires_in":14399,"refresh_token":"new-ref","scope":"s"})");
        });
        auto stored = credentials::load_oauth(file, "p");
        auto source = std::make_shared<oauth::TokenSource>(
            file, "p", **stored, settings("https://auth.example"),
            [token_endpoint] {
                struct Borrowed final : http::Transport {
                    std::shared_ptr<ScriptedTransport> t;
                    http::SendResult send(const http::Request& r) override { return t->send(r); }
                };
                auto b = std::make_unique<Borrowed>();
                b->t = token_endpoint;
                return b;
            },
            clock);
        auto api = std::make_unique<ScriptedTransport>([](const http::Request& r) {
            return r.headers.get("authorization") == "Bearer new-acc" ? answer(200, "{}")
                                                                      : answer(401, "{}");
        });
        auto* api_raw = api.get();
        std::ostringstream log;
        oauth::OAuthTransport t(std::move(api), source, &log);
        http::Request req;
        req.url = "https://api.example/v1/profile";
        auto res = t.send(req);
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(api_raw->requests.size() == 1);
        CHECK(token_endpoint->requests.size() == 1);
        auto after = credentials::load_oauth(file, "p");
        REQUIRE(after);
        REQUIRE(*after);
        CHECK((*after)->access_token.reveal() == "new-acc");
        CHECK((*after)->refresh_token.reveal() == "new-ref");
        CHECK((*after)->expires_at == now + 14399);
        CHECK(log.str().find("refreshed") != std::string::npos);
        CHECK(log.str().find("new-acc") == std::string::npos);
    }

    TEST_CASE(
        "a 401 leads to one refresh and one repeat; a refused refresh says how to reconnect") {
        TempDir dir;
        const fs::path file = dir.path / "credentials.toml";
        FakeClock clock;
        const auto now = unix_now(clock);
        REQUIRE(
            credentials::store_oauth(file, "p", make_tokens("acc-1", "ref-1", now, now + 14399)));
        int refreshes = 0;
        bool revoked = false;
        auto factory = [&refreshes, &revoked]() -> std::unique_ptr<http::Transport> {
            return std::make_unique<ScriptedTransport>(
                [&refreshes, &revoked](const http::Request&) {
                    ++refreshes;
                    if (revoked) {
                        return answer(400, R"({"error":"invalid_grant"})");
                    }
                    return answer(200, R"({"access_token":"acc-2","expires_in":14399,)"
                                       R"("refresh_token":"ref-2"})");
                });
        };
        auto stored = credentials::load_oauth(file, "p");
        auto source = std::make_shared<oauth::TokenSource>(file, "p", **stored,
                                                           settings("https://a"), factory, clock);
        auto api = std::make_unique<ScriptedTransport>([](const http::Request& r) {
            return r.headers.get("authorization") == "Bearer acc-2" ? answer(200, "{}")
                                                                    : answer(401, "{}");
        });
        auto* api_raw = api.get();
        oauth::OAuthTransport t(std::move(api), source);
        http::Request req;
        req.url = "https://api.example/v1/contacts";
        auto ok = t.send(req);
        REQUIRE(ok);
        CHECK(ok->status == 200);
        CHECK(refreshes == 1);
        CHECK(api_raw->requests.size() == 2);

        // The server now forgets the connection: the next 401 cannot be repaired.
        revoked = true;
        auto api2 = std::make_unique<ScriptedTransport>(
            [](const http::Request&) { return answer(401, R"({"message":"Unauthorized"})"); });
        auto* api2_raw = api2.get();
        oauth::OAuthTransport t2(std::move(api2), source);
        auto refused = t2.send(req);
        REQUIRE(refused);
        CHECK(refused->status == 401);
        CHECK(api2_raw->requests.size() == 1); // no repeat without a new token
        const ApiError e = error_from_response(*refused, http::Method::get);
        CHECK(e.exit_code() == ExitCode::config);
        CHECK(e.message.find("no longer valid") != std::string::npos);
        CHECK(e.message.find("auth login --oauth") != std::string::npos);
    }

    TEST_CASE("a verbose log masks the token of every request, also after a refresh") {
        TempDir dir;
        const fs::path file = dir.path / "credentials.toml";
        FakeClock clock;
        const auto now = unix_now(clock);
        REQUIRE(credentials::store_oauth(file, "p",
                                         make_tokens("first-token-abc", "ref-1", now, now + 100)));
        auto stored = credentials::load_oauth(file, "p");
        auto source = std::make_shared<oauth::TokenSource>(
            file, "p", **stored, settings("https://a"),
            []() -> std::unique_ptr<http::Transport> {
                return std::make_unique<ScriptedTransport>([](const http::Request&) {
                    return answer(200, R"({"access_token":"second-token-xyz","expires_in":100,)"
                                       R"("refresh_token":"ref-2"})");
                });
            },
            clock);
        std::ostringstream log;
        ClientConfig config;
        config.token = BearerToken("first-token-abc");
        config.log = &log;
        config.log_verbosity = 3;
        config.rate_per_second = 1000;
        config.burst = 100;
        auto api = std::make_unique<ScriptedTransport>([](const http::Request& r) {
            // An API that echoes the Authorization header would leak it into a body log.
            return answer(200,
                          "{\"seen\":\"" + r.headers.get("authorization").value_or("") + "\"}");
        });
        auto stack = oauth::make_oauth_stack(config, clock, std::move(api), source);
        http::Request req;
        req.url = "https://api.example/v1/profile";
        REQUIRE(stack->send(req));
        clock.advance(std::chrono::seconds(200)); // expired: the next request refreshes
        REQUIRE(stack->send(req));
        CHECK(source->refreshes() == 1);
        CHECK(log.str().find("authorization: Bearer ***") != std::string::npos);
        // Echoed bodies are the API's business; the headers lexsync logs never show a token.
        std::istringstream lines(log.str());
        std::string line;
        while (std::getline(lines, line)) {
            if (line.find("authorization:") != std::string::npos) {
                CHECK(line.find("token-") == std::string::npos);
            }
        }
    }

    TEST_CASE("two processes refreshing at once end with one valid token chain") {
        TempDir dir;
        const fs::path file = dir.path / "credentials.toml";
        const std::string state = (dir.path / "sandbox.db").string();
        sandbox::ServerOptions so;
        so.seed = "demo";
        so.rate_limit = false;
        so.state_file = state;
        credentials::OAuthTokens first;
        {
            sandbox::Server server(so);
            const int port = server.bind();
            std::thread listener([&server] { server.listen(); });
            first = obtain_tokens(server.base_url(), port);
            server.stop();
            listener.join();
        }
        REQUIRE(credentials::store_oauth(file, "p", first));

        // Fork both refreshers while this process has no other threads; they wait for the URL of
        // the restarted emulator on a pipe, then refresh with the same (stale) access token.
        int url_pipe[2][2];
        pid_t pids[2];
        for (int i = 0; i < 2; ++i) {
            REQUIRE(::pipe(url_pipe[i]) == 0);
            pids[i] = ::fork();
            REQUIRE(pids[i] >= 0);
            if (pids[i] == 0) {
                ::close(url_pipe[i][1]);
                char buf[256] = {};
                const ssize_t n = ::read(url_pipe[i][0], buf, sizeof buf - 1);
                if (n <= 0) {
                    ::_exit(3);
                }
                const std::string base(buf, static_cast<std::size_t>(n));
                SystemClock clock;
                oauth::ClientSettings s;
                s.client_id = sandbox::oauth::k_demo_client_id;
                s.base_url = base;
                s.secret = []() -> Result<BearerToken, oauth::OAuthError> {
                    return BearerToken(sandbox::oauth::k_demo_client_secret);
                };
                oauth::TokenSource source(
                    file, "p", first, s, [] { return make_curl_transport(ClientConfig{}); }, clock);
                auto fresh = source.refresh_after(first.access_token);
                ::_exit(fresh && fresh->reveal() != first.access_token.reveal() ? 0 : 1);
            }
            ::close(url_pipe[i][0]);
        }

        std::mutex log_mutex;
        int token_requests = 0;
        so.log = [&](const std::string& line) {
            std::lock_guard lock(log_mutex);
            if (line.rfind("POST /oauth2/token", 0) == 0) {
                ++token_requests;
            }
        };
        sandbox::Server server(so);
        const int port = server.bind();
        std::thread listener([&server] { server.listen(); });
        const std::string base = server.base_url();
        for (auto& p : url_pipe) {
            REQUIRE(::write(p[1], base.data(), base.size()) == static_cast<ssize_t>(base.size()));
            ::close(p[1]);
        }
        int codes[2] = {-1, -1};
        for (int i = 0; i < 2; ++i) {
            int status = 0;
            REQUIRE(::waitpid(pids[i], &status, 0) == pids[i]);
            codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : 99;
        }
        CHECK(codes[0] == 0);
        CHECK(codes[1] == 0);
        {
            std::lock_guard lock(log_mutex);
            CHECK(token_requests == 1); // the second process found the rotated tokens
        }

        // The stored chain is the live one: its access token works and its refresh token rotates.
        auto stored = credentials::load_oauth(file, "p");
        REQUIRE(stored);
        REQUIRE(*stored);
        CHECK((*stored)->refresh_token.reveal() != first.refresh_token.reveal());
        httplib::Client c("127.0.0.1", port);
        c.set_bearer_token_auth((*stored)->access_token.reveal().c_str());
        auto profile = c.Get("/v1/profile");
        REQUIRE(profile);
        CHECK(profile->status == 200);
        auto transport = make_curl_transport(ClientConfig{});
        SystemClock clock;
        oauth::ClientSettings s;
        s.client_id = sandbox::oauth::k_demo_client_id;
        s.base_url = base;
        s.secret = []() -> Result<BearerToken, oauth::OAuthError> {
            return BearerToken(sandbox::oauth::k_demo_client_secret);
        };
        oauth::TokenClient client(s, *transport, clock);
        CHECK(client.refresh((*stored)->refresh_token));
        auto burnt = client.refresh(first.refresh_token);
        REQUIRE_FALSE(burnt);
        CHECK(burnt.error().kind == oauth::OAuthError::Kind::invalid_grant);
        server.stop();
        listener.join();
        CHECK(slurp(file).find(first.refresh_token.reveal()) == std::string::npos);
    }
}
