// --- Interface ---
// Streaming record output for stdout: json (one array), ndjson, csv, table. Records are written as
// they come, so memory stays flat however many there are (table buffers, being for people).
// json and ndjson are always valid UTF-8 JSON (json_output_text(): a byte that is not UTF-8 becomes
// U+FFFD, control characters are \u escapes); csv keeps the data byte for byte; table cells go
// through terminal_text(), so data cannot move the cursor or rewrite the screen.
#pragma once

#include <lexsync/util/json.hpp>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace lexsync {

// One column: its header and the dotted JSON path it is read from (for csv and table).
struct Column {
    std::string header;
    std::string path;
    // csv and table write a number with exactly this many decimal places (amounts: 2, so 214.2
    // reads 214.20); -1 writes it as it is. json and ndjson keep the number.
    int decimals = -1;
};

class RecordWriter {
public:
    virtual ~RecordWriter() = default;
    // Writes one record: json/ndjson write `record` as is; csv/table read `columns` from it.
    virtual void write(const json::Value& record) = 0;
    // Closes the output (the closing bracket of a JSON array, the table itself).
    virtual void finish() = 0;
};

// How records are shaped for the reader.
struct WriterOptions {
    // Keep only these fields, in this order: column headers (csv/table) or dotted JSON paths.
    std::vector<std::string> fields;
    int width = 0;                // table: fit to this many terminal columns (0: no limit)
    bool color = false;           // table: bold header (only on a TTY and without NO_COLOR)
    bool spreadsheet_safe = true; // csv: neutralise cells that would start a formula
};

// Creates a writer for `format` ("json", "ndjson", "csv", "table") on `out`, shaped by `options`.
std::unique_ptr<RecordWriter> make_record_writer(const std::string& format, std::ostream& out,
                                                 std::vector<Column> columns,
                                                 const WriterOptions& options);

// Creates a writer for `format` ("json", "ndjson", "csv", "table") on `out`. For csv the cells
// that start with = + - @ are neutralised when `spreadsheet_safe` is set.
std::unique_ptr<RecordWriter> make_record_writer(const std::string& format, std::ostream& out,
                                                 std::vector<Column> columns,
                                                 bool spreadsheet_safe = true);

} // namespace lexsync
