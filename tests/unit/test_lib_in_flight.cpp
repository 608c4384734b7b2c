#include <algorithm>
#include <condition_variable>
#include <doctest/doctest.h>
#include <lexsync/http/in_flight.hpp>
#include <lexsync/http/rate_limiter.hpp>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using lexsync::FakeClock;
using lexsync::http::InFlight;
using lexsync::http::Method;
using lexsync::http::Request;
using lexsync::http::Response;
using lexsync::http::SendResult;
using lexsync::http::Transport;
using lexsync::http::TransportError;

namespace {

// A server every lane talks to: each request waits until the test opens it (all at once, or by
// URL), so a test decides the order in which answers arrive and sees how many are in flight.
// No outcome depends on a sleep.
class GatedServer {
public:
    SendResult send(const Request& request) {
        std::unique_lock lock(m_mutex);
        ++m_active;
        m_max_active = std::max(m_max_active, m_active);
        m_arrived.push_back(request.url);
        m_changed.notify_all();
        m_changed.wait(lock, [&] { return m_all_open || m_open.count(request.url) > 0; });
        --m_active;
        if (auto it = m_failures.find(request.url); it != m_failures.end()) {
            return lexsync::unexpected(TransportError{it->second, "simulated"});
        }
        Response r;
        r.status = request.method == Method::post ? 201 : 200;
        r.body = request.url;
        return r;
    }

    // Waits until `n` requests have arrived.
    void wait_arrived(std::size_t n) {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_arrived.size() >= n; });
    }
    // Answers the request for `url` (now, or when it arrives).
    void open(const std::string& url) {
        std::lock_guard lock(m_mutex);
        m_open.insert(url);
        m_changed.notify_all();
    }
    void open_all() {
        std::lock_guard lock(m_mutex);
        m_all_open = true;
        m_changed.notify_all();
    }
    void fail(const std::string& url, TransportError::Kind kind) {
        std::lock_guard lock(m_mutex);
        m_failures[url] = kind;
    }
    int active() const {
        std::lock_guard lock(m_mutex);
        return m_active;
    }
    int max_active() const {
        std::lock_guard lock(m_mutex);
        return m_max_active;
    }
    std::size_t arrived() const {
        std::lock_guard lock(m_mutex);
        return m_arrived.size();
    }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<std::string> m_arrived;
    std::set<std::string> m_open;
    std::map<std::string, TransportError::Kind> m_failures;
    bool m_all_open = false;
    int m_active = 0;
    int m_max_active = 0;
};

// One lane's connection to the server.
class Connection final : public Transport {
public:
    explicit Connection(GatedServer& server) : m_server(server) {}
    SendResult send(const Request& request) override { return m_server.send(request); }

private:
    GatedServer& m_server;
};

// Remembers every slot the shared limiter handed out.
class RecordingLimiter final : public lexsync::RateLimiter {
public:
    explicit RecordingLimiter(std::unique_ptr<lexsync::RateLimiter> inner)
        : m_inner(std::move(inner)) {}
    lexsync::Clock::time_point reserve() override {
        std::lock_guard lock(m_mutex);
        m_slots.push_back(m_inner->reserve());
        return m_slots.back();
    }
    void hold_until(lexsync::Clock::time_point t) override { m_inner->hold_until(t); }
    std::vector<lexsync::Clock::time_point> slots() const {
        std::lock_guard lock(m_mutex);
        return m_slots;
    }

private:
    std::unique_ptr<lexsync::RateLimiter> m_inner;
    mutable std::mutex m_mutex;
    std::vector<lexsync::Clock::time_point> m_slots;
};

std::vector<std::unique_ptr<Transport>> connections(GatedServer& server, std::size_t n) {
    std::vector<std::unique_ptr<Transport>> lanes;
    for (std::size_t i = 0; i < n; ++i) {
        lanes.push_back(std::make_unique<Connection>(server));
    }
    return lanes;
}

InFlight<Transport, SendResult>::Task get(std::string url) {
    return [url](Transport& t) {
        Request r;
        r.url = url;
        return t.send(r);
    };
}

} // namespace

