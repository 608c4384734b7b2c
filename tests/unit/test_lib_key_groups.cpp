#include <doctest/doctest.h>
#include <lexsync/util/key_groups.hpp>
#include <map>
#include <random>
#include <string>
#include <vector>

using lexsync::KeyGroups;

namespace {

// key → orders of every key given more than once, as for_each_duplicate reports them.
std::map<std::string, std::vector<std::uint64_t>> duplicates(KeyGroups& groups) {
    std::map<std::string, std::vector<std::uint64_t>> out;
    std::string last;
    groups.for_each_duplicate([&](const std::vector<KeyGroups::Entry>& same) {
        REQUIRE(same.size() >= 2);
        CHECK((out.empty() || same.front().key > last)); // keys in byte order, each once
        last = same.front().key;
        for (const auto& e : same) {
            CHECK(e.key == same.front().key);
            CHECK(e.payload == "p" + std::to_string(e.order));
            out[e.key].push_back(e.order);
        }
    });
    return out;
}

} // namespace

TEST_SUITE("lexsync::KeyGroups") {
    TEST_CASE("keys given more than once, with their entries in order") {
        KeyGroups g;
        g.add("b", 0, "p0");
        g.add("a", 1, "p1");
        g.add("b", 2, "p2");
        g.add("c", 3, "p3");
        g.add("b", 4, "p4");
        const auto d = duplicates(g);
        REQUIRE(d.size() == 1);
        CHECK(d.at("b") == std::vector<std::uint64_t>{0, 2, 4});
    }

    TEST_CASE("beyond the memory budget: runs in a temporary file, merged, the same answer") {
        std::mt19937 gen(7);
        std::uniform_int_distribution<int> pick(0, 2999);
        std::map<std::string, std::vector<std::uint64_t>> want;
        KeyGroups small(2048); // a run every few dozen entries
        KeyGroups large;       // all in memory
        for (std::uint64_t i = 0; i < 5000; ++i) {
            const std::string key = "key-" + std::to_string(pick(gen));
            small.add(key, i, "p" + std::to_string(i));
            large.add(key, i, "p" + std::to_string(i));
            want[key].push_back(i);
        }
        std::erase_if(want, [](const auto& kv) { return kv.second.size() < 2; });
        CHECK(duplicates(small) == want);
        CHECK(duplicates(large) == want);
        // Consumed: nothing is reported twice.
        CHECK(duplicates(small).empty());
    }
}
