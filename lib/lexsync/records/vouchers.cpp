#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/formats/csv.hpp>
#include <lexsync/formats/table_input.hpp>
#include <lexsync/records/vouchers.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/date.hpp>
#include <lexsync/util/strings.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <set>
#include <sstream>

namespace lexsync::vouchers {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void key(Writer& w, std::string_view k) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}

void string(Writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_items(Writer& w, const std::vector<VoucherItem>& items) {
    w.StartArray();
    for (const auto& it : items) {
        w.StartObject();
        key(w, "amount");
        json::write_decimal(w, it.amount.rounded(2));
        key(w, "taxAmount");
        json::write_decimal(w, it.tax_amount);
        key(w, "taxRatePercent");
        json::write_decimal(w, it.tax_rate);
        key(w, "categoryId");
        string(w, it.category_id);
        w.EndObject();
    }
    w.EndArray();
}

// The date part of a voucher date as read ("2023-06-30T00:00:00.000+02:00" → "2023-06-30").
std::string date_part(const json::Value& v) {
    if (!v.IsString()) {
        return {};
    }
    std::string s = v.GetString();
    return s.size() > 10 ? s.substr(0, 10) : s;
}

// An amount as typed: "119.00", "119,00", "1.234,56"; at most two decimals and above zero.
std::optional<Decimal> parse_amount(const std::string& text) {
    const bool comma = text.find(',') != std::string::npos;
    auto d = Decimal::parse(text, comma);
    if (!d || d->rounded(2) != *d || *d <= Decimal{}) {
        return std::nullopt;
    }
    return d;
}

std::optional<bool> parse_bool(const std::string& text) {
    const std::string t = ascii_lower(text);
    if (t == "true" || t == "yes" || t == "1" || t == "y" || t == "ja") {
        return true;
    }
    if (t == "false" || t == "no" || t == "0" || t == "n" || t == "nein") {
        return false;
    }
    return std::nullopt;
}

const std::set<std::string>& plain_columns() {
    static const std::set<std::string> cols = {"file",
                                               "voucher_number",
                                               "voucher_date",
                                               "due_date",
                                               "type",
                                               "amount",
                                               "net",
                                               "tax_rate",
                                               "category",
                                               "contact",
                                               "collective_contact",
                                               "contact_name",
                                               "remark"};
    return cols;
}

// Assigns the value of column `name` to `f`; false for an unknown column.
bool assign(VoucherFields& f, const std::string& name, std::string value) {
    if (name.rfind("gross_", 0) == 0 && name.size() > 6) {
        f.gross_by_rate[name.substr(6)] = std::move(value);
        return true;
    }
    if (name.rfind("net_", 0) == 0 && name.size() > 4) {
        f.net_by_rate[name.substr(4)] = std::move(value);
        return true;
    }
    std::string* slots[] = {&f.file,
                            &f.voucher_number,
                            &f.voucher_date,
                            &f.due_date,
                            &f.type,
                            &f.amount,
                            &f.net,
                            &f.tax_rate,
                            &f.category,
                            &f.contact,
                            &f.collective_contact,
                            &f.contact_name,
                            &f.remark};
    const char* names[] = {"file",
                           "voucher_number",
                           "voucher_date",
                           "due_date",
                           "type",
                           "amount",
                           "net",
                           "tax_rate",
                           "category",
                           "contact",
                           "collective_contact",
                           "contact_name",
                           "remark"};
    for (std::size_t i = 0; i < std::size(names); ++i) {
        if (name == names[i]) {
            *slots[i] = std::move(value);
            return true;
        }
    }
    return false;
}

bool known_column(const std::string& name) {
    return plain_columns().count(name) > 0 || (name.rfind("gross_", 0) == 0 && name.size() > 6) ||
           (name.rfind("net_", 0) == 0 && name.size() > 4);
}

// The text of a JSON scalar as a sidecar cell; nullopt for arrays, objects and null.
std::optional<std::string> cell_text(const json::Value& v) {
    if (v.IsString()) {
        return std::string(v.GetString(), v.GetStringLength());
    }
    if (v.IsNumber()) {
        return json::number_text(v);
    }
    if (v.IsBool()) {
        return std::string(v.GetBool() ? "true" : "false");
    }
    if (v.IsNull()) {
        return std::string();
    }
    return std::nullopt;
}

void check_duplicates(std::vector<VoucherInput>& rows, std::vector<InputIssue>& issues) {
    std::map<std::string, long> files;
    std::map<std::string, long> numbers;
    for (const auto& r : rows) {
        if (!r.file.empty()) {
            auto [it, inserted] = files.emplace(r.file, r.line);
            if (!inserted) {
                issues.push_back(InputIssue{r.source, r.line, "file",
                                            fmt::format("duplicate of line {}", it->second)});
            }
        }
        if (!r.voucher_number.empty()) {
            auto [it, inserted] =
                numbers.emplace(std::string(type_name(r.type)) + "\n" + r.voucher_number, r.line);
            if (!inserted) {
                issues.push_back(
                    InputIssue{r.source, r.line, "voucher_number",
                               fmt::format("{} {} is also on line {}", type_name(r.type),
                                           r.voucher_number, it->second)});
            }
        }
    }
}

} // namespace

