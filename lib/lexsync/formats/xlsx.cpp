#include <array>
#include <fmt/format.h>
#include <lexsync/formats/csv.hpp>
#include <lexsync/formats/xlsx.hpp>
#include <lexsync/util/strings.hpp>
#include <map>

namespace lexsync::xlsx {

namespace {

constexpr std::uint16_t k_dos_time = 0;                       // 00:00:00
constexpr std::uint16_t k_dos_date = (0 << 9) | (1 << 5) | 1; // 1980-01-01
constexpr std::uint16_t k_version = 20;                       // zip 2.0

const std::array<std::uint32_t, 256>& crc_table() {
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) {
                c = (c & 1U) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
            }
            t[i] = c;
        }
        return t;
    }();
    return table;
}

void put16(std::string& out, std::uint16_t v) {
    out += static_cast<char>(v & 0xFF);
    out += static_cast<char>((v >> 8) & 0xFF);
}

void put32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
        out += static_cast<char>((v >> (8 * i)) & 0xFF);
    }
}

// Column letters of 0-based column `i`: A…Z, AA…
std::string column_name(std::size_t i) {
    std::string s;
    ++i;
    while (i > 0) {
        const std::size_t r = (i - 1) % 26;
        s.insert(s.begin(), static_cast<char>('A' + r));
        i = (i - 1) / 26;
    }
    return s;
}

long days_from_civil(long y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long>(doe) - 719468;
}

// Cell style indices of styles.xml.
enum Style : int {
    k_plain = 0,
    k_bold = 1,
    k_money = 2,
    k_money_bold = 3,
    k_date = 4,
    k_text_guarded = 5, // text a spreadsheet shows with a leading apostrophe, never a formula
};

constexpr const char* k_main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr const char* k_rel_ns =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
constexpr const char* k_xml_decl =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

std::string content_types() {
    return std::string(k_xml_decl) +
           "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
           "<Default Extension=\"rels\" "
           "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
           "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
           "<Override PartName=\"/xl/workbook.xml\" "
           "ContentType=\"application/"
           "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
           "<Override PartName=\"/xl/worksheets/sheet1.xml\" "
           "ContentType=\"application/"
           "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
           "<Override PartName=\"/xl/styles.xml\" "
           "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/"
           ">"
           "<Override PartName=\"/xl/sharedStrings.xml\" "
           "ContentType=\"application/"
           "vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>"
           "</Types>";
}

std::string root_rels() {
    return std::string(k_xml_decl) +
           "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
           "<Relationship Id=\"rId1\" "
           "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
           "officeDocument\" "
           "Target=\"xl/workbook.xml\"/></Relationships>";
}

std::string workbook_rels() {
    return std::string(k_xml_decl) +
           "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
           "<Relationship Id=\"rId1\" "
           "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
           "Target=\"worksheets/sheet1.xml\"/>"
           "<Relationship Id=\"rId2\" "
           "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "
           "Target=\"styles.xml\"/>"
           "<Relationship Id=\"rId3\" "
           "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
           "sharedStrings\" "
           "Target=\"sharedStrings.xml\"/></Relationships>";
}

std::string workbook_xml(const std::string& sheet_name) {
    return fmt::format(
        "{}<workbook xmlns=\"{}\" xmlns:r=\"{}\"><sheets><sheet name=\"{}\" sheetId=\"1\" "
        "r:id=\"rId1\"/></sheets></workbook>",
        k_xml_decl, k_main_ns, k_rel_ns, xml_escape(sheet_name));
}

std::string styles_xml() {
    return fmt::format(
        "{}<styleSheet xmlns=\"{}\">"
        "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font>"
        "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
        "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
        "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
        "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
        "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" "
        "borderId=\"0\"/></cellStyleXfs>"
        "<cellXfs count=\"6\">"
        "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
        "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
        "<xf numFmtId=\"4\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" "
        "applyNumberFormat=\"1\"/>"
        "<xf numFmtId=\"4\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" "
        "applyNumberFormat=\"1\" "
        "applyFont=\"1\"/>"
        "<xf numFmtId=\"14\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" "
        "applyNumberFormat=\"1\"/>"
        "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" quotePrefix=\"1\"/>"
        "</cellXfs>"
        "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" "
        "builtinId=\"0\"/></cellStyles>"
        "</styleSheet>",
        k_xml_decl, k_main_ns);
}

std::string sanitize_sheet_name(std::string name) {
    for (char& c : name) {
        if (std::string_view("[]:*?/\\").find(c) != std::string_view::npos) {
            c = '_';
        }
    }
    if (name.size() > 31) {
        std::size_t cut = 31;
        while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) {
            --cut;
        }
        name.resize(cut);
    }
    return name.empty() ? "Sheet1" : name;
}

} // namespace

std::uint32_t crc32(std::string_view data, std::uint32_t crc) {
    const auto& table = crc_table();
    crc = ~crc;
    for (char ch : data) {
        crc = table[(crc ^ static_cast<unsigned char>(ch)) & 0xFFU] ^ (crc >> 8);
    }
    return ~crc;
}

void ZipWriter::add(std::string name, std::string data) {
    m_entries.push_back({std::move(name), std::move(data)});
}

