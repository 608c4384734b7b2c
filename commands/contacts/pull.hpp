// --- Interface ---
// `lexsync contacts pull`: every contact (or a filtered set) from lexoffice to stdout or a file.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace lexsync::commands::contacts {

struct PullOptions {
    bool customer = false;      // only customers
    bool vendor = false;        // only vendors
    std::string name;           // name filter (wildcards _ and % allowed)
    std::string email;          // e-mail filter (wildcards _ and % allowed)
    std::optional<long> number; // customer or vendor number
    std::string out;            // write to this file (atomically) instead of stdout
    bool bank_accounts = false; // each contact's bank accounts too (one request per contact)
};

// Adds `pull` to `parent`.
void register_pull(CLI::App& parent, Context& ctx);
// Runs the pull; throws Error on failure.
void run_pull(const PullOptions& opts, Context& ctx);

} // namespace lexsync::commands::contacts
