// --- Interface ---
// When a ledger entry is settled: the one rule that every command asks before it reconciles or
// writes again an item whose earlier write had an unclear answer, and the one wait for it.
#pragma once

#include <chrono>
#include <functional>
#include <lexsync/store/state.hpp>
#include <lexsync/util/clock.hpp>
#include <vector>

namespace lexsync {

// The moment the write of the pending `entry` can no longer be in flight: its last mark
// (updated_at) plus the request timeout `timeout`, plus the second the timestamp may lack. An
// entry whose timestamp cannot be read counts as settled at once (it is older than any run).
Clock::time_point settled_at(const LedgerEntry& entry, std::chrono::milliseconds timeout);

// The moment every entry of `entries` is settled (the latest settled_at; the epoch for none).
Clock::time_point settled_at(const std::vector<LedgerEntry>& entries,
                             std::chrono::milliseconds timeout);

// True when `entry` is settled at `now`: it is not pending (done, or any other status), or it
// is pending and its write can no longer be in flight (settled_at(entry, timeout) <= now). Only
// a settled entry may be looked up in lexoffice and written again; doing so earlier could miss
// a request that is still running and send it a second time.
bool is_settled(const LedgerEntry& entry, Clock::time_point now, std::chrono::milliseconds timeout);

// Told once, before wait_until_settled() sleeps, how long it will sleep (zero: not at all).
using SettleNotice = std::function<void(Clock::duration left)>;

// Sleeps on `clock` until every entry of `entries` is settled (see settled_at), after telling
// `notice` (if any) how long; returns how long it slept.
Clock::duration wait_until_settled(Clock& clock, const std::vector<LedgerEntry>& entries,
                                   std::chrono::milliseconds timeout,
                                   const SettleNotice& notice = {});

} // namespace lexsync
