// Fault injection: the spec syntax, replayable draws, and what each fault looks like to libcurl
// (lexsync's transport) on the wire.
#include "sandbox/faults.hpp"
#include "sandbox_fixture.hpp"

#include <atomic>
#include <csignal>
#include <lexsync/http/curl_transport.hpp>
#include <vector>

using namespace sandbox_test;
using lexsync::sandbox::FaultInjector;
using lexsync::sandbox::FaultPlan;
using lexsync::sandbox::FaultSpec;
using lexsync::sandbox::parse_fault_spec;

namespace {

ServerOptions faulty(const std::string& spec, std::uint64_t seed = 7) {
    ServerOptions o = unlimited("empty");
    auto parsed = parse_fault_spec(spec);
    REQUIRE(parsed);
    o.faults = *parsed;
    o.fault_seed = seed;
    return o;
}

lexsync::http::SendResult send(const RunningServer& server, lexsync::http::Method method,
                               const std::string& path, std::string body = {},
                               const std::string& key = k_sandbox_api_key) {
    lexsync::CurlTransport transport;
    lexsync::http::Request req;
    req.method = method;
    req.url = server.base_url() + path;
    req.body = std::move(body);
    if (!key.empty()) {
        req.headers.set("Authorization", "Bearer " + key);
    }
    req.headers.set("Accept", "application/json");
    if (!req.body.empty()) {
        req.headers.set("Content-Type", "application/json");
    }
    return transport.send(req);
}

long contact_count(const RunningServer& server) {
    auto res = server.client().Get("/v1/contacts?size=250");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    return static_cast<long>(parse(res->body)["totalElements"].GetInt64());
}

// A temporary state file, removed at the end of the scope.
struct TempState {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("lexsync-faults-" + std::to_string(std::random_device{}()) + ".db");
    ~TempState() { std::filesystem::remove(path); }
};

// The number of contacts in `state`, read through a server without faults.
long contacts_in(const TempState& state) {
    ServerOptions clean = unlimited("empty");
    clean.state_file = state.path.string();
    RunningServer server(clean);
    return contact_count(server);
}

const char* k_contact = R"({"version":0,"roles":{"customer":{}},"company":{"name":"Fault GmbH"}})";

} // namespace

