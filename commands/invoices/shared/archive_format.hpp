// --- Interface ---
// The two number/date dialects of the `invoices pull` index: the technical one
// (ISO dates, decimal point) and the German one (dd.mm.yyyy, decimal comma).
#pragma once

#include <lexsync/util/decimal.hpp>
#include <string>
#include <string_view>

namespace lexsync::commands::invoices::archive {

// The date part "yyyy-mm-dd" of an API timestamp ("2023-05-14T00:00:00.000+02:00"), i.e. the
// calendar date in the organisation's own offset; empty when `timestamp` does not start with one.
std::string date_of(std::string_view timestamp);

// Amount with exactly `digits` decimals and a decimal comma, no thousands separator ("-1234,50").
std::string german_amount(Decimal d, int digits = 2);
// Amount with exactly `digits` decimals and a decimal point ("-1234.50").
std::string plain_amount(Decimal d, int digits = 2);

// A tax rate for column headers: "19", "7", "5.5" (technical) or "5,5" (German).
std::string rate_label(Decimal rate, bool german);

// German names of voucher types and statuses ("invoice" → "Rechnung"); unknown values unchanged.
std::string german_type(std::string_view type);
std::string german_status(std::string_view status);
// "net" → "Netto", "gross" → "Brutto", and the other tax types in German.
std::string german_tax_type(std::string_view tax_type);

} // namespace lexsync::commands::invoices::archive
