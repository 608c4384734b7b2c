#include "commands/invoices/export.hpp"

#include "cli/input_options.hpp"
#include "cli/lanes.hpp"
#include "cli/option_values.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/settle.hpp"
#include "cli/wording.hpp"
#include "commands/invoices/shared/ledger.hpp"
#include "commands/invoices/shared/lookup.hpp"
#include "commands/shared/planned_request.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/formats/csv.hpp>
#include <lexsync/records/contacts.hpp>
#include <lexsync/records/invoice_spool.hpp>
#include <lexsync/records/invoices.hpp>
#include <lexsync/store/job_lock.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <lexsync/util/sqlite.hpp>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace lexsync::commands::invoices {

using namespace lexsync::invoices;

namespace {

constexpr const char* k_contact_kind = "contact";
constexpr std::uintmax_t k_max_file_size = 5u * 1024u * 1024u;
// The most documents whose numbers are read on a lane (their ids are held until the read is
// answered); more are read on the command's thread, streamed as the pages arrive.
constexpr std::size_t k_numbers_aside = 2'500;

const std::vector<Column>& result_columns() {
    // What an accountant checks first comes first: a narrow table drops the last columns.
    static const std::vector<Column> cols = {
        {"number", "number"},
        {"date", "date"},
        {"customer", "customer"},
        {"net", "net", 2},
        {"gross", "gross", 2},
        {"action", "action"},
        {"voucher", "voucherNumber"},
        {"status", "status"},
        {"kind", "kind"},
        {"id", "id"},
        {"detail", "detail"},
    };
    return cols;
}

// A creation handed to a lane, its ledger entry already marked pending (see Exporter::create).
struct Creation {
    const Invoice* inv = nullptr;
    std::string key;
    std::string hash;
    std::int64_t run_id = 0;
    std::string path;
    Query query;
    std::string body;
    std::string note;
    bool finalize = false;
    std::optional<Result<json::Document, ApiError>> answer; // filled in by the lane
};

// A read of lexoffice's numbers of documents created in this run, handed to a lane while other
// requests go on (see Exporter::read_numbers_later).
struct NumberRead {
    std::vector<std::pair<std::string, std::string>> docs; // lexoffice id, ledger key
    Date from;
    Date to;
    std::vector<archive::ListRow> rows; // the list's rows of `docs`, filled in by the lane
};

// What happened to one source invoice, for stdout.
struct Outcome {
    // Plan: create, skip, changed, conflict, exists, reconcile, invalid.
    // Run: created, skipped, changed, conflict, exists, invalid, failed, unknown.
    // Not selected (both): outside-period, excluded-status.
    std::string action;
    std::string id;
    std::string voucher_number;
    std::string status;
    std::string detail;
    std::string method, url, body;      // dry run: the request that would be sent
    bool problem = false;               // counts towards exit 4
    bool lost_answer = false;           // sent, answer lost: looked up again before the run ends
    bool deferred = false;              // a credit note waiting for its invoice's lost answer
    bool needs_number = false;          // invoice mode: lexoffice's number is read after the run
    bool contact_lost = false;          // its new customer's answer was lost: reconciled, then sent
    std::shared_ptr<Creation> creation; // handed back unsent (Exporter::send_later): not final
};

// A contact as the export needs it.
struct ContactInfo {
    std::string id;
    std::string name; // display name
    bool customer = false;
    bool archived = false;
};

std::string display_name(const json::Value& c) {
    if (auto n = json::get_string(c, "company.name")) {
        return *n;
    }
    const auto first = json::get_string(c, "person.firstName").value_or("");
    const auto last = json::get_string(c, "person.lastName").value_or("");
    return first.empty() ? last : first + " " + last;
}

ContactInfo info_of(const json::Value& c) {
    ContactInfo i;
    i.id = json::get_string(c, "id").value_or("");
    i.name = display_name(c);
    i.customer = json::find(c, "roles.customer") != nullptr;
    i.archived = json::get_bool(c, "archived").value_or(false);
    return i;
}

// The `content` of a page, or the value itself when it is a bare array.
const json::Value* page_items(const json::Value& v) {
    if (v.IsArray()) {
        return &v;
    }
    const json::Value* c = json::find(v, "content");
    return c && c->IsArray() ? c : nullptr;
}

std::string kind_name(Kind k) {
    return k == Kind::credit_note ? "credit-note" : "invoice";
}

bool stops_run(const ApiError& e) {
    return e.kind == ApiError::Kind::network || e.kind == ApiError::Kind::rate_limited ||
           e.kind == ApiError::Kind::auth;
}

// Calls the function it is given with each invoice of a set, in file order; what the function
// changes (issues) is kept.
using EachInvoice = std::function<void(const std::function<void(Invoice&)>&)>;

// An invoice of the input by source number: its line and whether it is valid.
struct InputInvoice {
    long line = 0;
    bool valid = false;
};
using FindInputInvoice = std::function<std::optional<InputInvoice>(const std::string&)>;

// Statements on the run's spool database, each prepared once (by its SQL) and handed out reset.
class Statements {
public:
    explicit Statements(sqlite::Database& db) : m_db(db) {}
    sqlite::Statement& operator()(const std::string& sql) {
        auto it = m_statements.find(sql);
        if (it == m_statements.end()) {
            it = m_statements.emplace(sql, m_db.prepare(sql)).first;
        }
        it->second.reset();
        return it->second;
    }
    sqlite::Database& db() { return m_db; }

private:
    sqlite::Database& m_db;
    std::map<std::string, sqlite::Statement> m_statements;
};

// What the exporter learns per source invoice in one run, kept in the run's spool (indexed by
// source number) rather than in memory, so that memory stays flat in the number of invoices and
// of documents in lexoffice:
//   planned      source number → lexoffice id of the invoices created (or planned) in this run
//   found        source number → the document lexoffice holds for it (look_up())
//   unsure       source number → why lexoffice could not tell (look_up())
//   corrected    number → the lexoffice invoice it names, or none (resolve_corrected())
//   unnumbered   documents whose lexoffice number is not read yet (number_created()), by id, key
class RunState {
public:
    explicit RunState(sqlite::Database& db) : m_sql(db) {
        db.exec("CREATE TABLE IF NOT EXISTS planned(number TEXT PRIMARY KEY, id TEXT NOT NULL);"
                "CREATE TABLE IF NOT EXISTS found(number TEXT PRIMARY KEY, id TEXT NOT NULL, "
                "voucher_number TEXT NOT NULL, status TEXT NOT NULL, total INTEGER);"
                "CREATE TABLE IF NOT EXISTS unsure(number TEXT PRIMARY KEY, why TEXT NOT NULL);"
                "CREATE TABLE IF NOT EXISTS corrected(number TEXT PRIMARY KEY, id TEXT, status "
                "TEXT);"
                "CREATE TABLE IF NOT EXISTS unnumbered(seq INTEGER PRIMARY KEY, id TEXT NOT NULL, "
                "key TEXT NOT NULL, day INTEGER NOT NULL);"
                "CREATE INDEX IF NOT EXISTS unnumbered_id ON unnumbered(id);"
                "CREATE INDEX IF NOT EXISTS unnumbered_key ON unnumbered(key);");
    }

    void set_planned(const std::string& number, const std::string& id) {
        auto& st = m_sql("INSERT OR REPLACE INTO planned(number, id) VALUES (?1, ?2)");
        st.bind(1, number).bind(2, id);
        st.run();
    }
    std::optional<std::string> planned(const std::string& number) {
        auto& st = m_sql("SELECT id FROM planned WHERE number = ?1");
        st.bind(1, number);
        return st.step() ? std::optional<std::string>(st.column_text(0)) : std::nullopt;
    }

    // Forgets what an earlier look-up said of `number`.
    void forget_lookup(const std::string& number) {
        for (const char* sql :
             {"DELETE FROM found WHERE number = ?1", "DELETE FROM unsure WHERE number = ?1"}) {
            auto& st = m_sql(sql);
            st.bind(1, number);
            st.run();
        }
    }
    void set_found(const std::string& number, const shared::FoundDocument& f) {
        auto& st = m_sql("INSERT OR REPLACE INTO found(number, id, voucher_number, status, total) "
                         "VALUES (?1, ?2, ?3, ?4, ?5)");
        st.bind(1, number).bind(2, f.id).bind(3, f.voucher_number).bind(4, f.status);
        if (f.total) {
            st.bind(5, f.total->units());
        } else {
            st.bind_null(5);
        }
        st.run();
    }
    std::optional<shared::FoundDocument> found(const std::string& number) {
        auto& st = m_sql("SELECT id, voucher_number, status, total FROM found WHERE number = ?1");
        st.bind(1, number);
        if (!st.step()) {
            return std::nullopt;
        }
        shared::FoundDocument f;
        f.id = st.column_text(0);
        f.voucher_number = st.column_text(1);
        f.status = st.column_text(2);
        if (!st.column_is_null(3)) {
            f.total = Decimal::from_units(st.column_int(3));
        }
        return f;
    }
    void set_unsure(const std::string& number, const std::string& why) {
        auto& st = m_sql("INSERT OR REPLACE INTO unsure(number, why) VALUES (?1, ?2)");
        st.bind(1, number).bind(2, why);
        st.run();
    }
    std::optional<std::string> unsure(const std::string& number) {
        auto& st = m_sql("SELECT why FROM unsure WHERE number = ?1");
        st.bind(1, number);
        return st.step() ? std::optional<std::string>(st.column_text(0)) : std::nullopt;
    }

    // The lexoffice invoice with `number` (its id and status), an empty optional inside when
    // lexoffice has none; nullopt when it was not asked.
    using Corrected = std::optional<std::pair<std::string, std::string>>;
    void set_corrected(const std::string& number, const Corrected& c) {
        auto& st =
            m_sql("INSERT OR REPLACE INTO corrected(number, id, status) VALUES (?1, ?2, ?3)");
        st.bind(1, number);
        if (c) {
            st.bind(2, c->first).bind(3, c->second);
        } else {
            st.bind_null(2).bind_null(3);
        }
        st.run();
    }
    std::optional<Corrected> corrected(const std::string& number) {
        auto& st = m_sql("SELECT id, status FROM corrected WHERE number = ?1");
        st.bind(1, number);
        if (!st.step()) {
            return std::nullopt;
        }
        if (st.column_is_null(0)) {
            return Corrected{};
        }
        return Corrected{std::pair{st.column_text(0), st.column_text(1)}};
    }

    void add_unnumbered(const std::string& id, const std::string& key, Date date) {
        auto& st = m_sql("INSERT INTO unnumbered(id, key, day) VALUES (?1, ?2, ?3)");
        st.bind(1, id).bind(2, key).bind(3, static_cast<std::int64_t>(day_number(date)));
        st.run();
    }
    bool any_unnumbered() {
        auto& st = m_sql("SELECT 1 FROM unnumbered LIMIT 1");
        return st.step();
    }
    // The first and last date of the unnumbered documents; nullopt when there is none.
    std::optional<std::pair<Date, Date>> unnumbered_dates() {
        auto& st = m_sql("SELECT min(day), max(day) FROM unnumbered");
        if (!st.step() || st.column_is_null(0)) {
            return std::nullopt;
        }
        return std::pair{date_of_day(static_cast<long>(st.column_int(0))),
                         date_of_day(static_cast<long>(st.column_int(1)))};
    }
    // The ledger keys of the unnumbered documents with lexoffice id `id`, in the order they were
    // added.
    std::vector<std::string> unnumbered_keys(const std::string& id) {
        auto& st = m_sql("SELECT key FROM unnumbered WHERE id = ?1 ORDER BY seq");
        st.bind(1, id);
        std::vector<std::string> out;
        while (st.step()) {
            out.push_back(st.column_text(0));
        }
        return out;
    }
    std::size_t unnumbered_count() {
        auto& st = m_sql("SELECT count(*) FROM unnumbered");
        return st.step() ? static_cast<std::size_t>(st.column_int(0)) : 0;
    }
    // Whether the document of ledger key `key` is among the unnumbered ones.
    bool unnumbered(const std::string& key) {
        auto& st = m_sql("SELECT 1 FROM unnumbered WHERE key = ?1 LIMIT 1");
        st.bind(1, key);
        return st.step();
    }
    // Every unnumbered document: its lexoffice id and ledger key, in the order they were added.
    std::vector<std::pair<std::string, std::string>> unnumbered_docs() {
        auto& st = m_sql("SELECT id, key FROM unnumbered ORDER BY seq");
        std::vector<std::pair<std::string, std::string>> out;
        while (st.step()) {
            out.emplace_back(st.column_text(0), st.column_text(1));
        }
        return out;
    }
    void clear_unnumbered() { m_sql("DELETE FROM unnumbered").run(); }

private:
    Statements m_sql;
};

class Exporter {
public:
    Exporter(const ExportOptions& opts, Context& ctx, std::string mode, sqlite::Database& scratch)
        : m_opts(opts), m_ctx(ctx), m_mode(std::move(mode)), m_run(scratch) {}

