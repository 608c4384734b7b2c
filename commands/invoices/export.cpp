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
#include <lexsync/records/invoices.hpp>
#include <lexsync/store/job_lock.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <map>
#include <memory>
#include <set>
#include <sstream>

namespace lexsync::commands::invoices {

using namespace lexsync::invoices;

namespace {

constexpr const char* k_contact_kind = "contact";
constexpr std::uintmax_t k_max_file_size = 5u * 1024u * 1024u;

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

class Exporter {
public:
    Exporter(const ExportOptions& opts, Context& ctx, std::string mode)
        : m_opts(opts), m_ctx(ctx), m_mode(std::move(mode)) {}

    bool voucher_mode() const { return m_mode == "voucher"; }

    // --- Resolution (reads only) ------------------------------------------------------------

    // Resolves the posting categories the invoices need; adds issues for unknown ones.
    void resolve_categories(std::vector<Invoice*>& invoices, const std::string& run_category) {
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
        for (auto* inv : invoices) {
            if (inv->category.empty()) {
                if (m_category_id.empty()) {
                    inv->issue("category",
                               "missing: give --category, the profile's revenue_category or a "
                               "category column for voucher mode");
                }
                continue;
            }
            auto [it, inserted] = m_categories.try_emplace(inv->category);
            if (inserted) {
                std::string err;
                it->second = find(inv->category, err);
                m_category_errors[inv->category] = err;
            }
            if (it->second.empty()) {
                inv->issue("category", m_category_errors[inv->category]);
            }
        }
    }

    // Resolves every customer reference once: a listing of all contacts when that costs fewer
    // requests than single look-ups, else one look-up each.
    void resolve_contacts(std::vector<Invoice*>& invoices) {
        std::vector<const Customer*> refs;
        std::set<std::string> keys;
        for (auto* inv : invoices) {
            const std::string k = inv->customer.ref_key();
            if (!k.empty() && keys.insert(k).second) {
                refs.push_back(&inv->customer);
            }
        }
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
        for (const Customer* c : refs) {
            const std::string key = c->ref_key();
            if (ambiguous.count(key)) {
                m_contact_errors[key] =
                    fmt::format("e-mail {} belongs to more than one contact", c->email);
                continue;
            }
            if (auto it = by_key.find(key); it != by_key.end()) {
                m_contacts[key] = it->second;
                continue;
            }
            if (listed_all) {
                continue; // not found
            }
            lookup(*c);
        }
        for (auto* inv : invoices) {
            const std::string key = inv->customer.ref_key();
            if (key.empty()) {
                continue;
            }
            if (auto e = m_contact_errors.find(key); e != m_contact_errors.end()) {
                inv->issue(field_of(inv->customer), e->second);
                continue;
            }
            auto it = m_contacts.find(key);
            if (it == m_contacts.end()) {
                if (m_opts.create_contacts && !inv->customer.email.empty() &&
                    !inv->customer.name.empty() && !inv->customer.country.empty()) {
                    continue; // created before its invoice is sent
                }
                inv->issue(field_of(inv->customer),
                           fmt::format(
                               "unknown customer: no lexoffice contact with {}{}",
                               describe(inv->customer),
                               !inv->customer.email.empty() && !m_opts.create_contacts
                                   ? " (--create-contacts creates it from name, address and e-mail)"
                                   : ""));
            } else if (!it->second.customer) {
                inv->issue(field_of(inv->customer),
                           fmt::format("lexoffice contact {} ({}) is not a customer", it->second.id,
                                       it->second.name));
            }
        }
    }

