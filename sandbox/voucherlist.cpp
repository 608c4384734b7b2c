#include "sandbox/voucherlist.hpp"

#include "sandbox/payments.hpp"
#include "sandbox/resource_util.hpp"
#include "sandbox/vouchers.hpp"

#include <algorithm>
#include <chrono>
#include <set>

namespace lexsync::sandbox::voucherlist {

namespace {

constexpr std::int64_t k_default_size = 25;
constexpr std::int64_t k_max_size = 250;

constexpr const char* k_types[] = {"salesinvoice",       "salescreditnote",   "purchaseinvoice",
                                   "purchasecreditnote", "invoice",           "downpaymentinvoice",
                                   "creditnote",         "orderconfirmation", "quotation",
                                   "deliverynote"};
constexpr const char* k_statuses[] = {"draft",    "open",        "paid",      "paidoff",
                                      "voided",   "transferred", "sepadebit", "overdue",
                                      "accepted", "rejected",    "unchecked", "blank"};

template <std::size_t N> bool one_of(const std::string& v, const char* const (&set)[N]) {
    return std::any_of(std::begin(set), std::end(set), [&](const char* s) { return v == s; });
}

ApiResponse bad(const ApiRequest& req, const std::string& message) {
    return regular_error(400, req.path, message);
}

std::string invalid_value(const std::string& value, const std::string& param) {
    return "Invalid value '" + value + "' received for request parameter '" + param + "'";
}

// Splits a comma list; nullopt (and `bad_value`) when an entry is not in `allowed`.
template <std::size_t N>
std::optional<std::set<std::string>>
parse_list(const std::string& text, const char* const (&allowed)[N], std::string& bad_value) {
    std::set<std::string> out;
    std::size_t pos = 0;
    while (true) {
        const auto comma = text.find(',', pos);
        std::string item =
            text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        const auto first = item.find_first_not_of(' ');
        const auto last = item.find_last_not_of(' ');
        item = first == std::string::npos ? std::string() : item.substr(first, last - first + 1);
        if (item != "any" && !one_of(item, allowed)) {
            bad_value = item;
            return std::nullopt;
        }
        out.insert(item);
        if (comma == std::string::npos) {
            break;
        }
        pos = comma + 1;
    }
    return out;
}

// One row with its sort and filter keys.
struct Row {
    std::string id;
    std::string type;
    std::string status;
    std::string number;
    std::optional<std::chrono::system_clock::time_point> voucher_date;
    std::optional<std::chrono::system_clock::time_point> due_date;
    std::chrono::system_clock::time_point created;
    std::chrono::system_clock::time_point updated;
    std::string created_text;
    std::string updated_text;
    std::string contact_id;
    std::string contact_name;
    Decimal total;
    std::optional<Decimal> open;
    bool archived = false;
};

std::optional<std::chrono::system_clock::time_point> timestamp_of(const JsonValue& doc,
                                                                  const char* key) {
    const std::string s = member_string(doc, key);
    return s.empty() ? std::nullopt : parse_timestamp(s);
}

// A date normalised to midnight, as the list serves it.
std::optional<std::chrono::system_clock::time_point>
midnight(std::optional<std::chrono::system_clock::time_point> t) {
    if (!t) {
        return std::nullopt;
    }
    return berlin::midnight(berlin::local_date(*t));
}

void collect(Store& store, const std::string& org_id, std::vector<Row>& rows) {
    for (const auto& [kind, type] :
         {std::pair{"invoices", "invoice"}, std::pair{"credit-notes", "creditnote"},
          std::pair{"quotations", "quotation"},
          std::pair{"order-confirmations", "orderconfirmation"}}) {
        for (const auto& r : store.list(org_id, kind)) {
            JsonDocument d;
            if (!parse_json(d, r.doc) || !d.IsObject()) {
                continue;
            }
            Row row;
            row.id = r.id;
            row.type = type;
            row.status = member_string(d, "voucherStatus");
            row.number = member_string(d, "voucherNumber");
            row.voucher_date = midnight(timestamp_of(d, "voucherDate"));
            row.due_date = midnight(timestamp_of(d, "dueDate"));
            row.created_text = r.created;
            row.updated_text = r.updated;
            if (const JsonValue* address = member(d, "address")) {
                row.contact_id = member_string(*address, "contactId");
                row.contact_name = member_string(*address, "name");
            }
            if (const JsonValue* total = member(d, "totalPrice")) {
                if (const JsonValue* g = member(*total, "totalGrossAmount")) {
                    row.total = read_decimal(*g).value_or(Decimal{});
                }
            }
            if (row.status != "draft") {
                row.open = payments::open_amount(store, org_id, r.id);
            }
            if (const JsonValue* a = member(d, "archived"); a && a->IsBool()) {
                row.archived = a->GetBool();
            }
            rows.push_back(std::move(row));
        }
    }
    for (const auto& r : store.list(org_id, vouchers::k_kind)) {
        if (vouchers::hidden(store, org_id, r.id)) {
            continue;
        }
        JsonDocument d;
        if (!parse_json(d, r.doc) || !d.IsObject()) {
            continue;
        }
        Row row;
        row.id = r.id;
        row.type = member_string(d, "type");
        row.status = member_string(d, "voucherStatus");
        row.number = member_string(d, "voucherNumber");
        row.voucher_date = midnight(timestamp_of(d, "voucherDate"));
        row.due_date = midnight(timestamp_of(d, "dueDate"));
        row.created_text = r.created;
        row.updated_text = r.updated;
        row.contact_id = member_string(d, "contactId");
        row.contact_name = member_string(d, "contactName");
        if (const JsonValue* g = member(d, "totalGrossAmount")) {
            row.total = read_decimal(*g).value_or(Decimal{});
        }
        row.open = payments::open_amount(store, org_id, r.id);
        rows.push_back(std::move(row));
    }
    for (auto& row : rows) {
        row.created =
            parse_timestamp(row.created_text).value_or(std::chrono::system_clock::time_point{});
        row.updated =
            parse_timestamp(row.updated_text).value_or(std::chrono::system_clock::time_point{});
    }
}

bool overdue(const Row& r, std::chrono::year_month_day today) {
    // [U] Derived for open invoices (sales and bookkeeping) whose due date lies before today.
    const bool invoice_like = r.type == "invoice" || r.type == "downpaymentinvoice" ||
                              r.type == "salesinvoice" || r.type == "purchaseinvoice";
    return invoice_like && r.status == "open" && r.due_date &&
           std::chrono::sys_days(berlin::local_date(*r.due_date)) < std::chrono::sys_days(today);
}

JsonValue optional_time(std::optional<std::chrono::system_clock::time_point> t, JsonAllocator& a) {
    return t ? json_str(format_berlin(*t), a) : JsonValue(rapidjson::kNullType);
}

} // namespace

namespace {

// A timestamp value with its milliseconds set to .000 (other values unchanged).
JsonValue whole_seconds(JsonValue v, JsonAllocator& a) {
    if (!v.IsString() || v.GetStringLength() < 23 || v.GetString()[19] != '.') {
        return v;
    }
    std::string text(v.GetString(), v.GetStringLength());
    text.replace(20, 3, "000");
    return json_str(text, a);
}

// The query of one listing request, read from its parameters.
struct ListQuery {
    std::optional<std::set<std::string>> types;
    std::optional<std::set<std::string>> statuses;
    bool want_overdue = false;
    std::optional<bool> archived;
    std::optional<std::string> contact_id;
    struct DateFilter {
        const char* name;
        std::optional<std::chrono::year_month_day> value;
    };
    DateFilter dates[6] = {{"voucherDateFrom", {}}, {"voucherDateTo", {}},
                           {"createdDateFrom", {}}, {"createdDateTo", {}},
                           {"updatedDateFrom", {}}, {"updatedDateTo", {}}};
    std::optional<std::string> number;
    std::int64_t page = 0;
    std::int64_t size = k_default_size;
    bool ascending = false;
};

// Reads the parameters of `req` into `q`; the message of a 400 answer when one is wrong.
std::optional<std::string> read_query(const ApiRequest& req, ListQuery& q) {
    const auto type_param = req.param("voucherType");
    const auto status_param = req.param("voucherStatus");
    if (!type_param || !status_param) {
        return std::string("Missing required request parameters");
    }
    std::string bad_value;
    q.types = parse_list(*type_param, k_types, bad_value);
    if (!q.types) {
        return std::string(invalid_value(bad_value, "voucherType"));
    }
    q.statuses = parse_list(*status_param, k_statuses, bad_value);
    if (!q.statuses) {
        return std::string(invalid_value(bad_value, "voucherStatus"));
    }
    q.want_overdue = q.statuses->count("overdue") > 0;
    if (q.want_overdue && q.statuses->size() > 1) {
        return std::string("voucherStatus 'overdue' must not be combined with other values");
    }
    if (const auto v = req.param("archived")) {
        const std::string l = ascii_lower(*v);
        if (l != "true" && l != "false") {
            return std::string(invalid_value(*v, "archived"));
        }
        q.archived = l == "true";
    }
    if (const auto v = req.param("contactId")) {
        if (!is_uuid(*v)) {
            return std::string(invalid_value(*v, "contactId"));
        }
        q.contact_id = ascii_lower(*v);
    }
    for (auto& f : q.dates) {
        if (const auto v = req.param(f.name)) {
            f.value = parse_date(*v);
            if (!f.value) {
                return std::string(invalid_value(*v, f.name));
            }
        }
    }
    q.number = req.param("voucherNumber");
    if (const auto p = req.param("page")) {
        const auto v = parse_int(*p);
        if (!v || *v < 0) {
            return std::string(invalid_value(*p, "page"));
        }
        q.page = *v;
    }
    if (const auto s = req.param("size")) {
        const auto v = parse_int(*s);
        if (!v) {
            return std::string(invalid_value(*s, "size"));
        }
        if (*v > k_max_size) {
            return std::string("parameter 'size' must be equal or lower than 250");
        }
        q.size = *v < 1 ? k_default_size : *v; // [U] like contacts: out of range → default
    }
    if (const auto s = req.param("sort")) {
        // [M] Only voucherDate is accepted as a sort property (measured in 2026).
        const std::string l = ascii_lower(*s);
        if (l == "voucherdate" || l == "voucherdate,asc") {
            q.ascending = l == "voucherdate,asc";
        } else if (l != "voucherdate,desc") {
            return std::string("parameter 'sort' is invalid");
        }
    }

    return std::nullopt;
}

bool in_range(std::chrono::year_month_day d, const std::optional<std::chrono::year_month_day>& from,
              const std::optional<std::chrono::year_month_day>& to) {
    using std::chrono::sys_days;
    return (!from || sys_days(d) >= sys_days(*from)) && (!to || sys_days(d) <= sys_days(*to));
}

// Whether `r` passes every filter of `q` (`today` for overdue).
bool matches(const Row& r, const ListQuery& q, std::chrono::year_month_day today) {
    if (!q.types->count("any") && !q.types->count(r.type)) {
        return false;
    }
    if (q.want_overdue) {
        if (!overdue(r, today)) {
            return false;
        }
    } else if (!q.statuses->count("any") && !q.statuses->count(r.status)) {
        return false;
    }
    if (q.archived && r.archived != *q.archived) {
        return false;
    }
    if (q.contact_id && r.contact_id != *q.contact_id) {
        return false;
    }
    if (q.dates[0].value || q.dates[1].value) {
        if (!r.voucher_date ||
            !in_range(berlin::local_date(*r.voucher_date), q.dates[0].value, q.dates[1].value)) {
            return false;
        }
    }
    if (!in_range(berlin::local_date(r.created), q.dates[2].value, q.dates[3].value) ||
        !in_range(berlin::local_date(r.updated), q.dates[4].value, q.dates[5].value)) {
        return false;
    }
    // Search strings arrive HTML-escaped (§4.4); [U] the number must match exactly.
    if (q.number && *q.number != html_escape(r.number) && *q.number != r.number) {
        return false;
    }
    return true;
}

// Sorts `rows` by voucher date (then created date and id), ascending or descending.
void sort_rows(std::vector<const Row*>& rows, bool ascending) {
    std::sort(rows.begin(), rows.end(), [ascending](const Row* x, const Row* y) {
        // Rows without a voucher date (unchecked uploads) come last in either direction. [U]
        if (x->voucher_date.has_value() != y->voucher_date.has_value()) {
            return x->voucher_date.has_value();
        }
        if (x->voucher_date && *x->voucher_date != *y->voucher_date) {
            return ascending ? *x->voucher_date < *y->voucher_date
                             : *x->voucher_date > *y->voucher_date;
        }
        if (x->created != y->created) {
            return ascending ? x->created < y->created : x->created > y->created;
        }
        return x->id < y->id;
    });
}

// One row of the listing as the service writes it.
JsonValue row_json(const Row& r, JsonAllocator& a) {
    JsonValue o(rapidjson::kObjectType);
    o.AddMember("id", json_str(r.id, a), a);
    o.AddMember("voucherType", json_str(r.type, a), a);
    o.AddMember("voucherStatus", json_str(r.status, a), a);
    o.AddMember("voucherNumber",
                r.number.empty() ? JsonValue(rapidjson::kNullType) : json_str(r.number, a), a);
    // Row timestamps carry .000 milliseconds (reference §14); amounts two decimals.
    o.AddMember("voucherDate", whole_seconds(optional_time(r.voucher_date, a), a), a);
    o.AddMember("createdDate", whole_seconds(json_str(r.created_text, a), a), a);
    o.AddMember("updatedDate", whole_seconds(json_str(r.updated_text, a), a), a);
    o.AddMember("dueDate", whole_seconds(optional_time(r.due_date, a), a), a);
    o.AddMember("contactId",
                r.contact_id.empty() ? JsonValue(rapidjson::kNullType) : json_str(r.contact_id, a),
                a);
    o.AddMember("contactName", json_str(r.contact_name, a), a);
    o.AddMember("totalAmount", fixed_value(r.total, 2, a), a);
    o.AddMember("openAmount", r.open ? fixed_value(*r.open, 2, a) : JsonValue(rapidjson::kNullType),
                a);
    o.AddMember("currency", "EUR", a);
    o.AddMember("archived", r.archived, a);
    return o;
}

} // namespace

ApiResponse list(Store& store, const ApiRequest& req, long listing_window) {
    ListQuery q;
    if (const auto refused = read_query(req, q)) {
        return bad(req, *refused);
    }
    std::vector<Row> all;
    collect(store, req.org_id, all);
    const auto today = berlin::local_date(now());
    std::vector<const Row*> rows;
    for (const auto& r : all) {
        if (matches(r, q, today)) {
            rows.push_back(&r);
        }
    }
    sort_rows(rows, q.ascending);

    std::int64_t total = static_cast<std::int64_t>(rows.size());
    if (listing_window > 0) {
        if (q.page > 0 && q.page * q.size >= listing_window) {
            return bad(req, "Maximum search window size exceeded");
        }
        total = std::min<std::int64_t>(total, listing_window);
    }
    const std::int64_t begin = std::min(total, q.page * q.size);
    const std::int64_t end = std::min(total, begin + q.size);

    JsonDocument holder;
    auto& a = holder.GetAllocator();
    JsonValue content(rapidjson::kArrayType);
    for (std::int64_t i = begin; i < end; ++i) {
        content.PushBack(row_json(*rows[static_cast<std::size_t>(i)], a), a);
    }
    const JsonDocument d =
        page_envelope(content, a, q.page, q.size, total, "voucherdate", q.ascending);
    return json_response(200, d);
}

} // namespace lexsync::sandbox::voucherlist