    bool voucher_mode() const { return m_mode == "voucher"; }

    // --- Resolution (reads only) ------------------------------------------------------------

    // Resolves the posting categories the invoices need; adds issues for unknown ones.
    void resolve_categories(const EachInvoice& invoices, const std::string& run_category) {
        auto cats = value_or_throw(m_ctx.client().get_json("/v1/posting-categories"),
                                   "reading the posting categories");
        auto find = [&](const std::string& want, std::string& error) -> std::string {
            const json::Value* list = page_items(cats);
            if (list == nullptr) {
                error = "lexoffice answered no list of posting categories";
                return {};
            }
            std::vector<const json::Value*> hits;
            for (const auto& c : list->GetArray()) {
                const auto id = json::get_string(c, "id").value_or("");
                const auto name = json::get_string(c, "name").value_or("");
                if (id == want || contacts::normalize(name) == contacts::normalize(want)) {
                    hits.push_back(&c);
                }
            }
            if (hits.empty()) {
                error =
                    fmt::format("no posting category '{}' (see GET /v1/posting-categories)", want);
                return {};
            }
            if (hits.size() > 1) {
                error =
                    fmt::format("'{}' names {} posting categories; give the id", want, hits.size());
                return {};
            }
            if (json::get_string(*hits[0], "type").value_or("") != "income") {
                error = fmt::format("posting category '{}' is not an income category", want);
                return {};
            }
            return json::get_string(*hits[0], "id").value_or("");
        };
        std::string error;
        if (!run_category.empty()) {
            m_category_id = find(run_category, error);
            if (m_category_id.empty()) {
                throw Error(ExitCode::usage, "--category: " + error);
            }
        }
        invoices([&](Invoice& inv) {
            if (inv.category.empty()) {
                if (m_category_id.empty()) {
                    inv.issue("category",
                              "missing: give --category, the profile's revenue_category or a "
                              "category column for voucher mode");
                }
                return;
            }
            auto [it, inserted] = m_categories.try_emplace(inv.category);
            if (inserted) {
                std::string err;
                it->second = find(inv.category, err);
                m_category_errors[inv.category] = err;
            }
            if (it->second.empty()) {
                inv.issue("category", m_category_errors[inv.category]);
            }
        });
    }

    // Resolves every customer reference once: a listing of all contacts when that costs fewer
    // requests than single look-ups, else one look-up each.
    void resolve_contacts(const EachInvoice& invoices) {
        std::vector<Customer> refs; // one per customer, however many invoices name it
        std::set<std::string> keys;
        invoices([&](Invoice& inv) {
            const std::string k = inv.customer.ref_key();
            if (!k.empty() && keys.insert(k).second) {
                refs.push_back(inv.customer);
            }
        });
        keys.clear();
        if (refs.empty()) {
            return;
        }
        std::map<std::string, ContactInfo> by_key;
        std::set<std::string> ambiguous;
        auto index_contact = [&](const json::Value& c) {
            const ContactInfo info = info_of(c);
            const contacts::RemoteContact r = contacts::summarize(c);
            by_key.emplace("id:" + r.id, info);
            if (r.customer_number) {
                by_key.emplace(fmt::format("number:{}", *r.customer_number), info);
            }
            for (const auto& e : r.emails) {
                auto [it, inserted] = by_key.emplace("email:" + e, info);
                if (!inserted && it->second.id != info.id) {
                    ambiguous.insert("email:" + e);
                }
            }
        };
        std::set<std::string> covered; // keys a complete listing has answered
        bool listed_all = false;
        if (refs.size() >= 2) {
            PageIterator pages(m_ctx.client(), "/v1/contacts", {}, 250);
            auto more = pages.next();
            value_or_throw(more, "reading the contacts");
            for (const auto& c : pages.items().GetArray()) {
                index_contact(c);
            }
            const long total = pages.total_elements();
            const long pages_needed = total < 0 ? 1 : (total + 249) / 250;
            if (*more && pages_needed - 1 <= static_cast<long>(refs.size()) &&
                !pages.window_capped()) {
                for (;;) {
                    auto next = pages.next();
                    value_or_throw(next, "reading the contacts");
                    if (!*next) {
                        break;
                    }
                    for (const auto& c : pages.items().GetArray()) {
                        index_contact(c);
                    }
                }
                listed_all = !pages.window_capped();
            } else if (!*more) {
                listed_all = true;
            }
        }
        for (const Customer& c : refs) {
            const std::string key = c.ref_key();
            if (ambiguous.count(key)) {
                m_contact_errors[key] =
                    fmt::format("e-mail {} belongs to more than one contact", c.email);
                continue;
            }
            if (auto it = by_key.find(key); it != by_key.end()) {
                m_contacts[key] = it->second;
                continue;
            }
            if (listed_all) {
                continue; // not found
            }
            lookup(c);
        }
        invoices([&](Invoice& inv) {
            const std::string key = inv.customer.ref_key();
            if (key.empty()) {
                return;
            }
            if (auto e = m_contact_errors.find(key); e != m_contact_errors.end()) {
                inv.issue(field_of(inv.customer), e->second);
                return;
            }
            auto it = m_contacts.find(key);
            if (it == m_contacts.end()) {
                if (m_opts.create_contacts && !inv.customer.email.empty() &&
                    !inv.customer.name.empty() && !inv.customer.country.empty()) {
                    return; // created before its invoice is sent
                }
                inv.issue(field_of(inv.customer),
                          fmt::format(
                              "unknown customer: no lexoffice contact with {}{}",
                              describe(inv.customer),
                              !inv.customer.email.empty() && !m_opts.create_contacts
                                  ? " (--create-contacts creates it from name, address and e-mail)"
                                  : ""));
            } else if (!it->second.customer) {
                inv.issue(field_of(inv.customer),
                          fmt::format("lexoffice contact {} ({}) is not a customer", it->second.id,
                                      it->second.name));
            }
        });
    }

    // Invoice mode: the invoice each credit note of `invoices` corrects, before anything is
    // sent: from the ledger (exported by lexsync), from `input` (the invoices of this input, by
    // source number), else from lexoffice (an invoice with that number in the voucher list, one
    // request each). A credit note that names none or one that cannot be resolved gets an issue,
    // unless --allow-unlinked creates it without a link.
    void resolve_corrected(const EachInvoice& invoices, const FindInputInvoice& input) {
        if (voucher_mode()) {
            return;
        }
        const std::string unlinked = " (--allow-unlinked creates it without a link)";
        invoices([&](Invoice& inv) {
            if (inv.kind != Kind::credit_note || !inv.valid()) {
                return;
            }
            if (inv.corrects.empty()) {
                if (!m_opts.allow_unlinked) {
                    inv.issue("corrects",
                              "missing: a credit note names the invoice it corrects (its source "
                              "number or lexoffice's invoice number)" +
                                  unlinked);
                }
                return;
            }
            if (m_ctx.state().get(shared::k_ledger_kind,
                                  shared::ledger_key(m_mode, inv.corrects))) {
                return; // exported by lexsync (or sent and looked up before the run ends)
            }
            if (auto found = input(inv.corrects)) {
                if (!found->valid) {
                    inv.issue("corrects",
                              fmt::format("the corrected invoice {} (line {}) is invalid",
                                          inv.corrects, found->line));
                }
                return;
            }
            auto known = m_run.corrected(inv.corrects);
            if (!known) {
                Query q = {{"voucherType", "invoice"},
                           {"voucherStatus", "any"},
                           {"voucherNumber", search_term(inv.corrects)},
                           {"size", "250"}};
                auto page = value_or_throw(m_ctx.client().get_json("/v1/voucherlist", q),
                                           "looking up invoice " + inv.corrects);
                RunState::Corrected hit;
                if (const json::Value* items = page_items(page)) {
                    for (const auto& v : items->GetArray()) {
                        auto row = archive::read_row(v);
                        // The filter is not trusted to match exactly: the number must.
                        if (row && row->type == "invoice" && row->number == inv.corrects) {
                            hit.emplace(row->id, row->status);
                            break;
                        }
                    }
                }
                m_run.set_corrected(inv.corrects, hit);
                known = hit;
            }
            if (!*known && !m_opts.allow_unlinked) {
                inv.issue("corrects",
                          fmt::format("no invoice {} to correct: lexsync has not exported it, it "
                                      "is not in this input, and lexoffice has no invoice with "
                                      "this number{}",
                                      inv.corrects, unlinked));
            }
        });
    }

    // --- Export --------------------------------------------------------------------------------

    Outcome process(const Invoice& inv, std::int64_t run_id) {
        const std::string key = shared::ledger_key(m_mode, inv.number);
        const std::string other_key =
            shared::ledger_key(voucher_mode() ? "invoice" : "voucher", inv.number);
        const std::string hash = content_hash(inv);
        auto& state = m_ctx.state();
        Outcome out;
        if (auto other = state.get(shared::k_ledger_kind, other_key)) {
            out.action = "conflict";
            out.problem = true;
            out.id = other->remote_id;
            out.voucher_number = other->remote_number;
            out.detail =
                fmt::format("already exported as {} {}; lexsync does not book one invoice twice",
                            voucher_mode() ? "an invoice" : "a voucher",
                            other->remote_id.empty() ? std::string("(pending)") : other->remote_id);
            return out;
        }
        auto entry = state.get(shared::k_ledger_kind, key);
        if (entry && entry->status == "done") {
            const auto extra = shared::read_extra(state, key);
            out.id = entry->remote_id;
            out.voucher_number = entry->remote_number;
            out.status = extra ? extra->status : std::string();
            if (entry->content_hash.empty() && !m_opts.dry_run) {
                // Recorded by `state rebuild` from lexoffice, which does not know the source
                // content: the source as it is now is what was exported.
                LedgerEntry e = *entry;
                e.content_hash = hash;
                state.mark_done(e);
            } else if (!entry->content_hash.empty() && entry->content_hash != hash) {
                out.action = "changed";
                out.problem = true;
                out.detail = voucher_mode() ? "the source invoice changed since it was exported; "
                                              "not sent again (correct the "
                                              "voucher in lexoffice)"
                                            : "the source invoice changed since it was exported; "
                                              "lexoffice invoices cannot be "
                                              "edited: not sent again (issue a credit note or "
                                              "change the draft in lexoffice)";
                return out;
            }
            out.action = m_opts.dry_run ? "skip" : "skipped";
            out.detail = "exported before, unchanged";
            if (!voucher_mode() && entry->remote_number.empty() && !m_opts.dry_run) {
                // Reading the number failed when it was created: read it now, in bulk with the
                // others (read_numbers()).
                out.needs_number = true;
            }
            if (voucher_mode() && !inv.pdf.empty() && (!extra || extra->file != "attached")) {
                if (m_opts.dry_run) {
                    out.detail = "exported before; the file is not attached yet and will be";
                } else {
                    attach_missing(inv, key, *entry, extra.value_or(shared::ExportExtra{}), out);
                }
            }
            return out;
        }
        // Not in the ledger, or sent without a known outcome: lexoffice decides (look_up()).
        const bool was_pending = entry.has_value();
        if (auto why = m_run.unsure(inv.number)) {
            out.action = "unknown";
            out.problem = true;
            out.detail = *why;
            return out;
        }
        if (auto f = m_run.found(inv.number)) {
            const shared::FoundDocument& found = *f;
            if (voucher_mode() && found.total && *found.total != compute_totals(inv).gross) {
                out.action = "conflict";
                out.problem = true;
                out.id = found.id;
                out.detail = "voucher number already in lexoffice with other amounts; not sent";
                return out;
            }
            const std::string detail =
                was_pending ? "confirmed in lexoffice after an interrupted run or a lost answer"
                : voucher_mode()
                    ? "voucher number already in lexoffice with the same amounts; recorded, not "
                      "sent"
                    : "already in lexoffice (found by its reference line); recorded, not sent";
            if (m_opts.dry_run) {
                out.action = "exists";
                out.id = found.id;
                out.voucher_number = found.voucher_number;
                out.status = found.status;
                out.detail = detail;
                return out;
            }
            out = confirm_found(inv, key, hash, found, run_id, detail);
            out.action = was_pending ? "created" : "exists";
            return out;
        }
        if (was_pending) {
            if (m_opts.dry_run) {
                out.action = "reconcile";
                out.detail = "an earlier run was interrupted after sending and lexoffice does not "
                             "show it yet; the next run waits until that request cannot be "
                             "running any more and looks again before creating anything";
                return out;
            }
            state.forget(shared::k_ledger_kind, key); // it never arrived: send it again
        }
        return create(inv, key, hash, run_id);
    }

