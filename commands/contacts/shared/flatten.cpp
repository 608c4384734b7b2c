#include "commands/contacts/shared/flatten.hpp"

namespace lexsync::commands::contacts {

const std::vector<Column>& flat_columns() {
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
    return cols;
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

} // namespace lexsync::commands::contacts
