#include "fake_transport.hpp"

#include <doctest/doctest.h>
#include <lexsync/api/client.hpp>
#include <lexsync/util/http_text.hpp>

using lexsync::ApiClient;
using lexsync::escape_wildcards;
using lexsync::search_term;
using lexsync::url_encode;
using lexsync::testing::FakeTransport;
namespace http = lexsync::http;

TEST_SUITE("lexsync::ApiClient") {
    TEST_CASE("url_encode keeps unreserved characters and encodes the rest") {
        CHECK(url_encode("AZaz09-._~") == "AZaz09-._~");
        CHECK(url_encode("a b") == "a%20b");
        CHECK(url_encode("a+b&c=d/e?") == "a%2Bb%26c%3Dd%2Fe%3F");
        CHECK(url_encode("ü") == "%C3%BC");
        CHECK(url_encode("100%") == "100%25");
    }

    TEST_CASE("search terms are HTML-escaped, then URL-encoded") {
        CHECK(search_term("a & b <c>") == "a &amp; b &lt;c&gt;");
        CHECK(search_term("plain \"quoted\" 'text'") == "plain \"quoted\" 'text'");
        ApiClient client("https://api.example.test/", std::make_unique<FakeTransport>());
        CHECK(client.url("/v1/contacts", {{"name", search_term("Müller & Söhne")}}) ==
              "https://api.example.test/v1/contacts?name=M%C3%BCller%20%26amp%3B%20S%C3%B6hne");
    }

    TEST_CASE("wildcards of the name and email filters are escaped") {
        CHECK(escape_wildcards("a_b%c\\d") == "a\\_b\\%c\\\\d");
        CHECK(escape_wildcards("plain") == "plain");
    }

    TEST_CASE("url joins base, path and query") {
        ApiClient client("https://api.example.test", std::make_unique<FakeTransport>());
        CHECK(client.url("/v1/profile") == "https://api.example.test/v1/profile");
        CHECK(client.url("v1/profile") == "https://api.example.test/v1/profile");
        CHECK(
            client.url("/v1/voucherlist", {{"voucherType", "invoice,creditnote"}, {"page", "0"}}) ==
            "https://api.example.test/v1/voucherlist?voucherType=invoice%2Ccreditnote&page=0");
        CHECK(client.url("https://api.example.test/v1/contacts/1") ==
              "https://api.example.test/v1/contacts/1");
    }

    TEST_CASE("requests carry the JSON headers and errors are mapped") {
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        f->add(http::Method::get, "/v1/profile", 200, R"({"companyName":"ACME"})");
        f->add(http::Method::post, "/v1/contacts", 201, "");
        f->add(http::Method::put, "/v1/contacts/1", 406,
               lexsync::testing::fixture("error_version_conflict.json"));
        f->add(http::Method::del, "/v1/articles/1", 204);
        f->add_error(http::Method::get, "/v1/articles", http::TransportError::Kind::resolve);
        f->add(http::Method::get, "/v1/broken", 200, "{not json");
        ApiClient client("https://api.example.test", std::move(fake));

        auto profile = client.get_json("/v1/profile");
        REQUIRE(profile.has_value());
        CHECK(lexsync::json::get_string(*profile, "companyName") == "ACME");

        auto created = client.post_json("/v1/contacts", R"({"version":0})");
        REQUIRE(created.has_value());
        CHECK(created->IsObject());
        CHECK(created->MemberCount() == 0);

        auto updated = client.put_json("/v1/contacts/1", "{}");
        REQUIRE_FALSE(updated.has_value());
        CHECK(updated.error().kind == lexsync::ApiError::Kind::conflict);

        CHECK(client.del("/v1/articles/1").has_value());

        auto failed = client.get_json("/v1/articles");
        REQUIRE_FALSE(failed.has_value());
        CHECK(failed.error().kind == lexsync::ApiError::Kind::network);

        auto broken = client.get_json("/v1/broken");
        REQUIRE_FALSE(broken.has_value());
        CHECK(broken.error().kind == lexsync::ApiError::Kind::protocol);

        const auto seen = f->requests();
        REQUIRE(seen.size() == 6);
        CHECK(seen[0].headers.get("accept") == "application/json");
        CHECK(seen[1].headers.get("Content-Type") == "application/json");
        CHECK(seen[1].body == R"({"version":0})");
        CHECK(seen[2].headers.get("content-type") == "application/json");
        CHECK(seen[2].method == http::Method::put);
        f->verify();
    }

    TEST_CASE("get_raw asks for the given representation") {
        auto fake = std::make_unique<FakeTransport>();
        auto* f = fake.get();
        f->add(http::Method::get, "/v1/files/abc", 200, "%PDF-1.4");
        ApiClient client("https://api.example.test", std::move(fake));
        auto r = client.get_raw("/v1/files/abc", "application/pdf");
        REQUIRE(r.has_value());
        CHECK(r->body == "%PDF-1.4");
        CHECK(f->requests()[0].headers.get("accept") == "application/pdf");
        f->verify();
    }
}

TEST_SUITE("lexsync http_text") {
    TEST_CASE("form_decode reads %XX in either case and + as a space, and keeps a broken escape") {
        CHECK(lexsync::form_decode("a%2b%2B+b") == "a++ b");
        CHECK(lexsync::form_decode("%zz%4") == "%zz%4");
        CHECK(lexsync::form_decode("%41") == "A");
    }

    TEST_CASE("form_pairs decodes the pairs in order, skips empty ones, a bare name has no value") {
        using Pairs = std::vector<std::pair<std::string, std::string>>;
        CHECK(lexsync::form_pairs("a=1&&b&c=x+y%26z&a=2=3") ==
              Pairs{{"a", "1"}, {"b", ""}, {"c", "x y&z"}, {"a", "2=3"}});
        CHECK(lexsync::form_pairs("").empty());
    }

    TEST_CASE("form_encode joins url-encoded pairs, and form_pairs reads them back") {
        const std::vector<std::pair<std::string, std::string>> pairs = {{"grant type", "a&b=c"},
                                                                        {"x", ""}};
        CHECK(lexsync::form_encode(pairs) == "grant%20type=a%26b%3Dc&x=");
        CHECK(lexsync::form_pairs(lexsync::form_encode(pairs)) == pairs);
    }

    TEST_CASE("reason phrases of known and unknown statuses") {
        CHECK(std::string(lexsync::reason_phrase(429)) == "Too Many Requests");
        CHECK(std::string(lexsync::reason_phrase(299)) == "HTTP error");
    }

    TEST_CASE("HTTP dates are read in the IMF-fixdate form only") {
        CHECK(lexsync::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == std::time_t{784111777});
        CHECK(lexsync::parse_http_date("Thu, 29 Feb 2024 23:59:59 GMT") ==
              std::time_t{1'709'251'199});
        CHECK_FALSE(lexsync::parse_http_date("Sun, 06 Nov 1994 08:49:37 CET"));
        CHECK_FALSE(lexsync::parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
        CHECK_FALSE(lexsync::parse_http_date("1994-11-06T08:49:37Z"));
        CHECK_FALSE(lexsync::parse_http_date(""));
    }
}
