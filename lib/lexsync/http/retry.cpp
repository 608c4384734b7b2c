#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <lexsync/http/retry.hpp>
#include <lexsync/util/http_text.hpp>
#include <lexsync/util/strings.hpp>
#include <mutex>
#include <random>
#include <string>

namespace lexsync {

namespace {

bool retryable_status_for_reads(int status) {
    return status == 500 || status == 502 || status == 503 || status == 504;
}

} // namespace

JitterSource seeded_jitter(std::uint64_t seed) {
    auto engine = std::make_shared<std::mt19937_64>(seed);
    auto mutex = std::make_shared<std::mutex>();
    return [engine, mutex]() {
        std::lock_guard lock(*mutex);
        return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
    };
}

std::optional<Clock::duration> parse_retry_after(std::string_view value, Clock::time_point now) {
    value = trim_view(value);
    if (value.empty()) {
        return std::nullopt;
    }
    long seconds = 0;
    const auto res = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (res.ec == std::errc{} && res.ptr == value.data() + value.size()) {
        if (seconds < 0) {
            return std::nullopt;
        }
        return std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(seconds));
    }
    const auto date = parse_http_date(value);
    if (!date) {
        return std::nullopt;
    }
    const auto at = std::chrono::system_clock::from_time_t(*date);
    return at > now ? at - now : Clock::duration::zero();
}

Clock::duration backoff_delay(const RetryPolicy& policy, int retry, double jitter) {
    // min(cap, base * 2^(retry-1)), then a uniform share of it ("full jitter").
    double ceiling = static_cast<double>(policy.backoff_base.count()) *
                     std::pow(2.0, static_cast<double>(std::max(retry - 1, 0)));
    ceiling = std::min(ceiling, static_cast<double>(policy.backoff_cap.count()));
    jitter = std::clamp(jitter, 0.0, 1.0);
    const auto ms = std::chrono::milliseconds(static_cast<long>(ceiling * jitter));
    return std::chrono::duration_cast<Clock::duration>(ms);
}

RetryTransport::RetryTransport(std::unique_ptr<http::Transport> inner, Clock& clock,
                               RetryPolicy policy, std::shared_ptr<RateLimiter> limiter,
                               ClientStats* stats, JitterSource jitter, WaitHook on_wait)
    : m_inner(std::move(inner)), m_clock(clock), m_policy(policy), m_limiter(std::move(limiter)),
      m_stats(stats), m_jitter(std::move(jitter)), m_on_wait(std::move(on_wait)) {
    if (!m_jitter) {
        m_jitter = seeded_jitter(std::random_device{}());
    }
    m_policy.max_attempts = std::max(m_policy.max_attempts, 1);
}

http::SendResult RetryTransport::send(const http::Request& request) {
    const bool safe = http::is_safe(request.method);
    std::optional<Clock::time_point> limited_since; // the first 429 of this request
    int limited = 0;                                // 429 answers so far
    int failures = 0;                               // other retryable failures so far
    for (bool first = true;; first = false) {
        if (m_stats != nullptr) {
            ++m_stats->requests;
            if (!first) {
                ++m_stats->retries;
            }
        }
        http::SendResult result = m_inner->send(request);

        if (result && result->status == 401 && m_stats != nullptr) {
            ++m_stats->unauthorized;
        }
        Clock::duration delay{};
        WaitReason reason = WaitReason::backoff;
        if (result && result->status == 429) {
            // Not executed by the server: safe to repeat whatever the method, and not a failure
            // while the total wait stays within the policy's bound.
            if (m_stats != nullptr) {
                ++m_stats->rate_limited;
            }
            ++limited;
            const Clock::time_point now = m_clock.now();
            if (!limited_since) {
                limited_since = now;
            }
            const Clock::duration left = m_policy.rate_limit_wait - (now - *limited_since);
            if (left <= Clock::duration::zero()) {
                return result;
            }
            std::optional<Clock::duration> asked;
            if (const auto header = result->headers.get("retry-after")) {
                asked = parse_retry_after(*header, now);
            }
            reason = WaitReason::retry_after;
            if (asked) {
                delay = std::min<Clock::duration>(*asked, m_policy.retry_after_cap);
            } else {
                RetryPolicy p = m_policy;
                p.backoff_cap = std::min(p.backoff_cap, p.rate_limit_backoff_cap);
                delay = backoff_delay(p, limited, m_jitter());
            }
            delay = std::min(delay, left);
            if (m_limiter) {
                // Everyone on this key waits, not only this request.
                m_limiter->hold_until(now + delay);
            }
        } else {
            bool retryable = false;
            if (result) {
                // Success, a client error, or a 5xx on a write (the caller reconciles) end here.
                retryable = safe && retryable_status_for_reads(result->status);
            } else {
                const auto& error = result.error();
                // `other` is a local problem (bad URL, TLS required): repeating cannot help.
                retryable =
                    error.kind != http::TransportError::Kind::other && (safe || error.not_sent());
            }
            ++failures;
            if (!retryable || failures >= m_policy.max_attempts) {
                return result;
            }
            delay = backoff_delay(m_policy, failures, m_jitter());
        }
        if (m_on_wait) {
            m_on_wait(reason, delay);
        }
        m_clock.sleep_for(delay);
    }
}

} // namespace lexsync
