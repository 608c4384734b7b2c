// Transactions of card and payment providers: mappings, input, validation, references, bodies
// and the bank-statement CSV.
//
// Mapping files are TOML:
//
//     name = "stripe-balance"
//     description = "…"
//     account_type = "payment-provider"   # creditcard | giro | payment-provider (optional)
//     date_format = "yyyy-MM-dd"          # or dd.MM.yyyy, dd.MM.yy, MM/dd/yyyy, dd/MM/yyyy, or
//                                         # a list tried in order; a time after the date
//                                         # ("2026-03-01 12:00:05") is ignored
//     decimal_comma = false               # or "auto": either notation, ambiguous cells refused
//     delimiter = ","                     # optional (detected)
//     header_starts_with = "Buchungstag"  # optional: lines above the header are skipped
//     negate_amount = false               # outgoing amounts are positive in the export
//     negate_fee = true                   # fees are positive costs in the export
//     optional = ["counterparty_email"]   # fields whose column may be missing
//     input = "camt"                      # optional: a CAMT or MT940 ("mt940") bank statement;
//                                         # [columns] then name an entry's cells (amount,
//                                         # reference, counterparty_iban, …)
//     [filters]                           # only rows whose cell is one of … (every filter)
//     "State" = ["COMPLETED"]
//     [exclude]                           # rows whose cell is one of … are left out
//     "Kundenreferenz" = ["Anfangssaldo"]
//     [sign]                              # a column decides the amount's sign
//     column = "#13"                      # a column by position (1-based)
//     negative = ["S"]
//     positive = ["H"]
//     [holds]                             # paired hold/release rows cancel and are left out
//     column = "Typ"
//     hold = ["Einbehaltung für offene Autorisierung"]
//     release = ["Rückbuchung allgemeiner Einbehaltung"]
//     link = "Zugehöriger Transaktionscode"
//     [columns]                           # field = source column (CSV header or JSON key)
//     amount = "gross"
//     [defaults]                          # field = constant for an absent column or empty cell
//     currency = "EUR"
//
// Every column a mapping names must be in the input (a missing one is an error naming it), except
// the columns of fields listed in `optional`. `filter_column` and `filter_values` (one filter)
// are still read.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <lexsync/formats/csv.hpp>
#include <lexsync/formats/table_input.hpp>
#include <lexsync/records/transaction_spool.hpp>
#include <lexsync/records/transactions.hpp>
#include <lexsync/records/vouchers.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/berlin_time.hpp>
#include <lexsync/util/date.hpp>
#include <lexsync/util/strings.hpp>
#include <lexsync/util/toml_guard.hpp>
#include <limits>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace lexsync::transactions {

namespace {

constexpr const char* k_field_names[] = {
    "booking_date",
    "value_date",
    "amount",
    "debit",
    "credit",
    "currency",
    "purpose",
    "counterparty_name",
    "counterparty_iban",
    "counterparty_email",
    "transaction_id",
    "posting_category",
    "tax_rate",
    "receipt_file",
    "receipt_number",
    "voucher_type",
    "fee",
    "fee_tax_rate",
    "fee_category",
};

// --- Built-in mappings (the same text as examples/transactions/mappings/*.toml) ---

constexpr const char* k_generic =
    R"toml(# The generic layout: one column per field, named like the field.
name = "generic"
description = "lexsync's own layout: every field in a column of its own name"
date_format = "yyyy-MM-dd"
decimal_comma = false
# Only the amount and a date are needed; the other columns may be left out.
optional = ["currency", "purpose", "counterparty_name", "counterparty_iban", "counterparty_email",
            "transaction_id", "posting_category", "tax_rate", "receipt_file", "receipt_number",
            "voucher_type", "fee", "fee_tax_rate", "fee_category"]

[columns]
booking_date = "booking_date"
value_date = "value_date"
amount = "amount"
currency = "currency"
purpose = "purpose"
counterparty_name = "counterparty_name"
counterparty_iban = "counterparty_iban"
counterparty_email = "counterparty_email"
transaction_id = "transaction_id"
posting_category = "posting_category"
tax_rate = "tax_rate"
receipt_file = "receipt_file"
receipt_number = "receipt_number"
voucher_type = "voucher_type"
fee = "fee"
fee_tax_rate = "fee_tax_rate"
fee_category = "fee_category"

[defaults]
currency = "EUR"
)toml";

constexpr const char* k_pleo_custom =
    R"toml(# Pleo's custom accounting export (Settings > Accounting > Create your own format) with the
# data points below as columns, one line per expense, expenses negative (the default
# preference), receipts exported next to the file.
name = "pleo-custom"
description = "Pleo custom export: Expense ID, Date, Amount, Currency, Supplier name, Note, Category name, VAT rate, Receipt file, Receipt Number"
account_type = "creditcard"
date_format = "yyyy-MM-dd"
decimal_comma = false

[columns]
transaction_id = "Expense ID"
booking_date = "Date"
amount = "Amount"
currency = "Currency"
counterparty_name = "Supplier name"
purpose = "Note"
posting_category = "Category name"
tax_rate = "VAT rate"
receipt_file = "Receipt file"
receipt_number = "Receipt Number"

[defaults]
currency = "EUR"
)toml";

constexpr const char* k_stripe_balance =
    R"toml(# Stripe's balance reports as downloaded from the Dashboard (Reports > Balance): the itemized
# "balance change from activity" and the itemized payout reconciliation. One line per balance
# transaction, gross and fee separate, fees positive, times in the report's time zone.
name = "stripe-balance"
description = "Stripe balance change from activity / payout reconciliation, itemized (balance_transaction_id, created, available_on, currency, gross, fee, net, reporting_category, description, ...)"
account_type = "payment-provider"
date_format = "yyyy-MM-dd"
decimal_comma = false
negate_fee = true
# Customer columns are optional report columns.
optional = ["counterparty_name", "counterparty_email"]

[columns]
transaction_id = "balance_transaction_id"
booking_date = "created"
value_date = "available_on"
amount = "gross"
fee = "fee"
currency = "currency"
purpose = "description"
counterparty_name = "customer_name"
counterparty_email = "customer_email"

[defaults]
purpose = "Stripe"
fee_tax_rate = "0"
fee_category = "Kontoführungsgebühren"
)toml";

constexpr const char* k_paypal_de =
    R"toml(# PayPal's activity download (Aktivitäten > Berichte > Aktivitätsdownload, CSV, German): dates
# dd.MM.yyyy, decimal comma, fees already negative. "Auswirkung auf Guthaben" says whether a row
# moved the balance (Soll/Haben) or not (Memo). A hold for an open authorisation and its release
# cancel each other and are left out together; a hold still open stays, as PayPal's balance
# counts it.
name = "paypal-de"
description = "PayPal activity download, German (Datum, Name, Typ, Status, Währung, Brutto, Gebühr, Transaktionscode, Zugehöriger Transaktionscode, Auswirkung auf Guthaben, ...)"
account_type = "payment-provider"
date_format = "dd.MM.yyyy"
decimal_comma = true
optional = ["purpose"]

[filters]
"Auswirkung auf Guthaben" = ["Soll", "Haben"]

[holds]
column = "Typ"
hold = ["Einbehaltung für offene Autorisierung"]
release = ["Rückbuchung allgemeiner Einbehaltung"]
link = "Zugehöriger Transaktionscode"

[columns]
transaction_id = "Transaktionscode"
booking_date = "Datum"
amount = "Brutto"
fee = "Gebühr"
currency = "Währung"
purpose = "Betreff"
counterparty_name = "Name"

[defaults]
fee_tax_rate = "0"
fee_category = "Kontoführungsgebühren"
)toml";

constexpr const char* k_revolut_business =
    R"toml(# Revolut Business account statement, CSV (Transactions > Statement > Excel/CSV): one line per
# transaction, signed amounts with a dot; "Total amount" includes the fee. Only completed
# transactions; dates are written yyyy-MM-dd or dd/MM/yyyy depending on the export.
name = "revolut-business"
description = "Revolut Business statement CSV (Date started (UTC), Date completed (UTC), ID, Type, State, Description, Reference, ..., Payment currency, Amount, Total amount, Fee, ...)"
account_type = "giro"
date_format = ["yyyy-MM-dd", "dd/MM/yyyy"]
decimal_comma = false

[filters]
State = ["COMPLETED"]

[columns]
transaction_id = "ID"
booking_date = "Date completed (UTC)"
amount = "Total amount"
currency = "Payment currency"
purpose = "Reference"
counterparty_name = "Description"
counterparty_iban = "Beneficiary IBAN"
)toml";

constexpr const char* k_amex_de =
    R"toml(# American Express (Germany) activity download (Kontobewegungen > Transaktionen herunterladen,
# CSV): charges positive, credits and payments negative, dates dd/MM/yyyy, decimal comma. The
# "Betreff" column (Amex's reference) comes with "alle weiteren Transaktionsdetails"; without it
# an id is derived from the row.
name = "amex-de"
description = "American Express Germany activity CSV (Datum, Beschreibung, Karteninhaber, Konto #, Betrag, ...)"
account_type = "creditcard"
date_format = "dd/MM/yyyy"
decimal_comma = true
negate_amount = true
optional = ["transaction_id"]

