// --- Interface ---
// Comparing the ledger with the lexoffice account it belongs to, shared by `state verify` (which
// only reports) and `state rebuild` (which repairs the ledger from what it finds). lexoffice is
// the truth and the ledger only a cache, so every difference is settled in lexoffice's favour.
//
// What is compared (one listing per family, 250 rows a request, no reads):
//   invoice   `invoices export` entries: the voucher list of all sales documents and bookkeeping
//             sales vouchers (invoice, creditnote, salesinvoice, salescreditnote; any status, any
//             date, in date windows below the API's 10,000-result cap).
//   contact   `contacts push` entries: the contact list.
// Each entry is `ok` (lexoffice holds its document), `renumbered` (held, with another voucher
// number than recorded), `missing` (lexoffice no longer holds it:
// the next run would skip an item that is not there), `pending` (sent without a known outcome:
// the next run of its command looks it up) or `unsure` (the listing could not be complete).
// Other ledger kinds (receipts, transactions, hints) are looked up by their own commands before
// every write and are counted but not listed.
#pragma once

#include "cli/context.hpp"

#include <lexsync/store/state.hpp>
#include <map>
#include <string>
#include <vector>

namespace lexsync::commands::state {

// One ledger entry compared with lexoffice.
struct Finding {
    std::string kind;   // ledger kind: invoice, contact
    std::string key;    // ledger key, e.g. invoice:RE-2026-0301
    std::string ledger; // done, pending
    std::string result; // ok, renumbered, missing, pending, unsure; rebuild: recorded
    std::string id;     // lexoffice id (recorded, or found)
    std::string number; // voucher or customer number as lexoffice shows it
    std::string status; // lexoffice status (documents)
    std::string detail; // why, for people
    LedgerEntry entry;  // the entry as read
};

struct Comparison {
    std::vector<Finding> findings;
    std::map<std::string, long> other_kinds; // entries of kinds not compared, by kind
    std::vector<std::string> capped_days;    // days lexoffice could not list completely
    bool contacts_capped = false;            // the contact list reached the 10,000 window
};

// A voucher-list row kept for rebuild's discovery of unrecorded documents.
struct Document {
    std::string id;
    std::string type; // invoice, creditnote, salesinvoice, salescreditnote
    std::string status;
    std::string number;
    std::string voucher_date; // yyyy-mm-dd
};

// Compares the ledger of `ctx`'s account with lexoffice; `documents` receives every listed sales
// document. Throws Error when a listing fails.
Comparison compare(Context& ctx, std::vector<Document>& documents);

// The record columns of a Finding (shared by both commands).
std::vector<Column> finding_columns();
// `f` as an output record.
json::Document finding_record(const Finding& f);

} // namespace lexsync::commands::state