std::optional<VoucherType> parse_type(std::string_view s) {
    for (auto t : {VoucherType::purchaseinvoice, VoucherType::purchasecreditnote,
                   VoucherType::salesinvoice, VoucherType::salescreditnote}) {
        if (s == type_name(t)) {
            return t;
        }
    }
    return std::nullopt;
}

const char* type_name(VoucherType t) {
    switch (t) {
    case VoucherType::purchaseinvoice:
        return "purchaseinvoice";
    case VoucherType::purchasecreditnote:
        return "purchasecreditnote";
    case VoucherType::salesinvoice:
        return "salesinvoice";
    case VoucherType::salescreditnote:
        return "salescreditnote";
    }
    return "?";
}

bool is_sales(VoucherType t) {
    return t == VoucherType::salesinvoice || t == VoucherType::salescreditnote;
}

const char* category_type_for(VoucherType t) {
    return is_sales(t) ? "income" : "outgo";
}

bool is_valid_tax_rate(Decimal rate) {
    for (int r : {0, 5, 7, 16, 19}) {
        if (rate == Decimal::from_int(r)) {
            return true;
        }
    }
    return false;
}

const char* tax_type_name(TaxType t) {
    return t == TaxType::gross ? "gross" : "net";
}

Result<PostingCategories, std::string> PostingCategories::from_json(const json::Value& array) {
    if (!array.IsArray()) {
        return unexpected(std::string("posting categories: expected a JSON array"));
    }
    std::vector<PostingCategory> items;
    for (const auto& c : array.GetArray()) {
        PostingCategory p;
        p.id = json::get_string(c, "id").value_or("");
        p.name = json::get_string(c, "name").value_or("");
        p.type = json::get_string(c, "type").value_or("");
        p.group_name = json::get_string(c, "groupName").value_or("");
        p.contact_required = json::get_bool(c, "contactRequired").value_or(false);
        p.split_allowed = json::get_bool(c, "splitAllowed").value_or(false);
        if (p.id.empty()) {
            return unexpected(std::string("posting categories: an entry without id"));
        }
        items.push_back(std::move(p));
    }
    return PostingCategories(std::move(items));
}

const PostingCategory* PostingCategories::by_id(std::string_view id) const {
    const std::string want = ascii_lower(id);
    for (const auto& c : m_items) {
        if (ascii_lower(c.id) == want) {
            return &c;
        }
    }
    return nullptr;
}

Result<const PostingCategory*, std::string>
PostingCategories::find(std::string_view name_or_id) const {
    if (const auto* c = by_id(name_or_id)) {
        return c;
    }
    std::vector<const PostingCategory*> exact, folded;
    const std::string want = ascii_lower(trim(name_or_id));
    for (const auto& c : m_items) {
        if (c.name == name_or_id) {
            exact.push_back(&c);
        } else if (ascii_lower(c.name) == want) {
            folded.push_back(&c);
        }
    }
    const auto& hits = exact.empty() ? folded : exact;
    if (hits.size() == 1) {
        return hits.front();
    }
    if (hits.empty()) {
        return unexpected(fmt::format("no posting category named '{}' (see GET "
                                      "/v1/posting-categories; give the name or the id)",
                                      name_or_id));
    }
    std::vector<std::string> ids;
    for (const auto* c : hits) {
        ids.push_back(fmt::format("{} ({}, {})", c->id, c->group_name, c->type));
    }
    return unexpected(fmt::format("'{}' names {} posting categories, give the id: {}", name_or_id,
                                  hits.size(), fmt::join(ids, ", ")));
}

Result<const PostingCategory*, std::string> PostingCategories::resolve(std::string_view name_or_id,
                                                                       VoucherType type) const {
    auto c = find(name_or_id);
    if (!c) {
        return c;
    }
    const std::string want = category_type_for(type);
    if ((*c)->type != want) {
        return unexpected(fmt::format("posting category '{}' is for {} vouchers, a {} needs an {} "
                                      "category",
                                      (*c)->name, (*c)->type == "income" ? "sales" : "purchase",
                                      type_name(type), want));
    }
    return c;
}

Result<PostingCategories, ApiError> fetch_posting_categories(ApiClient& client) {
    auto doc = client.get_json("/v1/posting-categories");
    if (!doc) {
        return unexpected(std::move(doc).error());
    }
    auto cats = PostingCategories::from_json(*doc);
    if (!cats) {
        ApiError e;
        e.kind = ApiError::Kind::protocol;
        e.message = cats.error();
        return unexpected(std::move(e));
    }
    return std::move(cats).value();
}

Decimal tax_of(Decimal amount, Decimal rate, TaxType tax_type) {
    const Decimal hundred = Decimal::from_int(100);
    if (rate == Decimal{}) {
        return Decimal{};
    }
    return tax_type == TaxType::gross ? (amount * rate / (hundred + rate)).rounded(2)
                                      : (amount * rate / hundred).rounded(2);
}