[columns]
transaction_id = "Betreff"
booking_date = "Datum"
amount = "Betrag"
purpose = "Beschreibung"

[defaults]
currency = "EUR"
)toml";

constexpr const char* k_sparkasse_csv_camt =
    R"toml(# Sparkasse "CSV-CAMT" export of the online banking (Umsätze > Export > CSV-CAMT): ';'-separated,
# dates dd.MM.yy (some institutes dd.MM.yyyy), decimal comma, signed amounts. Rows still marked
# "Umsatz vorgemerkt" are not booked yet and are left out.
name = "sparkasse-csv-camt"
description = "Sparkasse CSV-CAMT (Auftragskonto; Buchungstag; Valutadatum; Buchungstext; Verwendungszweck; ...; Betrag; Waehrung; Info)"
account_type = "giro"
date_format = ["dd.MM.yy", "dd.MM.yyyy"]
decimal_comma = true

[filters]
Info = ["Umsatz gebucht"]

[columns]
booking_date = "Buchungstag"
value_date = "Valutadatum"
amount = "Betrag"
currency = "Waehrung"
purpose = "Verwendungszweck"
counterparty_name = "Beguenstigter/Zahlungspflichtiger"
counterparty_iban = "Kontonummer/IBAN"
)toml";

constexpr const char* k_volksbank_umsatzanzeige =
    R"toml(# Volksbank/Raiffeisenbank "Umsatzanzeige" CSV of the online banking: title, account and period
# lines above the header, ';'-separated, Windows-1252, amounts without a sign in "Umsatz" and an
# unnamed last column with S (Soll, outgoing) or H (Haben, incoming); opening and closing balance
# lines at the end.
name = "volksbank-umsatzanzeige"
description = "Volksbank Umsatzanzeige CSV (Buchungstag; Valuta; Auftraggeber/Zahlungsempfänger; Empfänger/Zahlungspflichtiger; ...; Umsatz; S/H)"
account_type = "giro"
header_starts_with = "Buchungstag"
date_format = "dd.MM.yyyy"
decimal_comma = true

[exclude]
Kundenreferenz = ["Anfangssaldo", "Endsaldo"]

[sign]
column = "#13"
negative = ["S"]
positive = ["H"]

[columns]
booking_date = "Buchungstag"
value_date = "Valuta"
amount = "Umsatz"
currency = "Währung"
purpose = "Vorgang/Verwendungszweck"
counterparty_name = "Empfänger/Zahlungspflichtiger"
counterparty_iban = "IBAN"
)toml";

constexpr const char* k_stripe_balance_history =
    R"toml(# Stripe's balance history as exported from the Dashboard (Balance > all transactions > Export):
# id, Type, Source, Amount, Fee, Net, Currency, Created (UTC), Available On (UTC), Description,
# ... One line per balance transaction, fees positive; amounts as the Dashboard's language
# writes them (12.50 or 12,50).
name = "stripe-balance-history"
description = "Stripe Dashboard balance history export (id, Type, Source, Amount, Fee, Net, Currency, Created (UTC), Available On (UTC), Description, ...)"
account_type = "payment-provider"
date_format = "yyyy-MM-dd"
decimal_comma = "auto"
negate_fee = true

[columns]
transaction_id = "id"
booking_date = "Created (UTC)"
value_date = "Available On (UTC)"
amount = "Amount"
fee = "Fee"
currency = "Currency"
purpose = "Description"

[defaults]
purpose = "Stripe"
fee_tax_rate = "0"
fee_category = "Kontoführungsgebühren"
)toml";

constexpr const char* k_camt053 =
    R"toml(# ISO 20022 CAMT bank statements as German banks deliver them (camt.053 statements, also
# camt.052 reports and camt.054 notifications; versions .02 to .08): one transaction per entry
# (<Ntry>), signed by CdtDbtInd, the counterparty from the entry's transaction details; a batch
# entry whose transaction details carry amounts that add up to it, one per detail. The bank's
# reference (AcctSvcrRef) is the transaction's id; an entry without one (or NONREF) gets an id
# derived from its content. Pending (PDNG) and informational (INFO) entries are left out.
name = "camt053"
description = "ISO 20022 CAMT bank statement XML (camt.053, also camt.052/camt.054): one transaction per <Ntry> or batch detail"
account_type = "giro"
input = "camt"
date_format = "yyyy-MM-dd"

[filters]
status = ["BOOK"]

[columns]
transaction_id = "reference"
booking_date = "booking_date"
value_date = "value_date"
amount = "amount"
currency = "currency"
purpose = "purpose"
counterparty_name = "counterparty_name"
counterparty_iban = "counterparty_iban"
)toml";

constexpr const char* k_mt940 =
    R"toml(# SWIFT MT940 statements as German banks deliver them: one transaction per :61: line
# (value and entry date, C/D/RC/RD mark, amount with a decimal comma, references), its :86:
# details in the structured German form (?00 booking text, ?20-?29 and ?60-?63 purpose with the
# SEPA keys EREF+/MREF+/CRED+/SVWZ+, ?31 IBAN, ?32/?33 name); the purpose is the SVWZ+ text when
# there is one. The bank reference (after "//", else the customer reference unless NONREF) is
# the transaction's id; a line without one gets an id derived from its content. The entries of an
# MT942 interim report (not booked yet; the day's MT940 carries them) are left out.
name = "mt940"
description = "SWIFT MT940 statement (:61: with German structured :86:): one transaction per :61:"
account_type = "giro"
input = "mt940"
date_format = "yyyy-MM-dd"

[filters]
status = ["BOOK"]

[columns]
transaction_id = "reference"
booking_date = "booking_date"
value_date = "value_date"
amount = "amount"
currency = "currency"
purpose = "purpose"
counterparty_name = "counterparty_name"
counterparty_iban = "counterparty_iban"
)toml";

struct Builtin {
    const char* name;
    const char* text;
};
constexpr Builtin k_builtins[] = {
    {"generic", k_generic},
    {"pleo-custom", k_pleo_custom},
    {"stripe-balance", k_stripe_balance},
    {"stripe-balance-history", k_stripe_balance_history},
    {"paypal-de", k_paypal_de},
    {"revolut-business", k_revolut_business},
    {"amex-de", k_amex_de},
    {"sparkasse-csv-camt", k_sparkasse_csv_camt},
    {"volksbank-umsatzanzeige", k_volksbank_umsatzanzeige},
    {"camt053", k_camt053},
    {"mt940", k_mt940},
};

constexpr const char* k_date_formats[] = {"yyyy-MM-dd", "dd.MM.yyyy", "dd.MM.yy", "MM/dd/yyyy",
                                          "dd/MM/yyyy"};

bool valid_date_format(const std::string& f) {
    return std::find(std::begin(k_date_formats), std::end(k_date_formats), f) !=
           std::end(k_date_formats);
}

// Parses `s` in `format` (a time after the date is ignored) into yyyy-MM-dd; two-digit years are
// 20yy.
std::optional<std::string> parse_date_as(std::string_view s, const std::string& format) {
    const std::size_t n = format.size();
    if (s.size() < n || (s.size() > n && s[n] != ' ' && s[n] != 'T')) {
        return std::nullopt;
    }
    std::string y, m, d;
    for (std::size_t i = 0; i < n; ++i) {
        const char f = format[i];
        const char c = s[i];
        if (f == 'y' || f == 'M' || f == 'd') {
            if (!std::isdigit(static_cast<unsigned char>(c))) {
                return std::nullopt;
            }
            (f == 'y' ? y : f == 'M' ? m : d) += c;
        } else if (c != f) {
            return std::nullopt;
        }
    }
    if (y.size() == 2) {
        y = "20" + y;
    }
    std::string iso = y + "-" + m + "-" + d;
    if (!parse_iso_date(iso)) {
        return std::nullopt;
    }
    return iso;
}

// Parses `s` in the first of `formats` that reads it.
std::optional<std::string> parse_date(std::string_view s, const std::vector<std::string>& formats) {
    for (const auto& f : formats) {
        if (auto d = parse_date_as(s, f)) {
            return d;
        }
    }
    return std::nullopt;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

std::string short_hash(std::string_view s, std::size_t n) {
    return sha256_hex(s).substr(0, n);
}

std::string slug(std::string_view s) {
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) && u < 0x80) {
            out += static_cast<char>(std::tolower(u));
        } else if (!out.empty() && out.back() != '-') {
            out += '-';
        }
        if (out.size() >= 32) {
            break;
        }
    }
    while (!out.empty() && out.back() == '-') {
        out.pop_back();
    }
    return out.empty() ? std::string("account") : out;
}

// One raw row: field values as text (after the mapping's defaults).
struct RawRow {
    long line = 0;
    std::map<Field, std::string> values;
    std::map<Field, long> columns; // 1-based position of each field's column (CSV)
    int sign = 0;                  // from the mapping's sign column: -1, 1, or 0 (none)
};