    // The lookup item of `inv`: what look_up() needs of it.
    shared::LookupItem lookup_item(const Invoice& inv) const {
        std::string contact_id;
        if (auto it = m_contacts.find(inv.customer.ref_key()); it != m_contacts.end()) {
            contact_id = it->second.id;
        }
        return shared::lookup_item(inv, contact_id);
    }

    // Looks `items` up in lexoffice in bulk (see shared/lookup.hpp) and keeps what it found for
    // process(); an earlier answer for the same number is replaced. Throws when lexoffice could not
    // be asked. `listed`: the voucher list read ahead (invoice mode), used when it covers the
    // items.
    void look_up(const std::vector<shared::LookupItem>& items,
                 const shared::ListedRows* listed = nullptr) {
        for (const auto& item : items) {
            m_run.forget_lookup(item.number);
        }
        auto r = voucher_mode() ? shared::find_vouchers(m_ctx.client(), items)
                                : shared::find_documents(m_ctx.client(), m_ctx.state(), items,
                                                         m_opts.ref_text, listed);
        if (!r) {
            throw_api_error(r.error(), "looking the invoices up in lexoffice before sending");
        }
        for (const auto& [number, f] : r->found) {
            m_run.set_found(number, f);
        }
        for (const auto& [number, why] : r->unsure) {
            m_run.set_unsure(number, why);
        }
    }

    // Invoice mode: lexoffice's numbers (and statuses) of the documents of `outcomes` that need
    // one, into the outcomes and the ledger: through number_created(), and a document the list
    // does not show yet is read on its own.
    //
    // `outcomes` calls the function it is given with each document that may need one and its
    // outcome, in file order (a batch at a time), and keeps what it changed: it is called twice,
    // once to note the documents exported before, once to finish each outcome.
    using EachOutcome = std::function<void(const std::function<void(const Invoice&, Outcome&)>&)>;
    void read_numbers(const EachOutcome& outcomes) {
        if (voucher_mode() || m_opts.dry_run) {
            return;
        }
        auto wanted = [](const Outcome& out) { return out.needs_number && !out.id.empty(); };
        outcomes([&](const Invoice& inv, Outcome& out) {
            if (wanted(out) && out.action != "created") { // exported before, number not read then
                m_run.add_unnumbered(out.id, shared::ledger_key(m_mode, inv.number), inv.date);
            }
        });
        number_created();
        auto& state = m_ctx.state();
        outcomes([&](const Invoice& inv, Outcome& out) {
            if (!wanted(out)) {
                return;
            }
            const std::string key = shared::ledger_key(m_mode, inv.number);
            auto entry = state.get(shared::k_ledger_kind, key);
            if (entry && entry->remote_id == out.id && !entry->remote_number.empty()) {
                out.voucher_number = entry->remote_number;
                if (auto x = shared::read_extra(state, key); x && !x->status.empty()) {
                    out.status = x->status;
                }
                return;
            }
            if (out.action != "created") {
                return;
            }
            read_back(inv, out.id, out); // not listed yet: asked on its own
            if (entry && entry->status == "done" && entry->remote_id == out.id &&
                !out.voucher_number.empty()) {
                entry->remote_number = out.voucher_number;
                state.mark_done(*entry);
                shared::ExportExtra x =
                    shared::read_extra(state, key).value_or(shared::ExportExtra{});
                x.kind = kind_name(inv.kind);
                x.status = out.status;
                shared::write_extra(state, key, x);
            }
        });
    }

    // The contacts ledger entries of the customers whose creation answer was lost.
    std::vector<LedgerEntry> lost_contacts() {
        std::vector<LedgerEntry> out;
        for (const auto& [key, lost] : m_contacts_lost) {
            if (auto e = m_ctx.state().get(k_contact_kind, lost.ledger_key)) {
                out.push_back(std::move(*e));
            }
        }
        return out;
    }

    // Asks lexoffice for the customers whose creation answer was lost (call once their requests
    // cannot be running any more): one that arrived is recorded, one that did not is forgotten
    // so that its invoices create it. Throws when lexoffice could not be asked.
    void reconcile_contacts() {
        auto& state = m_ctx.state();
        for (const auto& [key, lost] : m_contacts_lost) {
            lookup(lost.customer);
            auto found = m_contacts.find(key);
            if (found == m_contacts.end()) {
                state.forget(k_contact_kind, lost.ledger_key);
                continue;
            }
            auto e = state.get(k_contact_kind, lost.ledger_key);
            LedgerEntry done = e.value_or(LedgerEntry{});
            done.kind = k_contact_kind;
            done.key = lost.ledger_key;
            done.status = "done";
            done.remote_id = found->second.id;
            done.remote_version = 1;
            state.mark_done(done);
            ++m_contacts_created;
        }
        m_contacts_lost.clear();
    }

    // The customer of `inv` as people know it: the lexoffice contact's name when it was
    // resolved, else what the source says.
    std::string customer_name(const Invoice& inv) const {
        if (auto it = m_contacts.find(inv.customer.ref_key());
            it != m_contacts.end() && !it->second.name.empty()) {
            return it->second.name;
        }
        if (!inv.customer.name.empty()) {
            return inv.customer.name;
        }
        return inv.customer.ref_key().empty() ? std::string() : describe(inv.customer);
    }

    bool stopped() const { return m_stopped; }
    const ApiError& stop_error() const { return m_stop_error; }
    long contacts_created() const { return m_contacts_created; }

private:
    static std::string field_of(const Customer& c) {
        return !c.id.empty() ? "customer_id" : c.number ? "customer_number" : "customer_email";
    }
    static std::string describe(const Customer& c) {
        if (!c.id.empty()) {
            return "id " + c.id;
        }
        if (c.number) {
            return fmt::format("customer number {}", *c.number);
        }
        return "e-mail " + c.email;
    }

    void lookup(const Customer& c) {
        const std::string key = c.ref_key();
        if (!c.id.empty()) {
            auto r = m_ctx.client().get_json("/v1/contacts/" + c.id);
            if (r) {
                m_contacts[key] = info_of(*r);
            } else if (r.error().kind != ApiError::Kind::not_found) {
                throw_api_error(r.error(), "reading contact " + c.id);
            }
            return;
        }
        Query q;
        if (c.number) {
            q = {{"number", std::to_string(*c.number)}};
        } else {
            q = {{"email", search_term(escape_wildcards(c.email))}};
        }
        auto r =
            value_or_throw(m_ctx.client().get_json("/v1/contacts", q), "looking up " + describe(c));
        const json::Value* items = page_items(r);
        std::vector<ContactInfo> hits;
        if (items != nullptr) {
            for (const auto& item : items->GetArray()) {
                const auto rc = contacts::summarize(item);
                const bool match = c.number
                                       ? rc.customer_number == c.number
                                       : std::find(rc.emails.begin(), rc.emails.end(),
                                                   contacts::normalize(c.email)) != rc.emails.end();
                if (match) {
                    hits.push_back(info_of(item));
                }
            }
        }
        if (hits.size() == 1) {
            m_contacts[key] = hits[0];
        } else if (hits.size() > 1) {
            m_contact_errors[key] = fmt::format("{} matches {} contacts", describe(c), hits.size());
        }
    }

    // The contact id for `inv` ("" for a one-time recipient); creates a missing customer when
    // --create-contacts allows it. Returns nullopt when that failed (`out` says why).
    std::optional<std::string> contact_for(const Invoice& inv, Outcome& out, std::int64_t run_id) {
        const std::string key = inv.customer.ref_key();
        if (key.empty()) {
            return std::string();
        }
        if (auto it = m_contacts.find(key); it != m_contacts.end()) {
            return it->second.id;
        }
        if (m_contacts_lost.count(key)) {
            out.action = "unknown";
            out.problem = true;
            out.contact_lost = true;
            out.detail = "waits for its new customer, whose answer was lost";
            return std::nullopt;
        }
        contacts::ContactInput in;
        in.customer = true;
        in.company_name = inv.customer.name;
        in.email = inv.customer.email;
        in.street = inv.customer.street;
        in.supplement = inv.customer.supplement;
        in.zip = inv.customer.zip;
        in.city = inv.customer.city;
        in.country = inv.customer.country;
        if (m_opts.dry_run) {
            return "(new contact " + inv.customer.email + ")";
        }
        const std::string ckey = in.ledger_key();
        auto& state = m_ctx.state();
        if (auto e = state.get(k_contact_kind, ckey);
            e && e->status == "done" && !e->remote_id.empty()) {
            m_contacts[key] = ContactInfo{e->remote_id, in.company_name, true, false};
            return e->remote_id;
        }
        const std::string body = contacts::create_body(in);
        state.mark_pending(k_contact_kind, ckey, sha256_hex(body), run_id);
        auto post = m_ctx.client().post_json("/v1/contacts", body);
        std::string id;
        if (post) {
            id = json::get_string(*post, "id").value_or("");
        } else if (post.error().maybe_executed) {
            // The customer may exist now, and the request may still be running: it is never
            // sent twice. Its invoices wait; before the run ends, once the request cannot be
            // running any more, lexoffice is asked (reconcile_contacts()).
            m_contacts_lost.emplace(key, LostContact{inv.customer, ckey});
            out.action = "unknown";
            out.problem = true;
            out.contact_lost = true;
            out.detail = post.error().describe() +
                         "; the answer creating the customer was lost, lexoffice is asked before "
                         "it is created again";
            return std::nullopt;
        }
        if (id.empty()) {
            if (!post && stops_run(post.error())) {
                stop(post.error());
            }
            if (!post && !post.error().maybe_executed) {
                state.forget(k_contact_kind, ckey);
            }
            out.action = "failed";
            out.problem = true;
            out.detail = "creating the customer failed: " +
                         (post ? std::string("no id in the answer") : post.error().describe());
            return std::nullopt;
        }
        LedgerEntry done;
        done.kind = k_contact_kind;
        done.key = ckey;
        done.content_hash = sha256_hex(body);
        done.status = "done";
        done.remote_id = id;
        done.remote_version = 1;
        done.run_id = run_id;
        state.mark_done(done);
        m_contacts[key] = ContactInfo{id, in.company_name, true, false};
        ++m_contacts_created;
        return id;
    }

    std::string category_for(const Invoice& inv) const {
        if (!inv.category.empty()) {
            auto it = m_categories.find(inv.category);
            if (it != m_categories.end()) {
                return it->second;
            }
        }
        return m_category_id;
    }

    // The request `inv` becomes: path, query and body.
    struct Request {
        std::string path;
        Query query;
        std::string body;
        std::string note; // for the plan
    };

