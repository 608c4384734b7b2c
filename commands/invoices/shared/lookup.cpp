#include "commands/invoices/shared/lookup.hpp"

#include "commands/invoices/shared/ledger.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace lexsync::commands::invoices::shared {

using lexsync::Date;
using lexsync::invoices::Invoice;
using lexsync::invoices::Kind;

namespace {

// The dates of `items` as [first, last].
std::pair<Date, Date> date_range(const std::vector<LookupItem>& items) {
    Date lo = items.front().date;
    Date hi = lo;
    for (const auto& i : items) {
        lo = std::min(lo, i.date);
        hi = std::max(hi, i.date);
    }
    return {lo, hi};
}

// The voucher-list type of `kind` in either family.
std::string list_type(Kind kind, bool bookkeeping) {
    if (bookkeeping) {
        return kind == Kind::credit_note ? "salescreditnote" : "salesinvoice";
    }
    return kind == Kind::credit_note ? "creditnote" : "invoice";
}

// Marks the items dated on a day the list could not show completely as unsure.
void note_capped(const std::vector<LookupItem>& items, const std::vector<std::string>& capped,
                 LookupOutcome& out) {
    for (const auto& day : capped) {
        for (const auto& i : items) {
            if (lexsync::format_date(i.date) == day) {
                out.unsure[i.number] =
                    fmt::format("lexoffice lists more than 10,000 documents on {}; cannot tell "
                                "whether {} is among them",
                                day, i.number);
            }
        }
    }
}

// Calls `fn` with each line of `remark`, its trailing blanks and CR removed, until it returns
// false.
void for_each_remark_line(const std::string& remark,
                          const std::function<bool(const std::string&)>& fn) {
    std::istringstream in(remark);
    std::string l;
    while (std::getline(in, l)) {
        while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) {
            l.pop_back();
        }
        if (!fn(l)) {
            return;
        }
    }
}

// The voucher-list query of sales documents (or bookkeeping sales vouchers) between two dates.
archive::ListQuery sales_query(bool bookkeeping, Date from, Date to) {
    archive::ListQuery q;
    q.types = bookkeeping ? std::vector<std::string>{"salesinvoice", "salescreditnote"}
                          : std::vector<std::string>{"invoice", "creditnote"};
    q.from_day = day_number(from);
    q.to_day = day_number(to);
    return q;
}

} // namespace

LookupItem lookup_item(const Invoice& inv, const std::string& contact_id) {
    LookupItem i;
    i.number = inv.number;
    i.kind = inv.kind;
    i.date = inv.date;
    i.contact_id = contact_id;
    i.gross = lexsync::invoices::compute_totals(inv).gross;
    i.line_items = inv.items.size();
    return i;
}

std::string ref_line_for(const std::string& ref_text, const std::string& number) {
    std::string out = ref_text;
    const std::string ph = "{number}";
    for (auto pos = out.find(ph); pos != std::string::npos;
         pos = out.find(ph, pos + number.size())) {
        out.replace(pos, ph.size(), number);
    }
    return out;
}

bool remark_has_line(const std::string& remark, const std::string& line) {
    bool has = false;
    for_each_remark_line(remark, [&](const std::string& l) {
        has = l == line;
        return !has;
    });
    return has;
}

ItemIndex::ItemIndex(const std::vector<LookupItem>& items, const std::string& ref_text)
    : m_by_ref(!ref_text.empty()) {
    for (const auto& item : items) {
        const std::string day = lexsync::format_date(item.date);
        Day& d = m_days[day_key(list_type(item.kind, false), day)];
        ++d.items;
        if (item.contact_id.empty()) {
            ++d.without_contact;
        } else {
            ++d.by_contact[item.contact_id];
        }
        const std::string key =
            m_by_ref ? ref_line_for(ref_text, item.number)
                     : totals_key(list_type(item.kind, false), day, item.gross, item.line_items);
        m_by_key[key].push_back(&item);
    }
}

std::string ItemIndex::day_key(const std::string& type, const std::string& day) {
    return type + "\n" + day;
}

std::string ItemIndex::totals_key(const std::string& type, const std::string& day, Decimal gross,
                                  std::size_t line_items) {
    return fmt::format("{}\n{}\n{}\n{}", type, day, gross.units(), line_items);
}

