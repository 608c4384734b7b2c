#include "sandbox/vouchers.hpp"

#include "sandbox/contacts.hpp"
#include "sandbox/payments.hpp"
#include "sandbox/reference_data.hpp"
#include "sandbox/resource_util.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

namespace lexsync::sandbox::vouchers {

namespace {

constexpr const char* k_hidden_kind = "voucher-hidden-until";
constexpr const char* k_types[] = {"salesinvoice", "salescreditnote", "purchaseinvoice",
                                   "purchasecreditnote"};
constexpr std::int64_t k_rates[] = {0, 5, 7, 16, 19};
constexpr std::int64_t k_default_size = 25;
constexpr std::int64_t k_max_size = 250;

struct Category {
    std::string type; // income | outgo
    bool contact_required = false;
};

// The posting categories by id (from the served reference data).
const std::map<std::string, Category>& categories() {
    static const std::map<std::string, Category> map = [] {
        std::map<std::string, Category> m;
        JsonDocument d;
        parse_json(d, posting_categories_json());
        for (const auto& c : d.GetArray()) {
            m[member_string(c, "id")] = {member_string(c, "type"),
                                         c.HasMember("contactRequired") &&
                                             c["contactRequired"].GetBool()};
        }
        return m;
    }();
    return map;
}

bool is_sales(const std::string& type) {
    return type.rfind("sales", 0) == 0;
}

// A date written as yyyy-MM-dd (or, as read back from GET, a full timestamp), served as
// midnight Berlin time.
std::optional<std::string> voucher_date_text(const JsonValue& v) {
    if (!v.IsString()) {
        return std::nullopt;
    }
    const std::string_view s(v.GetString(), v.GetStringLength());
    if (const auto d = parse_date(s); d && storable_date(*d)) {
        return format_berlin(berlin::midnight(*d));
    }
    // [U] Clients that GET, change and PUT a voucher send the full timestamps back.
    if (const auto t = parse_timestamp(s)) {
        return format_berlin(berlin::midnight(berlin::local_date(*t)));
    }
    return std::nullopt;
}

// Builds the writable fields of a voucher from a request body.
class Normaliser {
public:
    Normaliser(Store& store, const std::string& org_id, const std::string& voucher_id,
               std::vector<Issue>& issues, JsonAllocator& a)
        : m_store(store), m_org(org_id), m_voucher(voucher_id), m_issues(issues), m_a(a) {}

    // Fills `out` (an object) in the service's field order; `status` is the resulting status.
    void run(const JsonValue& in, const std::string& status, JsonValue& out) {
        const bool unchecked = status == "unchecked";
        const std::string type = member_string(in, "type");
        if (!member(in, "type")) {
            issue("missing_entity", "type");
        } else if (std::none_of(std::begin(k_types), std::end(k_types),
                                [&](const char* t) { return type == t; })) {
            issue("invalid_value", "type");
        }
        read_number_and_dates(in, type, status, unchecked, out);
        const std::string tax_type = read_tax_type(in, unchecked);
        Items items = read_items(in, type, tax_type == "gross", unchecked);
        const JsonValue* in_items = member(in, "voucherItems");
        const auto total_gross = money(in, "totalGrossAmount", "totalGrossAmount", !unchecked);
        const auto total_tax = money(in, "totalTaxAmount", "totalTaxAmount", !unchecked);
        if (m_issues.empty() && in_items && !in_items->Empty()) {
            if (total_gross && *total_gross != items.sum_gross) {
                issue("invalid_total_amount", "totalGrossAmount");
            }
            if (total_tax && *total_tax != items.sum_tax) {
                issue("invalid_total_amount", "totalTaxAmount");
            }
        }
        out.AddMember("totalGrossAmount", decimal_value(total_gross.value_or(Decimal{}), m_a), m_a);
        out.AddMember("totalTaxAmount", decimal_value(total_tax.value_or(Decimal{}), m_a), m_a);
        out.AddMember("taxType", json_str(tax_type, m_a), m_a);

        read_contact(in, type, unchecked, items.contact_required, out);
        out.AddMember("voucherItems", items.items, m_a);
        read_files(in, out);
        total = total_gross.value_or(Decimal{});
    }

    std::vector<std::string> file_ids;
    Decimal total;

private:
    // The voucher items read from a request, with their sums.
    struct Items {
        JsonValue items{rapidjson::kArrayType};
        Decimal sum_gross{};
        Decimal sum_tax{};
        bool contact_required = false; // a posting category of an item needs a contact
    };

