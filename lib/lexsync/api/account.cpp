// The account a ledger belongs to, and waiting out writes that may still be in flight.
#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/api/account.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <lexsync/util/safe_name.hpp>

namespace lexsync {

namespace {

// A UUID-like word: letters, digits and dashes, at most 64 characters.
bool plain_id(const std::string& s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '-';
    });
}

} // namespace

std::string normalized_base_url(const std::string& base_url) {
    std::string s = base_url;
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    while (!s.empty() && s.back() == '/') {
        s.pop_back();
    }
    if (s == "https://api.lexoffice.io") {
        s = "https://api.lexware.io";
    }
    return s;
}

bool same_account(const Account& a, const Account& b) {
    return a.organization_id == b.organization_id &&
           normalized_base_url(a.base_url) == normalized_base_url(b.base_url);
}

Result<Account, std::string> account_from_profile(const json::Value& profile,
                                                  const std::string& base_url) {
    Account a;
    a.organization_id = json::get_string(profile, "organizationId").value_or("");
    a.company_name = json::get_string(profile, "companyName").value_or("");
    a.base_url = base_url;
    if (a.organization_id.empty()) {
        return unexpected(std::string("GET /v1/profile answered no organizationId"));
    }
    return a;
}

Result<Account, ApiError> fetch_account(ApiClient& client) {
    auto profile = client.get_json("/v1/profile");
    if (!profile) {
        return unexpected(std::move(profile).error());
    }
    auto a = account_from_profile(*profile, client.base_url());
    if (!a) {
        ApiError e;
        e.kind = ApiError::Kind::protocol;
        e.message = a.error();
        return unexpected(e);
    }
    return std::move(a).value();
}

std::filesystem::path ledger_file(const std::filesystem::path& state_dir, const Account& account) {
    const std::string org = plain_id(account.organization_id)
                                ? account.organization_id
                                : sha256_hex(account.organization_id).substr(0, 32);
    const std::string host = sha256_hex(normalized_base_url(account.base_url)).substr(0, 8);
    return state_dir / fmt::format("state-{}-{}.db", org, host);
}

std::unique_ptr<StateStore> open_account_state(const std::filesystem::path& state_dir,
                                               const Account& account) {
    const auto file = ledger_file(state_dir, account);
    auto store = std::make_unique<StateStore>(file);
    store->bind_account(account.organization_id, account.base_url, account.company_name);
    const auto bound = store->bound_account();
    if (!bound || bound->first != account.organization_id) {
        throw Error(ExitCode::config,
                    fmt::format("{} is the ledger of organisation {}, not of {} that this key "
                                "belongs to; was it copied? Move it away, lexsync rebuilds the "
                                "ledger from lexoffice",
                                file.string(), bound ? bound->first : std::string("(none)"),
                                account.organization_id));
    }
    return store;
}

std::optional<Account> remember_account(const std::filesystem::path& state_dir,
                                        const std::string& profile, const Account& account) {
    const auto file = state_dir / fmt::format("account-{}.txt", safe_file_name(profile));
    std::optional<Account> before;
    if (std::ifstream in(file); in) {
        Account a;
        std::string line;
        while (std::getline(in, line)) {
            const auto eq = line.find('=');
            if (eq == std::string::npos) {
                continue;
            }
            const std::string k = line.substr(0, eq);
            const std::string v = line.substr(eq + 1);
            if (k == "organizationId") {
                a.organization_id = v;
            } else if (k == "companyName") {
                a.company_name = v;
            } else if (k == "baseUrl") {
                a.base_url = v;
            }
        }
        if (!a.organization_id.empty()) {
            before = a;
        }
    }
    if (before && same_account(*before, account) && before->company_name == account.company_name) {
        return std::nullopt;
    }
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
    auto one_line = [](std::string s) {
        std::replace(s.begin(), s.end(), '\n', ' ');
        std::replace(s.begin(), s.end(), '\r', ' ');
        return s;
    };
    write_file_atomically(file,
                          fmt::format("organizationId={}\ncompanyName={}\nbaseUrl={}\n",
                                      one_line(account.organization_id),
                                      one_line(account.company_name), one_line(account.base_url)),
                          0600);
    if (before && !same_account(*before, account)) {
        return before;
    }
    return std::nullopt;
}

} // namespace lexsync
