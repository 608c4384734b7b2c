// --- Interface ---
// Sales vouchers (§9.4–9.6): invoices and credit notes with validation, numbering, totals,
// finalisation, pursuing (credit note from an invoice) and the rendered documents. Errors use the
// regular format. Callers hold the server's state lock.
#pragma once

#include "sandbox/store.hpp"
#include "sandbox/support.hpp"

#include <string>
#include <string_view>

namespace lexsync::sandbox::sales {

// One sales voucher type served by the sandbox.
struct SalesType {
    const char* path;         // "invoices": the collection in /v1/{path}, also the store kind
    const char* voucher_type; // "invoice": voucherType in the voucher list and relatedVouchers
    const char* prefix;       // "RE": voucher number prefix
    const char* label;        // "Rechnung": default title and download file name
};

// The type served under /v1/{segment}, or nullptr (types without POST/GET support here).
const SalesType* type_for_path(std::string_view segment);

// POST /v1/{type}[?finalize=true][&precedingSalesVoucherId=]: 201 action result, 400/406.
ApiResponse create(Store& store, const ApiRequest& req, const SalesType& type);
// GET /v1/{type}/{id}: the voucher, or 404.
ApiResponse get(Store& store, const ApiRequest& req, const SalesType& type, const std::string& id);
// GET /v1/{type}/{id}/file: PDF or XRechnung XML by Accept; 409 for drafts, 404/406.
ApiResponse file(Store& store, const ApiRequest& req, const SalesType& type, const std::string& id);
// GET /v1/{type}/{id}/document: {documentFileId} (rendering on first call); 406 for drafts.
ApiResponse document(Store& store, const ApiRequest& req, const SalesType& type,
                     const std::string& id);

} // namespace lexsync::sandbox::sales