    Request build(const Invoice& inv, const std::string& contact_id) {
        Request r;
        const std::string ref = shared::ref_line_for(m_opts.ref_text, inv.number);
        if (voucher_mode()) {
            VoucherBodyOptions vo;
            std::string contact_name = inv.customer.name;
            if (!m_opts.collective_contact) {
                vo.contact_id = contact_id;
            }
            if (auto it = m_contacts.find(inv.customer.ref_key()); it != m_contacts.end()) {
                contact_name = it->second.name;
            }
            vo.contact_name = vo.contact_id.empty() ? contact_name : std::string();
            vo.category_id = category_for(inv);
            vo.ref_line = ref;
            r.path = "/v1/vouchers";
            r.body = bookkeeping_voucher_body(inv, vo);
            return r;
        }
        SalesBodyOptions so;
        so.contact_id = contact_id;
        so.ref_line = ref;
        r.path = inv.kind == Kind::credit_note ? "/v1/credit-notes" : "/v1/invoices";
        if (inv.kind == Kind::credit_note && !inv.corrects.empty()) {
            so.corrects_text = inv.corrects;
            const std::string ckey = shared::ledger_key("invoice", inv.corrects);
            auto e = m_ctx.state().get(shared::k_ledger_kind, ckey);
            if (e && e->status == "done" && !e->remote_id.empty()) {
                auto extra = shared::read_extra(m_ctx.state(), ckey);
                if (e->remote_number.empty() && !m_opts.dry_run && m_run.unnumbered(ckey)) {
                    // Created in this run: the numbers of everything created so far, at once
                    // (credit notes follow the invoices of their input). On lanes the number is
                    // read before (ExportRun::wait_for_number) and this does not happen.
                    number_created();
                    if (auto again = m_ctx.state().get(shared::k_ledger_kind, ckey)) {
                        e = std::move(again);
                    }
                }
                const bool status_known = extra && !extra->status.empty();
                if (e->remote_number.empty() || !status_known) {
                    // Not listed yet, created by an earlier run whose read failed, or recorded
                    // without its status (a ledger of an earlier lexsync stopped between two
                    // writes): the credit note names lexoffice's number and pursues only an
                    // invoice that is not a draft (lexoffice refuses that with 406), so ask.
                    if (auto got = m_ctx.client().get_json("/v1/invoices/" + e->remote_id)) {
                        if (e->remote_number.empty()) {
                            e->remote_number = json::get_string(*got, "voucherNumber").value_or("");
                            if (!e->remote_number.empty() && !m_opts.dry_run) {
                                m_ctx.state().mark_done(*e);
                            }
                        }
                        const auto status = json::get_string(*got, "voucherStatus");
                        if (!status_known && status && !status->empty()) {
                            shared::ExportExtra x = extra.value_or(shared::ExportExtra{});
                            x.kind = kind_name(Kind::invoice);
                            x.status = *status;
                            if (!m_opts.dry_run) {
                                shared::write_extra(m_ctx.state(), ckey, x);
                            }
                            extra = x;
                        }
                    }
                }
                if (!e->remote_number.empty()) {
                    so.corrects_text = e->remote_number;
                }
                if (extra && extra->status == "draft") {
                    r.note = fmt::format(
                        "the corrected invoice {} is a draft in lexoffice; created without a link",
                        inv.corrects);
                } else {
                    r.query.emplace_back("precedingSalesVoucherId", e->remote_id);
                }
            } else if (auto planned = m_run.planned(inv.corrects)) {
                if (m_opts.dry_run) {
                    r.note = fmt::format("pursues {} (precedingSalesVoucherId once it is created)",
                                         inv.corrects);
                } else {
                    r.query.emplace_back("precedingSalesVoucherId", *planned);
                }
            } else if (auto f = m_run.found(inv.corrects)) {
                // Dry run: in lexoffice already, recorded once the run is real.
                so.corrects_text = f->voucher_number.empty() ? inv.corrects : f->voucher_number;
                r.query.emplace_back("precedingSalesVoucherId", f->id);
            } else if (auto x = m_run.corrected(inv.corrects); x && *x) {
                if ((*x)->second == "draft") {
                    r.note = fmt::format(
                        "the corrected invoice {} is a draft in lexoffice; created without a link",
                        inv.corrects);
                } else {
                    r.query.emplace_back("precedingSalesVoucherId", (*x)->first);
                }
            } else {
                r.note = fmt::format("the corrected invoice {} cannot be resolved; created "
                                     "without a link (--allow-unlinked)",
                                     inv.corrects);
            }
        } else if (inv.kind == Kind::credit_note) {
            r.note = "names no corrected invoice; created without a link (--allow-unlinked)";
        }
        if (m_opts.finalize && inv.status != Status::draft) {
            r.query.emplace_back("finalize", "true");
        }
        r.body = sales_voucher_body(inv, so);
        return r;
    }

    Outcome create(const Invoice& inv, const std::string& key, const std::string& hash,
                   std::int64_t run_id) {
        Outcome out;
        auto contact = contact_for(inv, out, run_id);
        if (!contact) {
            return out;
        }
        const Request req = build(inv, *contact);
        if (m_opts.dry_run) {
            out.action = "create";
            out.method = "POST";
            out.url = m_ctx.client().url(req.path, req.query);
            out.body = req.body;
            out.status = voucher_mode() ? "open" : (has_finalize(req) ? "open" : "draft");
            std::vector<std::string> notes;
            if (has_finalize(req)) {
                notes.push_back("finalised at creation: this cannot be undone");
            }
            if (!req.note.empty()) {
                notes.push_back(req.note);
            }
            if (contact->rfind("(new contact", 0) == 0) {
                notes.push_back("creates the customer " + inv.customer.email);
            }
            if (voucher_mode() && !inv.pdf.empty()) {
                notes.push_back("attaches " + inv.pdf.filename().string());
            }
            out.detail = fmt::format("{}", fmt::join(notes, "; "));
            if (!voucher_mode() && inv.kind == Kind::invoice) {
                m_run.set_planned(inv.number, "(new)");
            }
            return out;
        }
        m_ctx.state().mark_pending(shared::k_ledger_kind, key, hash, run_id);
        auto c = std::make_shared<Creation>(Creation{&inv, key, hash, run_id, req.path, req.query,
                                                     req.body, req.note, has_finalize(req),
                                                     std::nullopt});
        if (m_send_later) {
            out.creation = std::move(c);
            return out;
        }
        send(m_ctx.client(), *c);
        return created(*c);
    }

public:
    // While true, create() hands its POST back unsent in Outcome::creation (its ledger entry
    // marked), for a lane to send() and created() to finish.
    void send_later(bool on) { m_send_later = on; }

    // Sends a creation's POST. Touches nothing of the run, so it may run on a lane.
    static void send(ApiClient& client, Creation& c) {
        c.answer.emplace(client.post_json(c.path, c.body, c.query));
    }

    // The answer to a creation, taken back on the command's thread.
    Outcome created(Creation& c) {
        const Invoice& inv = *c.inv;
        const std::string& key = c.key;
        auto& state = m_ctx.state();
        auto& post = *c.answer;
        Outcome out;
        if (!post) {
            const ApiError& e = post.error();
            if (e.maybe_executed) {
                // The POST may have created it, and may still be running: never send it again
                // blindly. The entry stays pending; before the run ends it is looked up once the
                // request cannot be running any more (and by the next run if this one dies).
                out.action = "unknown";
                out.problem = true;
                out.lost_answer = true;
                out.detail = e.describe() + "; the answer was lost, lexoffice is asked before "
                                            "anything is sent again";
                return out;
            }
            if (stops_run(e)) {
                stop(e);
            }
            state.forget(shared::k_ledger_kind, key);
            out.action = "failed";
            out.problem = true;
            out.detail = e.describe();
            return out;
        }
        const std::string id = json::get_string(*post, "id").value_or("");
        out.action = "created";
        out.id = id;
        out.detail = c.note;
        shared::ExportExtra extra;
        extra.kind = kind_name(inv.kind);
        if (voucher_mode()) {
            out.voucher_number = inv.number;
            out.status = "open";
        } else {
            // lexoffice numbers every document at creation, drafts too; the numbers are read
            // with the others' in one voucher-list page per 250 (read_numbers()), not one each.
            out.status = c.finalize ? "open" : "draft";
            out.needs_number = true;
            m_run.add_unnumbered(id, key, inv.date);
        }
        extra.status = out.status;
        LedgerEntry done;
        done.kind = shared::k_ledger_kind;
        done.key = key;
        done.content_hash = c.hash;
        done.status = "done";
        done.remote_id = id;
        done.remote_version = json::get_int(*post, "version").value_or(1);
        done.remote_number = out.voucher_number;
        done.run_id = c.run_id;
        // The status first: a run stopped between the two writes leaves an entry that is still
        // pending (found again next time), never one that is done without its status.
        shared::write_extra(state, key, extra);
        state.mark_done(done);
        if (!voucher_mode() && inv.kind == Kind::invoice) {
            m_run.set_planned(inv.number, id);
        }
        if (voucher_mode() && !inv.pdf.empty()) {
            attach(inv, key, id, extra, out);
        }
        return out;
    }

private:
    static bool has_finalize(const Request& r) {
        return std::any_of(r.query.begin(), r.query.end(),
                           [](const auto& q) { return q.first == "finalize"; });
    }

    // Reads lexoffice's numbers and statuses of the documents created (or exported before)
    // without a known number from the voucher list of their dates, one request per 250 documents
    // instead of one read each, into the ledger. lexoffice numbers every document at creation,
    // drafts too.
    void number_created() {
        const auto dates = m_run.unnumbered_dates();
        if (!dates) {
            return;
        }
        // Each listed document is matched by its id (indexed) as its page arrives: neither the
        // list nor the documents waiting for their numbers are held in memory.
        std::vector<std::string> capped;
        auto& state = m_ctx.state();
        (void)shared::for_each_row(
            m_ctx.client(), false, dates->first, dates->second, capped,
            [&](archive::ListRow&& row) {
                if (row.number.empty()) {
                    return true;
                }
                for (const auto& key : m_run.unnumbered_keys(row.id)) {
                    auto entry = state.get(shared::k_ledger_kind, key);
                    if (!entry || entry->status != "done" || entry->remote_id != row.id) {
                        continue;
                    }
                    entry->remote_number = row.number;
                    state.mark_done(*entry);
                    shared::ExportExtra x =
                        shared::read_extra(state, key).value_or(shared::ExportExtra{});
                    if (!row.status.empty()) {
                        x.status = row.status;
                    }
                    shared::write_extra(state, key, x);
                }
                return true;
            });
        m_run.clear_unnumbered();
    }

public:
    // The read number_created() makes, for a lane to send() and numbered() to finish while other
    // requests go on: the documents answered so far whose number is not known (they no longer
    // await one, see unnumbered()); nullptr when there are none or more than `most` (their ids
    // are held in memory until the read is answered).
    std::shared_ptr<NumberRead> read_numbers_later(std::size_t most) {
        const auto dates = m_run.unnumbered_dates();
        if (!dates || m_run.unnumbered_count() > most) {
            return nullptr;
        }
        auto r = std::make_shared<NumberRead>();
        r->from = dates->first;
        r->to = dates->second;
        r->docs = m_run.unnumbered_docs();
        m_run.clear_unnumbered();
        return r;
    }

    // Reads the voucher list of a NumberRead, keeping the rows of its documents. Touches nothing
    // of the run, so it may run on a lane.
    static void send(ApiClient& client, NumberRead& r) {
        std::unordered_set<std::string> ids;
        for (const auto& d : r.docs) {
            ids.insert(d.first);
        }
        std::vector<std::string> capped;
        (void)shared::for_each_row(client, false, r.from, r.to, capped,
                                   [&](archive::ListRow&& row) {
                                       if (!row.number.empty() && ids.count(row.id) > 0) {
                                           r.rows.push_back(std::move(row));
                                       }
                                       return true;
                                   });
    }

    // The numbers and statuses a NumberRead found, into the ledger (on the command's thread). A
    // document the list does not show yet keeps no number: the credit note naming it reads it on
    // its own (build()), and the run's end reads it for the records (read_numbers()).
    void numbered(const NumberRead& r) {
        std::unordered_map<std::string, const archive::ListRow*> by_id;
        for (const auto& row : r.rows) {
            by_id[row.id] = &row;
        }
        auto& state = m_ctx.state();
        for (const auto& [id, key] : r.docs) {
            auto row = by_id.find(id);
            auto entry = state.get(shared::k_ledger_kind, key);
            if (row == by_id.end() || !entry || entry->status != "done" || entry->remote_id != id) {
                continue;
            }
            entry->remote_number = row->second->number;
            state.mark_done(*entry);
            shared::ExportExtra x = shared::read_extra(state, key).value_or(shared::ExportExtra{});
            if (!row->second->status.empty()) {
                x.status = row->second->status;
            }
            shared::write_extra(state, key, x);
        }
    }

    // True when the document of ledger key `key` was answered in this run and its number is
    // neither known nor being read (see number_created() and read_numbers_later()).
    bool awaits_number(const std::string& key) { return m_run.unnumbered(key); }

    // Reads the numbers of every document that awaits one now, on the command's thread.
    void read_numbers_now() { number_created(); }

private:
    // Reads the number and status lexoffice assigned (a GET after creation).
    void read_back(const Invoice& inv, const std::string& id, Outcome& out) {
        const std::string path =
            (inv.kind == Kind::credit_note ? "/v1/credit-notes/" : "/v1/invoices/") + id;
        auto got = m_ctx.client().get_json(path);
        if (got) {
            out.voucher_number = json::get_string(*got, "voucherNumber").value_or("");
            out.status = json::get_string(*got, "voucherStatus").value_or("");
        } else {
            out.detail = "created; reading its number failed: " + got.error().describe();
        }
    }

