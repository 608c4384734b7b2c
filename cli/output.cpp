#include "cli/output.hpp"

#include "cli/columns.hpp"

#include <algorithm>
#include <cctype>
#include <lexsync/api/error.hpp>
#include <lexsync/formats/csv.hpp>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/safe_text.hpp>
#include <lexsync/util/suggest.hpp>
#include <stdexcept>

namespace lexsync {

// Number of code points in UTF-8 `s` (terminal columns for the scripts lexsync prints).
std::size_t display_width(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Cuts `s` to `width` code points, ending in "…" when something was cut.
std::string fit(const std::string& s, std::size_t width) {
    if (display_width(s) <= width) {
        return s;
    }
    std::string out;
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool starts = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
        if (starts && ++n > width - 1) {
            break;
        }
        out += s[i];
    }
    return out + "…";
}

namespace {

// The text of a cell: strings as they are, numbers exactly (or with `decimals` places), arrays
// joined with ", ".
std::string cell_text(const json::Value* v, int decimals = -1) {
    if (v == nullptr || v->IsNull()) {
        return {};
    }
    if (v->IsString()) {
        return std::string(v->GetString(), v->GetStringLength());
    }
    if (v->IsBool()) {
        return v->GetBool() ? "true" : "false";
    }
    if (v->IsNumber()) {
        const std::string text = json::number_text(*v).value_or("");
        if (decimals >= 0) {
            if (const auto d = Decimal::parse(text)) {
                return d->rounded(decimals).to_fixed(decimals);
            }
        }
        return text;
    }
    if (v->IsArray()) {
        std::string s;
        for (const auto& item : v->GetArray()) {
            if (!s.empty()) {
                s += ", ";
            }
            s += cell_text(&item);
        }
        return s;
    }
    return json::to_string(*v);
}

class JsonWriter final : public RecordWriter {
public:
    explicit JsonWriter(std::ostream& out) : m_out(out) {}
    void write(const json::Value& record) override {
        m_out << (m_first ? "[\n  " : ",\n  ") << json_output_text(json::to_string(record));
        m_first = false;
    }
    void finish() override { m_out << (m_first ? "[]\n" : "\n]\n"); }

private:
    std::ostream& m_out;
    bool m_first = true;
};

class NdjsonWriter final : public RecordWriter {
public:
    explicit NdjsonWriter(std::ostream& out) : m_out(out) {}
    void write(const json::Value& record) override {
        m_out << json_output_text(json::to_string(record)) << '\n';
    }
    void finish() override { m_out.flush(); }

private:
    std::ostream& m_out;
};

class CsvWriter final : public RecordWriter {
public:
    CsvWriter(std::ostream& out, std::vector<Column> columns, bool spreadsheet_safe)
        : m_out(out), m_columns(std::move(columns)), m_safe(spreadsheet_safe) {
        write_row([&](std::size_t i) { return m_columns[i].header; });
    }
    void write(const json::Value& record) override {
        write_row([&](std::size_t i) {
            return cell_text(json::find(record, m_columns[i].path), m_columns[i].decimals);
        });
    }
    void finish() override { m_out.flush(); }

private:
    template <class F> void write_row(F&& cell) {
        for (std::size_t i = 0; i < m_columns.size(); ++i) {
            if (i > 0) {
                m_out << ',';
            }
            m_out << csv::format_cell(cell(i), ',', m_safe);
        }
        m_out << "\r\n";
    }
    std::ostream& m_out;
    std::vector<Column> m_columns;
    bool m_safe;
};

// A column header as a table shows it: camelCase split into words, upper case
// ("organizationId" → "ORGANIZATION ID").
std::string table_header(const std::string& header) {
    std::string out;
    for (std::size_t i = 0; i < header.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(header[i]);
        if (i > 0 && std::isupper(c) && std::islower(static_cast<unsigned char>(header[i - 1]))) {
            out += ' ';
        }
        out += static_cast<char>(std::toupper(c));
    }
    return out;
}

class TableWriter final : public RecordWriter {
public:
    TableWriter(std::ostream& out, std::vector<Column> columns, int width, bool color)
        : m_out(out), m_columns(std::move(columns)), m_width(width), m_color(color) {}
    void write(const json::Value& record) override {
        std::vector<std::string> row;
        for (const auto& c : m_columns) {
            std::string s = cell_text(json::find(record, c.path), c.decimals);
            std::replace(s.begin(), s.end(), '\n', ' ');
            row.push_back(terminal_text(s));
        }
        m_rows.push_back(std::move(row));
    }
    void finish() override {
        std::vector<std::size_t> width(m_columns.size());
        for (std::size_t i = 0; i < m_columns.size(); ++i) {
            width[i] = display_width(table_header(m_columns[i].header));
            for (const auto& r : m_rows) {
                width[i] = std::max(width[i], display_width(r[i]));
            }
        }
        drop_to_terminal(width);
        shrink_to_terminal(width);
        auto line = [&](auto&& cell) {
            std::string s;
            for (std::size_t i = 0; i < m_columns.size(); ++i) {
                std::string c = fit(cell(i), width[i]);
                s += c;
                if (i + 1 < m_columns.size()) {
                    s.append(width[i] - display_width(c) + 2, ' ');
                }
            }
            while (!s.empty() && s.back() == ' ') {
                s.pop_back();
            }
            m_out << s << '\n';
        };
        if (m_color) {
            m_out << "\033[1m";
        }
        line([&](std::size_t i) { return table_header(m_columns[i].header); });
        if (m_color) {
            m_out << "\033[0m";
        }
        for (const auto& r : m_rows) {
            line([&](std::size_t i) { return r[i]; });
        }
    }

private:
    // The narrowest a column is cut to: its content, but at most 12 (or its header when longer).
    std::size_t floor_width(std::size_t i, std::size_t natural) const {
        return std::min(
            natural, std::max<std::size_t>(12, display_width(table_header(m_columns[i].header))));
    }

