// --- Interface ---
// A strict fake Transport for unit tests: stubs are matched on method, path and query (in any
// order), each is used once, an unknown request fails the test, and verify() reports leftovers.
#pragma once

#include <algorithm>
#include <doctest/doctest.h>
#include <fstream>
#include <lexsync/http/http.hpp>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync::testing {

// The text of tests/fixtures/<name> (fails the test when it is missing).
inline std::string fixture(std::string_view name) {
    const std::string path = std::string(LEXSYNC_TEST_FIXTURES) + "/" + std::string(name);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        FAIL("missing fixture " << path);
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The organisation a FakeTransport answers for GET /v1/profile when no stub is given.
inline constexpr const char* k_fake_organization_id = "f0000000-0000-4000-8000-00000000000f";

class FakeTransport final : public http::Transport {
public:
    // Answers the next `method` request to `target` ("/v1/contacts?page=0&size=25") with `status`.
    void add(http::Method method, std::string_view target, int status, std::string body = {},
             http::Headers headers = {}) {
        http::Response r;
        r.status = status;
        r.body = std::move(body);
        r.headers = std::move(headers);
        add_result(method, target, http::SendResult(std::move(r)));
    }
    // The same with the body read from tests/fixtures/<fixture_name>.
    void add_fixture(http::Method method, std::string_view target, int status,
                     std::string_view fixture_name, http::Headers headers = {}) {
        add(method, target, status, fixture(fixture_name), std::move(headers));
    }
    // Answers the next matching request with a transport failure of `kind`.
    void add_error(http::Method method, std::string_view target, http::TransportError::Kind kind,
                   std::string message = "simulated failure") {
        add_result(method, target,
                   http::SendResult(unexpected(http::TransportError{kind, message})));
    }

    http::SendResult send(const http::Request& request) override {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(request);
        const Target t = parse_target(request.url);
        for (auto& stub : m_stubs) {
            if (!stub.used && stub.method == request.method && stub.target == t) {
                stub.used = true;
                return stub.result;
            }
        }
        if (request.method == http::Method::get && t.path == "/v1/profile" && t.query.empty()) {
            // Every command that touches the ledger reads the account once; without a stub of
            // its own a test gets this organisation, and the request is not listed in
            // requests() so that counts stay those of the command's work.
            m_requests.pop_back();
            http::Response r;
            r.status = 200;
            r.body = std::string(R"({"organizationId":")") + k_fake_organization_id +
                     R"(","companyName":"Test GmbH","taxType":"net","smallBusiness":false})";
            return r;
        }
        const std::string what = std::string(http::method_name(request.method)) + " " + request.url;
        ADD_FAIL_CHECK_AT(__FILE__, __LINE__, "unexpected request: " << what);
        return unexpected(
            http::TransportError{http::TransportError::Kind::other, "no stub for " + what});
    }

    // Descriptions of the stubs not used yet.
    std::vector<std::string> unused() const {
        std::lock_guard lock(m_mutex);
        std::vector<std::string> out;
        for (const auto& stub : m_stubs) {
            if (!stub.used) {
                out.push_back(std::string(http::method_name(stub.method)) + " " + stub.text);
            }
        }
        return out;
    }

    // Fails the test when a stub was not used; returns whether all were.
    bool verify() const {
        const auto left = unused();
        for (const auto& s : left) {
            ADD_FAIL_CHECK_AT(__FILE__, __LINE__, "stub not used: " << s);
        }
        return left.empty();
    }

    // Every request seen, in order (including unmatched ones).
    std::vector<http::Request> requests() const {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }
    std::size_t request_count() const {
        std::lock_guard lock(m_mutex);
        return m_requests.size();
    }

private:
    struct Target {
        std::string path;
        std::vector<std::string> query; // "k=v" items as sent (encoded), sorted
        bool operator==(const Target&) const = default;
    };
    struct Stub {
        http::Method method;
        Target target;
        std::string text;
        http::SendResult result;
        bool used = false;
    };

    static Target parse_target(std::string_view url) {
        // Drop "scheme://host" so stubs name only path and query.
        if (const auto scheme = url.find("://"); scheme != std::string_view::npos) {
            const auto slash = url.find('/', scheme + 3);
            url = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
        }
        Target t;
        const auto q = url.find('?');
        t.path = std::string(url.substr(0, q));
        if (q != std::string_view::npos) {
            std::string_view rest = url.substr(q + 1);
            while (!rest.empty()) {
                const auto amp = rest.find('&');
                const auto item = rest.substr(0, amp);
                if (!item.empty()) {
                    t.query.emplace_back(item);
                }
                if (amp == std::string_view::npos) {
                    break;
                }
                rest.remove_prefix(amp + 1);
            }
        }
        std::sort(t.query.begin(), t.query.end());
        return t;
    }

    void add_result(http::Method method, std::string_view target, http::SendResult result) {
        std::lock_guard lock(m_mutex);
        m_stubs.push_back(
            Stub{method, parse_target(target), std::string(target), std::move(result)});
    }

    mutable std::mutex m_mutex;
    std::vector<Stub> m_stubs;
    std::vector<http::Request> m_requests;
};

// Hands requests to a FakeTransport the test keeps, so that the client stack can own a transport
// while the test still reads the fake's requests.
class Forward final : public http::Transport {
public:
    explicit Forward(FakeTransport& fake) : m_fake(fake) {}
    http::SendResult send(const http::Request& r) override { return m_fake.send(r); }

private:
    FakeTransport& m_fake;
};

} // namespace lexsync::testing