// One row being checked: its cells (trimmed) and the issues found in them, for the phases of
// check_row().
class RowCheck {
public:
    RowCheck(const RawRow& raw, const std::string& source, const Mapping& row_mapping,
             std::vector<InputIssue>& issues)
        : mapping(row_mapping), m_raw(raw), m_source(source), m_issues(issues) {}

    const Mapping& mapping;

    std::string get(Field f) const {
        auto it = m_raw.values.find(f);
        return it == m_raw.values.end() ? std::string() : trim(it->second);
    }
    void issue(Field f, std::string message) {
        auto c = m_raw.columns.find(f);
        m_issues.push_back(InputIssue{m_source, m_raw.line, field_name(f), std::move(message),
                                      c == m_raw.columns.end() ? 0 : c->second});
    }
    // The amount `v` of field `f`, in the mapping's notation, with at most 2 decimal places.
    std::optional<Decimal> number(Field f, const std::string& v) {
        if (mapping.decimal_auto) {
            // Either notation, as the provider's locale writes it; ambiguous cells are refused.
            auto r = table::parse_number(v, table::NumberKind::amount);
            if (!r) {
                issue(f, r.error());
                return std::nullopt;
            }
            if (r->rounded(2) != *r) {
                issue(f, fmt::format("'{}' has more than 2 decimal places", v));
                return std::nullopt;
            }
            return std::optional<Decimal>(*r);
        }
        auto d = Decimal::parse(v, mapping.decimal_comma);
        if (!d) {
            issue(f, fmt::format("'{}' is not a number", v));
            return std::nullopt;
        }
        if (d->rounded(2) != *d) {
            issue(f, fmt::format("'{}' has more than 2 decimal places", v));
            return std::nullopt;
        }
        return d;
    }

private:
    const RawRow& m_raw;
    const std::string& m_source;
    std::vector<InputIssue>& m_issues;
};

// The booking and value dates: at least one of them.
void check_dates(RowCheck& row, TransactionInput& out) {
    for (Field f : {Field::booking_date, Field::value_date}) {
        const std::string v = row.get(f);
        if (v.empty()) {
            continue;
        }
        auto d = parse_date(v, row.mapping.date_formats);
        if (!d) {
            row.issue(f, fmt::format("'{}' is not a date in the format {}", v,
                                     join(row.mapping.date_formats, " or ")));
        } else {
            (f == Field::booking_date ? out.booking_date : out.value_date) = *d;
        }
    }
    if (row.get(Field::booking_date).empty() && row.get(Field::value_date).empty()) {
        row.issue(Field::booking_date, "missing (a booking date or a value date is required)");
    }
}

// The amount: one signed column, or separate debit/credit columns; the row's sign, if the
// mapping reads one, decides the direction. nullopt when it is missing or unreadable.
std::optional<Decimal> check_amount(RowCheck& row, int sign_of_row, TransactionInput& out) {
    const std::string amount_text = row.get(Field::amount);
    const std::string debit = row.get(Field::debit);
    const std::string credit = row.get(Field::credit);
    std::optional<Decimal> amount;
    if (!amount_text.empty()) {
        amount = row.number(Field::amount, amount_text);
        if (amount && row.mapping.negate_amount) {
            amount = -*amount;
        }
    } else if (!debit.empty() || !credit.empty()) {
        Decimal sum;
        bool ok = true;
        for (auto [f, v, sign] :
             {std::tuple{Field::debit, debit, -1}, {Field::credit, credit, 1}}) {
            if (v.empty()) {
                continue;
            }
            auto d = row.number(f, v);
            if (!d) {
                ok = false;
                continue;
            }
            if (*d < Decimal()) {
                row.issue(f, fmt::format(
                                 "'{}' must not be negative (the column gives the direction)", v));
                ok = false;
            }
            sum += sign < 0 ? -*d : *d;
        }
        if (ok) {
            amount = sum;
        }
    } else {
        row.issue(Field::amount, "missing");
    }
    if (amount && sign_of_row != 0) {
        const Decimal magnitude = *amount < Decimal() ? -*amount : *amount;
        amount = sign_of_row < 0 ? -magnitude : magnitude;
    }
    if (amount) {
        if (*amount == Decimal()) {
            row.issue(Field::amount, "must not be 0");
        }
        out.amount = *amount;
    }
    return amount;
}

// The currency, the counterparty and the purpose.
void check_counterparty(RowCheck& row, AccountType type, TransactionInput& out) {
    // EUR only (§7.3); exports often write the code in lower case.
    const std::string currency = ascii_upper(row.get(Field::currency));
    out.currency = currency.empty() ? "EUR" : currency;
    if (out.currency != "EUR") {
        row.issue(Field::currency, fmt::format("'{}' is not supported: lexoffice books EUR only",
                                               row.get(Field::currency)));
    }

    out.counterparty_name = row.get(Field::counterparty_name);
    out.counterparty_iban = row.get(Field::counterparty_iban);
    out.counterparty_email = row.get(Field::counterparty_email);
    out.counterparty_iban.erase(
        std::remove(out.counterparty_iban.begin(), out.counterparty_iban.end(), ' '),
        out.counterparty_iban.end());
    if (!out.counterparty_email.empty() && out.counterparty_email.find('@') == std::string::npos) {
        row.issue(Field::counterparty_email,
                  fmt::format("'{}' is not an e-mail address", out.counterparty_email));
    }
    if (!out.counterparty_iban.empty() && type != AccountType::giro) {
        // The API takes IBAN and BIC of the counterparty for bank accounts only (§10.2).
        out.counterparty_iban.clear();
    }
    // The API requires a purpose; exports leave it empty for some lines (payouts, fees), so the
    // counterparty stands in, then the (provider's or derived) id.
    out.purpose = row.get(Field::purpose);
    out.transaction_id = row.get(Field::transaction_id);
    if (out.purpose.empty()) {
        out.purpose = !out.counterparty_name.empty() ? out.counterparty_name : out.transaction_id;
    }
}

// The receipt and its bookkeeping data (mandatory with a receipt).
void check_receipt(RowCheck& row, TransactionInput& out) {
    out.receipt_file = row.get(Field::receipt_file);
    out.receipt_number = row.get(Field::receipt_number);
    out.posting_category = row.get(Field::posting_category);
    out.voucher_type = ascii_lower(row.get(Field::voucher_type));
    const std::string rate = row.get(Field::tax_rate);
    if (!rate.empty()) {
        std::string r = rate;
        if (!r.empty() && r.back() == '%') {
            r.pop_back();
        }
        auto d = Decimal::parse(trim(r),
                                row.mapping.decimal_comma ||
                                    (row.mapping.decimal_auto && r.find(',') != std::string::npos));
        if (!d || !is_valid_tax_rate(*d)) {
            row.issue(Field::tax_rate,
                      fmt::format("'{}' is not a tax rate lexoffice accepts (0, 5, 7, "
                                  "16 or 19)",
                                  rate));
        } else {
            out.tax_rate = d;
        }
    }
    if (out.has_receipt()) {
        if (out.receipt_number.empty()) {
            row.issue(Field::receipt_number, "missing (mandatory with a receipt)");
        }
        if (out.posting_category.empty()) {
            row.issue(Field::posting_category, "missing (mandatory with a receipt)");
        }
        if (rate.empty()) {
            row.issue(Field::tax_rate, "missing (mandatory with a receipt)");
        }
        if (!out.voucher_type.empty() && !vouchers::parse_type(out.voucher_type)) {
            row.issue(
                Field::voucher_type,
                fmt::format("'{}' is not purchaseinvoice, purchasecreditnote, salesinvoice or "
                            "salescreditnote",
                            out.voucher_type));
        }
    }
}

// The fee, next to `amount` (nullopt when the amount was missing or unreadable).
// Fees (§10.2): payment-provider accounts only; a negative fee goes with a positive amount,
// a positive fee (a credit) with a negative amount; tax rate and category are mandatory.
void check_fee(RowCheck& row, AccountType type, const std::optional<Decimal>& amount,
               TransactionInput& out) {
    const std::string fee_text = row.get(Field::fee);
    if (!fee_text.empty()) {
        auto fee = row.number(Field::fee, fee_text);
        if (fee && row.mapping.negate_fee) {
            fee = -*fee;
        }
        if (fee && *fee != Decimal()) {
            out.fee = fee;
            if (type != AccountType::payment_provider) {
                row.issue(Field::fee, "fees can only be booked on payment-provider accounts "
                                      "(--account-type payment-provider)");
            } else if (amount && *amount > Decimal() && *fee > Decimal()) {
                row.issue(Field::fee,
                          fmt::format("{} with an incoming amount must be negative (a fee "
                                      "charged)",
                                      fee->to_fixed(2)));
            } else if (amount && *amount < Decimal() && *fee < Decimal()) {
                row.issue(Field::fee,
                          fmt::format("{} with an outgoing amount must be positive (a fee "
                                      "credited)",
                                      fee->to_fixed(2)));
            }
            const std::string fee_rate = row.get(Field::fee_tax_rate);
            auto fr = Decimal::parse(fee_rate, row.mapping.decimal_comma ||
                                                   (row.mapping.decimal_auto &&
                                                    fee_rate.find(',') != std::string::npos));
            if (fee_rate.empty()) {
                row.issue(Field::fee_tax_rate, "missing (mandatory with a fee)");
            } else if (!fr || !is_valid_tax_rate(*fr)) {
                row.issue(
                    Field::fee_tax_rate,
                    fmt::format("'{}' is not a tax rate lexoffice accepts (0, 5, 7, 16 or 19)",
                                fee_rate));
            } else {
                out.fee_tax_rate = fr;
            }
            out.fee_category = row.get(Field::fee_category);
            if (out.fee_category.empty()) {
                row.issue(Field::fee_category, "missing (mandatory with a fee)");
            }
        }
    }
}