    // Columns come most useful first: when even their floors do not fit the terminal, the last
    // columns are left out rather than every column cut to a few characters (--fields chooses).
    void drop_to_terminal(std::vector<std::size_t>& width) {
        if (m_width <= 0) {
            return;
        }
        auto floors = [&] {
            std::size_t t = 2 * (width.size() - 1);
            for (std::size_t i = 0; i < width.size(); ++i) {
                t += floor_width(i, width[i]);
            }
            return t;
        };
        while (width.size() > 1 && floors() > static_cast<std::size_t>(m_width)) {
            width.pop_back();
            m_columns.pop_back();
            for (auto& r : m_rows) {
                r.pop_back();
            }
        }
    }

    // Narrows the widest columns (never below their floor) until the table fits.
    void shrink_to_terminal(std::vector<std::size_t>& width) const {
        if (m_width <= 0 || width.empty()) {
            return;
        }
        auto total = [&] {
            std::size_t t = 2 * (width.size() - 1);
            for (auto w : width) {
                t += w;
            }
            return t;
        };
        while (total() > static_cast<std::size_t>(m_width)) {
            // The column with the most room above its floor gives up one character.
            std::size_t best = width.size();
            std::size_t room = 0;
            for (std::size_t i = 0; i < width.size(); ++i) {
                const std::size_t f = floor_width(i, width[i]);
                if (width[i] > f && width[i] - f > room) {
                    room = width[i] - f;
                    best = i;
                }
            }
            if (best == width.size()) {
                break;
            }
            --width[best];
        }
    }

