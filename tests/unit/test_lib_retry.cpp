#include "fake_transport.hpp"

#include <doctest/doctest.h>
#include <lexsync/api/client.hpp>
#include <lexsync/http/retry.hpp>

using namespace std::chrono_literals;
using lexsync::ClientStats;
using lexsync::FakeClock;
using lexsync::RetryPolicy;
using lexsync::RetryTransport;
using lexsync::testing::FakeTransport;
namespace http = lexsync::http;
using Kind = http::TransportError::Kind;

namespace {

constexpr const char* k_url = "https://api.example.test/v1/contacts";

struct Rig {
    FakeClock clock;
    ClientStats stats;
    FakeTransport* fake = nullptr;
    std::unique_ptr<RetryTransport> retry;
    std::shared_ptr<lexsync::RateLimiter> limiter;

    explicit Rig(int max_attempts = 6, bool with_limiter = false) {
        auto f = std::make_unique<FakeTransport>();
        fake = f.get();
        RetryPolicy p;
        p.max_attempts = max_attempts;
        p.backoff_base = 500ms;
        p.backoff_cap = 30'000ms;
        if (with_limiter) {
            limiter = lexsync::make_rate_limiter(2.0, 2, clock);
        }
        // A fixed jitter of 1.0 makes each backoff its ceiling, so sleeps are predictable.
        retry = std::make_unique<RetryTransport>(std::move(f), clock, p, limiter, &stats,
                                                 [] { return 1.0; });
    }

    http::SendResult send(http::Method m) {
        http::Request r;
        r.method = m;
        r.url = k_url;
        return retry->send(r);
    }
};

http::Headers retry_after(std::string v) {
    http::Headers h;
    h.set("Retry-After", std::move(v));
    return h;
}

} // namespace