    // type and status, the voucher number and the dates.
    void read_number_and_dates(const JsonValue& in, const std::string& type,
                               const std::string& status, bool unchecked, JsonValue& out) {
        out.AddMember("type", json_str(type, m_a), m_a);
        out.AddMember("voucherStatus", json_str(status, m_a), m_a);

        const JsonValue* number = member(in, "voucherNumber");
        if (number && !number->IsString()) {
            issue("invalid_value", "voucherNumber");
        } else if ((!number || number->GetStringLength() == 0) && !unchecked) {
            issue("missing_entity", "voucherNumber");
        }
        if (number && number->IsString()) {
            out.AddMember("voucherNumber", json_str(member_string(in, "voucherNumber"), m_a), m_a);
        }
        std::optional<std::string> voucher_date;
        if (const JsonValue* d = member(in, "voucherDate")) {
            voucher_date = voucher_date_text(*d);
            if (!voucher_date) {
                issue("invalid_value", "voucherDate");
            }
        } else if (!unchecked) {
            issue("missing_entity", "voucherDate");
        }
        if (voucher_date) {
            out.AddMember("voucherDate", json_str(*voucher_date, m_a), m_a);
        }
        if (const JsonValue* d = member(in, "shippingDate")) {
            const auto text = voucher_date_text(*d);
            if (!text || (!is_sales(type) && !type.empty())) {
                issue("invalid_value", "shippingDate");
            } else {
                out.AddMember("shippingDate", json_str(*text, m_a), m_a);
            }
        }
        if (const JsonValue* d = member(in, "dueDate")) {
            const auto text = voucher_date_text(*d);
            if (!text) {
                issue("invalid_value", "dueDate");
            } else {
                out.AddMember("dueDate", json_str(*text, m_a), m_a);
            }
        } else if (voucher_date && !unchecked) {
            out.AddMember("dueDate", json_str(*voucher_date, m_a), m_a);
        }
    }

    // The tax type ("gross" when an unchecked voucher has none).
    std::string read_tax_type(const JsonValue& in, bool unchecked) {
        std::string tax_type = member_string(in, "taxType");
        if (!member(in, "taxType")) {
            if (!unchecked) {
                issue("missing_entity", "taxType");
            }
            tax_type = "gross";
        } else if (tax_type != "net" && tax_type != "gross") {
            issue("invalid_value", "taxType");
        } else if (tax_type == "net" && unchecked) {
            issue("invalid_value", "taxType"); // net + unchecked is forbidden
        }
        return tax_type;
    }

    Items read_items(const JsonValue& in, const std::string& type, bool gross, bool unchecked) {
        Items r;
        const JsonValue* in_items = member(in, "voucherItems");
        if (in_items && !in_items->IsArray()) {
            issue("invalid_value", "voucherItems");
        } else if ((!in_items || in_items->Empty()) && !unchecked) {
            issue("missing_entity", "voucherItems");
        } else if (in_items) {
            for (rapidjson::SizeType i = 0; i < in_items->Size(); ++i) {
                read_item((*in_items)[i], "voucherItems[" + std::to_string(i) + "]", type, gross,
                          r);
            }
        }
        return r;
    }

