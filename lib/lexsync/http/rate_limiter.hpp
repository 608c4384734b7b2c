// --- Interface ---
// Rate limiting as a GCRA token bucket: each call reserves the next send slot. The state can live
// in a file in the user's limiter directory (locked with flock) so that every lexsync process of
// this user on the same API key and host shares one budget, whatever its profile or state
// directory.
#pragma once

#include <chrono>
#include <filesystem>
#include <lexsync/http/http.hpp>
#include <lexsync/util/clock.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace lexsync {

// The longest a single hold may push the shared budget back (a larger Retry-After is cut to this
// before it reaches the limiter), so one absurd answer cannot stall later runs on the key.
inline constexpr std::chrono::seconds k_max_limiter_hold{60};

class RateLimiter {
public:
    virtual ~RateLimiter() = default;
    // Reserves a slot and returns the time at which the caller may send (now or later).
    virtual Clock::time_point reserve() = 0;
    // Pushes the next free slot back to at least `t` (after a 429), at most k_max_limiter_hold
    // from now.
    virtual void hold_until(Clock::time_point t) = 0;
};

// `rate_per_second` refill, `burst` capacity. `state_file` empty: in-process only.
// The state file name is derived from a hash of the key by the caller; it never contains the key.
// Its directory is created 0700; the file is opened without following a symlink and only used
// when it is a regular file of this user (otherwise the limit is kept in-process).
std::unique_ptr<RateLimiter> make_rate_limiter(double rate_per_second, int burst, Clock& clock,
                                               std::filesystem::path state_file = {});

// The limiter file for `token` inside `dir` ("<dir>/ratelimit-<sha256 prefix>").
std::filesystem::path limiter_file_for(const std::filesystem::path& dir, const std::string& token);

// The limiter file shared by every process on `token` at `base_url` inside `dir`.
std::filesystem::path limiter_file_for(const std::filesystem::path& dir, std::string_view base_url,
                                       const std::string& token);

// Sends every request through `limiter`, sleeping on `clock` until its slot (telling `on_wait`).
class RateLimitedTransport final : public http::Transport {
public:
    RateLimitedTransport(std::unique_ptr<http::Transport> inner,
                         std::shared_ptr<RateLimiter> limiter, Clock& clock, WaitHook on_wait = {});
    http::SendResult send(const http::Request& request) override;

private:
    std::unique_ptr<http::Transport> m_inner;
    std::shared_ptr<RateLimiter> m_limiter;
    Clock& m_clock;
    WaitHook m_on_wait;
};

} // namespace lexsync
