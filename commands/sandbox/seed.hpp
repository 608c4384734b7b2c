// --- Interface ---
// `lexsync sandbox seed`: checks a seed file (--check), or prints a built-in seed (--print) or
// the seed JSON Schema (--schema).
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <string>

namespace lexsync::commands::sandbox {

struct SeedOptions {
    std::string check;   // a seed file to validate
    std::string print;   // demo | empty: print that seed
    bool schema = false; // print the JSON Schema of seed files
};

// Adds `seed` to `parent`.
void register_seed(CLI::App& parent, Context& ctx);

// Runs one of the three actions. --check prints every problem as
// "FILE:LINE:COLUMN: JSON-PATH: MESSAGE" on stderr and throws Error(invalid_input) when there is
// one; Error(invalid_input) also when the file cannot be read, Error(usage) without an action.
void run_seed(const SeedOptions& options, Context& ctx);

} // namespace lexsync::commands::sandbox
