#include <cstdint>
#include <doctest/doctest.h>
#include <lexsync/formats/xlsx.hpp>
#include <lexsync/util/decimal.hpp>
#include <map>
#include <string>

using namespace lexsync;

namespace {

std::uint32_t le32(const std::string& s, std::size_t at) {
    REQUIRE(at + 4 <= s.size());
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) {
        v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
    }
    return v;
}

std::uint16_t le16(const std::string& s, std::size_t at) {
    REQUIRE(at + 2 <= s.size());
    return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) |
                                      (static_cast<unsigned char>(s[at + 1]) << 8));
}

// An independent bit-by-bit CRC-32, to check the table-driven one.
std::uint32_t slow_crc(const std::string& data) {
    std::uint32_t crc = 0xFFFFFFFFU;
    for (char ch : data) {
        crc ^= static_cast<unsigned char>(ch);
        for (int k = 0; k < 8; ++k) {
            crc = (crc >> 1) ^ (0xEDB88320U & (0U - (crc & 1U)));
        }
    }
    return ~crc;
}

// Reads a stored zip through its central directory, checking every header and CRC on the way.
std::map<std::string, std::string> read_zip(const std::string& zip) {
    REQUIRE(zip.size() >= 22);
    const std::size_t eocd = zip.size() - 22;
    REQUIRE(le32(zip, eocd) == 0x06054b50U);
    const std::uint16_t count = le16(zip, eocd + 10);
    REQUIRE(le16(zip, eocd + 8) == count);
    const std::uint32_t cd_size = le32(zip, eocd + 12);
    const std::uint32_t cd_offset = le32(zip, eocd + 16);
    REQUIRE(cd_offset + cd_size == eocd);
    std::map<std::string, std::string> files;
    std::size_t p = cd_offset;
    for (int i = 0; i < count; ++i) {
        REQUIRE(le32(zip, p) == 0x02014b50U);
        CHECK(le16(zip, p + 10) == 0); // stored
        const std::uint32_t crc = le32(zip, p + 16);
        const std::uint32_t csize = le32(zip, p + 20);
        const std::uint32_t usize = le32(zip, p + 24);
        CHECK(csize == usize);
        const std::uint16_t name_len = le16(zip, p + 28);
        const std::uint16_t extra_len = le16(zip, p + 30);
        const std::uint16_t comment_len = le16(zip, p + 32);
        const std::uint32_t local = le32(zip, p + 42);
        const std::string name = zip.substr(p + 46, name_len);
        // The local header repeats what the central directory says.
        REQUIRE(le32(zip, local) == 0x04034b50U);
        CHECK(le32(zip, local + 14) == crc);
        CHECK(le32(zip, local + 18) == csize);
        CHECK(le32(zip, local + 22) == usize);
        REQUIRE(le16(zip, local + 26) == name_len);
        CHECK(zip.substr(local + 30, name_len) == name);
        const std::size_t data_at = local + 30 + name_len + le16(zip, local + 28);
        REQUIRE(data_at + usize <= cd_offset);
        const std::string data = zip.substr(data_at, usize);
        CHECK(slow_crc(data) == crc);
        files[name] = data;
        p += 46 + name_len + extra_len + comment_len;
    }
    CHECK(p == eocd);
    return files;
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

} // namespace

