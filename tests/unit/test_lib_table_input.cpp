#include <doctest/doctest.h>
#include <lexsync/table_input.hpp>
#include <sstream>

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

    TEST_CASE("German and ISO dates") {
        CHECK(*parse_date("2026-03-31") == ymd(2026, 3, 31));
        CHECK(*parse_date("31.03.2026") == ymd(2026, 3, 31));
        CHECK(*parse_date("1.3.2026") == ymd(2026, 3, 1));
        CHECK(parse_date("31.03.26").error().find("four-digit year") != std::string::npos);
        CHECK(parse_date("03/31/2026").error().find("ambiguous") != std::string::npos);
        CHECK(parse_date("31.02.2026").error().find("not a calendar date") != std::string::npos);
        CHECK(parse_date("2026-13-01").error().find("not a calendar date") != std::string::npos);
        CHECK(!parse_date("1969-12-31"));
        CHECK(!parse_date("März 2026"));
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
