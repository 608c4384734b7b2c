#include "commands/contacts/shared/bank_accounts.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <lexsync/api/oauth.hpp>

namespace lexsync::commands::contacts {

std::string bank_accounts_problem(Context& ctx, bool write) {
    const auto source = ctx.oauth_source();
    if (!source) {
        return "this profile uses an API key, and lexoffice serves contact bank accounts to "
               "partner OAuth connections only";
    }
    const std::string granted = source->tokens().scope;
    if (granted.empty()) {
        return {}; // not known: the request will tell
    }
    const auto scopes = oauth::parse_scopes(granted);
    std::string missing;
    for (const char* need : {"contacts.bankaccounts.read", "contacts.bankaccounts.write"}) {
        if (!write && std::string_view(need) == "contacts.bankaccounts.write") {
            continue;
        }
        if (std::find(scopes.begin(), scopes.end(), need) == scopes.end()) {
            missing += (missing.empty() ? "" : " and ") + std::string(need);
        }
    }
    if (missing.empty()) {
        return {};
    }
    return fmt::format("this profile's OAuth connection was not granted {}", missing);
}

std::string bank_accounts_refusal(const std::string& command, const std::string& why, bool write) {
    const char* scopes = write ? "contacts.bankaccounts.read,contacts.bankaccounts.write"
                               : "contacts.bankaccounts.read";
    return fmt::format(
        "{}: {}. Connect a partner application with `lexsync auth login --oauth --scopes "
        "profile.read,contacts.read,contacts.write,{}`{}. Nothing was sent",
        command, why, scopes,
        write ? ", or leave the bank account columns (bank_account_holder, bank_name, iban, bic) "
                "empty"
              : ", or pull without --bank-accounts");
}

} // namespace lexsync::commands::contacts