TEST_SUITE("lexsync::http::InFlight") {
    TEST_CASE("results come back in submission order whatever order the answers arrive in") {
        GatedServer server;
        InFlight<Transport, SendResult> q(connections(server, 4));
        for (int i = 0; i < 4; ++i) {
            q.submit(get("/v1/x/" + std::to_string(i)));
        }
        server.wait_arrived(4); // all four in flight at once
        CHECK(server.active() == 4);
        for (int i = 3; i >= 0; --i) {
            server.open("/v1/x/" + std::to_string(i));
        }
        for (int i = 0; i < 4; ++i) {
            auto r = q.take();
            REQUIRE(r);
            CHECK(r->body == "/v1/x/" + std::to_string(i));
        }
        CHECK(q.outstanding() == 0);
    }

    TEST_CASE("never more requests in flight than lanes, and values without a request keep "
              "their turn") {
        GatedServer server;
        InFlight<Transport, SendResult> q(connections(server, 2));
        q.submit(get("/a"));
        Response known;
        known.status = 204;
        q.put(known);
        for (const char* u : {"/b", "/c", "/d", "/e"}) {
            q.submit(get(u));
        }
        server.wait_arrived(2);
        CHECK(server.active() == 2);
        CHECK(q.full());
        server.open_all();
        std::vector<int> statuses;
        std::vector<std::string> bodies;
        for (int i = 0; i < 6; ++i) {
            auto r = q.take();
            REQUIRE(r);
            statuses.push_back(r->status);
            bodies.push_back(r->body);
        }
        CHECK(statuses[1] == 204);
        CHECK(bodies == std::vector<std::string>{"/a", "", "/b", "/c", "/d", "/e"});
        CHECK(server.max_active() == 2);
        CHECK(server.arrived() == 5);
    }

    TEST_CASE("every lane draws its send slots from the one shared limiter") {
        GatedServer server;
        server.open_all();
        FakeClock clock;
        auto limiter =
            std::make_shared<RecordingLimiter>(lexsync::make_rate_limiter(2.0, 1, clock));
        std::vector<std::unique_ptr<Transport>> lanes;
        for (int i = 0; i < 4; ++i) {
            lanes.push_back(std::make_unique<lexsync::RateLimitedTransport>(
                std::make_unique<Connection>(server), limiter, clock));
        }
        InFlight<Transport, SendResult> q(std::move(lanes));
        for (int i = 0; i < 12; ++i) {
            q.submit(get("/v1/y/" + std::to_string(i)));
        }
        for (int i = 0; i < 12; ++i) {
            auto r = q.take();
            REQUIRE(r);
            CHECK(r->body == "/v1/y/" + std::to_string(i));
        }
        auto slots = limiter->slots();
        REQUIRE(slots.size() == 12);
        std::sort(slots.begin(), slots.end());
        for (std::size_t i = 1; i < slots.size(); ++i) {
            CHECK(slots[i] - slots[i - 1] >= 500ms); // 2 per second, burst 1: never two at once
        }
    }

    TEST_CASE("an unclear answer or an exception in one slot leaves the others' results alone") {
        GatedServer server;
        server.fail("/v1/contacts/2", TransportError::Kind::timeout);
        server.open_all();
        InFlight<Transport, SendResult> q(connections(server, 3));
        for (int i = 0; i < 5; ++i) {
            const std::string url = "/v1/contacts/" + std::to_string(i);
            if (i == 3) {
                q.submit([](Transport&) -> SendResult { throw std::runtime_error("task broke"); });
            } else {
                q.submit([url](Transport& t) {
                    Request r;
                    r.method = Method::post;
                    r.url = url;
                    return t.send(r);
                });
            }
        }
        for (int i = 0; i < 5; ++i) {
            if (i == 3) {
                CHECK_THROWS_WITH_AS(q.take(), "task broke", std::runtime_error);
                continue;
            }
            auto r = q.take();
            if (i == 2) {
                REQUIRE_FALSE(r);
                CHECK(r.error().kind == TransportError::Kind::timeout);
                CHECK_FALSE(r.error().not_sent()); // may have been executed: the caller reconciles
            } else {
                REQUIRE(r);
                CHECK(r->status == 201);
                CHECK(r->body == "/v1/contacts/" + std::to_string(i));
            }
        }
    }
}