    void attach(const Invoice& inv, const std::string& key, const std::string& id,
                shared::ExportExtra extra, Outcome& out) {
        std::ifstream f(inv.pdf, std::ios::binary);
        std::ostringstream bytes;
        bytes << f.rdbuf();
        if (!f) {
            out.detail = "created; the file could not be read: " + inv.pdf.string();
            out.problem = true;
            return;
        }
        extra.file = "pending";
        shared::write_extra(m_ctx.state(), key, extra);
        http::FormPart part;
        part.name = "file";
        part.content = bytes.str();
        part.filename = inv.pdf.filename().string();
        const std::string ext = inv.pdf.extension().string();
        part.content_type = ext == ".pdf" || ext == ".PDF" ? "application/pdf"
                            : ext == ".png"                ? "image/png"
                            : ext == ".xml"                ? "application/xml"
                                                           : "image/jpeg";
        auto up = m_ctx.client().post_form("/v1/vouchers/" + id + "/files", {part});
        if (up) {
            extra.file = "attached";
            shared::write_extra(m_ctx.state(), key, extra);
            return;
        }
        if (stops_run(up.error()) && !up.error().maybe_executed) {
            stop(up.error());
        }
        if (!up.error().maybe_executed) {
            extra.file = "";
            shared::write_extra(m_ctx.state(), key, extra);
        }
        out.problem = true;
        out.detail = "created, but attaching " + part.filename +
                     " failed: " + up.error().describe() + "; the next run attaches it";
    }

    // An exported voucher whose file is not attached yet: check (after an ambiguous upload) and
    // upload it.
    void attach_missing(const Invoice& inv, const std::string& key, const LedgerEntry& entry,
                        shared::ExportExtra extra, Outcome& out) {
        if (extra.file == "pending") {
            auto v = m_ctx.client().get_json("/v1/vouchers/" + entry.remote_id);
            if (!v) {
                out.problem = true;
                out.detail = "could not check the attachment: " + v.error().describe();
                return;
            }
            const json::Value* files = json::find(*v, "files");
            if (files && files->IsArray() && !files->Empty()) {
                extra.file = "attached";
                shared::write_extra(m_ctx.state(), key, extra);
                out.detail = "exported before; the attachment is confirmed";
                return;
            }
        }
        out.detail = "exported before; attaching its file now";
        attach(inv, key, entry.remote_id, extra, out);
        if (!out.problem) {
            out.action = "attached";
        }
    }

    Outcome confirm_found(const Invoice& inv, const std::string& key, const std::string& hash,
                          const shared::FoundDocument& found, std::int64_t run_id,
                          const std::string& detail) {
        Outcome out;
        out.action = "created";
        out.id = found.id;
        out.detail = detail;
        out.voucher_number = voucher_mode() ? inv.number : found.voucher_number;
        out.status = found.status.empty() && voucher_mode() ? "open" : found.status;
        shared::ExportExtra extra;
        extra.kind = kind_name(inv.kind);
        extra.status = out.status;
        bool has_files = false;
        if (voucher_mode() && !inv.pdf.empty()) {
            // The voucher list does not show attachments: one read tells.
            auto v = m_ctx.client().get_json("/v1/vouchers/" + found.id);
            const json::Value* files = v ? json::find(*v, "files") : nullptr;
            has_files = files && files->IsArray() && !files->Empty();
            extra.file = has_files ? "attached" : "";
        }
        LedgerEntry done;
        done.kind = shared::k_ledger_kind;
        done.key = key;
        done.content_hash = hash;
        done.status = "done";
        done.remote_id = found.id;
        done.remote_version = 1;
        done.remote_number = out.voucher_number;
        done.run_id = run_id;
        shared::write_extra(m_ctx.state(), key, extra); // before the entry is done (created())
        m_ctx.state().mark_done(done);
        if (voucher_mode() && !inv.pdf.empty() && !has_files) {
            attach(inv, key, found.id, extra, out);
        }
        return out;
    }

    void stop(const ApiError& e) {
        if (!m_stopped) {
            m_stopped = true;
            m_stop_error = e;
        }
    }

    const ExportOptions& m_opts;
    Context& m_ctx;
    std::string m_mode;
    // Customers whose creation answer was lost, by reference key (see contact_for()).
    struct LostContact {
        Customer customer;
        std::string ledger_key;
    };
    std::map<std::string, LostContact> m_contacts_lost;
    std::string m_category_id;
    std::map<std::string, std::string> m_categories; // name or id → id
    std::map<std::string, std::string> m_category_errors;
    std::map<std::string, ContactInfo> m_contacts; // ref key → contact
    std::map<std::string, std::string> m_contact_errors;
    RunState m_run; // per source invoice, on disk (planned ids, look-ups, unread numbers)
    long m_contacts_created = 0;
    bool m_stopped = false;
    bool m_send_later = false; // see send_later()
    ApiError m_stop_error;
};

// "; not selected: 1 outside the period, 2 excluded by status", or "" when none is left out.
std::string left_out_note(long period, long status) {
    std::vector<std::string> parts;
    if (period > 0) {
        parts.push_back(fmt::format("{} outside the period", period));
    }
    if (status > 0) {
        parts.push_back(fmt::format("{} excluded by status", status));
    }
    return parts.empty() ? std::string()
                         : fmt::format("; not selected: {}", fmt::join(parts, ", "));
}

void print_issues(Context& ctx, const std::vector<InputIssue>& issues) {
    for (const auto& i : issues) {
        ctx.say("lexsync: " + i.to_string());
    }
}

} // namespace

void register_export(CLI::App& parent, Context& ctx) {
    auto opts = std::make_shared<ExportOptions>();
    auto* cmd = parent.add_subcommand(
        "export", "Export invoices and credit notes (CSV or JSON) into lexoffice, each once");
    cmd->add_option("FILE", opts->file,
                    "Invoices as CSV (one row per line item) or JSON, - for stdin; time entries "
                    "with --group-by")
        ->required()
        ->type_name(k_file_value);
    cmd->add_option("--format", opts->format, "Input format (default: by extension)")
        ->check(CLI::IsMember({"csv", "json"}));
    cmd->add_option(
           "--as", opts->as,
           "invoice: sales invoices and credit notes (default); voucher: bookkeeping vouchers "
           "(default from the profile's invoice_mode)")
        ->check(CLI::IsMember({"invoice", "voucher"}));
    add_encoding_option(cmd, opts->encoding);
    cmd->add_option("--from", opts->from,
                    "First invoice date to export (yyyy-mm-dd or dd.mm.yyyy, inclusive)");
    cmd->add_option("--to", opts->to,
                    "Last invoice date to export (yyyy-mm-dd or dd.mm.yyyy, inclusive)");
    add_period_options(cmd, opts->month, opts->period);
    cmd->add_option("--status", opts->status,
                    "Source statuses to export (open, paid, draft; default open,paid)")
        ->delimiter(',')
        ->check(CLI::IsMember({"open", "paid", "draft"}));
    cmd->add_flag(
        "--finalize", opts->finalize,
        "Invoice mode: create finalised (open) documents instead of drafts. This cannot be undone: "
        "lexoffice documents can neither be edited nor deleted once finalised");
    cmd->add_flag("-y,--yes", opts->yes,
                  "Do not ask before finalising (on a terminal, --finalize asks first)");
    cmd->add_flag(
        "--dry-run", opts->dry_run,
        "Print the plan (create, skip, changed, invalid) with the request bodies; send no writes");
    cmd->add_flag("--keep-going", opts->keep_going,
                  "Export the valid invoices even when others are invalid (exit 4)");
    cmd->add_flag("--create-contacts", opts->create_contacts,
                  "Create customers that an e-mail names but lexoffice lacks (from name, address "
                  "and e-mail)");
    cmd->add_flag("--allow-unlinked", opts->allow_unlinked,
                  "Invoice mode: create a credit note that names no invoice, or one that cannot be "
                  "resolved, without a link (else it is refused as invalid input)");
    cmd->add_flag("--collective-contact", opts->collective_contact,
                  "Voucher mode: book all revenue on the collective contact");
    cmd->add_option("--category", opts->category,
                    "Voucher mode: revenue posting category, name or id (default: the profile's "
                    "revenue_category)");
    cmd->add_option("--write-back", opts->write_back,
                    "Write the mapping source number -> lexoffice id, number, status to this CSV "
                    "file (atomically; {profile}, {from}, {to}, {month} are replaced)")
        ->type_name(k_file_value);
    cmd->add_option("--hourly-rate", opts->hourly_rate,
                    "Unit price of hour items that have none (e.g. 65.00)");
    cmd->add_option("--group-by", opts->group_by,
                    "FILE holds time entries: one invoice per customer for the period, one item "
                    "per project or "
                    "per project and subproject")
        ->check(CLI::IsMember({"project", "subproject"}));
    cmd->add_option(
           "--ref-text", opts->ref_text,
           "Invoice mode: remark line naming the source number, used to find a document after an "
           "interrupted run ('' removes it; see the manual first)")
        ->capture_default_str();
    cmd->add_option("--payment-terms", opts->payment_terms, "Time entries: payment term in days")
        ->capture_default_str()
        ->check(CLI::Range(0, 3650));
    cmd->add_option("--number-prefix", opts->number_prefix,
                    "Time entries: prefix of the generated source numbers")
        ->capture_default_str();
    cmd->footer(
        R"(Every source invoice is recorded in the ledger before and after it is sent: a re-run skips what
was exported, reports what changed since (lexoffice documents cannot be edited), and after an
interrupted or ambiguous request looks the document up in lexoffice instead of sending it again.
Invalid input is reported as file:line:column:field: reason and nothing is sent (exit 6), unless
--keep-going exports the valid invoices (exit 4).

Examples:
  lexsync invoices export march.csv --from 2026-03-01 --to 2026-03-31 --dry-run
  lexsync invoices export march.csv --write-back march-lexoffice.csv
  lexsync invoices export march.csv --as voucher --category Einnahmen
  lexsync invoices export hours.csv --group-by project --hourly-rate 65 --from 2026-03-01 --to 2026-03-31)");
    cmd->callback([opts, &ctx] { run_export(*opts, ctx); });
}

namespace {

// Bits of an outcome kept beside its texts in the run's table.
constexpr std::int64_t k_problem = 1;
constexpr std::int64_t k_lost_answer = 2;
constexpr std::int64_t k_deferred = 4;
constexpr std::int64_t k_needs_number = 8;
constexpr std::int64_t k_contact_lost = 16;

// How many invoices are looked up in lexoffice at once (each lookup lists their dates' documents).
constexpr std::size_t k_lookup_batch = 50'000;
// How many rows of the run's table are read at a time.
constexpr std::int64_t k_batch = 256;

// One run of `invoices export`: the options read once, then each step of the run in order
// (run()). The invoices and what happens to each are kept on disk, in the spool's temporary
// database (table `run`, one row per source invoice in file order), so that memory stays flat in
// their number; each step reads them a batch at a time.
struct ExportRun {
    ExportRun(const ExportOptions& o, Context& c) : opts(o), ctx(c) {
        db().exec(
            "CREATE TABLE run(seq INTEGER PRIMARY KEY, number TEXT NOT NULL, line INTEGER NOT "
            "NULL, kind INTEGER NOT NULL, corrects TEXT NOT NULL, year INTEGER NOT NULL, "
            "sel TEXT NOT NULL, left_out INTEGER NOT NULL, reason TEXT NOT NULL, valid INTEGER NOT "
            "NULL, to_send INTEGER "
            "NOT NULL DEFAULT 0, later INTEGER NOT NULL DEFAULT 0, data BLOB NOT NULL, "
            "action TEXT, id TEXT, voucher_number TEXT, status TEXT, detail TEXT, method TEXT, "
            "url TEXT, body TEXT, flags INTEGER NOT NULL DEFAULT 0);"
            "CREATE INDEX run_number ON run(number, seq);"
            "CREATE INDEX run_records ON run(line, left_out, seq);");
    }