// Checks one row into `out`; appends issues.
void check_row(const RawRow& raw, const std::string& source, const Mapping& mapping,
               AccountType type, TransactionInput& out, std::vector<InputIssue>& issues) {
    RowCheck row(raw, source, mapping, issues);
    out.source = source;
    out.line = raw.line;
    check_dates(row, out);
    const std::optional<Decimal> amount = check_amount(row, raw.sign, out);
    check_counterparty(row, type, out);
    check_receipt(row, out);
    check_fee(row, type, amount, out);
}

std::string cell_of(const json::Value& v) {
    if (v.IsString()) {
        return std::string(v.GetString(), v.GetStringLength());
    }
    if (v.IsNumber()) {
        return json::number_text(v).value_or("");
    }
    if (v.IsBool()) {
        return v.GetBool() ? "true" : "false";
    }
    return {};
}

// The value of `f` in a row read by `lookup` (a column name → cell), with the mapping's default;
// `position` gives a column's 1-based position (0: unknown).
template <class Lookup, class Position>
RawRow make_raw(long line, const Mapping& mapping, const Lookup& lookup, const Position& position) {
    RawRow raw;
    raw.line = line;
    for (Field f : all_fields()) {
        std::string v;
        if (auto c = mapping.columns.find(f); c != mapping.columns.end()) {
            v = lookup(c->second);
            if (const long p = position(c->second); p > 0) {
                raw.columns[f] = p;
            }
        }
        if (trim(v).empty()) {
            if (auto d = mapping.defaults.find(f); d != mapping.defaults.end()) {
                v = d->second;
            }
        }
        if (!v.empty()) {
            raw.values[f] = v;
        }
    }
    return raw;
}

// Why the row read by `lookup` is left out by the mapping's filters and exclusions; empty when it
// is selected.
template <class Lookup> std::string left_out_by(const Mapping& mapping, const Lookup& lookup) {
    for (const auto& f : mapping.filters) {
        const std::string cell = trim(lookup(f.column));
        if (!contains(f.values, cell)) {
            return fmt::format("'{}' in column '{}' is not {}", cell, f.column,
                               join(f.values, " or "));
        }
    }
    for (const auto& f : mapping.excludes) {
        const std::string cell = trim(lookup(f.column));
        if (contains(f.values, cell)) {
            return fmt::format("'{}' in column '{}' is excluded", cell, f.column);
        }
    }
    return {};
}

// The sign the mapping's sign column gives the row read by `lookup`, or an issue.
template <class Lookup, class Position>
int row_sign(const Mapping& mapping, const Lookup& lookup, const Position& position,
             const std::string& source, long line, std::vector<InputIssue>& issues) {
    if (!mapping.sign) {
        return 0;
    }
    const auto& rule = *mapping.sign;
    const std::string cell = trim(lookup(rule.column));
    if (contains(rule.negative, cell)) {
        return -1;
    }
    if (contains(rule.positive, cell)) {
        return 1;
    }
    issues.push_back(InputIssue{
        source, line, "amount",
        fmt::format("'{}' in the sign column '{}' is neither {} (negative) nor {} (positive)", cell,
                    rule.column, join(rule.negative, ", "), join(rule.positive, ", ")),
        position(rule.column)});
    return 0;
}

} // namespace

// --- Account types and fields ---

std::optional<AccountType> parse_account_type(std::string_view s) {
    const std::string l = ascii_lower(s);
    if (l == "creditcard" || l == "credit-card") {
        return AccountType::creditcard;
    }
    if (l == "giro") {
        return AccountType::giro;
    }
    if (l == "payment-provider" || l == "payment_provider") {
        return AccountType::payment_provider;
    }
    return std::nullopt;
}

const char* account_type_api_name(AccountType t) {
    switch (t) {
    case AccountType::creditcard:
        return "CREDITCARD";
    case AccountType::giro:
        return "GIRO";
    case AccountType::payment_provider:
        return "PAYMENT_PROVIDER";
    }
    return "GIRO";
}

const char* account_type_name(AccountType t) {
    switch (t) {
    case AccountType::creditcard:
        return "creditcard";
    case AccountType::giro:
        return "giro";
    case AccountType::payment_provider:
        return "payment-provider";
    }
    return "giro";
}

const std::vector<Field>& all_fields() {
    static const std::vector<Field> k_all = [] {
        std::vector<Field> v;
        for (int i = 0; i <= static_cast<int>(Field::fee_category); ++i) {
            v.push_back(static_cast<Field>(i));
        }
        return v;
    }();
    return k_all;
}

const char* field_name(Field f) {
    return k_field_names[static_cast<int>(f)];
}

std::optional<Field> parse_field(std::string_view name) {
    for (Field f : all_fields()) {
        if (name == field_name(f)) {
            return f;
        }
    }
    return std::nullopt;
}

bool is_valid_tax_rate(Decimal rate) {
    return vouchers::is_valid_tax_rate(rate);
}

// --- Mappings ---

const std::vector<std::string>& builtin_mapping_names() {
    static const std::vector<std::string> k_names = [] {
        std::vector<std::string> v;
        for (const auto& b : k_builtins) {
            v.emplace_back(b.name);
        }
        return v;
    }();
    return k_names;
}

std::optional<std::string> builtin_mapping_text(std::string_view name) {
    for (const auto& b : k_builtins) {
        if (name == b.name) {
            return std::string(b.text);
        }
    }
    return std::nullopt;
}

namespace {

// What is wrong with a mapping value, if anything.
using MappingError = std::optional<std::string>;

// Reads the keys of a mapping file into a Mapping; its messages name the place of the value as
// origin:line:column.
struct MappingReader {
    const std::string& origin;

    std::string at(const toml::node& n, const std::string& message) const {
        return fmt::format("{}:{}:{}: {}", origin, n.source().begin.line, n.source().begin.column,
                           message);
    }

    MappingError string_of(const std::string& k, const toml::node& node, std::string& dst) const {
        if (!node.is_string()) {
            return at(node, k + " must be a string");
        }
        dst = *node.value<std::string>();
        return std::nullopt;
    }

    MappingError bool_of(const std::string& k, const toml::node& node, bool& dst) const {
        if (!node.is_boolean()) {
            return at(node, k + " must be true or false");
        }
        dst = *node.value<bool>();
        return std::nullopt;
    }

    // A string array (a single string is read as a list of one) read from `n`.
    MappingError strings_of(const toml::node& n, const std::string& what,
                            std::vector<std::string>& dst) const {
        if (n.is_string()) {
            dst.push_back(*n.value<std::string>());
            return std::nullopt;
        }
        const toml::array* a = n.as_array();
        if (a == nullptr) {
            return at(n, what + " must be an array of strings");
        }
        for (auto&& v : *a) {
            if (!v.is_string()) {
                return at(v, what + " must be an array of strings");
            }
            dst.push_back(*v.value<std::string>());
        }
        return std::nullopt;
    }

    // A table of column = [values] filters ([filters], [exclude]).
    MappingError filters_of(const std::string& k, const toml::node& node,
                            std::vector<ColumnFilter>& dst) const {
        const toml::table* t = node.as_table();
        if (t == nullptr) {
            return at(node, k + " must be a table ([" + k + "] with column = [values])");
        }
        for (auto&& e : *t) {
            ColumnFilter f;
            f.column = std::string(e.first.str());
            if (auto e2 = strings_of(e.second, k + "." + f.column, f.values)) {
                return e2;
            }
            if (f.values.empty()) {
                return at(e.second, k + "." + f.column + " needs at least one value");
            }
            dst.push_back(std::move(f));
        }
        return std::nullopt;
    }

    MappingError input_of(const std::string& k, const toml::node& node, Mapping& m) const {
        std::string v;
        if (auto err = string_of(k, node, v)) {
            return err;
        }
        if (v == "camt") {
            m.statement = bank_statement::Syntax::camt;
        } else if (v == "mt940") {
            m.statement = bank_statement::Syntax::mt940;
        } else {
            return at(node, "input must be camt or mt940 (without it: CSV or JSON)");
        }
        return std::nullopt;
    }

    MappingError account_type_of(const std::string& k, const toml::node& node, Mapping& m) const {
        std::string t;
        if (auto err = string_of(k, node, t)) {
            return err;
        }
        m.account_type = parse_account_type(t);
        if (!m.account_type) {
            return at(node, "account_type must be creditcard, giro or payment-provider");
        }
        return std::nullopt;
    }

