// --- Interface ---
// Retries with the API's rules: a 429 was not executed and is always retried, for as long as the
// policy's rate_limit_wait allows in all; reads are also retried on 5xx and transport failures;
// writes only when the request provably never left.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <lexsync/http/http.hpp>
#include <lexsync/http/rate_limiter.hpp>
#include <lexsync/http/stack.hpp>
#include <lexsync/util/clock.hpp>
#include <memory>
#include <optional>
#include <string_view>

namespace lexsync {

struct RetryPolicy {
    // Per request, including the first; 429 answers do not count (see rate_limit_wait).
    int max_attempts = 6;
    std::chrono::milliseconds backoff_base{500};
    std::chrono::milliseconds backoff_cap{30'000};
    // Longest single wait after a 429: a larger Retry-After is cut to this (also for the shared
    // limiter), and a 429 without one backs off up to rate_limit_backoff_cap.
    std::chrono::milliseconds retry_after_cap{k_max_limiter_hold};
    std::chrono::milliseconds rate_limit_backoff_cap{4'000};
    // How long one request keeps waiting out 429 answers in all before the 429 is returned.
    std::chrono::milliseconds rate_limit_wait{900'000};
};

// Returns a uniform random number in [0, 1); injected so tests are deterministic.
using JitterSource = std::function<double()>;

// A JitterSource from a seeded Mersenne twister.
JitterSource seeded_jitter(std::uint64_t seed);

// The wait a Retry-After header asks for: delta-seconds or an HTTP date; nullopt when unusable.
std::optional<Clock::duration> parse_retry_after(std::string_view value, Clock::time_point now);

// The full-jitter backoff before retry number `retry` (1 for the first retry).
Clock::duration backoff_delay(const RetryPolicy& policy, int retry, double jitter);

// Repeats requests that failed in a retryable way, sleeping only through `clock`.
class RetryTransport final : public http::Transport {
public:
    // `limiter` (optional) is told to hold back after a 429; `stats` (optional) is counted into;
    // `jitter` defaults to a randomly seeded source; `on_wait` (optional) is told of each wait.
    RetryTransport(std::unique_ptr<http::Transport> inner, Clock& clock, RetryPolicy policy,
                   std::shared_ptr<RateLimiter> limiter = nullptr, ClientStats* stats = nullptr,
                   JitterSource jitter = {}, WaitHook on_wait = {});
    http::SendResult send(const http::Request& request) override;

private:
    std::unique_ptr<http::Transport> m_inner;
    Clock& m_clock;
    RetryPolicy m_policy;
    std::shared_ptr<RateLimiter> m_limiter;
    ClientStats* m_stats;
    JitterSource m_jitter;
    WaitHook m_on_wait;
};

} // namespace lexsync
