#include "cli/columns.hpp"
#include "cli/context.hpp"
#include "cli/progress.hpp"
#include "fake_transport.hpp"

#include <doctest/doctest.h>
#include <lexsync/http/retry.hpp>
#include <sstream>
#include <vector>

using namespace std::chrono_literals;
using lexsync::Clock;
using lexsync::FakeClock;
using lexsync::progress_due;
using lexsync::progress_eta;
using lexsync::progress_line;
using lexsync::progress_rate;
using lexsync::ProgressView;
using lexsync::short_duration;
using lexsync::WaitReason;

namespace {

ProgressView view(std::size_t done, std::optional<std::size_t> total, Clock::duration elapsed) {
    ProgressView v;
    v.label = "contacts push";
    v.unit = "contacts";
    v.done = done;
    v.total = total;
    v.elapsed = elapsed;
    return v;
}

// A context on string streams whose stderr counts as a terminal `width` columns wide.
struct Tty {
    std::ostringstream out, err;
    std::istringstream in;
    FakeClock clock;
    lexsync::Context ctx;

    explicit Tty(bool tty = true, int width = 80)
        : ctx(
              lexsync::IOStreams{out, err, in, false, tty, false, 0, width},
              [](const std::string&) { return std::optional<std::string>(); }, clock) {}

    // The lines drawn so far: what follows each "\r", without the erase sequence.
    std::vector<std::string> drawn() const {
        std::vector<std::string> lines;
        const std::string s = err.str();
        std::size_t p = 0;
        while ((p = s.find('\r', p)) != std::string::npos) {
            const std::size_t end = s.find("\033[K", p);
            lines.push_back(s.substr(p + 1, end - p - 1));
            p = end;
        }
        return lines;
    }
};

} // namespace