    std::ostream& m_out;
    std::vector<Column> m_columns;
    std::vector<std::vector<std::string>> m_rows;
    int m_width;
    bool m_color;
};

// Projects each record onto the chosen fields before handing it on (json and ndjson).
class ProjectingWriter final : public RecordWriter {
public:
    ProjectingWriter(std::unique_ptr<RecordWriter> inner, std::vector<Column> fields)
        : m_inner(std::move(inner)), m_fields(std::move(fields)) {}
    void write(const json::Value& record) override {
        json::Document d(rapidjson::kObjectType);
        auto& a = d.GetAllocator();
        for (const auto& f : m_fields) {
            json::Value v;
            if (const auto* found = json::find(record, f.path)) {
                v.CopyFrom(*found, a);
            }
            d.AddMember(json::str(f.header, a), v, a);
        }
        m_inner->write(d);
    }
    void finish() override { m_inner->finish(); }

private:
    std::unique_ptr<RecordWriter> m_inner;
    std::vector<Column> m_fields;
};

// Checks, on the first record and before anything is written, that every --fields name that is no
// column names something the records have (its first path segment is a key of the record), so a
// typo is refused with the valid names instead of printing an empty column.
class FieldCheckingWriter final : public RecordWriter {
public:
    FieldCheckingWriter(std::unique_ptr<RecordWriter> inner, std::vector<std::string> unresolved,
                        std::vector<std::string> known)
        : m_inner(std::move(inner)), m_unresolved(std::move(unresolved)),
          m_known(std::move(known)) {}
    void write(const json::Value& record) override {
        if (!m_checked) {
            check(record);
            m_checked = true;
        }
        m_inner->write(record);
    }
    void finish() override { m_inner->finish(); }

private:
    void check(const json::Value& record) {
        std::vector<std::string> names = m_known;
        if (record.IsObject()) {
            for (const auto& m : record.GetObject()) {
                const std::string key(m.name.GetString(), m.name.GetStringLength());
                if (std::find(names.begin(), names.end(), key) == names.end()) {
                    names.push_back(key);
                }
            }
        }
        for (const auto& f : m_unresolved) {
            const std::string head = f.substr(0, f.find('.'));
            if (record.IsObject() && record.HasMember(head.c_str())) {
                continue;
            }
            std::string list;
            for (const auto& n : names) {
                list += (list.empty() ? "" : ", ") + n;
            }
            throw Error(ExitCode::usage, "--fields: unknown field '" + f + "'" +
                                             did_you_mean(f, names) + "; fields: " + list);
        }
    }

    std::unique_ptr<RecordWriter> m_inner;
    std::vector<std::string> m_unresolved;
    std::vector<std::string> m_known;
    bool m_checked = false;
};

// The columns `fields` name: a column's header or path, else a dotted path of its own.
std::vector<Column> choose(const std::vector<Column>& columns,
                           const std::vector<std::string>& fields) {
    std::vector<Column> out;
    for (const auto& f : fields) {
        auto it = std::find_if(columns.begin(), columns.end(),
                               [&](const Column& c) { return c.header == f || c.path == f; });
        out.push_back(it != columns.end() ? *it : Column{f, f});
    }
    return out;
}

} // namespace

std::unique_ptr<RecordWriter> make_record_writer(const std::string& format, std::ostream& out,
                                                 std::vector<Column> columns,
                                                 const WriterOptions& options) {
    std::vector<std::string> unresolved;
    std::vector<std::string> known;
    for (const auto& c : columns) {
        known.push_back(c.header);
    }
    for (const auto& f : options.fields) {
        if (std::none_of(columns.begin(), columns.end(),
                         [&](const Column& c) { return c.header == f || c.path == f; })) {
            unresolved.push_back(f);
        }
    }
    const auto checked = [&](std::unique_ptr<RecordWriter> w) -> std::unique_ptr<RecordWriter> {
        if (unresolved.empty()) {
            return w;
        }
        return std::make_unique<FieldCheckingWriter>(std::move(w), unresolved, known);
    };
    if (!options.fields.empty()) {
        columns = choose(columns, options.fields);
        if (format == "json" || format == "ndjson") {
            return checked(std::make_unique<ProjectingWriter>(
                make_record_writer(format, out, {}, WriterOptions{}), std::move(columns)));
        }
    }
    if (format == "table") {
        return checked(
            std::make_unique<TableWriter>(out, std::move(columns), options.width, options.color));
    }
    return checked(make_record_writer(format, out, std::move(columns), options.spreadsheet_safe));
}

std::unique_ptr<RecordWriter> make_record_writer(const std::string& format, std::ostream& out,
                                                 std::vector<Column> columns,
                                                 bool spreadsheet_safe) {
    if (format == "json") {
        return std::make_unique<JsonWriter>(out);
    }
    if (format == "ndjson") {
        return std::make_unique<NdjsonWriter>(out);
    }
    if (format == "csv") {
        return std::make_unique<CsvWriter>(out, std::move(columns), spreadsheet_safe);
    }
    if (format == "table") {
        return std::make_unique<TableWriter>(out, std::move(columns), 0, false);
    }
    throw std::invalid_argument("unknown output format '" + format +
                                "' (json, ndjson, csv, table)");
}

} // namespace lexsync