std::vector<VoucherItem> group_items(const std::vector<TaxAmount>& amounts, TaxType tax_type,
                                     const std::string& category_id,
                                     const std::map<std::string, std::string>& category_ids) {
    std::vector<std::string> order; // category ids in the order given
    std::map<Decimal, std::map<std::size_t, Decimal>, std::greater<>> by_rate;
    for (const auto& a : amounts) {
        std::string id = category_id;
        if (!a.category.empty()) {
            if (auto it = category_ids.find(a.category); it != category_ids.end()) {
                id = it->second;
            }
        }
        auto pos = std::find(order.begin(), order.end(), id);
        if (pos == order.end()) {
            pos = order.insert(order.end(), id);
        }
        by_rate[a.rate][static_cast<std::size_t>(pos - order.begin())] += a.amount;
    }
    std::vector<VoucherItem> items;
    for (const auto& [rate, by_category] : by_rate) {
        for (const auto& [index, amount] : by_category) {
            items.push_back(
                VoucherItem{amount, tax_of(amount, rate, tax_type), rate, order[index]});
        }
    }
    return items;
}

Decimal VoucherDraft::total_gross() const {
    Decimal sum;
    for (const auto& it : items) {
        sum += tax_type == TaxType::gross ? it.amount : it.amount + it.tax_amount;
    }
    return sum;
}

Decimal VoucherDraft::total_tax() const {
    Decimal sum;
    for (const auto& it : items) {
        sum += it.tax_amount;
    }
    return sum;
}

std::string voucher_body(const VoucherDraft& v) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    key(w, "type");
    string(w, type_name(v.type));
    key(w, "voucherStatus");
    string(w, "open");
    key(w, "voucherNumber");
    string(w, v.voucher_number);
    key(w, "voucherDate");
    string(w, v.voucher_date);
    if (!v.due_date.empty()) {
        key(w, "dueDate");
        string(w, v.due_date);
    }
    key(w, "totalGrossAmount");
    json::write_decimal(w, v.total_gross());
    key(w, "totalTaxAmount");
    json::write_decimal(w, v.total_tax());
    key(w, "taxType");
    string(w, tax_type_name(v.tax_type));
    key(w, "useCollectiveContact");
    w.Bool(v.contact_id.empty());
    if (!v.contact_id.empty()) {
        key(w, "contactId");
        string(w, v.contact_id);
    } else if (!v.contact_name.empty()) {
        key(w, "contactName");
        string(w, v.contact_name);
    }
    if (!v.remark.empty()) {
        key(w, "remark");
        string(w, v.remark);
    }
    key(w, "voucherItems");
    write_items(w, v.items);
    key(w, "files");
    w.StartArray();
    for (const auto& f : v.file_ids) {
        string(w, f);
    }
    w.EndArray();
    w.EndObject();
    return buf.GetString();
}

std::string update_body(const json::Value& current, const VoucherChange& change) {
    json::Document merged;
    merged.CopyFrom(current, merged.GetAllocator());
    auto& a = merged.GetAllocator();
    if (!merged.IsObject()) {
        merged.SetObject();
    }
    const VoucherDraft* d = change.data;
    if (d) {
        if (!d->voucher_number.empty()) {
            json::set(merged, "voucherNumber", json::str(d->voucher_number, a), a);
        }
        if (!d->voucher_date.empty()) {
            json::set(merged, "voucherDate", json::str(d->voucher_date, a), a);
        }
        if (!d->due_date.empty()) {
            json::set(merged, "dueDate", json::str(d->due_date, a), a);
        }
        json::set(merged, "type", json::str(type_name(d->type), a), a);
        if (!d->remark.empty()) {
            json::set(merged, "remark", json::str(d->remark, a), a);
        }
        if (!d->contact_id.empty()) {
            json::set(merged, "contactId", json::str(d->contact_id, a), a);
            json::set(merged, "useCollectiveContact", json::Value(false), a);
        } else if (!d->items.empty()) {
            json::set(merged, "useCollectiveContact", json::Value(true), a);
            merged.RemoveMember("contactId");
            if (!d->contact_name.empty()) {
                json::set(merged, "contactName", json::str(d->contact_name, a), a);
            }
        }
    }
    if (change.category_id) {
        if (auto items = merged.FindMember("voucherItems");
            items != merged.MemberEnd() && items->value.IsArray()) {
            for (auto& it : items->value.GetArray()) {
                if (it.IsObject()) {
                    json::set(it, "categoryId", json::str(*change.category_id, a), a);
                }
            }
        }
    }
    for (const char* k : {"voucherDate", "shippingDate", "dueDate"}) {
        if (auto it = merged.FindMember(k); it != merged.MemberEnd()) {
            if (it->value.IsString()) {
                it->value = json::str(date_part(it->value), a);
            }
        }
    }
    // Read-only fields: lexoffice refuses an echoed voucherStatus (except unchecked → open) and
    // ignores the rest; one measured client drops them all (API reference 9.8).
    for (const char* k : {"organizationId", "createdDate", "updatedDate"}) {
        merged.RemoveMember(k);
    }
    if (!merged.HasMember("files")) {
        merged.AddMember("files", json::Value(rapidjson::kArrayType), a);
    }
    const bool replace_items = d && !d->items.empty();
    const bool was_unchecked =
        json::get_string(current, "voucherStatus").value_or("") == "unchecked";
    const auto* items_after = json::find(merged, "voucherItems");
    const bool has_items =
        replace_items || (items_after && items_after->IsArray() && !items_after->Empty());
    const bool completes = was_unchecked && has_items &&
                           !json::get_string(merged, "voucherNumber").value_or("").empty() &&
                           !json::get_string(merged, "voucherDate").value_or("").empty();
    merged.RemoveMember("voucherStatus");

    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    for (auto& m : merged.GetObject()) {
        const std::string_view name(m.name.GetString(), m.name.GetStringLength());
        if (replace_items && (name == "voucherItems" || name == "totalGrossAmount" ||
                              name == "totalTaxAmount" || name == "taxType")) {
            continue;
        }
        key(w, name);
        m.value.Accept(w);
    }
    if (replace_items) {
        key(w, "voucherItems");
        write_items(w, d->items);
        key(w, "totalGrossAmount");
        json::write_decimal(w, d->total_gross());
        key(w, "totalTaxAmount");
        json::write_decimal(w, d->total_tax());
        key(w, "taxType");
        string(w, tax_type_name(d->tax_type));
    }
    if (completes) {
        key(w, "voucherStatus");
        string(w, "open");
    }
    w.EndObject();
    return buf.GetString();
}

