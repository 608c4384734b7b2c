// --- Interface ---
// Rendered sales documents: a small but valid PDF with the document's key data as text, and a
// minimal well-formed XRechnung (UBL 2.1) XML for e-invoices.
#pragma once

#include "sandbox/support.hpp"

#include <string>
#include <vector>

namespace lexsync::sandbox::documents {

// A one-page PDF (PDF 1.4, Helvetica, WinAnsi) showing `lines` (UTF-8) top to bottom.
std::string make_pdf(const std::vector<std::string>& lines);

// The text lines of a sales voucher's printout (title, number, date, address, items, totals).
std::vector<std::string> voucher_lines(const JsonValue& voucher, const std::string& company);

// An XRechnung UBL Invoice (or CreditNote) for a stored sales voucher; `buyer_reference` is the
// Leitweg-ID, `seller` the organisation's company name.
std::string make_xrechnung(const JsonValue& voucher, bool credit_note, const std::string& seller,
                           const std::string& buyer_reference);

} // namespace lexsync::sandbox::documents
