// --- Interface ---
// `lexsync doctor`: checks configuration, credentials, the key, connectivity and clock skew of the
// selected profile and says what to fix.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>

namespace lexsync::commands::doctor {

struct DoctorOptions {};

// Adds `doctor` to `app`.
void register_doctor(CLI::App& app, Context& ctx);
// Runs the checks, prints one record per check; throws Error(config) or Error(network) when a
// check failed.
void run_doctor(const DoctorOptions& opts, Context& ctx);

} // namespace lexsync::commands::doctor