    MappingError date_formats_of(const std::string& k, const toml::node& node, Mapping& m) const {
        std::vector<std::string> formats;
        MappingError err = strings_of(node, k, formats);
        for (const auto& f : formats) {
            if (!err && !valid_date_format(f)) {
                err = at(node, fmt::format("date_format '{}' is not one of yyyy-MM-dd, "
                                           "dd.MM.yyyy, dd.MM.yy, MM/dd/yyyy, dd/MM/yyyy",
                                           f));
            }
        }
        if (!err && formats.empty()) {
            err = at(node, "date_format needs at least one format");
        }
        m.date_formats = formats;
        return err;
    }

    // The fields a file may leave out (optional = [...]).
    MappingError optional_fields_of(const std::string& k, const toml::node& node,
                                    Mapping& m) const {
        std::vector<std::string> names;
        if (auto err = strings_of(node, k, names)) {
            return err;
        }
        for (const auto& n : names) {
            if (auto f = parse_field(n)) {
                m.optional.insert(*f);
            } else {
                return at(node, fmt::format("unknown field '{}' in optional", n));
            }
        }
        return std::nullopt;
    }

    // [sign] (column, negative, positive) or [holds] (column, hold, release, link): every key
    // known and given.
    MappingError rule_of(const std::string& k, const toml::node& node, Mapping& m) const {
        const toml::table* t = node.as_table();
        if (t == nullptr) {
            return at(node, k + " must be a table ([" + k + "])");
        }
        SignRule sign;
        HoldRule holds;
        const std::vector<std::string> keys =
            k == "sign" ? std::vector<std::string>{"column", "negative", "positive"}
                        : std::vector<std::string>{"column", "hold", "release", "link"};
        for (auto&& e : *t) {
            const std::string key(e.first.str());
            if (!contains(keys, key)) {
                return at(e.second, fmt::format("unknown key '{}' in [{}] (known: {})", key, k,
                                                join(keys, ", ")));
            }
            const std::string what = k + "." + key;
            if (key == "column" || key == "link") {
                if (!e.second.is_string()) {
                    return at(e.second, what + " must be a string");
                }
                const std::string v = *e.second.value<std::string>();
                (key == "link" ? holds.link : k == "sign" ? sign.column : holds.column) = v;
                continue;
            }
            auto& dst = key == "negative"   ? sign.negative
                        : key == "positive" ? sign.positive
                        : key == "hold"     ? holds.hold
                                            : holds.release;
            if (auto err = strings_of(e.second, what, dst)) {
                return err;
            }
        }
        for (const auto& key : keys) {
            if (!t->contains(key)) {
                return at(node, fmt::format("[{}] needs {}", k, key));
            }
        }
        if (k == "sign") {
            m.sign = std::move(sign);
        } else {
            m.holds = std::move(holds);
        }
        return std::nullopt;
    }

    MappingError decimal_comma_of(const toml::node& node, Mapping& m) const {
        if (node.is_string() && *node.value<std::string>() == "auto") {
            m.decimal_auto = true;
        } else if (!node.is_boolean()) {
            return at(node, "decimal_comma must be true, false or \"auto\"");
        } else {
            m.decimal_comma = *node.value<bool>();
        }
        return std::nullopt;
    }

    MappingError delimiter_of(const std::string& k, const toml::node& node, Mapping& m) const {
        std::string d;
        if (auto err = string_of(k, node, d)) {
            return err;
        }
        if (d == "\\t" || d == "\t") {
            m.delimiter = '\t';
        } else if (d.size() == 1 && (d[0] == ',' || d[0] == ';')) {
            m.delimiter = d[0];
        } else {
            return at(node, "delimiter must be \",\", \";\" or \"\\t\"");
        }
        return std::nullopt;
    }

    // [columns] or [defaults]: field = "column name" / "value" for known fields.
    MappingError field_table_of(const std::string& k, const toml::node& node, Mapping& m) const {
        const toml::table* t = node.as_table();
        if (t == nullptr) {
            return at(node, k + " must be a table ([" + k + "])");
        }
        for (auto&& [fk, fv] : *t) {
            const auto f = parse_field(fk.str());
            if (!f) {
                std::string known;
                for (Field x : all_fields()) {
                    known += (known.empty() ? "" : ", ") + std::string(field_name(x));
                }
                return at(
                    fv, fmt::format("unknown field '{}' in [{}] (known: {})", fk.str(), k, known));
            }
            if (!fv.is_string()) {
                return at(fv, fmt::format("{}.{} must be a string", k, fk.str()));
            }
            (k == "columns" ? m.columns : m.defaults)[*f] = *fv.value<std::string>();
        }
        return std::nullopt;
    }

    // Reads the top-level key `k` into `m` (filter_column/filter_values into `legacy_filter`).
    MappingError key(const std::string& k, const toml::node& node, Mapping& m,
                     ColumnFilter& legacy_filter) const {
        if (k == "name") {
            return string_of(k, node, m.name);
        }
        if (k == "description") {
            return string_of(k, node, m.description);
        }
        if (k == "account_type") {
            return account_type_of(k, node, m);
        }
        if (k == "date_format") {
            return date_formats_of(k, node, m);
        }
        if (k == "header_starts_with") {
            return string_of(k, node, m.header_starts_with);
        }
        if (k == "optional") {
            return optional_fields_of(k, node, m);
        }
        if (k == "filters") {
            return filters_of(k, node, m.filters);
        }
        if (k == "exclude") {
            return filters_of(k, node, m.excludes);
        }
        if (k == "sign" || k == "holds") {
            return rule_of(k, node, m);
        }
        if (k == "decimal_comma") {
            return decimal_comma_of(node, m);
        }
        if (k == "negate_amount") {
            return bool_of(k, node, m.negate_amount);
        }
        if (k == "negate_fee") {
            return bool_of(k, node, m.negate_fee);
        }
        if (k == "delimiter") {
            return delimiter_of(k, node, m);
        }
        if (k == "input") {
            return input_of(k, node, m);
        }
        if (k == "filter_column") {
            return string_of(k, node, legacy_filter.column);
        }
        if (k == "filter_values") {
            return strings_of(node, k, legacy_filter.values);
        }
        if (k == "columns" || k == "defaults") {
            return field_table_of(k, node, m);
        }
        return at(node, fmt::format("unknown key '{}' (known: name, description, account_type, "
                                    "date_format, decimal_comma, delimiter, input, "
                                    "header_starts_with, negate_amount, negate_fee, optional, "
                                    "filter_column, filter_values, [filters], [exclude], "
                                    "[sign], [holds], [columns], [defaults])",
                                    k));
    }
};

// The TOML document of a mapping, with no deeper nesting than toml_guard allows.
Result<toml::table, std::string> read_mapping_toml(std::string_view text,
                                                   const std::string& origin) {
    if (const auto line = toml_guard::find_excess_nesting(text)) {
        return unexpected(fmt::format("{}:{}: keys nested deeper than {} levels", origin, *line,
                                      toml_guard::k_max_depth));
    }
    try {
        return toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        return unexpected(fmt::format("{}:{}:{}: {}", origin, e.source().begin.line,
                                      e.source().begin.column, e.description()));
    }
}

// The rules across keys: an amount and a date column, filter_column with its values; names the
// mapping after its file when it has no name.
MappingError complete_mapping(Mapping& m, ColumnFilter legacy_filter, const std::string& origin) {
    const bool has_amount = m.columns.count(Field::amount) || m.columns.count(Field::debit) ||
                            m.columns.count(Field::credit);
    if (!has_amount) {
        return fmt::format("{}: [columns] must name an amount column (amount, or debit/credit)",
                           origin);
    }
    if (!m.columns.count(Field::booking_date) && !m.columns.count(Field::value_date)) {
        return fmt::format("{}: [columns] must name a date column (booking_date or value_date)",
                           origin);
    }
    if (m.name.empty()) {
        m.name = std::filesystem::path(origin).stem().string();
    }
    if (!legacy_filter.column.empty() && legacy_filter.values.empty()) {
        return fmt::format("{}: filter_column needs filter_values", origin);
    }
    if (!legacy_filter.column.empty()) {
        m.filters.push_back(std::move(legacy_filter));
    }
    return std::nullopt;
}

} // namespace

Result<Mapping, std::string> parse_mapping(std::string_view text, const std::string& origin) {
    auto root = read_mapping_toml(text, origin);
    if (!root) {
        return unexpected(std::move(root).error());
    }
    const MappingReader reader{origin};
    Mapping m;
    ColumnFilter legacy_filter; // filter_column / filter_values
    for (auto&& entry : *root) {
        if (auto err = reader.key(std::string(entry.first.str()), entry.second, m, legacy_filter)) {
            return unexpected(std::move(*err));
        }
    }
    if (auto err = complete_mapping(m, std::move(legacy_filter), origin)) {
        return unexpected(std::move(*err));
    }
    return m;
}

