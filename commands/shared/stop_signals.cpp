#include "commands/shared/stop_signals.hpp"

#include <ctime>
#include <pthread.h>

namespace lexsync::commands {

StopSignals::StopSignals(Pipe pipe) {
    sigemptyset(&m_set);
    sigaddset(&m_set, SIGINT);
    sigaddset(&m_set, SIGTERM);
    sigset_t blocked = m_set;
    if (pipe == Pipe::block) {
        sigaddset(&blocked, SIGPIPE);
    }
    pthread_sigmask(SIG_BLOCK, &blocked, &m_old);
}

StopSignals::~StopSignals() {
    pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
}

void StopSignals::wait() const {
    int sig = 0;
    sigwait(&m_set, &sig);
}

bool StopSignals::wait_for(int milliseconds) const {
    const timespec ts{milliseconds / 1000, static_cast<long>(milliseconds % 1000) * 1'000'000};
    return sigtimedwait(&m_set, nullptr, &ts) > 0;
}

} // namespace lexsync::commands
