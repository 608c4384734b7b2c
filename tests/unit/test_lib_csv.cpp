#include <doctest/doctest.h>
#include <lexsync/formats/csv.hpp>
#include <sstream>
#include <string>
#include <vector>

using lexsync::csv::Reader;
using lexsync::csv::Record;

namespace {

// Reads every record of `text`; stops at the first error, which is returned as text.
struct ReadAll {
    std::vector<Record> records;
    std::string error;
};

ReadAll read_all(const std::string& text, std::optional<char> delim = std::nullopt) {
    Reader r(text, "in.csv", delim);
    ReadAll out;
    for (;;) {
        Record rec;
        auto more = r.next(rec);
        if (!more) {
            out.error = more.error().to_string();
            return out;
        }
        if (!*more) {
            return out;
        }
        out.records.push_back(rec);
    }
}

} // namespace

TEST_SUITE("lexsync::csv::Reader") {
    TEST_CASE("reads a header and records with LF or CRLF") {
        for (const std::string eol : {"\n", "\r\n"}) {
            Reader r("name,city" + eol + "Ada,London" + eol + "Bob,Berlin" + eol, "in.csv");
            CHECK(r.header() == std::vector<std::string>{"name", "city"});
            CHECK(r.column("city") == 1u);
            CHECK_FALSE(r.column("zip").has_value());
            Record rec;
            REQUIRE(r.next(rec).value());
            CHECK(rec.line == 2);
            CHECK(rec.fields == std::vector<std::string>{"Ada", "London"});
            REQUIRE(r.next(rec).value());
            CHECK(rec.line == 3);
            CHECK(rec.fields == std::vector<std::string>{"Bob", "Berlin"});
            CHECK_FALSE(r.next(rec).value());
        }
    }

    TEST_CASE("quoted fields keep delimiters, doubled quotes and empty values") {
        auto all = read_all("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\n");
        REQUIRE(all.error.empty());
        REQUIRE(all.records.size() == 1);
        CHECK(all.records[0].fields == std::vector<std::string>{"x, y", "say \"hi\"", ""});
    }

    TEST_CASE("embedded newlines are kept and later records have the right line numbers") {
        auto all = read_all(
            "name,street\r\n\"Ada\",\"Main St 1\r\nBack house\"\r\nBob,\"a\nb\nc\"\nCy,d\n");
        REQUIRE(all.error.empty());
        REQUIRE(all.records.size() == 3);
        CHECK(all.records[0].line == 2);
        CHECK(all.records[0].fields[1] == "Main St 1\nBack house");
        CHECK(all.records[1].line == 4);
        CHECK(all.records[1].fields[1] == "a\nb\nc");
        CHECK(all.records[2].line == 7);
    }

    TEST_CASE("a UTF-8 byte order mark is skipped") {
        Reader r("\xEF\xBB\xBFid;name\n1;Müller\n", "in.csv");
        CHECK(r.header() == std::vector<std::string>{"id", "name"});
        CHECK(r.column("id") == 0u);
        Record rec;
        REQUIRE(r.next(rec).value());
        CHECK(rec.fields[1] == "Müller");
    }

    TEST_CASE("the delimiter is detected from the header line") {
        CHECK(Reader("a;b;c\n", "x").delimiter() == ';');
        CHECK(Reader("a\tb\n", "x").delimiter() == '\t');
        CHECK(Reader("a,b\n", "x").delimiter() == ',');
        CHECK(Reader("single\n", "x").delimiter() == ',');
        // Delimiters inside quotes do not count.
        CHECK(Reader("\"a;b;c\",d\n", "x").delimiter() == ',');
        // German spreadsheet export: `;` with decimal commas in the data.
        auto all = read_all("betrag;name\n12,50;Ada\n");
        REQUIRE(all.error.empty());
        CHECK(all.records[0].fields == std::vector<std::string>{"12,50", "Ada"});
    }

    TEST_CASE("a given delimiter overrides detection") {
        auto all = read_all("a;b,c\n1;2,3\n", ',');
        REQUIRE(all.error.empty());
        CHECK(all.records[0].fields == std::vector<std::string>{"1;2", "3"});
    }

    TEST_CASE("invalid UTF-8 is reported with its line") {
        auto all = read_all("name\nAda\nM\xFCller\n");
        CHECK(all.records.size() == 1);
        CHECK(all.error == "in.csv:3: not valid UTF-8 (is it Latin-1? save it as UTF-8)");
        // Inside a multi-line quoted field, the physical line of the bad byte counts.
        all = read_all("a,b\n1,\"x\ny\nz\xE4\"\n");
        CHECK(all.error == "in.csv:4: not valid UTF-8 (is it Latin-1? save it as UTF-8)");
        // Overlong forms and a truncated sequence at the end are invalid too.
        CHECK(read_all("a\n\xC0\xAF\n").error ==
              "in.csv:2: not valid UTF-8 (is it Latin-1? save it as UTF-8)");
        CHECK(read_all("a\nx\xE2\x82").error ==
              "in.csv:2: not valid UTF-8 (is it Latin-1? save it as UTF-8)");
    }

    TEST_CASE("an unterminated quote is reported at the line where it opens") {
        auto all = read_all("a,b\n1,2\n3,\"open\n4,5\n");
        CHECK(all.records.size() == 1);
        CHECK(all.error.rfind("in.csv:3: unterminated quoted field", 0) == 0);
    }

    TEST_CASE("errors are sticky, except a wrong field count") {
        Reader r("a,b\n1\n2,3\n\"x\"y,1\n", "in.csv");
        Record rec;
        auto first = r.next(rec);
        REQUIRE_FALSE(first);
        CHECK(first.error().to_string() ==
              "in.csv:2: 1 fields, but the header has 2 (delimiter ',')");
        REQUIRE(r.next(rec).value());
        CHECK(rec.fields == std::vector<std::string>{"2", "3"});
        auto bad = r.next(rec);
        REQUIRE_FALSE(bad);
        CHECK(bad.error().line == 4);
        auto again = r.next(rec);
        REQUIRE_FALSE(again);
        CHECK(again.error().to_string() == bad.error().to_string());
    }

    TEST_CASE("empty lines are skipped and a missing final newline is fine") {
        auto all = read_all("a,b\n\n1,2\r\n\r\n3,4");
        REQUIRE(all.error.empty());
        REQUIRE(all.records.size() == 2);
        CHECK(all.records[0].line == 3);
        CHECK(all.records[1].line == 5);
        CHECK(all.records[1].fields == std::vector<std::string>{"3", "4"});
    }

    TEST_CASE("an empty input and a missing file are errors") {
        CHECK(read_all("").error == "in.csv:1: the file is empty (expected a header line)");
        Reader r(std::filesystem::path("/nonexistent/dir/x.csv"));
        Record rec;
        auto res = r.next(rec);
        REQUIRE_FALSE(res);
        CHECK(res.error().to_string().rfind("/nonexistent/dir/x.csv: cannot open", 0) == 0);
    }

    TEST_CASE("records are streamed from a large input") {
        std::string text = "n,v\n";
        for (int i = 0; i < 20000; ++i) {
            text += std::to_string(i) + ",\"line one\nline two, " + std::to_string(i) + "\"\n";
        }
        std::istringstream in(text);
        Reader r(in, "big.csv");
        Record rec;
        long n = 0;
        while (r.next(rec).value()) {
            REQUIRE(rec.fields[0] == std::to_string(n));
            REQUIRE(rec.line == 2 + 2 * n);
            ++n;
        }
        CHECK(n == 20000);
    }
}

