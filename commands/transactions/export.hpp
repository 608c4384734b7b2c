// --- Interface ---
// `lexsync transactions export --account NAME FILE`: exports a card or payment provider's
// transactions into a lexoffice financial account (partner finance endpoints), each receipt as a
// bookkeeping voucher with an assignment hint; or, without partner access, writes lexoffice's
// bank-statement CSV (--format lexoffice-csv) and still uploads the receipts. Every transaction,
// voucher and hint exactly once, across re-runs and interruptions.
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <string>

namespace lexsync::commands::transactions {

struct ExportOptions {
    std::string file;            // CSV or JSON input
    std::string account;         // --account: the financial account's name
    std::string account_type;    // --account-type: creditcard | giro | payment-provider
    std::string mapping;         // --mapping NAME|FILE (default: profile, else "generic")
    std::string format = "api";  // --format: api | lexoffice-csv
    std::string out;             // --out FILE (lexoffice-csv)
    std::string summary_json;    // --summary-json FILE
    std::string receipts_dir;    // --receipts DIR: where receipt files are (default: FILE's dir)
    std::string balance;         // --balance: the account's closing balance to set
    std::string opening_balance; // --opening-balance: a new account's starting balance
    std::string account_system;  // --account-system (default: profile, else "lexsync")
    std::string bank_name;       // --bank-name (default: the account name)
    std::string account_holder;  // --account-holder
    std::string iban;            // --iban (giro accounts)
    std::string bic;             // --bic (giro accounts)
    std::string card_provider;   // --card-provider VISA|MASTERCARD|AMEX|DINERSCLUB
    std::string card_number;     // --card-number (credit cards; a masked number will do)
    bool dry_run = false;        // --dry-run: check everything, send no writes
};

// Adds `export` to `parent`.
void register_export(CLI::App& parent, Context& ctx);
// Runs the export; throws Error (ExitCode::invalid_input for bad input, config when the finance
// endpoints are not available to the credential, partial when some items failed).
void run_export(const ExportOptions& opts, Context& ctx);

} // namespace lexsync::commands::transactions
