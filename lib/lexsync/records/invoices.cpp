// Invoices input, validation, totals and request bodies. The input schema is documented in
// man/lexsync-invoices-export.1; this file is its implementation.
#include <algorithm>
#include <charconv>
#include <deque>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/formats/csv.hpp>
#include <lexsync/formats/table_input.hpp>
#include <lexsync/records/invoice_spool.hpp>
#include <lexsync/records/invoices.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/berlin_time.hpp>
#include <lexsync/util/countries.hpp>
#include <lexsync/util/decimal_wide.hpp>
#include <lexsync/util/json.hpp>
#include <lexsync/util/strings.hpp>
#include <lexsync/util/utf8.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <set>
#include <sstream>
#include <tuple>

namespace lexsync::invoices {

namespace {

namespace chr = std::chrono;

using Wide = WideUnits;

// Rounds units (1/10000) to a multiple of 100 (2 decimal places).
Decimal round2_units(Wide units_times_den, Wide den) {
    return Decimal::from_units(
        static_cast<std::int64_t>(div_round(units_times_den, den * 100) * 100));
}

// The German words a spreadsheet may use for the values of kind, status and tax_type.
std::string english_value(const std::string& v) {
    static const std::map<std::string, std::string> k_words = {
        {"rechnung", "invoice"},
        {"gutschrift", "credit-note"},
        {"rechnungskorrektur", "credit-note"},
        {"offen", "open"},
        {"bezahlt", "paid"},
        {"entwurf", "draft"},
        {"netto", "net"},
        {"brutto", "gross"},
        {"steuerfrei", "tax-free"},
        {"kleinunternehmer", "small-business"}};
    const auto it = k_words.find(ascii_lower(v));
    return it == k_words.end() ? v : it->second;
}

const std::set<std::string>& invoice_field_set() {
    static const std::set<std::string> s(k_invoice_fields.begin(), k_invoice_fields.end());
    return s;
}
const std::set<std::string>& item_field_set() {
    static const std::set<std::string> s(k_item_fields.begin(), k_item_fields.end());
    return s;
}

using Cells = std::map<std::string, std::string>;

// Builds invoices from rows of cells: rows with the same number form one invoice; invoice-level
// values must agree between its rows.
class Builder {
public:
    Builder(std::string file, std::filesystem::path base,
            std::shared_ptr<const ColumnPositions> columns = nullptr)
        : m_file(std::move(file)), m_base(std::move(base)), m_columns(std::move(columns)) {}

    // Invoices go to `spool` instead of memory: the one being read stays in memory while its rows
    // follow each other.
    void spool_to(Spool* spool) { m_spool = spool; }

    void add_row(long line, const Cells& cells, bool with_item) {
        const std::string number = trim(get(cells, "number"));
        Invoice* inv = nullptr;
        if (m_spool != nullptr) {
            if (number.empty()) {
                close();
                Invoice orphan;
                orphan.file = m_file;
                orphan.line = line;
                orphan.columns = m_columns;
                orphan.issue("number", "missing (the source invoice number)");
                apply_invoice_fields(orphan, line, cells);
                if (with_item) {
                    add_item(orphan, line, cells);
                }
                m_values.clear();
                m_spool->put(orphan);
                return;
            }
            if (!m_open || m_open->number != number) {
                close();
                open(number, line);
            }
            inv = &*m_open;
        } else if (number.empty()) {
            m_orphans.emplace_back();
            inv = &m_orphans.back();
            inv->file = m_file;
            inv->line = line;
            inv->columns = m_columns;
            inv->issue("number", "missing (the source invoice number)");
        } else if (auto it = m_index.find(number); it != m_index.end()) {
            inv = &m_invoices[it->second];
        } else {
            m_index.emplace(number, m_invoices.size());
            m_invoices.emplace_back();
            inv = &m_invoices.back();
            inv->file = m_file;
            inv->line = line;
            inv->columns = m_columns;
            inv->number = number;
        }
        apply_invoice_fields(*inv, line, cells);
        if (with_item) {
            add_item(*inv, line, cells);
        }
    }

    // Spool mode: stores the invoice being read (with the values its rows gave, for the checks of
    // rows that come later).
    void close() {
        if (!m_open) {
            return;
        }
        std::string extra;
        for (const auto& [key, value] : m_values) {
            extra += fmt::format("{} {}{} {}{} ", key.second.size(), key.second, value.first.size(),
                                 value.first, value.second);
        }
        m_values.clear();
        m_spool->put(*m_open, extra);
        m_open.reset();
    }

    std::vector<Invoice> take() {
        std::vector<Invoice> out(std::make_move_iterator(m_invoices.begin()),
                                 std::make_move_iterator(m_invoices.end()));
        for (auto& inv : m_orphans) {
            out.push_back(std::move(inv));
        }
        std::stable_sort(out.begin(), out.end(),
                         [](const Invoice& a, const Invoice& b) { return a.line < b.line; });
        return out;
    }

private:
    // Spool mode: the invoice `number` from the spool with its values, or a new one.
    void open(const std::string& number, long line) {
        m_open.emplace();
        Invoice* inv = &*m_open;
        if (auto found = m_spool->find(number)) {
            *inv = std::move(found->first);
            inv->columns = m_columns;
            std::string_view rest = found->second;
            auto text = [&rest]() {
                const auto space = rest.find(' ');
                std::size_t n = 0;
                std::from_chars(rest.data(), rest.data() + space, n);
                std::string out(rest.substr(space + 1, n));
                rest.remove_prefix(space + 1 + n);
                return out;
            };
            while (!rest.empty()) {
                std::string field = text();
                std::string value = text();
                const auto space = rest.find(' ');
                long at = 0;
                std::from_chars(rest.data(), rest.data() + space, at);
                rest.remove_prefix(space + 1);
                m_values.emplace(std::make_pair(inv, std::move(field)),
                                 std::make_pair(std::move(value), at));
            }
            return;
        }
        inv->file = m_file;
        inv->line = line;
        inv->columns = m_columns;
        inv->number = number;
    }

    static std::string get(const Cells& c, const std::string& k) {
        auto it = c.find(k);
        return it == c.end() ? std::string() : it->second;
    }

    // Sets an invoice-level value: the first row that gives it decides; a later different one is
    // an issue.
    bool take_value(Invoice& inv, long line, const Cells& cells, const std::string& field,
                    std::string& out) {
        const std::string v = trim(get(cells, field));
        if (v.empty()) {
            return false;
        }
        auto key = std::make_pair(&inv, field);
        if (auto it = m_values.find(key); it != m_values.end()) {
            if (it->second.first != v) {
                inv.issue(field,
                          fmt::format("'{}' differs from '{}' on line {} of the same invoice", v,
                                      it->second.first, it->second.second),
                          line);
            }
            return false;
        }
        m_values.emplace(key, std::make_pair(v, line));
        out = v;
        return true;
    }

    // take_value() for a number with at most 2 decimals (an amount or a percentage).
    void take_decimal(Invoice& inv, long line, const Cells& cells, const char* field,
                      table::NumberKind kind, std::optional<Decimal>& out) {
        std::string s;
        if (!take_value(inv, line, cells, field, s)) {
            return;
        }
        auto d = table::parse_number(s, kind);
        if (!d) {
            inv.issue(field, d.error(), line);
        } else if (d->rounded(2) != *d) {
            inv.issue(field, fmt::format("'{}' has more than 2 decimals", s), line);
        } else {
            out = *d;
        }
    }

    // A number of days as typed: up to 4 digits; -1 for anything else.
    static int days_of(const std::string& v) {
        const bool digits =
            !v.empty() && v.size() <= 4 &&
            std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
        return digits ? std::stoi(v) : -1;
    }

    // Reads the invoice-level values of a row: what the document is, its dates, payment,
    // customer, tax and texts; issues are reported in this order.
    void apply_invoice_fields(Invoice& inv, long line, const Cells& cells) {
        take_kind(inv, line, cells);
        take_dates(inv, line, cells);
        take_payment(inv, line, cells);
        take_customer(inv, line, cells);
        take_tax(inv, line, cells);
        take_document(inv, line, cells);
    }

    // Reads kind (invoice or credit note) and the number of the invoice a credit note corrects.
    void take_kind(Invoice& inv, long line, const Cells& cells) {
        std::string v;
        if (take_value(inv, line, cells, "kind", v)) {
            const std::string k = ascii_lower(english_value(v));
            if (k == "invoice") {
                inv.kind = Kind::invoice;
            } else if (k == "credit-note" || k == "credit_note" || k == "creditnote") {
                inv.kind = Kind::credit_note;
            } else {
                inv.issue("kind", fmt::format("'{}' is not invoice or credit-note", v), line);
            }
        }
        if (take_value(inv, line, cells, "corrects", v)) {
            inv.corrects = v;
        }
    }

    // Reads the invoice date, the service date or period and the due date.
    void take_dates(Invoice& inv, long line, const Cells& cells) {
        auto date_field = [&](const char* field, auto setter) {
            std::string s;
            if (take_value(inv, line, cells, field, s)) {
                if (auto d = parse_date(s)) {
                    setter(*d);
                } else {
                    inv.issue(field, d.error(), line);
                }
            }
        };
        date_field("date", [&](Date d) { inv.date = d; });
        date_field("service_date", [&](Date d) { inv.service_date = d; });
        date_field("service_end_date", [&](Date d) { inv.service_end_date = d; });
        date_field("due_date", [&](Date d) { inv.due_date = d; });
    }

