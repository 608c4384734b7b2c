// --- Interface ---
// Files (§9.9): uploads that create unchecked bookkeeping vouchers, uploads to an existing
// voucher, and downloads with Accept negotiation. Upload errors use the legacy IssueList format.
// Callers hold the server's state lock.
#pragma once

#include "sandbox/store.hpp"
#include "sandbox/support.hpp"

#include <string>
#include <string_view>

namespace lexsync::sandbox::files {

// The largest accepted upload (5 MiB, inclusive).
inline constexpr std::size_t k_max_file_size = 5U * 1024U * 1024U;

// What an upload's bytes are, by their magic bytes and (for XML) their root element.
enum class Kind { pdf, jpeg, png, einvoice_xml, other_xml, other };
Kind classify(std::string_view bytes);

// POST /v1/files (multipart `file` + `type=voucher`): 202 {"id","voucherId"}; 400/406/500.
ApiResponse upload(Store& store, const ApiRequest& req, int visibility_delay_ms);
// POST /v1/vouchers/{id}/files (multipart `file`): 202 {"id"}; 404/406/500.
ApiResponse attach(Store& store, const ApiRequest& req, const std::string& voucher_id);
// GET /v1/files/{id}: the bytes by Accept (mismatching type 404, unsupported 406), or 404.
ApiResponse download(Store& store, const ApiRequest& req, const std::string& id);

} // namespace lexsync::sandbox::files