TEST_SUITE("lexsync::RetryTransport") {
    TEST_CASE("a 429 with Retry-After in seconds waits that long, for any method") {
        Rig rig;
        rig.fake->add(http::Method::post, "/v1/contacts", 429, R"({"message":"Too Many Requests"})",
                      retry_after("3"));
        rig.fake->add(http::Method::post, "/v1/contacts", 201, R"({"id":"x"})");
        auto r = rig.send(http::Method::post);
        REQUIRE(r.has_value());
        CHECK(r->status == 201);
        CHECK(rig.clock.total_slept() == 3s);
        CHECK(rig.stats.requests == 2);
        CHECK(rig.stats.retries == 1);
        CHECK(rig.stats.rate_limited == 1);
        rig.fake->verify();
    }

    TEST_CASE("a 429 with Retry-After as an HTTP date waits until then and holds the limiter") {
        Rig rig(6, true);
        // FakeClock starts at a whole second; ask for 7 s later.
        const auto now = std::chrono::system_clock::to_time_t(rig.clock.now());
        std::tm tm{};
        gmtime_r(&now, &tm);
        tm.tm_sec += 7;
        const std::time_t later = timegm(&tm);
        std::tm out{};
        gmtime_r(&later, &out);
        char date[64];
        std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &out);
        CHECK(lexsync::parse_retry_after(date, rig.clock.now()) == std::chrono::seconds(7));

        rig.fake->add(http::Method::get, "/v1/contacts", 429, "", retry_after(date));
        rig.fake->add(http::Method::get, "/v1/contacts", 200, "{}");
        auto r = rig.send(http::Method::get);
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(rig.clock.total_slept() == 7s);
        // The limiter was told: its next slot is no earlier than the Retry-After time.
        CHECK(rig.limiter->reserve() >= rig.clock.now());
        rig.fake->verify();
    }

    TEST_CASE("a 429 without Retry-After backs off exponentially") {
        Rig rig;
        rig.fake->add(http::Method::put, "/v1/contacts", 429);
        rig.fake->add(http::Method::put, "/v1/contacts", 429);
        rig.fake->add(http::Method::put, "/v1/contacts", 200, "{}");
        auto r = rig.send(http::Method::put);
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(rig.clock.total_slept() == 500ms + 1000ms);
        CHECK(rig.stats.rate_limited == 2);
        rig.fake->verify();
    }

    TEST_CASE("a GET is retried after a 503") {
        Rig rig;
        rig.fake->add(http::Method::get, "/v1/contacts", 503);
        rig.fake->add(http::Method::get, "/v1/contacts", 200, "{}");
        auto r = rig.send(http::Method::get);
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(rig.stats.retries == 1);
        rig.fake->verify();
    }

    TEST_CASE("a POST answered 503 is returned at once and may have been executed") {
        Rig rig;
        rig.fake->add(http::Method::post, "/v1/contacts", 503);
        auto r = rig.send(http::Method::post);
        REQUIRE(r.has_value());
        CHECK(r->status == 503);
        CHECK(rig.stats.requests == 1);
        CHECK(rig.clock.total_slept() == 0s);
        CHECK(lexsync::error_from_response(*r, http::Method::post).maybe_executed);
        rig.fake->verify();
    }

    TEST_CASE("a POST that provably was not sent is retried; a timeout is not") {
        Rig rig;
        rig.fake->add_error(http::Method::post, "/v1/contacts", Kind::connect);
        rig.fake->add_error(http::Method::post, "/v1/contacts", Kind::resolve);
        rig.fake->add(http::Method::post, "/v1/contacts", 201, "{}");
        auto r = rig.send(http::Method::post);
        REQUIRE(r.has_value());
        CHECK(r->status == 201);
        rig.fake->verify();

        rig.fake->add_error(http::Method::post, "/v1/contacts", Kind::timeout);
        auto t = rig.send(http::Method::post);
        REQUIRE_FALSE(t.has_value());
        CHECK(t.error().kind == Kind::timeout);
        CHECK(lexsync::error_from_transport(t.error(), http::Method::post).maybe_executed);
        rig.fake->verify();
    }

    TEST_CASE("a GET is retried after any network failure") {
        Rig rig;
        rig.fake->add_error(http::Method::get, "/v1/contacts", Kind::timeout);
        rig.fake->add_error(http::Method::get, "/v1/contacts", Kind::receive);
        rig.fake->add(http::Method::get, "/v1/contacts", 200, "{}");
        auto r = rig.send(http::Method::get);
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        rig.fake->verify();
    }

    TEST_CASE("gives up after max attempts with the last outcome") {
        Rig rig(3);
        for (int i = 0; i < 3; ++i) {
            rig.fake->add(http::Method::get, "/v1/contacts", 503);
        }
        auto r = rig.send(http::Method::get);
        REQUIRE(r.has_value());
        CHECK(r->status == 503);
        CHECK(rig.stats.requests == 3);
        CHECK(rig.stats.retries == 2);
        rig.fake->verify();

        Rig net(2);
        net.fake->add_error(http::Method::get, "/v1/contacts", Kind::connect, "first");
        net.fake->add_error(http::Method::get, "/v1/contacts", Kind::timeout, "second");
        auto e = net.send(http::Method::get);
        REQUIRE_FALSE(e.has_value());
        CHECK(e.error().message == "second");
        CHECK(lexsync::error_from_transport(e.error(), http::Method::get).exit_code() ==
              lexsync::ExitCode::network);
        net.fake->verify();
    }

    TEST_CASE("client errors are not retried") {
        Rig rig;
        rig.fake->add(http::Method::get, "/v1/contacts", 404);
        auto r = rig.send(http::Method::get);
        REQUIRE(r.has_value());
        CHECK(r->status == 404);
        CHECK(rig.stats.requests == 1);
        rig.fake->verify();
    }

    TEST_CASE("backoff is capped and jittered within its ceiling") {
        RetryPolicy p;
        p.backoff_base = 500ms;
        p.backoff_cap = 2'000ms;
        CHECK(lexsync::backoff_delay(p, 1, 1.0) == 500ms);
        CHECK(lexsync::backoff_delay(p, 2, 1.0) == 1000ms);
        CHECK(lexsync::backoff_delay(p, 5, 1.0) == 2000ms);
        CHECK(lexsync::backoff_delay(p, 5, 0.25) == 500ms);
        auto jitter = lexsync::seeded_jitter(42);
        for (int i = 0; i < 100; ++i) {
            const double j = jitter();
            CHECK(j >= 0.0);
            CHECK(j < 1.0);
        }
        CHECK_FALSE(lexsync::parse_retry_after("soon", std::chrono::system_clock::now()));
        CHECK(lexsync::parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                         std::chrono::system_clock::now()) ==
              std::chrono::system_clock::duration::zero());
    }

    TEST_CASE("429s do not count as attempts: they are waited out up to the total bound") {
        Rig rig(3);
        // Twenty 429s in a row, more than max_attempts, then success: not a failure.
        for (int i = 0; i < 20; ++i) {
            rig.fake->add(http::Method::post, "/v1/contacts", 429);
        }
        rig.fake->add(http::Method::post, "/v1/contacts", 201, "{}");
        auto r = rig.send(http::Method::post);
        REQUIRE(r.has_value());
        CHECK(r->status == 201);
        CHECK(rig.stats.rate_limited == 20);
        // Without Retry-After each wait is at most the 429 backoff cap (4 s).
        CHECK(rig.clock.total_slept() <= 20 * 4s);
        rig.fake->verify();
    }

    TEST_CASE("a 429 is returned only once the total wait bound is used up") {
        Rig rig;
        RetryPolicy p;
        p.rate_limit_wait = 900s;
        auto f = std::make_unique<FakeTransport>();
        auto* fake = f.get();
        // 60 s per wait: 15 waits use up 900 s; the 16th 429 is returned.
        for (int i = 0; i < 16; ++i) {
            fake->add(http::Method::get, "/v1/contacts", 429, "", retry_after("120"));
        }
        RetryTransport t(std::move(f), rig.clock, p, nullptr, &rig.stats, [] { return 1.0; });
        http::Request req;
        req.url = k_url;
        auto r = t.send(req);
        REQUIRE(r.has_value());
        CHECK(r->status == 429);
        CHECK(rig.clock.total_slept() == 900s);
        CHECK(lexsync::error_from_response(*r, http::Method::get).kind ==
              lexsync::ApiError::Kind::rate_limited);
        fake->verify();
    }

    TEST_CASE("an absurd Retry-After is cut to 60 s per wait and in the shared limiter") {
        Rig rig(6, true);
        rig.fake->add(http::Method::get, "/v1/contacts", 429, "", retry_after("999999999"));
        rig.fake->add(http::Method::get, "/v1/contacts", 200, "{}");
        const auto start = rig.clock.now();
        auto r = rig.send(http::Method::get);
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(rig.clock.total_slept() == 60s);
        // The next request on the key may go within the limiter's interval, not in 31 years.
        CHECK(rig.limiter->reserve() <= start + 61s);
        rig.fake->verify();
    }

    TEST_CASE("ClientStats adds every count of another") {
        ClientStats run{1, 2, 3, 4};
        run += ClientStats{10, 20, 30, 40};
        CHECK(run.requests == 11);
        CHECK(run.retries == 22);
        CHECK(run.rate_limited == 33);
        CHECK(run.unauthorized == 44);
    }
}
