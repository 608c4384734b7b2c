// --- Interface ---
// A minimal xlsx (Office Open XML spreadsheet) writer: one sheet, a bold header row, shared
// strings, numbers as numbers and dates as dates, packed into a zip archive with stored
// (uncompressed) entries whose CRC-32 is computed here. Output is deterministic: the same cells
// give the same bytes.
#pragma once

#include <cstdint>
#include <lexsync/util/decimal.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync::xlsx {

// CRC-32 (IEEE 802.3, the zip polynomial) of `data`, continuing from `crc` (0 to start).
std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0);

// A zip archive of stored entries, built in memory.
class ZipWriter {
public:
    // Adds a file `name` (ASCII path inside the archive) with `data`.
    void add(std::string name, std::string data);
    // Returns the complete archive (local headers, data, central directory, end record).
    std::string finish() const;

private:
    struct Entry {
        std::string name;
        std::string data;
    };
    std::vector<Entry> m_entries;
};

// One cell: empty, text, an exact decimal number (with `digits` decimals shown) or a date.
struct Cell {
    enum class Kind { empty, text, number, date };
    Kind kind = Kind::empty;
    std::string text; // text: the string; date: "yyyy-mm-dd"
    Decimal number;   // number
    int digits = 2;   // number: 0 shows as stored, 2 with two decimals
    bool bold = false;

    static Cell blank() { return {}; }
    static Cell str(std::string s, bool bold = false) {
        Cell c;
        c.kind = Kind::text;
        c.text = std::move(s);
        c.bold = bold;
        return c;
    }
    static Cell num(Decimal d, int shown_digits = 2, bool bold = false) {
        Cell c;
        c.kind = Kind::number;
        c.number = d;
        c.digits = shown_digits;
        c.bold = bold;
        return c;
    }
    // A date given as "yyyy-mm-dd"; anything else is written as text.
    static Cell date(std::string iso) {
        Cell c;
        c.kind = Kind::date;
        c.text = std::move(iso);
        return c;
    }
};

// Days since 1899-12-30 (the spreadsheet date serial) of "yyyy-mm-dd", or -1 when invalid.
long date_serial(std::string_view iso_date);

class Workbook {
public:
    // One sheet called `sheet_name` (cut to 31 characters, `[]:*?/\` replaced).
    explicit Workbook(std::string sheet_name = "Sheet1");

    // Appends a row; the first row is usually the header (use bold cells).
    void add_row(std::vector<Cell> row);
    // Freezes the first row when the sheet is opened.
    void freeze_header(bool on) { m_freeze = on; }
    // The .xlsx file's bytes.
    std::string bytes() const;

private:
    std::string m_sheet_name;
    std::vector<std::vector<Cell>> m_rows;
    bool m_freeze = true;
};

} // namespace lexsync::xlsx
