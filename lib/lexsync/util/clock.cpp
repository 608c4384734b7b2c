#include <lexsync/util/clock.hpp>
#include <thread>

namespace lexsync {

void SystemClock::sleep_for(duration d) {
    if (d > duration::zero()) {
        std::this_thread::sleep_for(d);
    }
}

} // namespace lexsync