TEST_SUITE("lexsync::csv::Writer") {
    TEST_CASE("cells are quoted only when needed") {
        std::ostringstream out;
        lexsync::csv::Writer w(out);
        w.write_row({"plain", "a,b", "say \"hi\"", "two\nlines", " lead", "trail ", ""});
        CHECK(out.str() ==
              "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" lead\",\"trail \",\n");
    }

    TEST_CASE("the delimiter and line ending are configurable") {
        std::ostringstream out;
        lexsync::csv::Writer w(out, ';', false, true);
        w.write_row(std::vector<std::string>{"12,50", "a;b"});
        CHECK(out.str() == "12,50;\"a;b\"\r\n");
    }

    TEST_CASE("spreadsheet-safe output neutralises formulas but not numbers") {
        std::ostringstream out;
        lexsync::csv::Writer w(out, ',', true);
        w.write_row(
            {"=SUM(A1:A2)", "+49 30 123", "-12.50", "-3", "+7,5", "@cmd", "\tx", "-", "a=b"});
        CHECK(out.str() == "'=SUM(A1:A2),'+49 30 123,-12.50,-3,\"+7,5\",'@cmd,'\tx,'-,a=b\n");
        std::ostringstream plain;
        lexsync::csv::Writer unsafe(plain);
        unsafe.write_row({"=1+1"});
        CHECK(plain.str() == "=1+1\n");
    }

    TEST_CASE("written rows read back unchanged") {
        const std::vector<std::string> row = {"x, y", "q\"uote", "multi\nline", " pad ", "=1"};
        std::ostringstream out;
        lexsync::csv::Writer w(out);
        w.write_row(std::vector<std::string>{"a", "b", "c", "d", "e"});
        w.write_row(row);
        auto all = read_all(out.str());
        REQUIRE(all.error.empty());
        REQUIRE(all.records.size() == 1);
        CHECK(all.records[0].fields == row);
    }
}