    // One voucher item `it` at field path `src`, added to `acc`.
    void read_item(const JsonValue& it, const std::string& src, const std::string& type, bool gross,
                   Items& acc) {
        if (!it.IsObject()) {
            issue("invalid_value", src);
            return;
        }
        const auto amount = money(it, "amount", src + ".amount");
        const auto tax = money(it, "taxAmount", src + ".taxAmount");
        std::optional<std::int64_t> rate;
        const JsonValue* r = member(it, "taxRatePercent");
        const auto rate_dec = r ? read_decimal(*r) : std::nullopt;
        if (!r) {
            issue("missing_entity", src + ".taxRatePercent");
        } else if (!rate_dec || rate_dec->rounded(0) != *rate_dec ||
                   std::none_of(std::begin(k_rates), std::end(k_rates),
                                [&](auto k) { return Decimal::from_int(k) == *rate_dec; })) {
            issue("invalid_value", src + ".taxRatePercent");
        } else {
            rate = rate_dec->units() / Decimal::k_scale;
        }
        const std::string category = ascii_lower(member_string(it, "categoryId"));
        if (!member(it, "categoryId")) {
            issue("missing_entity", src + ".categoryId");
        } else {
            const auto c = categories().find(category);
            const bool fits = c != categories().end() &&
                              (type.empty() || !is_type_valid(type) ||
                               c->second.type == (is_sales(type) ? "income" : "outgo"));
            if (!fits) {
                issue("invalid_value", src + ".categoryId");
            } else {
                acc.contact_required = acc.contact_required || c->second.contact_required;
            }
        }
        if (amount && tax && rate) {
            const Decimal rd = Decimal::from_int(*rate);
            const Decimal hundred = Decimal::from_int(100);
            const Decimal expected = gross ? (*amount * rd / (hundred + rd)).rounded(2)
                                           : (*amount * rd / hundred).rounded(2);
            const Decimal diff = expected - *tax;
            // [U] One cent of tolerance for clients that round differently.
            if (diff > Decimal::parse("0.01").value() || diff < Decimal::parse("-0.01").value()) {
                issue("invalid_taxamount", src + ".taxAmount");
            }
            acc.sum_gross += gross ? *amount : *amount + *tax;
            acc.sum_tax += *tax;
        }
        JsonValue o(rapidjson::kObjectType);
        if (amount) {
            o.AddMember("amount", decimal_value(*amount, m_a), m_a);
        }
        if (tax) {
            o.AddMember("taxAmount", decimal_value(*tax, m_a), m_a);
        }
        if (rate) {
            o.AddMember("taxRatePercent", *rate, m_a);
        }
        o.AddMember("categoryId", json_str(category, m_a), m_a);
        acc.items.PushBack(o, m_a);
    }

    // The contact (or the collective one), its name and the remark.
    void read_contact(const JsonValue& in, const std::string& type, bool unchecked,
                      bool contact_required, JsonValue& out) {
        bool collective = false;
        if (const JsonValue* c = member(in, "useCollectiveContact")) {
            if (!c->IsBool()) {
                issue("invalid_value", "useCollectiveContact");
            } else {
                collective = c->GetBool();
            }
        }
        std::string contact_id;
        std::string contact_name = member_string(in, "contactName");
        if (!collective) {
            const JsonValue* cid = member(in, "contactId");
            if (!cid) {
                if (!unchecked) {
                    issue("missing_entity", "contactId");
                } else {
                    collective = true;
                }
            } else {
                contact_id = ascii_lower(member_string(in, "contactId"));
                const auto stored = is_uuid(contact_id)
                                        ? m_store.get(m_org, contacts::k_kind, contact_id)
                                        : std::nullopt;
                JsonDocument contact;
                if (!stored || !parse_json(contact, stored->doc)) {
                    issue("invalid_value", "contactId");
                } else {
                    const JsonValue* roles = member(contact, "roles");
                    if (is_sales(type) && (!roles || !member(*roles, "customer"))) {
                        issue("invalid_value", "contactId");
                    }
                    contact_name = contact_display_name(contact);
                }
            }
        } else if (contact_required && !unchecked) {
            issue("missing_entity", "contactId");
        }
        if (collective && contact_name.empty()) {
            contact_name = is_sales(type) ? "Sammelkunde" : "Sammellieferant"; // [U]
        }
        out.AddMember("useCollectiveContact", collective, m_a);
        out.AddMember("contactId",
                      collective ? JsonValue(rapidjson::kNullType) : json_str(contact_id, m_a),
                      m_a);
        out.AddMember("contactName", json_str(contact_name, m_a), m_a);
        if (const JsonValue* r = member(in, "remark")) {
            if (!r->IsString()) {
                issue("invalid_value", "remark");
            } else {
                out.AddMember("remark", json_str(member_string(in, "remark"), m_a), m_a);
            }
        }
    }

    // Files: each must exist and belong to no other voucher.
    void read_files(const JsonValue& in, JsonValue& out) {
        JsonValue files(rapidjson::kArrayType);
        if (const JsonValue* f = member(in, "files")) {
            if (!f->IsArray()) {
                issue("invalid_value", "files");
            } else {
                std::set<std::string> seen;
                for (rapidjson::SizeType i = 0; i < f->Size(); ++i) {
                    const std::string src = "files[" + std::to_string(i) + "]";
                    const std::string id =
                        (*f)[i].IsString() ? ascii_lower((*f)[i].GetString()) : std::string();
                    const auto stored = is_uuid(id) ? m_store.get_file(m_org, id) : std::nullopt;
                    if (!stored ||
                        (!stored->voucher_id.empty() && stored->voucher_id != m_voucher) ||
                        !seen.insert(id).second) {
                        issue("invalid_value", src);
                        continue;
                    }
                    file_ids.push_back(id);
                    files.PushBack(json_str(id, m_a), m_a);
                }
            }
        }
        out.AddMember("files", files, m_a);
    }