std::vector<std::string> category_ids(const json::Value& voucher) {
    std::vector<std::string> out;
    const auto* items = json::find(voucher, "voucherItems");
    if (!items || !items->IsArray()) {
        return out;
    }
    for (const auto& it : items->GetArray()) {
        auto id = json::get_string(it, "categoryId");
        if (id && std::find(out.begin(), out.end(), ascii_lower(*id)) == out.end()) {
            out.push_back(ascii_lower(*id));
        }
    }
    return out;
}

Result<std::vector<json::Document>, ApiError> find_by_number(ApiClient& client,
                                                             const std::string& number) {
    std::vector<json::Document> found;
    PageIterator pages(client, "/v1/vouchers", {{"voucherNumber", search_term(number)}}, 250);
    const std::string escaped = search_term(number);
    auto n = pages.for_each([&](const json::Value& v) {
        const auto got = json::get_string(v, "voucherNumber").value_or("");
        // The filter is documented as an exact match; compare anyway, in both spellings.
        if (got == number || got == escaped) {
            json::Document copy;
            copy.CopyFrom(v, copy.GetAllocator());
            found.push_back(std::move(copy));
        }
    });
    if (!n) {
        return unexpected(std::move(n).error());
    }
    return found;
}

Result<std::vector<ListedVoucher>, ApiError> list_vouchers(ApiClient& client,
                                                           const VoucherListQuery& query) {
    Query q = {{"voucherType", query.types}, {"voucherStatus", query.statuses}};
    if (!query.voucher_date_from.empty()) {
        q.emplace_back("voucherDateFrom", query.voucher_date_from);
    }
    if (!query.voucher_date_to.empty()) {
        q.emplace_back("voucherDateTo", query.voucher_date_to);
    }
    if (!query.created_date_from.empty()) {
        q.emplace_back("createdDateFrom", query.created_date_from);
    }
    std::vector<ListedVoucher> out;
    PageIterator pages(client, "/v1/voucherlist", q, 250);
    auto n = pages.for_each([&](const json::Value& row) {
        ListedVoucher v;
        v.id = json::get_string(row, "id").value_or("");
        v.type = json::get_string(row, "voucherType").value_or("");
        v.status = json::get_string(row, "voucherStatus").value_or("");
        v.number = json::get_string(row, "voucherNumber").value_or("");
        if (!v.id.empty()) {
            out.push_back(std::move(v));
        }
    });
    if (!n) {
        return unexpected(std::move(n).error());
    }
    return out;
}

NumberIndex::NumberIndex(const std::vector<ListedVoucher>& listed) {
    for (const auto& v : listed) {
        if (!v.number.empty()) {
            m_by_number.emplace(v.number, std::make_pair(v.type, v.id));
        }
    }
}

std::vector<std::string> NumberIndex::find(const std::string& number, VoucherType type) const {
    std::vector<std::string> ids;
    const std::string escaped = search_term(number);
    for (const auto& key : {number, escaped}) {
        auto [first, last] = m_by_number.equal_range(key);
        for (auto it = first; it != last; ++it) {
            if (it->second.first == type_name(type) &&
                std::find(ids.begin(), ids.end(), it->second.second) == ids.end()) {
                ids.push_back(it->second.second);
            }
        }
        if (escaped == number) {
            break;
        }
    }
    return ids;
}