TEST_SUITE("lexsync::xlsx") {
    TEST_CASE("crc32 gives the standard check value and can continue") {
        CHECK(xlsx::crc32("123456789") == 0xCBF43926U);
        CHECK(xlsx::crc32("") == 0U);
        CHECK(xlsx::crc32("6789", xlsx::crc32("12345")) == 0xCBF43926U);
        const std::string bytes = std::string("\x00\xff\x10 binary\n", 10);
        CHECK(xlsx::crc32(bytes) == slow_crc(bytes));
    }

    TEST_CASE("a zip of stored entries can be read back entry by entry") {
        xlsx::ZipWriter zip;
        zip.add("a.txt", "hello");
        zip.add("dir/b.bin", std::string("\x00\x01\x02", 3));
        zip.add("empty", "");
        const auto files = read_zip(zip.finish());
        REQUIRE(files.size() == 3);
        CHECK(files.at("a.txt") == "hello");
        CHECK(files.at("dir/b.bin") == std::string("\x00\x01\x02", 3));
        CHECK(files.at("empty").empty());
        CHECK(read_zip(xlsx::ZipWriter().finish()).empty());
    }

    TEST_CASE("a workbook holds the parts a spreadsheet needs, with strings, numbers and dates") {
        xlsx::Workbook book("2024-03-01 to 2024-03-31");
        book.add_row({xlsx::Cell::str("voucherNumber", true), xlsx::Cell::str("voucherDate", true),
                      xlsx::Cell::str("totalGross", true), xlsx::Cell::str("customerName", true)});
        book.add_row({xlsx::Cell::str("RE0001"), xlsx::Cell::date("2024-03-05"),
                      xlsx::Cell::num(*Decimal::parse("-1234.5")),
                      xlsx::Cell::str("Müller & <Söhne>")});
        book.add_row({xlsx::Cell::str("RE0002"), xlsx::Cell::date("not a date"),
                      xlsx::Cell::blank(), xlsx::Cell::str("=HYPERLINK(\"http://x\")")});
        book.add_row({xlsx::Cell::str("RE0001")});
        const std::string bytes = book.bytes();
        CHECK(bytes == book.bytes()); // deterministic
        const auto files = read_zip(bytes);
        for (const char* part :
             {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
              "xl/styles.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"}) {
            CHECK_MESSAGE(files.count(part) == 1, part);
        }
        const std::string& sheet = files.at("xl/worksheets/sheet1.xml");
        const std::string& strings = files.at("xl/sharedStrings.xml");
        // Numbers are numbers with their exact text, dates are serials (2024-03-05 is 45356).
        CHECK(contains(sheet, "<c r=\"C2\" s=\"2\"><v>-1234.5</v></c>"));
        CHECK(contains(sheet, "<c r=\"B2\" s=\"4\"><v>45356</v></c>"));
        // Header cells are bold shared strings; an unparseable date stays text.
        CHECK(contains(sheet, "<c r=\"A1\" t=\"s\" s=\"1\"><v>0</v></c>"));
        CHECK(contains(strings, "<t xml:space=\"preserve\">not a date</t>"));
        // Strings are escaped and shared: "RE0001" is stored once for two cells.
        CHECK(contains(strings, "Müller &amp; &lt;Söhne&gt;"));
        CHECK(contains(strings, "count=\"10\" uniqueCount=\"9\""));
        // A cell that looks like a formula is text with the quote-prefix style, never a formula.
        CHECK_FALSE(contains(sheet, "<f>"));
        CHECK(contains(sheet, "<c r=\"D3\" t=\"s\" s=\"5\">"));
        CHECK(contains(files.at("xl/styles.xml"), "quotePrefix=\"1\""));
        CHECK(contains(files.at("xl/workbook.xml"), "<sheet name=\"2024-03-01 to 2024-03-31\""));
        CHECK(contains(sheet, "state=\"frozen\""));
        // The blank cell is left out.
        CHECK_FALSE(contains(sheet, "r=\"C3\""));
    }

    TEST_CASE("date serials follow the spreadsheet epoch") {
        CHECK(xlsx::date_serial("1900-03-01") == 61);
        CHECK(xlsx::date_serial("2024-02-29") == 45351);
        CHECK(xlsx::date_serial("2023-02-29") == -1);
        CHECK(xlsx::date_serial("2024-13-01") == -1);
        CHECK(xlsx::date_serial("24-01-01") == -1);
    }

    TEST_CASE("sheet names are made acceptable") {
        xlsx::Workbook book("a/b:c*d?[e]f\\ and a name much longer than thirty-one characters");
        const auto files = read_zip(book.bytes());
        CHECK(contains(files.at("xl/workbook.xml"),
                       "<sheet name=\"a_b_c_d__e_f_ and a name much l\""));
    }
}