Result<Mapping, std::string> load_mapping(const std::string& name_or_file) {
    const bool looks_like_file =
        name_or_file.find('/') != std::string::npos ||
        ascii_lower(std::filesystem::path(name_or_file).extension().string()) == ".toml";
    if (!looks_like_file) {
        if (auto text = builtin_mapping_text(name_or_file)) {
            auto m = parse_mapping(*text, "mapping " + name_or_file);
            if (m && m->name.empty()) {
                m->name = name_or_file;
            }
            return m;
        }
        std::error_code ec;
        if (!std::filesystem::exists(name_or_file, ec)) {
            std::string names;
            for (const auto& n : builtin_mapping_names()) {
                names += (names.empty() ? "" : ", ") + n;
            }
            return unexpected(fmt::format("unknown mapping '{}' (built in: {}; or a .toml file)",
                                          name_or_file, names));
        }
    }
    std::ifstream in(name_or_file, std::ios::binary);
    if (!in) {
        return unexpected(fmt::format("{}: cannot read the mapping file", name_or_file));
    }
    std::ostringstream s;
    s << in.rdbuf();
    auto m = parse_mapping(s.str(), name_or_file);
    if (m && m->name.empty()) {
        m->name = std::filesystem::path(name_or_file).stem().string();
    }
    return m;
}

// --- Input ---

namespace {

// Every column the mapping reads, with what it is read for; optional fields' columns are left out.
std::vector<std::pair<std::string, std::string>> required_columns(const Mapping& mapping) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [f, col] : mapping.columns) {
        const bool grouped = f == Field::amount || f == Field::debit || f == Field::credit ||
                             f == Field::booking_date || f == Field::value_date;
        if (!grouped && !mapping.optional.count(f)) {
            out.emplace_back(col, std::string("field ") + field_name(f));
        }
    }
    for (const auto& f : mapping.filters) {
        out.emplace_back(f.column, "[filters]");
    }
    for (const auto& f : mapping.excludes) {
        out.emplace_back(f.column, "[exclude]");
    }
    if (mapping.sign) {
        out.emplace_back(mapping.sign->column, "[sign]");
    }
    if (mapping.holds) {
        out.emplace_back(mapping.holds->column, "[holds] column");
        out.emplace_back(mapping.holds->link, "[holds] link");
    }
    return out;
}

// The first cell of `line` (quotes removed, trimmed).
std::string first_cell(std::string_view line) {
    if (!line.empty() && line[0] == '"') {
        const auto end = line.find('"', 1);
        return trim(line.substr(1, end == std::string_view::npos ? line.size() : end - 1));
    }
    const auto end = line.find_first_of(",;\t\r\n");
    return trim(line.substr(0, end == std::string_view::npos ? line.size() : end));
}

// The issues of a statement mapping that reads a cell an entry does not have.
std::vector<InputIssue> statement_cell_issues(const std::string& display_name,
                                              const Mapping& mapping) {
    const auto syntax = *mapping.statement;
    std::vector<InputIssue> issues;
    const auto& cells = bank_statement::column_names();
    auto check_cell = [&](const std::string& col, const std::string& what) {
        if (std::find(cells.begin(), cells.end(), col) == cells.end()) {
            issues.push_back(InputIssue{
                display_name, 0, "",
                fmt::format("the mapping '{}' reads '{}' ({}), which a {} entry lacks (it has: {})",
                            mapping.name, col, what, bank_statement::syntax_name(syntax),
                            join(cells, ", "))});
        }
    };
    for (const auto& [f, col] : mapping.columns) {
        check_cell(col, std::string("field ") + field_name(f));
    }
    for (const auto& [col, what] : required_columns(mapping)) {
        if (what.rfind("field ", 0) != 0) {
            check_cell(col, what);
        }
    }
    return issues;
}

} // namespace

std::optional<std::string> statement_mapping_for(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    const auto syntax = bank_statement::detect(head);
    if (!syntax) {
        return std::nullopt;
    }
    return std::string(*syntax == bank_statement::Syntax::camt ? "camt053" : "mt940");
}

