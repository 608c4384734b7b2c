#include "sandbox/payments.hpp"

#include "sandbox/resource_util.hpp"

namespace lexsync::sandbox::payments {

namespace {

JsonDocument load(Store& store, const std::string& org_id, const std::string& id) {
    JsonDocument d;
    const auto r = store.get(org_id, k_state_kind, id);
    if (!r || !parse_json(d, r->doc) || !d.IsObject()) {
        d.SetObject();
    }
    return d;
}

void save(Store& store, const std::string& org_id, const std::string& id, const JsonValue& doc) {
    StoredResource r;
    r.id = id;
    r.version = 1;
    r.created = now_timestamp();
    r.updated = r.created;
    r.doc = to_json(doc);
    store.put(org_id, k_state_kind, r);
}

void set(JsonDocument& d, const char* key, JsonValue v) {
    auto& a = d.GetAllocator();
    if (d.HasMember(key)) {
        d[key] = v;
    } else {
        d.AddMember(JsonValue(key, a), v, a);
    }
}

} // namespace

void open(Store& store, const std::string& org_id, const std::string& voucher_id, Decimal amount) {
    JsonDocument d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("openAmount", decimal_value(amount, a), a);
    d.AddMember("paidDate", JsonValue(rapidjson::kNullType), a);
    d.AddMember("paymentItems", JsonValue(rapidjson::kArrayType), a);
    save(store, org_id, voucher_id, d);
}

void settle(Store& store, const std::string& org_id, const std::string& voucher_id,
            const std::string& paid_date) {
    JsonDocument d = load(store, org_id, voucher_id);
    auto& a = d.GetAllocator();
    set(d, "openAmount", decimal_value(Decimal{}, a));
    set(d, "paidDate", json_str(paid_date, a));
    if (!d.HasMember("paymentItems")) {
        d.AddMember("paymentItems", JsonValue(rapidjson::kArrayType), a);
    }
    save(store, org_id, voucher_id, d);
}

Decimal add_item(Store& store, const std::string& org_id, const std::string& voucher_id,
                 const std::string& item_type, const std::string& posting_date, Decimal amount) {
    JsonDocument d = load(store, org_id, voucher_id);
    auto& a = d.GetAllocator();
    Decimal open_now{};
    if (const JsonValue* v = member(d, "openAmount")) {
        open_now = read_decimal(*v).value_or(Decimal{});
    }
    open_now = open_now - amount;
    if (open_now < Decimal{}) {
        open_now = Decimal{}; // [U] an over-payment is not tracked
    }
    set(d, "openAmount", decimal_value(open_now, a));
    if (!d.HasMember("paymentItems") || !d["paymentItems"].IsArray()) {
        set(d, "paymentItems", JsonValue(rapidjson::kArrayType));
    }
    JsonValue item(rapidjson::kObjectType);
    item.AddMember("paymentItemType", json_str(item_type, a), a);
    item.AddMember("postingDate", json_str(posting_date, a), a);
    item.AddMember("amount", decimal_value(amount, a), a);
    item.AddMember("currency", "EUR", a);
    d["paymentItems"].PushBack(item, a);
    if (open_now == Decimal{}) {
        set(d, "paidDate", json_str(posting_date, a));
    }
    save(store, org_id, voucher_id, d);
    return open_now;
}

std::optional<Decimal> open_amount(Store& store, const std::string& org_id,
                                   const std::string& voucher_id) {
    const auto r = store.get(org_id, k_state_kind, voucher_id);
    if (!r) {
        return std::nullopt;
    }
    JsonDocument d;
    if (!parse_json(d, r->doc)) {
        return std::nullopt;
    }
    const JsonValue* v = member(d, "openAmount");
    return v ? read_decimal(*v) : std::nullopt;
}

ApiResponse get(Store& store, const ApiRequest& req, const std::string& id) {
    struct Source {
        const char* kind;
        const char* voucher_type; // nullptr: the bookkeeping voucher's own type
    };
    for (const Source src : {Source{"invoices", "invoice"}, Source{"credit-notes", "creditnote"},
                             Source{"vouchers", nullptr}}) {
        const auto r = store.get(req.org_id, src.kind, id);
        if (!r) {
            continue;
        }
        JsonDocument v;
        parse_json(v, r->doc);
        const std::string status = member_string(v, "voucherStatus");
        const std::string type = src.voucher_type ? src.voucher_type : member_string(v, "type");
        const auto state = store.get(req.org_id, k_state_kind, id);
        if (status == "draft" || status == "unchecked" || status == "blank" || !state) {
            return regular_error(406, req.path,
                                 "No payment information for this voucher/voucher type");
        }
        JsonDocument s;
        parse_json(s, state->doc);
        JsonDocument d(rapidjson::kObjectType);
        auto& a = d.GetAllocator();
        Decimal open_now{};
        if (const JsonValue* o = member(s, "openAmount")) {
            open_now = read_decimal(*o).value_or(Decimal{});
        }
        if (status == "voided") {
            open_now = Decimal{};
        }
        std::string payment_status = "balanced";
        if (open_now > Decimal{}) {
            // By nature: sales documents (also sales credit notes) are revenue, purchases expense.
            payment_status = type.rfind("purchase", 0) == 0 ? "openExpense" : "openRevenue";
        }
        d.AddMember("openAmount", fixed_value(open_now, 2, a), a); // two decimals (§14)
        d.AddMember("currency", "EUR", a);
        d.AddMember("paymentStatus", json_str(payment_status, a), a);
        d.AddMember("voucherType", json_str(type, a), a);
        d.AddMember("voucherStatus", json_str(status, a), a);
        const std::string paid = member_string(s, "paidDate");
        if ((status == "paid" || status == "paidoff") && !paid.empty()) {
            d.AddMember("paidDate", json_str(paid, a), a);
        } else {
            d.AddMember("paidDate", JsonValue(rapidjson::kNullType), a);
        }
        JsonValue items(rapidjson::kArrayType);
        if (const JsonValue* list = member(s, "paymentItems"); list && list->IsArray()) {
            items.CopyFrom(*list, a);
        }
        for (auto& item : items.GetArray()) {
            format_fixed(item, {"amount"}, 2, a);
        }
        d.AddMember("paymentItems", items, a);
        return json_response(200, d);
    }
    return regular_error(404, req.path, "Voucher not found");
}

} // namespace lexsync::sandbox::payments
