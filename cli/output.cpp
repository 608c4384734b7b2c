#include "cli/output.hpp"

#include <algorithm>
#include <lexsync/csv.hpp>
#include <stdexcept>

namespace lexsync {

namespace {

// The text of a cell: strings as they are, numbers exactly, arrays joined with ", ".
std::string cell_text(const json::Value* v) {
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
        return json::number_text(*v).value_or("");
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

// Number of code points in UTF-8 `s` (terminal columns for the scripts lexsync prints).
std::size_t display_width(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

class JsonWriter final : public RecordWriter {
public:
    explicit JsonWriter(std::ostream& out) : m_out(out) {}
    void write(const json::Value& record) override {
        m_out << (m_first ? "[\n  " : ",\n  ") << json::to_string(record);
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
    void write(const json::Value& record) override { m_out << json::to_string(record) << '\n'; }
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
        write_row([&](std::size_t i) { return cell_text(json::find(record, m_columns[i].path)); });
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

class TableWriter final : public RecordWriter {
public:
    TableWriter(std::ostream& out, std::vector<Column> columns)
        : m_out(out), m_columns(std::move(columns)) {}
    void write(const json::Value& record) override {
        std::vector<std::string> row;
        for (const auto& c : m_columns) {
            std::string s = cell_text(json::find(record, c.path));
            std::replace(s.begin(), s.end(), '\n', ' ');
            row.push_back(std::move(s));
        }
        m_rows.push_back(std::move(row));
    }
    void finish() override {
        std::vector<std::size_t> width(m_columns.size());
        for (std::size_t i = 0; i < m_columns.size(); ++i) {
            width[i] = display_width(m_columns[i].header);
            for (const auto& r : m_rows) {
                width[i] = std::max(width[i], display_width(r[i]));
            }
        }
        auto line = [&](auto&& cell) {
            std::string s;
            for (std::size_t i = 0; i < m_columns.size(); ++i) {
                std::string c = cell(i);
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
        line([&](std::size_t i) {
            std::string h = m_columns[i].header;
            std::transform(h.begin(), h.end(), h.begin(),
                           [](unsigned char c) { return std::toupper(c); });
            return h;
        });
        for (const auto& r : m_rows) {
            line([&](std::size_t i) { return r[i]; });
        }
    }

private:
    std::ostream& m_out;
    std::vector<Column> m_columns;
    std::vector<std::vector<std::string>> m_rows;
};

} // namespace

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
        return std::make_unique<TableWriter>(out, std::move(columns));
    }
    throw std::invalid_argument("unknown output format '" + format +
                                "' (json, ndjson, csv, table)");
}

} // namespace lexsync