    // Reads the shipping type, payment terms and discounts.
    void take_payment(Invoice& inv, long line, const Cells& cells) {
        std::string v;
        if (take_value(inv, line, cells, "shipping_type", v)) {
            const std::string t = ascii_lower(v);
            if (t == "service" || t == "delivery" || t == "none") {
                inv.shipping_type = t;
            } else {
                inv.issue("shipping_type", fmt::format("'{}' is not service, delivery or none", v),
                          line);
            }
        }
        if (take_value(inv, line, cells, "payment_terms", v)) {
            const int days = days_of(v);
            if (days < 0 || days > 3650) {
                inv.issue("payment_terms", fmt::format("'{}' is not a number of days (0..3650)", v),
                          line);
            } else {
                inv.payment_terms = days;
            }
        }
        take_decimal(inv, line, cells, "payment_discount", table::NumberKind::percent,
                     inv.payment_discount);
        take_decimal(inv, line, cells, "total_discount", table::NumberKind::percent,
                     inv.total_discount);
        take_decimal(inv, line, cells, "total_discount_amount", table::NumberKind::amount,
                     inv.total_discount_amount);
        if (take_value(inv, line, cells, "payment_discount_days", v)) {
            const int days = days_of(v);
            if (days < 1 || days > 3650) {
                inv.issue("payment_discount_days",
                          fmt::format("'{}' is not a number of days (1..3650)", v), line);
            } else {
                inv.payment_discount_days = days;
            }
        }
    }

    // Reads the customer: contact id, customer number, e-mail, name and address.
    void take_customer(Invoice& inv, long line, const Cells& cells) {
        std::string v;
        if (take_value(inv, line, cells, "customer_id", v)) {
            if (!is_uuid(v)) {
                inv.issue("customer_id",
                          fmt::format("'{}' is not a lexoffice contact id (UUID)", v), line);
            }
            inv.customer.id = ascii_lower(v);
        }
        if (take_value(inv, line, cells, "customer_number", v)) {
            const bool digits = v.size() <= 12 && std::all_of(v.begin(), v.end(), [](char c) {
                                    return c >= '0' && c <= '9';
                                });
            if (!digits) {
                inv.issue("customer_number", fmt::format("'{}' is not a customer number", v), line);
            } else {
                inv.customer.number = std::stoll(v);
            }
        }
        if (take_value(inv, line, cells, "customer_email", v)) {
            if (!contacts::is_valid_email(v)) {
                inv.issue("customer_email", fmt::format("'{}' is not a valid e-mail address", v),
                          line);
            }
            inv.customer.email = v;
        }
        take_value(inv, line, cells, "name", inv.customer.name);
        take_value(inv, line, cells, "supplement", inv.customer.supplement);
        take_value(inv, line, cells, "street", inv.customer.street);
        take_value(inv, line, cells, "zip", inv.customer.zip);
        take_value(inv, line, cells, "city", inv.customer.city);
        if (take_value(inv, line, cells, "country", v)) {
            std::string up = v;
            for (char& c : up) {
                if (c >= 'a' && c <= 'z') {
                    c = static_cast<char>(c - 'a' + 'A');
                }
            }
            if (!countries::is_known(up)) {
                const std::string meant = countries::suggestion(up);
                inv.issue("country",
                          meant.empty()
                              ? fmt::format("'{}' is not a country code lexoffice knows (ISO "
                                            "3166-1 alpha-2 such as DE, AT, or ES_CN, GR_69, …)",
                                            v)
                              : fmt::format("'{}' is not a country code lexoffice knows; did you "
                                            "mean '{}'?",
                                            v, meant),
                          line);
            }
            inv.customer.country = up;
        }
    }

    // Reads currency, tax type, tax note and status.
    void take_tax(Invoice& inv, long line, const Cells& cells) {
        std::string v;
        if (take_value(inv, line, cells, "currency", v)) {
            inv.currency = v;
        }
        if (take_value(inv, line, cells, "tax_type", v)) {
            if (auto t = parse_tax_type(english_value(v))) {
                inv.tax_type = *t;
            } else {
                inv.issue(
                    "tax_type",
                    fmt::format(
                        "'{}' is not one of net, gross, tax-free, intra-community-supply, "
                        "reverse-charge, construction-service-13b, third-party-country-service, "
                        "third-party-country-delivery, small-business",
                        v),
                    line);
            }
        }
        take_value(inv, line, cells, "tax_note", inv.tax_note);
        if (take_value(inv, line, cells, "status", v)) {
            if (auto s = parse_status(english_value(v))) {
                inv.status = *s;
            } else {
                inv.issue("status", fmt::format("'{}' is not open, paid or draft", v), line);
            }
        }
    }

    // Reads the PDF, the texts, the category and the given totals.
    void take_document(Invoice& inv, long line, const Cells& cells) {
        std::string v;
        if (take_value(inv, line, cells, "pdf", v)) {
            std::filesystem::path p(v);
            inv.pdf = p.is_absolute() || m_base.empty() ? p : m_base / p;
        }
        take_value(inv, line, cells, "title", inv.title);
        take_value(inv, line, cells, "introduction", inv.introduction);
        take_value(inv, line, cells, "remark", inv.remark);
        take_value(inv, line, cells, "category", inv.category);
        take_decimal(inv, line, cells, "total_net", table::NumberKind::amount, inv.total_net);
        take_decimal(inv, line, cells, "total_tax", table::NumberKind::amount, inv.total_tax);
        take_decimal(inv, line, cells, "total_gross", table::NumberKind::amount, inv.total_gross);
    }

    void add_item(Invoice& inv, long line, const Cells& cells) {
        LineItem item;
        item.line = line;
        const std::string type = ascii_lower(trim(get(cells, "item_type")));
        if (!type.empty()) {
            if (type == "custom" || type == "text") {
                item.type = type;
            } else {
                inv.issue("item_type", fmt::format("'{}' is not custom or text", type), line);
            }
        }
        item.name = trim(get(cells, "item"));
        item.description = get(cells, "description");
        item.unit = trim(get(cells, "unit"));
        auto dec = [&](const char* field, int places, table::NumberKind kind,
                       std::optional<Decimal>& out) {
            const std::string s = trim(get(cells, field));
            if (s.empty()) {
                return;
            }
            auto d = table::parse_number(s, kind);
            if (!d) {
                inv.issue(field, d.error(), line);
                return;
            }
            if (d->rounded(places) != *d) {
                inv.issue(field, fmt::format("'{}' has more than {} decimals", s, places), line);
                return;
            }
            out = *d;
        };
        std::optional<Decimal> quantity;
        dec("quantity", 4, table::NumberKind::plain, quantity);
        if (quantity) {
            item.quantity = *quantity;
        }
        dec("net_price", 4, table::NumberKind::amount, item.net_price);
        dec("gross_price", 4, table::NumberKind::amount, item.gross_price);
        dec("tax_rate", 2, table::NumberKind::percent, item.tax_rate);
        dec("discount", 2, table::NumberKind::percent, item.discount);
        if (item.name.empty() && (item.type != "text" || item.description.empty())) {
            inv.issue("item", "missing (the line item's name)", line);
        }
        if (utf8::code_points(item.name) > 255) {
            inv.issue("item", "longer than 255 characters", line);
        }
        if (utf8::code_points(item.description) > 2000) {
            inv.issue("description", "longer than 2000 characters", line);
        }
        inv.items.push_back(std::move(item));
    }

