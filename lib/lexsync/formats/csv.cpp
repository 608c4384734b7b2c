#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/formats/csv.hpp>
#include <lexsync/util/strings.hpp>
#include <sstream>

namespace lexsync::csv {

namespace {

constexpr std::size_t k_chunk = 64 * 1024;
// A field this long means a quote was never closed; stop before memory grows without bound.
constexpr std::size_t k_max_field = 1024 * 1024;
constexpr const char* k_not_utf8 = "not valid UTF-8 (is it Latin-1? save it as UTF-8)";

std::string delimiter_name(char d) {
    if (d == '\t') {
        return "tab";
    }
    return fmt::format("'{}'", d);
}

std::string trim_spaces(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) {
        return {};
    }
    const auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

// Optional sign, digits, optionally one `.` or `,` followed by digits.
bool is_plain_number(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        ++i;
    }
    const std::size_t int_start = i;
    while (i < s.size() && is_digit(s[i])) {
        ++i;
    }
    if (i == int_start) {
        return false;
    }
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        ++i;
        const std::size_t frac_start = i;
        while (i < s.size() && is_digit(s[i])) {
            ++i;
        }
        if (i == frac_start) {
            return false;
        }
    }
    return i == s.size();
}

} // namespace

std::string CsvError::to_string() const {
    if (line <= 0) {
        return fmt::format("{}: {}", file, message);
    }
    return fmt::format("{}:{}: {}", file, line, message);
}

Reader::Reader(const std::filesystem::path& path, std::optional<char> delimiter)
    : m_name(path.string()) {
    auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*file) {
        const int err = errno;
        m_error = CsvError{m_name, 0, fmt::format("cannot open: {}", std::strerror(err))};
        return;
    }
    m_owned = std::move(file);
    m_in = m_owned.get();
    start(delimiter);
}

Reader::Reader(std::string text, std::string display_name, std::optional<char> delimiter)
    : m_name(std::move(display_name)),
      m_owned(std::make_unique<std::istringstream>(std::move(text))), m_in(m_owned.get()) {
    start(delimiter);
}

Reader::Reader(std::istream& in, std::string display_name, std::optional<char> delimiter)
    : m_name(std::move(display_name)), m_in(&in) {
    start(delimiter);
}

Reader::~Reader() = default;

CsvError Reader::error(long line, std::string message) const {
    return CsvError{m_name, line, std::move(message)};
}

bool Reader::fill() {
    if (m_eof || m_in == nullptr) {
        m_eof = true;
        return false;
    }
    if (m_pos > 0) {
        m_buf.erase(0, m_pos);
        m_pos = 0;
    }
    std::array<char, k_chunk> chunk{};
    m_in->read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto n = m_in->gcount();
    if (n <= 0) {
        m_eof = true;
        return false;
    }
    m_buf.append(chunk.data(), static_cast<std::size_t>(n));
    return true;
}

int Reader::peek(std::size_t offset) {
    while (m_pos + offset >= m_buf.size()) {
        if (!fill()) {
            return -1;
        }
    }
    return static_cast<unsigned char>(m_buf[m_pos + offset]);
}

int Reader::get() {
    const int c = peek(0);
    if (c >= 0) {
        ++m_pos;
    }
    return c;
}

