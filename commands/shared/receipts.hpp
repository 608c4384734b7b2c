// --- Interface ---
// Receipts in lexoffice: the one place where `vouchers upload` and `transactions export` keep the
// rule that a receipt (a file, known by its SHA-256) is uploaded to lexoffice once, whichever of
// the two commands sends it. Both read and write the same ledger kinds through this module:
//
//   "receipt" (key: the file's SHA-256) is done once the file is in lexoffice: remote_id the
//   voucher holding it, remote_number the file id, content_hash the SHA-256 again.
//   "receipt-voucher" (same key) records the bookkeeping voucher made or chosen for the file
//   before the file is attached: remote_id the voucher, remote_number its voucher number,
//   remote_version the number of files the voucher had before the attach (to tell afterwards
//   whether an unclear attach happened), content_hash the hash of the posting categories last
//   written (category_hash()).
//
// Offered: the ledger's view of a receipt (ReceiptLedger), the lookup of bookkeeping vouchers by
// number (the voucher list read once per run, one search per number without voucherlist.read),
// and the three writes with their ledger steps: create a voucher, attach the file, and confirm
// an attach whose answer was unclear. Each write marks its entry pending before it is sent;
// a clear answer makes it done or forgets it, an unclear one leaves it pending until it can no
// longer be in flight (see lexsync/store/settle.hpp).
#pragma once

#include "cli/context.hpp"

#include <cstdint>
#include <filesystem>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/formats/file_check.hpp>
#include <lexsync/records/vouchers.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace lexsync::commands::receipts {

inline constexpr const char* k_receipt = "receipt";
inline constexpr const char* k_receipt_voucher = "receipt-voucher";

// The ledger's hash of one posting category written to a receipt's voucher.
std::string category_hash(const std::string& category_id);

// Failures that stop a run: network failures that did not send the request, rate-limit and
// auth failures after every retry. An unclear answer to a write does not (it is reconciled).
bool stops_run(const ApiError& e);

// A receipt file, checked before the run.
struct ReceiptFile {
    std::filesystem::path path;
    std::string sha; // SHA-256 of the content when it was checked
    file_check::FileKind kind = file_check::FileKind::pdf;
};

// What the ledger knows of one receipt.
struct ReceiptEntries {
    std::optional<LedgerEntry> receipt; // "receipt"
    std::optional<LedgerEntry> voucher; // "receipt-voucher"

    // The file is in lexoffice: it is never uploaded again.
    bool uploaded() const { return receipt && receipt->status == "done"; }
    // The voucher for the file exists; the file may still have to be attached.
    bool voucher_made() const { return voucher && voucher->status == "done"; }
    // An earlier POST of the voucher had no clear answer: its number tells.
    bool creation_unconfirmed() const { return voucher && voucher->status == "pending"; }
    // An earlier upload or attach of the file had no clear answer.
    bool upload_unconfirmed() const { return receipt && receipt->status == "pending"; }
};

// The files of a bookkeeping voucher as lexoffice answered it.
std::int64_t file_count(const json::Value& voucher);
// The id of the voucher's last file ("" for none).
std::string last_file(const json::Value& voucher);

// The outcome of one write.
struct Write {
    enum class Status {
        done,    // written and recorded; `id` is the voucher or file id
        pending, // unclear answer: left pending, looked up once it can no longer be in flight
        failed,  // not written (the ledger entry is forgotten)
        changed, // the file changed or vanished since it was checked: nothing sent
    };
    Status status = Status::failed;
    std::string id;
    ApiError error; // pending, failed
};

class ReceiptLedger {
public:
    // With `dry_run` nothing is recorded in the ledger.
    ReceiptLedger(Context& ctx, bool dry_run = false);

    void set_run(std::int64_t run_id) { m_run = run_id; }
    // The voucher list query that by_number() reads once (types and voucher dates of the run).
    void set_numbers_query(lexsync::vouchers::VoucherListQuery query) {
        m_numbers_query = std::move(query);
    }

