// --- Interface ---
// `lexsync invoices export FILE`: the source system's invoices and credit notes into lexoffice,
// as sales documents (/v1/invoices, /v1/credit-notes) or as bookkeeping vouchers (/v1/vouchers),
// each source invoice exactly once.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace lexsync::commands::invoices {

struct ExportOptions {
    std::string file;
    std::string format;            // csv | json; empty: by extension
    std::string as;                // invoice | voucher; empty: profile, else invoice
    std::string from;              // yyyy-mm-dd or dd.mm.yyyy, inclusive, by invoice date
    std::string to;                // yyyy-mm-dd or dd.mm.yyyy, inclusive
    std::string month;             // yyyy-mm instead of from/to
    std::string period;            // last-month, … instead of from/to
    std::string encoding = "auto"; // of FILE: auto | utf-8 | windows-1252
    std::vector<std::string> status{"open", "paid"}; // source statuses to export
    bool finalize = false;                           // invoice mode: create open, not draft
    bool yes = false;                                // --yes: no confirmation for --finalize
    bool dry_run = false;                            // print the plan, send no writes
    bool keep_going = false;                         // export the valid invoices, exit 4
    bool create_contacts = false;                    // create missing customers
    bool collective_contact = false;                 // voucher mode: book on the collective contact
    bool allow_unlinked = false; // invoice mode: credit notes without a resolvable invoice
    std::string category;        // voucher mode: posting category (name or id)
    std::string write_back;      // CSV file for the source system
    std::string hourly_rate;     // price of hour items without one
    std::string group_by;        // project | subproject: FILE holds time entries
    std::string ref_text = "Ref. {number}"; // remark line that identifies the source
    int payment_terms = 14;                 // time entries: days
    std::string number_prefix = "T-";       // time entries: source number prefix
};

// Adds `export` to `parent`.
void register_export(CLI::App& parent, Context& ctx);
// Runs it; throws Error on failure (invalid_input before anything is sent, partial when some
// invoices were not exported).
void run_export(const ExportOptions& opts, Context& ctx);

} // namespace lexsync::commands::invoices