void NumberIndex::add(const std::string& number, VoucherType type, const std::string& id) {
    m_by_number.emplace(number, std::make_pair(std::string(type_name(type)), id));
}

Result<std::vector<VoucherFile>, ApiError> hash_voucher_files(ApiClient& client, Clock& clock,
                                                              const std::string& voucher_id) {
    auto v = get_voucher(client, clock, voucher_id);
    if (!v) {
        return unexpected(std::move(v).error());
    }
    std::vector<VoucherFile> out;
    const auto* files = json::find(*v, "files");
    if (!files || !files->IsArray()) {
        return out;
    }
    for (const auto& f : files->GetArray()) {
        if (!f.IsString()) {
            continue;
        }
        const std::string file_id = f.GetString();
        auto body = client.get_raw("/v1/files/" + url_encode(file_id), "*/*");
        if (!body) {
            return unexpected(std::move(body).error());
        }
        out.push_back(VoucherFile{voucher_id, file_id, sha256_hex(body->body)});
    }
    return out;
}

Result<json::Document, ApiError> get_voucher(ApiClient& client, Clock& clock, const std::string& id,
                                             int attempts) {
    std::chrono::milliseconds wait{1000};
    for (int i = 1;; ++i) {
        auto doc = client.get_json("/v1/vouchers/" + id);
        const bool empty = doc && (!doc->IsObject() || doc->ObjectEmpty());
        const bool missing = !doc && doc.error().kind == ApiError::Kind::not_found;
        if ((!empty && !missing) || i >= attempts) {
            if (empty) {
                ApiError e;
                e.kind = ApiError::Kind::not_found;
                e.status = 200;
                e.message = "voucher " + id + " answered an empty body";
                return unexpected(std::move(e));
            }
            return doc;
        }
        clock.sleep_for(wait);
        wait *= 2;
    }
}

std::vector<http::FormPart> inbox_parts(const std::string& filename, std::string content,
                                        const std::string& content_type) {
    std::vector<http::FormPart> parts;
    parts.push_back(http::FormPart{"file", std::move(content), filename, content_type});
    parts.push_back(http::FormPart{"type", "voucher", "", ""});
    return parts;
}

std::vector<http::FormPart> attach_parts(const std::string& filename, std::string content,
                                         const std::string& content_type) {
    std::vector<http::FormPart> parts;
    parts.push_back(http::FormPart{"file", std::move(content), filename, content_type});
    return parts;
}

Result<InboxUpload, ApiError> upload_to_inbox(ApiClient& client, const std::string& filename,
                                              std::string content,
                                              const std::string& content_type) {
    auto doc =
        client.post_form("/v1/files", inbox_parts(filename, std::move(content), content_type));
    if (!doc) {
        return unexpected(std::move(doc).error());
    }
    InboxUpload up;
    up.file_id = json::get_string(*doc, "id").value_or("");
    up.voucher_id = json::get_string(*doc, "voucherId").value_or("");
    return up;
}

Result<std::string, ApiError> attach_file(ApiClient& client, const std::string& voucher_id,
                                          const std::string& filename, std::string content,
                                          const std::string& content_type) {
    auto doc = client.post_form("/v1/vouchers/" + voucher_id + "/files",
                                attach_parts(filename, std::move(content), content_type));
    if (!doc) {
        return unexpected(std::move(doc).error());
    }
    return json::get_string(*doc, "id").value_or("");
}

// ---------------------------------------------------------------------------------------------

std::vector<std::string> VoucherInput::other_categories() const {
    std::vector<std::string> out;
    for (const auto& a : amounts) {
        if (!a.category.empty() && a.category != category &&
            std::find(out.begin(), out.end(), a.category) == out.end()) {
            out.push_back(a.category);
        }
    }
    return out;
}

VoucherDraft VoucherInput::draft(const std::string& category_id,
                                 const std::map<std::string, std::string>& category_ids) const {
    VoucherDraft d;
    d.type = type;
    d.voucher_number = voucher_number;
    d.voucher_date = voucher_date;
    d.due_date = due_date;
    d.tax_type = tax_type;
    d.items = group_items(amounts, tax_type, category_id, category_ids);
    d.contact_id = contact_id;
    d.contact_name = contact_name;
    d.remark = remark;
    return d;
}

