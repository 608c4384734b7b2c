// --- Interface ---
// Bookkeeping vouchers (§9.8): create, read, full-replacement update with files semantics, the
// voucherNumber lookup, and the unchecked vouchers made by uploads. Errors use the legacy
// IssueList format. Callers hold the server's state lock.
#pragma once

#include "sandbox/store.hpp"
#include "sandbox/support.hpp"

#include <string>

namespace lexsync::sandbox::vouchers {

// The resource kind under which bookkeeping vouchers are stored.
inline constexpr const char* k_kind = "vouchers";

// POST /v1/vouchers: 201 action result with Location, or 400/406.
ApiResponse create(Store& store, const ApiRequest& req);
// GET /v1/vouchers/{id}: the voucher, or 404 (also while an upload's voucher is still hidden).
ApiResponse get(Store& store, const ApiRequest& req, const std::string& id);
// PUT /v1/vouchers/{id}: 200 action result, or 404/406/409.
ApiResponse update(Store& store, const ApiRequest& req, const std::string& id);
// GET /v1/vouchers?voucherNumber=: a page of full vouchers with that number; 400 without it.
ApiResponse find_by_number(Store& store, const ApiRequest& req);

// True while the voucher of a fresh upload is not yet visible.
bool hidden(Store& store, const std::string& org_id, const std::string& id);
// Creates the unchecked purchase invoice that holds an uploaded file; returns its id. It stays
// invisible for `visibility_delay_ms`.
std::string create_for_upload(Store& store, const std::string& org_id, const std::string& file_id,
                              int visibility_delay_ms);
// Adds `file_id` to a voucher's files (a new version); false when the voucher is unknown.
bool attach_file(Store& store, const std::string& org_id, const std::string& voucher_id,
                 const std::string& file_id);

} // namespace lexsync::sandbox::vouchers
