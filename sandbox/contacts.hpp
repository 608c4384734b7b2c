// --- Interface ---
// The contacts resource (§9.2): create, read, full-replacement update and the filtered, paged
// listing. Errors use the legacy IssueList format. Callers hold the server's state lock.
#pragma once

#include "sandbox/store.hpp"
#include "sandbox/support.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace lexsync::sandbox::contacts {

// The resource kind under which contacts are stored.
inline constexpr const char* k_kind = "contacts";

// POST /v1/contacts: 201 action result with Location, or 400/406.
ApiResponse create(Store& store, const ApiRequest& req);
// GET /v1/contacts/{id}: the contact, or 404.
ApiResponse get(Store& store, const ApiRequest& req, const std::string& id);
// PUT /v1/contacts/{id}: 200 action result, or 404/406.
ApiResponse update(Store& store, const ApiRequest& req, const std::string& id);
// GET /v1/contacts: a page of contacts; `listing_window` caps totalElements (0 = unlimited).
ApiResponse list(Store& store, const ApiRequest& req, long listing_window);

// The resource kind under which contact bank accounts are stored (each names its contactId).
inline constexpr const char* k_bank_accounts_kind = "contact-bankaccounts";
// Whether `path` is a contact's bank accounts (/v1/contacts/{id}/bankaccounts[/{id}]), a partner
// route.
bool is_bank_accounts_path(const std::string& path);
// GET /v1/contacts/{id}/bankaccounts: the bare array of the contact's bank accounts (empty when
// none), or 404. POST: 201 action result, or 404/406. GET …/bankaccounts/{bankAccountId}: the bank
// account, or 404; PUT: 200 action result, or 404/406 (a stale contact version is a 406 naming
// `version`); DELETE: 204, or 404. `contact_id` and `account_id` are lower case; `account_id` is
// empty for the list.
ApiResponse bank_accounts(Store& store, const ApiRequest& req, const std::string& contact_id,
                          const std::string& account_id);

// A seed contact that cannot be stored: its problems as the API would name them (`source` is a
// path inside the contact, e.g. "addresses.billing[0].countryCode").
class SeedContactError : public std::runtime_error {
public:
    explicit SeedContactError(std::vector<Issue> issues);
    const std::vector<Issue>& issues() const { return m_issues; }

private:
    std::vector<Issue> m_issues;
};

// Stores one contact from a seed (read-only fields such as numbers, archived and id may be
// given; API write limits are not enforced, as for contacts made in the web app). Throws
// SeedContactError when the object is unusable.
void seed(Store& store, const std::string& org_id, const JsonValue& contact);

} // namespace lexsync::sandbox::contacts