    // The voucher list that by_number() reads, read elsewhere beforehand (on a lane beside other
    // reads): read_numbers sends it (touches no ledger, so any thread may), keep_numbers hands
    // its answer to by_number(), which reads the list again only after an error other than 403.
    using Listed = Result<std::vector<lexsync::vouchers::ListedVoucher>, ApiError>;
    static Listed read_numbers(ApiClient& client, const lexsync::vouchers::VoucherListQuery& query);
    const lexsync::vouchers::VoucherListQuery& numbers_query() const { return m_numbers_query; }
    void keep_numbers(Listed listed);

    ReceiptEntries entries(const std::string& sha);
    // True when an unclear write of `e` may still be in flight: it must not be looked up or sent
    // again yet.
    bool in_flight(const ReceiptEntries& e) const;
    // The pending entries of `sha` (what a wait for unclear writes waits out).
    std::vector<LedgerEntry> pending(const std::string& sha);

    void record(const char* kind, const std::string& sha, const std::string& voucher_id,
                const std::string& number, std::int64_t version, const std::string& hash);
    void forget(const char* kind, const std::string& sha);

    // The bookkeeping vouchers of `type` with `number`, in full. From the voucher list read once
    // per run; with `fresh` (after an unclear POST), or without voucherlist.read, one search by
    // number.
    Result<std::vector<json::Document>, ApiError>
    by_number(const std::string& number, lexsync::vouchers::VoucherType type, bool fresh);

    // Records `voucher` (found by number) as the receipt's voucher and, with `holds_receipt` when
    // it has files, the receipt as uploaded into it (its last file). Returns that file's id ("" for
    // none).
    std::string adopt(const std::string& sha, const json::Value& voucher, const std::string& number,
                      const std::string& hash, bool holds_receipt);

    // POSTs `body` as a new bookkeeping voucher for the receipt `sha` with `number` and `type`.
    Write create(const std::string& sha, const std::string& number,
                 lexsync::vouchers::VoucherType type, const std::string& body,
                 const std::string& hash);
    // create() in three steps, for a POST sent on a lane: begin_create marks the entry pending
    // (before the request is handed over), send_create sends it (touches no ledger, so any
    // thread may), end_create records the answer.
    void begin_create(const std::string& sha, const std::string& hash);
    static Result<json::Document, ApiError> send_create(ApiClient& client, const std::string& body);
    Write end_create(const std::string& sha, const std::string& number,
                     lexsync::vouchers::VoucherType type, const std::string& hash,
                     Result<json::Document, ApiError> post);

    // Attaches the receipt's file to `voucher_id`.
    Write attach(const ReceiptFile& file, const std::string& voucher_id);
    // attach() in three steps: begin_attach reads the file and marks the entry pending (nullopt:
    // the file changed, nothing marked), send_attach sends the bytes (any thread), end_attach
    // records the answer.
    std::optional<std::string> begin_attach(const ReceiptFile& file);
    static Result<std::string, ApiError> send_attach(ApiClient& client, const ReceiptFile& file,
                                                     const std::string& voucher_id,
                                                     std::string bytes);
    Write end_attach(const ReceiptFile& file, const std::string& voucher_id,
                     Result<std::string, ApiError> answer);

    // After an attach to the voucher of `voucher` had no clear answer: reads the voucher; a file
    // more than it held before means the attach happened (recorded, its file id returned).
    Result<std::optional<std::string>, ApiError> confirm_attach(const std::string& sha,
                                                                const LedgerEntry& voucher);

    // The file's bytes, if they still have the hash taken when it was checked.
    static std::optional<std::string> content(const ReceiptFile& file);

private:
    Context& m_ctx;
    bool m_dry_run = false;
    std::int64_t m_run = 0;
    lexsync::vouchers::VoucherListQuery m_numbers_query;
    std::optional<lexsync::vouchers::NumberIndex> m_numbers;
    bool m_no_voucher_list = false;
};

} // namespace lexsync::commands::receipts
