// --- Interface ---
// CSV in and out (RFC 4180 plus what spreadsheets really write).
//
// Reading: a Reader streams one record at a time (memory stays flat), skips a UTF-8 byte order
// mark, accepts CRLF or LF, quoted fields with embedded delimiters, doubled quotes and line breaks
// (a CRLF inside a quoted field becomes LF), and detects the delimiter from the header line
// (`,`, `;` or tab; the most frequent one outside quotes, `,` when none appears). Input must be
// UTF-8. The first record is the header. Blank records (empty lines, and rows of only delimiters
// and spaces as spreadsheets write them below the data) are skipped. Every data
// record must have as many fields as the header. Errors are values: "file:line: message", where
// line is the physical line (1-based, the header is line 1) of the problem.
//
//     lexsync::csv::Reader reader(path);
//     const auto name = reader.column("name");           // nullopt: no such column
//     lexsync::csv::Record rec;
//     for (;;) {
//         auto more = reader.next(rec);
//         if (!more) { report(more.error().to_string()); break; }
//         if (!*more) { break; }                          // end of input
//         use(rec.line, rec.fields[*name]);
//     }
//
// Writing: a Writer quotes a cell only when needed (delimiter, quote, CR, LF, or leading or
// trailing space/tab) and, when `spreadsheet_safe` is set, neutralises formula injection by
// putting `'` in front of a cell that starts with = + - @ tab or CR and is not a plain number
// such as -12.50.
#pragma once

#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <istream>
#include <lexsync/util/result.hpp>
#include <lexsync/util/utf8.hpp>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync::csv {

// One record: the physical line where it starts (1-based; the header is line 1) and its fields.
struct Record {
    long line = 0;
    std::vector<std::string> fields;
};

// A problem in the input at `line` of `file`.
struct CsvError {
    std::string file;
    long line = 0;
    std::string message;

    // Returns "file:line: message".
    std::string to_string() const;
};

class Reader {
public:
    // Opens the file at `path`; `delimiter` nullopt means auto-detect. Throws nothing: a file that
    // cannot be opened or has a bad header is reported by the first next().
    explicit Reader(const std::filesystem::path& path,
                    std::optional<char> delimiter = std::nullopt);
    // Reads `text` (e.g. a test or stdin), naming it `display_name` in errors.
    Reader(std::string text, std::string display_name,
           std::optional<char> delimiter = std::nullopt);
    // Reads from `in`, which must outlive the reader, naming it `display_name` in errors.
    Reader(std::istream& in, std::string display_name,
           std::optional<char> delimiter = std::nullopt);
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    ~Reader();

    // Reads the next data record into `record`; returns false at the end of input and an error for
    // invalid input (the same error again on every later call).
    Result<bool, CsvError> next(Record& record);
    // The header fields (trimmed of surrounding spaces); empty when the header could not be read.
    const std::vector<std::string>& header() const { return m_header; }
    // Index of the header field `name` (exact, case-sensitive, first match), or nullopt.
    std::optional<std::size_t> column(std::string_view name) const;
    // The delimiter in use (given or detected).
    char delimiter() const { return m_delim; }
    // The name used in error messages.
    const std::string& display_name() const { return m_name; }

private:
    void start(std::optional<char> delimiter);
    int peek(std::size_t offset);
    int get();
    bool fill();
    Result<bool, CsvError> read_record(Record& record);
    CsvError error(long line, std::string message) const;

    std::string m_name;
    std::unique_ptr<std::istream> m_owned;
    std::istream* m_in = nullptr;
    std::string m_buf;
    std::size_t m_pos = 0;
    bool m_eof = false;
    long m_line = 1;
    char m_delim = ',';
    utf8::Validator m_utf8;
    std::vector<std::string> m_header;
    std::optional<CsvError> m_error;
};

// Returns `cell` as it should appear in a CSV file with `delimiter`: quoted when needed, and with
// a leading `'` when `spreadsheet_safe` and the cell would start a formula.
std::string format_cell(std::string_view cell, char delimiter, bool spreadsheet_safe);

// True for cells a spreadsheet would run as a formula: starting with = + - @ tab or CR and not a
// plain number (optional sign, digits, optional `.` or `,` and digits).
bool looks_like_formula(std::string_view cell);

class Writer {
public:
    // Writes rows to `out` separated by `delimiter`, each ended by "\n" (or "\r\n" with `crlf`).
    explicit Writer(std::ostream& out, char delimiter = ',', bool spreadsheet_safe = false,
                    bool crlf = false);

    // Writes one row.
    void write_row(const std::vector<std::string_view>& cells);
    // Writes one row.
    void write_row(const std::vector<std::string>& cells);
    // Writes one row (`write_row({"a", "b"})`).
    void write_row(std::initializer_list<std::string_view> cells);

private:
    template <class Cells> void write_cells(const Cells& cells);

    std::ostream& m_out;
    char m_delim;
    bool m_safe;
    const char* m_eol;
};

} // namespace lexsync::csv
