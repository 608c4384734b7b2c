// --- Interface ---
// A command's requests in flight side by side: ClientLanes<R> is an http::InFlight over
// ctx.max_in_flight API clients of the context (Context::lane_clients), whose requests are
// counted into ctx.client_stats() when it closes. Tasks only send and read; the command keeps
// its ledger, files and records on its own thread, in input order, as it takes the results.
#pragma once

#include "cli/context.hpp"

#include <lexsync/http/in_flight.hpp>
#include <memory>
#include <vector>

namespace lexsync {

template <class R> class ClientLanes {
public:
    using Task = typename http::InFlight<ApiClient, R>::Task;

    explicit ClientLanes(Context& ctx)
        : m_ctx(ctx), m_stats(std::max<std::size_t>(ctx.max_in_flight, 1)),
          m_in_flight(ctx.lane_clients(m_stats)) {}
    ClientLanes(const ClientLanes&) = delete;
    ClientLanes& operator=(const ClientLanes&) = delete;
    ~ClientLanes() { close(); }

    // Takes results (oldest first) into `handle` until another task may start at once. Call it
    // before preparing the next task (its ledger entry), so that no task waits in a queue.
    template <class Handle> void make_room(Handle&& handle) {
        while (m_in_flight.full()) {
            handle(m_in_flight.take());
        }
    }
    // Takes the oldest outstanding result into `handle` (waiting for it); false when none is.
    template <class Handle> bool take_one(Handle&& handle) {
        if (m_in_flight.outstanding() == 0) {
            return false;
        }
        handle(m_in_flight.take());
        return true;
    }
    // Starts `task` on a free lane.
    void submit(Task task) { m_in_flight.submit(std::move(task)); }
    // A result known without a request, in its turn.
    void put(R value) { m_in_flight.put(std::move(value)); }
    // Takes every outstanding result into `handle`, in submission order.
    template <class Handle> void drain(Handle&& handle) {
        while (m_in_flight.outstanding() > 0) {
            handle(m_in_flight.take());
        }
    }
    // Waits for the running requests, drops the queued ones and counts the lanes' requests.
    void close() {
        if (m_closed) {
            return;
        }
        m_closed = true;
        m_in_flight.close();
        for (const auto& s : m_stats) {
            m_ctx.add_stats(s);
        }
    }

private:
    Context& m_ctx;
    std::vector<ClientStats> m_stats; // before m_in_flight: its lanes count into these
    http::InFlight<ApiClient, R> m_in_flight;
    bool m_closed = false;
};

} // namespace lexsync
