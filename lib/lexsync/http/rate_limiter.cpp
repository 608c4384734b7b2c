#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fcntl.h>
#include <lexsync/http/rate_limiter.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <lexsync/util/encoding.hpp>
#include <lexsync/util/file_lock.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace lexsync {

namespace {

using Micros = std::chrono::microseconds;

constexpr std::int64_t k_max_hold_us =
    std::chrono::duration_cast<Micros>(k_max_limiter_hold).count();

std::int64_t to_micros(Clock::time_point t) {
    return std::chrono::duration_cast<Micros>(t.time_since_epoch()).count();
}

Clock::time_point from_micros(std::int64_t us) {
    return Clock::time_point{std::chrono::duration_cast<Clock::duration>(Micros(us))};
}

// GCRA: `tat` is the theoretical arrival time of the next request. A request may go at
// max(now, tat - tau), tau = (burst - 1) * T, and moves tat to max(tat, slot) + T.
class Gcra {
public:
    Gcra(double rate_per_second, int burst) {
        if (rate_per_second > 0) {
            m_interval = static_cast<std::int64_t>(std::llround(1e6 / rate_per_second));
        }
        m_tau = m_interval * std::max(burst - 1, 0);
    }

    // Returns the slot for a request at `now` and updates `tat`. A `tat` further ahead than a
    // capped hold plus a long queue of waiting requests can make it was not written by this
    // limiter (a damaged file, or an uncapped hold of an older version): it counts as no debt,
    // so it cannot stall the key.
    std::int64_t reserve(std::int64_t& tat, std::int64_t now) const {
        if (m_interval == 0) {
            return now;
        }
        if (tat > now + m_tau + 2 * k_max_hold_us) {
            tat = 0;
        }
        const std::int64_t slot = std::max(now, tat - m_tau);
        tat = std::max(tat, slot) + m_interval;
        return slot;
    }

    // Makes the next slot no earlier than `t` (at most k_max_limiter_hold after `now`), with no
    // burst before it.
    void hold(std::int64_t& tat, std::int64_t t, std::int64_t now) const {
        tat = std::max(tat, std::min(t, now + k_max_hold_us) + m_tau);
    }

private:
    std::int64_t m_interval = 0; // microseconds between requests (T)
    std::int64_t m_tau = 0;
};

class InProcessLimiter final : public RateLimiter {
public:
    InProcessLimiter(double rate, int burst, Clock& clock) : m_gcra(rate, burst), m_clock(clock) {}

    Clock::time_point reserve() override {
        std::lock_guard lock(m_mutex);
        return from_micros(m_gcra.reserve(m_tat, to_micros(m_clock.now())));
    }

    void hold_until(Clock::time_point t) override {
        std::lock_guard lock(m_mutex);
        m_gcra.hold(m_tat, to_micros(t), to_micros(m_clock.now()));
    }

private:
    Gcra m_gcra;
    Clock& m_clock;
    std::mutex m_mutex;
    std::int64_t m_tat = 0;
};

// The TAT lives in a small file ("<microseconds since epoch>\n"), read and rewritten under
// flock(LOCK_EX), so every process using the same key draws from one budget.
class FileLimiter final : public RateLimiter {
public:
    FileLimiter(double rate, int burst, Clock& clock, int fd)
        : m_gcra(rate, burst), m_clock(clock), m_fd(fd) {}
    FileLimiter(const FileLimiter&) = delete;
    FileLimiter& operator=(const FileLimiter&) = delete;
    ~FileLimiter() override { ::close(m_fd); }

    Clock::time_point reserve() override {
        std::lock_guard lock(m_mutex);
        ScopedFlock file_lock(m_fd);
        std::int64_t tat = read_tat();
        const std::int64_t slot = m_gcra.reserve(tat, to_micros(m_clock.now()));
        write_tat(tat);
        return from_micros(slot);
    }

