#include "commands/state/check.hpp"

#include "commands/invoices/shared/archive_list.hpp"
#include "commands/invoices/shared/ledger.hpp"

#include <chrono>
#include <fmt/format.h>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/records/contacts.hpp>
#include <lexsync/util/date.hpp>
#include <lexsync/util/json.hpp>
#include <set>

namespace lexsync::commands::state {

namespace {

namespace ledger = invoices::shared;

// The Finding of ledger entry `e` of `command`, `pending` when it was sent without a known
// outcome (result still empty otherwise).
Finding finding_of(const LedgerEntry& e, const char* command) {
    Finding f;
    f.kind = e.kind;
    f.key = e.key;
    f.ledger = e.status;
    f.id = e.remote_id;
    f.number = e.remote_number;
    f.entry = e;
    if (e.status != "done" || e.remote_id.empty()) {
        f.result = "pending";
        f.detail = fmt::format("sent without a known outcome; {} looks it up in lexoffice before "
                               "it sends anything",
                               command);
    }
    return f;
}

// Compares the `invoices export` entries with the voucher list.
void compare_invoices(Context& ctx, Comparison& out, std::vector<Document>& documents) {
    const auto entries = ctx.state().entries(ledger::k_ledger_kind);
    invoices::archive::ListQuery q;
    q.types = {"invoice", "creditnote", "salesinvoice", "salescreditnote"};
    // Every date lexoffice takes; windows that reach the listing cap are halved.
    q.from_day = day_number(std::chrono::year{1970} / 1 / 1);
    q.to_day = day_number(std::chrono::year{2099} / 12 / 31);
    auto listed = invoices::archive::list_vouchers(ctx.client(), q);
    if (!listed) {
        throw_api_error(listed.error(), "state: listing the sales documents of the account");
    }
    out.capped_days = listed->capped_days;
    std::map<std::string, const invoices::archive::ListRow*> by_id;
    for (const auto& row : listed->rows) {
        by_id[row.id] = &row;
        documents.push_back({row.id, row.type, row.status, row.number, row.voucher_date});
    }
    for (const auto& e : entries) {
        Finding f = finding_of(e, "invoices export");
        if (f.result == "pending") {
            out.findings.push_back(std::move(f));
            continue;
        }
        if (auto it = by_id.find(e.remote_id); it != by_id.end()) {
            const auto& row = *it->second;
            f.status = row.status;
            // Voucher mode records the source number, invoice mode lexoffice's.
            if (!row.number.empty() && row.number != e.remote_number) {
                f.result = "renumbered";
                f.detail = fmt::format("recorded as {}, lexoffice shows {}",
                                       e.remote_number.empty() ? "(no number)" : e.remote_number,
                                       row.number);
                f.number = row.number;
            } else {
                f.result = "ok";
            }
        } else if (!out.capped_days.empty()) {
            f.result = "unsure";
            f.detail = "not among the listed documents, but lexoffice could not list every day "
                       "completely";
        } else {
            f.result = "missing";
            f.detail = "lexoffice does not hold this document any more (deleted); the ledger "
                       "would make invoices export skip it";
        }
        out.findings.push_back(std::move(f));
    }
}

// Compares the `contacts push` entries with the contact list.
void compare_contacts(Context& ctx, Comparison& out) {
    const auto entries = ctx.state().entries("contact");
    if (entries.empty()) {
        return; // no listing for nothing to compare
    }
    std::map<std::string, contacts::RemoteContact> by_id;
    PageIterator pages(ctx.client(), "/v1/contacts", {}, 250);
    auto n = pages.for_each([&](const json::Value& c) {
        auto r = contacts::summarize(c);
        by_id.emplace(r.id, std::move(r));
    });
    if (!n) {
        throw_api_error(n.error(), "state: listing the contacts of the account");
    }
    out.contacts_capped = pages.window_capped();
    for (const auto& e : entries) {
        Finding f = finding_of(e, "contacts push");
        if (f.result == "pending") {
            out.findings.push_back(std::move(f));
            continue;
        }
        if (auto it = by_id.find(e.remote_id); it != by_id.end()) {
            f.result = "ok";
            if (it->second.customer_number) {
                f.number = std::to_string(*it->second.customer_number);
            } else if (it->second.vendor_number) {
                f.number = std::to_string(*it->second.vendor_number);
            }
        } else if (out.contacts_capped) {
            f.result = "unsure";
            f.detail = "not among the listed contacts, but the account has more than lexoffice "
                       "lists (10,000)";
        } else {
            f.result = "missing";
            f.detail = "lexoffice does not hold this contact; the ledger would make contacts "
                       "push update a contact that is not there";
        }
        out.findings.push_back(std::move(f));
    }
}

} // namespace

Comparison compare(Context& ctx, std::vector<Document>& documents) {
    Comparison out;
    compare_invoices(ctx, out, documents);
    compare_contacts(ctx, out);
    auto st = ctx.state().db().prepare(
        "SELECT kind, COUNT(*) FROM ledger WHERE kind NOT IN ('invoice', 'contact') GROUP BY kind "
        "ORDER BY kind");
    while (st.step()) {
        out.other_kinds[st.column_text(0)] = st.column_int(1);
    }
    return out;
}

std::vector<Column> finding_columns() {
    return {{"kind", "kind"}, {"key", "key"},       {"ledger", "ledger"}, {"result", "result"},
            {"id", "id"},     {"number", "number"}, {"status", "status"}, {"detail", "detail"}};
}

json::Document finding_record(const Finding& f) {
    json::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    doc.AddMember("kind", json::str(f.kind, a), a);
    doc.AddMember("key", json::str(f.key, a), a);
    doc.AddMember("ledger", json::str(f.ledger, a), a);
    doc.AddMember("result", json::str(f.result, a), a);
    doc.AddMember("id", json::str(f.id, a), a);
    doc.AddMember("number", json::str(f.number, a), a);
    doc.AddMember("status", json::str(f.status, a), a);
    doc.AddMember("detail", json::str(f.detail, a), a);
    return doc;
}

} // namespace lexsync::commands::state
