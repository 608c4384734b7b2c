#include "fake_transport.hpp"

#include <doctest/doctest.h>
#include <lexsync/api/client.hpp>

using lexsync::ApiClient;
using lexsync::PageIterator;
using lexsync::testing::FakeTransport;
namespace http = lexsync::http;
namespace json = lexsync::json;

namespace {

std::string page_body(int number, int size, bool last, long total, int items) {
    std::string content;
    for (int i = 0; i < items; ++i) {
        content +=
            (i ? "," : "") + std::string(R"({"n":)") + std::to_string(number * size + i) + "}";
    }
    return R"({"content":[)" + content + R"(],"last":)" + (last ? "true" : "false") +
           R"(,"totalElements":)" + std::to_string(total) + R"(,"size":)" + std::to_string(size) +
           R"(,"number":)" + std::to_string(number) + "}";
}

} // namespace

TEST_SUITE("lexsync::PageIterator") {
    TEST_CASE("walks three pages until the last one") {
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        for (int i = 0; i < 3; ++i) {
            f->add_fixture(http::Method::get,
                           "/v1/contacts?customer=true&page=" + std::to_string(i) + "&size=2", 200,
                           "contacts_page_" + std::to_string(i) + ".json");
        }
        ApiClient client("https://api.example.test", std::move(fake));
        PageIterator pages(client, "/v1/contacts", {{"customer", "true"}}, 2);
        std::vector<std::string> names;
        auto n = pages.for_each([&](const json::Value& item) {
            names.push_back(*json::get_string(item, "company.name"));
        });
        REQUIRE(n.has_value());
        CHECK(*n == 5);
        CHECK(names ==
              std::vector<std::string>{"Firma 0", "Firma 1", "Firma 2", "Firma 3", "Firma 4"});
        CHECK(pages.total_elements() == 5);
        CHECK_FALSE(pages.window_capped());
        // After the last page nothing more is asked for.
        auto again = pages.next();
        REQUIRE(again.has_value());
        CHECK_FALSE(*again);
        f->verify();
    }

    TEST_CASE("page size is capped at 250 and an empty page ends the walk") {
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        f->add(http::Method::get, "/v1/articles?page=0&size=250", 200,
               R"({"content":[],"last":false,"totalElements":0})");
        ApiClient client("https://api.example.test", std::move(fake));
        PageIterator pages(client, "/v1/articles", {}, 1000);
        auto more = pages.next();
        REQUIRE(more.has_value());
        CHECK_FALSE(*more);
        CHECK(pages.items().Size() == 0);
        f->verify();
    }

    TEST_CASE("stops before a page past the 10,000-result window") {
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        constexpr int k_size = 250;
        for (int i = 0; i < 40; ++i) {
            f->add(http::Method::get, "/v1/voucherlist?page=" + std::to_string(i) + "&size=250",
                   200, page_body(i, k_size, false, 10'000, k_size));
        }
        ApiClient client("https://api.example.test", std::move(fake));
        PageIterator pages(client, "/v1/voucherlist", {}, k_size);
        long seen = 0;
        auto n = pages.for_each([&](const json::Value&) { ++seen; });
        REQUIRE(n.has_value());
        CHECK(*n == 10'000);
        CHECK(pages.window_capped());
        CHECK(f->request_count() == 40);
        f->verify();
    }

    TEST_CASE("a server that reports more than 10,000 results (no cap) is read to the end") {
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        for (int i = 0; i < 48; ++i) {
            f->add(http::Method::get, "/v1/contacts?page=" + std::to_string(i) + "&size=250", 200,
                   page_body(i, 250, i == 47, 12'000, 250));
        }
        ApiClient client("https://api.example.test", std::move(fake));
        PageIterator pages(client, "/v1/contacts", {}, 250);
        auto n = pages.for_each([](const json::Value&) {});
        REQUIRE(n.has_value());
        CHECK(*n == 12'000);
        CHECK_FALSE(pages.window_capped());
        f->verify();
    }

    TEST_CASE("a last page at the 10,000 cap is reported as capped") {
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        f->add(http::Method::get, "/v1/voucherlist?page=0&size=250", 200,
               page_body(0, 250, true, 10'000, 3));
        ApiClient client("https://api.example.test", std::move(fake));
        PageIterator pages(client, "/v1/voucherlist", {}, 250);
        REQUIRE(pages.for_each([](const json::Value&) {}).has_value());
        CHECK(pages.window_capped());
        f->verify();
    }

    TEST_CASE("an error stops the walk; a body without content is a protocol error") {
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        f->add(http::Method::get, "/v1/contacts?page=0&size=25", 401,
               R"({"message":"Unauthorized"})");
        f->add(http::Method::get, "/v1/countries?page=0&size=25", 200, R"([{"countryCode":"DE"}])");
        ApiClient client("https://api.example.test", std::move(fake));
        PageIterator pages(client, "/v1/contacts", {}, 25);
        auto r = pages.for_each([](const json::Value&) {});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind == lexsync::ApiError::Kind::auth);
        PageIterator countries(client, "/v1/countries", {}, 25);
        auto c = countries.next();
        REQUIRE_FALSE(c.has_value());
        CHECK(c.error().kind == lexsync::ApiError::Kind::protocol);
        f->verify();
    }

    TEST_CASE("an implausible totalElements stops the walk at once with a protocol error") {
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        f->add(http::Method::get, "/v1/contacts?page=0&size=250", 200,
               page_body(0, 250, false, 500'000'000'000, 250));
        ApiClient client("https://api.example.test", std::move(fake));
        PageIterator pages(client, "/v1/contacts", {}, 250);
        long seen = 0;
        auto r = pages.for_each([&](const json::Value&) { ++seen; });
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind == lexsync::ApiError::Kind::protocol);
        CHECK(r.error().message.find("not plausible") != std::string::npos);
        CHECK(seen == 0);
        f->verify();
    }

    TEST_CASE("pages past the reported total (beyond one page of slack) stop the walk") {
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        // Claims 3 elements (two pages) but never says last: one page of slack for items added
        // meanwhile is read, then the walk stops.
        for (int i = 0; i < 3; ++i) {
            f->add(http::Method::get, "/v1/contacts?page=" + std::to_string(i) + "&size=2", 200,
                   page_body(i, 2, false, 3, 2));
        }
        ApiClient client("https://api.example.test", std::move(fake));
        PageIterator pages(client, "/v1/contacts", {}, 2);
        auto r = pages.for_each([](const json::Value&) {});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind == lexsync::ApiError::Kind::protocol);
        f->verify();
    }

    TEST_CASE("a total that grows while paging is followed") {
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        f->add(http::Method::get, "/v1/contacts?page=0&size=2", 200, page_body(0, 2, false, 2, 2));
        f->add(http::Method::get, "/v1/contacts?page=1&size=2", 200, page_body(1, 2, false, 6, 2));
        f->add(http::Method::get, "/v1/contacts?page=2&size=2", 200, page_body(2, 2, true, 6, 2));
        ApiClient client("https://api.example.test", std::move(fake));
        PageIterator pages(client, "/v1/contacts", {}, 2);
        auto n = pages.for_each([](const json::Value&) {});
        REQUIRE(n.has_value());
        CHECK(*n == 6);
        f->verify();
    }
}
