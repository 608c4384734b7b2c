// The sandbox under requests in flight side by side, as lexsync's lanes send them: every
// creation is executed exactly once with its own id and number, and a request the bucket refuses
// (429) is not executed.
#include "sandbox_fixture.hpp"

#include <mutex>
#include <set>
#include <vector>

using namespace sandbox_test;

namespace {

std::string contact(int i) {
    return R"({"version":0,"roles":{"customer":{}},"company":{"name":"Parallel )" +
           std::to_string(i) + R"( GmbH"}})";
}

// Posts contact `first` to `first + count - 1` from `threads` threads at once; returns the
// answers' statuses and bodies.
std::vector<std::pair<int, std::string>> post_side_by_side(const RunningServer& s, int threads,
                                                           int per_thread) {
    std::mutex m;
    std::vector<std::pair<int, std::string>> answers;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            auto c = s.client();
            for (int k = 0; k < per_thread; ++k) {
                auto res = c.Post("/v1/contacts", contact(t * per_thread + k), k_json);
                std::lock_guard lock(m);
                answers.emplace_back(res ? res->status : 0, res ? res->body : std::string());
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    return answers;
}

// The contacts named "Parallel …" in the organisation, by name.
std::multiset<std::string> parallel_contacts(const RunningServer& s) {
    auto c = s.client();
    auto res = c.Get("/v1/contacts?page=0&size=250");
    while (res && res->status == 429) { // a 429 is not executed: ask again
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        res = c.Get("/v1/contacts?page=0&size=250");
    }
    REQUIRE(res);
    REQUIRE(res->status == 200);
    std::multiset<std::string> out;
    // The document outlives the loop: a range over a temporary's member would not keep it.
    const auto listing = parse(res->body);
    for (const auto& item : listing["content"].GetArray()) {
        if (item.HasMember("company")) {
            const std::string name = item["company"]["name"].GetString();
            if (name.rfind("Parallel ", 0) == 0) {
                out.insert(name);
            }
        }
    }
    return out;
}

} // namespace

TEST_SUITE("lexsync::sandbox::Server concurrency") {
    TEST_CASE("creations sent side by side each get their own id and customer number") {
        RunningServer s(unlimited("empty"));
        const auto answers = post_side_by_side(s, 8, 5);
        REQUIRE(answers.size() == 40);
        std::set<std::string> ids;
        for (const auto& [status, body] : answers) {
            REQUIRE_MESSAGE(status == 201, body);
            ids.insert(parse(body)["id"].GetString());
        }
        CHECK(ids.size() == 40);
        auto c = s.client();
        std::set<long> numbers;
        for (const auto& id : ids) {
            auto res = c.Get("/v1/contacts/" + id);
            REQUIRE(res);
            REQUIRE(res->status == 200);
            numbers.insert(parse(res->body)["roles"]["customer"]["number"].GetInt64());
        }
        CHECK(numbers.size() == 40);
        const auto listed = parallel_contacts(s);
        CHECK(listed.size() == 40);
        CHECK(std::set<std::string>(listed.begin(), listed.end()).size() == 40);
    }

    TEST_CASE("of simultaneous requests, those over the bucket are answered 429 and not executed") {
        ServerOptions o = unlimited("empty");
        o.rate_limit = true; // 2 per second, bucket of 4
        RunningServer s(o);
        const auto answers = post_side_by_side(s, 6, 1);
        int created = 0;
        for (const auto& [status, body] : answers) {
            REQUIRE_MESSAGE((status == 201 || status == 429), status << " " << body);
            created += status == 201 ? 1 : 0;
        }
        CHECK(created >= 4); // the bucket holds 4 (more if it refilled meanwhile)
        // Each 429 left nothing behind.
        CHECK(static_cast<int>(parallel_contacts(s).size()) == created);
    }
}
