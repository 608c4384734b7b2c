#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/formats/table_input.hpp>
#include <sstream>
#include <unistd.h>
#include <vector>

using namespace lexsync;
using namespace lexsync::table;
namespace chr = std::chrono;

namespace {

std::string num(std::string_view s, NumberKind k = NumberKind::plain) {
    auto r = parse_number(s, k);
    return r ? r->to_string() : "error: " + r.error();
}

Date ymd(int y, unsigned m, unsigned d) {
    return Date{chr::year(y), chr::month(m), chr::day(d)};
}

} // namespace

TEST_SUITE("lexsync::table") {
    TEST_CASE("UTF-8 with and without byte order mark, Windows-1252 detected") {
        Encoding used = Encoding::detect;
        CHECK(*decode("\xEF\xBB\xBFStra\xC3\x9F"
                      "e",
                      Encoding::detect, &used) == "Stra\xC3\x9F"
                                                  "e");
        CHECK(used == Encoding::utf8);
        CHECK(*decode("Stra\xDF"
                      "e;1\x80",
                      Encoding::detect, &used) == "Stra\xC3\x9F"
                                                  "e;1\xE2\x82\xAC");
        CHECK(used == Encoding::windows_1252);
        // Forced UTF-8 names the line and column of the first bad byte.
        auto bad = decode("a;b\nK\xF6ln;x\n", Encoding::utf8);
        REQUIRE(!bad);
        CHECK(bad.error().line == 2);
        CHECK(bad.error().column == 2);
        CHECK(bad.error().message.find("--encoding windows-1252") != std::string::npos);
        // Forced Windows-1252 reads UTF-8 bytes as two characters (what the user asked for).
        CHECK(*decode("\xC3\xB6", Encoding::windows_1252) == "\xC3\x83\xC2\xB6");
        // Bytes Windows-1252 leaves undefined are named.
        auto undefined = decode("ab\x81", Encoding::detect);
        REQUIRE(!undefined);
        CHECK(undefined.error().column == 3);
    }

    TEST_CASE("Source: streamed in chunks, read again, the same text and errors as decode") {
        // Multi-byte characters across the 64 KiB chunk boundary, errors after it, a byte order
        // mark, a sequence cut off at the end.
        const std::string pad(64 * 1024 - 1, 'a');
        const std::vector<std::string> inputs = {
            "",
            "\xEF\xBB\xBFStra\xC3\x9F"
            "e\n",
            "Stra\xDF"
            "e;1\x80",
            "a;b\nK\xF6ln;x\n",
            "ab\x81",
            pad + "\xC3\xA4\n" + pad + "\xE2\x82\xAC;x\n",
            pad + "x\n\xC3(\n",
            pad + "\n\xE2\x82",
            "\xEF\xBB\xBF" + pad + "\x81",
        };
        for (const auto& bytes : inputs) {
            for (Encoding enc : {Encoding::detect, Encoding::utf8, Encoding::windows_1252}) {
                CAPTURE(bytes.size());
                CAPTURE(encoding_name(enc));
                Encoding used = Encoding::detect;
                auto want = decode(bytes, enc, &used);
                std::istringstream in(bytes);
                auto src = Source::open("-", enc, in);
                REQUIRE(src.has_value() == want.has_value());
                if (!want) {
                    CHECK(src.error().line == want.error().line);
                    CHECK(src.error().column == want.error().column);
                    CHECK(src.error().message == want.error().message);
                    continue;
                }
                CHECK((*src)->name() == "stdin");
                CHECK((*src)->encoding() == used);
                CHECK((*src)->read_all() == *want);
                CHECK((*src)->read_all() == *want); // again, from the start
                CHECK_FALSE((*src)->changed());
            }
        }
    }

    TEST_CASE("Source: a file, a directory, a missing file") {
        const auto dir = std::filesystem::temp_directory_path() /
                         ("lexsync-source-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        const auto file = dir / "k.csv";
        { std::ofstream(file, std::ios::binary) << "name\nK\xF6ln\n"; }
        std::istringstream none;
        auto src = Source::open(file.string(), Encoding::detect, none);
        REQUIRE(src.has_value());
        CHECK((*src)->name() == file.string());
        CHECK((*src)->encoding() == Encoding::windows_1252);
        CHECK((*src)->read_all() == "name\nK\xC3\xB6ln\n");
        { std::ofstream(file, std::ios::binary | std::ios::app) << "Bonn\n"; }
        CHECK((*src)->changed());
        auto is_dir = Source::open(dir.string(), Encoding::detect, none);
        REQUIRE_FALSE(is_dir.has_value());
        CHECK(is_dir.error().message == "is a directory, not a file");
        auto missing = Source::open((dir / "nope.csv").string(), Encoding::detect, none);
        REQUIRE_FALSE(missing.has_value());
        CHECK(missing.error().message.rfind("cannot open: ", 0) == 0);
        std::filesystem::remove_all(dir);
    }

    TEST_CASE("Windows-1252 round trip for write-back") {
        const std::string text = "K\xC3\xB6ln \xE2\x82\xAC \xE2\x80\x93 \xC3\x9F";
        auto enc = encode_windows_1252(text);
        REQUIRE(enc);
        CHECK(*enc == "K\xF6ln \x80 \x96 \xDF");
        CHECK(*decode(*enc, Encoding::windows_1252) == text);
        CHECK(!encode_windows_1252("\xE2\x82\xBF")); // ₿ has no Windows-1252 form
    }

    TEST_CASE("encoding names") {
        CHECK(parse_encoding("UTF-8") == Encoding::utf8);
        CHECK(parse_encoding("cp1252") == Encoding::windows_1252);
        CHECK(parse_encoding("latin1") == Encoding::windows_1252);
        CHECK(parse_encoding("auto") == Encoding::detect);
        CHECK(!parse_encoding("utf-16"));
    }

    TEST_CASE("stdin is read for -") {
        std::istringstream in("a,b\n1,2\n");
        auto t = load("-", Encoding::detect, in);
        REQUIRE(t);
        CHECK(t->name == "stdin");
        CHECK(t->from_stdin);
        CHECK(t->text == "a,b\n1,2\n");
        CHECK(!load("/nonexistent/file.csv", Encoding::detect, in));
    }

    TEST_CASE("German and ISO numbers") {
        CHECK(num("12") == "12");
        CHECK(num("-3.5") == "-3.5");
        CHECK(num("1234,56") == "1234.56");
        CHECK(num("1.234,56") == "1234.56");
        CHECK(num("1,234.56") == "1234.56");
        CHECK(num("1.234.567") == "1234567");
        CHECK(num("1.234.567,5") == "1234567.5");
        CHECK(num("0,125") == "0.125");
        CHECK(num("1234.567") == "1234.567");
        CHECK(num("18,5") == "18.5");
        CHECK(num(" 38.50 ") == "38.5");
    }

    TEST_CASE("ambiguous and malformed numbers are refused with the cell") {
        CHECK(num("1.234").find("ambiguous") != std::string::npos);
        CHECK(num("1.234").find("'1.234'") != std::string::npos);
        CHECK(num("12,500").find("ambiguous") != std::string::npos);
        CHECK(num("1.23.4").find("is not a number") != std::string::npos);
        CHECK(num("1,234,5").find("is not") != std::string::npos);
        CHECK(num("1.2,3.4").find("is not") != std::string::npos);
        CHECK(num("12abc").find("is not a number") != std::string::npos);
        CHECK(num("1e2").find("is not a number") != std::string::npos);
        CHECK(num("0.12345").find("at most 4 decimals") != std::string::npos);
        CHECK(num("12 \xE2\x82\xAC").find("is not a number") != std::string::npos);
    }

    TEST_CASE("amounts with the euro sign, percentages with %") {
        CHECK(num("1.234,56 \xE2\x82\xAC", NumberKind::amount) == "1234.56");
        CHECK(num("1.234,56\xE2\x82\xAC", NumberKind::amount) == "1234.56");
        CHECK(num("\xE2\x82\xAC 12,50", NumberKind::amount) == "12.5");
        CHECK(num("12,50 EUR", NumberKind::amount) == "12.5");
        CHECK(num("-1.234,56\xC2\xA0\xE2\x82\xAC", NumberKind::amount) == "-1234.56");
        CHECK(num("12 $", NumberKind::amount).find("is not an amount") != std::string::npos);
        CHECK(num("19 %", NumberKind::percent) == "19");
        CHECK(num("19%", NumberKind::percent) == "19");
        CHECK(num("7,5 %", NumberKind::percent) == "7.5");
        CHECK(num("19 %", NumberKind::amount).find("is not an amount") != std::string::npos);
    }

    TEST_CASE("JSON numbers are never ambiguous") {
        CHECK(json_number_text("1.234") == "1.2340");
        CHECK(num(json_number_text("1.234")) == "1.234");
        CHECK(json_number_text("12.5") == "12.5");
        CHECK(json_number_text("1000") == "1000");
    }

    TEST_CASE("column aliases and did-you-mean") {
        const std::vector<Column> cols = {{"number", {"Rechnungsnummer", "Invoice Number"}},
                                          {"date", {"Rechnungsdatum", "Invoice Date"}},
                                          {"customer_number", {"Kundennummer", "Kunden-Nr."}},
                                          {"tax_rate", {"Steuersatz", "USt-Satz"}}};
        CHECK(find_column("number", cols)->name == "number");
        CHECK(find_column("Rechnungsnummer", cols)->name == "number");
        CHECK(find_column("RECHNUNGSNUMMER", cols)->name == "number");
        CHECK(find_column("invoice_number", cols)->name == "number");
        CHECK(find_column("Kunden-Nr.", cols)->name == "customer_number");
        CHECK(find_column("USt-Satz (%)", cols)->name == "tax_rate");
        CHECK(find_column("Customer Number", cols)->name == "customer_number");
        CHECK(find_column("Betrag", cols) == nullptr);
        CHECK(did_you_mean("Rechnungsnumer", cols) == "number");
        CHECK(did_you_mean("Kundenummer", cols) == "customer_number");
        CHECK(did_you_mean("numbr", cols) == "number");
        CHECK(did_you_mean("Farbe", cols).empty());

        std::vector<HeaderIssue> issues;
        const auto names = map_header({"Rechnungsnummer", "Datum2026", "number", "Kundenummer"},
                                      cols, "lexsync-invoices-export", issues);
        CHECK(names == std::vector<std::string>{"number", "", "", ""});
        REQUIRE(issues.size() == 3);
        CHECK(issues[0].index == 1);
        CHECK(issues[1].message.find("twice") != std::string::npos);
        CHECK(issues[2].message.find("did you mean 'customer_number'") != std::string::npos);
    }

    TEST_CASE("periods") {
        const Date today = ymd(2026, 1, 15);
        auto p = resolve_period("", "", "2026-02", "", today);
        REQUIRE(p);
        CHECK(*p->from == ymd(2026, 2, 1));
        CHECK(*p->to == ymd(2026, 2, 28));
        p = resolve_period("", "", "", "last-month", today);
        CHECK(*p->from == ymd(2025, 12, 1));
        CHECK(*p->to == ymd(2025, 12, 31));
        p = resolve_period("", "", "", "last-quarter", today);
        CHECK(*p->from == ymd(2025, 10, 1));
        CHECK(*p->to == ymd(2025, 12, 31));
        p = resolve_period("", "", "", "this-year", today);
        CHECK(*p->to == ymd(2026, 12, 31));
        p = resolve_period("01.03.2026", "31.03.2026", "", "", today);
        CHECK(*p->from == ymd(2026, 3, 1));
        CHECK(*p->to == ymd(2026, 3, 31));
        CHECK(!resolve_period("2026-03-31", "2026-03-01", "", "", today));
        CHECK(!resolve_period("2026-03-01", "", "2026-03", "", today));
        CHECK(!resolve_period("", "", "2026-13", "", today));
        CHECK(!resolve_period("", "", "", "yesterday", today));
        CHECK(resolve_period("", "", "", "", today)->from == std::nullopt);
    }
}