namespace {

// How much of a CSV input's beginning is looked at for a bank statement's marks.
constexpr std::size_t k_statement_head = 65536;

// The issue for a CSV input that is a bank statement (`head`: its first bytes), if it is one.
std::optional<InputIssue> statement_not_csv(std::string_view head,
                                            const std::string& display_name) {
    if (auto syntax = bank_statement::detect(head)) {
        return InputIssue{
            display_name, 0, "",
            fmt::format("this is a {} bank statement, not CSV: read it with --mapping {}",
                        bank_statement::syntax_name(*syntax),
                        *syntax == bank_statement::Syntax::camt ? "camt053" : "mt940")};
    }
    return std::nullopt;
}

// The issue when no line of an input starts with the mapping's header cell.
InputIssue no_header_line(const std::string& display_name, const Mapping& mapping) {
    return InputIssue{display_name, 0, "",
                      fmt::format("no line starts with the header cell '{}' (header_starts_with of "
                                  "the mapping '{}')",
                                  mapping.header_starts_with, mapping.name)};
}

// Calls fn(element, index, line) for each transaction of a JSON input; returns where the array
// was, or why the text is not JSON.
using EachJsonElement = std::function<Result<json::ArrayAt, std::string>(
    const std::function<void(const json::Value&, std::size_t, long)>&)>;

// The readers of read_rows(), one per kind of input: each hands every row to `leave_out` (true
// when the mapping's filters leave it out) and the rest to `add`, appends the issues of rows to
// `issues`, and returns the issues that stop the whole input (none when it was read).
// A bank statement (`input`: its text, or a stream of it) is read an entry at a time.
template <class Input, class LeaveOut, class Add>
std::vector<InputIssue> read_statement_rows(Input&& input, const std::string& display_name,
                                            const Mapping& mapping, LeaveOut& leave_out, Add& add) {
    if (auto issues = statement_cell_issues(display_name, mapping); !issues.empty()) {
        return issues;
    }
    auto no_position = [](const std::string&) { return 0L; };
    const auto syntax = *mapping.statement;
    auto problem = bank_statement::read(input, syntax, [&](bank_statement::Entry&& e) {
        auto lookup = [&e](const std::string& col) {
            return bank_statement::cell(e, col).value_or("");
        };
        if (!leave_out(e.line, lookup)) {
            add(e.line, lookup, no_position);
        }
    });
    if (problem) {
        return std::vector<InputIssue>{
            InputIssue{display_name, problem->line, "",
                       fmt::format("not a readable {} statement: {}",
                                   bank_statement::syntax_name(syntax), problem->message)}};
    }
    return {};
}

template <class LeaveOut, class Add>
std::vector<InputIssue> read_json_rows(const EachJsonElement& each_json,
                                       const std::string& display_name, const Mapping& mapping,
                                       std::vector<InputIssue>& issues, LeaveOut& leave_out,
                                       Add& add) {
    auto no_position = [](const std::string&) { return 0L; };
    const auto required = required_columns(mapping);
    auto found = each_json([&](const json::Value& item, std::size_t index, long) {
        const long n = static_cast<long>(index) + 1;
        if (!item.IsObject()) {
            issues.push_back(InputIssue{display_name, n, "", "expected an object"});
            return;
        }
        // Every key the mapping reads must be there: a missing one is an error, not a
        // silently empty cell.
        bool complete = true;
        auto missing = [&](const std::string& key, const std::string& what) {
            issues.push_back(
                InputIssue{display_name, n, "",
                           fmt::format("the object has no key '{}' ({} of the mapping '{}')", key,
                                       what, mapping.name)});
            complete = false;
        };
        for (const auto& [key, what] : required) {
            if (json::find(item, key) == nullptr) {
                missing(key, what);
            }
        }
        for (auto group : {std::initializer_list<Field>{Field::amount, Field::debit, Field::credit},
                           std::initializer_list<Field>{Field::booking_date, Field::value_date}}) {
            std::vector<std::string> keys;
            bool any = false;
            for (Field f : group) {
                if (auto c = mapping.columns.find(f); c != mapping.columns.end()) {
                    keys.push_back(c->second);
                    any = any || json::find(item, c->second) != nullptr;
                }
            }
            if (!keys.empty() && !any) {
                missing(join(keys, "' or '"), std::string("field ") + field_name(*group.begin()));
            }
        }
        if (!complete) {
            return;
        }
        auto lookup = [&](const std::string& key) -> std::string {
            const json::Value* v = json::find(item, key);
            if (v != nullptr && v->IsNumber() && mapping.decimal_auto) {
                return table::json_number_text(cell_of(*v)); // a JSON number has a point
            }
            return v ? cell_of(*v) : std::string();
        };
        if (!leave_out(n, lookup)) {
            add(n, lookup, no_position);
        }
    });
    if (!found) {
        return std::vector<InputIssue>{
            InputIssue{display_name, 0, "", "not valid JSON: " + found.error()}};
    }
    if (*found == json::ArrayAt::none) {
        return std::vector<InputIssue>{InputIssue{
            display_name, 0, "",
            "expected an array of transactions (or an object with a \"transactions\" array)"}};
    }
    return {};
}

// The records of `reader`, whose line 1 is line `offset` + 1 of the input.
template <class LeaveOut, class Add>
std::vector<InputIssue> read_csv_rows(csv::Reader& reader, long offset,
                                      const std::string& display_name, const Mapping& mapping,
                                      std::vector<InputIssue>& issues, LeaveOut& leave_out,
                                      Add& add) {
    csv::Record rec;
    bool header_checked = false;
    // A column by name, or "#N" by position; nullopt when the header has neither.
    auto index_of = [&](const std::string& col) -> std::optional<std::size_t> {
        if (auto i = reader.column(col)) {
            return i;
        }
        if (col.size() > 1 && col[0] == '#' &&
            std::all_of(col.begin() + 1, col.end(),
                        [](unsigned char c) { return std::isdigit(c); }) &&
            col.size() < 6) {
            const std::size_t n = std::stoul(col.substr(1));
            if (n >= 1 && n <= reader.header().size()) {
                return n - 1;
            }
        }
        return std::nullopt;
    };
    for (;;) {
        auto more = reader.next(rec);
        if (!more) {
            issues.push_back(
                InputIssue{display_name, more.error().line + offset, "", more.error().message});
            break;
        }
        if (!header_checked) {
            header_checked = true;
            // Every column the mapping reads must be in the header; of the amount columns
            // and of the date columns at least one.
            const std::string header_list = join(reader.header(), ", ");
            auto lacks = [&](const std::string& cols, const std::string& what) {
                issues.push_back(InputIssue{
                    display_name, 1 + offset, "",
                    fmt::format("the mapping '{}' reads column {} ({}), which the header "
                                "lacks (it has: {})",
                                mapping.name, cols, what, header_list)});
            };
            for (auto group :
                 {std::initializer_list<Field>{Field::amount, Field::debit, Field::credit},
                  std::initializer_list<Field>{Field::booking_date, Field::value_date}}) {
                std::vector<std::string> names;
                bool any = false;
                for (Field f : group) {
                    if (auto c = mapping.columns.find(f); c != mapping.columns.end()) {
                        names.push_back("'" + c->second + "'");
                        any = any || index_of(c->second).has_value();
                    }
                }
                if (!names.empty() && !any) {
                    lacks(join(names, " or "), std::string("field ") + field_name(*group.begin()));
                }
            }
            for (const auto& [col, what] : required_columns(mapping)) {
                if (!index_of(col)) {
                    lacks("'" + col + "'", what);
                }
            }
            if (!issues.empty()) {
                break;
            }
        }
        if (!*more) {
            break;
        }
        auto lookup = [&](const std::string& col) -> std::string {
            auto i = index_of(col);
            return i && *i < rec.fields.size() ? rec.fields[*i] : std::string();
        };
        auto position = [&](const std::string& col) -> long {
            auto i = index_of(col);
            return i ? static_cast<long>(*i) + 1 : 0L;
        };
        if (leave_out(rec.line + offset, lookup)) {
            continue;
        }
        add(rec.line + offset, lookup, position);
    }
    return {};
}

// The rows of an input named `display_name`, read by `read` (one of the readers above, called as
// read(leave_out, add, issues)) through `mapping`, checked one at a time into `spool`. Returns
// every issue found; `spool` then holds the transactions (finished).
template <class Read>
std::vector<InputIssue> read_rows(const std::string& display_name, const Mapping& mapping,
                                  AccountType type, TransactionSpool& spool, const Read& read) {
    std::vector<InputIssue> issues;
    // Records a row the filters leave out; true when `lookup`'s row is left out.
    auto leave_out = [&](long line, const auto& lookup) {
        std::string reason = left_out_by(mapping, lookup);
        if (reason.empty()) {
            return false;
        }
        auto id = mapping.columns.find(Field::transaction_id);
        spool.add_left_out(
            LeftOutRow{line, id == mapping.columns.end() ? std::string() : trim(lookup(id->second)),
                       std::move(reason)});
        return true;
    };
    // Reads one selected row through `lookup` and `position`.
    auto add = [&](long line, const auto& lookup, const auto& position) {
        RawRow raw = make_raw(line, mapping, lookup, position);
        raw.sign = row_sign(mapping, lookup, position, display_name, line, issues);
        TransactionInput t;
        check_row(raw, display_name, mapping, type, t, issues);
        auto hold = TransactionSpool::Hold::none;
        std::string link;
        if (mapping.holds) {
            const std::string kind = trim(lookup(mapping.holds->column));
            if (contains(mapping.holds->hold, kind)) {
                hold = TransactionSpool::Hold::hold;
            } else if (contains(mapping.holds->release, kind)) {
                hold = TransactionSpool::Hold::release;
                link = trim(lookup(mapping.holds->link));
            }
        }
        spool.add(t, hold, link);
    };
    std::vector<InputIssue> stop = read(leave_out, add, issues);
    if (!stop.empty()) {
        return stop;
    }
    auto more = spool.finish();
    issues.insert(issues.end(), std::make_move_iterator(more.begin()),
                  std::make_move_iterator(more.end()));
    return issues;
}

// The text of a CSV input after the lines above its header (header_starts_with), and how many
// lines those were; an issue when no line starts with the header cell.
Result<std::pair<std::string_view, long>, InputIssue>
skip_to_header(std::string_view text, const std::string& display_name, const Mapping& mapping) {
    if (mapping.header_starts_with.empty()) {
        return std::make_pair(text, 0L);
    }
    std::size_t pos = 0;
    long offset = 0;
    while (pos < text.size()) {
        const auto eol = text.find('\n', pos);
        const std::string_view line =
            text.substr(pos, eol == std::string_view::npos ? text.size() - pos : eol - pos);
        if (first_cell(line) == mapping.header_starts_with) {
            return std::make_pair(text.substr(pos), offset);
        }
        ++offset;
        if (eol == std::string_view::npos) {
            break;
        }
        pos = eol + 1;
    }
    return unexpected(no_header_line(display_name, mapping));
}

// The transactions of a filled spool and its left-out rows, for the callers that want them in
// memory.
Result<std::vector<TransactionInput>, std::vector<InputIssue>>
collect(std::vector<InputIssue> issues, TransactionSpool& spool,
        std::vector<LeftOutRow>* left_out) {
    if (!issues.empty()) {
        return unexpected(std::move(issues));
    }
    std::vector<TransactionInput> rows;
    spool.for_each([&](TransactionInput& t) { rows.push_back(std::move(t)); });
    if (left_out != nullptr) {
        left_out->clear();
        spool.for_each_left_out([&](const LeftOutRow& l) { left_out->push_back(l); });
    }
    return rows;
}

} // namespace

std::vector<InputIssue> read_text(const std::string& text, const std::string& display_name,
                                  bool is_json, const Mapping& mapping, AccountType type,
                                  TransactionSpool& spool) {
    return read_rows(
        display_name, mapping, type, spool,
        [&](auto& leave_out, auto& add, std::vector<InputIssue>& issues) {
            if (mapping.statement) {
                return read_statement_rows(std::string_view(text), display_name, mapping, leave_out,
                                           add);
            }
            if (is_json) {
                const EachJsonElement each = [&](const auto& fn) {
                    std::istringstream guarded(text);
                    if (auto problem = json::check_guards(guarded)) {
                        return Result<json::ArrayAt, std::string>(unexpected(std::move(*problem)));
                    }
                    std::istringstream in(text);
                    return json::for_each_element(in, "transactions", fn);
                };
                return read_json_rows(each, display_name, mapping, issues, leave_out, add);
            }
            if (auto issue = statement_not_csv(text, display_name)) {
                return std::vector<InputIssue>{std::move(*issue)};
            }
            auto body = skip_to_header(text, display_name, mapping);
            if (!body) {
                return std::vector<InputIssue>{std::move(body).error()};
            }
            csv::Reader reader(std::string(body->first), display_name, mapping.delimiter);
            return read_csv_rows(reader, body->second, display_name, mapping, issues, leave_out,
                                 add);
        });
}

