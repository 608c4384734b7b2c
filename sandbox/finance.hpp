// --- Interface ---
// The partner finance endpoints (§10): financial accounts, financial transactions and transaction
// assignment hints. Errors use the regular format. Callers hold the server's state lock; the
// gateway admits only OAuth access tokens with the finance scopes (see partner_only()).
#pragma once

#include "sandbox/store.hpp"
#include "sandbox/support.hpp"

#include <optional>
#include <string>

namespace lexsync::sandbox::finance {

// Store kinds.
inline constexpr const char* k_accounts = "finance-accounts";
inline constexpr const char* k_transactions = "finance-transactions";
inline constexpr const char* k_hints = "transaction-assignment-hints";

// True for the partner-only routes this module serves (/v1/finance/…,
// /v1/transaction-assignment-hint): static API keys get 403 there.
bool partner_only(const std::string& path);

// The 403 a static API key gets on a partner-only route.
ApiResponse api_key_refused(const std::string& path);

// Answers a /v1/finance/… or /v1/transaction-assignment-hint request; nullopt for other paths.
std::optional<ApiResponse> route(Store& store, const ApiRequest& req);

} // namespace lexsync::sandbox::finance
