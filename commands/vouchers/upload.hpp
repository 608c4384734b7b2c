// --- Interface ---
// `lexsync vouchers upload PATH...`: checks receipts locally and sends each to lexoffice exactly
// once, either to the receipt inbox or as a bookkeeping voucher with its file attached.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace lexsync::commands::vouchers {

// --lookup-days all: bookkeeping vouchers of any age.
inline constexpr int k_lookup_all = -1;

struct UploadOptions {
    std::vector<std::string> paths; // files and directories
    std::vector<std::string> globs; // file name patterns for directories; empty: the defaults
    std::string data;               // sidecar CSV/JSON with bookkeeping data
    std::string to;                 // an existing voucher to add the file to
    std::string voucher_number;     // bookkeeping data for a single file …
    std::string date;
    std::string due_date;
    std::string type;
    std::string amount; // gross, with tax_rate
    std::string net;    // net, with tax_rate
    std::string tax_rate;
    std::string category; // name or id
    std::string contact;  // contact id
    bool collective_contact = false;
    std::string contact_name;
    std::string remark;
    bool dry_run = false;       // check and print the plan; send no writes
    bool retry_unknown = false; // upload again what an earlier run left unknown
    // How far back (days of created date) an empty ledger looks for inbox receipts the user has
    // completed in lexoffice (bookkeeping vouchers of any type and status); k_lookup_all: every
    // age (the default), 0: only unchecked ones.
    int lookup_days = k_lookup_all;
};

// Adds `upload` to `parent`.
void register_upload(CLI::App& parent, Context& ctx);
// Runs the upload; throws Error on failure (ExitCode::partial when some files were refused or
// failed, ExitCode::invalid_input for bad flags or sidecar data).
void run_upload(const UploadOptions& opts, Context& ctx);

} // namespace lexsync::commands::vouchers
