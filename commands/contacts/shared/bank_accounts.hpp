// --- Interface ---
// What the contact bank accounts of `contacts pull --bank-accounts` and `contacts push` need of
// the profile: lexoffice serves them to partner OAuth connections with the scopes
// contacts.bankaccounts.read and contacts.bankaccounts.write only, never to API keys (§1.4,
// §9.2). Both commands check this before they send anything.
#pragma once

#include "cli/context.hpp"

#include <string>

namespace lexsync::commands::contacts {

// Why the profile cannot read (`write` false) or write bank accounts, or "" when it can or when
// the connection does not say which scopes it was granted.
std::string bank_accounts_problem(Context& ctx, bool write);

// The message of a refusal: `why` (bank_accounts_problem()), what to do, and that nothing was
// sent; `command` is "contacts pull" or "contacts push".
std::string bank_accounts_refusal(const std::string& command, const std::string& why, bool write);

} // namespace lexsync::commands::contacts
