// --- Interface ---
// The lexoffice account (organisation and API host) a run works on, and the ledger file that
// belongs to it. lexoffice is the truth and the ledger only a cache of it, so a ledger is never
// shared between accounts: each organisation and host has its own file in the state directory.
// A profile re-connected to another organisation, or two profiles sharing one state directory,
// therefore start from an empty ledger of their own, which every command rebuilds from lexoffice
// before it writes.
#pragma once

#include <filesystem>
#include <lexsync/api/client.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/json.hpp>
#include <lexsync/util/result.hpp>
#include <memory>
#include <optional>
#include <string>

namespace lexsync {

struct Account {
    std::string organization_id;
    std::string company_name;
    std::string base_url; // as configured, e.g. https://api.lexware.io
};

// True when `a` and `b` are one account: the same organisation on the same API host (see
// normalized_base_url()).
bool same_account(const Account& a, const Account& b);

// `base_url` lower-cased without a trailing slash; the legacy gateway api.lexoffice.io counts as
// api.lexware.io (one service under two names).
std::string normalized_base_url(const std::string& base_url);

// The Account in a GET /v1/profile answer `profile` read from `base_url`; an error message when
// the answer has no organizationId.
Result<Account, std::string> account_from_profile(const json::Value& profile,
                                                  const std::string& base_url);

// Reads GET /v1/profile (one request) with `client`; the ApiError of the request, or a
// bad_response error when the answer names no organisation.
Result<Account, ApiError> fetch_account(ApiClient& client);

// The ledger file of `account` in `state_dir`: state-<organizationId>-<8 hex digits of the host's
// SHA-256>.db. An organizationId that is not a plain UUID-like word is replaced by its hash, so
// that no answer can name a path outside `state_dir`.
std::filesystem::path ledger_file(const std::filesystem::path& state_dir, const Account& account);

// Opens the ledger of `account` in `state_dir` and binds it to the account (recorded on first
// use). Throws Error(config) when the file records another organisation (a copied file).
std::unique_ptr<StateStore> open_account_state(const std::filesystem::path& state_dir,
                                               const Account& account);

// Records that profile `profile` last worked on `account` (a small file in `state_dir`) and
// returns the account it worked on before when that was another one; nullopt otherwise, also
// when nothing was recorded yet.
std::optional<Account> remember_account(const std::filesystem::path& state_dir,
                                        const std::string& profile, const Account& account);

} // namespace lexsync