bool ItemIndex::may_hold(const archive::ListRow& row) const {
    const auto d = m_days.find(day_key(row.type, row.voucher_date));
    if (d == m_days.end()) {
        return false;
    }
    if (row.contact_id.empty() || d->second.without_contact > 0) {
        return d->second.items > 0;
    }
    return d->second.by_contact.count(row.contact_id) > 0;
}

std::vector<const LookupItem*> ItemIndex::matches(const archive::ListRow& row,
                                                  const json::Value& doc) const {
    std::vector<const LookupItem*> out;
    // `once`: a remark may repeat a line; one item is matched once.
    auto take = [&](const std::string& key, bool once) {
        const auto it = m_by_key.find(key);
        if (it == m_by_key.end()) {
            return;
        }
        for (const LookupItem* item : it->second) {
            if (list_type(item->kind, false) == row.type &&
                lexsync::format_date(item->date) == row.voucher_date &&
                (item->contact_id.empty() || row.contact_id.empty() ||
                 item->contact_id == row.contact_id) &&
                (!once || std::find(out.begin(), out.end(), item) == out.end())) {
                out.push_back(item);
            }
        }
    };
    if (m_by_ref) {
        for_each_remark_line(json::get_string(doc, "remark").value_or(""),
                             [&](const std::string& l) {
                                 take(l, true);
                                 return true;
                             });
        return out;
    }
    const auto gross = json::get_decimal(doc, "totalPrice.totalGrossAmount");
    const json::Value* lines = json::find(doc, "lineItems");
    if (gross && lines && lines->IsArray()) {
        take(totals_key(row.type, row.voucher_date, *gross, lines->Size()), false);
    }
    return out;
}

Result<std::vector<archive::ListRow>, ApiError> list_rows(ApiClient& client, bool bookkeeping,
                                                          Date from, Date to,
                                                          std::vector<std::string>& capped_days,
                                                          long* requests) {
    const archive::ListQuery q = sales_query(bookkeeping, from, to);
    auto listed = archive::list_vouchers(client, q, [&](long) {
        if (requests != nullptr) {
            ++*requests;
        }
    });
    if (!listed) {
        return unexpected(std::move(listed).error());
    }
    capped_days.insert(capped_days.end(), listed->capped_days.begin(), listed->capped_days.end());
    return std::move(listed->rows);
}

Result<Ok, ApiError> for_each_row(ApiClient& client, bool bookkeeping, Date from, Date to,
                                  std::vector<std::string>& capped_days,
                                  const std::function<bool(archive::ListRow&&)>& fn,
                                  long* requests) {
    const archive::ListQuery q = sales_query(bookkeeping, from, to);
    auto listed = archive::for_each_voucher(client, q, fn, [&](long) {
        if (requests != nullptr) {
            ++*requests;
        }
    });
    if (!listed) {
        return unexpected(std::move(listed).error());
    }
    capped_days.insert(capped_days.end(), listed->capped_days.begin(), listed->capped_days.end());
    return Ok{};
}

ListedRows::ListedRows() : m_db("") {
    // A scratch copy, as the invoice spool: no journal, no syncing, one transaction for its life.
    m_db.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1024;"
              "CREATE TABLE row(seq INTEGER PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, "
              "day TEXT NOT NULL, contact TEXT NOT NULL);"
              "BEGIN");
}

void ListedRows::add(const archive::ListRow& row) {
    if (!m_add) {
        m_add = m_db.prepare("INSERT INTO row(id, type, day, contact) VALUES (?1, ?2, ?3, ?4)");
    }
    m_add->reset();
    m_add->bind(1, row.id).bind(2, row.type).bind(3, row.voucher_date).bind(4, row.contact_id);
    m_add->run();
}

void ListedRows::for_each(const std::function<bool(const archive::ListRow&)>& fn) const {
    auto st = m_db.prepare("SELECT id, type, day, contact FROM row ORDER BY seq");
    archive::ListRow row;
    while (st.step()) {
        row.id = st.column_text(0);
        row.type = st.column_text(1);
        row.voucher_date = st.column_text(2);
        row.contact_id = st.column_text(3);
        if (!fn(row)) {
            return;
        }
    }
}

ListedRows list_ahead(ApiClient& client, Date from, Date to) {
    ListedRows l;
    l.from = from;
    l.to = to;
    auto r = for_each_row(
        client, false, from, to, l.capped_days,
        [&](archive::ListRow&& row) {
            l.add(row);
            return true;
        },
        &l.requests);
    if (!r) {
        l.error = std::move(r).error();
    }
    return l;
}

