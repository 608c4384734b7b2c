// --- Interface ---
// An injectable clock, so that limiter and retry tests run instantly.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>

namespace lexsync {

class Clock {
public:
    using time_point = std::chrono::system_clock::time_point;
    using duration = std::chrono::system_clock::duration;
    virtual ~Clock() = default;
    // Wall-clock time (also used across processes by the shared rate limiter).
    virtual time_point now() const = 0;
    // Blocks for `d` (a fake clock just advances).
    virtual void sleep_for(duration d) = 0;
};

// Why a client is about to sleep on its clock: its own rate limit (the next send slot), a
// Retry-After or a 429 backoff of lexoffice's, or a backoff after a failed attempt.
enum class WaitReason { rate_limit, retry_after, backoff };
// Told of each such sleep before it starts (a progress line shows it); may be empty.
using WaitHook = std::function<void(WaitReason, Clock::duration)>;

class SystemClock final : public Clock {
public:
    time_point now() const override { return std::chrono::system_clock::now(); }
    void sleep_for(duration d) override;
};

// A clock that only moves when told to; sleeping advances it. Safe to share between threads
// (requests in flight side by side sleep on it at once; each sleep advances it).
class FakeClock final : public Clock {
public:
    explicit FakeClock(time_point start = time_point{} + std::chrono::hours(24 * 365 * 56))
        : m_now(start) {}
    time_point now() const override {
        std::lock_guard lock(m_mutex);
        return m_now;
    }
    void sleep_for(duration d) override {
        std::lock_guard lock(m_mutex);
        m_now += d;
        m_slept += d;
    }
    void advance(duration d) {
        std::lock_guard lock(m_mutex);
        m_now += d;
    }
    duration total_slept() const {
        std::lock_guard lock(m_mutex);
        return m_slept;
    }

private:
    mutable std::mutex m_mutex;
    time_point m_now;
    duration m_slept{};
};

} // namespace lexsync
