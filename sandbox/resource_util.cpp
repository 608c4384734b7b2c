#include "sandbox/resource_util.hpp"

#include <algorithm>
#include <cctype>
#include <lexsync/util/strings.hpp>

namespace lexsync::sandbox {

const JsonValue* member(const JsonValue& obj, const char* key) {
    if (!obj.IsObject()) {
        return nullptr;
    }
    const auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || it->value.IsNull()) {
        return nullptr;
    }
    return &it->value;
}

std::string member_string(const JsonValue& obj, const char* key) {
    const JsonValue* v = member(obj, key);
    if (!v || !v->IsString()) {
        return {};
    }
    return std::string(v->GetString(), v->GetStringLength());
}

ApiResponse action_result(int status, const ApiRequest& req, const std::string& collection,
                          const StoredResource& r, bool location) {
    JsonDocument d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    const std::string uri = "http://" + req.host + "/v1/" + collection + "/" + r.id;
    d.AddMember("id", json_str(r.id, a), a);
    d.AddMember("resourceUri", json_str(uri, a), a);
    d.AddMember("createdDate", json_str(r.created, a), a);
    d.AddMember("updatedDate", json_str(r.updated, a), a);
    d.AddMember("version", r.version, a);
    ApiResponse res = json_response(status, d);
    if (location) {
        res.headers.emplace_back("Location", uri);
    }
    return res;
}

JsonDocument organization_profile(Store& store, const std::string& org_id) {
    JsonDocument d;
    const auto doc = store.organization(org_id);
    if (!doc || !parse_json(d, *doc) || !d.IsObject()) {
        d.SetObject();
    }
    return d;
}

std::vector<std::string> accepted_types(const std::string& accept) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= accept.size()) {
        const auto comma = accept.find(',', pos);
        std::string item =
            accept.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        const auto semi = item.find(';');
        if (semi != std::string::npos) {
            item.resize(semi);
        }
        const auto first = item.find_first_not_of(" \t");
        const auto last = item.find_last_not_of(" \t");
        if (first != std::string::npos) {
            out.push_back(ascii_lower(item.substr(first, last - first + 1)));
        }
        if (comma == std::string::npos) {
            break;
        }
        pos = comma + 1;
    }
    if (out.empty()) {
        out.emplace_back("*/*");
    }
    return out;
}

JsonDocument page_envelope(JsonValue& content, JsonAllocator& a, std::int64_t page,
                           std::int64_t size, std::int64_t total, const char* sort_property,
                           bool ascending) {
    const std::int64_t total_pages = size > 0 ? (total + size - 1) / size : 0;
    const std::int64_t count = content.Size();
    JsonDocument d(rapidjson::kObjectType, &a);
    d.AddMember("content", content, a);
    d.AddMember("first", page == 0, a);
    d.AddMember("last", page >= total_pages - 1, a);
    d.AddMember("totalPages", total_pages, a);
    d.AddMember("totalElements", total, a);
    d.AddMember("numberOfElements", count, a);
    d.AddMember("size", size, a);
    d.AddMember("number", page, a);
    if (sort_property) {
        JsonValue sort(rapidjson::kArrayType);
        JsonValue by(rapidjson::kObjectType);
        by.AddMember("property", json_str(sort_property, a), a);
        by.AddMember("direction", json_str(ascending ? "ASC" : "DESC", a), a);
        by.AddMember("ignoreCase", false, a);
        by.AddMember("nullHandling", "NATIVE", a);
        by.AddMember("ascending", ascending, a);
        sort.PushBack(by, a);
        d.AddMember("sort", sort, a);
    }
    return d;
}

std::string contact_display_name(const JsonValue& contact) {
    if (const JsonValue* company = member(contact, "company")) {
        return member_string(*company, "name");
    }
    if (const JsonValue* person = member(contact, "person")) {
        const std::string first = member_string(*person, "firstName");
        const std::string last = member_string(*person, "lastName");
        return first.empty() ? last : first + " " + last;
    }
    return {};
}

} // namespace lexsync::sandbox