    const ExportOptions& opts;
    Context& ctx;
    std::string mode; // invoice | voucher
    table::Period period;
    std::optional<Date> from;
    std::optional<Date> to;
    std::string write_back;
    ReadOptions read_opts;
    std::string input_name;
    std::optional<Decimal> hourly_rate;
    std::vector<Status> statuses;
    // Every source invoice as read, then (table `run`) each with its selection (sel: "" for
    // those the period and status select, else outside-period or excluded-status, every one is
    // reported), whether it is to be sent, its sending order and its outcome.
    Spool spool;
    long chosen_count = 0;
    std::optional<JobLock> lock;      // one export per profile at a time
    std::optional<Exporter> exporter; // created once the lock is held
    // The voucher list of the invoices to send, read on a lane beside the contacts (resolve()).
    std::optional<ClientLanes<std::shared_ptr<shared::ListedRows>>> m_ahead;
    std::int64_t run_id = 0;
    std::map<std::string, long> counts; // records by action

    Statements prepared{spool.db()}; // prepared once each, by their SQL

    sqlite::Database& db() { return spool.db(); }

    // --- The run's table ----------------------------------------------------------------------

    long count(const std::string& where) {
        auto st = db().prepare("SELECT count(*) FROM run WHERE " + where);
        return st.step() ? static_cast<long>(st.column_int(0)) : 0;
    }

    // Calls `fn` with the sequence number and invoice of each row that `where` selects, in file
    // order (a batch at a time); an invoice whose issues `fn` changed is stored again.
    void each(const std::string& where, const std::function<void(std::int64_t, Invoice&)>& fn) {
        std::int64_t after = -1;
        std::vector<std::pair<std::int64_t, std::string>> batch;
        for (;;) {
            batch.clear();
            {
                auto st = db().prepare(fmt::format(
                    "SELECT seq, data FROM run WHERE ({}) AND seq > ?1 ORDER BY seq LIMIT ?2",
                    where));
                st.bind(1, after).bind(2, k_batch);
                while (st.step()) {
                    after = st.column_int(0);
                    batch.emplace_back(after, st.column_text(1));
                }
            }
            if (batch.empty()) {
                return;
            }
            for (auto& [seq, bytes] : batch) {
                Invoice inv = decode(bytes);
                inv.columns = spool.columns();
                const std::size_t issues = inv.issues.size();
                fn(seq, inv);
                if (inv.issues.size() != issues) {
                    save(seq, inv);
                }
            }
        }
    }

    // An EachInvoice over the rows `where` selects.
    EachInvoice each_invoice(const std::string& where) {
        return [this, where](const std::function<void(Invoice&)>& fn) {
            each(where, [&](std::int64_t, Invoice& inv) { fn(inv); });
        };
    }

    Invoice load(std::int64_t seq) {
        auto& st = prepared("SELECT data FROM run WHERE seq = ?1");
        st.bind(1, seq);
        if (!st.step()) {
            throw std::logic_error("invoices export: no row " + std::to_string(seq));
        }
        Invoice inv = decode(st.column_text(0));
        inv.columns = spool.columns();
        return inv;
    }

    void save(std::int64_t seq, const Invoice& inv) {
        auto& st = prepared("UPDATE run SET data = ?2, valid = ?3 WHERE seq = ?1");
        st.bind(1, seq).bind_blob(2, encode(inv)).bind(3, std::int64_t{inv.valid() ? 1 : 0});
        st.run();
    }

    void add(const Invoice& inv, const std::string& sel, const std::string& reason) {
        auto& st = prepared(
            "INSERT INTO run(number, line, kind, corrects, year, sel, left_out, reason, valid, "
            "data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?10, ?7, ?8, ?9)");
        st.bind(1, inv.number)
            .bind(2, static_cast<std::int64_t>(inv.line))
            .bind(3, std::int64_t{inv.kind == Kind::credit_note ? 1 : 0})
            .bind(4, inv.corrects)
            .bind(5, static_cast<std::int64_t>(static_cast<int>(inv.date.year())))
            .bind(6, sel)
            .bind(7, reason)
            .bind(8, std::int64_t{inv.valid() ? 1 : 0})
            .bind_blob(9, encode(inv))
            .bind(10, std::int64_t{sel.empty() ? 0 : 1});
        st.run();
    }

    void save_outcome(std::int64_t seq, const Outcome& o) {
        auto& st = prepared("UPDATE run SET action = ?2, id = ?3, voucher_number = ?4, status = "
                            "?5, detail = ?6, method = ?7, url = ?8, body = ?9, flags = ?10 WHERE "
                            "seq = ?1");
        const std::int64_t flags = (o.problem ? k_problem : std::int64_t{0}) |
                                   (o.lost_answer ? k_lost_answer : std::int64_t{0}) |
                                   (o.deferred ? k_deferred : std::int64_t{0}) |
                                   (o.needs_number ? k_needs_number : std::int64_t{0}) |
                                   (o.contact_lost ? k_contact_lost : std::int64_t{0});
        st.bind(1, seq)
            .bind(2, o.action)
            .bind(3, o.id)
            .bind(4, o.voucher_number)
            .bind(5, o.status)
            .bind(6, o.detail)
            .bind(7, o.method)
            .bind(8, o.url)
            .bind(9, o.body)
            .bind(10, flags);
        st.run();
    }

    static constexpr const char* k_outcome_columns =
        "action, id, voucher_number, status, detail, method, url, body, flags";

    // The outcome in the columns k_outcome_columns, starting at `col`.
    static Outcome outcome_at(const sqlite::Statement& st, int col) {
        Outcome o;
        o.action = st.column_text(col);
        o.id = st.column_text(col + 1);
        o.voucher_number = st.column_text(col + 2);
        o.status = st.column_text(col + 3);
        o.detail = st.column_text(col + 4);
        o.method = st.column_text(col + 5);
        o.url = st.column_text(col + 6);
        o.body = st.column_text(col + 7);
        const std::int64_t flags = st.column_int(col + 8);
        o.problem = (flags & k_problem) != 0;
        o.lost_answer = (flags & k_lost_answer) != 0;
        o.deferred = (flags & k_deferred) != 0;
        o.needs_number = (flags & k_needs_number) != 0;
        o.contact_lost = (flags & k_contact_lost) != 0;
        return o;
    }

    Outcome outcome(std::int64_t seq) {
        auto& st = prepared(fmt::format("SELECT {} FROM run WHERE seq = ?1", k_outcome_columns));
        st.bind(1, seq);
        return st.step() ? outcome_at(st, 0) : Outcome{};
    }

    // The sequence numbers `where` selects, in sending order (credit notes after their invoices).
    std::vector<std::int64_t> seqs_in_order(const std::string& where) {
        std::vector<std::int64_t> out;
        auto st = db().prepare("SELECT seq FROM run WHERE " + where + " ORDER BY later, seq");
        while (st.step()) {
            out.push_back(st.column_int(0));
        }
        return out;
    }

    // The first selected invoice with source number `number`: its sequence number.
    std::optional<std::int64_t> first_chosen(const std::string& number,
                                             const std::string& also = "1") {
        auto& st = prepared("SELECT seq FROM run WHERE number = ?1 AND sel = '' AND (" + also +
                            ") ORDER BY seq LIMIT 1");
        st.bind(1, number);
        if (!st.step()) {
            return std::nullopt;
        }
        return st.column_int(0);
    }

    // --- The steps ----------------------------------------------------------------------------

    void run() {
        read_options();
        read_input();
        select();
        if (count_invalid() > 0 && !opts.keep_going) {
            reject();
        }
        // One export per profile at a time: a concurrent one would not see our pending entries.
        if (!opts.dry_run) {
            lock.emplace(ctx.profile().state_dir, "invoices-export", [&] {
                ctx.info("invoices export: waiting for another invoices export of this profile to "
                         "finish");
            });
        }
        resolve();
        look_up_in_lexoffice();
        if (!check_year_modes_and_finalize()) {
            return;
        }
        export_all();
        settle_lost_answers();
        read_numbers();
        write_records();
        finish();
    }

    void read_options() {
        mode = opts.as;
        if (mode.empty()) {
            mode = ctx.profile().invoice_mode.value_or("invoice");
        }
        if (mode != "invoice" && mode != "voucher") {
            throw Error(ExitCode::usage, "--as must be invoice or voucher");
        }
        period = period_option(opts.from, opts.to, opts.month, opts.period, ctx);
        from = period.from;
        to = period.to;
        write_back = opts.write_back.empty() ? std::string()
                                             : expand_path_pattern(opts.write_back, "--write-back",
                                                                   ctx.profile().name, period);
        read_opts.format = opts.format;
        read_opts.encoding = encoding_option(opts.encoding);
        read_opts.in = &ctx.io.in;
        input_name = opts.file == "-" ? "stdin" : opts.file;
        if (!opts.hourly_rate.empty()) {
            hourly_rate = Decimal::parse(opts.hourly_rate);
            if (!hourly_rate || *hourly_rate < Decimal()) {
                throw Error(ExitCode::usage,
                            fmt::format("--hourly-rate '{}' is not an amount", opts.hourly_rate));
            }
        }
        for (const auto& s : opts.status) {
            if (auto st = parse_status(s)) {
                statuses.push_back(*st);
            }
        }
        if (mode == "invoice" && opts.collective_contact) {
            ctx.warn("--collective-contact applies to --as voucher only; ignored");
        }
        if (opts.ref_text.find("{number}") == std::string::npos && !opts.ref_text.empty()) {
            throw Error(ExitCode::usage, "--ref-text must contain {number} (or be empty)");
        }
    }

    void read_input() {
        if (!opts.group_by.empty()) {
            GroupOptions g;
            g.by_subproject = opts.group_by == "subproject";
            g.from = from;
            g.to = to;
            g.hourly_rate = hourly_rate;
            g.payment_terms = opts.payment_terms;
            g.number_prefix = opts.number_prefix;
            g.file = input_name;
            // The entries are grouped as they are read: only the invoices are kept.
            TimeGrouper grouper(g);
            const auto issues =
                for_each_time_entry(opts.file, read_opts, [&](TimeEntry&& e) { grouper.add(e); });
            if (!issues.empty()) {
                print_issues(ctx, issues);
                throw Error(ExitCode::invalid_input,
                            fmt::format("{} problem{} in {}; nothing was sent", issues.size(),
                                        issues.size() == 1 ? "" : "s", input_name));
            }
            for (const auto& inv : grouper.finish()) {
                spool.append(inv);
            }
            return;
        }
        const auto issues = read_invoices(opts.file, read_opts, spool);
        if (!issues.empty()) {
            print_issues(ctx, issues);
            throw Error(ExitCode::invalid_input,
                        fmt::format("{} problem{} in {}; nothing was sent", issues.size(),
                                    issues.size() == 1 ? "" : "s", input_name));
        }
    }

    // Selection by period and status, the local checks, and unique source numbers.
    void select() {
        const bool from_rows = opts.group_by.empty();
        spool.for_each([&](Invoice& inv) {
            if (from_rows) {
                check_required(inv);
            }
            const bool dated = inv.date != Date{};
            if (dated && ((from && inv.date < *from) || (to && inv.date > *to))) {
                add(inv, "outside-period",
                    fmt::format("dated {}, outside the period {} to {}", format_date(inv.date),
                                from ? format_date(*from) : std::string("..."),
                                to ? format_date(*to) : std::string("...")));
                return;
            }
            if (dated && opts.group_by.empty() && !statuses.empty() &&
                std::find(statuses.begin(), statuses.end(), inv.status) == statuses.end()) {
                add(inv, "excluded-status",
                    fmt::format(
                        "source status {} is not exported (--status {}; add {} to export it)",
                        status_name(inv.status), fmt::join(opts.status, ","),
                        status_name(inv.status)));
                return;
            }
            if (hourly_rate) {
                apply_hourly_rate(inv, *hourly_rate);
            }
            validate(inv);
            if (mode == "voucher") {
                check_voucher(inv);
            }
            if (!inv.number.empty()) {
                if (auto first = first_chosen(inv.number)) {
                    auto& st = prepared("SELECT line FROM run WHERE seq = ?1");
                    st.bind(1, *first);
                    st.step();
                    inv.issue("number",
                              fmt::format("appears again after line {} (source numbers must be "
                                          "unique across invoices and credit notes)",
                                          st.column_int(0)));
                }
            }
            add(inv, "", "");
            ++chosen_count;
        });
        // A credit note of the input corrects an invoice, and not itself (validate_set()).
        each("sel = '' AND kind = 1 AND corrects != ''", [&](std::int64_t, Invoice& inv) {
            if (auto first = first_chosen(inv.corrects, "kind = 1")) {
                if (first == first_chosen(inv.corrects)) {
                    inv.issue("corrects",
                              fmt::format("'{}' is a credit note, not an invoice", inv.corrects));
                }
            }
            if (inv.corrects == inv.number) {
                inv.issue("corrects", "a credit note cannot correct itself");
            }
        });
    }

