#include "commands/contacts/shared/flatten.hpp"

#include <fmt/format.h>
#include <lexsync/records/contacts.hpp>

namespace lexsync::commands::contacts {

const std::vector<Column>& flat_columns(bool bank_accounts) {
    static const std::vector<Column> cols = {
        {"id", "id"},
        {"customer", "customerNumber"},
        {"vendor", "vendorNumber"},
        {"type", "type"},
        {"name", "name"},
        {"email", "email"},
        {"phone", "phone"},
        {"street", "street"},
        {"zip", "zip"},
        {"city", "city"},
        {"country", "countryCode"},
        {"archived", "archived"},
        {"version", "version"},
    };
    static const std::vector<Column> with_iban = [] {
        std::vector<Column> c = cols;
        c.insert(c.end() - 2, Column{"iban", "iban"});
        return c;
    }();
    return bank_accounts ? with_iban : cols;
}

void flatten(const json::Value& c, json::Document& out) {
    out.SetObject();
    auto& a = out.GetAllocator();
    auto put = [&](const char* key, const std::optional<std::string>& v) {
        out.AddMember(rapidjson::StringRef(key), v ? json::str(*v, a) : json::Value(), a);
    };
    auto first_of = [&](const char* path) -> std::optional<std::string> {
        const auto* v = json::find(c, path);
        if (v && v->IsObject()) {
            for (const auto& cat : v->GetObject()) {
                if (cat.value.IsArray() && !cat.value.Empty() && cat.value[0].IsString()) {
                    return std::string(cat.value[0].GetString());
                }
            }
        }
        return std::nullopt;
    };
    put("id", json::get_string(c, "id"));
    auto num = [&](const char* path) -> std::optional<std::string> {
        auto n = json::get_int(c, path);
        return n ? std::optional<std::string>(std::to_string(*n)) : std::nullopt;
    };
    put("customerNumber", num("roles.customer.number"));
    put("vendorNumber", num("roles.vendor.number"));
    if (auto company = json::get_string(c, "company.name")) {
        put("type", std::string("company"));
        put("name", company);
    } else {
        put("type", std::string("person"));
        const std::string first = json::get_string(c, "person.firstName").value_or("");
        const std::string last = json::get_string(c, "person.lastName").value_or("");
        put("name", first.empty() ? last : first + " " + last);
    }
    put("email", first_of("emailAddresses"));
    put("phone", first_of("phoneNumbers"));
    const json::Value* billing = json::find(c, "addresses.billing");
    const json::Value* addr =
        billing && billing->IsArray() && !billing->Empty() ? &(*billing)[0] : nullptr;
    for (const char* k : {"street", "zip", "city", "countryCode"}) {
        put(k, addr ? json::get_string(*addr, k) : std::nullopt);
    }
    out.AddMember("archived", json::get_bool(c, "archived").value_or(false), a);
    out.AddMember("version", static_cast<std::int64_t>(json::get_int(c, "version").value_or(0)), a);
}

const std::vector<Column>& push_columns(bool bank_accounts) {
    static const std::vector<Column> cols = [] {
        std::vector<Column> c;
        for (const auto& f : lexsync::contacts::k_input_fields) {
            if (f != "ref") {
                c.push_back({f, f});
            }
        }
        return c;
    }();
    static const std::vector<Column> with_bank = [] {
        std::vector<Column> c = cols;
        for (const auto& f : lexsync::contacts::k_bank_fields) {
            c.push_back({f, f});
        }
        return c;
    }();
    return bank_accounts ? with_bank : cols;
}

std::size_t flatten_bank_accounts(const json::Value& accounts, json::Document& out) {
    auto& a = out.GetAllocator();
    const auto list = lexsync::contacts::parse_bank_accounts(accounts);
    const lexsync::contacts::BankAccount none;
    const auto& first = list.empty() ? none : list.front();
    for (const auto& [key, value] :
         {std::pair<const char*, const std::string*>{"bank_account_holder", &first.holder},
          {"bank_name", &first.bank_name},
          {"iban", &first.iban},
          {"bic", &first.bic}}) {
        json::set(out, key, json::str(*value, a), a);
    }
    return list.size() > 1 ? list.size() - 1 : 0;
}

std::size_t flatten_for_push(const json::Value& c, json::Document& out,
                             std::size_t* addresses_left_out) {
    std::size_t left_out = 0;
    out.SetObject();
    auto& a = out.GetAllocator();
    std::map<std::string, std::string> v;
    auto set = [&](const char* key, const std::optional<std::string>& value) {
        if (value) {
            v[key] = *value;
        }
    };
    // Every value of a list, in one cell (lexsync::contacts::join_values).
    auto all = [&](const json::Value* list) -> std::optional<std::string> {
        std::vector<std::string> values;
        if (list && list->IsArray()) {
            for (const auto& e : list->GetArray()) {
                if (e.IsString()) {
                    values.emplace_back(e.GetString(), e.GetStringLength());
                }
            }
        }
        return lexsync::contacts::join_values(values);
    };
    set("id", json::get_string(c, "id"));
    if (auto n = json::get_int(c, "roles.customer.number")) {
        v["customer_number"] = std::to_string(*n);
    }
    if (auto n = json::get_int(c, "roles.vendor.number")) {
        v["vendor_number"] = std::to_string(*n);
    }
    const bool customer = json::find(c, "roles.customer") != nullptr;
    const bool vendor = json::find(c, "roles.vendor") != nullptr;
    v["role"] = customer && vendor ? "both" : customer ? "customer" : vendor ? "vendor" : "";
    if (const json::Value* company = json::find(c, "company"); company && company->IsObject()) {
        set("company_name", json::get_string(*company, "name"));
        set("tax_number", json::get_string(*company, "taxNumber"));
        set("vat_id", json::get_string(*company, "vatRegistrationId"));
        if (auto b = json::get_bool(*company, "allowTaxFreeInvoices")) {
            v["allow_tax_free_invoices"] = *b ? "true" : "false";
        }
        const json::Value* persons = json::find(*company, "contactPersons");
        const rapidjson::SizeType count = persons && persons->IsArray() ? persons->Size() : 0;
        for (rapidjson::SizeType i = 0; i < count; ++i) {
            const json::Value& p = (*persons)[i];
            if (!p.IsObject()) {
                continue;
            }
            if (i >= lexsync::contacts::k_max_persons) {
                ++left_out;
                continue;
            }
            // The first contact person in the columns without a number, the others in
            // person2_*, person3_*.
            const std::string n = i == 0 ? std::string() : fmt::format("person{}_", i + 1);
            const std::string own = i == 0 ? "person_" : n;
            set((n + "salutation").c_str(), json::get_string(p, "salutation"));
            set((n + "first_name").c_str(), json::get_string(p, "firstName"));
            set((n + "last_name").c_str(), json::get_string(p, "lastName"));
            set((own + "email").c_str(), json::get_string(p, "emailAddress"));
            set((own + "phone").c_str(), json::get_string(p, "phoneNumber"));
        }
    } else if (const json::Value* person = json::find(c, "person")) {
        set("salutation", json::get_string(*person, "salutation"));
        set("first_name", json::get_string(*person, "firstName"));
        set("last_name", json::get_string(*person, "lastName"));
    }
    for (const auto& [column, path] : {std::pair<const char*, const char*>{"email", "business"},
                                       {"email_office", "office"},
                                       {"email_private", "private"},
                                       {"email_other", "other"}}) {
        const json::Value* kinds = json::find(c, "emailAddresses");
        set(column, kinds && kinds->IsObject() ? all(json::find(*kinds, path)) : std::nullopt);
    }
    for (const auto& [column, path] : {std::pair<const char*, const char*>{"phone", "business"},
                                       {"phone_office", "office"},
                                       {"mobile", "mobile"},
                                       {"phone_private", "private"},
                                       {"fax", "fax"},
                                       {"phone_other", "other"}}) {
        const json::Value* kinds = json::find(c, "phoneNumbers");
        set(column, kinds && kinds->IsObject() ? all(json::find(*kinds, path)) : std::nullopt);
    }
    for (const auto& [kind, prefix] :
         {std::pair<const char*, std::string>{"billing", ""}, {"shipping", "shipping_"}}) {
        const json::Value* list = json::find(c, std::string("addresses.") + kind);
        const rapidjson::SizeType count = list && list->IsArray() ? list->Size() : 0;
        for (rapidjson::SizeType i = 0; i < count; ++i) {
            const json::Value& addr = (*list)[i];
            if (!addr.IsObject()) {
                continue;
            }
            if (i >= lexsync::contacts::k_max_addresses) {
                if (addresses_left_out != nullptr) {
                    ++*addresses_left_out;
                }
                continue;
            }
            // The first address in the columns without a number (shipping_*), the others in
            // billing2_*, billing3_* (shipping2_*, shipping3_*).
            const std::string n = i == 0 ? prefix : fmt::format("{}{}_", kind, i + 1);
            for (const auto& [column, key] :
                 {std::pair<const char*, const char*>{"street", "street"},
                  {"supplement", "supplement"},
                  {"zip", "zip"},
                  {"city", "city"},
                  {"country", "countryCode"}}) {
                if (auto s = json::get_string(addr, key)) {
                    v[n + column] = *s;
                }
            }
        }
    }
    set("note", json::get_string(c, "note"));
    set("buyer_reference", json::get_string(c, "xRechnung.buyerReference"));
    set("vendor_number_at_customer", json::get_string(c, "xRechnung.vendorNumberAtCustomer"));
    for (const auto& col : push_columns()) {
        auto it = v.find(col.path);
        out.AddMember(json::str(col.path, a),
                      it == v.end() ? json::str("", a) : json::str(it->second, a), a);
    }
    return left_out;
}

} // namespace lexsync::commands::contacts
