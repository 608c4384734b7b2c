// --- Interface ---
// The input layer of every command that reads tables (CSV, TSV, JSON): reading a file or stdin,
// character encodings, column names with their German and English aliases, and the spellings of
// numbers, amounts, percentages and dates that spreadsheets write. Pure logic: no requests.
//
// The accepted spellings (documented in man/lexsync.1, section INPUT FORMATS):
//   encodings  UTF-8 with or without byte order mark; Windows-1252 (a superset of Latin-1 as
//              Excel writes it). Detected: a file that is valid UTF-8 is UTF-8, anything else is
//              Windows-1252. `--encoding` forces one.
//   numbers    12, -3.5, 1234.56, 1234,56, 1.234,56, 1,234.56, 1.234.567; amounts may carry € or
//              EUR before or after, percentages a % (with or without a space). A single `.` or
//              `,` followed by exactly three digits after 1 to 3 leading digits ("1.234",
//              "12,500") could be a thousands separator or a decimal mark: it is refused, naming
//              the cell, rather than guessed.
//   dates      2026-03-31 (ISO), 31.03.2026 and 1.3.2026 (German). Two-digit years and dates with
//              slashes are refused as ambiguous.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <lexsync/util/date.hpp>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/json.hpp>
#include <lexsync/util/result.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace lexsync::table {

using lexsync::Date;

// --- Encodings ---------------------------------------------------------------------------------

enum class Encoding { detect, utf8, windows_1252 };

// Parses an `--encoding` value: auto, utf-8 (utf8), windows-1252 (cp1252, latin1, iso-8859-1,
// iso-8859-15 are read as Windows-1252). Returns nullopt for anything else.
std::optional<Encoding> parse_encoding(std::string_view name);
// "utf-8", "windows-1252" or "auto".
const char* encoding_name(Encoding e);

// A problem at a position of the input; line and column are 1-based, 0 when unknown.
struct Problem {
    long line = 0;
    long column = 0;
    std::string message;
};

// Decodes `bytes` to UTF-8: removes a UTF-8 byte order mark; `detect` reads valid UTF-8 as UTF-8
// and anything else as Windows-1252. Sets `*used` to the encoding applied. Returns a Problem
// naming the line and column of the first byte that the forced encoding cannot read.
Result<std::string, Problem> decode(std::string_view bytes, Encoding enc, Encoding* used = nullptr);

// Encodes UTF-8 `text` as Windows-1252; nullopt when a character has no Windows-1252 form.
std::optional<std::string> encode_windows_1252(std::string_view text);

// An input read into memory and decoded.
struct Text {
    std::string name; // for messages: the path, or "stdin" for "-"
    std::string text; // UTF-8 without byte order mark
    Encoding encoding = Encoding::utf8;
    bool from_stdin = false;
};

// Reads the input `path` ("-" reads `in`) and decodes it with `enc`. Returns a Problem (line 0)
// when the file cannot be read.
Result<Text, Problem> load(const std::string& path, Encoding enc, std::istream& in);

// An input file read as a stream, any number of times, with memory flat in its size. Opening it
// checks the whole file's encoding once (the same rules and messages as decode(), in one pass
// over the bytes); stdin is first copied to an unlinked temporary file (in $TMPDIR, else /tmp) so
// that it can be read again. Every stream() then yields the decoded UTF-8 text from the start.
class Source {
public:
    // Opens `path` ("-": `in`) and checks its encoding. Returns a Problem as load() does.
    static Result<std::shared_ptr<const Source>, Problem> open(const std::string& path,
                                                               Encoding enc, std::istream& in);
    Source(const Source&) = delete;
    Source& operator=(const Source&) = delete;
    ~Source();

    const std::string& name() const { return m_name; }
    Encoding encoding() const { return m_encoding; }
    bool from_stdin() const { return m_from_stdin; }
    // The decoded text from its beginning (without byte order mark), read a chunk at a time.
    std::unique_ptr<std::istream> stream() const;
    // The decoded text in one string (small inputs and tests).
    std::string read_all() const;
    // True when the file is no longer what open() checked (another size or modification time).
    bool changed() const;

private:
    Source() = default;
    std::string m_name;
    int m_fd = -1;
    Encoding m_encoding = Encoding::utf8;
    bool m_from_stdin = false;
    off_t m_begin = 0; // after a byte order mark
    off_t m_size = 0;
    std::int64_t m_mtime_ns = 0;
};

