// --- Interface ---
// `lexsync invoices pull`: the archive of a period's sales vouchers (invoices, credit notes,
// down-payment invoices) in a directory: every document as PDF (and XRechnung XML), the voucher
// JSON, and an index (CSV, German CSV, JSON, xlsx). Re-runs fetch only what changed.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace lexsync::commands::invoices {

struct PullOptions {
    std::string from;   // first voucher date, yyyy-mm-dd or dd.mm.yyyy
    std::string to;     // last voucher date (inclusive)
    std::string month;  // yyyy-mm instead of from/to
    std::string period; // last-month, … instead of from/to
    std::vector<std::string> types = {"invoice", "creditnote", "downpaymentinvoice"};
    std::vector<std::string> statuses; // empty: any
    std::string number;                // only this voucher number
    std::string out;                   // archive directory; {profile}, {from}, {to} are replaced
    std::vector<std::string> formats = {"csv", "json"};
    bool refetch = false;  // fetch every voucher again, even when the voucher list shows no change
    bool payments = false; // read each finalised voucher's payments (one request more each)
};

// Adds `pull` to `parent`.
void register_pull(CLI::App& parent, Context& ctx);
// Runs it; throws Error on failure.
void run_pull(const PullOptions& opts, Context& ctx);

} // namespace lexsync::commands::invoices
