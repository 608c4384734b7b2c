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

} // namespace

ApiResponse list(Store& store, const ApiRequest& req, long listing_window) {
    const auto type_param = req.param("voucherType");
    const auto status_param = req.param("voucherStatus");
    if (!type_param || !status_param) {
        return bad(req, "Missing required request parameters");
    }
    std::string bad_value;
    const auto types = parse_list(*type_param, k_types, bad_value);
    if (!types) {
        return bad(req, invalid_value(bad_value, "voucherType"));
    }
    const auto statuses = parse_list(*status_param, k_statuses, bad_value);
    if (!statuses) {
        return bad(req, invalid_value(bad_value, "voucherStatus"));
    }
    const bool want_overdue = statuses->count("overdue") > 0;
    if (want_overdue && statuses->size() > 1) {
        return bad(req, "voucherStatus 'overdue' must not be combined with other values");
    }
    std::optional<bool> archived;
    if (const auto v = req.param("archived")) {
        const std::string l = ascii_lower(*v);
        if (l != "true" && l != "false") {
            return bad(req, invalid_value(*v, "archived"));
        }
        archived = l == "true";
    }
    std::optional<std::string> contact_id;
    if (const auto v = req.param("contactId")) {
        if (!is_uuid(*v)) {
            return bad(req, invalid_value(*v, "contactId"));
        }
        contact_id = ascii_lower(*v);
    }
    struct DateFilter {
        const char* name;
        std::optional<std::chrono::year_month_day> value;
    };
    DateFilter dates[] = {{"voucherDateFrom", {}}, {"voucherDateTo", {}},   {"createdDateFrom", {}},
                          {"createdDateTo", {}},   {"updatedDateFrom", {}}, {"updatedDateTo", {}}};
    for (auto& f : dates) {
        if (const auto v = req.param(f.name)) {
            f.value = parse_date(*v);
            if (!f.value) {
                return bad(req, invalid_value(*v, f.name));
            }
        }
    }
    const auto number = req.param("voucherNumber");
    std::int64_t page = 0;
    std::int64_t size = k_default_size;
    if (const auto p = req.param("page")) {
        const auto v = parse_int(*p);
        if (!v || *v < 0) {
            return bad(req, invalid_value(*p, "page"));
        }
        page = *v;
    }
    if (const auto s = req.param("size")) {
        const auto v = parse_int(*s);
        if (!v) {
            return bad(req, invalid_value(*s, "size"));
        }
        if (*v > k_max_size) {
            return bad(req, "parameter 'size' must be equal or lower than 250");
        }
        size = *v < 1 ? k_default_size : *v; // [U] like contacts: out of range → default
    }
    bool ascending = false;
    if (const auto s = req.param("sort")) {
        // [M] Only voucherDate is accepted as a sort property (measured in 2026).
        const std::string l = ascii_lower(*s);
        if (l == "voucherdate" || l == "voucherdate,asc") {
            ascending = l == "voucherdate,asc";
        } else if (l != "voucherdate,desc") {
            return bad(req, "parameter 'sort' is invalid");
        }
    }

    std::vector<Row> all;
    collect(store, req.org_id, all);
    const auto today = berlin::local_date(std::chrono::system_clock::now());
    const auto in_range = [](std::chrono::year_month_day d,
                             const std::optional<std::chrono::year_month_day>& from,
                             const std::optional<std::chrono::year_month_day>& to) {
        using std::chrono::sys_days;
        return (!from || sys_days(d) >= sys_days(*from)) && (!to || sys_days(d) <= sys_days(*to));
    };
    std::vector<const Row*> rows;
    for (const auto& r : all) {
        if (!types->count("any") && !types->count(r.type)) {
            continue;
        }
        if (want_overdue) {
            if (!overdue(r, today)) {
                continue;
            }
        } else if (!statuses->count("any") && !statuses->count(r.status)) {
            continue;
        }
        if (archived && r.archived != *archived) {
            continue;
        }
        if (contact_id && r.contact_id != *contact_id) {
            continue;
        }
        if (dates[0].value || dates[1].value) {
            if (!r.voucher_date ||
                !in_range(berlin::local_date(*r.voucher_date), dates[0].value, dates[1].value)) {
                continue;
            }
        }
        if (!in_range(berlin::local_date(r.created), dates[2].value, dates[3].value) ||
            !in_range(berlin::local_date(r.updated), dates[4].value, dates[5].value)) {
            continue;
        }
        // Search strings arrive HTML-escaped (§4.4); [U] the number must match exactly.
        if (number && *number != html_escape(r.number) && *number != r.number) {
            continue;
        }
        rows.push_back(&r);
    }
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

    std::int64_t total = static_cast<std::int64_t>(rows.size());
    if (listing_window > 0) {
        if (page > 0 && page * size >= listing_window) {
            return bad(req, "Maximum search window size exceeded");
        }
        total = std::min<std::int64_t>(total, listing_window);
    }
    const std::int64_t begin = std::min(total, page * size);
    const std::int64_t end = std::min(total, begin + size);

    JsonDocument holder;
    auto& a = holder.GetAllocator();
    JsonValue content(rapidjson::kArrayType);
    for (std::int64_t i = begin; i < end; ++i) {
        const Row& r = *rows[static_cast<std::size_t>(i)];
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
        o.AddMember(
            "contactId",
            r.contact_id.empty() ? JsonValue(rapidjson::kNullType) : json_str(r.contact_id, a), a);
        o.AddMember("contactName", json_str(r.contact_name, a), a);
        o.AddMember("totalAmount", fixed_value(r.total, 2, a), a);
        o.AddMember("openAmount",
                    r.open ? fixed_value(*r.open, 2, a) : JsonValue(rapidjson::kNullType), a);
        o.AddMember("currency", "EUR", a);
        o.AddMember("archived", r.archived, a);
        content.PushBack(o, a);
    }
    const JsonDocument d = page_envelope(content, a, page, size, total, "voucherdate", ascending);
    return json_response(200, d);
}

} // namespace lexsync::sandbox::voucherlist
