// --- Interface ---
// The ledger of `invoices export`, shared with `invoices pull`: which source invoice became which
// lexoffice document, in which mode, with which status and attachment.
#pragma once

#include <lexsync/store/state.hpp>
#include <optional>
#include <string>

namespace lexsync::commands::invoices::shared {

// The ledger kind of exported invoices and credit notes.
inline constexpr const char* k_ledger_kind = "invoice";

// The ledger key of source invoice `number` exported in `mode` ("invoice" or "voucher").
std::string ledger_key(const std::string& mode, const std::string& number);

// What the ledger row itself has no column for, kept in a cursor per exported invoice.
struct ExportExtra {
    std::string kind;   // invoice | credit-note
    std::string status; // lexoffice status at creation (draft, open)
    std::string file;   // voucher mode: "" (none), "pending" (upload sent), "attached"
};

// Reads the extra state of ledger key `key`; nullopt when there is none.
std::optional<ExportExtra> read_extra(StateStore& state, const std::string& key);
// Stores the extra state of ledger key `key`.
void write_extra(StateStore& state, const std::string& key, const ExportExtra& extra);

// The ledger key (mode:number) that lexoffice document `remote_id` was exported from, or nullopt.
std::optional<std::string> source_of(StateStore& state, const std::string& remote_id);

// The cursor that remembers in which mode the invoices of `year` were exported.
std::string year_mode_cursor(int year);

} // namespace lexsync::commands::invoices::shared
