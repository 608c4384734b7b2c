// --- Interface ---
// `lexsync contacts push FILE`: create or update customers and vendors from CSV or JSON, matching
// existing contacts so that nothing is ever created twice.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <string>

namespace lexsync::commands::contacts {

struct PushOptions {
    std::string file;
    std::string format;            // csv | json; empty: by extension
    std::string encoding = "auto"; // of FILE: auto | utf-8 | windows-1252
    bool dry_run = false;          // print the plan, send no writes
    bool write_back = false;       // rewrite FILE with lexoffice's ids and numbers
};

// Adds `push` to `parent`.
void register_push(CLI::App& parent, Context& ctx);
// Runs the push; throws Error on failure (ExitCode::partial when some rows failed).
void run_push(const PushOptions& opts, Context& ctx);

} // namespace lexsync::commands::contacts
