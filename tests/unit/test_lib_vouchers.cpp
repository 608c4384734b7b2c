#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/records/vouchers.hpp>
#include <unistd.h>

using namespace lexsync;
using namespace lexsync::vouchers;
namespace fs = std::filesystem;

namespace {

Decimal dec(const char* s) {
    return Decimal::parse(s).value();
}

PostingCategories categories() {
    return PostingCategories({
        {"8f8664a0-fd86-11e1-a21f-0800200c9a66", "Dienstleistung", "income", "Einnahmen", false,
         true},
        {"efa82f43-fd85-11e1-a21f-0800200c9a66", "Bürobedarf", "outgo", "Verwaltung", false, true},
        {"efa82f44-fd85-11e1-a21f-0800200c9a66", "Sonstiges", "outgo", "A", false, true},
        {"efa82f45-fd85-11e1-a21f-0800200c9a66", "Sonstiges", "outgo", "B", false, true},
    });
}

fs::path temp_file(const std::string& name, const std::string& text) {
    static int n = 0;
    const fs::path dir =
        fs::temp_directory_path() /
        ("lexsync-lib-vouchers-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(dir);
    std::ofstream(dir / name) << text;
    return dir / name;
}

} // namespace

TEST_SUITE("lexsync::vouchers") {
    TEST_CASE("tax is taken out of gross amounts and added to net amounts, rounded to cents") {
        CHECK(tax_of(dec("119"), dec("19"), TaxType::gross) == dec("19"));
        CHECK(tax_of(dec("10"), dec("19"), TaxType::gross) == dec("1.6"));
        CHECK(tax_of(dec("10.70"), dec("7"), TaxType::gross) == dec("0.7"));
        CHECK(tax_of(dec("33.33"), dec("19"), TaxType::net) == dec("6.33"));
        CHECK(tax_of(dec("50"), dec("0"), TaxType::gross) == Decimal{});
    }

    TEST_CASE("items are grouped by tax rate and the totals add up") {
        VoucherDraft d;
        d.tax_type = TaxType::gross;
        d.items =
            group_items({{dec("7"), dec("10.70")}, {dec("19"), dec("100")}, {dec("19"), dec("19")}},
                        TaxType::gross, "cat");
        REQUIRE(d.items.size() == 2);
        CHECK(d.items[0].tax_rate == dec("19"));
        CHECK(d.items[0].amount == dec("119"));
        CHECK(d.items[0].tax_amount == dec("19"));
        CHECK(d.total_gross() == dec("129.7"));
        CHECK(d.total_tax() == dec("19.7"));
        d.tax_type = TaxType::net;
        d.items = group_items({{dec("19"), dec("100")}}, TaxType::net, "cat");
        CHECK(d.total_gross() == dec("119"));
    }

    TEST_CASE("the voucher body carries exact amounts, taxRatePercent and status open") {
        VoucherDraft d;
        d.type = VoucherType::purchaseinvoice;
        d.voucher_number = "ER-1";
        d.voucher_date = "2026-03-02";
        d.items = group_items({{dec("19"), dec("0.10")}}, TaxType::gross, "c-1");
        d.remark = "a \"quoted\" remark";
        const std::string body = voucher_body(d);
        CHECK(body.find(R"("type":"purchaseinvoice")") != std::string::npos);
        CHECK(body.find(R"("voucherStatus":"open")") != std::string::npos);
        CHECK(body.find(R"("totalGrossAmount":0.1,"totalTaxAmount":0.02)") != std::string::npos);
        CHECK(body.find(R"("taxRatePercent":19,"categoryId":"c-1")") != std::string::npos);
        CHECK(body.find(R"("useCollectiveContact":true)") != std::string::npos);
        CHECK(body.find(R"(a \"quoted\" remark)") != std::string::npos);
        CHECK(json::parse(body).has_value());
    }

    TEST_CASE("an update keeps the files and the version and drops an open status") {
        auto current = json::parse(R"({"id":"v1","organizationId":"o","type":"purchaseinvoice",
            "voucherStatus":"open","voucherNumber":"ER-1",
            "voucherDate":"2026-03-02T00:00:00.000+01:00","totalGrossAmount":119.00,
            "totalTaxAmount":19.00,"taxType":"gross","useCollectiveContact":true,
            "voucherItems":[{"amount":119.00,"taxAmount":19.00,"taxRatePercent":19,
            "categoryId":"old"}],"files":["f1","f2"],"createdDate":"x","updatedDate":"y",
            "version":4})")
                           .value();
        VoucherChange change;
        change.category_id = "new";
        auto out = json::parse(update_body(current, change)).value();
        CHECK_FALSE(out.HasMember("voucherStatus"));
        CHECK_FALSE(out.HasMember("organizationId"));
        CHECK_FALSE(out.HasMember("createdDate"));
        CHECK(out["version"].GetInt() == 4);
        REQUIRE(out["files"].Size() == 2);
        CHECK(std::string(out["files"][1].GetString()) == "f2");
        CHECK(std::string(out["voucherDate"].GetString()) == "2026-03-02");
        CHECK(std::string(out["voucherItems"][0]["categoryId"].GetString()) == "new");
        CHECK(category_ids(out) == std::vector<std::string>{"new"});
    }