std::string ZipWriter::finish() const {
    std::string out;
    std::string central;
    for (const auto& e : m_entries) {
        const std::uint32_t offset = static_cast<std::uint32_t>(out.size());
        const std::uint32_t crc = crc32(e.data);
        const auto size = static_cast<std::uint32_t>(e.data.size());
        const auto name_len = static_cast<std::uint16_t>(e.name.size());

        put32(out, 0x04034b50U);
        put16(out, k_version);
        put16(out, 0); // flags
        put16(out, 0); // stored
        put16(out, k_dos_time);
        put16(out, k_dos_date);
        put32(out, crc);
        put32(out, size);
        put32(out, size);
        put16(out, name_len);
        put16(out, 0); // extra
        out += e.name;
        out += e.data;

        put32(central, 0x02014b50U);
        put16(central, k_version); // made by (MS-DOS attributes)
        put16(central, k_version);
        put16(central, 0);
        put16(central, 0);
        put16(central, k_dos_time);
        put16(central, k_dos_date);
        put32(central, crc);
        put32(central, size);
        put32(central, size);
        put16(central, name_len);
        put16(central, 0); // extra
        put16(central, 0); // comment
        put16(central, 0); // disk
        put16(central, 0); // internal attributes
        put32(central, 0); // external attributes
        put32(central, offset);
        central += e.name;
    }
    const auto cd_offset = static_cast<std::uint32_t>(out.size());
    const auto count = static_cast<std::uint16_t>(m_entries.size());
    out += central;
    put32(out, 0x06054b50U);
    put16(out, 0);
    put16(out, 0);
    put16(out, count);
    put16(out, count);
    put32(out, static_cast<std::uint32_t>(central.size()));
    put32(out, cd_offset);
    put16(out, 0); // comment
    return out;
}

long date_serial(std::string_view iso) {
    if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') {
        return -1;
    }
    for (std::size_t i : {0U, 1U, 2U, 3U, 5U, 6U, 8U, 9U}) {
        if (iso[i] < '0' || iso[i] > '9') {
            return -1;
        }
    }
    const long y = std::stol(std::string(iso.substr(0, 4)));
    const auto m = static_cast<unsigned>(std::stoi(std::string(iso.substr(5, 2))));
    const auto d = static_cast<unsigned>(std::stoi(std::string(iso.substr(8, 2))));
    static constexpr std::array<unsigned, 12> k_days = {31, 29, 31, 30, 31, 30,
                                                        31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > k_days[m - 1]) {
        return -1;
    }
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap) {
        return -1;
    }
    const long serial = days_from_civil(y, m, d) - days_from_civil(1899, 12, 30);
    return serial < 61 ? -1
                       : serial; // before 1900-03-01 the 1900 leap-year bug makes serials ambiguous
}

Workbook::Workbook(std::string sheet_name)
    : m_sheet_name(sanitize_sheet_name(std::move(sheet_name))) {}

void Workbook::add_row(std::vector<Cell> row) {
    m_rows.push_back(std::move(row));
}

std::string Workbook::bytes() const {
    std::map<std::string, std::size_t> string_index;
    std::vector<const std::string*> strings;
    std::size_t string_refs = 0;
    auto intern = [&](const std::string& s) {
        ++string_refs;
        auto [it, inserted] = string_index.try_emplace(s, strings.size());
        if (inserted) {
            strings.push_back(&it->first);
        }
        return it->second;
    };

    std::string sheet =
        fmt::format("{}<worksheet xmlns=\"{}\" xmlns:r=\"{}\">", k_xml_decl, k_main_ns, k_rel_ns);
    if (m_freeze && !m_rows.empty()) {
        sheet +=
            "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" "
            "activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>";
    }
    sheet += "<sheetData>";
    for (std::size_t r = 0; r < m_rows.size(); ++r) {
        sheet += fmt::format("<row r=\"{}\">", r + 1);
        for (std::size_t c = 0; c < m_rows[r].size(); ++c) {
            const Cell& cell = m_rows[r][c];
            const std::string ref = column_name(c) + std::to_string(r + 1);
            switch (cell.kind) {
            case Cell::Kind::empty:
                break;
            case Cell::Kind::number: {
                const int style = cell.digits == 2 ? (cell.bold ? k_money_bold : k_money)
                                                   : (cell.bold ? k_bold : k_plain);
                sheet += fmt::format("<c r=\"{}\" s=\"{}\"><v>{}</v></c>", ref, style,
                                     cell.number.to_string());
                break;
            }
            case Cell::Kind::date:
                if (const long serial = date_serial(cell.text); serial >= 0) {
                    sheet += fmt::format("<c r=\"{}\" s=\"{}\"><v>{}</v></c>", ref,
                                         static_cast<int>(k_date), serial);
                    break;
                }
                [[fallthrough]];
            case Cell::Kind::text: {
                if (cell.text.empty()) {
                    break;
                }
                const int style =
                    cell.bold ? k_bold
                              : (csv::looks_like_formula(cell.text) ? k_text_guarded : k_plain);
                sheet += fmt::format("<c r=\"{}\" t=\"s\" s=\"{}\"><v>{}</v></c>", ref, style,
                                     intern(cell.text));
                break;
            }
            }
        }
        sheet += "</row>";
    }
    sheet += "</sheetData></worksheet>";

    std::string sst = fmt::format("{}<sst xmlns=\"{}\" count=\"{}\" uniqueCount=\"{}\">",
                                  k_xml_decl, k_main_ns, string_refs, strings.size());
    for (const std::string* s : strings) {
        sst += "<si><t xml:space=\"preserve\">" + xml_escape(*s) + "</t></si>";
    }
    sst += "</sst>";

    ZipWriter zip;
    zip.add("[Content_Types].xml", content_types());
    zip.add("_rels/.rels", root_rels());
    zip.add("xl/workbook.xml", workbook_xml(m_sheet_name));
    zip.add("xl/_rels/workbook.xml.rels", workbook_rels());
    zip.add("xl/styles.xml", styles_xml());
    zip.add("xl/sharedStrings.xml", sst);
    zip.add("xl/worksheets/sheet1.xml", sheet);
    return zip.finish();
}

} // namespace lexsync::xlsx
