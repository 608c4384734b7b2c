#include "commands/invoices/shared/archive_index.hpp"

#include "commands/invoices/shared/archive_format.hpp"

#include <fmt/format.h>
#include <lexsync/formats/csv.hpp>
#include <lexsync/formats/xlsx.hpp>
#include <lexsync/util/date.hpp>
#include <lexsync/util/json.hpp>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <set>
#include <sstream>

namespace lexsync::commands::invoices::archive {

namespace {

// One cell before it is rendered in a dialect.
struct Value {
    enum class Kind { text, amount, date, type, status, tax_type, number };
    Kind kind = Kind::text;
    std::string text;
    std::optional<Decimal> amount;
};

Value text(std::string s) {
    return {Value::Kind::text, std::move(s), std::nullopt};
}
Value amount(std::optional<Decimal> d) {
    return {Value::Kind::amount, {}, d};
}
Value date(std::string s) {
    return {Value::Kind::date, std::move(s), std::nullopt};
}

struct Header {
    std::string technical;
    std::string german;
};

std::vector<Header> headers(const Index& index) {
    std::vector<Header> h = {
        {"voucherNumber", "Belegnummer"}, {"voucherType", "Belegart"},
        {"voucherDate", "Belegdatum"},    {"dueDate", "Fälligkeit"},
        {"customerName", "Kunde"},        {"customerNumber", "Kundennummer"},
        {"vatId", "USt-IdNr."},           {"taxType", "Besteuerung"},
    };
    for (const Decimal rate : index.rates) {
        h.push_back(
            {"net_" + rate_label(rate, false), fmt::format("Netto {} %", rate_label(rate, true))});
        h.push_back(
            {"tax_" + rate_label(rate, false), fmt::format("USt {} %", rate_label(rate, true))});
    }
    const std::vector<Header> tail = {
        {"totalNet", "Netto gesamt"},
        {"totalTax", "USt gesamt"},
        {"totalGross", "Brutto"},
        {"currency", "Währung"},
        {"status", "Status"},
        {"openAmount", "Offener Betrag"},
        {"pdfFile", "PDF-Datei"},
        {"pdfSha256", "PDF SHA-256"},
        {"xmlFile", "XML-Datei"},
        {"xmlSha256", "XML SHA-256"},
        {"id", "ID"},
    };
    h.insert(h.end(), tail.begin(), tail.end());
    return h;
}

std::vector<Value> cells(const Index& index, const IndexRow& r) {
    std::vector<Value> c = {
        text(r.number),        {Value::Kind::type, r.type, std::nullopt},
        date(r.voucher_date),  date(r.due_date),
        text(r.customer_name), {Value::Kind::number, r.customer_number, std::nullopt},
        text(r.vat_id),        {Value::Kind::tax_type, r.tax_type, std::nullopt},
    };
    for (const Decimal rate : index.rates) {
        const auto it = r.by_rate.find(rate);
        c.push_back(
            amount(it == r.by_rate.end() ? std::nullopt : std::optional<Decimal>(it->second.net)));
        c.push_back(
            amount(it == r.by_rate.end() ? std::nullopt : std::optional<Decimal>(it->second.tax)));
    }
    c.push_back(amount(r.net));
    c.push_back(amount(r.tax));
    c.push_back(amount(r.gross));
    c.push_back(text(r.currency));
    c.push_back({Value::Kind::status, r.status, std::nullopt});
    c.push_back(amount(r.open_amount));
    c.push_back(text(r.pdf_file));
    c.push_back(text(r.pdf_sha256));
    c.push_back(text(r.xml_file));
    c.push_back(text(r.xml_sha256));
    c.push_back(text(r.id));
    return c;
}

std::vector<Value> totals_cells(const Index& index, const Totals& totals,
                                const std::string& label) {
    std::vector<Value> c = {text(label), text(""), text(""), text(""),
                            text(""),    text(""), text(""), text("")};
    for (const Decimal rate : index.rates) {
        const auto it = totals.by_rate.find(rate);
        c.push_back(amount(it == totals.by_rate.end() ? Decimal() : it->second.net));
        c.push_back(amount(it == totals.by_rate.end() ? Decimal() : it->second.tax));
    }
    c.push_back(amount(totals.net));
    c.push_back(amount(totals.tax));
    c.push_back(amount(totals.gross));
    c.push_back(text(index.rows.empty() ? std::string() : index.rows.front().currency));
    c.push_back(text(""));
    c.push_back(amount(totals.open_amount));
    for (int i = 0; i < 5; ++i) {
        c.push_back(text(""));
    }
    return c;
}

// The totals rows under the table: one per document type when there are several, then the signed
// total ("Summe"/"TOTAL": credit notes negative), which is the period's revenue.
std::vector<std::pair<std::string, const Totals*>> totals_rows(const Index& index, bool german) {
    std::vector<std::pair<std::string, const Totals*>> rows;
    if (index.by_type.size() > 1) {
        for (const auto& [type, totals] : index.by_type) {
            rows.emplace_back(german ? fmt::format("Summe {}", german_type(type))
                                     : fmt::format("TOTAL {}", type),
                              &totals);
        }
    }
    rows.emplace_back(german ? "Summe" : "TOTAL", &index.totals);
    return rows;
}

std::string render(const Value& v, bool german) {
    switch (v.kind) {
    case Value::Kind::amount:
        return v.amount ? (german ? german_amount(*v.amount) : plain_amount(*v.amount))
                        : std::string();
    case Value::Kind::date:
        return german ? german_date(v.text) : v.text;
    case Value::Kind::type:
        return german ? german_type(v.text) : v.text;
    case Value::Kind::status:
        return german ? german_status(v.text) : v.text;
    case Value::Kind::tax_type:
        return german ? german_tax_type(v.text) : v.text;
    case Value::Kind::text:
    case Value::Kind::number:
        break;
    }
    return v.text;
}

std::string csv_text(const Index& index, bool german) {
    std::ostringstream out;
    if (german) {
        out << "\xEF\xBB\xBF";
    }
    csv::Writer w(out, german ? ';' : ',', true, true);
    std::vector<std::string> row;
    for (const auto& h : headers(index)) {
        row.push_back(german ? h.german : h.technical);
    }
    w.write_row(row);
    auto emit = [&](const std::vector<Value>& values) {
        row.clear();
        for (const auto& v : values) {
            row.push_back(render(v, german));
        }
        w.write_row(row);
    };
    for (const auto& r : index.rows) {
        emit(cells(index, r));
    }
    if (german) {
        for (const auto& [label, values] : totals_rows(index, true)) {
            emit(totals_cells(index, *values, label));
        }
    }
    return out.str();
}

std::optional<Decimal> voucher_amount(const json::Value& v, std::string_view path) {
    return json::get_decimal(v, path);
}

template <class W> void write_amount(W& w, const std::optional<Decimal>& d) {
    if (d) {
        json::write_decimal(w, *d);
    } else {
        w.Null();
    }
}

template <class W> void write_string(W& w, const std::string& s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <class W> void write_rates(W& w, const RateMap& rates) {
    w.StartArray();
    for (const auto& [rate, a] : rates) {
        w.StartObject();
        w.Key("taxRatePercentage");
        json::write_decimal(w, rate);
        w.Key("netAmount");
        json::write_decimal(w, a.net);
        w.Key("taxAmount");
        json::write_decimal(w, a.tax);
        w.EndObject();
    }
    w.EndArray();
}

} // namespace

bool reduces_revenue(std::string_view type) {
    return type == "creditnote";
}

IndexRow index_row(const ArchivedVoucher& v) {
    IndexRow r;
    const json::Value& j = v.voucher;
    r.id = v.id;
    r.number = v.number;
    r.type = v.type;
    r.voucher_date = date_of(json::get_string(j, "voucherDate").value_or(""));
    r.due_date = date_of(json::get_string(j, "dueDate").value_or(""));
    r.customer_name = v.customer_name;
    r.customer_number = v.customer_number;
    r.vat_id = v.vat_id;
    r.tax_type = json::get_string(j, "taxConditions.taxType").value_or("");
    if (const auto* taxes = json::find(j, "taxAmounts"); taxes && taxes->IsArray()) {
        for (const auto& t : taxes->GetArray()) {
            const auto rate = json::get_decimal(t, "taxRatePercentage");
            if (!rate) {
                continue;
            }
            auto& slot = r.by_rate[*rate];
            slot.net += json::get_decimal(t, "netAmount").value_or(Decimal());
            slot.tax += json::get_decimal(t, "taxAmount").value_or(Decimal());
        }
    }
    r.net = voucher_amount(j, "totalPrice.totalNetAmount");
    r.tax = voucher_amount(j, "totalPrice.totalTaxAmount");
    r.gross = voucher_amount(j, "totalPrice.totalGrossAmount");
    r.currency = json::get_string(j, "totalPrice.currency").value_or("");
    r.status = v.status;
    r.open_amount = v.open_amount;
    for (const auto& f : v.files) {
        if (f.kind == "pdf") {
            r.pdf_file = f.name;
            r.pdf_sha256 = f.sha256;
        } else if (f.kind == "xml") {
            r.xml_file = f.name;
            r.xml_sha256 = f.sha256;
        }
    }
    return r;
}

IndexRow index_row(const ListRow& l) {
    IndexRow r;
    r.id = l.id;
    r.number = l.number;
    r.type = l.type;
    r.voucher_date = l.voucher_date;
    r.customer_name = l.contact_name;
    r.gross = l.total_amount;
    r.currency = l.currency;
    r.status = l.status;
    r.open_amount = l.open_amount;
    return r;
}

Index make_index(std::string from, std::string to, std::vector<IndexRow> rows) {
    Index index;
    index.from = std::move(from);
    index.to = std::move(to);
    index.rows = std::move(rows);
    std::set<Decimal, std::greater<>> rates;
    std::map<std::string, Totals> by_type;
    const auto add = [](Totals& t, const IndexRow& r, bool negative) {
        const auto v = [negative](const std::optional<Decimal>& d) {
            const Decimal x = d.value_or(Decimal());
            return negative ? -x : x;
        };
        for (const auto& [rate, a] : r.by_rate) {
            auto& slot = t.by_rate[rate];
            slot.net += v(a.net);
            slot.tax += v(a.tax);
        }
        t.net += v(r.net);
        t.tax += v(r.tax);
        t.gross += v(r.gross);
        t.open_amount += v(r.open_amount);
    };
    for (const auto& r : index.rows) {
        for (const auto& [rate, a] : r.by_rate) {
            rates.insert(rate);
        }
        add(index.totals, r, reduces_revenue(r.type));
        add(by_type[r.type], r, false);
    }
    index.rates.assign(rates.begin(), rates.end());
    for (const char* type : {"invoice", "downpaymentinvoice", "creditnote"}) {
        if (auto it = by_type.find(type); it != by_type.end()) {
            index.by_type.emplace_back(it->first, std::move(it->second));
            by_type.erase(it);
        }
    }
    for (auto& [type, totals] : by_type) {
        index.by_type.emplace_back(type, std::move(totals));
    }
    return index;
}

std::string index_csv(const Index& index) {
    return csv_text(index, false);
}

std::string index_csv_de(const Index& index) {
    return csv_text(index, true);
}

std::string index_json(const Index& index) {
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    w.StartObject();
    w.Key("from");
    write_string(w, index.from);
    w.Key("to");
    write_string(w, index.to);
    w.Key("count");
    w.Uint64(index.rows.size());
    w.Key("vouchers");
    w.StartArray();
    for (const auto& r : index.rows) {
        w.StartObject();
        const std::pair<const char*, const std::string*> strings[] = {
            {"id", &r.id},
            {"voucherNumber", &r.number},
            {"voucherType", &r.type},
            {"voucherDate", &r.voucher_date},
            {"dueDate", &r.due_date},
            {"customerName", &r.customer_name},
            {"customerNumber", &r.customer_number},
            {"vatId", &r.vat_id},
            {"taxType", &r.tax_type},
        };
        for (const auto& [key, value] : strings) {
            w.Key(key);
            if (value->empty()) {
                w.Null();
            } else {
                write_string(w, *value);
            }
        }
        w.Key("taxAmounts");
        write_rates(w, r.by_rate);
        w.Key("totalNetAmount");
        write_amount(w, r.net);
        w.Key("totalTaxAmount");
        write_amount(w, r.tax);
        w.Key("totalGrossAmount");
        write_amount(w, r.gross);
        w.Key("currency");
        write_string(w, r.currency);
        w.Key("voucherStatus");
        write_string(w, r.status);
        w.Key("openAmount");
        write_amount(w, r.open_amount);
        w.Key("files");
        w.StartArray();
        for (const auto& [kind, name, sha] : {std::tuple{"pdf", &r.pdf_file, &r.pdf_sha256},
                                              std::tuple{"xml", &r.xml_file, &r.xml_sha256}}) {
            if (name->empty()) {
                continue;
            }
            w.StartObject();
            w.Key("kind");
            w.String(kind);
            w.Key("name");
            write_string(w, *name);
            w.Key("sha256");
            write_string(w, *sha);
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
    }
    w.EndArray();
    const auto write_totals = [&w](const Totals& t) {
        w.StartObject();
        w.Key("taxAmounts");
        write_rates(w, t.by_rate);
        w.Key("totalNetAmount");
        json::write_decimal(w, t.net);
        w.Key("totalTaxAmount");
        json::write_decimal(w, t.tax);
        w.Key("totalGrossAmount");
        json::write_decimal(w, t.gross);
        w.Key("openAmount");
        json::write_decimal(w, t.open_amount);
        w.EndObject();
    };
    // Signed: credit notes count negative, so these are the period's revenue.
    w.Key("totals");
    write_totals(index.totals);
    w.Key("totalsByType");
    w.StartObject();
    for (const auto& [type, t] : index.by_type) {
        write_string(w, type);
        write_totals(t);
    }
    w.EndObject();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

std::string index_xlsx(const Index& index) {
    xlsx::Workbook book(fmt::format("{} to {}", index.from, index.to));
    std::vector<xlsx::Cell> row;
    for (const auto& h : headers(index)) {
        row.push_back(xlsx::Cell::str(h.german, true));
    }
    book.add_row(row);
    auto emit = [&](const std::vector<Value>& values, bool bold) {
        row.clear();
        for (const auto& v : values) {
            switch (v.kind) {
            case Value::Kind::amount:
                row.push_back(v.amount ? xlsx::Cell::num(*v.amount, 2, bold) : xlsx::Cell::blank());
                break;
            case Value::Kind::date:
                row.push_back(v.text.empty() ? xlsx::Cell::blank() : xlsx::Cell::date(v.text));
                break;
            case Value::Kind::number: {
                // Customer numbers are numbers when they are plain digits (no leading zero).
                const auto d = v.text.size() <= 15 && !v.text.empty() && v.text[0] != '0' &&
                                       v.text.find_first_not_of("0123456789") == std::string::npos
                                   ? Decimal::parse(v.text)
                                   : std::nullopt;
                row.push_back(d ? xlsx::Cell::num(*d, 0, bold) : xlsx::Cell::str(v.text, bold));
                break;
            }
            default:
                row.push_back(xlsx::Cell::str(render(v, true), bold));
            }
        }
        book.add_row(row);
    };
    for (const auto& r : index.rows) {
        emit(cells(index, r), false);
    }
    for (const auto& [label, values] : totals_rows(index, true)) {
        emit(totals_cells(index, *values, label), true);
    }
    return book.bytes();
}

} // namespace lexsync::commands::invoices::archive
