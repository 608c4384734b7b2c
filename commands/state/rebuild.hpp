// --- Interface ---
// `lexsync state rebuild`: repairs the ledger of the profile's account from lexoffice. Entries of
// documents and contacts lexoffice no longer holds are forgotten, changed voucher numbers are
// recorded, and with a period (--from/--to, --month, --period) the period's invoices and credit
// notes that the ledger does not know are read (one request each) and recorded when their remark
// carries the reference line of a source invoice ("Ref. {number}", --ref-text). lexoffice itself
// is never changed.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <string>

namespace lexsync::commands::state {

struct RebuildOptions {
    std::string from, to, month, period; // the period whose documents are read
    std::string ref_text = "Ref. {number}";
    bool dry_run = false;
};

// Adds `rebuild` to `parent`.
void register_rebuild(CLI::App& parent, Context& ctx);
// Runs it; throws Error on failure.
void run_rebuild(Context& ctx, const RebuildOptions& opts);

// The source number in remark line `line` written from `ref_text` ("Ref. {number}"), or "".
std::string number_in_ref_line(const std::string& ref_text, std::string line);

} // namespace lexsync::commands::state
