// --- Interface ---
// The voucher list (§9.7): a read-only, filtered and paged projection of sales vouchers (invoice,
// creditnote) and bookkeeping vouchers (salesinvoice, purchaseinvoice, …). Regular error format.
#pragma once

#include "sandbox/store.hpp"
#include "sandbox/support.hpp"

namespace lexsync::sandbox::voucherlist {

// GET /v1/voucherlist: a page of rows; 400 for missing/invalid parameters; `listing_window`
// caps totalElements (0 = unlimited).
ApiResponse list(Store& store, const ApiRequest& req, long listing_window);

} // namespace lexsync::sandbox::voucherlist
