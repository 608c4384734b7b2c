// Financial accounts, financial transactions and transaction assignment hints (§10).
//
// Emulated:
// - accounts: POST (201 action result, lockVersion 0), GET by id, GET ?externalReference= or
//   ?iban= (bare array; both at once → 400), PUT with lockVersion (409 when stale; read-only and
//   immutable fields silently ignored), DELETE (204, with the account's transactions).
// - transactions: POST of an array of 1..25 (all or nothing: any invalid item → 406 and nothing
//   stored); an item whose externalReference is known is skipped and the existing record
//   returned; GET by id, GET latest-transaction?financialAccountId=, GET {id}/assignments, DELETE.
// - hints: POST echoes the body (201), one per voucher.
// The account balance is never recomputed: it is what the client last wrote. Amounts are exact
// decimals with at most two places.
#include "sandbox/finance.hpp"

#include "sandbox/reference_data.hpp"
#include "sandbox/resource_util.hpp"

#include <algorithm>
#include <set>
#include <vector>

namespace lexsync::sandbox::finance {

namespace {

// A finance answer (an account, a transaction, or an array of them) with its amounts written
// "##.00", as the documentation specifies and recordings of the live API show (reference §14).
ApiResponse finance_json(int status, JsonDocument& d) {
    auto& a = d.GetAllocator();
    auto format = [&a](JsonValue& v) {
        format_fixed(v, {"balance", "amount", "feeAmount", "openAmount"}, 2, a);
    };
    if (d.IsArray()) {
        for (auto& item : d.GetArray()) {
            format(item);
        }
    } else {
        format(d);
    }
    return json_response(status, d);
}

constexpr std::size_t k_max_batch = 25;

// externalReference → id per organisation and kind, so that lookups need no scan.
void ensure_schema(Store& store) {
    store.db().exec("CREATE TABLE IF NOT EXISTS finance_refs (org_id TEXT NOT NULL, kind TEXT NOT "
                    "NULL, ref TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (org_id, kind, ref))");
}

std::optional<std::string> id_for_ref(Store& store, const std::string& org, const char* kind,
                                      const std::string& ref) {
    auto st =
        store.db().prepare("SELECT id FROM finance_refs WHERE org_id = ? AND kind = ? AND ref = ?");
    st.bind(1, org).bind(2, std::string(kind)).bind(3, ref);
    if (!st.step()) {
        return std::nullopt;
    }
    return st.column_text(0);
}

void put_ref(Store& store, const std::string& org, const char* kind, const std::string& ref,
             const std::string& id) {
    store.db()
        .prepare("INSERT OR REPLACE INTO finance_refs (org_id, kind, ref, id) VALUES (?, ?, ?, ?)")
        .bind(1, org)
        .bind(2, std::string(kind))
        .bind(3, ref)
        .bind(4, id)
        .run();
}

void drop_ref(Store& store, const std::string& org, const char* kind, const std::string& id) {
    store.db()
        .prepare("DELETE FROM finance_refs WHERE org_id = ? AND kind = ? AND id = ?")
        .bind(1, org)
        .bind(2, std::string(kind))
        .bind(3, id)
        .run();
}

// Removes a resource (the store has no delete call); its id answers 404 afterwards.
void remove(Store& store, const std::string& org, const char* kind, const std::string& id) {
    store.db()
        .prepare("DELETE FROM resources WHERE org_id = ? AND kind = ? AND id = ?")
        .bind(1, org)
        .bind(2, std::string(kind))
        .bind(3, id)
        .run();
    drop_ref(store, org, kind, id);
}

bool is_json(const std::string& content_type) {
    const std::string v = ascii_lower(content_type);
    return v.rfind("application/json", 0) == 0;
}

ApiResponse unsupported(const ApiRequest& req) {
    return regular_error(415, req.path, "Content type '" + req.content_type + "' not supported");
}

ApiResponse not_found(const ApiRequest& req, const std::string& what) {
    return regular_error(404, req.path, what + " not found");
}

// A finance timestamp: the strict API format, or (as in the partner samples, §7.1) without
// milliseconds.
std::optional<std::chrono::system_clock::time_point> parse_finance_time(const std::string& s) {
    if (auto t = parse_timestamp(s)) {
        return t;
    }
    if (s.size() >= 20 && s[19] != '.') {
        return parse_timestamp(s.substr(0, 19) + ".000" + s.substr(19));
    }
    return std::nullopt;
}

// An amount with at most two decimals; nullopt otherwise.
std::optional<Decimal> money(const JsonValue* v) {
    if (!v || !(v->IsNumber() || v->IsString())) {
        return std::nullopt;
    }
    auto d = read_decimal(*v);
    if (!d && v->IsString()) {
        d = Decimal::parse(std::string_view(v->GetString(), v->GetStringLength()));
    }
    if (!d || d->rounded(2) != *d) {
        return std::nullopt;
    }
    return d;
}

bool valid_tax_rate(Decimal d) {
    for (int r : {0, 5, 7, 16, 19}) {
        if (d == Decimal::from_int(r)) {
            return true;
        }
    }
    return false;
}

const std::set<std::string>& posting_category_ids() {
    static const std::set<std::string> ids = [] {
        std::set<std::string> out;
        JsonDocument d;
        parse_json(d, posting_categories_json());
        for (const auto& c : d.GetArray()) {
            out.insert(member_string(c, "id"));
        }
        return out;
    }();
    return ids;
}

// --- Accounts ---

const std::vector<std::string>& account_types() {
    // [U] The type list comes from one library; the docs table was not captured.
    static const std::vector<std::string> k = {
        "GIRO", "SAVINGS",    "FIXEDTERM", "SECURITIES",
        "LOAN", "CREDITCARD", "CASH",      "PAYMENT_PROVIDER"};
    return k;
}

bool is_bank_type(const std::string& t) {
    return t == "GIRO" || t == "SAVINGS" || t == "FIXEDTERM" || t == "SECURITIES" || t == "LOAN";
}

// Builds the stored account document from the request `in` (validated into `details`).
JsonDocument account_doc(const JsonValue& in, const std::string& id, std::int64_t lock_version,
                         const std::string& created, const std::string& modified,
                         std::vector<Violation>& details) {
    JsonDocument d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    const std::string type = member_string(in, "type");
    if (std::find(account_types().begin(), account_types().end(), type) == account_types().end()) {
        details.push_back({"INVALID", "type", "unknown account type"});
    }
    for (const char* f : {"accountSystem", "name", "bankName"}) {
        if (member_string(in, f).empty()) {
            details.push_back({"NOTBLANK", f, "darf nicht leer sein"});
        }
    }
    const auto balance = money(member(in, "balance"));
    if (!balance) {
        details.push_back({"NOTNULL", "balance", "must be an amount with at most 2 decimals"});
    }
    if (is_bank_type(type)) {
        for (const char* f : {"iban", "bic"}) {
            if (member_string(in, f).empty()) {
                details.push_back({"NOTBLANK", f, "required for bank accounts"});
            }
        }
    }
    if (type == "CREDITCARD") {
        const std::string p = member_string(in, "provider");
        if (p != "VISA" && p != "MASTERCARD" && p != "AMEX" && p != "DINERSCLUB") {
            details.push_back({"INVALID", "provider", "VISA, MASTERCARD, AMEX or DINERSCLUB"});
        }
        if (member_string(in, "creditCardNumber").empty()) {
            details.push_back({"NOTBLANK", "creditCardNumber", "required for credit cards"});
        }
    }
    d.AddMember("financialAccountId", json_str(id, a), a);
    for (const char* f : {"type", "accountSystem", "name", "bankName", "accountHolder", "iban",
                          "bic", "provider", "creditCardNumber", "externalReference"}) {
        const std::string v = member_string(in, f);
        d.AddMember(JsonValue(f, a), v.empty() ? JsonValue() : json_str(v, a), a);
    }
    d.AddMember("balance", decimal_value(balance.value_or(Decimal()), a), a);
    d.AddMember("lockVersion", lock_version, a);
    d.AddMember("deactivated", false, a);
    d.AddMember("state", json_str("ACTIVE", a), a);
    d.AddMember("initialSyncDate", JsonValue(), a);
    d.AddMember("createdDate", json_str(created, a), a);
    d.AddMember("lastModifiedDate", json_str(modified, a), a);
    return d;
}

ApiResponse account_result(int status, const ApiRequest& req, const StoredResource& r) {
    return action_result(status, req, "finance/accounts", r, status == 201);
}

ApiResponse create_account(Store& store, const ApiRequest& req) {
    JsonDocument in;
    if (!parse_json(in, req.body) || !in.IsObject()) {
        return regular_error(400, req.path, "Request body is not a valid JSON object");
    }
    std::vector<Violation> details;
    StoredResource r;
    r.id = new_uuid();
    r.version = 0;
    r.created = now_timestamp();
    r.updated = r.created;
    JsonDocument d = account_doc(in, r.id, 0, r.created, r.updated, details);
    const std::string ref = member_string(in, "externalReference");
    if (!ref.empty() && id_for_ref(store, req.org_id, k_accounts, ref)) {
        // [U] Not documented; a second account with a known reference is refused.
        details.push_back({"UNIQUE", "externalReference", "already used by another account"});
    }
    if (!details.empty()) {
        return validation_error(req.path, details);
    }
    r.doc = to_json(d);
    store.put(req.org_id, k_accounts, r);
    if (!ref.empty()) {
        put_ref(store, req.org_id, k_accounts, ref, r.id);
    }
    return account_result(201, req, r);
}

ApiResponse list_accounts(Store& store, const ApiRequest& req) {
    const auto ref = req.param("externalReference");
    const auto iban = req.param("iban");
    if (ref && iban) {
        // [D] The two filters cannot be combined.
        return regular_error(400, req.path, "Use either externalReference or iban");
    }
    JsonDocument out(rapidjson::kArrayType);
    auto& a = out.GetAllocator();
    if (ref) {
        if (auto id = id_for_ref(store, req.org_id, k_accounts, *ref)) {
            if (auto r = store.get(req.org_id, k_accounts, *id)) {
                JsonDocument d;
                parse_json(d, r->doc);
                out.PushBack(JsonValue(d, a), a);
            }
        }
        return finance_json(200, out);
    }
    // [U] Without a filter the sandbox lists every account.
    for (const auto& r : store.list(req.org_id, k_accounts)) {
        JsonDocument d;
        parse_json(d, r.doc);
        if (iban && ascii_lower(member_string(d, "iban")) != ascii_lower(*iban)) {
            continue;
        }
        out.PushBack(JsonValue(d, a), a);
    }
    return finance_json(200, out);
}

ApiResponse update_account(Store& store, const ApiRequest& req, const std::string& id) {
    auto existing = store.get(req.org_id, k_accounts, id);
    if (!existing) {
        return not_found(req, "Financial account");
    }
    JsonDocument in;
    if (!parse_json(in, req.body) || !in.IsObject()) {
        return regular_error(400, req.path, "Request body is not a valid JSON object");
    }
    const JsonValue* lv = member(in, "lockVersion");
    if (!lv || !lv->IsInt64()) {
        return validation_error(req.path, {{"NOTNULL", "lockVersion", "darf nicht leer sein"}});
    }
    if (lv->GetInt64() != existing->version) {
        return regular_error(409, req.path,
                             "The financial account was changed in the meantime (lockVersion " +
                                 std::to_string(existing->version) + ")");
    }
    JsonDocument cur;
    parse_json(cur, existing->doc);
    auto& a = cur.GetAllocator();
    // Mutable fields only; immutable and read-only ones are silently ignored.
    for (const char* f : {"name", "bankName", "accountHolder", "bic"}) {
        if (const JsonValue* v = member(in, f); v && v->IsString() && v->GetStringLength() > 0) {
            cur[f] = json_str(std::string(v->GetString(), v->GetStringLength()), a);
        }
    }
    if (member(in, "balance")) {
        const auto b = money(member(in, "balance"));
        if (!b) {
            return validation_error(req.path, {{"INVALID", "balance", "at most 2 decimal places"}});
        }
        cur["balance"] = decimal_value(*b, a);
    }
    existing->version += 1;
    existing->updated = now_timestamp();
    cur["lockVersion"] = existing->version;
    cur["lastModifiedDate"] = json_str(existing->updated, a);
    existing->doc = to_json(cur);
    store.put(req.org_id, k_accounts, *existing);
    return account_result(200, req, *existing);
}

ApiResponse delete_account(Store& store, const ApiRequest& req, const std::string& id) {
    if (!store.get(req.org_id, k_accounts, id)) {
        return not_found(req, "Financial account");
    }
    // Assignments come only from the web app (never emulated), so the 406 for accounts with
    // assigned transactions [U] cannot occur here.
    sqlite::Transaction tx(store.db());
    for (const auto& t : store.list(req.org_id, k_transactions)) {
        JsonDocument d;
        parse_json(d, t.doc);
        if (member_string(d, "financialAccountId") == id) {
            remove(store, req.org_id, k_transactions, t.id);
        }
    }
    remove(store, req.org_id, k_accounts, id);
    tx.commit();
    ApiResponse r;
    r.status = 204;
    return r;
}

// --- Transactions ---

// Checks item `i` of a POST and builds its document; problems go to `details`.
JsonDocument transaction_doc(Store& store, const std::string& org, const JsonValue& in,
                             std::size_t i, const std::string& id,
                             std::vector<Violation>& details) {
    const std::string at = "[" + std::to_string(i) + "].";
    JsonDocument d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    if (!in.IsObject()) {
        details.push_back({"INVALID", "[" + std::to_string(i) + "]", "not an object"});
        return d;
    }
    const std::string account_id = ascii_lower(member_string(in, "financialAccountId"));
    std::string account_type;
    if (account_id.empty()) {
        details.push_back({"NOTNULL", at + "financialAccountId", "darf nicht leer sein"});
    } else if (auto acc = store.get(org, k_accounts, account_id)) {
        JsonDocument ad;
        parse_json(ad, acc->doc);
        account_type = member_string(ad, "type");
        if (const JsonValue* deact = member(ad, "deactivated"); deact && deact->IsTrue()) {
            details.push_back({"INVALID", at + "financialAccountId", "account is deactivated"});
        }
    } else {
        details.push_back({"INVALID", at + "financialAccountId", "unknown financial account"});
    }
    std::string value_date, booking_date;
    for (auto [field, dst] :
         {std::pair{"valueDate", &value_date}, std::pair{"bookingDate", &booking_date}}) {
        const std::string v = member_string(in, field);
        if (v.empty()) {
            continue;
        }
        auto t = parse_finance_time(v);
        if (!t) {
            details.push_back({"INVALID", at + field, "not a valid datetime"});
        } else {
            *dst = format_berlin(*t);
        }
    }
    if (member_string(in, "valueDate").empty() && member_string(in, "bookingDate").empty()) {
        details.push_back({"NOTNULL", at + "valueDate", "valueDate or bookingDate is required"});
    }
    const std::string purpose = member_string(in, "purpose");
    if (purpose.empty()) {
        details.push_back({"NOTBLANK", at + "purpose", "darf nicht leer sein"});
    }
    const auto amount = money(member(in, "amount"));
    if (!amount) {
        details.push_back({"NOTNULL", at + "amount", "must be an amount with at most 2 decimals"});
    }
    const JsonValue* fee_v = member(in, "feeAmount");
    const JsonValue* fee_rate_v = member(in, "feeTaxRatePercentage");
    const std::string fee_cat = member_string(in, "feePostingCategoryId");
    std::optional<Decimal> fee;
    std::optional<Decimal> fee_rate;
    if (fee_v || fee_rate_v || !fee_cat.empty()) {
        if (!account_type.empty() && account_type != "PAYMENT_PROVIDER") {
            details.push_back({"INVALID", at + "feeAmount",
                               "fees are only allowed for PAYMENT_PROVIDER accounts"});
        }
        if (!fee_v || !fee_rate_v || fee_cat.empty()) {
            details.push_back({"NOTNULL", at + "feeAmount",
                               "feeAmount, feeTaxRatePercentage and feePostingCategoryId go "
                               "together"});
        }
        fee = money(fee_v);
        if (fee_v && !fee) {
            details.push_back({"INVALID", at + "feeAmount", "at most 2 decimal places"});
        }
        if (fee && amount &&
            ((*fee < Decimal() && *amount <= Decimal()) ||
             (*fee > Decimal() && *amount >= Decimal()))) {
            details.push_back({"INVALID", at + "feeAmount",
                               "a negative fee needs a positive amount, a positive fee a "
                               "negative amount"});
        }
        if (fee_rate_v) {
            fee_rate = read_decimal(*fee_rate_v);
            if (!fee_rate || !valid_tax_rate(*fee_rate)) {
                details.push_back({"INVALID", at + "feeTaxRatePercentage", "0, 5, 7, 16 or 19"});
            }
        }
        if (!fee_cat.empty() && !posting_category_ids().count(ascii_lower(fee_cat))) {
            details.push_back({"INVALID", at + "feePostingCategoryId", "unknown posting category"});
        }
    }
    const std::string now = now_timestamp();
    d.AddMember("financialTransactionId", json_str(id, a), a);
    d.AddMember("financialAccountId", json_str(account_id, a), a);
    auto opt = [&](const std::string& s) { return s.empty() ? JsonValue() : json_str(s, a); };
    d.AddMember("valueDate", opt(value_date), a);
    d.AddMember("bookingDate", opt(booking_date), a);
    d.AddMember("transactionDate", opt(value_date.empty() ? booking_date : value_date), a);
    d.AddMember("purpose", json_str(purpose, a), a);
    d.AddMember("amount", decimal_value(amount.value_or(Decimal()), a), a);
    d.AddMember("amountAsString", json_str(amount.value_or(Decimal()).to_fixed(2, ','), a), a);
    d.AddMember("openAmount", JsonValue(), a);
    d.AddMember("openAmountAsString", JsonValue(), a);
    if (fee) {
        d.AddMember("feeAmount", decimal_value(*fee, a), a);
        d.AddMember("feeTaxRatePercentage", decimal_value(fee_rate.value_or(Decimal()), a), a);
        d.AddMember("feePostingCategoryId", json_str(ascii_lower(fee_cat), a), a);
    }
    for (const char* f :
         {"additionalInfo", "recipientOrSenderName", "recipientOrSenderEmail",
          "recipientOrSenderIban", "recipientOrSenderBic", "externalReference", "endToEndId"}) {
        d.AddMember(JsonValue(f, a), opt(member_string(in, f)), a);
    }
    d.AddMember("state", JsonValue(), a);
    d.AddMember("bookingText", JsonValue(), a);
    d.AddMember("ignore", false, a);
    d.AddMember("ignoreReason", JsonValue(), a);
    d.AddMember("virtualAccountId", JsonValue(), a);
    d.AddMember("lockVersion", 0, a);
    d.AddMember("createdDate", json_str(now, a), a);
    d.AddMember("lastModifiedDate", json_str(now, a), a);
    return d;
}

ApiResponse create_transactions(Store& store, const ApiRequest& req) {
    JsonDocument in;
    if (!parse_json(in, req.body)) {
        return regular_error(400, req.path, "Request body is not valid JSON");
    }
    if (!in.IsArray() || in.Empty() || in.Size() > k_max_batch) {
        return validation_error(req.path,
                                {{"SIZE", "", "expected an array of 1 to 25 transactions"}});
    }
    std::vector<Violation> details;
    JsonDocument out(rapidjson::kArrayType);
    auto& a = out.GetAllocator();
    std::vector<StoredResource> fresh;
    std::vector<std::string> fresh_refs;
    std::set<std::string> batch_refs;
    for (rapidjson::SizeType i = 0; i < in.Size(); ++i) {
        const std::string ref = in[i].IsObject() ? member_string(in[i], "externalReference") : "";
        // A known reference is skipped and the existing record returned (§10.2); a repeat
        // within one batch counts as known too.
        if (!ref.empty()) {
            if (auto id = id_for_ref(store, req.org_id, k_transactions, ref)) {
                if (auto r = store.get(req.org_id, k_transactions, *id)) {
                    JsonDocument d;
                    parse_json(d, r->doc);
                    out.PushBack(JsonValue(d, a), a);
                    continue;
                }
            }
            if (!batch_refs.insert(ref).second) {
                for (std::size_t k = 0; k < fresh.size(); ++k) {
                    if (fresh_refs[k] == ref) {
                        JsonDocument d;
                        parse_json(d, fresh[k].doc);
                        out.PushBack(JsonValue(d, a), a);
                    }
                }
                continue;
            }
        }
        StoredResource r;
        r.id = new_uuid();
        r.version = 0;
        JsonDocument d = transaction_doc(store, req.org_id, in[i], i, r.id, details);
        r.created = member_string(d, "createdDate");
        r.updated = r.created;
        r.doc = to_json(d);
        out.PushBack(JsonValue(d, a), a);
        fresh.push_back(std::move(r));
        fresh_refs.push_back(ref);
    }
    if (!details.empty()) {
        return validation_error(req.path, details); // all or nothing
    }
    sqlite::Transaction tx(store.db());
    for (std::size_t k = 0; k < fresh.size(); ++k) {
        store.put(req.org_id, k_transactions, fresh[k]);
        if (!fresh_refs[k].empty()) {
            put_ref(store, req.org_id, k_transactions, fresh_refs[k], fresh[k].id);
        }
    }
    tx.commit();
    // The array is serialised through to_json so that amounts stay exact.
    return finance_json(201, out);
}

ApiResponse latest_transaction(Store& store, const ApiRequest& req) {
    const std::string account = ascii_lower(req.param("financialAccountId").value_or(""));
    if (account.empty()) {
        return regular_error(400, req.path, "financialAccountId parameter is required");
    }
    std::optional<JsonDocument> best;
    std::chrono::system_clock::time_point best_time{};
    for (const auto& r : store.list(req.org_id, k_transactions)) {
        JsonDocument d;
        parse_json(d, r.doc);
        if (member_string(d, "financialAccountId") != account) {
            continue;
        }
        const auto t = parse_timestamp(member_string(d, "transactionDate"));
        if (t && (!best || *t >= best_time)) {
            best_time = *t;
            best.emplace();
            best->CopyFrom(d, best->GetAllocator());
        }
    }
    if (!best) {
        // [U] Documented as empty or 404 for an account without transactions.
        return not_found(req, "Financial transaction");
    }
    return finance_json(200, *best);
}

ApiResponse get_resource(Store& store, const ApiRequest& req, const char* kind,
                         const std::string& id, const std::string& what) {
    const auto r = store.get(req.org_id, kind, id);
    if (!r) {
        return not_found(req, what);
    }
    JsonDocument d;
    parse_json(d, r->doc);
    return finance_json(200, d);
}

// --- Hints ---

ApiResponse create_hint(Store& store, const ApiRequest& req) {
    JsonDocument in;
    if (!parse_json(in, req.body) || !in.IsObject()) {
        return regular_error(400, req.path, "Request body is not a valid JSON object");
    }
    const std::string voucher = ascii_lower(member_string(in, "voucherId"));
    const std::string ref = member_string(in, "externalReference");
    const std::string e2e = member_string(in, "endToEndId");
    std::vector<Violation> details;
    if (!is_uuid(voucher)) {
        details.push_back({"NOTNULL", "voucherId", "must be a voucher id"});
    }
    if (ref.empty() == e2e.empty()) {
        // [U] Both at once → 406.
        details.push_back(
            {"INVALID", "externalReference", "give either externalReference or endToEndId"});
    }
    if (!details.empty()) {
        return validation_error(req.path, details);
    }
    // [U] The voucher must exist: a bookkeeping voucher or a sales invoice.
    if (!store.get(req.org_id, "vouchers", voucher) &&
        !store.get(req.org_id, "invoices", voucher)) {
        return validation_error(req.path, {{"INVALID", "voucherId", "unknown voucher"}});
    }
    // [U] One hint per voucher and transaction: a receipt paid in several charges gets one hint
    // per charge. The status of a repeated hint is not documented; the sandbox answers 409.
    const std::string id = voucher + "/" + (ref.empty() ? "e2e:" + e2e : ref);
    if (store.get(req.org_id, k_hints, id)) {
        return regular_error(409, req.path,
                             "A transaction assignment hint for this voucher already exists");
    }
    StoredResource r;
    r.id = id;
    r.created = now_timestamp();
    r.updated = r.created;
    r.doc = to_json(in);
    store.put(req.org_id, k_hints, r);
    // [U] 200 or 201 is undocumented; clients check the echoed voucherId.
    return json_response(201, in);
}

// Sandbox extension (not in the API): every hint, for tests.
ApiResponse list_hints(Store& store, const ApiRequest& req) {
    JsonDocument out(rapidjson::kArrayType);
    auto& a = out.GetAllocator();
    for (const auto& r : store.list(req.org_id, k_hints)) {
        JsonDocument d;
        parse_json(d, r.doc);
        out.PushBack(JsonValue(d, a), a);
    }
    return finance_json(200, out);
}

} // namespace

bool partner_only(const std::string& path) {
    return path.rfind("/v1/finance/", 0) == 0 || path == "/v1/finance" ||
           path.rfind("/v1/transaction-assignment-hint", 0) == 0;
}

ApiResponse api_key_refused(const std::string& path) {
    // [U] How the live gateway answers a Public API key on partner routes is not known (one probe
    // of other banking paths saw 404); 403 tells clients what is missing.
    return regular_error(403, path,
                         "Access denied: this endpoint needs a partner OAuth access token with the "
                         "finance scopes (finance.read, finance.write, "
                         "transaction-assignment-hint.write); API keys cannot use it");
}

std::optional<ApiResponse> route(Store& store, const ApiRequest& req) {
    if (!partner_only(req.path)) {
        return std::nullopt;
    }
    ensure_schema(store);
    const std::string& m = req.method;
    const bool write = m == "POST" || m == "PUT";
    if (write && !is_json(req.content_type)) {
        return unsupported(req);
    }
    std::vector<std::string> seg;
    for (std::size_t pos = 4; pos <= req.path.size();) {
        const auto slash = req.path.find('/', pos);
        seg.push_back(
            req.path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos));
        if (slash == std::string::npos) {
            break;
        }
        pos = slash + 1;
    }
    if (seg.size() == 1 && seg[0] == "transaction-assignment-hint") {
        if (m == "POST") {
            return create_hint(store, req);
        }
        if (m == "GET") {
            return list_hints(store, req);
        }
        return std::nullopt;
    }
    if (seg.size() < 2 || seg[0] != "finance") {
        return std::nullopt;
    }
    const std::string id = seg.size() > 2 ? ascii_lower(seg[2]) : std::string();
    if (seg[1] == "accounts") {
        if (seg.size() == 2 && m == "POST") {
            return create_account(store, req);
        }
        if (seg.size() == 2 && m == "GET") {
            return list_accounts(store, req);
        }
        if (seg.size() == 3 && m == "GET") {
            return get_resource(store, req, k_accounts, id, "Financial account");
        }
        if (seg.size() == 3 && m == "PUT") {
            return update_account(store, req, id);
        }
        if (seg.size() == 3 && m == "DELETE") {
            return delete_account(store, req, id);
        }
        return std::nullopt;
    }
    if (seg[1] == "transactions") {
        if (seg.size() == 2 && m == "POST") {
            return create_transactions(store, req);
        }
        if (seg.size() == 3 && m == "GET" && seg[2] == "latest-transaction") {
            return latest_transaction(store, req);
        }
        if (seg.size() == 3 && m == "GET") {
            return get_resource(store, req, k_transactions, id, "Financial transaction");
        }
        if (seg.size() == 4 && m == "GET" && seg[3] == "assignments") {
            if (!store.get(req.org_id, k_transactions, id)) {
                return not_found(req, "Financial transaction");
            }
            // [U] lexoffice's automatic assignment links a transaction to the vouchers hinted for
            // its externalReference; the sandbox does so at once. Other assignments are made by
            // the user in the web app, which the sandbox has not.
            const auto t = store.get(req.org_id, k_transactions, id);
            JsonDocument td;
            parse_json(td, t->doc);
            const std::string ref = member_string(td, "externalReference");
            JsonDocument out(rapidjson::kArrayType);
            auto& a = out.GetAllocator();
            for (const auto& h : store.list(req.org_id, k_hints)) {
                JsonDocument hd;
                parse_json(hd, h.doc);
                if (!ref.empty() && member_string(hd, "externalReference") == ref) {
                    JsonValue item(rapidjson::kObjectType);
                    item.AddMember("id", json_str(ascii_lower(member_string(hd, "voucherId")), a),
                                   a);
                    item.AddMember("type", "voucher", a);
                    out.PushBack(item, a);
                }
            }
            return json_response(200, out);
        }
        if (seg.size() == 3 && m == "DELETE") {
            if (!store.get(req.org_id, k_transactions, id)) {
                return not_found(req, "Financial transaction");
            }
            remove(store, req.org_id, k_transactions, id);
            ApiResponse r;
            r.status = 204;
            return r;
        }
    }
    return std::nullopt;
}

} // namespace lexsync::sandbox::finance
