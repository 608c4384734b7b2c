// --- Interface ---
// The index of an archived period: one row per voucher with customer, tax per rate, totals, open
// amount and files, written as technical CSV, German CSV, JSON and xlsx. Amounts are summed as
// lexsync::Decimal, so the totals are exact to the cent.
#pragma once

#include "commands/invoices/shared/archive_list.hpp"
#include "commands/invoices/shared/archive_store.hpp"

#include <functional>
#include <lexsync/util/decimal.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lexsync::commands::invoices::archive {

// Net and tax of one tax rate.
struct RateAmounts {
    Decimal net;
    Decimal tax;
};

// Tax rates, highest first (19, 7, 0).
using RateMap = std::map<Decimal, RateAmounts, std::greater<>>;

struct IndexRow {
    std::string id;
    std::string number;
    std::string type;
    std::string voucher_date; // yyyy-mm-dd
    std::string due_date;     // yyyy-mm-dd or empty
    std::string customer_name;
    std::string customer_number;
    std::string vat_id;
    std::string tax_type;
    RateMap by_rate;
    std::optional<Decimal> net;
    std::optional<Decimal> tax;
    std::optional<Decimal> gross;
    std::string currency;
    std::string status;
    std::optional<Decimal> open_amount;
    std::string pdf_file, pdf_sha256, xml_file, xml_sha256;
};

struct Totals {
    RateMap by_rate;
    Decimal net;
    Decimal tax;
    Decimal gross;
    Decimal open_amount;
};

// True for the document types whose amounts reduce revenue (credit notes).
bool reduces_revenue(std::string_view type);

struct Index {
    std::string from; // yyyy-mm-dd
    std::string to;
    std::vector<IndexRow> rows;
    std::vector<Decimal> rates; // every rate that occurs, highest first
    // The period's revenue as an accountant reads it: credit notes count negative.
    Totals totals;
    // The plain sums of each document type that occurs ("invoice", "creditnote", …), in the order
    // invoices, down-payment invoices, credit notes, then any other type by name.
    std::vector<std::pair<std::string, Totals>> by_type;
};

// The index row of a stored voucher (amounts from its full JSON).
IndexRow index_row(const ArchivedVoucher& v);
// A row from the voucher list alone, for a voucher that could not be fetched (gross only).
IndexRow index_row(const ListRow& r);

// Collects rates, the signed totals and the totals per document type of `rows`.
Index make_index(std::string from, std::string to, std::vector<IndexRow> rows);

// index.csv: `,`, decimal point, ISO dates, UTF-8, one row per voucher (no totals row).
std::string index_csv(const Index& index);
// index-de.csv: `;`, decimal comma, dd.mm.yyyy, UTF-8 with BOM, German headers, a totals row.
std::string index_csv_de(const Index& index);
// index.json: the period, every row (amounts as JSON numbers) and the totals.
std::string index_json(const Index& index);
// index.xlsx: a header row, dates as dates, amounts as numbers, a totals row.
std::string index_xlsx(const Index& index);

} // namespace lexsync::commands::invoices::archive
