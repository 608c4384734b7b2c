// --- Interface ---
// Finding exported invoices again in lexoffice, in bulk: the voucher list of the items' dates
// (250 rows per request) instead of one search per item. lexoffice is the truth; the ledger is
// only a cache, so `invoices export` asks this before it creates anything the ledger does not
// know, and `state verify` / `state rebuild` use it to compare and repair.
//
// Invoice mode: a document is an item's when it has the item's type and date, the same contact
// (unless one side has none), and its remark carries the item's reference line ("Ref. <number>"
// by default); each such candidate costs one read. Without a reference line the gross total and
// the number of line items must match instead. Voucher mode: a bookkeeping voucher is an item's
// when it has the item's voucher number and type; the list answers that alone.
#pragma once

#include "commands/invoices/shared/archive_list.hpp"

#include <functional>
#include <lexsync/api/client.hpp>
#include <lexsync/records/invoices.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/date.hpp>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/sqlite.hpp>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace lexsync::commands::invoices::shared {

// One source invoice to find.
struct LookupItem {
    std::string number; // source number
    lexsync::invoices::Kind kind = lexsync::invoices::Kind::invoice;
    lexsync::Date date{};
    std::string contact_id; // invoice mode: the resolved contact, "" when unknown or none
    Decimal gross;          // the total lexsync sends
    std::size_t line_items = 0;
};

// The lookup item of `inv` with contact `contact_id`.
LookupItem lookup_item(const lexsync::invoices::Invoice& inv, const std::string& contact_id);

// A document or voucher lexoffice holds for a source invoice.
struct FoundDocument {
    std::string id;
    std::string voucher_number; // lexoffice's number (invoice mode), the source number (vouchers)
    std::string status;
    std::optional<Decimal> total; // gross total as listed
};

struct LookupOutcome {
    std::map<std::string, FoundDocument> found; // by source number
    std::map<std::string, std::string> unsure;  // source number → why lexoffice could not tell
    long requests = 0;                          // list pages and reads
};

// `ref_text` with `number` for "{number}" ("" stays "").
std::string ref_line_for(const std::string& ref_text, const std::string& number);
// True when `remark` has `line` as one of its lines (trailing blanks ignored).
bool remark_has_line(const std::string& remark, const std::string& line);

// The items of one look-up, indexed for find_documents(): which listed rows may be an item's
// (its type and day, and the same contact unless one side has none), and which items a document
// read matches (its remark has their reference line, or without reference lines the same gross
// total and number of line items). Each answer is a hash probe, so a day with many items costs
// time and memory in proportion to its rows and items, not to their product. The items must
// outlive the index.
class ItemIndex {
public:
    ItemIndex(const std::vector<LookupItem>& items, const std::string& ref_text);
    // True when an item may be the listed `row`'s: one document read tells.
    bool may_hold(const archive::ListRow& row) const;
    // The items the document `doc`, listed as `row`, belongs to (each once).
    std::vector<const LookupItem*> matches(const archive::ListRow& row,
                                           const json::Value& doc) const;

private:
    struct Day {
        std::size_t items = 0;
        std::size_t without_contact = 0;
        std::unordered_map<std::string, std::size_t> by_contact;
    };
    static std::string day_key(const std::string& type, const std::string& day);
    static std::string totals_key(const std::string& type, const std::string& day, Decimal gross,
                                  std::size_t line_items);

    bool m_by_ref;
    std::unordered_map<std::string, Day> m_days;                              // by type and day
    std::unordered_map<std::string, std::vector<const LookupItem*>> m_by_key; // ref line or totals
};

// The voucher-list rows of sales documents between two dates, read ahead of find_documents()
// (on a lane, beside other reads): its capped days and requests, and the rows, or the error that
// stopped the listing. The rows are kept in a private temporary SQLite database (as the invoice
// spool is), so that memory does not grow with the number of documents in lexoffice, and with
// only what find_documents() matches on: id, type, voucher date and contact.
class ListedRows {
public:
    ListedRows();
    lexsync::Date from;
    lexsync::Date to;
    std::optional<ApiError> error;
    std::vector<std::string> capped_days;
    long requests = 0;

    void add(const archive::ListRow& row);
    // Calls `fn` with each row in the order added (id, type, voucher_date and contact_id), until
    // it returns false.
    void for_each(const std::function<bool(const archive::ListRow&)>& fn) const;

private:
    mutable sqlite::Database m_db;
    std::optional<sqlite::Statement> m_add;
};

// Reads the rows of `from`..`to` for find_documents(). Touches nothing but `client`.
ListedRows list_ahead(ApiClient& client, lexsync::Date from, lexsync::Date to);

// Invoice mode: finds the documents of `items` (see above). Documents the ledger `state` already
// attributes to a source invoice are not read. The voucher list is read unless `listed` holds
// the rows of a range that covers the items' dates. Returns the first failed request's error.
Result<LookupOutcome, ApiError> find_documents(ApiClient& client, StateStore& state,
                                               const std::vector<LookupItem>& items,
                                               const std::string& ref_text,
                                               const ListedRows* listed = nullptr);

// Voucher mode: finds the bookkeeping vouchers of `items` by voucher number and type.
Result<LookupOutcome, ApiError> find_vouchers(ApiClient& client,
                                              const std::vector<LookupItem>& items);

// The voucher-list rows of sales documents (invoice mode, `bookkeeping` false) or bookkeeping
// sales vouchers dated between `from` and `to`; `capped_days` receives days whose rows the API
// could not list completely. `requests` (optional) counts the pages read.
Result<std::vector<archive::ListRow>, ApiError> list_rows(ApiClient& client, bool bookkeeping,
                                                          lexsync::Date from, lexsync::Date to,
                                                          std::vector<std::string>& capped_days,
                                                          long* requests = nullptr);

// The same rows handed to `fn` as their pages arrive (see archive::for_each_voucher), not kept:
// memory does not grow with their number. `fn` may send requests, and stops by returning false.
Result<Ok, ApiError> for_each_row(ApiClient& client, bool bookkeeping, lexsync::Date from,
                                  lexsync::Date to, std::vector<std::string>& capped_days,
                                  const std::function<bool(archive::ListRow&&)>& fn,
                                  long* requests = nullptr);

} // namespace lexsync::commands::invoices::shared
