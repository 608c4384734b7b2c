// --- Interface ---
// Finds the keys given more than once among any number of (key, order, payload) entries with
// memory bounded by a budget, not by the number of entries: entries stay in memory up to the
// budget; beyond it they are sorted and written as runs to an unlinked temporary file (in $TMPDIR,
// else /tmp), which are merged at the end. Used to find duplicate rows of input files of any size.
//
//     KeyGroups refs;
//     refs.add("ref:A", 0);
//     refs.add("ref:A", 7);
//     refs.for_each_duplicate([](const std::vector<KeyGroups::Entry>& same) { … }); // 0, then 7
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace lexsync {

class KeyGroups {
public:
    struct Entry {
        std::string key;
        std::uint64_t order = 0;
        std::string payload;
    };

    // `budget`: bytes of entries kept in memory before a run goes to the temporary file.
    explicit KeyGroups(std::size_t budget = 4 * 1024 * 1024);
    KeyGroups(const KeyGroups&) = delete;
    KeyGroups& operator=(const KeyGroups&) = delete;
    ~KeyGroups();

    void add(std::string key, std::uint64_t order, std::string payload = {});

    // Calls `fn` once for every key added more than once, with its entries sorted by order; keys
    // come in byte order. Consumes the entries. Throws std::runtime_error when the temporary file
    // cannot be written or read.
    void for_each_duplicate(const std::function<void(const std::vector<Entry>&)>& fn);

private:
    void spill();

    std::vector<Entry> m_mem;
    std::size_t m_bytes = 0;
    std::size_t m_budget;
    int m_fd = -1;
    off_t m_end = 0;
    std::vector<std::pair<off_t, off_t>> m_runs; // [begin, end) of each sorted run
};

} // namespace lexsync