Result<LookupOutcome, ApiError> find_documents(ApiClient& client, StateStore& state,
                                               const std::vector<LookupItem>& items,
                                               const std::string& ref_text,
                                               const ListedRows* listed) {
    LookupOutcome out;
    if (items.empty()) {
        return out;
    }
    const auto [from, to] = date_range(items);
    // The items indexed once, so that each row and each document is matched in constant time
    // however many items share a day (see ItemIndex).
    const ItemIndex index(items, ref_text);
    std::map<std::string, std::vector<FoundDocument>> matches; // source number → documents
    std::unordered_set<std::string> read_ids;                  // a row listed twice is read once
    std::optional<ApiError> failed;
    // Reads the document of a listed row when it may be an item's, and matches it. False once a
    // read failed.
    auto consider = [&](const archive::ListRow& row) {
        if (!index.may_hold(row) || !read_ids.insert(row.id).second) {
            return true;
        }
        if (source_of(state, row.id)) {
            return true; // the ledger knows whose document this is
        }
        const bool credit = row.type == list_type(Kind::credit_note, false);
        auto doc = client.get_json((credit ? "/v1/credit-notes/" : "/v1/invoices/") + row.id);
        ++out.requests;
        if (!doc) {
            if (doc.error().kind == ApiError::Kind::not_found) {
                return true; // deleted since it was listed
            }
            failed = std::move(doc).error();
            return false;
        }
        for (const LookupItem* item : index.matches(row, *doc)) {
            FoundDocument f;
            f.id = row.id;
            f.voucher_number = json::get_string(*doc, "voucherNumber").value_or("");
            f.status = json::get_string(*doc, "voucherStatus").value_or("");
            f.total = json::get_decimal(*doc, "totalPrice.totalGrossAmount");
            matches[item->number].push_back(std::move(f));
        }
        return true;
    };
    std::vector<std::string> capped;
    if (listed != nullptr && listed->from <= from && to <= listed->to) {
        capped = listed->capped_days;
        out.requests += listed->requests;
        if (listed->error) {
            return unexpected(*listed->error);
        }
        listed->for_each(consider);
    } else {
        // The rows are matched as their pages arrive, not kept.
        auto r = for_each_row(
            client, false, from, to, capped, [&](archive::ListRow&& row) { return consider(row); },
            &out.requests);
        if (!r) {
            return unexpected(std::move(r).error());
        }
    }
    if (failed) {
        return unexpected(std::move(*failed));
    }
    note_capped(items, capped, out);
    for (auto& [number, docs] : matches) {
        if (docs.size() > 1) {
            out.unsure[number] = fmt::format(
                "{} documents in lexoffice carry the reference of {}; not sent again, resolve by "
                "hand",
                docs.size(), number);
            continue;
        }
        if (!out.unsure.count(number)) {
            out.found[number] = std::move(docs.front());
        }
    }
    return out;
}

Result<LookupOutcome, ApiError> find_vouchers(ApiClient& client,
                                              const std::vector<LookupItem>& items) {
    LookupOutcome out;
    if (items.empty()) {
        return out;
    }
    const auto [from, to] = date_range(items);
    std::vector<std::string> capped;
    auto rows = list_rows(client, true, from, to, capped, &out.requests);
    if (!rows) {
        return unexpected(std::move(rows).error());
    }
    std::map<std::pair<std::string, std::string>, std::vector<const archive::ListRow*>> by_number;
    for (const auto& row : *rows) {
        by_number[{row.type, row.number}].push_back(&row);
    }
    for (const auto& item : items) {
        auto it = by_number.find({list_type(item.kind, true), item.number});
        if (it == by_number.end()) {
            continue;
        }
        // Several vouchers with one number: the one with the same amount, else the first.
        const archive::ListRow* pick = it->second.front();
        for (const auto* r : it->second) {
            if (r->total_amount && *r->total_amount == item.gross) {
                pick = r;
                break;
            }
        }
        FoundDocument f;
        f.id = pick->id;
        f.voucher_number = pick->number;
        f.status = pick->status;
        f.total = pick->total_amount;
        out.found[item.number] = std::move(f);
    }
    // Days the list could not show completely stay undecided.
    note_capped(items, capped, out);
    for (const auto& [number, why] : out.unsure) {
        out.found.erase(number);
    }
    return out;
}

} // namespace lexsync::commands::invoices::shared
