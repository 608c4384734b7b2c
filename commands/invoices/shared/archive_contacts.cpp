#include "commands/invoices/shared/archive_contacts.hpp"

#include <vector>

namespace lexsync::commands::invoices::archive {

ContactInfo contact_info(const json::Value& c) {
    ContactInfo info;
    if (auto company = json::get_string(c, "company.name")) {
        info.name = *company;
    } else {
        const std::string first = json::get_string(c, "person.firstName").value_or("");
        const std::string last = json::get_string(c, "person.lastName").value_or("");
        info.name = first.empty() ? last : (last.empty() ? first : first + " " + last);
    }
    if (const auto* n = json::find(c, "roles.customer.number")) {
        if (n->IsString()) {
            info.number = n->GetString();
        } else if (n->IsNumber()) {
            info.number = json::number_text(*n).value_or("");
        }
    }
    info.vat_id = json::get_string(c, "company.vatRegistrationId").value_or("");
    return info;
}

Result<std::map<std::string, ContactInfo>, ApiError>
resolve_contacts(ApiClient& client, const std::set<std::string>& ids,
                 const std::function<void(const std::string&)>& missing) {
    std::map<std::string, ContactInfo> found;
    std::set<std::string> wanted = ids;
    wanted.erase(std::string());

    auto take_page = [&](const json::Document& page) {
        if (const auto* content = json::find(page, "content"); content && content->IsArray()) {
            for (const auto& c : content->GetArray()) {
                const auto id = json::get_string(c, "id");
                if (id && wanted.count(*id) != 0) {
                    found[*id] = contact_info(c);
                    wanted.erase(*id);
                }
            }
        }
    };

    if (wanted.size() >= 2) {
        auto first = client.get_json("/v1/contacts", {{"page", "0"}, {"size", "250"}});
        if (!first) {
            return unexpected(std::move(first).error());
        }
        take_page(*first);
        const long pages = json::get_int(*first, "totalPages").value_or(1);
        // Listing reaches at most the API's 10,000-result window (40 pages of 250).
        const long listable = std::min<long>(pages, PageIterator::k_window / 250);
        if (!wanted.empty() && listable - 1 <= static_cast<long>(wanted.size())) {
            for (long p = 1; p < listable && !wanted.empty(); ++p) {
                auto page =
                    client.get_json("/v1/contacts", {{"page", std::to_string(p)}, {"size", "250"}});
                if (!page) {
                    return unexpected(std::move(page).error());
                }
                take_page(*page);
            }
        }
    }
    const std::vector<std::string> rest(wanted.begin(), wanted.end());
    for (const auto& id : rest) {
        auto c = client.get_json("/v1/contacts/" + url_encode(id));
        if (!c) {
            if (c.error().status == 404) {
                if (missing) {
                    missing(id);
                }
                continue;
            }
            return unexpected(std::move(c).error());
        }
        found[id] = contact_info(*c);
    }
    return found;
}

} // namespace lexsync::commands::invoices::archive
