// Event subscriptions and webhook callbacks: the resource, the URL checks, signed compact
// callbacks on changes, the retry table on a compressed clock, and removal on 410 and 404.
#include "sandbox/events.hpp"
#include "sandbox_fixture.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <lexsync/api/webhook.hpp>
#include <mutex>
#include <vector>

using namespace sandbox_test;

namespace {

// One received callback.
struct Callback {
    std::string body;
    std::string signature;
};

// A loopback HTTP receiver whose answers come from `status_for(n)` (n = 1 for the first POST).
class Receiver {
public:
    explicit Receiver(std::function<int(int)> status_for = [](int) { return 200; })
        : m_status_for(std::move(status_for)) {
        m_http.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(m_mutex);
            m_calls.push_back({req.body, req.get_header_value("X-Lxo-Signature")});
            res.status = m_status_for(static_cast<int>(m_calls.size()));
        });
        m_http.Get(".*", [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
        m_port = m_http.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_http.listen_after_bind(); });
        while (!m_http.is_running()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    ~Receiver() {
        m_http.stop();
        m_thread.join();
    }
    Receiver(const Receiver&) = delete;
    Receiver& operator=(const Receiver&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/hook"; }
    std::vector<Callback> calls() {
        std::lock_guard lock(m_mutex);
        return m_calls;
    }

private:
    std::function<int(int)> m_status_for;
    httplib::Server m_http;
    int m_port = 0;
    std::thread m_thread;
    std::mutex m_mutex;
    std::vector<Callback> m_calls;
};

// Polls `done` for up to 30 s (deliveries are asynchronous); returns its last value.
bool eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 3000; ++i) {
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
}

ServerOptions fast_retries() {
    auto o = unlimited();
    o.webhook_retry_scale = 0.00001; // the whole table (~38.6 h) in about 1.4 s
    return o;
}

std::string subscribe(httplib::Client& c, const std::string& type, const std::string& url,
                      int expect = 201) {
    auto r = c.Post("/v1/event-subscriptions",
                    R"({"eventType":")" + type + R"(","callbackUrl":")" + url + R"("})", k_json);
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == expect, r->body);
    if (expect != 201) {
        return {};
    }
    const auto d = parse(r->body);
    return d["id"].GetString();
}

std::string create_contact(httplib::Client& c, const std::string& name) {
    auto r = c.Post("/v1/contacts", company_body(name), k_json);
    REQUIRE(r);
    REQUIRE(r->status == 201);
    return parse(r->body)["id"].GetString();
}

int subscription_count(httplib::Client& c) {
    auto r = c.Get("/v1/event-subscriptions");
    REQUIRE(r);
    return static_cast<int>(parse(r->body)["content"].Size());
}

} // namespace