    // Voucher mode: what a bookkeeping voucher cannot take.
    static void check_voucher(Invoice& inv) {
        if (inv.status == Status::draft) {
            inv.issue("status", "a draft is not booked as a voucher (export it once it is open)");
        }
        if (!inv.pdf.empty()) {
            std::error_code ec;
            const auto size = std::filesystem::file_size(inv.pdf, ec);
            std::string ext = inv.pdf.extension().string();
            std::transform(ext.begin(), ext.end(), ext.begin(),
                           [](unsigned char c) { return std::tolower(c); });
            if (ec) {
                inv.issue("pdf", fmt::format("cannot read {}", inv.pdf.string()));
            } else if (size > k_max_file_size) {
                inv.issue("pdf", fmt::format("{} is larger than 5 MiB", inv.pdf.string()));
            } else if (ext != ".pdf" && ext != ".png" && ext != ".jpg" && ext != ".jpeg" &&
                       ext != ".xml") {
                inv.issue("pdf", "lexoffice takes pdf, png, jpg or xml files");
            }
        }
    }

    long count_invalid() { return count("sel = '' AND valid = 0"); }

    std::string left_out() {
        return left_out_note(count("sel = 'outside-period'"), count("sel = 'excluded-status'"));
    }

    // Prints every problem of the selected invoices and refuses the run (exit 6).
    [[noreturn]] void reject() {
        each("sel = '' AND valid = 0",
             [&](std::int64_t, Invoice& inv) { print_issues(ctx, inv.issues); });
        throw Error(ExitCode::invalid_input,
                    fmt::format("{} of {} selected invoices invalid in {}{}; nothing was sent "
                                "(--keep-going exports the valid ones)",
                                count_invalid(), chosen_count, input_name, left_out()));
    }

    // Reads (posting categories, contacts, corrected invoices) for what is to be sent.
    void resolve() {
        exporter.emplace(opts, ctx, mode, db());
        // Invoices exported before (in either mode) are not sent again and need neither contacts
        // nor categories: a re-run of the same input costs no requests.
        const std::string other_mode = mode == "voucher" ? "invoice" : "voucher";
        long sending = 0;
        bool unclear = false; // an invoice of an interrupted run is pending
        std::optional<Date> first_day;
        std::optional<Date> last_day;
        each("sel = '' AND valid = 1", [&](std::int64_t seq, Invoice& inv) {
            const auto e =
                ctx.state().get(shared::k_ledger_kind, shared::ledger_key(mode, inv.number));
            const auto other =
                ctx.state().get(shared::k_ledger_kind, shared::ledger_key(other_mode, inv.number));
            if ((!e || e->status != "done") && !other) {
                auto& st = prepared("UPDATE run SET to_send = 1 WHERE seq = ?1");
                st.bind(1, seq);
                st.run();
                ++sending;
                unclear = unclear || (e && e->status == "pending");
                first_day = first_day ? std::min(*first_day, inv.date) : inv.date;
                last_day = last_day ? std::max(*last_day, inv.date) : inv.date;
            }
        });
        if (mode == "invoice" && sending > 0 && !unclear && ctx.max_in_flight > 1 &&
            static_cast<std::size_t>(sending) <= k_lookup_batch) {
            // The voucher list of the invoices' dates, which look_up_in_lexoffice() needs, is
            // read on a lane beside the contacts (resolve_contacts()). (With a write of an
            // interrupted run pending it is read only once that write cannot be running any
            // more, as before.)
            m_ahead.emplace(ctx);
            m_ahead->submit([f = *first_day, t = *last_day](ApiClient& client) {
                return std::make_shared<shared::ListedRows>(shared::list_ahead(client, f, t));
            });
        }
        if (mode == "voucher" && sending > 0) {
            std::string category = opts.category;
            if (category.empty()) {
                category = ctx.profile().revenue_category.value_or("");
            }
            exporter->resolve_categories(each_invoice("to_send = 1"), category);
        }
        if (sending > 0) {
            exporter->resolve_contacts(each_invoice("to_send = 1 AND valid = 1"));
            exporter->resolve_corrected(
                each_invoice("to_send = 1"),
                [&](const std::string& number) -> std::optional<InputInvoice> {
                    auto& st = prepared("SELECT line, valid FROM run WHERE number = ?1 AND sel = "
                                        "'' AND kind = 0 ORDER BY seq LIMIT 1");
                    st.bind(1, number);
                    if (number.empty() || !st.step()) {
                        return std::nullopt;
                    }
                    return InputInvoice{static_cast<long>(st.column_int(0)), st.column_int(1) != 0};
                });
        }
        if (count_invalid() > 0 && !opts.keep_going) {
            reject();
        }
    }

    // lexoffice is the truth, the ledger only a cache: every invoice the ledger does not show as
    // exported (new ones, and all of them with an empty, deleted or another account's ledger) is
    // looked up in bulk before anything is sent. Writes of an interrupted run are looked up only
    // once they cannot be running any more.
    void look_up_in_lexoffice() {
        std::vector<LedgerEntry> pending;
        each("to_send = 1 AND valid = 1", [&](std::int64_t, Invoice& inv) {
            auto e = ctx.state().get(shared::k_ledger_kind, shared::ledger_key(mode, inv.number));
            if (e && e->status == "pending") {
                pending.push_back(std::move(*e));
            }
        });
        if (!pending.empty() && !opts.dry_run) {
            wait_out_unclear_writes(
                ctx, pending,
                fmt::format("invoices export: {} of an interrupted run unanswered",
                            counted(pending.size(), "invoice", "invoices")),
                pending.size());
        }
        std::shared_ptr<shared::ListedRows> ahead; // the voucher list read beside the contacts
        if (m_ahead) {
            m_ahead->drain([&](std::shared_ptr<shared::ListedRows> l) { ahead = std::move(l); });
            m_ahead.reset();
        }
        std::vector<shared::LookupItem> items;
        each("to_send = 1 AND valid = 1", [&](std::int64_t, Invoice& inv) {
            items.push_back(exporter->lookup_item(inv));
            if (items.size() == k_lookup_batch) {
                exporter->look_up(items, ahead.get());
                ahead.reset();
                items.clear();
            }
        });
        if (!items.empty()) {
            exporter->look_up(items, ahead.get());
        }
    }

    // Warns when a business year is exported in both modes; asks before finalising. False when
    // the person declined.
    bool check_year_modes_and_finalize() {
        std::set<int> years;
        {
            auto st = db().prepare("SELECT DISTINCT year FROM run WHERE sel = '' AND valid = 1");
            while (st.step()) {
                years.insert(static_cast<int>(st.column_int(0)));
            }
        }
        for (int y : years) {
            const auto used = ctx.state().cursor(shared::year_mode_cursor(y));
            if (used && *used != mode) {
                ctx.warn(fmt::format("invoices of {} were exported as {}s before and now as {}s: "
                                     "lexoffice counts the "
                                     "revenue of both, so keep one mode per business year (profile "
                                     "key invoice_mode)",
                                     y, *used, mode));
            }
        }
        if (opts.finalize && mode == "invoice") {
            // Said to people who asked for it; a cron job with --quiet chose it knowingly.
            ctx.info(opts.dry_run
                         ? "--finalize: the invoices would be finalised at creation, which cannot "
                           "be undone"
                         : "--finalize: invoices are finalised at creation; this cannot be undone");
            // On a terminal a person confirms; a script or cron job (no terminal) chose it
            // knowingly.
            if (!opts.dry_run &&
                !ctx.confirm(
                    "Create the invoices finalised in lexoffice? They can neither be edited "
                    "nor deleted afterwards.",
                    opts.yes, false)) {
                return false;
            }
        }

        return true;
    }

    // A credit note whose invoice's answer was lost waits: sent now it could not pursue it.
    bool waits_for_invoice(const Invoice& inv) {
        if (inv.kind != Kind::credit_note || inv.corrects.empty()) {
            return false;
        }
        auto first = first_chosen(inv.corrects);
        if (!first) {
            return false;
        }
        auto& st = prepared("SELECT flags FROM run WHERE seq = ?1");
        st.bind(1, *first);
        return st.step() && (st.column_int(0) & (k_lost_answer | k_deferred)) != 0;
    }

    static void defer(Outcome& o) {
        o = Outcome{};
        o.action = "unknown";
        o.problem = true;
        o.deferred = true;
        o.detail = "not sent: the answer for the invoice it corrects was lost";
    }

    void export_all() {
        run_id = opts.dry_run ? 0 : ctx.state().begin_run("invoices export");
        // Credit notes that correct an invoice of this input go after the invoices.
        db().exec("UPDATE run SET later = 1 WHERE sel = '' AND kind = 1 AND corrects IN (SELECT "
                  "number FROM run WHERE sel = '')");
        Progress progress(ctx, "invoices export", "invoices", chosen_count);
        std::size_t done_count = 0;
        // The creations overlap on the context's lanes: each is handed over with its ledger
        // entry marked and taken back here in order; a credit note whose invoice is in flight
        // waits for its answer (it names the invoice's id), not for the requests after it. A
        // creation keeps its invoice with it (the rows are read a batch at a time).
        struct Sent {
            std::int64_t seq = 0;
            std::shared_ptr<const Invoice> inv;
            std::shared_ptr<Creation> creation;
            std::shared_ptr<NumberRead> read; // instead of a creation: a read of numbers
        };
        using Slot = std::shared_ptr<Sent>;
        std::optional<ClientLanes<Slot>> lanes;
        std::set<std::string> busy; // source numbers with a creation in flight
        long reading = 0;           // reads of numbers in flight
        // Once the numbers were read ahead (below): the invoices answered since, whose numbers
        // that read did not cover (a handful: those still in flight then and after), and of
        // those the ones a credit note still to be sent names: once all of these are answered,
        // their numbers are read (read_due) while the other credit notes go on.
        bool read_ahead = false;
        std::set<std::string> uncovered;
        std::set<std::string> awaited;
        bool read_due = false;
        auto taken = [&](Slot s) {
            if (s->read) {
                exporter->numbered(*s->read);
                --reading;
                return;
            }
            save_outcome(s->seq, exporter->created(*s->creation));
            busy.erase(s->inv->number);
            if (read_ahead && s->inv->kind == Kind::invoice) {
                uncovered.insert(s->inv->number);
                if (awaited.erase(s->inv->number) > 0 && awaited.empty()) {
                    read_due = true;
                }
            }
        };
        if (!opts.dry_run) {
            lanes.emplace(ctx);
            exporter->send_later(true);
        }
        // lexoffice's numbers of the documents answered so far, read on a lane beside the
        // creations (false when there are too many for a lane).
        auto read_numbers_aside = [&] {
            lanes->make_room(taken);
            auto r = exporter->read_numbers_later(k_numbers_aside);
            if (r) {
                auto sent = std::make_shared<Sent>();
                sent->read = std::move(r);
                ++reading;
                lanes->submit([sent](ApiClient& client) {
                    Exporter::send(client, *sent->read);
                    return sent;
                });
            }
            return r != nullptr;
        };
        // A credit note names the invoice it corrects by lexoffice's id and number: an invoice of
        // this run in flight is waited for (the results before it, not those after), and its
        // number is read unless it is known or being read already.
        auto wait_for_number = [&](const Invoice& note) {
            while (busy.count(note.corrects) > 0 && lanes->take_one(taken)) {
            }
            const std::string key = shared::ledger_key(mode, note.corrects);
            if (exporter->awaits_number(key) && !read_numbers_aside()) {
                exporter->read_numbers_now();
            }
            auto unnumbered = [&] {
                auto e = ctx.state().get(shared::k_ledger_kind, key);
                return e && e->status == "done" && e->remote_number.empty();
            };
            while (reading > 0 && unnumbered() && lanes->take_one(taken)) {
            }
        };
        // The credit notes of this input's invoices come last and name those invoices' numbers:
        // the numbers are read on a lane while the last invoices (as many as there are lanes) are
        // still being sent, so that the credit notes do not wait for that read with nothing else
        // in flight. Only the invoices answered after it are read again, and only when a credit
        // note names one of them.
        long read_ahead_at = 0;
        if (lanes && ctx.max_in_flight > 1 && mode == "invoice" &&
            count("sel = '' AND later = 1") > 0) {
            read_ahead_at = count("sel = '' AND later = 0") - static_cast<long>(ctx.max_in_flight);
        }
        long first_done = 0;
        auto one = [&](std::int64_t seq, Invoice& read) {
            if (lanes) {
                lanes->make_room(taken);
                if (read.kind == Kind::credit_note && !read.corrects.empty() && read.valid()) {
                    wait_for_number(read);
                }
            }
            auto held = std::make_shared<const Invoice>(read);
            const Invoice& inv = *held;
            Outcome o;
            if (!inv.valid()) {
                o.action = "invalid";
                o.problem = true;
                std::vector<std::string> parts;
                for (const auto& is : inv.issues) {
                    parts.push_back(is.to_string());
                }
                o.detail = fmt::format("{}", fmt::join(parts, "; "));
            } else if (exporter->stopped()) {
                o.action = "failed";
                o.problem = true;
                o.detail = "not attempted: the run stopped";
            } else if (waits_for_invoice(inv) && !opts.dry_run) {
                defer(o);
            } else {
                o = exporter->process(inv, run_id);
            }
            if (o.creation) {
                busy.insert(inv.number);
                auto sent = std::make_shared<Sent>(
                    Sent{seq, std::move(held), std::move(o.creation), nullptr});
                lanes->submit([sent](ApiClient& client) {
                    Exporter::send(client, *sent->creation);
                    return sent;
                });
            } else {
                save_outcome(seq, o);
            }
            progress.update(++done_count);
        };
        each("sel = '' AND later = 0", [&](std::int64_t seq, Invoice& read) {
            one(seq, read);
            if (++first_done == read_ahead_at) {
                read_numbers_aside();
                read_ahead = true;
            }
        });
        if (read_ahead) {
            auto st = db().prepare(
                "SELECT DISTINCT corrects FROM run WHERE sel = '' AND later = 1 AND valid = 1");
            while (st.step()) {
                const std::string corrected = st.column_text(0);
                if (busy.count(corrected) > 0) {
                    awaited.insert(corrected);
                } else if (uncovered.count(corrected) > 0) {
                    read_due = true; // answered already
                }
            }
            read_due = read_due && awaited.empty();
        }
        each("sel = '' AND later = 1", [&](std::int64_t seq, Invoice& read) {
            if (lanes) {
                lanes->make_room(taken);
                if (read_due) {
                    read_due = false;
                    read_numbers_aside();
                }
            }
            one(seq, read);
        });
        if (lanes) {
            lanes->drain(taken);
            lanes->close();
            exporter->send_later(false);
        }
        progress.finish();
    }

