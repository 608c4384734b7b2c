// --- Interface ---
// `lexsync state verify`: compares the ledger of the profile's account with lexoffice (see
// check.hpp) and lists every compared entry with its result. Changes nothing. Exit 0 when every
// entry is ok, 4 when any differs (missing, renumbered, pending or unsure).
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>

namespace lexsync::commands::state {

// Adds `verify` to `parent`.
void register_verify(CLI::App& parent, Context& ctx);
// Runs it; throws Error on failure.
void run_verify(Context& ctx);

} // namespace lexsync::commands::state
