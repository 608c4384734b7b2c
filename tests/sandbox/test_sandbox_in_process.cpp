// Server::answer(): one request's bytes in, the answer's bytes out, through the same parser,
// limits, checks and handlers as a connection (the way tests/fuzz/fuzz_sandbox drives it).
#include "sandbox_fixture.hpp"

#include <lexsync/util/json_guard.hpp>
#include <string>
#include <vector>

using namespace sandbox_test;

namespace {

std::string get(const std::string& path, const std::string& key) {
    std::string r = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n";
    if (!key.empty()) {
        r += "Authorization: Bearer " + key + "\r\n";
    }
    return r + "\r\n";
}

std::string post(const std::string& path, const std::string& body) {
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
           std::string(k_sandbox_api_key) +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
}

int status_of(const std::string& answer) {
    REQUIRE(answer.rfind("HTTP/1.1 ", 0) == 0);
    return std::stoi(answer.substr(9, 3));
}

} // namespace

TEST_SUITE("sandbox in-process") {
    TEST_CASE("answers a request given as bytes, with authentication and routing") {
        ServerOptions o = unlimited();
        o.deliver_webhooks = false;
        Server server(std::move(o));
        const std::string profile = server.answer(get("/v1/profile", k_sandbox_api_key));
        CHECK(status_of(profile) == 200);
        CHECK(profile.find("\"organizationId\"") != std::string::npos);
        CHECK(status_of(server.answer(get("/v1/profile", ""))) == 401);
        CHECK(status_of(server.answer(get("/v1/no-such-thing", k_sandbox_api_key))) == 404);
        CHECK(status_of(server.answer(post("/v1/contacts", std::string(300, '[')))) == 400);
        const std::string created = server.answer(post(
            "/v1/contacts", R"({"version":0,"roles":{"customer":{}},"company":{"name":"Neu"}})"));
        CHECK(status_of(created) / 100 == 2);
        // Not a request at all, and a request cut short: httplib's own 400, no crash.
        CHECK(status_of(server.answer("\x01\x02 garbage\r\n\r\n")) == 400);
        CHECK(server.answer("").empty());
    }

    TEST_CASE("inputs fuzz_sandbox found: answers stay UTF-8 JSON, far-off dates are refused") {
        ServerOptions o = unlimited();
        o.deliver_webhooks = false;
        Server server(std::move(o));
        // The 404 body names the path, which held a byte that is not UTF-8.
        const std::string nf = server.answer(get("/v1/c\xf3\xf3untries", k_sandbox_api_key));
        CHECK(status_of(nf) == 404);
        CHECK_FALSE(lexsync::json::find_invalid_utf8(nf).has_value());
        CHECK(nf.find("/v1/c\xef\xbf\xbd\xef\xbf\xbduntries") != std::string::npos);
        // A voucher date in 4052 lies beyond system_clock's range: a validation error, not UB.
        const std::string far = server.answer(post(
            "/v1/invoices",
            R"({"voucherDate":"4052-03-03T00:00:00.000+01:00","address":{"name":"A","countryCode":"DE"},)"
            R"("lineItems":[{"type":"custom","name":"x","quantity":1,"unitName":"h","unitPrice":)"
            R"({"currency":"EUR","netAmount":1,"taxRatePercentage":19}}],"totalPrice":{"currency":"EUR"},)"
            R"("taxConditions":{"taxType":"net"},"shippingConditions":{"shippingType":"none"}})"));
        const int status = status_of(far);
        CHECK((status == 400 || status == 406));
    }

    TEST_CASE("the request log shows control characters of a target instead of sending them") {
        std::vector<std::string> lines;
        ServerOptions o = unlimited();
        o.deliver_webhooks = false;
        o.log = [&lines](const std::string& line) { lines.push_back(line); };
        Server server(std::move(o));
        // ESC [2J would clear the screen of whoever watches `sandbox serve -v`; BEL rings.
        server.answer(get("/v1/contacts?name=\x1b[2J\x07x", k_sandbox_api_key));
        REQUIRE(lines.size() == 1);
        CHECK(lines[0].find('\x1b') == std::string::npos);
        CHECK(lines[0].find('\x07') == std::string::npos);
        CHECK(lines[0].rfind("GET /v1/contacts?name=\\x1b[2J\\x07x ", 0) == 0);
    }
}