    // Invoice mode: the invoice each credit note of `invoices` corrects, before anything is
    // sent: from the ledger (exported by lexsync), from `input` (the invoices of this input, by
    // source number), else from lexoffice (an invoice with that number in the voucher list, one
    // request each). A credit note that names none or one that cannot be resolved gets an issue,
    // unless --allow-unlinked creates it without a link.
    void resolve_corrected(const std::vector<Invoice*>& invoices,
                           const std::map<std::string, const Invoice*>& input) {
        if (voucher_mode()) {
            return;
        }
        const std::string unlinked = " (--allow-unlinked creates it without a link)";
        for (auto* inv : invoices) {
            if (inv->kind != Kind::credit_note || !inv->valid()) {
                continue;
            }
            if (inv->corrects.empty()) {
                if (!m_opts.allow_unlinked) {
                    inv->issue("corrects",
                               "missing: a credit note names the invoice it corrects (its source "
                               "number or lexoffice's invoice number)" +
                                   unlinked);
                }
                continue;
            }
            if (m_ctx.state().get(shared::k_ledger_kind,
                                  shared::ledger_key(m_mode, inv->corrects))) {
                continue; // exported by lexsync (or sent and looked up before the run ends)
            }
            if (auto it = input.find(inv->corrects); it != input.end()) {
                if (!it->second->valid()) {
                    inv->issue("corrects",
                               fmt::format("the corrected invoice {} (line {}) is invalid",
                                           inv->corrects, it->second->line));
                }
                continue;
            }
            if (!m_remote_invoices.count(inv->corrects)) {
                Query q = {{"voucherType", "invoice"},
                           {"voucherStatus", "any"},
                           {"voucherNumber", search_term(inv->corrects)},
                           {"size", "250"}};
                auto page = value_or_throw(m_ctx.client().get_json("/v1/voucherlist", q),
                                           "looking up invoice " + inv->corrects);
                std::optional<archive::ListRow> hit;
                if (const json::Value* items = page_items(page)) {
                    for (const auto& v : items->GetArray()) {
                        auto row = archive::read_row(v);
                        // The filter is not trusted to match exactly: the number must.
                        if (row && row->type == "invoice" && row->number == inv->corrects) {
                            hit = std::move(row);
                            break;
                        }
                    }
                }
                m_remote_invoices[inv->corrects] = std::move(hit);
            }
            if (!m_remote_invoices[inv->corrects] && !m_opts.allow_unlinked) {
                inv->issue("corrects",
                           fmt::format("no invoice {} to correct: lexsync has not exported it, it "
                                       "is not in this input, and lexoffice has no invoice with "
                                       "this number{}",
                                       inv->corrects, unlinked));
            }
        }
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
        if (auto u = m_unsure.find(inv.number); u != m_unsure.end()) {
            out.action = "unknown";
            out.problem = true;
            out.detail = u->second;
            return out;
        }
        if (auto f = m_found.find(inv.number); f != m_found.end()) {
            const shared::FoundDocument& found = f->second;
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

    // Looks `invoices` up in lexoffice in bulk (see shared/lookup.hpp) and keeps what it found
    // for process(); an earlier answer for the same number is replaced. Throws when lexoffice
    // could not be asked.
    void look_up(const std::vector<const Invoice*>& invoices) {
        std::vector<shared::LookupItem> items;
        for (const Invoice* inv : invoices) {
            std::string contact_id;
            if (auto it = m_contacts.find(inv->customer.ref_key()); it != m_contacts.end()) {
                contact_id = it->second.id;
            }
            items.push_back(shared::lookup_item(*inv, contact_id));
            m_found.erase(inv->number);
            m_unsure.erase(inv->number);
        }
        auto r = voucher_mode() ? shared::find_vouchers(m_ctx.client(), items)
                                : shared::find_documents(m_ctx.client(), m_ctx.state(), items,
                                                         m_opts.ref_text);
        if (!r) {
            throw_api_error(r.error(), "looking the invoices up in lexoffice before sending");
        }
        for (auto& [number, f] : r->found) {
            m_found[number] = std::move(f);
        }
        for (auto& [number, why] : r->unsure) {
            m_unsure[number] = std::move(why);
        }
    }

    // Invoice mode: lexoffice's numbers (and statuses) of the documents of `outcomes` that need
    // one, into the outcomes and the ledger: through number_created(), and a document the list
    // does not show yet is read on its own.
    void read_numbers(const std::vector<const Invoice*>& invoices, std::vector<Outcome>& outcomes) {
        if (voucher_mode() || m_opts.dry_run) {
            return;
        }
        std::vector<std::size_t> wanted;
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            if (outcomes[i].needs_number && !outcomes[i].id.empty()) {
                wanted.push_back(i);
                if (outcomes[i].action != "created") { // exported before, number not read then
                    m_unnumbered.push_back({outcomes[i].id,
                                            shared::ledger_key(m_mode, invoices[i]->number),
                                            invoices[i]->date});
                }
            }
        }
        number_created();
        auto& state = m_ctx.state();
        for (std::size_t i : wanted) {
            Outcome& out = outcomes[i];
            const Invoice& inv = *invoices[i];
            const std::string key = shared::ledger_key(m_mode, inv.number);
            auto entry = state.get(shared::k_ledger_kind, key);
            if (entry && entry->remote_id == out.id && !entry->remote_number.empty()) {
                out.voucher_number = entry->remote_number;
                if (auto x = shared::read_extra(state, key); x && !x->status.empty()) {
                    out.status = x->status;
                }
                continue;
            }
            if (out.action != "created") {
                continue;
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
        }
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
                const auto extra = shared::read_extra(m_ctx.state(), ckey);
                if (e->remote_number.empty() && !m_unnumbered.empty() && !m_opts.dry_run) {
                    // Created in this run: the numbers of everything created so far, at once
                    // (credit notes follow the invoices of their input).
                    number_created();
                    if (auto again = m_ctx.state().get(shared::k_ledger_kind, ckey)) {
                        e = std::move(again);
                    }
                }
                if (e->remote_number.empty()) {
                    // Not listed yet, or created by an earlier run whose read failed: the
                    // credit note names lexoffice's number, so read it now.
                    if (auto got = m_ctx.client().get_json("/v1/invoices/" + e->remote_id)) {
                        e->remote_number = json::get_string(*got, "voucherNumber").value_or("");
                        if (!e->remote_number.empty() && !m_opts.dry_run) {
                            m_ctx.state().mark_done(*e);
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
            } else if (auto it = m_planned_ids.find(inv.corrects); it != m_planned_ids.end()) {
                if (m_opts.dry_run) {
                    r.note = fmt::format("pursues {} (precedingSalesVoucherId once it is created)",
                                         inv.corrects);
                } else {
                    r.query.emplace_back("precedingSalesVoucherId", it->second);
                }
            } else if (auto f = m_found.find(inv.corrects); f != m_found.end()) {
                // Dry run: in lexoffice already, recorded once the run is real.
                so.corrects_text =
                    f->second.voucher_number.empty() ? inv.corrects : f->second.voucher_number;
                r.query.emplace_back("precedingSalesVoucherId", f->second.id);
            } else if (auto x = m_remote_invoices.find(inv.corrects);
                       x != m_remote_invoices.end() && x->second) {
                if (x->second->status == "draft") {
                    r.note = fmt::format(
                        "the corrected invoice {} is a draft in lexoffice; created without a link",
                        inv.corrects);
                } else {
                    r.query.emplace_back("precedingSalesVoucherId", x->second->id);
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
                m_planned_ids[inv.number] = "(new)";
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
            m_unnumbered.push_back({id, key, inv.date});
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
        state.mark_done(done);
        shared::write_extra(state, key, extra);
        if (!voucher_mode() && inv.kind == Kind::invoice) {
            m_planned_ids[inv.number] = id;
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

    // Reads the number and status lexoffice assigned (a GET after creation).
    // Reads lexoffice's numbers and statuses of the documents created (or exported before)
    // without a known number from the voucher list of their dates, one request per 250 documents
    // instead of one read each, into the ledger. lexoffice numbers every document at creation,
    // drafts too.
    void number_created() {
        if (m_unnumbered.empty()) {
            return;
        }
        Date from = m_unnumbered.front().date;
        Date to = from;
        for (const auto& u : m_unnumbered) {
            from = std::min(from, u.date);
            to = std::max(to, u.date);
        }
        std::vector<std::string> capped;
        auto rows = shared::list_rows(m_ctx.client(), false, from, to, capped);
        if (rows) {
            std::map<std::string, const archive::ListRow*> by_id;
            for (const auto& r : *rows) {
                by_id[r.id] = &r;
            }
            auto& state = m_ctx.state();
            for (const auto& u : m_unnumbered) {
                auto row = by_id.find(u.id);
                auto entry = state.get(shared::k_ledger_kind, u.key);
                if (row == by_id.end() || row->second->number.empty() || !entry ||
                    entry->status != "done" || entry->remote_id != u.id) {
                    continue;
                }
                entry->remote_number = row->second->number;
                state.mark_done(*entry);
                shared::ExportExtra x =
                    shared::read_extra(state, u.key).value_or(shared::ExportExtra{});
                if (!row->second->status.empty()) {
                    x.status = row->second->status;
                }
                shared::write_extra(state, u.key, x);
            }
        }
        m_unnumbered.clear();
    }

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
        m_ctx.state().mark_done(done);
        shared::write_extra(m_ctx.state(), key, extra);
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
    // Documents whose lexoffice number is not read yet (see number_created()).
    struct Unnumbered {
        std::string id;
        std::string key;
        Date date;
    };
    std::vector<Unnumbered> m_unnumbered;
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
    std::map<std::string, std::string> m_planned_ids; // source number → lexoffice id (this run)
    std::map<std::string, shared::FoundDocument> m_found; // source number → in lexoffice
    std::map<std::string, std::string> m_unsure; // source number → why lexoffice could not tell
    // lexoffice invoices found by their number for credit notes (resolve_corrected()).
    std::map<std::string, std::optional<archive::ListRow>> m_remote_invoices;
    long m_contacts_created = 0;
    bool m_stopped = false;
    bool m_send_later = false; // see send_later()
    ApiError m_stop_error;
};

// A source invoice that the selection (period, status) leaves out, and why.
struct LeftOut {
    const Invoice* inv = nullptr;
    std::string action; // outside-period | excluded-status
    std::string reason;
};

// "; not selected: 1 outside the period, 2 excluded by status", or "" when none is left out.
std::string left_out_note(const std::vector<LeftOut>& left_out) {
    long period = 0;
    long status = 0;
    for (const auto& l : left_out) {
        (l.action == "outside-period" ? period : status) += 1;
    }
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

void write_back_file(const std::string& path, const std::string& mode,
                     const std::vector<const Invoice*>& invs, const std::vector<Outcome>& outs) {
    AtomicFile f(path);
    csv::Writer w(f.stream(), ',', true);
    w.write_row({"number", "kind", "mode", "lexoffice_id", "voucher_number", "status", "action"});
    for (std::size_t i = 0; i < invs.size(); ++i) {
        const Outcome& o = outs[i];
        if (o.id.empty() || o.action == "conflict") {
            continue;
        }
        w.write_row(std::vector<std::string>{invs[i]->number, kind_name(invs[i]->kind), mode, o.id,
                                             o.voucher_number, o.status, o.action});
    }
    f.commit();
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

// One run of `invoices export`: the options read once, then each step of the run in order
// (run()). The steps share the run's state below; each is named for what it does.
struct ExportRun {
    ExportRun(const ExportOptions& o, Context& c) : opts(o), ctx(c) {}

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
    std::vector<Invoice> all;         // every source invoice
    std::vector<Invoice*> chosen;     // those the period and status select
    std::vector<LeftOut> left_out;    // the others, each with its reason: every one is reported
    std::optional<JobLock> lock;      // one export per profile at a time
    std::optional<Exporter> exporter; // created once the lock is held
    std::vector<Invoice*> to_send;    // chosen, valid and not exported before
    std::int64_t run_id = 0;
    std::vector<Outcome> outcomes;  // by position in `chosen`
    std::vector<std::size_t> order; // the sending order: credit notes after their invoices
    std::map<std::string, std::size_t> index_of; // source number → position in `chosen`
    std::map<std::string, long> counts;          // records by action

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
        {
            // lexoffice's numbers of the documents created, read in bulk.
            std::vector<const Invoice*> invs(chosen.begin(), chosen.end());
            exporter->read_numbers(invs, outcomes);
        }
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
            TimeInput t = read_time_entries(opts.file, read_opts);
            if (!t.issues.empty()) {
                print_issues(ctx, t.issues);
                throw Error(ExitCode::invalid_input,
                            fmt::format("{} problem{} in {}; nothing was sent", t.issues.size(),
                                        t.issues.size() == 1 ? "" : "s", input_name));
            }
            GroupOptions g;
            g.by_subproject = opts.group_by == "subproject";
            g.from = from;
            g.to = to;
            g.hourly_rate = hourly_rate;
            g.payment_terms = opts.payment_terms;
            g.number_prefix = opts.number_prefix;
            g.file = input_name;
            all = group_time_entries(t.entries, g);
        } else {
            InputSet set = read_invoices(opts.file, read_opts);
            if (!set.file_issues.empty()) {
                print_issues(ctx, set.file_issues);
                throw Error(ExitCode::invalid_input,
                            fmt::format("{} problem{} in {}; nothing was sent",
                                        set.file_issues.size(),
                                        set.file_issues.size() == 1 ? "" : "s", input_name));
            }
            all = std::move(set.invoices);
        }
    }

    // Selection by period and status, the local checks, and unique source numbers.
    void select() {
        for (auto& inv : all) {
            const bool dated = inv.date != Date{};
            if (dated && ((from && inv.date < *from) || (to && inv.date > *to))) {
                left_out.push_back(
                    {&inv, "outside-period",
                     fmt::format("dated {}, outside the period {} to {}", format_date(inv.date),
                                 from ? format_date(*from) : std::string("..."),
                                 to ? format_date(*to) : std::string("..."))});
                continue;
            }
            if (dated && opts.group_by.empty() && !statuses.empty() &&
                std::find(statuses.begin(), statuses.end(), inv.status) == statuses.end()) {
                left_out.push_back(
                    {&inv, "excluded-status",
                     fmt::format(
                         "source status {} is not exported (--status {}; add {} to export it)",
                         status_name(inv.status), fmt::join(opts.status, ","),
                         status_name(inv.status))});
                continue;
            }
            if (hourly_rate) {
                apply_hourly_rate(inv, *hourly_rate);
            }
            validate(inv);
            if (mode == "voucher") {
                if (inv.status == Status::draft) {
                    inv.issue("status",
                              "a draft is not booked as a voucher (export it once it is open)");
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
            chosen.push_back(&inv);
        }
        {
            std::map<std::string, long> seen;
            for (auto* inv : chosen) {
                if (inv->number.empty()) {
                    continue;
                }
                auto [it, inserted] = seen.emplace(inv->number, inv->line);
                if (!inserted) {
                    inv->issue(
                        "number",
                        fmt::format("appears again after line {} (source numbers must be unique "
                                    "across invoices and credit notes)",
                                    it->second));
                }
            }
        }
        validate_set(chosen);
    }

    long count_invalid() const {
        return std::count_if(chosen.begin(), chosen.end(),
                             [](const Invoice* i) { return !i->valid(); });
    }

    // Prints every problem of the selected invoices and refuses the run (exit 6).
    [[noreturn]] void reject() {
        std::vector<InputIssue> issues;
        for (auto* inv : chosen) {
            issues.insert(issues.end(), inv->issues.begin(), inv->issues.end());
        }
        print_issues(ctx, issues);
        throw Error(ExitCode::invalid_input,
                    fmt::format("{} of {} selected invoices invalid in {}{}; nothing was sent "
                                "(--keep-going exports the valid ones)",
                                count_invalid(), chosen.size(), input_name,
                                left_out_note(left_out)));
    }

    // Reads (posting categories, contacts, corrected invoices) for what is to be sent.
    void resolve() {
        exporter.emplace(opts, ctx, mode);
        std::vector<Invoice*> valid;
        for (auto* inv : chosen) {
            if (inv->valid()) {
                valid.push_back(inv);
            }
        }
        // Invoices exported before (in either mode) are not sent again and need neither contacts
        // nor categories: a re-run of the same input costs no requests.
        const std::string other_mode = mode == "voucher" ? "invoice" : "voucher";
        for (auto* inv : valid) {
            const auto e =
                ctx.state().get(shared::k_ledger_kind, shared::ledger_key(mode, inv->number));
            const auto other =
                ctx.state().get(shared::k_ledger_kind, shared::ledger_key(other_mode, inv->number));
            if ((!e || e->status != "done") && !other) {
                to_send.push_back(inv);
            }
        }
        if (mode == "voucher" && !to_send.empty()) {
            std::string category = opts.category;
            if (category.empty()) {
                category = ctx.profile().revenue_category.value_or("");
            }
            exporter->resolve_categories(to_send, category);
        }
        if (!to_send.empty()) {
            std::vector<Invoice*> with_contact;
            for (auto* inv : to_send) {
                if (inv->valid() && !inv->customer.is_one_time()) {
                    with_contact.push_back(inv);
                }
            }
            exporter->resolve_contacts(with_contact);
            std::map<std::string, const Invoice*> input_invoices;
            for (auto* inv : chosen) {
                if (inv->kind == Kind::invoice && !inv->number.empty()) {
                    input_invoices.emplace(inv->number, inv);
                }
            }
            exporter->resolve_corrected(to_send, input_invoices);
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
        std::vector<const Invoice*> unknown;
        std::vector<LedgerEntry> pending;
        for (auto* inv : to_send) {
            if (!inv->valid()) {
                continue;
            }
            unknown.push_back(inv);
            auto e = ctx.state().get(shared::k_ledger_kind, shared::ledger_key(mode, inv->number));
            if (e && e->status == "pending") {
                pending.push_back(std::move(*e));
            }
        }
        if (!pending.empty() && !opts.dry_run) {
            wait_out_unclear_writes(
                ctx, pending,
                fmt::format("invoices export: {} of an interrupted run unanswered",
                            counted(pending.size(), "invoice", "invoices")),
                pending.size());
        }
        if (!unknown.empty()) {
            exporter->look_up(unknown);
        }
    }

    // Warns when a business year is exported in both modes; asks before finalising. False when
    // the person declined.
    bool check_year_modes_and_finalize() {
        std::set<int> years;
        for (auto* inv : chosen) {
            if (inv->valid()) {
                years.insert(static_cast<int>(inv->date.year()));
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
    bool waits_for_invoice(const Invoice& inv) const {
        if (inv.kind != Kind::credit_note || inv.corrects.empty()) {
            return false;
        }
        auto it = index_of.find(inv.corrects);
        return it != index_of.end() &&
               (outcomes[it->second].lost_answer || outcomes[it->second].deferred);
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
        outcomes.resize(chosen.size());
        // Credit notes that correct an invoice of this input go after the invoices.
        std::set<std::string> numbers;
        for (auto* inv : chosen) {
            numbers.insert(inv->number);
        }
        for (int pass = 0; pass < 2; ++pass) {
            for (std::size_t i = 0; i < chosen.size(); ++i) {
                const bool later =
                    chosen[i]->kind == Kind::credit_note && numbers.count(chosen[i]->corrects);
                if ((pass == 1) == later) {
                    order.push_back(i);
                }
            }
        }
        Progress progress(ctx, "invoices export", "invoices", chosen.size());
        std::size_t done_count = 0;
        for (std::size_t i = 0; i < chosen.size(); ++i) {
            index_of.emplace(chosen[i]->number, i);
        }
        // The creations overlap on the context's lanes: each is handed over with its ledger
        // entry marked and taken back here in order; a credit note whose invoice is in flight
        // waits for its answer (it names the invoice's id).
        struct Sent {
            std::size_t i = 0;
            std::shared_ptr<Creation> creation;
        };
        using Slot = std::shared_ptr<Sent>;
        std::optional<ClientLanes<Slot>> lanes;
        std::set<std::string> busy; // source numbers with a creation in flight
        auto taken = [&](Slot s) {
            outcomes[s->i] = exporter->created(*s->creation);
            busy.erase(chosen[s->i]->number);
        };
        if (!opts.dry_run) {
            lanes.emplace(ctx);
            exporter->send_later(true);
        }
        for (std::size_t i : order) {
            Invoice& inv = *chosen[i];
            Outcome& o = outcomes[i];
            if (lanes) {
                lanes->make_room(taken);
                if (inv.kind == Kind::credit_note && busy.count(inv.corrects) > 0) {
                    lanes->drain(taken);
                }
            }
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
                auto s = std::make_shared<Sent>(Sent{i, std::move(o.creation)});
                lanes->submit([s](ApiClient& client) {
                    Exporter::send(client, *s->creation);
                    return s;
                });
            }
            progress.update(++done_count);
        }
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
            std::vector<std::size_t> lost;
            std::vector<const Invoice*> invs;
            std::vector<LedgerEntry> pending;
            for (std::size_t i : order) {
                if (!outcomes[i].lost_answer) {
                    continue;
                }
                auto e = ctx.state().get(shared::k_ledger_kind,
                                         shared::ledger_key(mode, chosen[i]->number));
                if (!e || e->status != "pending") {
                    continue;
                }
                lost.push_back(i);
                invs.push_back(chosen[i]);
                pending.push_back(std::move(*e));
            }
            std::vector<std::size_t> waiting; // for a customer whose creation answer was lost
            for (std::size_t i : order) {
                if (outcomes[i].contact_lost) {
                    waiting.push_back(i);
                }
            }
            for (auto& e : exporter->lost_contacts()) {
                pending.push_back(std::move(e));
            }
            if (lost.empty() && waiting.empty()) {
                break;
            }
            const std::size_t n_lost = lost.size() + (pending.size() - invs.size());
            wait_out_unclear_writes(
                ctx, pending,
                fmt::format("invoices export: {} lost", counted(n_lost, "answer", "answers")),
                n_lost);
            try {
                exporter->reconcile_contacts();
                if (!invs.empty()) {
                    exporter->look_up(invs);
                }
            } catch (const Error& e) {
                ctx.warn(fmt::format("could not look the lost answers up: {}; the next run does",
                                     e.what()));
                break;
            }
            for (std::size_t i : lost) {
                outcomes[i] = exporter->process(*chosen[i], run_id);
            }
            for (std::size_t i : waiting) {
                outcomes[i] = exporter->process(*chosen[i], run_id);
            }
            for (std::size_t i : order) {
                if (outcomes[i].deferred && !waits_for_invoice(*chosen[i])) {
                    outcomes[i] = exporter->process(*chosen[i], run_id);
                } else if (outcomes[i].deferred) {
                    defer(outcomes[i]);
                }
            }
        }
    }

    void write_records() {
        auto customer_name_of = [&](const Invoice& inv) { return exporter->customer_name(inv); };
        auto writer = ctx.writer(result_columns());
        json::Document rec;
        // The records in file order: the selected invoices with their outcome, the others with the
        // reason they were left out.
        std::vector<Outcome> left_out_outcomes(left_out.size());
        std::vector<std::pair<const Invoice*, const Outcome*>> records;
        records.reserve(chosen.size() + left_out.size());
        for (std::size_t i = 0; i < chosen.size(); ++i) {
            records.emplace_back(chosen[i], &outcomes[i]);
        }
        for (std::size_t i = 0; i < left_out.size(); ++i) {
            left_out_outcomes[i].action = left_out[i].action;
            left_out_outcomes[i].detail = left_out[i].reason;
            records.emplace_back(left_out[i].inv, &left_out_outcomes[i]);
        }
        std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
            return a.first->line < b.first->line;
        });
        for (const auto& [inv_ptr, out_ptr] : records) {
            const Invoice& inv = *inv_ptr;
            const Outcome& o = *out_ptr;
            ++counts[o.action];
            rec.SetObject();
            rec.GetAllocator().Clear(); // memory stays flat however many records
            auto& a = rec.GetAllocator();
            rec.AddMember("number", json::str(inv.number, a), a);
            rec.AddMember("date", json::str(format_date(inv.date), a), a);
            rec.AddMember("customer", json::str(customer_name_of(inv), a), a);
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
                          o.voucher_number.empty() ? json::Value() : json::str(o.voucher_number, a),
                          a);
            rec.AddMember("status", o.status.empty() ? json::Value() : json::str(o.status, a), a);
            rec.AddMember("detail", o.detail.empty() ? json::Value() : json::str(o.detail, a), a);
            if (!o.method.empty()) {
                rec.AddMember("request", planned_request(o.method, o.url, o.body, a), a);
            }
            writer->write(rec);
        }
        writer->finish();
    }

    // The write-back file, the ledger's year modes and run, the summary and the exit code.
    void finish() {
        if (!opts.write_back.empty() && !opts.dry_run) {
            std::vector<const Invoice*> invs(chosen.begin(), chosen.end());
            write_back_file(write_back, mode, invs, outcomes);
        }

        long problems = 0;
        for (const auto& o : outcomes) {
            problems += o.problem ? 1 : 0;
        }
        if (!opts.dry_run) {
            for (std::size_t i = 0; i < chosen.size(); ++i) {
                const auto& a = outcomes[i].action;
                if (a == "created" || a == "exists" || a == "skipped" || a == "attached") {
                    ctx.state().set_cursor(
                        shared::year_mode_cursor(static_cast<int>(chosen[i]->date.year())), mode);
                }
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
        ctx.info(summary + left_out_note(left_out));
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
            for (std::size_t i = 0; i < chosen.size(); ++i) {
                if (outcomes[i].problem) {
                    rejected.push_back(chosen[i]->number.empty()
                                           ? fmt::format("line {}", chosen[i]->line)
                                           : chosen[i]->number);
                }
            }
            throw Error(ExitCode::partial,
                        fmt::format("{} of {} invoices not exported: {}", problems, chosen.size(),
                                    fmt::join(rejected, ", ")));
        }
    }
};

} // namespace

void run_export(const ExportOptions& opts, Context& ctx) {
    ExportRun(opts, ctx).run();
}

} // namespace lexsync::commands::invoices
