// --- Interface ---
// Requests in flight side by side. InFlight<Lane, R> runs tasks on up to `lanes.size()` threads
// at once, each on a lane of its own (an API client with its own transport stack and connection;
// all lanes share one rate limiter, so the overlap never raises the rate), and hands the results
// back in the order the tasks were submitted. The caller keeps everything that must stay in
// order (ledger entries before a write is submitted, records and ledger updates after its result
// is taken) on its own thread; a task only sends and reads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace lexsync::http {

// Requests in flight at once by default. lexoffice's bucket holds about 4 requests, so more
// cannot be sent at once anyway, and 4 keep 2 requests/s going with round trips of up to 2 s.
inline constexpr std::size_t k_default_in_flight = 4;

template <class Lane, class R> class InFlight {
public:
    using Task = std::function<R(Lane&)>;

    // One thread per lane; `lanes` must not be empty.
    explicit InFlight(std::vector<std::unique_ptr<Lane>> lanes) : m_lanes(std::move(lanes)) {
        if (m_lanes.empty()) {
            throw std::invalid_argument("InFlight needs at least one lane");
        }
        m_threads.reserve(m_lanes.size());
        for (auto& lane : m_lanes) {
            m_threads.emplace_back([this, l = lane.get()] { work(*l); });
        }
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
    ~InFlight() { close(); }

    // How many tasks may run at once.
    std::size_t capacity() const { return m_lanes.size(); }

    // Tasks and values handed in and not yet taken (queued, running or finished).
    std::size_t outstanding() const {
        std::lock_guard lock(m_mutex);
        return static_cast<std::size_t>(m_next - m_taken);
    }
    // True when as many results are outstanding as tasks may run at once: take() one before
    // submitting more, so no task waits in a queue after its ledger entry was written.
    bool full() const { return outstanding() >= capacity(); }

    // Runs `task` on the next free lane.
    void submit(Task task) {
        {
            std::lock_guard lock(m_mutex);
            m_queue.emplace_back(m_next++, std::move(task));
        }
        m_work.notify_one();
    }

    // A result known without a request, handed back in its turn among the tasks.
    void put(R value) {
        std::lock_guard lock(m_mutex);
        m_done[m_next++].value.emplace(std::move(value));
    }

    // Waits for the oldest result not yet taken and returns it; a task's exception is thrown
    // here, in its turn.
    R take() {
        std::unique_lock lock(m_mutex);
        if (m_taken == m_next) {
            throw std::logic_error("InFlight::take without a task");
        }
        const std::uint64_t seq = m_taken;
        m_finished.wait(lock, [&] { return m_done.count(seq) > 0; });
        auto node = m_done.extract(seq);
        ++m_taken;
        lock.unlock();
        if (node.mapped().error) {
            std::rethrow_exception(node.mapped().error);
        }
        return std::move(*node.mapped().value);
    }

    // Lets the running tasks finish, drops those not started, and ends the threads. Afterwards
    // no lane is in use.
    void close() {
        {
            std::lock_guard lock(m_mutex);
            if (m_closed) {
                return;
            }
            m_closed = true;
            m_queue.clear();
        }
        m_work.notify_all();
        for (auto& t : m_threads) {
            t.join();
        }
    }

    // The lanes (for their owners' bookkeeping once closed).
    const std::vector<std::unique_ptr<Lane>>& lanes() const { return m_lanes; }

private:
    struct Slot {
        std::optional<R> value;
        std::exception_ptr error;
    };

    void work(Lane& lane) {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_work.wait(lock, [&] { return m_closed || !m_queue.empty(); });
            if (m_closed) {
                return;
            }
            auto [seq, task] = std::move(m_queue.front());
            m_queue.pop_front();
            lock.unlock();
            Slot slot;
            try {
                slot.value.emplace(task(lane));
            } catch (...) {
                slot.error = std::current_exception();
            }
            lock.lock();
            m_done.emplace(seq, std::move(slot));
            m_finished.notify_all();
        }
    }

    std::vector<std::unique_ptr<Lane>> m_lanes;
    mutable std::mutex m_mutex;
    std::condition_variable m_work;     // a task was queued, or closing
    std::condition_variable m_finished; // a result arrived
    std::deque<std::pair<std::uint64_t, Task>> m_queue;
    std::map<std::uint64_t, Slot> m_done;
    std::uint64_t m_next = 0;  // sequence number of the next task or value
    std::uint64_t m_taken = 0; // results taken so far
    bool m_closed = false;
    std::vector<std::thread> m_threads; // last: started after everything above exists
};

} // namespace lexsync::http