    static bool is_type_valid(const std::string& type) {
        return std::any_of(std::begin(k_types), std::end(k_types),
                           [&](const char* t) { return type == t; });
    }

    void issue(const std::string& key, const std::string& source) {
        m_issues.push_back({key, source});
    }

    // An amount with at most 2 decimals ("##.00").
    std::optional<Decimal> money(const JsonValue& obj, const char* key, const std::string& src,
                                 bool required = true) {
        const JsonValue* v = member(obj, key);
        if (!v) {
            if (required) {
                issue("missing_entity", src);
            }
            return std::nullopt;
        }
        const auto d = v->IsNumber() ? read_decimal(*v) : std::nullopt;
        if (!d || d->rounded(2) != *d) {
            issue("invalid_value", src);
            return std::nullopt;
        }
        return d;
    }

    Store& m_store;
    const std::string& m_org;
    std::string m_voucher;
    std::vector<Issue>& m_issues;
    JsonAllocator& m_a;
};

// Assembles the stored voucher in the service's order.
std::string assemble(const std::string& id, const std::string& org_id, const JsonValue& fields,
                     const StoredResource& r) {
    JsonDocument d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("id", json_str(id, a), a);
    d.AddMember("organizationId", json_str(org_id, a), a);
    for (const auto& m : fields.GetObject()) {
        d.AddMember(JsonValue(m.name, a), JsonValue(m.value, a), a);
    }
    d.AddMember("createdDate", json_str(r.created, a), a);
    d.AddMember("updatedDate", json_str(r.updated, a), a);
    d.AddMember("version", r.version, a);
    return to_json(d);
}

std::optional<ApiResponse> parse_body(const ApiRequest& req, JsonDocument& in) {
    if (!parse_json(in, req.body) || !in.IsObject()) {
        // [U] The exact 400 body for unreadable JSON is not documented.
        return legacy_error(400, {{"bad_request_error", "request body"}},
                            "Request body is not a valid JSON object");
    }
    return std::nullopt;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

ApiResponse not_found(const ApiRequest& req) {
    return regular_error(404, req.path, "Voucher not found");
}

} // namespace

bool hidden(Store& store, const std::string& org_id, const std::string& id) {
    const auto r = store.get(org_id, k_hidden_kind, id);
    if (!r) {
        return false;
    }
    const auto until = parse_int(r->doc);
    return until && now_ms() < *until;
}

ApiResponse create(Store& store, const ApiRequest& req) {
    JsonDocument in;
    if (auto bad = parse_body(req, in)) {
        return *bad;
    }
    std::vector<Issue> issues;
    if (const JsonValue* v = member(in, "version")) {
        // Docs: 0 for POST, or "must be 1 if included"; both are accepted.
        if (!v->IsInt64() || (v->GetInt64() != 0 && v->GetInt64() != 1)) {
            issues.push_back({"invalid_value", "version"});
        }
    }
    std::string status = "open";
    if (const JsonValue* s = member(in, "voucherStatus")) {
        status = s->IsString() ? s->GetString() : "";
        if (status != "open" && status != "unchecked") {
            issues.push_back({"invalid_value", "voucherStatus"});
            status = "open";
        }
    }
    StoredResource r;
    r.id = new_uuid();
    JsonDocument scratch;
    JsonValue fields(rapidjson::kObjectType);
    Normaliser n(store, req.org_id, r.id, issues, scratch.GetAllocator());
    n.run(in, status, fields);
    if (!issues.empty()) {
        return legacy_error(406, issues);
    }
    sqlite::Transaction tx(store.db());
    r.version = 1;
    r.created = now_timestamp();
    r.updated = r.created;
    r.doc = assemble(r.id, req.org_id, fields, r);
    store.put(req.org_id, k_kind, r);
    for (const auto& fid : n.file_ids) {
        auto f = store.get_file(req.org_id, fid);
        f->voucher_id = r.id;
        store.put_file(req.org_id, *f);
    }
    if (status == "open") {
        payments::open(store, req.org_id, r.id, n.total);
    }
    tx.commit();
    store.emit(req.org_id, "voucher.created", r.id);
    // [U] SDK test suites saw 201 (one expected 200); clients should accept any 2xx.
    return action_result(201, req, "vouchers", r, true);
}

namespace {

// Money with two decimals, as the live API writes it (reference §14).
void format_amounts(JsonValue& voucher, JsonAllocator& a) {
    format_fixed(
        voucher,
        {"totalGrossAmount", "totalTaxAmount", "voucherItems[].amount", "voucherItems[].taxAmount"},
        2, a);
}

} // namespace

ApiResponse get(Store& store, const ApiRequest& req, const std::string& id) {
    const auto r = store.get(req.org_id, k_kind, id);
    if (!r || hidden(store, req.org_id, id)) {
        return not_found(req);
    }
    JsonDocument d;
    parse_json(d, r->doc);
    format_amounts(d, d.GetAllocator());
    return json_response(200, d);
}

ApiResponse update(Store& store, const ApiRequest& req, const std::string& id) {
    const auto existing = store.get(req.org_id, k_kind, id);
    if (!existing || hidden(store, req.org_id, id)) {
        return not_found(req);
    }
    JsonDocument in;
    if (auto bad = parse_body(req, in)) {
        return *bad;
    }
    const JsonValue* version = member(in, "version");
    if (!version) {
        return legacy_error(406, {{"missing_entity", "version"}});
    }
    if (!version->IsInt64()) {
        return legacy_error(406, {{"invalid_value", "version"}});
    }
    if (version->GetInt64() != existing->version) {
        // The documentation names 409 for a stale version of a voucher (only contacts were
        // measured answering 406), so vouchers follow the documentation.
        return legacy_error(409, {{"invalid_value", "version"}},
                            "The voucher was changed in the meantime (version conflict)");
    }
    JsonDocument old;
    parse_json(old, existing->doc);
    const std::string current = member_string(old, "voucherStatus");
    std::string status = current;
    std::vector<Issue> issues;
    if (const JsonValue* s = member(in, "voucherStatus")) {
        const std::string sent = s->IsString() ? s->GetString() : "";
        if (sent == "open" && current == "unchecked") {
            status = "open"; // the only allowed transition
        } else {
            // Read-only: echoing it, even unchanged, is refused (reference §5.3).
            issues.push_back({"invalid_value", "voucherStatus"});
        }
    }
    if (status != "open" && status != "unchecked") {
        // Paid, voided, … vouchers are no longer editable. [U]
        issues.push_back({"invalid_value", "voucherStatus"});
    }
    JsonDocument scratch;
    JsonValue fields(rapidjson::kObjectType);
    Normaliser n(store, req.org_id, id, issues, scratch.GetAllocator());
    n.run(in, status, fields);
    if (!issues.empty()) {
        return legacy_error(406, issues);
    }
    sqlite::Transaction tx(store.db());
    // Files omitted from the new list are deleted for good; new ones are assigned.
    if (const JsonValue* f = member(old, "files"); f && f->IsArray()) {
        for (const auto& fid : f->GetArray()) {
            const std::string old_id = fid.IsString() ? fid.GetString() : "";
            if (std::find(n.file_ids.begin(), n.file_ids.end(), old_id) == n.file_ids.end()) {
                store.delete_file(req.org_id, old_id);
            }
        }
    }
    for (const auto& fid : n.file_ids) {
        auto file = store.get_file(req.org_id, fid);
        file->voucher_id = id;
        store.put_file(req.org_id, *file);
    }
    StoredResource r = *existing;
    r.version += 1;
    r.updated = now_timestamp();
    r.doc = assemble(id, req.org_id, fields, r);
    store.put(req.org_id, k_kind, r);
    if (status == "open") {
        // [U] Without recorded payments the open amount follows the new total.
        const auto state = store.get(req.org_id, payments::k_state_kind, id);
        if (!state || state->doc.find("paymentItemType") == std::string::npos) {
            payments::open(store, req.org_id, id, n.total);
        }
    }
    tx.commit();
    store.emit(req.org_id, "voucher.changed", id);
    if (status != current) {
        store.emit(req.org_id, "voucher.status.changed", id);
    }
    return action_result(200, req, "vouchers", r, false);
}

ApiResponse find_by_number(Store& store, const ApiRequest& req) {
    const auto number = req.param("voucherNumber");
    if (!number) {
        return legacy_error(400, {{"missing_entity", "voucherNumber"}},
                            "voucherNumber parameter is required");
    }
    std::int64_t page = 0;
    std::int64_t size = k_default_size;
    if (const auto p = req.param("page")) {
        const auto v = parse_int(*p);
        if (!v || *v < 0) {
            return legacy_error(400, {{"invalid_value", "page"}}, "parameter 'page' is invalid");
        }
        page = *v;
    }
    if (const auto s = req.param("size")) {
        const auto v = parse_int(*s);
        if (!v || *v > k_max_size) {
            return legacy_error(400, {{"invalid_value", "size"}},
                                "parameter 'size' must be equal or lower than 250");
        }
        size = *v < 1 ? k_default_size : *v;
    }
    std::vector<StoredResource> hits;
    for (auto& r : store.list(req.org_id, k_kind)) {
        if (hidden(store, req.org_id, r.id)) {
            continue;
        }
        JsonDocument d;
        parse_json(d, r.doc);
        const std::string n = member_string(d, "voucherNumber");
        // Search strings arrive HTML-escaped (§4.4).
        if (!n.empty() && (*number == n || *number == html_escape(n))) {
            hits.push_back(std::move(r));
        }
    }
    const auto total = static_cast<std::int64_t>(hits.size());
    const std::int64_t begin = std::min(total, page * size);
    const std::int64_t end = std::min(total, begin + size);
    JsonDocument holder;
    auto& a = holder.GetAllocator();
    JsonValue content(rapidjson::kArrayType);
    for (std::int64_t i = begin; i < end; ++i) {
        JsonDocument item(&a);
        parse_json(item, hits[static_cast<std::size_t>(i)].doc);
        format_amounts(item, a);
        content.PushBack(item.Move(), a);
    }
    const JsonDocument d = page_envelope(content, a, page, size, total, nullptr, false);
    return json_response(200, d);
}

std::string create_for_upload(Store& store, const std::string& org_id, const std::string& file_id,
                              int visibility_delay_ms) {
    StoredResource r;
    r.id = new_uuid();
    r.version = 1;
    r.created = now_timestamp();
    r.updated = r.created;
    JsonDocument scratch;
    auto& a = scratch.GetAllocator();
    JsonValue fields(rapidjson::kObjectType);
    // [U] Without OCR the voucher stays empty: no number, date or amounts are recognised.
    fields.AddMember("type", "purchaseinvoice", a);
    fields.AddMember("voucherStatus", "unchecked", a);
    fields.AddMember("totalGrossAmount", decimal_value(Decimal{}, a), a);
    fields.AddMember("totalTaxAmount", decimal_value(Decimal{}, a), a);
    fields.AddMember("taxType", "gross", a);
    fields.AddMember("useCollectiveContact", true, a);
    fields.AddMember("contactId", JsonValue(rapidjson::kNullType), a);
    fields.AddMember("contactName", "Sammellieferant", a);
    fields.AddMember("voucherItems", JsonValue(rapidjson::kArrayType), a);
    JsonValue files(rapidjson::kArrayType);
    files.PushBack(json_str(file_id, a), a);
    fields.AddMember("files", files, a);
    r.doc = assemble(r.id, org_id, fields, r);
    store.put(org_id, k_kind, r);
    if (visibility_delay_ms > 0) {
        StoredResource h;
        h.id = r.id;
        h.version = 1;
        h.created = r.created;
        h.updated = r.created;
        h.doc = std::to_string(now_ms() + visibility_delay_ms);
        store.put(org_id, k_hidden_kind, h);
    }
    return r.id;
}

bool attach_file(Store& store, const std::string& org_id, const std::string& voucher_id,
                 const std::string& file_id) {
    auto r = store.get(org_id, k_kind, voucher_id);
    if (!r) {
        return false;
    }
    JsonDocument d;
    parse_json(d, r->doc);
    auto& a = d.GetAllocator();
    if (!d.HasMember("files") || !d["files"].IsArray()) {
        d.RemoveMember("files");
        d.AddMember("files", JsonValue(rapidjson::kArrayType), a);
    }
    d["files"].PushBack(json_str(file_id, a), a);
    r->version += 1;
    r->updated = now_timestamp();
    d["version"] = r->version;
    d["updatedDate"] = json_str(r->updated, a);
    r->doc = to_json(d);
    store.put(org_id, k_kind, *r);
    return true;
}

} // namespace lexsync::sandbox::vouchers
