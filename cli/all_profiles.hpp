// --- Interface ---
// `--all-profiles`: runs one command line once per profile of the config file, concurrently, as
// child processes of the same binary (`lexsync --profile NAME <same arguments>`), so that each
// profile has its own process, ledger, lock and rate limit. Prints the children's records merged
// with a `profile` field, their stderr prefixed with "[NAME] ", and a summary per profile (exit
// code and duration); exits with the worst exit code.
#pragma once

#include "cli/context.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync {

// Removes `--all-profiles` from `args` (before any "--") and returns whether it was there.
bool take_all_profiles_flag(std::vector<std::string>& args);

// Whether the environment entry "NAME=value" is passed to the children: everything except the
// LEXSYNC_* variables that choose an account, a server, a state directory or credentials (all but
// LEXSYNC_CONFIG and LEXSYNC_RATE_LIMIT_WAIT).
bool passed_to_profile_children(std::string_view entry);

// The worst of two exit codes: any failure beats 0, and 4 (partial) ranks below every other
// failure; among the others the larger code wins.
int worst_exit_code(int a, int b);

// Merges the standard output of the children: `outputs` are (profile, stdout) pairs in profile
// order. JSON arrays of objects and NDJSON objects get a leading "profile" member and are written
// as one JSON array (or NDJSON when `format` is "ndjson"); other output (csv, table) is written
// per profile after a "# profile: NAME" line. Returns the text for stdout.
std::string merge_profile_outputs(const std::vector<std::pair<std::string, std::string>>& outputs,
                                  const std::string& format);

// Runs `args` (without the program name and without --all-profiles) for every profile; returns
// the worst exit code. Throws Error(usage) when --profile or --base-url is given too and
// Error(config) when the config file has no profiles.
int run_all_profiles(const std::vector<std::string>& args, Context& ctx);

} // namespace lexsync