std::vector<InputIssue> parse_fields(const VoucherFields& f, const std::string& source, long line,
                                     VoucherInput& out) {
    std::vector<InputIssue> issues;
    auto issue = [&](const std::string& field, const std::string& message) {
        issues.push_back(InputIssue{source, line, field, message});
    };
    out.source = source;
    out.line = line;
    out.file = trim(f.file);
    out.voucher_number = trim(f.voucher_number);
    if (out.voucher_number.empty()) {
        issue("voucher_number", "missing (mandatory with bookkeeping data)");
    }
    if (const std::string t = trim(f.type); !t.empty()) {
        if (auto vt = parse_type(ascii_lower(t))) {
            out.type = *vt;
        } else {
            issue("type", fmt::format("'{}' is not purchaseinvoice, purchasecreditnote, "
                                      "salesinvoice or salescreditnote",
                                      t));
        }
    }
    // Dates as a person writes them (2026-03-02 or 02.03.2026), kept as yyyy-MM-dd for the API.
    auto read_date = [&](const char* field, const std::string& text) -> std::string {
        if (text.empty()) {
            return {};
        }
        auto d = parse_date(text);
        if (!d) {
            issue(field, d.error());
            return {};
        }
        return format_date(*d);
    };
    out.voucher_date = read_date("voucher_date", trim(f.voucher_date));
    out.due_date = read_date("due_date", trim(f.due_date));
    if (!out.due_date.empty() && !out.voucher_date.empty() && out.due_date < out.voucher_date) {
        issue("due_date", "before the voucher date");
    }

    // Amounts: gross or net, either one amount with tax_rate or columns per rate.
    const std::string amount = trim(f.amount);
    const std::string net = trim(f.net);
    const std::string rate_text = trim(f.tax_rate);
    auto nonempty = [](const std::map<std::string, std::string>& m) {
        return std::any_of(m.begin(), m.end(),
                           [](const auto& kv) { return !trim(kv.second).empty(); });
    };
    const bool gross_given = !amount.empty() || nonempty(f.gross_by_rate);
    const bool net_given = !net.empty() || nonempty(f.net_by_rate);
    if (gross_given && net_given) {
        issue("net", "give gross or net amounts, not both");
    }
    out.tax_type = net_given && !gross_given ? TaxType::net : TaxType::gross;
    auto read_rate = [&](const std::string& text, const std::string& field) {
        const auto r = Decimal::parse(text, text.find(',') != std::string::npos);
        if (!r || !is_valid_tax_rate(*r)) {
            issue(field, fmt::format("'{}' is not a tax rate bookkeeping vouchers accept (0, 5, 7, "
                                     "16, 19)",
                                     text));
            return std::optional<Decimal>();
        }
        return r;
    };
    auto read_amount = [&](const std::string& text, const std::string& field) {
        auto d = parse_amount(text);
        if (!d) {
            issue(field,
                  fmt::format("'{}' is not an amount above zero with at most two decimals", text));
        }
        return d;
    };
    const std::string& single = net_given && !gross_given ? net : amount;
    const char* single_field = net_given && !gross_given ? "net" : "amount";
    std::optional<Decimal> rate;
    if (!rate_text.empty()) {
        rate = read_rate(rate_text, "tax_rate");
    }
    if (!single.empty()) {
        if (rate_text.empty()) {
            issue("tax_rate", "missing (mandatory with an amount)");
        }
        const auto d = read_amount(single, single_field);
        if (d && rate) {
            out.amounts.push_back(TaxAmount{*rate, *d});
        }
    } else if (!rate_text.empty() && !nonempty(f.gross_by_rate) && !nonempty(f.net_by_rate)) {
        issue("amount", "missing (a tax rate needs an amount or a net amount)");
    }
    for (const auto* m : {&f.gross_by_rate, &f.net_by_rate}) {
        const char* prefix = m == &f.gross_by_rate ? "gross_" : "net_";
        for (const auto& [r, text] : *m) {
            const std::string t = trim(text);
            if (t.empty()) {
                continue;
            }
            const auto rr = read_rate(r, prefix + r);
            const auto d = read_amount(t, prefix + r);
            if (rr && d) {
                out.amounts.push_back(TaxAmount{*rr, *d});
            }
        }
    }
    if ((gross_given || net_given) && trim(f.voucher_date).empty()) {
        issue("voucher_date", "missing (needed to create the voucher)");
    }

    out.category = trim(f.category);
    if (out.category.empty()) {
        issue("category", "missing (mandatory with bookkeeping data)");
    }
    out.contact_id = ascii_lower(trim(f.contact));
    bool collective = out.contact_id.empty();
    if (const std::string c = trim(f.collective_contact); !c.empty()) {
        if (auto b = parse_bool(c)) {
            if (*b && !out.contact_id.empty()) {
                issue("collective_contact", "give a contact or the collective contact, not both");
            }
            if (!*b && out.contact_id.empty()) {
                issue("contact", "missing (collective_contact is false)");
            }
            collective = *b;
        } else {
            issue("collective_contact", fmt::format("'{}' is not true or false", c));
        }
    }
    if (!out.contact_id.empty() && !is_uuid(out.contact_id)) {
        issue("contact", fmt::format("'{}' is not a contact id (UUID)", out.contact_id));
    }
    out.contact_name = trim(f.contact_name);
    if (!out.contact_name.empty() && !collective) {
        issue("contact_name", "only for the collective contact");
    }
    out.remark = trim(f.remark);
    return issues;
}

namespace {

// Gathers the rows of a sidecar into vouchers: a row starts a voucher, or adds an item to the
// voucher of an earlier row with the same file (or, without a file, the same type and number).
// Issues are kept in the order they are found.
class SidecarRows {
public:
    explicit SidecarRows(std::string file) : name(std::move(file)) {}

    const std::string name;
    std::vector<InputIssue> issues;
    std::vector<VoucherInput> rows;