void Reader::start(std::optional<char> delimiter) {
    if (peek(0) == 0xEF && peek(1) == 0xBB && peek(2) == 0xBF) {
        m_pos += 3;
    }
    if (delimiter) {
        m_delim = *delimiter;
    } else {
        // Count the candidates outside quotes on the header line (looking ahead, not consuming).
        std::size_t counts[3] = {0, 0, 0};
        const char candidates[3] = {',', ';', '\t'};
        bool quoted = false;
        for (std::size_t i = 0; i < k_max_field; ++i) {
            const int c = peek(i);
            if (c < 0 || (!quoted && (c == '\n' || c == '\r'))) {
                break;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            for (int k = 0; k < 3; ++k) {
                if (!quoted && c == candidates[k]) {
                    ++counts[k];
                }
            }
        }
        m_delim = ',';
        std::size_t best = 0;
        for (int k = 0; k < 3; ++k) {
            if (counts[k] > best) {
                best = counts[k];
                m_delim = candidates[k];
            }
        }
    }
    Record header;
    auto r = read_record(header);
    if (!r) {
        m_error = std::move(r).error();
        return;
    }
    if (!*r) {
        m_error = error(1, "the file is empty (expected a header line)");
        return;
    }
    for (auto& f : header.fields) {
        m_header.push_back(trim_spaces(f));
    }
}

Result<bool, CsvError> Reader::read_record(Record& record) {
    enum class State { start, unquoted, quoted, after_quote };
    record.fields.clear();
    std::string field;
    State st = State::start;
    bool any = false;
    long quote_line = 0;

    // Ends the line at a '\n', or at a '\r' and its '\n' if there is one.
    auto end_of_line = [&](int c) {
        if (c == '\r' && peek(0) == '\n') {
            get();
        }
        ++m_line;
    };

    for (;;) {
        const int c = get();
        if (c < 0) {
            if (m_utf8.open()) {
                return unexpected(error(m_line, k_not_utf8));
            }
            if (st == State::quoted) {
                return unexpected(error(
                    quote_line,
                    "unterminated quoted field (the quote opened on this line is never closed)"));
            }
            if (!any) {
                return false;
            }
            record.fields.push_back(std::move(field));
            return true;
        }
        if (!m_utf8.push(static_cast<unsigned char>(c))) {
            return unexpected(error(m_line, k_not_utf8));
        }
        if (!any) {
            if (c == '\n' || c == '\r') {
                end_of_line(c); // an empty line: skipped
                continue;
            }
            any = true;
            record.line = m_line;
        }
        if (field.size() >= k_max_field) {
            return unexpected(error(st == State::quoted ? quote_line : record.line,
                                    "field longer than 1 MiB (is a quote not closed?)"));
        }
        switch (st) {
        case State::start:
            if (c == '"') {
                st = State::quoted;
                quote_line = m_line;
                break;
            }
            [[fallthrough]];
        case State::unquoted:
            if (c == m_delim) {
                record.fields.push_back(std::move(field));
                field.clear();
                st = State::start;
            } else if (c == '\n' || c == '\r') {
                end_of_line(c);
                record.fields.push_back(std::move(field));
                return true;
            } else {
                // A quote inside an unquoted field is kept as is, as spreadsheets do.
                field += static_cast<char>(c);
                st = State::unquoted;
            }
            break;
        case State::quoted:
            if (c == '"') {
                st = State::after_quote;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && peek(0) != '\n') {
                    field += '\r'; // a lone CR inside quotes is content
                } else {
                    end_of_line(c);
                    field += '\n';
                }
            } else {
                field += static_cast<char>(c);
            }
            break;
        case State::after_quote:
            if (c == '"') {
                field += '"';
                st = State::quoted;
            } else if (c == m_delim) {
                record.fields.push_back(std::move(field));
                field.clear();
                st = State::start;
            } else if (c == '\n' || c == '\r') {
                end_of_line(c);
                record.fields.push_back(std::move(field));
                return true;
            } else {
                return unexpected(error(m_line,
                                        "text after the closing quote of a field (inside a quoted "
                                        "field, write a quote as \"\")"));
            }
            break;
        }
    }
}

Result<bool, CsvError> Reader::next(Record& record) {
    if (m_error) {
        return unexpected(*m_error);
    }
    for (;;) {
        auto r = read_record(record);
        if (!r) {
            m_error = r.error();
            return r;
        }
        if (!*r) {
            return false;
        }
        // Rows of only delimiters and spaces (spreadsheets write them below the data) are blank.
        const bool blank =
            std::all_of(record.fields.begin(), record.fields.end(), [](const std::string& f) {
                return f.find_first_not_of(" \t") == std::string::npos;
            });
        if (!blank) {
            break;
        }
    }
    if (record.fields.size() != m_header.size()) {
        // Only this record is bad: the caller may report it and read on.
        return unexpected(
            error(record.line,
                  fmt::format("{} fields, but the header has {} (delimiter {})",
                              record.fields.size(), m_header.size(), delimiter_name(m_delim))));
    }
    return true;
}

std::optional<std::size_t> Reader::column(std::string_view name) const {
    for (std::size_t i = 0; i < m_header.size(); ++i) {
        if (m_header[i] == name) {
            return i;
        }
    }
    return std::nullopt;
}

bool looks_like_formula(std::string_view cell) {
    if (cell.empty()) {
        return false;
    }
    const char c = cell.front();
    if (c != '=' && c != '+' && c != '-' && c != '@' && c != '\t' && c != '\r') {
        return false;
    }
    return !is_plain_number(cell);
}

std::string format_cell(std::string_view cell, char delimiter, bool spreadsheet_safe) {
    std::string s;
    if (spreadsheet_safe && looks_like_formula(cell)) {
        s.reserve(cell.size() + 1);
        s += '\'';
    }
    s += cell;
    const bool edge_space = !s.empty() && (s.front() == ' ' || s.front() == '\t' ||
                                           s.back() == ' ' || s.back() == '\t');
    bool needs_quotes = edge_space;
    for (char c : s) {
        if (c == delimiter || c == '"' || c == '\r' || c == '\n') {
            needs_quotes = true;
            break;
        }
    }
    if (!needs_quotes) {
        return s;
    }
    std::string q;
    q.reserve(s.size() + 2);
    q += '"';
    for (char c : s) {
        if (c == '"') {
            q += '"';
        }
        q += c;
    }
    q += '"';
    return q;
}

Writer::Writer(std::ostream& out, char delimiter, bool spreadsheet_safe, bool crlf)
    : m_out(out), m_delim(delimiter), m_safe(spreadsheet_safe), m_eol(crlf ? "\r\n" : "\n") {}

template <class Cells> void Writer::write_cells(const Cells& cells) {
    bool first = true;
    for (const auto& cell : cells) {
        if (!first) {
            m_out << m_delim;
        }
        first = false;
        m_out << format_cell(cell, m_delim, m_safe);
    }
    m_out << m_eol;
}

void Writer::write_row(const std::vector<std::string_view>& cells) {
    write_cells(cells);
}

void Writer::write_row(const std::vector<std::string>& cells) {
    write_cells(cells);
}

void Writer::write_row(std::initializer_list<std::string_view> cells) {
    write_cells(cells);
}

} // namespace lexsync::csv
