// --- Interface ---
// How the long-running commands (sandbox serve, webhooks listen) wait for Ctrl-C or a stop: the
// signals are blocked in every thread and awaited with sigwait, so no handler runs inside a
// server thread.
#pragma once

#include <signal.h>

namespace lexsync::commands {

// Blocks SIGINT and SIGTERM in the calling thread, and so in the threads it starts afterwards,
// for its lifetime; with Pipe::block also SIGPIPE, which then stays pending (a child that does
// not read its standard input) and is never awaited.
class StopSignals {
public:
    enum class Pipe { deliver, block };

    explicit StopSignals(Pipe pipe = Pipe::deliver);
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    // Waits for SIGINT or SIGTERM.
    void wait() const;
    // Waits up to `milliseconds` for SIGINT or SIGTERM; true when one arrived.
    bool wait_for(int milliseconds) const;

private:
    sigset_t m_set{};
    sigset_t m_old{};
};

} // namespace lexsync::commands
