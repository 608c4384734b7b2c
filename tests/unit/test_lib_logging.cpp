#include "fake_transport.hpp"

#include <doctest/doctest.h>
#include <lexsync/api/client.hpp>
#include <lexsync/http/wrappers.hpp>
#include <sstream>

using namespace std::chrono_literals;
using lexsync::BearerToken;
using lexsync::ClientConfig;
using lexsync::FakeClock;
using lexsync::testing::FakeTransport;
namespace http = lexsync::http;

namespace {

constexpr const char* k_token = "tok_9f8e7d6c5b4a39281706";

} // namespace

TEST_SUITE("lexsync::LoggingTransport") {
    TEST_CASE("the stack logs each attempt and never the token") {
        FakeClock clock;
        std::ostringstream log;
        ClientConfig config;
        config.base_url = "https://api.example.test";
        config.token = BearerToken(k_token);
        config.log = &log;
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        f->add(http::Method::get, "/v1/profile", 429);
        f->add(http::Method::get, "/v1/profile", 200, R"({"organizationId":"x"})");
        lexsync::ClientStats stats;
        lexsync::ApiClient client(
            config.base_url, lexsync::make_transport_stack(config, clock, std::move(fake), &stats));
        REQUIRE(client.get_json("/v1/profile").has_value());

        const std::string text = log.str();
        CHECK(text.find("→ GET https://api.example.test/v1/profile") != std::string::npos);
        CHECK(text.find("← 429 ") != std::string::npos);
        CHECK(text.find("← 200 ") != std::string::npos);
        CHECK(text.find(" ms 22 B") != std::string::npos);
        CHECK(text.find(k_token) == std::string::npos);
        CHECK(stats.requests == 2);
        CHECK(stats.rate_limited == 1);

        // The innermost transport did get the credentials and the user agent.
        const auto seen = f->requests();
        REQUIRE(seen.size() == 2);
        CHECK(seen[0].headers.get("authorization") == std::string("Bearer ") + k_token);
        CHECK(seen[0].headers.get("user-agent") == "lexsync/" LEXSYNC_VERSION);
        f->verify();
    }

    TEST_CASE("headers and bodies at higher verbosity are redacted") {
        FakeClock clock;
        std::ostringstream log;
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        const std::string echo = std::string(R"({"seen":")") + k_token + "\"}";
        f->add(http::Method::post, std::string("/v1/echo?key=") + k_token, 200, echo);
        lexsync::LoggingTransport logging(std::move(fake), log, clock, BearerToken(k_token), 3);
        http::Request r;
        r.method = http::Method::post;
        r.url = std::string("https://api.example.test/v1/echo?key=") + k_token;
        r.headers.set("Authorization", std::string("Bearer ") + k_token);
        r.body = std::string(R"({"token":")") + k_token + "\"}";
        REQUIRE(logging.send(r).has_value());
        const std::string text = log.str();
        CHECK(text.find(k_token) == std::string::npos);
        CHECK(text.find("authorization: Bearer ***") != std::string::npos);
        CHECK(text.find("key=***") != std::string::npos);
        CHECK(text.find(R"({"token":"***"})") != std::string::npos);
        CHECK(text.find(R"({"seen":"***"})") != std::string::npos);
        f->verify();
    }
}