    TEST_CASE("completing an unchecked voucher moves it to open") {
        auto current = json::parse(R"({"id":"v1","type":"purchaseinvoice",
            "voucherStatus":"unchecked","taxType":"gross","files":["f1"],"version":1})")
                           .value();
        VoucherDraft d;
        d.voucher_number = "ER-9";
        d.voucher_date = "2026-01-31";
        d.items = group_items({{dec("19"), dec("59.50")}}, TaxType::gross, "c");
        VoucherChange change;
        change.data = &d;
        const std::string body = update_body(current, change);
        auto out = json::parse(body).value();
        CHECK(std::string(out["voucherStatus"].GetString()) == "open");
        CHECK(std::string(out["voucherNumber"].GetString()) == "ER-9");
        CHECK(body.find(R"("totalGrossAmount":59.5,"totalTaxAmount":9.5)") != std::string::npos);
        CHECK(out["files"].Size() == 1);
        // Partial data leaves it unchecked: no status in the body.
        VoucherDraft remark_only;
        remark_only.remark = "later";
        change.data = &remark_only;
        CHECK_FALSE(json::parse(update_body(current, change)).value().HasMember("voucherStatus"));
    }

    TEST_CASE("posting categories are found by id or name and must fit the voucher type") {
        const auto cats = categories();
        CHECK(cats.resolve("bürobedarf", VoucherType::purchaseinvoice).value()->id ==
              "efa82f43-fd85-11e1-a21f-0800200c9a66");
        CHECK(cats.resolve("8F8664A0-FD86-11E1-A21F-0800200C9A66", VoucherType::salesinvoice)
                  .value()
                  ->name == "Dienstleistung");
        auto wrong = cats.resolve("Dienstleistung", VoucherType::purchasecreditnote);
        REQUIRE_FALSE(wrong.has_value());
        CHECK(wrong.error().find("outgo") != std::string::npos);
        auto both = cats.resolve("Sonstiges", VoucherType::purchaseinvoice);
        REQUIRE_FALSE(both.has_value());
        CHECK(both.error().find("efa82f45") != std::string::npos);
        CHECK_FALSE(cats.resolve("Nope", VoucherType::purchaseinvoice).has_value());
    }

    TEST_CASE("bookkeeping fields are checked field by field") {
        VoucherFields f;
        f.amount = "12,5";
        VoucherInput in;
        auto issues = parse_fields(f, "data.csv", 3, in);
        std::vector<std::string> text;
        for (const auto& i : issues) {
            text.push_back(i.to_string());
        }
        auto has = [&](const std::string& s) {
            return std::find(text.begin(), text.end(), s) != text.end();
        };
        CHECK(has("data.csv:3:voucher_number: missing (mandatory with bookkeeping data)"));
        CHECK(has("data.csv:3:category: missing (mandatory with bookkeeping data)"));
        CHECK(has("data.csv:3:tax_rate: missing (mandatory with an amount)"));
        f = {};
        f.voucher_number = "A";
        f.category = "x";
        f.voucher_date = "2026-02-30";
        f.amount = "10.001";
        f.net = "5";
        f.tax_rate = "20";
        f.contact = "not-a-uuid";
        in = {};
        issues = parse_fields(f, "d", 2, in);
        text.clear();
        for (const auto& i : issues) {
            text.push_back(i.field);
        }
        for (const char* field : {"voucher_date", "net", "tax_rate", "amount", "contact"}) {
            CHECK_MESSAGE(std::find(text.begin(), text.end(), field) != text.end(), field);
        }
        f = {};
        f.voucher_number = "A";
        f.category = "x";
        f.voucher_date = "2026-02-28";
        f.net_by_rate = {{"19", "100"}, {"7", "1.234,50"}};
        in = {};
        CHECK(parse_fields(f, "d", 2, in).empty());
        CHECK(in.tax_type == TaxType::net);
        CHECK(in.amounts.size() == 2);
        CHECK(in.complete());
    }

    TEST_CASE("voucher and due dates are read in German form too and kept as yyyy-MM-dd") {
        VoucherFields f;
        f.voucher_number = "ER-1";
        f.category = "Porto";
        f.amount = "11,90";
        f.tax_rate = "19";
        f.voucher_date = "02.03.2026";
        f.due_date = " 1.4.2026 ";
        VoucherInput in;
        CHECK(parse_fields(f, "d", 2, in).empty());
        CHECK(in.voucher_date == "2026-03-02");
        CHECK(in.due_date == "2026-04-01");

        f.due_date = "28.02.2026";
        in = {};
        auto issues = parse_fields(f, "d", 2, in);
        REQUIRE(issues.size() == 1);
        CHECK(issues[0].to_string() == "d:2:due_date: before the voucher date");

        f.voucher_date = "31.02.2026";
        f.due_date = "03/04/2026";
        in = {};
        issues = parse_fields(f, "d", 2, in);
        REQUIRE(issues.size() == 2);
        CHECK(issues[0].to_string() == "d:2:voucher_date: '31.02.2026' is not a calendar date");
        CHECK(issues[1].to_string() == "d:2:due_date: '03/04/2026' is ambiguous (day/month or "
                                       "month/day?): write 2026-03-31 or 31.03.2026");
        CHECK(in.voucher_date.empty());
        CHECK(in.due_date.empty());
    }

    TEST_CASE("a CSV sidecar is read with every problem reported by line and column") {
        auto ok =
            temp_file("data.csv", "file,voucher_number,voucher_date,amount,tax_rate,category\n"
                                  "a.pdf,ER-1,2026-03-01,119.00,19,Bürobedarf\n"
                                  "b.pdf,ER-2,,,,Porto\n");
        auto rows = read_sidecar(ok);
        REQUIRE(rows.has_value());
        REQUIRE(rows->size() == 2);
        CHECK((*rows)[0].complete());
        CHECK_FALSE((*rows)[1].complete());
        CHECK((*rows)[1].line == 3);

        // A sidecar saved by Excel as Windows-1252 with separator-only rows reads the same.
        auto cp1252 = temp_file("data-1252.csv",
                                "file;voucher_number;voucher_date;amount;tax_rate;category\r\n"
                                "a.pdf;ER-1;2026-03-01;119.00;19;B\xFCrobedarf\r\n"
                                ";;;;;\r\n");
        auto rows_1252 = read_sidecar(cp1252);
        REQUIRE(rows_1252.has_value());
        REQUIRE(rows_1252->size() == 1);
        CHECK((*rows_1252)[0].category == (*rows)[0].category);

        auto bad = temp_file("bad.csv", "file,voucher_number,category,colour\na.pdf,1,x,red\n");
        auto r = read_sidecar(bad);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().front().to_string().find("bad.csv:1:colour: unknown column") !=
              std::string::npos);

        // A second row of a file adds an item to its voucher and must not contradict the first;
        // a voucher number is still one voucher's.
        auto dup =
            temp_file("dup.csv", "file,voucher_number,category,amount,tax_rate,voucher_date\n"
                                 "a.pdf,1,x,10,19,2026-03-01\na.pdf,2,y,5,7,\n"
                                 "c.pdf,1,x,1,19,2026-03-01\n");
        r = read_sidecar(dup);
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error().size() == 2);
        CHECK(r.error()[0].to_string().find(
                  "dup.csv:3:voucher_number: '2' differs from '1' on line 2 of the same voucher") !=
              std::string::npos);
        CHECK(r.error()[1].line == 4);
        CHECK(r.error()[1].field == "voucher_number");
    }

    TEST_CASE("sidecar rows of one file or voucher number make one voucher with an item per "
              "category and tax rate") {
        // A supermarket receipt: food at 7 % and drinks at 19 %, under two categories; the
        // third row names no file but the voucher number.
        auto p =
            temp_file("multi.csv", "file,voucher_number,voucher_date,amount,tax_rate,category\n"
                                   "r.pdf,ER-7,2026-03-05,21.40,7,Wareneingang\n"
                                   "r.pdf,,,11.90,19,Bewirtungskosten\n"
                                   ",ER-7,,5.35,7,Wareneingang\n"
                                   "s.pdf,ER-8,2026-03-06,119.00,19,Bürobedarf\n");
        auto rows = read_sidecar(p);
        REQUIRE_MESSAGE(rows.has_value(), rows.error().front().to_string());
        REQUIRE(rows->size() == 2);
        const VoucherInput& in = (*rows)[0];
        CHECK(in.voucher_number == "ER-7");
        CHECK(in.lines == std::vector<long>{2, 3, 4});
        REQUIRE(in.amounts.size() == 3);
        CHECK(in.amounts[1].category == "Bewirtungskosten");
        CHECK(in.amounts[1].line == 3);
        CHECK(in.other_categories() == std::vector<std::string>{"Bewirtungskosten"});
        const VoucherDraft d = in.draft(
            "cat-food", {{"Bewirtungskosten", "cat-drinks"}, {"Wareneingang", "cat-food"}});
        REQUIRE(d.items.size() == 2);
        CHECK(d.items[0].tax_rate == dec("19"));
        CHECK(d.items[0].category_id == "cat-drinks");
        CHECK(d.items[0].amount == dec("11.90"));
        CHECK(d.items[0].tax_amount == dec("1.90"));
        CHECK(d.items[1].tax_rate == dec("7"));
        CHECK(d.items[1].category_id == "cat-food");
        CHECK(d.items[1].amount == dec("26.75"));
        CHECK(d.items[1].tax_amount == dec("1.75"));
        CHECK(d.total_gross() == dec("38.65"));
        CHECK((*rows)[1].other_categories().empty());

        // Gross and net amounts in one voucher, and a further row without an amount, are refused.
        auto bad = temp_file("multi-bad.csv",
                             "file,voucher_number,voucher_date,amount,net,tax_rate,category\n"
                             "r.pdf,ER-7,2026-03-05,21.40,,7,Wareneingang\n"
                             "r.pdf,,,,10.00,19,Bewirtungskosten\n"
                             "r.pdf,,,,,,Porto\n");
        auto r = read_sidecar(bad);
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error().size() == 2);
        CHECK(r.error()[0].to_string().find("multi-bad.csv:3:net: gross and net amounts in one "
                                            "voucher") != std::string::npos);
        CHECK(r.error()[1].to_string().find("multi-bad.csv:4:amount: missing") !=
              std::string::npos);
    }

    TEST_CASE("a sidecar above its limit is refused before it is read") {
        auto p = temp_file("big.csv", "");
        fs::resize_file(p, k_max_sidecar_bytes + 1); // sparse: nothing is written
        auto r = read_sidecar(p);
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error().size() == 1);
        CHECK(r.error()[0].to_string() ==
              p.string() + ": is 16777217 bytes; a sidecar is read into memory and may have at "
                           "most 16777216 bytes (16 MiB, one row per receipt)");
    }

    TEST_CASE("a JSON sidecar takes amounts per tax rate and reports lines") {
        auto p = temp_file("data.json", R"([
  {"file": "a.pdf", "voucher_number": "ER-1", "voucher_date": "2026-03-01",
   "gross": {"19": 119.00, "7": "10.70"}, "category": "Bürobedarf"},
  {"file": "b.pdf", "voucher_number": "ER-2", "category": "Porto",
   "tax_rate": 99, "amount": 5, "voucher_date": "2026-01-02"}
])");
        auto r = read_sidecar(p);
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error().size() == 1);
        CHECK(r.error()[0].line == 4);
        CHECK(r.error()[0].field == "tax_rate");
    }

    TEST_CASE("the number index finds a voucher by number and type, also HTML-escaped") {
        NumberIndex index({{"id-1", "purchaseinvoice", "open", "ER-1 &amp; Co"},
                           {"id-2", "salesinvoice", "open", "ER-1 &amp; Co"},
                           {"id-3", "purchaseinvoice", "unchecked", ""}});
        CHECK(index.find("ER-1 & Co", VoucherType::purchaseinvoice) ==
              std::vector<std::string>{"id-1"});
        CHECK(index.find("ER-1 & Co", VoucherType::salesinvoice) ==
              std::vector<std::string>{"id-2"});
        CHECK(index.find("ER-1", VoucherType::purchaseinvoice).empty());
        index.add("ER-2", VoucherType::purchasecreditnote, "id-4");
        CHECK(index.find("ER-2", VoucherType::purchasecreditnote) ==
              std::vector<std::string>{"id-4"});
    }
}
