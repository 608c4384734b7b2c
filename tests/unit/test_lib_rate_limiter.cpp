#include "fake_transport.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/http/rate_limiter.hpp>
#include <sys/wait.h>
#include <unistd.h>

using namespace std::chrono_literals;
using lexsync::FakeClock;
using lexsync::make_rate_limiter;

namespace {

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/lexsync-limiter-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() { std::filesystem::remove_all(path); }
};

} // namespace

TEST_SUITE("lexsync::RateLimiter") {
    TEST_CASE("the first burst goes at once, then one slot per interval") {
        FakeClock clock;
        auto limiter = make_rate_limiter(2.0, 2, clock);
        const auto t0 = clock.now();
        CHECK(limiter->reserve() == t0);
        CHECK(limiter->reserve() == t0);
        CHECK(limiter->reserve() == t0 + 500ms);
        CHECK(limiter->reserve() == t0 + 1000ms);
        clock.advance(10s);
        // Idle time refills the burst but no more than the burst.
        const auto t1 = clock.now();
        CHECK(limiter->reserve() == t1);
        CHECK(limiter->reserve() == t1);
        CHECK(limiter->reserve() == t1 + 500ms);
    }

    TEST_CASE("hold_until pushes the next slot back without a burst after it") {
        FakeClock clock;
        auto limiter = make_rate_limiter(2.0, 4, clock);
        const auto t0 = clock.now();
        limiter->hold_until(t0 + 5s);
        CHECK(limiter->reserve() == t0 + 5s);
        CHECK(limiter->reserve() == t0 + 5500ms);
    }

    TEST_CASE("the rate limited transport sleeps on the clock until each slot") {
        FakeClock clock;
        auto fake = std::make_unique<lexsync::testing::FakeTransport>();
        auto* f = fake.get();
        for (int i = 0; i < 4; ++i) {
            f->add(lexsync::http::Method::get, "/v1/ping", 200);
        }
        lexsync::RateLimitedTransport t(std::move(fake), make_rate_limiter(1.5, 1, clock), clock);
        lexsync::http::Request r;
        r.url = "https://api.example.test/v1/ping";
        for (int i = 0; i < 4; ++i) {
            REQUIRE(t.send(r).has_value());
        }
        // 1.5/s, no burst: three waits of 667 ms (rounded to microseconds).
        CHECK(clock.total_slept() == 3 * std::chrono::microseconds(666'667));
        f->verify();
    }

    TEST_CASE("two limiters on one state file share one budget") {
        TempDir dir;
        const auto file = lexsync::limiter_file_for(dir.path, "secret-token-value");
        FakeClock clock;
        auto a = make_rate_limiter(2.0, 2, clock, file);
        auto b = make_rate_limiter(2.0, 2, clock, file);
        const auto t0 = clock.now();
        CHECK(a->reserve() == t0);
        CHECK(b->reserve() == t0);
        CHECK(a->reserve() == t0 + 500ms);
        CHECK(b->reserve() == t0 + 1000ms);
        b->hold_until(t0 + 10s);
        CHECK(a->reserve() == t0 + 10s);
        // The file holds an integer of microseconds since the epoch.
        std::ifstream in(file);
        long long stored = 0;
        in >> stored;
        CHECK(stored > 0);
    }

    TEST_CASE("the state file is named by a hash, never by the key") {
        const auto f1 = lexsync::limiter_file_for("/state", "secret-token-value");
        const auto f2 = lexsync::limiter_file_for("/state", "another-token");
        CHECK(f1 != f2);
        CHECK(f1.parent_path() == "/state");
        CHECK(f1.filename().string().rfind("ratelimit-", 0) == 0);
        CHECK(f1.filename().string().size() == std::string("ratelimit-").size() + 16);
        CHECK(f1.string().find("secret") == std::string::npos);
        CHECK(f1 == lexsync::limiter_file_for("/state", "secret-token-value"));
    }

    TEST_CASE("separate processes on one state file get distinct slots") {
        TempDir dir;
        const auto file = dir.path / "ratelimit-test";
        const auto slots = dir.path / "slots";
        constexpr int k_per_process = 5;
        // Both processes use the same fake time, so the slots must interleave without overlap.
        const auto start = FakeClock().now();
        auto run = [&](const char* tag) {
            FakeClock clock(start);
            auto limiter = make_rate_limiter(2.0, 1, clock, file);
            for (int i = 0; i < k_per_process; ++i) {
                const auto slot = limiter->reserve();
                std::ofstream out(slots.string() + tag, std::ios::app);
                out << std::chrono::duration_cast<std::chrono::milliseconds>(slot - start).count()
                    << "\n";
            }
        };
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            run("-child");
            std::_Exit(0);
        }
        run("-parent");
        int status = 0;
        ::waitpid(child, &status, 0);
        REQUIRE(WIFEXITED(status));
        std::vector<long> all;
        for (const char* tag : {"-child", "-parent"}) {
            std::ifstream in(slots.string() + tag);
            long v = 0;
            while (in >> v) {
                all.push_back(v);
            }
        }
        std::sort(all.begin(), all.end());
        REQUIRE(all.size() == 2 * k_per_process);
        for (std::size_t i = 0; i < all.size(); ++i) {
            CHECK(all[i] == static_cast<long>(i) * 500);
        }
    }

    TEST_CASE("a hold is capped, and a stored slot far ahead does not stall the key") {
        TempDir dir;
        const auto file = lexsync::limiter_file_for(dir.path, "http://127.0.0.1:1", "k");
        FakeClock clock;
        const auto t0 = clock.now();
        {
            auto a = make_rate_limiter(2.0, 2, clock, file);
            a->hold_until(t0 + std::chrono::hours(24 * 365 * 30));
            CHECK(a->reserve() <= t0 + lexsync::k_max_limiter_hold);
        }
        // A file written by anything else with a slot years ahead.
        {
            std::ofstream out(file, std::ios::trunc);
            out << std::chrono::duration_cast<std::chrono::microseconds>(
                       (t0 + std::chrono::hours(24 * 365 * 30)).time_since_epoch())
                       .count()
                << "\n";
        }
        auto b = make_rate_limiter(2.0, 2, clock, file);
        CHECK(b->reserve() == t0);
    }

    TEST_CASE("the limiter never follows a symlink, and its directory is private") {
        TempDir dir;
        const auto limiter_dir = dir.path / "ratelimit";
        const auto file = lexsync::limiter_file_for(limiter_dir, "http://127.0.0.1:1", "key");
        const auto target = dir.path / "victim";
        { std::ofstream(target) << "keep me\n"; }
        std::filesystem::create_directories(limiter_dir);
        std::filesystem::permissions(limiter_dir, std::filesystem::perms::all);
        std::filesystem::create_symlink(target, file);
        FakeClock clock;
        auto limiter = make_rate_limiter(2.0, 2, clock, file);
        limiter->reserve();
        limiter->reserve();
        std::ifstream in(target);
        std::string content;
        std::getline(in, content);
        CHECK(content == "keep me");
        const auto perms = std::filesystem::status(limiter_dir).permissions();
        CHECK((perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
              std::filesystem::perms::none);
        // The key and the host both choose the file.
        CHECK(file != lexsync::limiter_file_for(limiter_dir, "http://127.0.0.1:2", "key"));
        CHECK(file != lexsync::limiter_file_for(limiter_dir, "http://127.0.0.1:1", "other"));
    }
}