    // Adds the row at `line`, as a new voucher or as a further item of an earlier one.
    void add(VoucherFields f, long line) {
        if (auto group = group_of(f)) {
            add_item(std::move(f), firsts[*group], line);
        } else {
            start_voucher(f, line);
        }
    }

private:
    // The first row of each voucher as given, to complete and check the rows that add items.
    struct First {
        std::size_t index; // into rows
        VoucherFields fields;
    };
    std::map<std::string, std::size_t> by_file;   // file → index into firsts
    std::map<std::string, std::size_t> by_number; // type + number → index into firsts
    std::vector<First> firsts;

    // The key of a voucher by type (purchase invoice when not given) and number.
    static std::string number_key(const VoucherFields& f) {
        const std::string t = ascii_lower(trim(f.type));
        return (t.empty() ? std::string("purchaseinvoice") : t) + "\n" + trim(f.voucher_number);
    }

    // The earlier voucher a row belongs to, by its file or else by its type and number.
    std::optional<std::size_t> group_of(const VoucherFields& f) const {
        const std::string file = trim(f.file);
        if (!file.empty()) {
            if (auto it = by_file.find(file); it != by_file.end()) {
                return it->second;
            }
        } else if (!trim(f.voucher_number).empty()) {
            if (auto it = by_number.find(number_key(f)); it != by_number.end()) {
                return it->second;
            }
        }
        return std::nullopt;
    }

    // Reads a row that starts a voucher and remembers it by file and by type and number.
    void start_voucher(const VoucherFields& f, long line) {
        VoucherInput in;
        auto found = parse_fields(f, name, line, in);
        if (in.file.empty()) {
            found.insert(found.begin(), InputIssue{name, line, "file", "missing"});
        }
        issues.insert(issues.end(), found.begin(), found.end());
        in.lines.push_back(line);
        firsts.push_back(First{rows.size(), f});
        const std::string file = trim(f.file);
        if (!file.empty()) {
            by_file.emplace(file, firsts.size() - 1);
        }
        if (!trim(f.voucher_number).empty()) {
            by_number.emplace(number_key(f), firsts.size() - 1);
        }
        rows.push_back(std::move(in));
    }

    // Fills the voucher fields a further row leaves empty from the voucher's first row and
    // reports those it gives differently.
    void complete_from_first(VoucherFields& f, const First& first, long line, long first_line) {
        std::pair<std::string*, const std::string*> common[] = {
            {&f.file, &first.fields.file},
            {&f.voucher_number, &first.fields.voucher_number},
            {&f.voucher_date, &first.fields.voucher_date},
            {&f.due_date, &first.fields.due_date},
            {&f.type, &first.fields.type},
            {&f.contact, &first.fields.contact},
            {&f.collective_contact, &first.fields.collective_contact},
            {&f.contact_name, &first.fields.contact_name},
            {&f.remark, &first.fields.remark}};
        const char* names[] = {"file",    "voucher_number",     "voucher_date", "due_date", "type",
                               "contact", "collective_contact", "contact_name", "remark"};
        for (std::size_t i = 0; i < std::size(common); ++i) {
            auto& [mine, theirs] = common[i];
            if (trim(*mine).empty()) {
                *mine = *theirs;
            } else if (trim(*mine) != trim(*theirs)) {
                issues.push_back(
                    InputIssue{name, line, names[i],
                               fmt::format("'{}' differs from '{}' on line {} of the same voucher",
                                           trim(*mine), trim(*theirs), first_line)});
            }
        }
    }