    void hold_until(Clock::time_point t) override {
        std::lock_guard lock(m_mutex);
        ScopedFlock file_lock(m_fd);
        std::int64_t tat = read_tat();
        m_gcra.hold(tat, to_micros(t), to_micros(m_clock.now()));
        write_tat(tat);
    }

private:
    std::int64_t read_tat() const {
        char buf[32];
        const ssize_t n = ::pread(m_fd, buf, sizeof buf, 0);
        std::int64_t tat = 0;
        if (n > 0) {
            // A damaged file reads as 0: no debt, the next request may go at once.
            std::from_chars(buf, buf + n, tat);
        }
        return tat;
    }

    void write_tat(std::int64_t tat) const {
        char buf[32];
        auto res = std::to_chars(buf, buf + sizeof buf - 1, tat);
        *res.ptr++ = '\n';
        const auto len = static_cast<std::size_t>(res.ptr - buf);
        if (::pwrite(m_fd, buf, len, 0) == static_cast<ssize_t>(len)) {
            [[maybe_unused]] const int rc = ::ftruncate(m_fd, static_cast<off_t>(len));
        }
    }

    Gcra m_gcra;
    Clock& m_clock;
    std::mutex m_mutex;
    int m_fd;
};

// Creates `dir` (and its parents) with mode 0700 and checks that it is a real directory of this
// user that nobody else can write to.
bool private_directory(const std::filesystem::path& dir) {
    std::error_code ec;
    if (dir.has_parent_path() && dir.parent_path() != dir) {
        std::filesystem::create_directories(dir.parent_path(), ec);
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return false;
    }
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) {
        return false;
    }
    if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
        return false;
    }
    return true;
}

// Opens the limiter file without following a symlink; -1 unless it is a regular file of this
// user in a private directory.
int open_limiter_file(const std::filesystem::path& file) {
    if (file.has_parent_path() && !private_directory(file.parent_path())) {
        return -1;
    }
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (fd < 0) {
        return -1;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
        ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace

std::unique_ptr<RateLimiter> make_rate_limiter(double rate_per_second, int burst, Clock& clock,
                                               std::filesystem::path state_file) {
    if (!state_file.empty()) {
        const int fd = open_limiter_file(state_file);
        if (fd >= 0) {
            return std::make_unique<FileLimiter>(rate_per_second, burst, clock, fd);
        }
        // An unusable limiter directory must not stop requests: fall back to this process's
        // own budget (the 429 handling still protects the shared one).
    }
    return std::make_unique<InProcessLimiter>(rate_per_second, burst, clock);
}

std::filesystem::path limiter_file_for(const std::filesystem::path& dir, const std::string& token) {
    // 16 hex digits (64 bits) tell keys apart without making the file a usable fingerprint.
    return dir / ("ratelimit-" + hex_encode(sha256(token).substr(0, 8)));
}

std::filesystem::path limiter_file_for(const std::filesystem::path& dir, std::string_view base_url,
                                       const std::string& token) {
    // The host is part of the budget: the same key on another server has its own bucket.
    std::string identity(base_url);
    identity.push_back('\n');
    identity += token;
    auto file = limiter_file_for(dir, identity);
    OPENSSL_cleanse(identity.data(), identity.size());
    return file;
}

RateLimitedTransport::RateLimitedTransport(std::unique_ptr<http::Transport> inner,
                                           std::shared_ptr<RateLimiter> limiter, Clock& clock,
                                           WaitHook on_wait)
    : m_inner(std::move(inner)), m_limiter(std::move(limiter)), m_clock(clock),
      m_on_wait(std::move(on_wait)) {}

http::SendResult RateLimitedTransport::send(const http::Request& request) {
    const Clock::time_point slot = m_limiter->reserve();
    const Clock::time_point now = m_clock.now();
    if (slot > now) {
        if (m_on_wait) {
            m_on_wait(WaitReason::rate_limit, slot - now);
        }
        m_clock.sleep_for(slot - now);
    }
    return m_inner->send(request);
}

} // namespace lexsync