// Reads the JSON array of `src` one element at a time (json::for_each_element: the root array, or
// with a non-empty `key` also {"key": [...]}) after json::parse's checks, with memory flat in the
// file's size. Returns json::parse's message when the text is not valid JSON (then `fn` may have
// been called for elements before the error: what it gathered is to be dropped).
Result<json::ArrayAt, std::string>
for_each_json_element(const Source& src, std::string_view key,
                      const std::function<void(const json::Value&, std::size_t, long)>& fn);

// True when `text` looks like JSON (its first non-blank character is `[` or `{`).
bool looks_like_json(std::string_view text);

// How a command reads its input: `format` "csv" or "json" (empty: by the file's extension, for
// stdin by its content), the character encoding, and the stream that "-" reads.
struct ReadOptions {
    std::string format;
    Encoding encoding = Encoding::detect;
    std::istream* in = nullptr;
};

// --- Column names ------------------------------------------------------------------------------

// A column of an input schema: its name (the CSV header and JSON key of the documentation) and
// the other spellings accepted for it (German and English, as spreadsheets name them).
struct Column {
    std::string name;
    std::vector<std::string> aliases;
};

// The comparison key of a header: lower case, umlauts and ß folded (ä → ae), every character
// other than a letter or digit dropped ("USt-Satz (%)" → "ustsatz").
std::string fold(std::string_view header);

// The schema column that `header` names (by name or alias), or nullptr.
const Column* find_column(std::string_view header, const std::vector<Column>& columns);

// The closest column name to `header` when one is near enough to be a typo or a translation,
// else "".
std::string did_you_mean(std::string_view header, const std::vector<Column>& columns);

// A header cell that names no column or the same column as another one.
struct HeaderIssue {
    std::size_t index = 0; // 0-based position in the header
    std::string header;    // as written
    std::string message;
    std::string suggestion; // the column it probably means, or ""
};

// Where the columns of a CSV input are: column name → {1-based position, header as written}.
using ColumnPositions = std::map<std::string, std::pair<long, std::string>>;

// The positions of the named columns of `names` (map_header's result) in `header`.
ColumnPositions positions(const std::vector<std::string>& header,
                          const std::vector<std::string>& names);

// Maps each cell of `header` to its column name ("" for unknown ones) and reports unknown cells
// (with a suggestion; `manual` names the man page) and columns given twice.
std::vector<std::string> map_header(const std::vector<std::string>& header,
                                    const std::vector<Column>& columns, const std::string& manual,
                                    std::vector<HeaderIssue>& issues);

// --- Numbers and dates -------------------------------------------------------------------------

enum class NumberKind {
    plain,   // 12, 1.234,56
    amount,  // also with € or EUR before or after
    percent, // also with % after
};

// Parses one cell as a number (see the rules at the top). Returns a message saying why not,
// quoting the cell.
Result<Decimal, std::string> parse_number(std::string_view cell, NumberKind kind);

// The text of a JSON number that parse_number reads as the same value: JSON numbers always use
// a decimal point, so "1.234" becomes "1.2340" (not ambiguous).
std::string json_number_text(std::string_view text);

// --- Periods -----------------------------------------------------------------------------------

struct Period {
    std::optional<Date> from;
    std::optional<Date> to;
};

// Resolves the period options of a command: `from`/`to` (dates as lexsync::parse_date reads them),
// `month` ("2026-03" or "03.2026") and `period` (this-month, last-month, this-quarter,
// last-quarter, this-year, last-year, relative to `today`). --month and --period exclude each
// other and --from/--to. Returns a usage message naming the option on error.
Result<Period, std::string> resolve_period(const std::string& from, const std::string& to,
                                           const std::string& month, const std::string& period,
                                           Date today);

} // namespace lexsync::table