    std::string m_file;
    std::filesystem::path m_base;
    std::shared_ptr<const ColumnPositions> m_columns;
    // Deques keep the addresses that m_values is keyed by.
    std::deque<Invoice> m_invoices;
    std::deque<Invoice> m_orphans;
    std::map<std::string, std::size_t> m_index;
    std::map<std::pair<const Invoice*, std::string>, std::pair<std::string, long>> m_values;
    Spool* m_spool = nullptr;
    std::optional<Invoice> m_open; // spool mode: the invoice being read
};

// Adds "missing" issues for required invoice-level fields after all rows are read.
void check_required(std::vector<Invoice>& invoices) {
    for (auto& inv : invoices) {
        invoices::check_required(inv);
    }
}

// Maps the CSV header to column names; header problems become file issues naming their column.
// A `required` column that is missing is reported too, unless an unknown header already
// suggested it (one problem, reported once).
std::vector<std::string> read_header(const std::vector<std::string>& header,
                                     const std::vector<table::Column>& columns,
                                     const std::string& display_name,
                                     std::vector<InputIssue>& issues,
                                     std::shared_ptr<const ColumnPositions>& positions,
                                     std::initializer_list<const char*> required) {
    std::vector<table::HeaderIssue> header_issues;
    auto names = table::map_header(header, columns, "lexsync-invoices-export", header_issues);
    std::set<std::string> suggested;
    for (const auto& h : header_issues) {
        issues.push_back(
            InputIssue{display_name, 1, h.header, h.message, static_cast<long>(h.index) + 1});
        suggested.insert(h.suggestion);
    }
    for (const char* r : required) {
        if (std::find(names.begin(), names.end(), r) == names.end() && !suggested.count(r)) {
            std::string german;
            for (const auto& c : columns) {
                if (c.name == r && !c.aliases.empty()) {
                    german = fmt::format(" (German: {})", c.aliases.front());
                }
            }
            issues.push_back(
                InputIssue{display_name, 1, r, fmt::format("missing column{}", german)});
        }
    }
    positions = std::make_shared<ColumnPositions>(table::positions(header, names));
    return names;
}

InputSet load_issue(const std::string& name, const table::Problem& p) {
    InputSet set;
    set.file_issues.push_back(InputIssue{name, p.line, "", p.message, p.column});
    return set;
}

// A JSON scalar as the text a CSV cell would hold; false for objects and arrays.
bool scalar_text(const json::Value& v, std::string& out) {
    if (v.IsString()) {
        out.assign(v.GetString(), v.GetStringLength());
        return true;
    }
    if (v.IsNumber()) {
        out = table::json_number_text(json::number_text(v).value_or(""));
        return true;
    }
    if (v.IsBool()) {
        out = v.GetBool() ? "true" : "false";
        return true;
    }
    if (v.IsNull()) {
        out.clear();
        return true;
    }
    return false;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Columns

const std::vector<table::Column>& input_columns() {
    // Aliases are matched ignoring case, spaces and punctuation ("Kunden-Nr." = "kundennr").
    static const std::vector<table::Column> k_columns = {
        {"number",
         {"Rechnungsnummer", "Rechnungs-Nr.", "Rechnungsnr", "Belegnummer", "Invoice Number",
          "Invoice No"}},
        {"kind", {"Belegart", "Dokumentart", "Art", "Document Type"}},
        {"corrects", {"Korrigiert", "Ursprungsrechnung", "Bezugsrechnung", "Original Invoice"}},
        {"date", {"Rechnungsdatum", "Belegdatum", "Datum", "Invoice Date"}},
        {"service_date", {"Leistungsdatum", "Lieferdatum", "Leistungsbeginn", "Service Start"}},
        {"service_end_date", {"Leistungsende", "Service End"}},
        {"shipping_type", {"Leistungsart", "Lieferart"}},
        {"due_date", {"Fälligkeitsdatum", "Fällig am", "Fälligkeit", "Due"}},
        {"payment_terms", {"Zahlungsziel", "Zahlungsziel (Tage)", "Payment Term"}},
        {"payment_discount",
         {"Skonto", "Skonto (%)", "Skontosatz", "Skonto Prozent", "Payment Discount Percent"}},
        {"payment_discount_days",
         {"Skontofrist", "Skontofrist (Tage)", "Skontotage", "Skonto Tage",
          "Payment Discount Days"}},
        {"customer_id", {"Kunden-ID", "Kontakt-ID", "Contact ID"}},
        {"customer_number", {"Kundennummer", "Kunden-Nr.", "Kundennr", "Customer No"}},
        {"customer_email", {"Kunden-E-Mail", "E-Mail", "Email"}},
        {"name", {"Kundenname", "Kunde", "Firma", "Empfänger", "Customer Name", "Company"}},
        {"supplement", {"Adresszusatz", "Zusatz"}},
        {"street", {"Straße", "Strasse", "Straße und Hausnummer", "Address"}},
        {"zip", {"PLZ", "Postleitzahl", "Postal Code", "Postcode", "Zip Code"}},
        {"city", {"Ort", "Stadt"}},
        {"country", {"Land", "Ländercode", "Country Code"}},
        {"currency", {"Währung"}},
        {"tax_type", {"Steuerart", "Besteuerung", "Tax"}},
        {"tax_note", {"Steuerhinweis"}},
        {"status", {"Zahlstatus", "Rechnungsstatus"}},
        {"pdf", {"PDF-Datei", "Datei", "File"}},
        {"title", {"Titel", "Überschrift"}},
        {"introduction", {"Einleitung", "Einleitungstext"}},
        {"remark", {"Bemerkung", "Schlusstext", "Anmerkung"}},
        {"category", {"Kategorie", "Buchungskategorie"}},
        {"total_discount",
         {"Gesamtrabatt", "Gesamtrabatt (%)", "Rabatt gesamt", "Rechnungsrabatt",
          "Total Discount Percent"}},
        {"total_discount_amount",
         {"Gesamtrabatt (EUR)", "Gesamtrabatt Betrag", "Rabattbetrag", "Rechnungsrabatt (EUR)",
          "Total Discount Amount"}},
        {"total_net", {"Summe netto", "Gesamt netto", "Nettobetrag", "Net Total"}},
        {"total_tax", {"Summe USt", "Umsatzsteuer", "Steuerbetrag", "MwSt-Betrag", "Tax Total"}},
        {"total_gross",
         {"Summe brutto", "Gesamt brutto", "Bruttobetrag", "Rechnungsbetrag", "Gross Total"}},
        {"item_type", {"Positionsart", "Positionstyp"}},
        {"item", {"Bezeichnung", "Position", "Artikel", "Leistung", "Produkt", "Product"}},
        {"description", {"Beschreibung", "Positionsbeschreibung"}},
        {"quantity", {"Menge", "Anzahl", "Qty"}},
        {"unit", {"Einheit", "Unit Name"}},
        {"net_price",
         {"Einzelpreis netto", "Nettopreis", "Preis netto", "Net Price", "Unit Price Net"}},
        {"gross_price",
         {"Einzelpreis brutto", "Bruttopreis", "Preis brutto", "Gross Price", "Unit Price Gross"}},
        {"tax_rate", {"Steuersatz", "USt-Satz", "MwSt-Satz", "Umsatzsteuersatz", "VAT Rate"}},
        {"discount", {"Rabatt", "Nachlass", "Discount Percent"}},
    };
    return k_columns;
}

const std::vector<table::Column>& time_columns() {
    static const std::vector<table::Column> k_columns = {
        {"date", {"Datum"}},
        {"customer_id", {"Kunden-ID", "Kontakt-ID"}},
        {"customer_number", {"Kundennummer", "Kunden-Nr."}},
        {"customer_email", {"Kunden-E-Mail", "E-Mail"}},
        {"name", {"Kundenname", "Kunde", "Firma", "Client"}},
        {"supplement", {"Adresszusatz"}},
        {"street", {"Straße", "Strasse"}},
        {"zip", {"PLZ", "Postleitzahl"}},
        {"city", {"Ort", "Stadt"}},
        {"country", {"Land", "Ländercode"}},
        {"project", {"Projekt"}},
        {"subproject", {"Unterprojekt", "Aufgabe", "Task"}},
        {"description", {"Beschreibung", "Tätigkeit"}},
        {"hours", {"Stunden", "Dauer (Stunden)", "Duration (decimal)"}},
        {"rate", {"Stundensatz", "Hourly Rate"}},
        {"tax_rate", {"Steuersatz", "USt-Satz"}},
        {"tax_type", {"Steuerart"}},
        {"billable", {"Abrechenbar"}},
    };
    return k_columns;
}

// ---------------------------------------------------------------------------------------------
// Small types

const char* api_tax_type(TaxType t) {
    switch (t) {
    case TaxType::net:
        return "net";
    case TaxType::gross:
        return "gross";
    case TaxType::vatfree:
    case TaxType::small_business:
        return "vatfree";
    case TaxType::intra_community_supply:
        return "intraCommunitySupply";
    case TaxType::construction_service_13b:
        return "constructionService13b";
    case TaxType::external_service_13b:
        return "externalService13b";
    case TaxType::third_party_country_service:
        return "thirdPartyCountryService";
    case TaxType::third_party_country_delivery:
        return "thirdPartyCountryDelivery";
    }
    return "net";
}

bool is_tax_free(TaxType t) {
    return t != TaxType::net && t != TaxType::gross;
}

std::optional<TaxType> parse_tax_type(std::string_view s) {
    const std::string v = ascii_lower(trim(s));
    static const std::map<std::string, TaxType> k_names = {
        {"net", TaxType::net},
        {"gross", TaxType::gross},
        {"vatfree", TaxType::vatfree},
        {"tax-free", TaxType::vatfree},
        {"taxfree", TaxType::vatfree},
        {"intra-community-supply", TaxType::intra_community_supply},
        {"intracommunitysupply", TaxType::intra_community_supply},
        {"reverse-charge", TaxType::external_service_13b},
        {"externalservice13b", TaxType::external_service_13b},
        {"construction-service-13b", TaxType::construction_service_13b},
        {"constructionservice13b", TaxType::construction_service_13b},
        {"third-party-country", TaxType::third_party_country_service},
        {"third-party-country-service", TaxType::third_party_country_service},
        {"thirdpartycountryservice", TaxType::third_party_country_service},
        {"third-party-country-delivery", TaxType::third_party_country_delivery},
        {"thirdpartycountrydelivery", TaxType::third_party_country_delivery},
        {"small-business", TaxType::small_business},
        {"smallbusiness", TaxType::small_business},
    };
    std::string key = v;
    std::replace(key.begin(), key.end(), '_', '-');
    if (auto it = k_names.find(key); it != k_names.end()) {
        return it->second;
    }
    return std::nullopt;
}

std::string Customer::ref_key() const {
    if (!id.empty()) {
        return "id:" + id;
    }
    if (number) {
        return fmt::format("number:{}", *number);
    }
    if (!email.empty()) {
        return "email:" + contacts::normalize(email);
    }
    return {};
}

bool LineItem::is_hourly() const {
    static const std::set<std::string> k_units = {"h",   "hr",   "hrs",    "hour",    "hours",
                                                  "std", "std.", "stunde", "stunden", "stunde(n)"};
    return k_units.count(ascii_lower(unit)) > 0;
}

void Invoice::issue(const std::string& field, const std::string& message, long at_line) {
    InputIssue i{file, at_line != 0 ? at_line : line, field, message};
    if (columns) {
        if (auto it = columns->find(field); it != columns->end()) {
            i.column = it->second.first;
            i.field = it->second.second;
        }
    }
    // One problem per cell: a value that could not be read is not "missing" on top of that.
    for (const auto& other : issues) {
        if (other.line == i.line && other.field == i.field) {
            return;
        }
    }
    issues.push_back(std::move(i));
}

Date Invoice::tax_date() const {
    if (kind == Kind::credit_note || shipping_type == "none") {
        return date;
    }
    if (service_end_date) {
        return *service_end_date;
    }
    return service_date.value_or(date);
}

std::optional<int> Invoice::term_days() const {
    if (payment_terms) {
        return payment_terms;
    }
    if (due_date) {
        return static_cast<int>((chr::sys_days(*due_date) - chr::sys_days(date)).count());
    }
    return std::nullopt;
}

void check_required(Invoice& inv) {
    if (inv.date == Date{}) {
        inv.issue("date", "missing (the invoice date, 2026-03-31 or 31.03.2026)");
    }
    if (inv.items.empty() && !inv.number.empty()) {
        inv.issue("item", "the invoice has no line items");
    }
}

std::optional<Status> parse_status(std::string_view s) {
    const std::string v = ascii_lower(trim(s));
    if (v == "open") {
        return Status::open;
    }
    if (v == "paid") {
        return Status::paid;
    }
    if (v == "draft") {
        return Status::draft;
    }
    return std::nullopt;
}

const char* status_name(Status s) {
    switch (s) {
    case Status::open:
        return "open";
    case Status::paid:
        return "paid";
    case Status::draft:
        return "draft";
    }
    return "open";
}

// ---------------------------------------------------------------------------------------------
// Dates

std::string sales_datetime(Date d) {
    return berlin::midnight_timestamp(d);
}

// ---------------------------------------------------------------------------------------------
// Reading

namespace {

// Reads the invoices of a CSV input; with a `spool`, into it (set.invoices stays empty and the
// spool's reader applies check_required()).
InputSet read_csv(csv::Reader& reader, const std::string& display_name,
                  const std::filesystem::path& base, Spool* spool = nullptr) {
    InputSet set;
    csv::Record rec;
    std::unique_ptr<Builder> b;
    std::vector<std::string> names;
    bool checked = false;
    for (;;) {
        auto more = reader.next(rec);
        if (!more) {
            const auto& e = more.error();
            set.file_issues.push_back(InputIssue{display_name, e.line, "", e.message});
            return set;
        }
        if (!checked) {
            checked = true;
            std::shared_ptr<const ColumnPositions> positions;
            names = read_header(reader.header(), input_columns(), display_name, set.file_issues,
                                positions, {"number", "item"});
            if (!set.file_issues.empty()) {
                return set;
            }
            b = std::make_unique<Builder>(display_name, base, positions);
            b->spool_to(spool);
            if (spool != nullptr) {
                spool->set_columns(positions);
            }
        }
        if (!*more) {
            break;
        }
        Cells cells;
        for (std::size_t i = 0; i < names.size() && i < rec.fields.size(); ++i) {
            if (!names[i].empty()) {
                cells[names[i]] = rec.fields[i];
            }
        }
        b->add_row(rec.line, cells, true);
    }
    if (!b) {
        return set;
    }
    auto& builder = *b;
    if (spool != nullptr) {
        builder.close();
        return set;
    }
    set.invoices = builder.take();
    check_required(set.invoices);
    return set;
}

} // namespace

InputSet read_invoices_csv(const std::string& text, const std::string& display_name,
                           const std::filesystem::path& base) {
    csv::Reader reader(text, display_name);
    return read_csv(reader, display_name, base);
}

InputSet read_invoices_csv(std::istream& in, const std::string& display_name,
                           const std::filesystem::path& base) {
    csv::Reader reader(in, display_name);
    return read_csv(reader, display_name, base);
}

namespace {

// Calls the function it is given with each element of a JSON input's array, its index and line;
// returns where the array was or why the text is not JSON.
using ElementReader = std::function<Result<json::ArrayAt, std::string>(
    const std::function<void(const json::Value&, std::size_t, long)>&)>;

// Reads the invoices of a JSON input one object at a time: only the invoices are kept, not the
// document.
InputSet read_json(const ElementReader& read, const std::string& display_name,
                   const std::filesystem::path& base, Spool* spool = nullptr) {
    InputSet set;
    Builder b(display_name, base);
    b.spool_to(spool);
    std::vector<InputIssue> object_issues;
    auto object = [&](const json::Value& item, long line) {
        if (!item.IsObject()) {
            object_issues.push_back(
                InputIssue{display_name, line, "", "expected an invoice object"});
            return;
        }
        Cells head;
        const json::Value* items = nullptr;
        for (const auto& m : item.GetObject()) {
            const std::string key(m.name.GetString(), m.name.GetStringLength());
            if (key == "items") {
                items = &m.value;
                continue;
            }
            const table::Column* col = table::find_column(key, input_columns());
            if (col == nullptr || !invoice_field_set().count(col->name)) {
                const std::string hint = table::did_you_mean(key, input_columns());
                object_issues.push_back(InputIssue{
                    display_name, line, key,
                    hint.empty() ? "unknown field (see 'man lexsync-invoices-export')"
                                 : fmt::format("unknown field; did you mean '{}'?", hint)});
                continue;
            }
            std::string v;
            if (!scalar_text(m.value, v)) {
                object_issues.push_back(
                    InputIssue{display_name, line, key, "expected a string or a number"});
                continue;
            }
            head[col->name] = v;
        }
        if (items == nullptr || !items->IsArray() || items->Empty()) {
            Cells cells = head;
            b.add_row(line, cells, false);
            return;
        }
        for (const auto& it : items->GetArray()) {
            Cells cells = head;
            if (!it.IsObject()) {
                object_issues.push_back(
                    InputIssue{display_name, line, "items", "expected item objects"});
                continue;
            }
            for (const auto& m : it.GetObject()) {
                const std::string key(m.name.GetString(), m.name.GetStringLength());
                const table::Column* col = table::find_column(key, input_columns());
                if (col == nullptr || !item_field_set().count(col->name)) {
                    const std::string hint = table::did_you_mean(key, input_columns());
                    object_issues.push_back(InputIssue{
                        display_name, line, "items." + key,
                        hint.empty()
                            ? "unknown item field"
                            : fmt::format("unknown item field; did you mean '{}'?", hint)});
                    continue;
                }
                std::string v;
                if (!scalar_text(m.value, v)) {
                    object_issues.push_back(InputIssue{display_name, line, "items." + key,
                                                       "expected a string or a number"});
                    continue;
                }
                cells[col->name] = v;
            }
            b.add_row(line, cells, true);
        }
    };
    auto found = read([&](const json::Value& item, std::size_t, long line) { object(item, line); });
    if (!found) {
        set.file_issues.push_back(
            InputIssue{display_name, 0, "", "not valid JSON: " + found.error()});
        return set;
    }
    if (*found == json::ArrayAt::none) {
        set.file_issues.push_back(
            InputIssue{display_name, 1, "",
                       "expected a JSON array of invoice objects (or {\"invoices\": [...]})"});
        return set;
    }
    if (!object_issues.empty()) {
        set.file_issues = std::move(object_issues);
        return set;
    }
    if (spool != nullptr) {
        b.close();
        return set;
    }
    set.invoices = b.take();
    check_required(set.invoices);
    return set;
}

} // namespace

InputSet read_invoices_json(const std::string& text, const std::string& display_name,
                            const std::filesystem::path& base) {
    return read_json(
        [&](const auto& fn) -> Result<json::ArrayAt, std::string> {
            {
                std::istringstream in(text);
                if (auto problem = json::check_guards(in)) {
                    return unexpected(std::move(*problem));
                }
            }
            std::istringstream in(text);
            return json::for_each_element(in, "invoices", fn);
        },
        display_name, base);
}

namespace {
InputSet read_any(const std::string& path, const ReadOptions& opts, Spool* spool);
} // namespace

InputSet read_invoices(const std::string& path, const ReadOptions& opts) {
    return read_any(path, opts, nullptr);
}

std::vector<InputIssue> read_invoices(const std::string& path, const ReadOptions& opts,
                                      Spool& spool) {
    return read_any(path, opts, &spool).file_issues;
}

namespace {

// Reads `path` as read_invoices() does; with a `spool`, into it.
InputSet read_any(const std::string& path, const ReadOptions& opts, Spool* spool) {
    std::istringstream none;
    // Streamed: the file's text is never held as a whole (only the invoices parsed from it).
    auto source = table::Source::open(path, opts.encoding, opts.in != nullptr ? *opts.in : none);
    if (!source) {
        return load_issue(path == "-" ? "stdin" : path, source.error());
    }
    const auto& src = **source;
    std::string fmt_name = opts.format;
    if (fmt_name.empty()) {
        if (src.from_stdin()) {
            // By the first non-blank character.
            auto in = src.stream();
            char c = ' ';
            while (in->get(c) && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
            }
            fmt_name = *in && (c == '[' || c == '{') ? "json" : "csv";
        } else {
            fmt_name = ascii_lower(std::filesystem::path(path).extension().string()) == ".json"
                           ? "json"
                           : "csv";
        }
    }
    const auto base =
        src.from_stdin() ? std::filesystem::path() : std::filesystem::path(path).parent_path();
    if (fmt_name == "json") {
        return read_json(
            [&](const auto& fn) { return table::for_each_json_element(src, "invoices", fn); },
            src.name(), base, spool);
    }
    auto in = src.stream();
    csv::Reader reader(*in, src.name());
    return read_csv(reader, src.name(), base, spool);
}

} // namespace

InputSet read_invoices(const std::filesystem::path& path, const std::string& format) {
    ReadOptions opts;
    opts.format = format;
    return read_invoices(path.string(), opts);
}

// ---------------------------------------------------------------------------------------------
// Validation

void apply_hourly_rate(Invoice& inv, Decimal rate) {
    for (auto& item : inv.items) {
        if (item.type == "text" || !item.is_hourly() || item.net_price || item.gross_price) {
            continue;
        }
        if (inv.tax_type == TaxType::gross) {
            item.gross_price = rate;
        } else {
            item.net_price = rate;
        }
    }
}

namespace {

bool in_2020_window(Date d) {
    return d >= Date{chr::year(2020), chr::July, chr::day(1)} &&
           d <= Date{chr::year(2020), chr::December, chr::day(31)};
}

// The document's own fields: number length, currency, and that only credit notes correct.
void check_document(Invoice& inv) {
    if (utf8::code_points(inv.number) > 255) {
        inv.issue("number", "longer than 255 characters");
    }
    if (inv.currency != "EUR") {
        inv.issue("currency",
                  fmt::format("'{}' is not supported: lexoffice books EUR only", inv.currency));
    }
    if (inv.kind == Kind::invoice && !inv.corrects.empty()) {
        inv.issue("corrects", "only credit notes correct an invoice (kind credit-note)");
    }
}

// The service period, the shipping type against it, and the due date against the payment terms.
void check_dates(Invoice& inv) {
    if (inv.service_end_date) {
        if (!inv.service_date) {
            inv.issue("service_date", "missing: a service period needs its first day");
        } else if (*inv.service_end_date < *inv.service_date) {
            inv.issue("service_end_date", "before service_date");
        }
    }
    if (inv.shipping_type == "none" && (inv.service_date || inv.service_end_date)) {
        inv.issue("shipping_type", "none, but a service date is given");
    }
    if (inv.due_date && inv.date != Date{}) {
        const int days =
            static_cast<int>((chr::sys_days(*inv.due_date) - chr::sys_days(inv.date)).count());
        if (days < 0) {
            inv.issue("due_date", "before the invoice date");
        } else if (inv.payment_terms && *inv.payment_terms != days) {
            inv.issue("payment_terms",
                      fmt::format("{} days, but due_date is {} days after the invoice date",
                                  *inv.payment_terms, days));
        }
    }
    if (inv.kind == Kind::credit_note && (inv.due_date || inv.payment_terms)) {
        inv.issue(inv.due_date ? "due_date" : "payment_terms",
                  "credit notes have no payment terms");
    }
}

// Skonto: both the percent and the days, within the payment term, never on credit notes.
void check_payment_discount(Invoice& inv) {
    if (!inv.payment_discount && !inv.payment_discount_days) {
        return;
    }
    const char* field = inv.payment_discount ? "payment_discount" : "payment_discount_days";
    const auto term = inv.term_days();
    if (inv.kind == Kind::credit_note) {
        inv.issue(field, "credit notes have no payment terms, so no payment discount");
    } else if (!inv.payment_discount) {
        inv.issue("payment_discount",
                  "missing: payment_discount_days needs the discount in percent");
    } else if (!inv.payment_discount_days) {
        inv.issue("payment_discount_days",
                  "missing: a payment discount needs the days within which it applies");
    } else if (*inv.payment_discount <= Decimal() ||
               *inv.payment_discount >= Decimal::from_int(100)) {
        inv.issue("payment_discount", "must be more than 0 and less than 100 (percent)");
    } else if (!term) {
        inv.issue("payment_discount",
                  "needs a payment term (payment_terms or due_date) that the discount days "
                  "fall within");
    } else if (*inv.payment_discount_days > *term) {
        inv.issue("payment_discount_days",
                  fmt::format("{} days, longer than the payment term of {} days",
                              *inv.payment_discount_days, *term));
    }
}

// The discount off the whole invoice, in percent or as an amount (the amount's upper bound needs
// the line items' sum: check_totals).
void check_total_discount(Invoice& inv) {
    if (inv.total_discount) {
        if (inv.kind == Kind::credit_note) {
            inv.issue("total_discount", "credit notes take no total discount");
        } else if (*inv.total_discount < Decimal() ||
                   *inv.total_discount >= Decimal::from_int(100)) {
            inv.issue("total_discount", "must be at least 0 and less than 100 (percent)");
        }
    }
    if (inv.total_discount_amount) {
        if (inv.kind == Kind::credit_note) {
            inv.issue("total_discount_amount", "credit notes take no total discount");
        } else if (inv.total_discount) {
            inv.issue("total_discount_amount",
                      "give the total discount in percent (total_discount) or as an amount "
                      "(total_discount_amount), not both");
        } else if (*inv.total_discount_amount < Decimal()) {
            inv.issue("total_discount_amount", "must not be negative");
        }
    }
}

// One reference to a contact, or a one-time recipient with name and country whose tax type
// lexoffice accepts without a contact.
void check_customer(Invoice& inv) {
    const Customer& c = inv.customer;
    const int refs = (c.id.empty() ? 0 : 1) + (c.number ? 1 : 0) + (c.email.empty() ? 0 : 1);
    if (refs > 1) {
        inv.issue(!c.email.empty() ? "customer_email" : "customer_number",
                  "give one of customer_id, customer_number, customer_email");
    }
    if (!c.is_one_time()) {
        return;
    }
    if (c.name.empty()) {
        inv.issue("name",
                  "missing: give customer_id, customer_number, customer_email or a one-time "
                  "recipient's name and country");
    } else if (c.country.empty()) {
        inv.issue("country", "missing (a one-time recipient needs a country code)");
    }
    if (is_tax_free(inv.tax_type) && inv.tax_type != TaxType::vatfree &&
        inv.tax_type != TaxType::small_business) {
        inv.issue("tax_type", fmt::format("{} needs a lexoffice contact, not a one-time recipient",
                                          api_tax_type(inv.tax_type)));
    }
}

// lexoffice's length limits of the texts and its limit of line items per document.
void check_sizes(Invoice& inv) {
    if (utf8::code_points(inv.title) > 25) {
        inv.issue("title", "longer than 25 characters");
    }
    if (utf8::code_points(inv.introduction) > 2000) {
        inv.issue("introduction", "longer than 2000 characters");
    }
    if (utf8::code_points(inv.remark) > 1900) {
        inv.issue(
            "remark",
            "longer than 1900 characters (lexoffice allows 2000, the reference line needs room)");
    }
    if (inv.items.size() > 300) {
        inv.issue("item", fmt::format("{} line items; lexoffice allows 300 per document",
                                      inv.items.size()));
    }
}

// The item's unit price: one of net and gross as the tax type takes it, not negative. False when
// the price does not allow computing totals.
bool check_item_price(Invoice& inv, const LineItem& item) {
    bool priced_ok = true;
    const bool gross = inv.tax_type == TaxType::gross;
    if (!item.net_price && !item.gross_price) {
        inv.issue(gross ? "gross_price" : "net_price",
                  item.is_hourly() ? "missing (or give --hourly-rate for hour items)" : "missing",
                  item.line);
        priced_ok = false;
    } else if (item.net_price && item.gross_price && !is_tax_free(inv.tax_type)) {
        inv.issue("gross_price", "give net_price or gross_price, not both", item.line);
        priced_ok = false;
    } else if (gross && !item.gross_price) {
        inv.issue("net_price", "tax_type gross takes gross_price", item.line);
        priced_ok = false;
    } else if (inv.tax_type == TaxType::net && !item.net_price) {
        inv.issue("gross_price", "tax_type net takes net_price", item.line);
        priced_ok = false;
    } else if (is_tax_free(inv.tax_type) && item.net_price && item.gross_price &&
               *item.net_price != *item.gross_price) {
        inv.issue("gross_price", "net and gross price differ on a tax-free invoice", item.line);
        priced_ok = false;
    }
    const auto price = item.net_price ? item.net_price : item.gross_price;
    if (price && *price < Decimal()) {
        inv.issue(item.net_price ? "net_price" : "gross_price", "must not be negative", item.line);
        priced_ok = false;
    }
    return priced_ok;
}

// The item's tax rate: present unless tax-free, 0 on tax-free types, else one of the rates in
// force on `tax_date`. False when the rate does not allow computing totals.
bool check_item_tax_rate(Invoice& inv, const LineItem& item, Date tax_date) {
    if (!item.tax_rate) {
        if (!is_tax_free(inv.tax_type)) {
            inv.issue("tax_rate", "missing (0, 7 or 19)", item.line);
            return false;
        }
        return true;
    }
    const Decimal r = *item.tax_rate;
    if (is_tax_free(inv.tax_type)) {
        if (r != Decimal()) {
            inv.issue("tax_rate",
                      fmt::format("{} % on a {} invoice; tax-free types take 0", r.to_string(),
                                  api_tax_type(inv.tax_type)),
                      item.line);
            return false;
        }
        return true;
    }
    const bool window = in_2020_window(tax_date);
    const std::vector<int> allowed =
        window ? std::vector<int>{0, 5, 16} : std::vector<int>{0, 7, 19};
    const bool ok = std::any_of(allowed.begin(), allowed.end(),
                                [&](int a) { return r == Decimal::from_int(a); });
    if (!ok) {
        inv.issue("tax_rate",
                  fmt::format("{} % is not valid on {} (allowed: {})", r.to_string(),
                              format_date(tax_date),
                              window ? "0, 5 or 16 from 2020-07-01 to 2020-12-31" : "0, 7 or 19"),
                  item.line);
        return false;
    }
    return true;
}

// Every line item but text items: quantity, unit, price, line discount, tax rate. False when
// some item's price, discount or tax rate does not allow computing totals.
bool check_items(Invoice& inv) {
    const Date tax_date = inv.tax_date();
    bool priced_ok = true;
    for (const auto& item : inv.items) {
        if (item.type == "text") {
            continue;
        }
        if (item.quantity <= Decimal()) {
            inv.issue("quantity", "must be more than 0", item.line);
        }
        if (item.unit.empty()) {
            inv.issue("unit", "missing (the unit name, e.g. Stück or Stunden)", item.line);
        }
        if (!check_item_price(inv, item)) {
            priced_ok = false;
        }
        if (item.discount) {
            if (inv.kind == Kind::credit_note) {
                inv.issue("discount", "credit notes take no line discount", item.line);
            } else if (*item.discount < Decimal() || *item.discount > Decimal::from_int(100)) {
                inv.issue("discount", "must be between 0 and 100 (percent)", item.line);
                priced_ok = false;
            }
        }
        if (!check_item_tax_rate(inv, item, tax_date)) {
            priced_ok = false;
        }
    }
    return priced_ok;
}

// The totals as lexoffice computes them from the line items: the discount amount within their
// sum, given totals equal to the computed ones, and no negative gross total.
void check_totals(Invoice& inv) {
    const Totals t = compute_totals(inv);
    if (inv.total_discount_amount) {
        const Decimal sum = (inv.tax_type == TaxType::gross ? t.gross : t.net) + t.discount;
        if (*inv.total_discount_amount > sum) {
            inv.issue("total_discount_amount",
                      fmt::format("{} is more than the line items' sum of {} ({})",
                                  inv.total_discount_amount->to_fixed(2), sum.to_fixed(2),
                                  inv.tax_type == TaxType::gross ? "gross" : "net"));
            return;
        }
    }
    auto check_total = [&](const char* field, const std::optional<Decimal>& given,
                           Decimal computed) {
        if (given && *given != computed) {
            inv.issue(
                field,
                fmt::format(
                    "{} does not add up: the line items give {} (lexoffice computes the tax per "
                    "tax rate on the group sum, rounded to 2 places)",
                    given->to_fixed(2), computed.to_fixed(2)));
        }
    };
    check_total("total_net", inv.total_net, t.net);
    check_total("total_tax", inv.total_tax, t.tax);
    check_total("total_gross", inv.total_gross, t.gross);
    if (t.gross < Decimal()) {
        inv.issue("total_gross",
                  "negative: give credit notes with positive amounts and kind credit-note");
    }
}

} // namespace

void validate(Invoice& inv) {
    if (inv.number.empty()) {
        return;
    }
    check_document(inv);
    check_dates(inv);
    check_payment_discount(inv);
    check_total_discount(inv);
    check_customer(inv);
    check_sizes(inv);
    const bool priced_ok = check_items(inv);
    if (!priced_ok || !inv.valid()) {
        return;
    }
    check_totals(inv);
}

void validate_set(const std::vector<Invoice*>& invoices) {
    std::map<std::string, const Invoice*> by_number;
    for (const Invoice* inv : invoices) {
        if (!inv->number.empty()) {
            by_number.emplace(inv->number, inv);
        }
    }
    for (Invoice* inv : invoices) {
        if (inv->kind != Kind::credit_note || inv->corrects.empty()) {
            continue;
        }
        auto it = by_number.find(inv->corrects);
        if (it != by_number.end() && it->second->kind == Kind::credit_note) {
            inv->issue("corrects",
                       fmt::format("'{}' is a credit note, not an invoice", inv->corrects));
        }
        if (inv->corrects == inv->number) {
            inv->issue("corrects", "a credit note cannot correct itself");
        }
    }
}

void validate_set(std::vector<Invoice>& invoices) {
    std::vector<Invoice*> all;
    all.reserve(invoices.size());
    for (auto& inv : invoices) {
        all.push_back(&inv);
    }
    validate_set(all);
}

// ---------------------------------------------------------------------------------------------
// Totals

Decimal line_amount(const Invoice& inv, const LineItem& item) {
    if (item.type == "text") {
        return Decimal();
    }
    const bool gross = inv.tax_type == TaxType::gross;
    const auto price = gross ? (item.gross_price ? item.gross_price : item.net_price)
                             : (item.net_price ? item.net_price : item.gross_price);
    if (!price) {
        return Decimal();
    }
    const Wide q = item.quantity.units();
    const Wide p = price->units();
    const Wide keep = Wide(100) * Decimal::k_scale - (item.discount ? item.discount->units() : 0);
    // q·p·keep is in units^3 (scale 10^4 each, keep with 100 % = 10^6): divide to units.
    const Wide den = Wide(Decimal::k_scale) * Wide(100) * Decimal::k_scale;
    return round2_units(q * p * keep, den);
}

Totals compute_totals(const Invoice& inv) {
    std::map<Decimal, Decimal> sums;
    for (const auto& item : inv.items) {
        if (item.type == "text") {
            continue;
        }
        const Decimal rate =
            is_tax_free(inv.tax_type) ? Decimal() : item.tax_rate.value_or(Decimal());
        sums[rate] += line_amount(inv, item);
    }
    Totals t;
    const bool gross = inv.tax_type == TaxType::gross;
    if (inv.total_discount_amount && *inv.total_discount_amount != Decimal()) {
        // Split over the groups in proportion to their sums, highest rate first, each share
        // rounded once to 2 places; the group of the lowest rate takes what is left.
        Decimal all;
        for (const auto& [rate, sum] : sums) {
            all += sum;
        }
        if (all != Decimal()) {
            Decimal left = *inv.total_discount_amount;
            for (auto it = sums.rbegin(); it != sums.rend(); ++it) {
                const Decimal off = std::next(it) == sums.rend()
                                        ? left
                                        : round2_units(Wide(inv.total_discount_amount->units()) *
                                                           it->second.units(),
                                                       Wide(all.units()));
                left = left - off;
                t.discount += off;
                it->second = it->second - off;
            }
        }
    }
    for (auto& [rate, sum] : sums) {
        if (inv.total_discount && *inv.total_discount != Decimal()) {
            // Its percentage of the group's sum, rounded once to 2 places (sum and percentage
            // have 2 decimals each, so the product is exact).
            const Decimal off = (sum * *inv.total_discount).rounded(0) / Decimal::from_int(100);
            t.discount += off;
            sum = sum - off;
        }
        TaxGroup g;
        g.rate = rate;
        const Wide r = rate.units();
        if (gross) {
            g.gross = sum;
            g.tax = round2_units(Wide(sum.units()) * r, Wide(100) * Decimal::k_scale + r);
            g.net = g.gross - g.tax;
        } else {
            g.net = sum;
            g.tax = round2_units(Wide(sum.units()) * r, Wide(100) * Decimal::k_scale);
            g.gross = g.net + g.tax;
        }
        t.net += g.net;
        t.tax += g.tax;
        t.gross += g.gross;
        t.groups.push_back(g);
    }
    return t;
}

// ---------------------------------------------------------------------------------------------
// Bodies

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void key(Writer& w, std::string_view k) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
void str(Writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void kv(Writer& w, std::string_view k, std::string_view v) {
    key(w, k);
    str(w, v);
}

std::string join_remark(const std::string& remark, const std::string& ref) {
    if (ref.empty()) {
        return remark;
    }
    if (remark.empty()) {
        return ref;
    }
    return remark + "\n" + ref;
}

std::string small_business_note() {
    return "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet.";
}

} // namespace

std::string sales_voucher_body(const Invoice& inv, const SalesBodyOptions& opts) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    kv(w, "voucherDate", sales_datetime(inv.date));
    key(w, "address");
    w.StartObject();
    if (!opts.contact_id.empty()) {
        kv(w, "contactId", opts.contact_id);
    } else {
        const Customer& c = inv.customer;
        kv(w, "name", c.name);
        for (const auto& [k, v] :
             {std::pair<const char*, const std::string*>{"supplement", &c.supplement},
              {"street", &c.street},
              {"zip", &c.zip},
              {"city", &c.city}}) {
            if (!v->empty()) {
                kv(w, k, *v);
            }
        }
        kv(w, "countryCode", c.country);
    }
    w.EndObject();
    key(w, "lineItems");
    w.StartArray();
    const bool gross = inv.tax_type == TaxType::gross;
    for (const auto& item : inv.items) {
        w.StartObject();
        kv(w, "type", item.type);
        if (!item.name.empty()) {
            kv(w, "name", item.name);
        }
        if (!item.description.empty()) {
            kv(w, "description", item.description);
        }
        if (item.type != "text") {
            key(w, "quantity");
            json::write_decimal(w, item.quantity);
            kv(w, "unitName", item.unit);
            key(w, "unitPrice");
            w.StartObject();
            kv(w, "currency", "EUR");
            const auto price = gross ? (item.gross_price ? item.gross_price : item.net_price)
                                     : (item.net_price ? item.net_price : item.gross_price);
            key(w, gross ? "grossAmount" : "netAmount");
            json::write_decimal(w, price.value_or(Decimal()));
            key(w, "taxRatePercentage");
            json::write_decimal(w, is_tax_free(inv.tax_type) ? Decimal()
                                                             : item.tax_rate.value_or(Decimal()));
            w.EndObject();
            if (item.discount && *item.discount != Decimal()) {
                key(w, "discountPercentage");
                json::write_decimal(w, *item.discount);
            }
        }
        w.EndObject();
    }
    w.EndArray();
    key(w, "totalPrice");
    w.StartObject();
    kv(w, "currency", "EUR");
    if (inv.total_discount && *inv.total_discount != Decimal()) {
        key(w, "totalDiscountPercentage");
        json::write_decimal(w, *inv.total_discount);
    } else if (inv.total_discount_amount && *inv.total_discount_amount != Decimal()) {
        key(w, "totalDiscountAbsolute");
        json::write_decimal(w, *inv.total_discount_amount);
    }
    w.EndObject();
    key(w, "taxConditions");
    w.StartObject();
    kv(w, "taxType", api_tax_type(inv.tax_type));
    if (!inv.tax_note.empty()) {
        kv(w, "taxTypeNote", inv.tax_note);
    } else if (inv.tax_type == TaxType::small_business) {
        kv(w, "taxTypeNote", small_business_note());
    }
    w.EndObject();
    if (inv.kind == Kind::invoice) {
        if (const auto days = inv.term_days()) {
            key(w, "paymentConditions");
            w.StartObject();
            std::string label = *days == 0 ? std::string("Zahlbar sofort, rein netto")
                                           : fmt::format("Zahlbar innerhalb von {} Tagen", *days);
            if (inv.payment_discount && inv.payment_discount_days) {
                label += fmt::format(", innerhalb von {} Tagen abzüglich {} % Skonto",
                                     *inv.payment_discount_days, inv.payment_discount->to_string());
            }
            kv(w, "paymentTermLabel", label);
            key(w, "paymentTermDuration");
            w.Int(*days);
            if (inv.payment_discount && inv.payment_discount_days) {
                key(w, "paymentDiscountConditions");
                w.StartObject();
                key(w, "discountPercentage");
                json::write_decimal(w, *inv.payment_discount);
                key(w, "discountRange");
                w.Int(*inv.payment_discount_days);
                w.EndObject();
            }
            w.EndObject();
        }
        key(w, "shippingConditions");
        w.StartObject();
        const std::string base = inv.shipping_type.empty() ? "service" : inv.shipping_type;
        if (base == "none") {
            kv(w, "shippingType", "none");
        } else {
            kv(w, "shippingDate", sales_datetime(inv.service_date.value_or(inv.date)));
            if (inv.service_end_date) {
                kv(w, "shippingEndDate", sales_datetime(*inv.service_end_date));
                kv(w, "shippingType", base + "period");
            } else {
                kv(w, "shippingType", base);
            }
        }
        w.EndObject();
    }
    if (!inv.title.empty()) {
        kv(w, "title", inv.title);
    }
    std::string intro = inv.introduction;
    if (intro.empty() && inv.kind == Kind::credit_note && !opts.corrects_text.empty()) {
        intro = "Gutschrift zu Rechnung " + opts.corrects_text;
    }
    if (!intro.empty()) {
        kv(w, "introduction", intro);
    }
    const std::string remark = join_remark(inv.remark, opts.ref_line);
    if (!remark.empty()) {
        kv(w, "remark", remark);
    }
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

std::string bookkeeping_voucher_body(const Invoice& inv, const VoucherBodyOptions& opts) {
    const Totals t = compute_totals(inv);
    const bool gross = inv.tax_type == TaxType::gross;
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    kv(w, "type", inv.kind == Kind::credit_note ? "salescreditnote" : "salesinvoice");
    kv(w, "voucherNumber", inv.number);
    kv(w, "voucherDate", format_date(inv.date));
    if (inv.kind == Kind::invoice && inv.shipping_type != "none" &&
        (inv.service_end_date || inv.service_date)) {
        kv(w, "shippingDate",
           format_date(inv.service_end_date ? *inv.service_end_date : *inv.service_date));
    }
    if (inv.kind == Kind::invoice) {
        if (const auto days = inv.term_days()) {
            kv(w, "dueDate", format_date(Date(chr::sys_days(inv.date) + chr::days(*days))));
        }
    }
    key(w, "totalGrossAmount");
    json::write_decimal(w, t.gross);
    key(w, "totalTaxAmount");
    json::write_decimal(w, t.tax);
    kv(w, "taxType", gross ? "gross" : "net");
    if (opts.contact_id.empty()) {
        key(w, "useCollectiveContact");
        w.Bool(true);
        if (!opts.contact_name.empty()) {
            kv(w, "contactName", opts.contact_name);
        }
    } else {
        key(w, "useCollectiveContact");
        w.Bool(false);
        kv(w, "contactId", opts.contact_id);
    }
    const std::string remark = join_remark(inv.remark, opts.ref_line);
    if (!remark.empty()) {
        kv(w, "remark", remark);
    }
    key(w, "voucherItems");
    w.StartArray();
    for (const auto& g : t.groups) {
        w.StartObject();
        key(w, "amount");
        json::write_decimal(w, gross ? g.gross : g.net);
        key(w, "taxAmount");
        json::write_decimal(w, g.tax);
        key(w, "taxRatePercent");
        json::write_decimal(w, g.rate);
        kv(w, "categoryId", opts.category_id);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

std::string content_hash(const Invoice& inv) {
    // Field names with values in a fixed order; decimals in their shortest spelling.
    std::ostringstream s;
    auto f = [&](std::string_view name, const std::string& v) {
        s << name << '=' << v.size() << ':' << v << '\n';
    };
    auto od = [](const std::optional<Decimal>& d) { return d ? d->to_string() : std::string(); };
    auto odate = [](const std::optional<Date>& d) { return d ? format_date(*d) : std::string(); };
    f("number", inv.number);
    f("kind", inv.kind == Kind::credit_note ? "credit-note" : "invoice");
    f("corrects", inv.corrects);
    f("date", format_date(inv.date));
    f("service_date", odate(inv.service_date));
    f("service_end_date", odate(inv.service_end_date));
    f("shipping_type", inv.shipping_type);
    const auto days = inv.term_days();
    f("payment_terms", days ? std::to_string(*days) : std::string());
    f("customer", inv.customer.ref_key());
    for (const auto* v : {&inv.customer.name, &inv.customer.supplement, &inv.customer.street,
                          &inv.customer.zip, &inv.customer.city, &inv.customer.country}) {
        f("address", *v);
    }
    f("currency", inv.currency);
    f("tax_type", api_tax_type(inv.tax_type) +
                      std::string(inv.tax_type == TaxType::small_business ? "/19" : ""));
    f("tax_note", inv.tax_note);
    f("title", inv.title);
    f("introduction", inv.introduction);
    f("remark", inv.remark);
    for (const auto& item : inv.items) {
        f("item_type", item.type);
        f("item", item.name);
        f("description", item.description);
        f("quantity", item.quantity.to_string());
        f("unit", item.unit);
        f("net_price", od(item.net_price));
        f("gross_price", od(item.gross_price));
        f("tax_rate", od(item.tax_rate));
        f("discount", od(item.discount));
    }
    // Fields added later count only when given, so that earlier exports keep their hash.
    if (inv.total_discount) {
        f("total_discount", od(inv.total_discount));
    }
    if (inv.total_discount_amount) {
        f("total_discount_amount", od(inv.total_discount_amount));
    }
    if (inv.payment_discount || inv.payment_discount_days) {
        f("payment_discount", od(inv.payment_discount));
        f("payment_discount_days",
          inv.payment_discount_days ? std::to_string(*inv.payment_discount_days) : std::string());
    }
    return sha256_hex(s.str());
}

bool selected(const Invoice& inv, const std::optional<Date>& from, const std::optional<Date>& to,
              const std::vector<Status>& statuses) {
    if (from && inv.date < *from) {
        return false;
    }
    if (to && inv.date > *to) {
        return false;
    }
    return statuses.empty() ||
           std::find(statuses.begin(), statuses.end(), inv.status) != statuses.end();
}

// ---------------------------------------------------------------------------------------------
// Time entries

namespace {

// Reads the time entries of `reader` one at a time into `fn` (rows with billable "no" are left
// out); the problems go to `issues`.
void read_time_rows(csv::Reader& reader, const std::string& display_name,
                    const std::function<void(TimeEntry&&)>& fn, std::vector<InputIssue>& issues) {
    csv::Record rec;
    std::vector<std::string> header;
    std::shared_ptr<const ColumnPositions> positions;
    bool checked = false;
    for (;;) {
        auto more = reader.next(rec);
        if (!more) {
            issues.push_back(InputIssue{display_name, more.error().line, "", more.error().message});
            return;
        }
        if (!checked) {
            checked = true;
            header = read_header(reader.header(), time_columns(), display_name, issues, positions,
                                 {"date", "hours"});
            if (!issues.empty()) {
                return;
            }
        }
        if (!*more) {
            break;
        }
        Cells c;
        for (std::size_t i = 0; i < header.size() && i < rec.fields.size(); ++i) {
            c[header[i]] = trim(rec.fields[i]);
        }
        auto issue = [&](const char* field, const std::string& msg) {
            InputIssue i{display_name, rec.line, field, msg};
            if (auto it = positions->find(field); it != positions->end()) {
                i.column = it->second.first;
                i.field = it->second.second;
            }
            issues.push_back(std::move(i));
        };
        const std::string billable = ascii_lower(c["billable"]);
        if (billable == "no" || billable == "false" || billable == "0" || billable == "nein") {
            continue;
        }
        TimeEntry e;
        e.line = rec.line;
        if (auto d = parse_date(c["date"])) {
            e.date = *d;
        } else {
            issue("date", d.error());
        }
        e.customer.id = ascii_lower(c["customer_id"]);
        if (!e.customer.id.empty() && !is_uuid(e.customer.id)) {
            issue("customer_id",
                  fmt::format("'{}' is not a lexoffice contact id (UUID)", c["customer_id"]));
        }
        if (!c["customer_number"].empty()) {
            const auto& v = c["customer_number"];
            if (v.size() > 12 ||
                !std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
                issue("customer_number", fmt::format("'{}' is not a customer number", v));
            } else {
                e.customer.number = std::stoll(v);
            }
        }
        e.customer.email = c["customer_email"];
        e.customer.name = c["name"];
        e.customer.supplement = c["supplement"];
        e.customer.street = c["street"];
        e.customer.zip = c["zip"];
        e.customer.city = c["city"];
        e.customer.country = c["country"];
        if (e.customer.is_one_time() && (e.customer.name.empty() || e.customer.country.empty())) {
            issue("customer_number",
                  "missing: give customer_id, customer_number, customer_email or name and country");
        }
        e.project = c["project"];
        e.subproject = c["subproject"];
        e.description = c["description"];
        if (e.project.empty()) {
            issue("project", "missing");
        }
        if (auto h = table::parse_number(c["hours"], table::NumberKind::plain);
            h && *h > Decimal()) {
            e.hours = *h;
        } else {
            issue("hours", fmt::format("'{}' is not a positive number of hours", c["hours"]));
        }
        if (!c["rate"].empty()) {
            if (auto r = table::parse_number(c["rate"], table::NumberKind::amount);
                r && *r >= Decimal()) {
                e.rate = *r;
            } else {
                issue("rate", fmt::format("'{}' is not an hourly rate", c["rate"]));
            }
        }
        if (!c["tax_rate"].empty()) {
            if (auto r = table::parse_number(c["tax_rate"], table::NumberKind::percent)) {
                e.tax_rate = *r;
            } else {
                issue("tax_rate", fmt::format("'{}' is not a tax rate", c["tax_rate"]));
            }
        }
        if (!c["tax_type"].empty()) {
            if (auto t = parse_tax_type(english_value(c["tax_type"]))) {
                e.tax_type = *t;
            } else {
                issue("tax_type", fmt::format("'{}' is not a tax type", c["tax_type"]));
            }
        }
        fn(std::move(e));
    }
}

} // namespace

TimeInput read_time_entries_csv(const std::string& text, const std::string& display_name) {
    TimeInput out;
    csv::Reader reader(text, display_name);
    read_time_rows(
        reader, display_name, [&](TimeEntry&& e) { out.entries.push_back(std::move(e)); },
        out.issues);
    return out;
}

std::vector<InputIssue> for_each_time_entry(const std::string& path, const ReadOptions& opts,
                                            const std::function<void(TimeEntry&&)>& fn) {
    std::istringstream none;
    // Streamed: the file's text is never held as a whole.
    auto source = table::Source::open(path, opts.encoding, opts.in != nullptr ? *opts.in : none);
    if (!source) {
        return {InputIssue{path == "-" ? "stdin" : path, source.error().line, "",
                           source.error().message, source.error().column}};
    }
    const auto& src = **source;
    auto in = src.stream();
    csv::Reader reader(*in, src.name());
    std::vector<InputIssue> issues;
    read_time_rows(reader, src.name(), fn, issues);
    return issues;
}

TimeInput read_time_entries(const std::string& path, const ReadOptions& opts) {
    TimeInput out;
    out.issues = for_each_time_entry(path, opts,
                                     [&](TimeEntry&& e) { out.entries.push_back(std::move(e)); });
    return out;
}

TimeInput read_time_entries(const std::filesystem::path& path) {
    return read_time_entries(path.string(), ReadOptions{});
}

// Customer (reference or one-time name) and tax type decide the invoice.
struct TimeGrouper::Group {
    Invoice inv;
    std::string who; // the customer in the source number
    // (project, subproject, rate) → item index
    std::map<std::tuple<std::string, std::string, std::string>, std::size_t> items;
    std::map<std::size_t, std::pair<Date, Date>> spans;
    std::map<std::size_t, long> counts;
};

TimeGrouper::TimeGrouper(GroupOptions opts)
    : m_opts(std::move(opts)), m_first(m_opts.from), m_last(m_opts.to) {}

TimeGrouper::~TimeGrouper() = default;

void TimeGrouper::add(const TimeEntry& entry) {
    const TimeEntry* e = &entry;
    if ((m_opts.from && e->date < *m_opts.from) || (m_opts.to && e->date > *m_opts.to)) {
        return;
    }
    if (!m_opts.from && (!m_first || e->date < *m_first)) {
        m_first = e->date;
    }
    if (!m_opts.to && (!m_last || e->date > *m_last)) {
        m_last = e->date;
    }
    std::string ckey = e->customer.ref_key();
    if (ckey.empty()) {
        ckey = "name:" + contacts::normalize(e->customer.name);
    }
    const std::string gkey = ckey + "|" + api_tax_type(e->tax_type);
    auto [it, inserted] = m_groups.try_emplace(gkey);
    if (inserted) {
        it->second = std::make_unique<Group>();
        m_order.push_back(gkey);
    }
    Group& g = *it->second;
    if (inserted) {
        g.inv.file = m_opts.file;
        g.inv.line = e->line;
        g.who = e->customer.number           ? std::to_string(*e->customer.number)
                : !e->customer.id.empty()    ? e->customer.id.substr(0, 8)
                : !e->customer.email.empty() ? e->customer.email
                                             : contacts::normalize(e->customer.name);
        std::replace(g.who.begin(), g.who.end(), ' ', '-');
        g.inv.payment_terms = m_opts.payment_terms;
        g.inv.customer = e->customer;
        g.inv.tax_type = e->tax_type;
        g.inv.status = Status::open;
    }
    const auto rate = e->rate ? e->rate : m_opts.hourly_rate;
    const std::string sub = m_opts.by_subproject ? e->subproject : std::string();
    const auto ikey = std::make_tuple(e->project, sub, rate ? rate->to_string() : std::string());
    auto [iit, new_item] = g.items.try_emplace(ikey, g.inv.items.size());
    if (new_item) {
        LineItem item;
        item.line = e->line;
        item.name = sub.empty() ? e->project : e->project + " – " + sub;
        item.quantity = Decimal();
        item.unit = "Stunden";
        if (rate) {
            if (e->tax_type == TaxType::gross) {
                item.gross_price = rate;
            } else {
                item.net_price = rate;
            }
        }
        item.tax_rate = is_tax_free(e->tax_type) ? Decimal() : e->tax_rate;
        g.inv.items.push_back(std::move(item));
        g.spans[iit->second] = {e->date, e->date};
    } else if (g.inv.items[iit->second].tax_rate !=
               (is_tax_free(e->tax_type) ? Decimal() : e->tax_rate)) {
        g.inv.issue("tax_rate",
                    fmt::format("entries of project '{}' have different tax rates", e->project),
                    e->line);
    }
    auto& item = g.inv.items[iit->second];
    item.quantity += e->hours;
    auto& span = g.spans[iit->second];
    span.first = std::min(span.first, e->date);
    span.second = std::max(span.second, e->date);
    ++g.counts[iit->second];
}

std::vector<Invoice> TimeGrouper::finish() {
    std::vector<Invoice> out;
    if (!m_first || !m_last) {
        return out;
    }
    // The period (in the numbers and dates) is known once every entry is in.
    const std::string period = format_date(*m_first) + "_" + format_date(*m_last);
    for (const auto& k : m_order) {
        Group& g = *m_groups[k];
        g.inv.number = m_opts.number_prefix + period + "-" + g.who;
        if (g.inv.tax_type != TaxType::net) {
            g.inv.number += std::string("-") + api_tax_type(g.inv.tax_type);
        }
        g.inv.date = *m_last;
        g.inv.service_date = *m_first;
        if (*m_last != *m_first) {
            g.inv.service_end_date = *m_last;
        }
        for (std::size_t i = 0; i < g.inv.items.size(); ++i) {
            const auto& span = g.spans[i];
            const long n = g.counts[i];
            g.inv.items[i].description =
                span.first == span.second
                    ? fmt::format("{} {} am {}", n, n == 1 ? "Eintrag" : "Einträge",
                                  format_date(span.first))
                    : fmt::format("{} Einträge vom {} bis {}", n, format_date(span.first),
                                  format_date(span.second));
        }
        out.push_back(std::move(g.inv));
    }
    m_groups.clear();
    m_order.clear();
    return out;
}

std::vector<Invoice> group_time_entries(const std::vector<TimeEntry>& entries,
                                        const GroupOptions& opts) {
    TimeGrouper grouper(opts);
    for (const auto& e : entries) {
        grouper.add(e);
    }
    return grouper.finish();
}

} // namespace lexsync::invoices
