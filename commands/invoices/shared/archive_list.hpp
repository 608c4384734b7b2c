// --- Interface ---
// The period's sales vouchers through the voucher list, in date windows small enough that no
// query reaches the API's 10,000-result cap: a window whose first page reports the cap is halved
// (recursively) before any further page is read.
#pragma once

#include <functional>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/result.hpp>
#include <optional>
#include <string>
#include <vector>

namespace lexsync::commands::invoices::archive {

// What to list: voucher types and statuses (empty statuses: `any`), an optional voucher number and
// the voucher-date range as days since 1970-01-01 (inclusive).
struct ListQuery {
    std::vector<std::string> types;
    std::vector<std::string> statuses;
    std::string number;
    long from_day = 0;
    long to_day = 0;
};

// One row of the voucher list (the fields the archive uses).
struct ListRow {
    std::string id;
    std::string type;
    std::string status;
    std::string number;
    std::string voucher_date; // yyyy-mm-dd
    std::string updated_date; // the timestamp as sent
    std::string contact_id;   // empty for the collective contact
    std::string contact_name;
    std::optional<Decimal> total_amount;
    std::optional<Decimal> open_amount;
    std::string currency;
};

struct ListOutcome {
    std::vector<ListRow> rows;            // unique by id, in voucher-date order
    long queries = 0;                     // windows asked for
    long splits = 0;                      // windows halved because they reached the cap
    std::vector<std::string> capped_days; // single days that still exceed the cap (rows missing)
};

// The voucher-list query parameters of one window (without page and size).
Query list_query(const ListQuery& q, long from_day, long to_day);

// Reads one row; nullopt when it has no id.
std::optional<ListRow> read_row(const json::Value& v);

// Lists every voucher `q` matches, splitting windows at the cap; `on_page` (optional) is called
// after each page with the number of rows so far.
Result<ListOutcome, ApiError> list_vouchers(ApiClient& client, const ListQuery& q,
                                            const std::function<void(long)>& on_page = {});

// What for_each_voucher() tells besides the rows.
struct StreamOutcome {
    long queries = 0;
    long splits = 0;
    std::vector<std::string> capped_days;
};

// Lists the vouchers `q` matches like list_vouchers(), but hands each row to `fn` as its page
// arrives (in the list's order, voucher date ascending) instead of keeping them, so that memory
// does not grow with their number; `fn` may send requests of its own, and stops the listing by
// returning false. A row seen again while its
// window is paged (the list moved) is dropped; one whose date changed between two windows may
// come twice.
Result<StreamOutcome, ApiError> for_each_voucher(ApiClient& client, const ListQuery& q,
                                                 const std::function<bool(ListRow&&)>& fn,
                                                 const std::function<void(long)>& on_page = {});

} // namespace lexsync::commands::invoices::archive
