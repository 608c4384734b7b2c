// --- Interface ---
// The local state store (SQLite in the profile's state directory): the idempotency ledger of
// every write lexsync makes, and the runs they belonged to.
#pragma once

#include <cstdint>
#include <filesystem>
#include <lexsync/util/encoding.hpp>
#include <lexsync/util/sqlite.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lexsync {

struct LedgerEntry {
    std::string kind;         // "contact", "invoice", "voucher", …
    std::string key;          // the item's stable source key (e.g. source number or hash)
    std::string content_hash; // SHA-256 hex of the canonical content that was sent
    std::string status;       // "pending" (sent, outcome unknown) or "done"
    std::string remote_id;    // lexoffice's id, empty while pending
    std::int64_t remote_version = 0;
    std::string remote_number; // e.g. assigned customer or voucher number
    std::int64_t run_id = 0;
    std::string updated_at; // ISO 8601 UTC
};

class StateStore {
public:
    // Opens (creating) `db_file`, its directory with mode 0700, and migrates the schema.
    explicit StateStore(const std::filesystem::path& db_file);

    // Records the start of a run of `command`; returns its id.
    std::int64_t begin_run(const std::string& command);
    // Records the end of run `run_id` with `status` ("ok", "partial", "failed") and a summary.
    void finish_run(std::int64_t run_id, const std::string& status,
                    const std::string& summary_json);

    std::optional<LedgerEntry> get(const std::string& kind, const std::string& key);
    // Marks an item as about to be written (before the request); survives a crash.
    void mark_pending(const std::string& kind, const std::string& key,
                      const std::string& content_hash, std::int64_t run_id);
    // Records the confirmed outcome of a write.
    void mark_done(const LedgerEntry& entry);
    // Removes an entry (after reconciling a pending write that did not happen).
    void forget(const std::string& kind, const std::string& key);
    // All entries of `kind` still pending (to reconcile before a new run writes).
    std::vector<LedgerEntry> pending(const std::string& kind);
    // Number of entries of `kind` with status done.
    std::int64_t count_done(const std::string& kind);

    // Every entry of `kind`, ordered by key.
    std::vector<LedgerEntry> entries(const std::string& kind);

    // The lexoffice account {organizationId, base URL} the ledger is bound to, if any.
    std::optional<std::pair<std::string, std::string>> bound_account();
    // Binds an unbound ledger to `organization_id` at `base_url`; a ledger bound to the same
    // organisation only updates the URL and company name, one bound to another stays unchanged
    // (check bound_account() afterwards).
    void bind_account(const std::string& organization_id, const std::string& base_url,
                      const std::string& company_name);

    // A key/value cursor per job (e.g. the last pull's updated date).
    std::optional<std::string> cursor(const std::string& name);
    void set_cursor(const std::string& name, const std::string& value);

    sqlite::Database& db() { return m_db; }

private:
    sqlite::Database m_db;
};

} // namespace lexsync
