// --- Interface ---
// When a ledger entry is settled: the one rule that every command asks before it reconciles or
// writes again an item whose earlier write had an unclear answer (defined in state.cpp, beside
// settled_at()).
#pragma once

#include <chrono>
#include <lexsync/clock.hpp>
#include <lexsync/state.hpp>

namespace lexsync {

// True when `entry` is settled at `now`: it is not pending (done, or any other status), or it
// is pending and its write can no longer be in flight (settled_at(entry, timeout) <= now). Only
// a settled entry may be looked up in lexoffice and written again; doing so earlier could miss
// a request that is still running and send it a second time.
bool is_settled(const LedgerEntry& entry, Clock::time_point now, std::chrono::milliseconds timeout);

} // namespace lexsync
