// --- Interface ---
// Customer data for the archive index (name, customer number, VAT id), resolved once per run:
// single GETs for a few contacts, the contacts list when that takes fewer requests.
#pragma once

#include <functional>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/util/result.hpp>
#include <map>
#include <set>
#include <string>

namespace lexsync::commands::invoices::archive {

struct ContactInfo {
    std::string name;   // company name, or "first last" of a person
    std::string number; // customer number
    std::string vat_id; // company.vatRegistrationId
};

// The index data of one contact object.
ContactInfo contact_info(const json::Value& contact);

// Resolves `ids`: one GET for a single id; for more, the first list page (250 contacts) tells how
// many pages there are, and the rest comes from further pages or single GETs, whichever takes
// fewer requests. Ids the API does not know are left out (and passed to `missing`); other errors
// are returned.
Result<std::map<std::string, ContactInfo>, ApiError>
resolve_contacts(ApiClient& client, const std::set<std::string>& ids,
                 const std::function<void(const std::string&)>& missing = {});

} // namespace lexsync::commands::invoices::archive