    // Reads a further row of an earlier row's voucher and adds its amounts to that voucher; the
    // voucher's fields come from its first row.
    void add_item(VoucherFields f, const First& first, long line) {
        VoucherInput& target = rows[first.index];
        const long first_line = target.line;
        complete_from_first(f, first, line, first_line);
        VoucherInput in;
        auto found = parse_fields(f, name, line, in);
        issues.insert(issues.end(), found.begin(), found.end());
        if (in.amounts.empty() && found.empty()) {
            issues.push_back(InputIssue{name, line, "amount",
                                        "missing (a further row of a voucher adds an amount)"});
        }
        if (!target.amounts.empty() && !in.amounts.empty() && in.tax_type != target.tax_type) {
            issues.push_back(InputIssue{name, line, "net",
                                        fmt::format("gross and net amounts in one voucher (line "
                                                    "{} gives {})",
                                                    first_line, tax_type_name(target.tax_type))});
        }
        if (target.amounts.empty()) {
            target.tax_type = in.tax_type;
        }
        for (auto& a : target.amounts) {
            if (a.category.empty()) {
                a.category = target.category;
                a.line = target.line;
            }
        }
        for (auto& a : in.amounts) {
            a.category = in.category;
            a.line = line;
            target.amounts.push_back(a);
        }
        target.lines.push_back(line);
    }
};

// The fields of one object of a JSON sidecar; "gross" and "net" may be objects by tax rate.
VoucherFields object_fields(const json::Value& obj, SidecarRows& out, long line) {
    VoucherFields f;
    for (const auto& m : obj.GetObject()) {
        const std::string k(m.name.GetString(), m.name.GetStringLength());
        if ((k == "gross" || k == "net") && m.value.IsObject()) {
            for (const auto& r : m.value.GetObject()) {
                const auto t = cell_text(r.value);
                (k == "gross" ? f.gross_by_rate : f.net_by_rate)[r.name.GetString()] =
                    t.value_or("?");
            }
            continue;
        }
        const auto t = cell_text(m.value);
        if (!t) {
            out.issues.push_back(InputIssue{out.name, line, k, "expected a string or a number"});
            continue;
        }
        if (!assign(f, k, *t)) {
            out.issues.push_back(InputIssue{out.name, line, k, "unknown field"});
        }
    }
    return f;
}

// Reads the objects of a JSON sidecar (an array of objects) into `out`; false when the file is not
// such an array, with the reason in out.issues.
bool read_json_rows(const std::filesystem::path& path, SidecarRows& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        out.issues.push_back(InputIssue{out.name, 0, "", "cannot be read"});
        return false;
    }
    std::ostringstream s;
    s << in.rdbuf();
    const std::string text = s.str();
    auto doc = json::parse(text);
    if (!doc) {
        out.issues.push_back(InputIssue{out.name, 0, "", "not valid JSON: " + doc.error()});
        return false;
    }
    if (!doc->IsArray()) {
        out.issues.push_back(InputIssue{out.name, 1, "", "expected an array of objects"});
        return false;
    }
    const auto lines = json::array_object_lines(text);
    rapidjson::SizeType i = 0;
    for (const auto& obj : doc->GetArray()) {
        const long line = i < lines.size() ? lines[i] : 0;
        ++i;
        if (!obj.IsObject()) {
            out.issues.push_back(InputIssue{out.name, line, "", "expected an object"});
            continue;
        }
        out.add(object_fields(obj, out, line), line);
    }
    return true;
}

// Checks the header of a CSV sidecar: every column known, the required ones present.
void check_header(const csv::Reader& reader, SidecarRows& out) {
    for (const auto& h : reader.header()) {
        if (!known_column(h)) {
            out.issues.push_back(InputIssue{out.name, 1, h, "unknown column"});
        }
    }
    for (const char* required : {"file", "voucher_number", "category"}) {
        if (!reader.column(required)) {
            out.issues.push_back(InputIssue{out.name, 1, required, "missing column"});
        }
    }
}

// Reads the records of a CSV sidecar into `out`; false when the file cannot be read or its header
// or a record is wrong, with the reasons in out.issues.
bool read_csv_rows(const std::filesystem::path& path, SidecarRows& out) {
    // Spreadsheets save the sidecar as UTF-8 or Windows-1252: the shared input layer reads either.
    std::istringstream none;
    auto text = table::load(path.string(), table::Encoding::detect, none);
    if (!text) {
        out.issues.push_back(
            InputIssue{out.name, text.error().line, "", text.error().message, text.error().column});
        return false;
    }
    csv::Reader reader(text->text, out.name);
    csv::Record rec;
    bool header_checked = false;
    for (;;) {
        auto more = reader.next(rec);
        if (!header_checked && !reader.header().empty()) {
            header_checked = true;
            check_header(reader, out);
            if (!out.issues.empty()) {
                return false;
            }
        }
        if (!more) {
            const auto& e = more.error();
            out.issues.push_back(InputIssue{e.file, e.line, "", e.message});
            return false;
        }
        if (!*more) {
            return true;
        }
        VoucherFields f;
        for (std::size_t c = 0; c < reader.header().size() && c < rec.fields.size(); ++c) {
            assign(f, reader.header()[c], rec.fields[c]);
        }
        out.add(f, rec.line);
    }
}

} // namespace

Result<std::vector<VoucherInput>, std::vector<InputIssue>>
read_sidecar(const std::filesystem::path& path) {
    SidecarRows out(path.string());
    // A sidecar is read whole (a JSON one as a document, its vouchers merged in memory): it holds
    // one row per receipt of a folder, so it is small by nature, and a larger file is refused
    // before it is read rather than taking memory many times its size.
    std::error_code ec;
    if (const auto size = std::filesystem::file_size(path, ec); !ec && size > k_max_sidecar_bytes) {
        return unexpected(std::vector<InputIssue>{InputIssue{
            out.name, 0, "",
            fmt::format("is {} bytes; a sidecar is read into memory and may have at most {} "
                        "bytes ({} MiB, one row per receipt)",
                        size, k_max_sidecar_bytes, k_max_sidecar_bytes >> 20)}});
    }
    const bool read = ascii_lower(path.extension().string()) == ".json" ? read_json_rows(path, out)
                                                                        : read_csv_rows(path, out);
    if (!read) {
        return unexpected(std::move(out.issues));
    }
    check_duplicates(out.rows, out.issues);
    if (!out.issues.empty()) {
        return unexpected(std::move(out.issues));
    }
    return std::move(out.rows);
}

} // namespace lexsync::vouchers