TEST_SUITE("lexsync::Progress") {
    TEST_CASE("the rate and the time left appear once a few items and a second have passed") {
        CHECK_FALSE(progress_rate(2, 10s));
        CHECK_FALSE(progress_rate(10, 500ms));
        CHECK(*progress_rate(10, 5s) == doctest::Approx(2.0));
        CHECK_FALSE(progress_eta(10, std::nullopt, 5s));
        CHECK(*progress_eta(10, 100, 5s) == 45s);
        CHECK(*progress_eta(100, 100, 5s) == 0s);
    }

    TEST_CASE("durations are short and rounded up") {
        CHECK(short_duration(0s) == "0 s");
        CHECK(short_duration(1ms) == "1 s");
        CHECK(short_duration(12s) == "12 s");
        CHECK(short_duration(445s) == "7 min 25 s");
        CHECK(short_duration(7380s) == "2 h 03 min");
    }

    TEST_CASE("the line: count, rate and time left; the count alone at first") {
        CHECK(progress_line(view(0, 1000, 0s), 80) == "contacts push: 0/1000 contacts");
        CHECK(progress_line(view(120, 1000, 60s), 80) ==
              "contacts push: 120/1000 contacts, 2.0/s, about 7 min 20 s left");
        CHECK(progress_line(view(40, std::nullopt, 10s), 80) ==
              "contacts push: 40 contacts, 4.0/s");
    }

    TEST_CASE("the line fits the terminal: the detail and the time left go first") {
        ProgressView v = view(120, 1000, 60s);
        v.detail = "RE-1001";
        CHECK(progress_line(v, 80) ==
              "contacts push: 120/1000 contacts, 2.0/s, about 7 min 20 s left, RE-1001");
        CHECK(progress_line(v, 60) == "contacts push: 120/1000 contacts, 2.0/s");
        CHECK(progress_line(v, 20) == "contacts push: 120…");
        CHECK(lexsync::display_width(progress_line(v, 0)) <= 79);
    }

    TEST_CASE("server text in the detail cannot steer the terminal") {
        ProgressView v = view(1, 2, 0s);
        v.detail = "RE\033[2J1";
        CHECK(progress_line(v, 80).find('\033') == std::string::npos);
    }

    TEST_CASE("a wait replaces rate and time left") {
        ProgressView v = view(120, 1000, 60s);
        v.wait = std::make_pair(WaitReason::rate_limit, 11500ms);
        CHECK(progress_line(v, 80) ==
              "contacts push: 120/1000 contacts, waiting 12 s for the rate limit");
        v.wait = std::make_pair(WaitReason::retry_after, 30s);
        CHECK(progress_line(v, 80) ==
              "contacts push: 120/1000 contacts, waiting 30 s as lexoffice asked (429)");
        v.wait = std::make_pair(WaitReason::backoff, 2s);
        CHECK(progress_line(v, 80) == "contacts push: 120/1000 contacts, retrying in 2 s");
    }

    TEST_CASE("redraws at most every 250 ms") {
        const Clock::time_point t0{};
        CHECK(progress_due(std::nullopt, t0));
        CHECK_FALSE(progress_due(t0, t0 + 100ms));
        CHECK(progress_due(t0, t0 + 250ms));
    }

    TEST_CASE("on a terminal: throttled redraws in place, the last item drawn, erased at the end") {
        Tty t;
        {
            lexsync::Progress p(t.ctx, "contacts push", "contacts", 10);
            CHECK(p.shown());
            CHECK(t.ctx.progress == &p);
            for (std::size_t i = 1; i <= 10; ++i) {
                t.clock.advance(100ms);
                p.update(i);
            }
        }
        CHECK(t.ctx.progress == nullptr);
        const auto lines = t.drawn();
        // 1 (first), 4 and 7 (250 ms apart at 100 ms per item), 10 (the last), then the erase.
        REQUIRE(lines.size() == 5);
        CHECK(lines[0] == "contacts push: 1/10 contacts");
        CHECK(lines[3] == "contacts push: 10/10 contacts, 10.0/s, about 0 s left");
        CHECK(lines[4].empty());
        CHECK(t.out.str().empty());
        CHECK(t.err.str().substr(t.err.str().size() - 4) == "\r\033[K");
    }

    TEST_CASE("a resized terminal: the next redraw fits the new width") {
        Tty t(true, 80);
        int columns = 80;
        int asked = 0;
        t.ctx.io.err_width_now = [&] {
            ++asked;
            return columns;
        };
        lexsync::Progress p(t.ctx, "contacts push", "contacts", 1000);
        t.clock.advance(60s);
        p.update(120, "RE-1001");
        columns = 40;
        p.update(121, "RE-1002"); // not due yet: not drawn, not asked
        t.clock.advance(250ms);
        p.update(122, "RE-1003");
        columns = 0; // the terminal cannot tell: the last width stays
        t.clock.advance(250ms);
        p.update(123, "RE-1004");
        const auto lines = t.drawn();
        REQUIRE(lines.size() == 3);
        CHECK(lines[0] ==
              "contacts push: 120/1000 contacts, 2.0/s, about 7 min 20 s left, RE-1001");
        CHECK(lines[1] == "contacts push: 122/1000 contacts, 2.0/s");
        CHECK(lines[2] == "contacts push: 123/1000 contacts, 2.0/s");
        CHECK(asked == 3);
        CHECK(t.ctx.io.err_terminal_width == 40);
    }

    TEST_CASE("without a way to ask, the width found at the start stays") {
        Tty t(true, 40);
        lexsync::Progress p(t.ctx, "contacts push", "contacts", 1000);
        t.clock.advance(60s);
        p.update(120, "RE-1001");
        REQUIRE(t.drawn().size() == 1);
        CHECK(t.drawn()[0] == "contacts push: 120/1000 contacts, 2.0/s");
    }

    TEST_CASE("a message erases the line first, and the next update draws it again") {
        Tty t;
        lexsync::Progress p(t.ctx, "invoices export", "invoices", 3);
        p.update(1);
        t.ctx.warn("something");
        p.update(2);
        CHECK(t.err.str() ==
              "\rinvoices export: 1/3 invoices\033[K\r\033[Klexsync: warning: something\n"
              "\rinvoices export: 2/3 invoices\033[K");
    }

    TEST_CASE("nothing without a terminal, with --quiet or with -v") {
        Tty plain(false);
        lexsync::Progress a(plain.ctx, "contacts pull", "contacts");
        a.update(1);
        a.waiting(WaitReason::rate_limit, 5s);
        CHECK_FALSE(a.shown());
        CHECK(plain.err.str().empty());

        Tty quiet;
        quiet.ctx.global.quiet = true;
        lexsync::Progress b(quiet.ctx, "contacts pull", "contacts");
        b.update(1);
        CHECK(quiet.err.str().empty());

        Tty verbose;
        verbose.ctx.global.verbose = 1;
        lexsync::Progress c(verbose.ctx, "contacts pull", "contacts");
        c.update(1);
        CHECK(verbose.err.str().empty());
    }

    TEST_CASE("the client's waits reach the line: a Retry-After of lexoffice's") {
        Tty t;
        auto fake = std::make_unique<lexsync::testing::FakeTransport>();
        fake->add(lexsync::http::Method::get, "/v1/contacts", 429, "", [] {
            lexsync::http::Headers h;
            h.set("Retry-After", "12");
            return h;
        }());
        fake->add(lexsync::http::Method::get, "/v1/contacts", 200, "{}");
        lexsync::RetryTransport retry(
            std::move(fake), t.clock, lexsync::RetryPolicy{}, nullptr, nullptr, [] { return 1.0; },
            t.ctx.wait_hook());
        lexsync::Progress p(t.ctx, "contacts pull", "contacts", 100);
        p.update(40);
        lexsync::http::Request r;
        r.url = "https://api.example.test/v1/contacts";
        REQUIRE(retry.send(r).has_value());
        p.update(41);
        const auto lines = t.drawn();
        REQUIRE(lines.size() == 3);
        CHECK(lines[1] == "contacts pull: 40/100 contacts, waiting 12 s as lexoffice asked (429)");
        CHECK(lines[2].rfind("contacts pull: 41/100 contacts", 0) == 0);
    }

    TEST_CASE("short waits are the normal pace of requests and are not shown") {
        Tty t;
        lexsync::Progress p(t.ctx, "contacts pull", "contacts", 100);
        p.update(1);
        p.waiting(WaitReason::rate_limit, 500ms);
        CHECK(t.drawn().size() == 1);
    }
}
