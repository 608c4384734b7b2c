// --- Interface ---
// The options every table-reading command shares: --encoding, and the period options --month and
// --period next to --from/--to. Their values are checked here so that each command says the same.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <lexsync/formats/table_input.hpp>
#include <string>

namespace lexsync::commands {

// Adds `--encoding` (auto, utf-8, windows-1252) to `cmd`, storing into `value`.
void add_encoding_option(CLI::App* cmd, std::string& value);
// The encoding `value` names; throws a usage Error for anything else.
table::Encoding encoding_option(const std::string& value);

// Adds `--month` and `--period` to `cmd`, storing into `month` and `period`.
void add_period_options(CLI::App* cmd, std::string& month, std::string& period);
// Resolves --from/--to/--month/--period against today's local date of `ctx`'s clock; throws a
// usage Error naming the option on bad values.
table::Period period_option(const std::string& from, const std::string& to,
                            const std::string& month, const std::string& period, Context& ctx);

// `pattern` with {profile}, {from}, {to} and {month} replaced by the profile name, the period's
// first and last day (yyyy-mm-dd) and the month of its first day (yyyy-mm), e.g.
// "archive/{profile}/{month}". Throws a usage Error naming `flag` for an unknown {placeholder},
// and for a date placeholder when the period leaves it open.
std::string expand_path_pattern(const std::string& pattern, const char* flag,
                                const std::string& profile, const table::Period& period);

} // namespace lexsync::commands
