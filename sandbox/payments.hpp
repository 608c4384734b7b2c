// --- Interface ---
// Payment information (§9.10): the open amount and payment items of finalized sales vouchers and
// open bookkeeping vouchers, and GET /v1/payments/{voucherId}. Callers hold the state lock.
#pragma once

#include "sandbox/store.hpp"
#include "sandbox/support.hpp"

#include <optional>
#include <string>

namespace lexsync::sandbox::payments {

// The resource kind holding each voucher's payment state.
inline constexpr const char* k_state_kind = "payment-state";

// Starts the payment state of a voucher as open with `amount`.
void open(Store& store, const std::string& org_id, const std::string& voucher_id, Decimal amount);
// Marks a voucher as settled on `paid_date` (open amount 0).
void settle(Store& store, const std::string& org_id, const std::string& voucher_id,
            const std::string& paid_date);
// Records a payment item and lowers the open amount (not below 0); returns the new open amount.
Decimal add_item(Store& store, const std::string& org_id, const std::string& voucher_id,
                 const std::string& item_type, const std::string& posting_date, Decimal amount);
// The open amount, or nullopt when the voucher has no payment state (drafts, unchecked).
std::optional<Decimal> open_amount(Store& store, const std::string& org_id,
                                   const std::string& voucher_id);

// GET /v1/payments/{id}: 200, 404 for unknown ids, 406 for drafts and unchecked vouchers.
ApiResponse get(Store& store, const ApiRequest& req, const std::string& id);

} // namespace lexsync::sandbox::payments
