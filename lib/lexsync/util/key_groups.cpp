// Duplicate keys by an external merge sort; see key_groups.hpp.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <lexsync/util/key_groups.hpp>
#include <queue>
#include <stdexcept>
#include <unistd.h>

namespace lexsync {

namespace {

constexpr std::size_t k_read_buffer = 16 * 1024;

bool before(const KeyGroups::Entry& a, const KeyGroups::Entry& b) {
    return a.key != b.key ? a.key < b.key : a.order < b.order;
}

[[noreturn]] void fail(const char* what) {
    throw std::runtime_error(
        fmt::format("temporary file for duplicate checks: {}: {}", what, std::strerror(errno)));
}

void put_u32(std::string& out, std::uint32_t v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void put_u64(std::string& out, std::uint64_t v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads the entries of one run back, a buffer at a time.
class Cursor {
public:
    Cursor(int fd, off_t begin, off_t end) : m_fd(fd), m_at(begin), m_end(end) {}

    bool next(KeyGroups::Entry& e) {
        if (m_pos == m_buf.size() && m_at >= m_end) {
            return false;
        }
        std::uint32_t klen = 0;
        std::uint32_t plen = 0;
        read(&klen, sizeof klen);
        e.key.resize(klen);
        read(e.key.data(), klen);
        read(&e.order, sizeof e.order);
        read(&plen, sizeof plen);
        e.payload.resize(plen);
        read(e.payload.data(), plen);
        return true;
    }

private:
    void read(void* to, std::size_t n) {
        auto* out = static_cast<char*>(to);
        while (n > 0) {
            if (m_pos == m_buf.size()) {
                refill();
            }
            const std::size_t k = std::min(n, m_buf.size() - m_pos);
            std::memcpy(out, m_buf.data() + m_pos, k);
            m_pos += k;
            out += k;
            n -= k;
        }
    }

    void refill() {
        const auto want =
            static_cast<std::size_t>(std::min<off_t>(m_end - m_at, off_t{k_read_buffer}));
        if (want == 0) {
            errno = EIO;
            fail("a run ends early");
        }
        m_buf.resize(want);
        std::size_t got = 0;
        while (got < want) {
            const ssize_t r = ::pread(m_fd, m_buf.data() + got, want - got, m_at);
            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r <= 0) {
                fail("read");
            }
            got += static_cast<std::size_t>(r);
            m_at += r;
        }
        m_pos = 0;
    }

    int m_fd;
    off_t m_at;
    off_t m_end;
    std::string m_buf;
    std::size_t m_pos = 0;
};

} // namespace

KeyGroups::KeyGroups(std::size_t budget) : m_budget(budget) {}

KeyGroups::~KeyGroups() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

void KeyGroups::add(std::string key, std::uint64_t order, std::string payload) {
    m_bytes += sizeof(Entry) + key.size() + payload.size();
    m_mem.push_back(Entry{std::move(key), order, std::move(payload)});
    if (m_bytes >= m_budget) {
        spill();
    }
}

void KeyGroups::spill() {
    if (m_mem.empty()) {
        return;
    }
    if (m_fd < 0) {
        const char* dir = std::getenv("TMPDIR");
        std::string path =
            fmt::format("{}/lexsync-keys.XXXXXX", dir != nullptr && *dir ? dir : "/tmp");
        m_fd = ::mkstemp(path.data());
        if (m_fd < 0) {
            fail(path.c_str());
        }
        ::unlink(path.c_str()); // gone with the descriptor, whatever happens
    }
    std::sort(m_mem.begin(), m_mem.end(), before);
    const off_t begin = m_end;
    std::string out;
    auto flush = [&] {
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t w = ::pwrite(m_fd, out.data() + done, out.size() - done, m_end);
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w <= 0) {
                fail("write");
            }
            done += static_cast<std::size_t>(w);
            m_end += w;
        }
        out.clear();
    };
    for (const auto& e : m_mem) {
        put_u32(out, static_cast<std::uint32_t>(e.key.size()));
        out += e.key;
        put_u64(out, e.order);
        put_u32(out, static_cast<std::uint32_t>(e.payload.size()));
        out += e.payload;
        if (out.size() >= 256 * 1024) {
            flush();
        }
    }
    flush();
    m_runs.emplace_back(begin, m_end);
    m_mem.clear();
    m_mem.shrink_to_fit();
    m_bytes = 0;
}

void KeyGroups::for_each_duplicate(const std::function<void(const std::vector<Entry>&)>& fn) {
    std::vector<Entry> group;
    auto take = [&](Entry&& e) {
        if (!group.empty() && group.front().key != e.key) {
            if (group.size() > 1) {
                fn(group);
            }
            group.clear();
        }
        group.push_back(std::move(e));
    };
    if (m_runs.empty()) {
        std::sort(m_mem.begin(), m_mem.end(), before);
        for (auto& e : m_mem) {
            take(std::move(e));
        }
    } else {
        spill();
        std::vector<Cursor> cursors;
        cursors.reserve(m_runs.size());
        using Head = std::pair<Entry, std::size_t>;
        auto later = [](const Head& a, const Head& b) { return before(b.first, a.first); };
        std::priority_queue<Head, std::vector<Head>, decltype(later)> heads(later);
        for (const auto& [b, e] : m_runs) {
            cursors.emplace_back(m_fd, b, e);
            Entry first;
            if (cursors.back().next(first)) {
                heads.emplace(std::move(first), cursors.size() - 1);
            }
        }
        while (!heads.empty()) {
            Head h = std::move(const_cast<Head&>(heads.top()));
            heads.pop();
            Entry following;
            if (cursors[h.second].next(following)) {
                heads.emplace(std::move(following), h.second);
            }
            take(std::move(h.first));
        }
    }
    if (group.size() > 1) {
        fn(group);
    }
    m_mem.clear();
    m_mem.shrink_to_fit();
    m_bytes = 0;
    m_runs.clear();
}

} // namespace lexsync