    void settle_lost_answers() {
        // A timeout, reset, truncated answer or 5xx after sending left these pending. Once their
        // requests cannot be running any more, lexoffice says whether they arrived; those that did
        // not are sent again (a few rounds at most; what stays open is looked up by the next run).
        // Credit notes waiting for such an invoice follow it.
        for (int round = 0; round < 5 && !opts.dry_run && !exporter->stopped(); ++round) {
            // The invoices are read again when they are needed, not kept: only their sequence
            // numbers and ledger entries.
            std::vector<std::int64_t> lost;
            std::vector<LedgerEntry> pending;
            for (std::int64_t seq :
                 seqs_in_order(fmt::format("sel = '' AND (flags & {}) != 0", k_lost_answer))) {
                Invoice inv = load(seq);
                auto e =
                    ctx.state().get(shared::k_ledger_kind, shared::ledger_key(mode, inv.number));
                if (!e || e->status != "pending") {
                    continue;
                }
                lost.push_back(seq);
                pending.push_back(std::move(*e));
            }
            // For a customer whose creation answer was lost.
            const std::vector<std::int64_t> waiting =
                seqs_in_order(fmt::format("sel = '' AND (flags & {}) != 0", k_contact_lost));
            for (auto& e : exporter->lost_contacts()) {
                pending.push_back(std::move(e));
            }
            if (lost.empty() && waiting.empty()) {
                break;
            }
            const std::size_t n_lost = pending.size();
            wait_out_unclear_writes(
                ctx, pending,
                fmt::format("invoices export: {} lost", counted(n_lost, "answer", "answers")),
                n_lost);
            try {
                exporter->reconcile_contacts();
                if (!lost.empty()) {
                    std::vector<shared::LookupItem> items;
                    for (std::int64_t seq : lost) {
                        items.push_back(exporter->lookup_item(load(seq)));
                    }
                    exporter->look_up(items);
                }
            } catch (const Error& e) {
                ctx.warn(fmt::format("could not look the lost answers up: {}; the next run does",
                                     e.what()));
                break;
            }
            for (std::int64_t seq : lost) {
                save_outcome(seq, exporter->process(load(seq), run_id));
            }
            for (std::int64_t seq : waiting) {
                save_outcome(seq, exporter->process(load(seq), run_id));
            }
            for (std::int64_t seq :
                 seqs_in_order(fmt::format("sel = '' AND (flags & {}) != 0", k_deferred))) {
                const Invoice inv = load(seq);
                Outcome o = outcome(seq);
                if (!waits_for_invoice(inv)) {
                    o = exporter->process(inv, run_id);
                } else {
                    defer(o);
                }
                save_outcome(seq, o);
            }
        }
    }

    // lexoffice's numbers of the documents created, read in bulk.
    void read_numbers() {
        const std::string where = fmt::format("sel = '' AND (flags & {}) != 0", k_needs_number);
        exporter->read_numbers([&](const std::function<void(const Invoice&, Outcome&)>& fn) {
            each(where, [&](std::int64_t seq, Invoice& inv) {
                Outcome o = outcome(seq);
                fn(inv, o);
                save_outcome(seq, o);
            });
        });
    }

    void write_records() {
        auto writer = ctx.writer(result_columns());
        json::Document rec;
        // The records in file order: the selected invoices with their outcome, the others with the
        // reason they were left out.
        std::int64_t after_line = -1;
        std::int64_t after_left = -1;
        std::int64_t after_seq = -1;
        std::vector<std::pair<std::string, Outcome>> batch;
        for (;;) {
            batch.clear();
            {
                auto st = db().prepare(fmt::format(
                    "SELECT line, left_out, seq, data, sel, reason, {} FROM run WHERE (line, "
                    "left_out, seq) > (?1, ?2, ?3) ORDER BY line, left_out, seq LIMIT ?4",
                    k_outcome_columns));
                st.bind(1, after_line).bind(2, after_left).bind(3, after_seq).bind(4, k_batch);
                while (st.step()) {
                    after_line = st.column_int(0);
                    after_left = st.column_int(1);
                    after_seq = st.column_int(2);
                    Outcome o;
                    if (after_left != 0) {
                        o.action = st.column_text(4);
                        o.detail = st.column_text(5);
                    } else {
                        o = outcome_at(st, 6);
                    }
                    batch.emplace_back(st.column_text(3), std::move(o));
                }
            }
            if (batch.empty()) {
                break;
            }
            for (const auto& [bytes, o] : batch) {
                write_record(*writer, rec, decode(bytes), o);
            }
        }
        writer->finish();
    }

    void write_record(RecordWriter& writer, json::Document& rec, const Invoice& inv,
                      const Outcome& o) {
        ++counts[o.action];
        rec.SetObject();
        rec.GetAllocator().Clear(); // memory stays flat however many records
        auto& a = rec.GetAllocator();
        rec.AddMember("number", json::str(inv.number, a), a);
        rec.AddMember("date", json::str(format_date(inv.date), a), a);
        rec.AddMember("customer", json::str(exporter->customer_name(inv), a), a);
        if (o.action != "invalid") {
            // Amounts as lexoffice will show them (JSON numbers; exact to the cent).
            const Totals t = compute_totals(inv);
            rec.AddMember("net", std::stod(t.net.to_string()), a);
            rec.AddMember("gross", std::stod(t.gross.to_string()), a);
        } else {
            rec.AddMember("net", json::Value(), a);
            rec.AddMember("gross", json::Value(), a);
        }
        rec.AddMember("kind", json::str(kind_name(inv.kind), a), a);
        rec.AddMember("line", static_cast<std::int64_t>(inv.line), a);
        rec.AddMember("mode", json::str(mode, a), a);
        rec.AddMember("action", json::str(o.action, a), a);
        rec.AddMember("id", o.id.empty() ? json::Value() : json::str(o.id, a), a);
        rec.AddMember("voucherNumber",
                      o.voucher_number.empty() ? json::Value() : json::str(o.voucher_number, a), a);
        rec.AddMember("status", o.status.empty() ? json::Value() : json::str(o.status, a), a);
        rec.AddMember("detail", o.detail.empty() ? json::Value() : json::str(o.detail, a), a);
        if (!o.method.empty()) {
            rec.AddMember("request", planned_request(o.method, o.url, o.body, a), a);
        }
        writer.write(rec);
    }

    // The mapping source number → lexoffice id, number, status of the selected invoices.
    void write_back_file() {
        AtomicFile f(write_back);
        csv::Writer w(f.stream(), ',', true);
        w.write_row(
            {"number", "kind", "mode", "lexoffice_id", "voucher_number", "status", "action"});
        auto st = db().prepare("SELECT number, kind, id, voucher_number, status, action FROM run "
                               "WHERE sel = '' AND id != '' AND action != 'conflict' ORDER BY seq");
        while (st.step()) {
            w.write_row(std::vector<std::string>{
                st.column_text(0), st.column_int(1) == 1 ? "credit-note" : "invoice", mode,
                st.column_text(2), st.column_text(3), st.column_text(4), st.column_text(5)});
        }
        f.commit();
    }

    // The write-back file, the ledger's year modes and run, the summary and the exit code.
    void finish() {
        if (!opts.write_back.empty() && !opts.dry_run) {
            write_back_file();
        }
        const long problems = count(fmt::format("sel = '' AND (flags & {}) != 0", k_problem));
        if (!opts.dry_run) {
            auto st = db().prepare("SELECT DISTINCT year FROM run WHERE sel = '' AND action IN "
                                   "('created', 'exists', 'skipped', 'attached')");
            while (st.step()) {
                ctx.state().set_cursor(shared::year_mode_cursor(static_cast<int>(st.column_int(0))),
                                       mode);
            }
        }
        auto n = [&](const char* k) {
            const auto it = counts.find(k);
            return it == counts.end() ? 0L : it->second;
        };
        const auto& stats = ctx.client_stats();
        const std::string summary =
            opts.dry_run
                ? fmt::format("invoices export --as {} (dry run): {} to create, {} to skip, {} "
                              "changed, {} conflict, {} "
                              "exist, {} to reconcile, {} invalid ({})",
                              mode, n("create"), n("skip"), n("changed"), n("conflict"),
                              n("exists"), n("reconcile"), n("invalid"),
                              counted(stats.requests, "request", "requests"))
                : fmt::format(
                      "invoices export --as {}: {} created, {} skipped, {} changed, {} "
                      "conflict, {} exist, {} "
                      "invalid, {} failed, {} unknown{} ({}, {} rate limited)",
                      mode, n("created"), n("skipped") + n("attached"), n("changed"), n("conflict"),
                      n("exists"), n("invalid"), n("failed"), n("unknown"),
                      exporter->contacts_created() > 0
                          ? fmt::format(", {} created", counted(exporter->contacts_created(),
                                                                "customer", "customers"))
                          : std::string(),
                      counted(stats.requests, "request", "requests"), stats.rate_limited);
        ctx.info(summary + left_out());
        if (!opts.dry_run) {
            ctx.state().finish_run(
                run_id, problems > 0 ? "partial" : "ok",
                fmt::format(
                    R"({{"created":{},"skipped":{},"changed":{},"invalid":{},"failed":{},"unknown":{}}})",
                    n("created"), n("skipped"), n("changed"), n("invalid"), n("failed"),
                    n("unknown")));
        }
        if (exporter->stopped()) {
            throw_api_error(exporter->stop_error(), "invoices export stopped");
        }
        if (problems > 0) {
            std::vector<std::string> rejected;
            auto st = db().prepare(fmt::format(
                "SELECT number, line FROM run WHERE sel = '' AND (flags & {}) != 0 ORDER BY seq",
                k_problem));
            while (st.step()) {
                const std::string number = st.column_text(0);
                rejected.push_back(number.empty() ? fmt::format("line {}", st.column_int(1))
                                                  : number);
            }
            throw Error(ExitCode::partial,
                        fmt::format("{} of {} invoices not exported: {}", problems, chosen_count,
                                    fmt::join(rejected, ", ")));
        }
    }
};

} // namespace

void run_export(const ExportOptions& opts, Context& ctx) {
    ExportRun(opts, ctx).run();
}

} // namespace lexsync::commands::invoices
