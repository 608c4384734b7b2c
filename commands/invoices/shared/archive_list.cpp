#include "commands/invoices/shared/archive_list.hpp"

#include "commands/invoices/shared/archive_format.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <lexsync/util/date.hpp>
#include <lexsync/util/strings.hpp>
#include <set>

namespace lexsync::commands::invoices::archive {

namespace {

class Lister {
public:
    // `sink` takes each row read; `dedupe_all`: a row seen in any earlier window is dropped too
    // (else only one seen before in its own window, which keeps memory bounded by the cap).
    Lister(ApiClient& client, const ListQuery& q, const std::function<void(long)>& on_page,
           std::function<bool(ListRow&&)> sink, bool dedupe_all)
        : m_client(client), m_q(q), m_on_page(on_page), m_sink(std::move(sink)),
          m_dedupe_all(dedupe_all) {}

    Result<Ok, ApiError> window(long from, long to) {
        ++m_queries;
        PageIterator pages(m_client, "/v1/voucherlist", list_query(m_q, from, to), 250);
        auto more = pages.next();
        if (!more) {
            return unexpected(std::move(more).error());
        }
        if (*more && pages.total_elements() >= PageIterator::k_window && from < to) {
            // This window reaches the cap: halve it rather than read a list that may be cut off.
            ++m_splits;
            const long mid = from + (to - from) / 2;
            if (auto r = window(from, mid); !r || m_stopped) {
                return r;
            }
            return window(mid + 1, to);
        }
        if (!m_dedupe_all) {
            m_seen.clear();
        }
        while (*more) {
            for (const auto& item : pages.items().GetArray()) {
                if (auto row = read_row(item); row && m_seen.insert(row->id).second) {
                    if (m_q.number.empty() || row->number == m_q.number) {
                        ++m_rows;
                        if (!m_sink(std::move(*row))) {
                            m_stopped = true;
                            return Ok{};
                        }
                    }
                }
            }
            if (m_on_page) {
                m_on_page(m_rows);
            }
            more = pages.next();
            if (!more) {
                return unexpected(std::move(more).error());
            }
        }
        if (pages.window_capped()) {
            m_capped_days.push_back(format_date(date_of_day(from)));
        }
        return Ok{};
    }

    long queries() const { return m_queries; }
    long splits() const { return m_splits; }
    std::vector<std::string> take_capped_days() { return std::move(m_capped_days); }

private:
    ApiClient& m_client;
    const ListQuery& m_q;
    const std::function<void(long)>& m_on_page;
    std::function<bool(ListRow&&)> m_sink;
    bool m_stopped = false;
    bool m_dedupe_all;
    long m_queries = 0;
    long m_splits = 0;
    long m_rows = 0;
    std::vector<std::string> m_capped_days;
    std::set<std::string> m_seen;
};

} // namespace

Query list_query(const ListQuery& q, long from_day, long to_day) {
    Query query;
    query.emplace_back("voucherType", join(q.types, ","));
    query.emplace_back("voucherStatus",
                       q.statuses.empty() ? std::string("any") : join(q.statuses, ","));
    query.emplace_back("voucherDateFrom", format_date(date_of_day(from_day)));
    query.emplace_back("voucherDateTo", format_date(date_of_day(to_day)));
    if (!q.number.empty()) {
        // The API is said not to filter by number everywhere [U]; rows are checked again locally.
        query.emplace_back("voucherNumber", search_term(q.number));
    }
    query.emplace_back("sort", "voucherDate,ASC");
    return query;
}

std::optional<ListRow> read_row(const json::Value& v) {
    if (!v.IsObject()) {
        return std::nullopt;
    }
    ListRow r;
    r.id = json::get_string(v, "id").value_or("");
    if (r.id.empty()) {
        return std::nullopt;
    }
    r.type = json::get_string(v, "voucherType").value_or("");
    r.status = json::get_string(v, "voucherStatus").value_or("");
    r.number = json::get_string(v, "voucherNumber").value_or("");
    r.voucher_date = date_of(json::get_string(v, "voucherDate").value_or(""));
    r.updated_date = json::get_string(v, "updatedDate").value_or("");
    r.contact_id = json::get_string(v, "contactId").value_or("");
    r.contact_name = json::get_string(v, "contactName").value_or("");
    r.total_amount = json::get_decimal(v, "totalAmount");
    r.open_amount = json::get_decimal(v, "openAmount");
    r.currency = json::get_string(v, "currency").value_or("");
    return r;
}

Result<ListOutcome, ApiError> list_vouchers(ApiClient& client, const ListQuery& q,
                                            const std::function<void(long)>& on_page) {
    ListOutcome out;
    Lister lister(
        client, q, on_page,
        [&](ListRow&& row) {
            out.rows.push_back(std::move(row));
            return true;
        },
        true);
    if (auto r = lister.window(q.from_day, q.to_day); !r) {
        return unexpected(std::move(r).error());
    }
    std::stable_sort(out.rows.begin(), out.rows.end(), [](const ListRow& a, const ListRow& b) {
        return std::tie(a.voucher_date, a.number) < std::tie(b.voucher_date, b.number);
    });
    out.queries = lister.queries();
    out.splits = lister.splits();
    out.capped_days = lister.take_capped_days();
    return out;
}

Result<StreamOutcome, ApiError> for_each_voucher(ApiClient& client, const ListQuery& q,
                                                 const std::function<bool(ListRow&&)>& fn,
                                                 const std::function<void(long)>& on_page) {
    Lister lister(client, q, on_page, fn, false);
    if (auto r = lister.window(q.from_day, q.to_day); !r) {
        return unexpected(std::move(r).error());
    }
    StreamOutcome out;
    out.queries = lister.queries();
    out.splits = lister.splits();
    out.capped_days = lister.take_capped_days();
    return out;
}

} // namespace lexsync::commands::invoices::archive