std::vector<InputIssue> read_input(const std::filesystem::path& path, const Mapping& mapping,
                                   AccountType type, TransactionSpool& spool) {
    const std::string display_name = path.string();
    // Bank exports are often Windows-1252: the shared input layer reads either.
    std::istringstream none;
    // Streamed: the file's text is never held as a whole, only the row being read (of a bank
    // statement: the entry).
    auto source = table::Source::open(display_name, table::Encoding::detect, none);
    if (!source) {
        return {InputIssue{display_name, source.error().line, "", source.error().message,
                           source.error().column}};
    }
    const table::Source& src = **source;
    return read_rows(
        display_name, mapping, type, spool,
        [&](auto& leave_out, auto& add, std::vector<InputIssue>& issues) {
            if (mapping.statement) {
                auto in = src.stream();
                return read_statement_rows(*in, display_name, mapping, leave_out, add);
            }
            if (ascii_lower(path.extension().string()) == ".json") {
                const EachJsonElement each = [&](const auto& fn) {
                    return table::for_each_json_element(src, "transactions", fn);
                };
                return read_json_rows(each, display_name, mapping, issues, leave_out, add);
            }
            {
                auto in = src.stream();
                std::string head(k_statement_head, '\0');
                in->read(head.data(), static_cast<std::streamsize>(head.size()));
                head.resize(static_cast<std::size_t>(in->gcount()));
                if (auto issue = statement_not_csv(head, display_name)) {
                    return std::vector<InputIssue>{std::move(*issue)};
                }
            }
            auto in = src.stream();
            long offset = 0;
            if (!mapping.header_starts_with.empty()) {
                // Lines above the header (a bank's title, account and period lines) are skipped:
                // counted on one pass, then skipped on a second one that the CSV reader goes on
                // with.
                bool found = false;
                std::string line;
                while (std::getline(*in, line)) {
                    if (first_cell(line) == mapping.header_starts_with) {
                        found = true;
                        break;
                    }
                    ++offset;
                }
                if (!found) {
                    return std::vector<InputIssue>{no_header_line(display_name, mapping)};
                }
                in = src.stream();
                for (long i = 0; i < offset; ++i) {
                    in->ignore(std::numeric_limits<std::streamsize>::max(), '\n');
                }
            }
            csv::Reader reader(*in, display_name, mapping.delimiter);
            return read_csv_rows(reader, offset, display_name, mapping, issues, leave_out, add);
        });
}

Result<std::vector<TransactionInput>, std::vector<InputIssue>>
read_text(const std::string& text, const std::string& display_name, bool is_json,
          const Mapping& mapping, AccountType type, std::vector<LeftOutRow>* left_out) {
    TransactionSpool spool(display_name);
    auto issues = read_text(text, display_name, is_json, mapping, type, spool);
    return collect(std::move(issues), spool, left_out);
}

Result<std::vector<TransactionInput>, std::vector<InputIssue>>
read_input(const std::filesystem::path& path, const Mapping& mapping, AccountType type,
           std::vector<LeftOutRow>* left_out) {
    TransactionSpool spool(path.string());
    auto issues = read_input(path, mapping, type, spool);
    return collect(std::move(issues), spool, left_out);
}
// --- References and batches ---

std::string account_reference(const std::string& profile, const std::string& account_name) {
    return "lexsync-" + slug(account_name) + "-" + short_hash(profile + "\n" + account_name, 8);
}

std::string transaction_reference(const std::string& account_ref,
                                  const std::string& transaction_id) {
    std::string ref = short_hash(account_ref, 8) + "-" + transaction_id;
    if (ref.size() > 100) {
        ref = short_hash(account_ref, 8) + "-h" + short_hash(transaction_id, 40);
    }
    return ref;
}

std::vector<std::pair<std::size_t, std::size_t>> batches(std::size_t n, std::size_t size) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    if (size == 0) {
        size = k_batch_size;
    }
    for (std::size_t i = 0; i < n; i += size) {
        out.emplace_back(i, std::min(n, i + size));
    }
    return out;
}

// --- Bodies ---

std::string finance_timestamp(const std::string& date) {
    using namespace std::chrono;
    const int y = std::stoi(date.substr(0, 4));
    const unsigned m = static_cast<unsigned>(std::stoi(date.substr(5, 2)));
    const unsigned d = static_cast<unsigned>(std::stoi(date.substr(8, 2)));
    const year_month_day ymd{year{y}, month{m}, day{d}};
    return berlin::midnight_timestamp(ymd);
}

std::string account_body(const AccountSpec& a) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto str = [&](const char* key, const std::string& v) {
        if (!v.empty()) {
            w.Key(key);
            w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
        }
    };
    w.StartObject();
    str("type", account_type_api_name(a.type));
    str("accountSystem", a.account_system);
    str("name", a.name);
    str("bankName", a.bank_name);
    str("accountHolder", a.account_holder);
    w.Key("balance");
    json::write_decimal(w, a.balance.rounded(2));
    if (a.type == AccountType::giro) {
        str("iban", a.iban);
        str("bic", a.bic);
    }
    if (a.type == AccountType::creditcard) {
        str("provider", a.card_provider);
        str("creditCardNumber", a.card_number);
    }
    str("externalReference", a.external_reference);
    w.EndObject();
    return buf.GetString();
}

std::string balance_body(const json::Value& account, Decimal balance) {
    json::Document d;
    d.SetObject();
    auto& a = d.GetAllocator();
    static const std::set<std::string> k_read_only = {
        "financialAccountId", "deactivated",      "state",  "initialSyncDate",
        "createdDate",        "lastModifiedDate", "balance"};
    if (account.IsObject()) {
        for (const auto& m : account.GetObject()) {
            const std::string k(m.name.GetString(), m.name.GetStringLength());
            if (k_read_only.count(k)) {
                continue;
            }
            json::Value v;
            v.CopyFrom(m.value, a);
            d.AddMember(json::str(k, a), v, a);
        }
    }
    // The balance goes in as its exact decimal text.
    std::string body = json::to_string(d);
    const std::string member = "\"balance\":" + balance.rounded(2).to_string();
    if (body == "{}") {
        return "{" + member + "}";
    }
    body.insert(1, member + ",");
    return body;
}

std::string transactions_body(const std::vector<TransactionItem>& items,
                              const std::string& account_id) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto str = [&](const char* key, const std::string& v) {
        if (!v.empty()) {
            w.Key(key);
            w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
        }
    };
    w.StartArray();
    for (const auto& item : items) {
        const TransactionInput& t = *item.input;
        w.StartObject();
        str("financialAccountId", account_id);
        if (!t.value_date.empty()) {
            str("valueDate", finance_timestamp(t.value_date));
        }
        if (!t.booking_date.empty()) {
            str("bookingDate", finance_timestamp(t.booking_date));
        }
        str("purpose", t.purpose);
        w.Key("amount");
        json::write_decimal(w, t.amount);
        if (t.fee) {
            w.Key("feeAmount");
            json::write_decimal(w, *t.fee);
            w.Key("feeTaxRatePercentage");
            json::write_decimal(w, t.fee_tax_rate.value_or(Decimal()));
            str("feePostingCategoryId", item.fee_category_id);
        }
        str("recipientOrSenderName", t.counterparty_name);
        str("recipientOrSenderEmail", t.counterparty_email);
        str("recipientOrSenderIban", t.counterparty_iban);
        str("externalReference", item.external_reference);
        w.EndObject();
    }
    w.EndArray();
    return buf.GetString();
}

std::string hint_body(const std::string& voucher_id, const std::string& external_reference) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("voucherId");
    w.String(voucher_id.c_str());
    w.Key("externalReference");
    w.String(external_reference.c_str());
    w.EndObject();
    return buf.GetString();
}

// --- Bank-statement CSV ---

const std::vector<std::string>& statement_header() {
    static const std::vector<std::string> k_header = {
        "Buchungsdatum",    "Wertstellung", "Auftraggeber/Empfänger",
        "Verwendungszweck", "IBAN",         "Betrag",
        "Währung",          "Referenz"};
    return k_header;
}

std::vector<StatementRow> statement_rows(const TransactionInput& t, const std::string& ref,
                                         const std::string& account_name) {
    std::vector<StatementRow> rows;
    StatementRow r;
    r.booking_date = german_date(t.booking_date.empty() ? t.value_date : t.booking_date);
    r.value_date = german_date(t.value_date.empty() ? t.booking_date : t.value_date);
    r.counterparty = !t.counterparty_name.empty()    ? t.counterparty_name
                     : !t.counterparty_email.empty() ? t.counterparty_email
                                                     : account_name;
    r.purpose = t.purpose;
    r.iban = t.counterparty_iban;
    r.amount = t.amount;
    r.currency = t.currency;
    r.reference = ref;
    rows.push_back(r);
    if (t.fee) {
        StatementRow f = r;
        f.counterparty = account_name;
        f.purpose = "Gebühr zu " + t.purpose;
        f.iban.clear();
        f.amount = *t.fee;
        f.reference = ref + "-fee";
        rows.push_back(std::move(f));
    }
    return rows;
}

void write_statement(std::ostream& out, const std::vector<StatementRow>& rows, bool header) {
    csv::Writer w(out, ';', false);
    if (header) {
        w.write_row(statement_header());
    }
    for (const auto& r : rows) {
        w.write_row(std::vector<std::string>{r.booking_date, r.value_date, r.counterparty,
                                             r.purpose, r.iban, r.amount.to_fixed(2, ','),
                                             r.currency, r.reference});
    }
}

Result<std::vector<std::string>, std::string>
read_statement_references(const std::filesystem::path& path) {
    csv::Reader reader(path, ';');
    csv::Record rec;
    std::vector<std::string> refs;
    for (;;) {
        auto more = reader.next(rec);
        if (!more) {
            return unexpected(more.error().to_string());
        }
        if (!*more) {
            break;
        }
        const auto col = reader.column("Referenz");
        if (!col) {
            return unexpected(path.string() + ": no column Referenz");
        }
        refs.push_back(rec.fields[*col]);
    }
    return refs;
}

} // namespace lexsync::transactions