TEST_SUITE("lexsync::sandbox::faults") {
    TEST_CASE("a spec names rates and durations and rejects anything else") {
        auto spec = parse_fault_spec(
            "5xx=0.05, 504-after-write=0.1,429-storm=0.02,storm-length=3,reset=0.02,"
            "truncate=0.5,slow-upload=1,slow-upload-ms=150,latency=5,jitter=20");
        REQUIRE(spec);
        CHECK(spec->server_error == doctest::Approx(0.05));
        CHECK(spec->gateway_after_write == doctest::Approx(0.1));
        CHECK(spec->storm == doctest::Approx(0.02));
        CHECK(spec->storm_length == 3);
        CHECK(spec->reset == doctest::Approx(0.02));
        CHECK(spec->truncate == doctest::Approx(0.5));
        CHECK(spec->slow_upload == doctest::Approx(1.0));
        CHECK(spec->slow_upload_ms == 150);
        CHECK(spec->latency_ms == 5);
        CHECK(spec->jitter_ms == 20);
        CHECK(spec->any());
        CHECK(parse_fault_spec(spec->to_string())->to_string() == spec->to_string());

        CHECK_FALSE(parse_fault_spec("")->any());
        CHECK_FALSE(parse_fault_spec("none")->any());
        CHECK(parse_fault_spec("none")->to_string() == "none");
        CHECK_FALSE(parse_fault_spec("5xx=1.5"));
        CHECK_FALSE(parse_fault_spec("5xx=-0.1"));
        CHECK_FALSE(parse_fault_spec("5xx"));
        CHECK_FALSE(parse_fault_spec("explode=0.1"));
        CHECK_FALSE(parse_fault_spec("latency=fast"));
        CHECK_FALSE(parse_fault_spec("storm-length=0"));
        CHECK(parse_fault_spec("explode=0.1").error().find("explode") != std::string::npos);
    }

    TEST_CASE("the same seed draws the same faults in the same order") {
        const FaultSpec spec = *parse_fault_spec("5xx=0.2,504-after-write=0.2,429-storm=0.05,"
                                                 "reset=0.1,truncate=0.1,jitter=30");
        auto run = [&](std::uint64_t seed) {
            FaultInjector f(spec, seed);
            std::vector<std::string> out;
            for (int i = 0; i < 300; ++i) {
                const FaultPlan p = f.draw(i % 3 == 0 ? "POST" : "GET", "/v1/contacts", false);
                out.push_back(std::to_string(static_cast<int>(p.kind)) + ":" +
                              std::to_string(p.status) + ":" + std::to_string(p.delay_ms));
            }
            return out;
        };
        CHECK(run(42) == run(42));
        CHECK(run(42) != run(43));
    }

    TEST_CASE("a storm answers storm-length 429s in a row and 504-after-write spares reads") {
        FaultInjector storms(*parse_fault_spec("429-storm=1,storm-length=4"), 1);
        for (int i = 0; i < 8; ++i) {
            CHECK(storms.draw("GET", "/v1/contacts", false).kind == FaultPlan::Kind::storm);
        }
        CHECK(storms.counts().storms == 2);
        CHECK(storms.counts().storm_429s == 8);

        FaultInjector gateway(*parse_fault_spec("504-after-write=1"), 1);
        CHECK(gateway.draw("GET", "/v1/contacts", false).kind == FaultPlan::Kind::none);
        CHECK(gateway.draw("POST", "/v1/contacts", false).kind ==
              FaultPlan::Kind::gateway_after_write);
        CHECK(gateway.draw("PUT", "/v1/contacts/x", false).kind ==
              FaultPlan::Kind::gateway_after_write);

        FaultInjector slow(*parse_fault_spec("slow-upload=1,slow-upload-ms=250,latency=10"), 1);
        CHECK(slow.draw("POST", "/v1/contacts", false).delay_ms == 10);
        CHECK(slow.draw("POST", "/v1/files", true).delay_ms == 260);
    }

    TEST_CASE("a request that fails authentication never sees a fault") {
        RunningServer server(faulty("5xx=1"));
        for (int i = 0; i < 5; ++i) {
            auto res = server.client("wrong-key").Get("/v1/contacts");
            REQUIRE(res);
            CHECK(res->status == 401);
            auto none = server.client("").Get("/v1/contacts");
            REQUIRE(none);
            CHECK(none->status == 401);
        }
        auto res = server.client().Get("/v1/contacts");
        REQUIRE(res);
        CHECK(res->status >= 500);
    }

    TEST_CASE("a 5xx before execution does not run the write") {
        TempState state;
        {
            ServerOptions o = faulty("5xx=1");
            o.state_file = state.path.string();
            RunningServer server(o);
            for (int i = 0; i < 4; ++i) {
                auto r = send(server, lexsync::http::Method::post, "/v1/contacts", k_contact);
                REQUIRE(r);
                CHECK(
                    (r->status == 500 || r->status == 502 || r->status == 503 || r->status == 504));
            }
        }
        CHECK(contacts_in(state) == 0);
    }

    TEST_CASE("504-after-write answers 504 but the write was executed") {
        RunningServer server(faulty("504-after-write=1"));
        auto r = send(server, lexsync::http::Method::post, "/v1/contacts", k_contact);
        REQUIRE(r);
        CHECK(r->status == 504);
        CHECK(contact_count(server) == 1); // reads are untouched by this fault
    }

    TEST_CASE("resets and truncations reach libcurl as receive errors after the write ran") {
        for (const char* spec : {"reset=1", "truncate=1"}) {
            CAPTURE(spec);
            RunningServer server(faulty(spec, 11));
            int receive_errors = 0;
            for (int i = 0; i < 12; ++i) {
                auto r = send(server, lexsync::http::Method::get, "/v1/profile");
                if (!r && r.error().kind == lexsync::http::TransportError::Kind::receive) {
                    ++receive_errors;
                }
            }
            CHECK(receive_errors == 12);
            auto w = send(server, lexsync::http::Method::post, "/v1/contacts", k_contact);
            REQUIRE_FALSE(w);
            CHECK(w.error().kind == lexsync::http::TransportError::Kind::receive);
            CHECK_FALSE(w.error().not_sent());
        }
        TempState state;
        {
            ServerOptions o = faulty("reset=1", 5);
            o.state_file = state.path.string();
            RunningServer server(o);
            auto w = send(server, lexsync::http::Method::post, "/v1/contacts", k_contact);
            REQUIRE_FALSE(w);
            CHECK(w.error().kind == lexsync::http::TransportError::Kind::receive);
        }
        CHECK(contacts_in(state) == 1);
    }

    TEST_CASE("lexsync's transport sends a write once even when a reused connection is reset") {
        // libcurl repeats a request on its own when a reused connection dies before the answer;
        // for a POST the server already executed, that would be an invisible duplicate.
        std::signal(SIGPIPE, SIG_IGN);
        std::atomic<int> posts{0};
        httplib::Server http;
        http.Get("/v1/ping", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("{}", "application/json");
        });
        http.Post("/v1/contacts", [&](const httplib::Request& req, httplib::Response& res) {
            ++posts;
            FaultPlan reset;
            reset.kind = FaultPlan::Kind::reset;
            reset.cut = 0.0; // before the status line
            lexsync::sandbox::fault_cut_response(reset, req, res);
        });
        const int port = http.bind_to_any_port("127.0.0.1");
        std::thread t([&] { http.listen_after_bind(); });
        while (!http.is_running()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        lexsync::CurlTransport transport;
        const std::string base = "http://127.0.0.1:" + std::to_string(port);
        lexsync::http::Request get;
        get.url = base + "/v1/ping";
        REQUIRE(transport.send(get)); // opens the connection the POST would reuse
        lexsync::http::Request post;
        post.method = lexsync::http::Method::post;
        post.url = base + "/v1/contacts";
        post.body = k_contact;
        post.headers.set("Content-Type", "application/json");
        auto r = transport.send(post);
        http.stop();
        t.join();
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == lexsync::http::TransportError::Kind::receive);
        CHECK(posts == 1);
    }
}