TEST_SUITE("lexsync::sandbox::Events") {
    TEST_CASE("the public key is served without authentication") {
        RunningServer s;
        auto c = s.client("");
        auto r = c.Get("/_sandbox/webhook-public-key");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body.rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
        CHECK(lexsync::webhook::PublicKey::from_pem(r->body));
        CHECK(c.Get("/v1/event-subscriptions")->status == 401);
    }

    TEST_CASE("subscriptions are created, listed, read, refused twice and deleted") {
        RunningServer s;
        Receiver rx;
        auto c = s.client();
        auto r = c.Post("/v1/event-subscriptions",
                        R"({"eventType":"Invoice.Created","callbackUrl":")" + rx.url() + R"("})",
                        k_json);
        REQUIRE(r);
        CHECK(r->status == 201);
        CHECK(r->has_header("Location"));
        const auto created = parse(r->body);
        CHECK(created.HasMember("id"));
        CHECK_FALSE(created.HasMember("subscriptionId"));
        const std::string id = created["id"].GetString();

        const auto list = parse(c.Get("/v1/event-subscriptions")->body);
        REQUIRE(list["content"].Size() == 1);
        CHECK(std::string(list["content"][0]["subscriptionId"].GetString()) == id);
        CHECK(std::string(list["content"][0]["eventType"].GetString()) == "invoice.created");
        CHECK(list["content"][0].HasMember("organizationId"));
        CHECK_FALSE(list.HasMember("totalPages"));
        CHECK(c.Get("/v1/event-subscriptions/" + id)->status == 200);

        subscribe(c, "invoice.created", rx.url(), 409);
        CHECK(c.Delete("/v1/event-subscriptions/" + id)->status == 204);
        CHECK(c.Get("/v1/event-subscriptions/" + id)->status == 404);
        CHECK(c.Delete("/v1/event-subscriptions/" + id)->status == 404);
    }

    TEST_CASE("bad subscriptions are refused") {
        RunningServer s;
        Receiver rx;
        auto c = s.client();
        subscribe(c, "contact.created", "http://example.com/hook", 406); // http off loopback
        subscribe(c, "contact.created", "http://127.0.0.1:1/hook", 406); // HEAD check fails
        subscribe(c, "contact.exploded", rx.url(), 406);
        subscribe(c, "contact.created", "not a url", 406);
        CHECK(c.Post("/v1/event-subscriptions", "{}", "text/plain")->status == 415);
        CHECK(subscription_count(c) == 0);
    }

    TEST_CASE("a change is called back compactly, signed, and only to its subscribers") {
        RunningServer s;
        Receiver contacts_rx;
        Receiver invoices_rx;
        auto c = s.client();
        subscribe(c, "contact.created", contacts_rx.url());
        subscribe(c, "contact.changed", contacts_rx.url());
        subscribe(c, "invoice.created", invoices_rx.url());
        const std::string id = create_contact(c, "Callback GmbH");
        REQUIRE(eventually([&] { return contacts_rx.calls().size() == 1; }));
        const auto call = contacts_rx.calls()[0];
        auto key =
            lexsync::webhook::PublicKey::from_pem(c.Get("/_sandbox/webhook-public-key")->body);
        REQUIRE(key);
        CHECK(key->verify(call.body, call.signature));
        CHECK(call.body.find(' ') == std::string::npos);
        CHECK(call.body.find('\n') == std::string::npos);
        auto e = lexsync::webhook::parse_event(call.body);
        REQUIRE(e);
        CHECK(e->event_type == "contact.created");
        CHECK(e->resource_id == id);
        CHECK(e->organization_id == "d3b07384-d9a0-4c4f-8e5b-7c1a2b3c4d5e");
        CHECK(invoices_rx.calls().empty());
    }

    TEST_CASE("failed deliveries are retried until one succeeds") {
        RunningServer s(fast_retries());
        Receiver rx([](int n) { return n <= 3 ? (n == 2 ? 429 : 503) : 200; });
        auto c = s.client();
        subscribe(c, "contact.created", rx.url());
        create_contact(c, "Retry GmbH");
        REQUIRE(eventually([&] { return rx.calls().size() >= 4; }));
        const auto calls = rx.calls();
        CHECK(calls[0].body == calls[3].body); // the same event each time
        CHECK(subscription_count(c) == 1);
    }

    TEST_CASE("410 removes the subscription at once, 404 after the last retry") {
        RunningServer s(fast_retries());
        Receiver gone([](int) { return 410; });
        Receiver missing([](int) { return 404; });
        Receiver bad_request([](int) { return 400; });
        auto c = s.client();
        subscribe(c, "contact.created", gone.url());
        subscribe(c, "contact.created", missing.url());
        subscribe(c, "contact.created", bad_request.url());
        create_contact(c, "Gone GmbH");
        REQUIRE(eventually([&] { return subscription_count(c) == 1; }));
        CHECK(gone.calls().size() == 1);
        CHECK(missing.calls().size() == 26);    // the first delivery and 25 retries
        CHECK(bad_request.calls().size() == 1); // other 4xx are not retried
    }

    TEST_CASE("a deleted subscription is never called again") {
        RunningServer s;
        Receiver old_rx;
        Receiver new_rx;
        auto c = s.client();
        const std::string old_id = subscribe(c, "contact.changed", old_rx.url());
        subscribe(c, "contact.created", old_rx.url());
        CHECK(c.Delete("/v1/event-subscriptions/" + old_id)->status == 204);
        subscribe(c, "contact.changed", new_rx.url());
        const std::string id = create_contact(c, "Deleted Hook GmbH");
        REQUIRE(eventually([&] { return old_rx.calls().size() == 1; })); // contact.created
        const auto contact = c.Get("/v1/contacts/" + id)->body;
        auto put = c.Put("/v1/contacts/" + id, contact, k_json);
        REQUIRE(put);
        REQUIRE(put->status == 200);
        REQUIRE(eventually([&] { return new_rx.calls().size() == 1; }));
        CHECK(old_rx.calls().size() == 1);
        CHECK(parse(new_rx.calls()[0].body)["eventType"] == "contact.changed");
    }

    TEST_CASE("the retry table is the service's") {
        using lexsync::sandbox::retry_delay_seconds;
        CHECK(retry_delay_seconds(1) == 10.0);
        CHECK(retry_delay_seconds(5) == 160.0);
        CHECK(retry_delay_seconds(6) == 1800.0);
        CHECK(retry_delay_seconds(7) == 7200.0);
        CHECK(retry_delay_seconds(25) == 7200.0);
        CHECK_FALSE(retry_delay_seconds(26));
    }
}
