// --- Interface ---
// `lexsync invoices export`.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.hpp"

namespace lexsync::commands::invoices {

struct ExportOptions {};

// Adds `export` to `parent`.
void register_export(CLI::App& parent, Context& ctx);
// Runs it; throws Error on failure.
void run_export(const ExportOptions& opts, Context& ctx);

} // namespace lexsync::commands::invoices
