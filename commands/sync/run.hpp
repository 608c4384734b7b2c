// --- Interface ---
// `lexsync sync`: runs the jobs configured in the profile's [profiles.X.sync] table in one go
// (contacts pull, invoices pull, invoices export, receipts upload), under the profile's "sync"
// lock, for cron.
#pragma once

#include "cli/context.hpp"

#include <string>
#include <vector>

namespace lexsync::commands::sync {

// The job names, in the order they run.
inline const std::vector<std::string> k_jobs = {"contacts", "invoices", "export", "receipts"};

struct SyncOptions {
    bool no_wait = false;          // another sync holds the lock: exit 0 with a note
    std::vector<std::string> only; // run only these jobs (names of k_jobs)
};

// Runs the configured jobs in process; a failing job does not stop the others. Throws Error
// with one line naming every failed job (the first failure's exit code), Error(config) when the
// profile configures no job.
void run_sync(const SyncOptions& opts, Context& ctx);

} // namespace lexsync::commands::sync
