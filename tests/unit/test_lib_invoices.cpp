#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/records/invoices.hpp>
#include <lexsync/util/json.hpp>
#include <sstream>
#include <unistd.h>

namespace inv = lexsync::invoices;
using lexsync::Decimal;
namespace chr = std::chrono;

namespace {

inv::Date day(int y, unsigned m, unsigned d) {
    return inv::Date{chr::year(y), chr::month(m), chr::day(d)};
}

Decimal dec(const char* s) {
    return *Decimal::parse(s);
}

lexsync::json::Document parse(const std::string& text) {
    auto doc = lexsync::json::parse(text);
    REQUIRE_MESSAGE(doc, text);
    return std::move(doc).value();
}

std::vector<std::string> issue_texts(const inv::Invoice& i) {
    std::vector<std::string> out;
    for (const auto& is : i.issues) {
        out.push_back(is.to_string());
    }
    return out;
}

// The first invoice of CSV `header` + `rows` (named in.csv), which must read without file issues.
inv::Invoice first_invoice(const std::string& header, const std::string& rows) {
    auto set = inv::read_invoices_csv(header + rows, "in.csv");
    REQUIRE(set.file_issues.empty());
    return set.invoices.at(0);
}

bool has_issue(const inv::Invoice& i, const std::string& text) {
    for (const auto& s : issue_texts(i)) {
        if (s.find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

constexpr const char* k_header = "number,kind,date,service_date,due_date,customer_number,name,"
                                 "country,tax_type,status,item,quantity,unit,"
                                 "net_price,gross_price,tax_rate,discount,total_gross\n";

} // namespace

TEST_SUITE("lexsync::invoices") {
    TEST_CASE("sales dates are local midnight in Berlin") {
        CHECK(inv::sales_datetime(day(2023, 2, 21)) == "2023-02-21T00:00:00.000+01:00");
        CHECK(inv::sales_datetime(day(2023, 6, 30)) == "2023-06-30T00:00:00.000+02:00");
    }

    TEST_CASE("CSV rows with the same number form one invoice") {
        const std::string csv =
            std::string(k_header) +
            "RE-1,,2026-03-02,,2026-03-16,10001,,,net,open,Reinigung,2,Stunden,40,,19,,\n"
            "RE-2,,2026-03-03,,,,Max Muster,DE,gross,paid,Fenster,1,Stück,,119,19,,119.00\n"
            "RE-1,,,,,,,,,,Material,1,Stück,10.5,,7,10,\n";
        auto set = inv::read_invoices_csv(csv, "in.csv");
        REQUIRE(set.file_issues.empty());
        REQUIRE(set.invoices.size() == 2);
        const auto& a = set.invoices[0];
        CHECK(a.number == "RE-1");
        CHECK(a.line == 2);
        REQUIRE(a.items.size() == 2);
        CHECK(a.items[1].line == 4);
        CHECK(a.customer.number == 10001);
        CHECK(a.term_days() == 14);
        CHECK(a.items[1].discount == dec("10"));
        CHECK(a.valid());
        const auto& b = set.invoices[1];
        CHECK(b.customer.is_one_time());
        CHECK(b.tax_type == inv::TaxType::gross);
        CHECK(b.status == inv::Status::paid);
    }

    TEST_CASE("invoice-level values that differ between rows are reported with both lines") {
        const std::string csv = std::string(k_header) +
                                "RE-1,,2026-03-02,,,10001,,,net,open,A,1,Stück,1,,19,,\n"
                                "RE-1,,2026-03-05,,,,,,,,B,1,Stück,1,,19,,\n";
        auto set = inv::read_invoices_csv(csv, "in.csv");
        REQUIRE(set.invoices.size() == 1);
        CHECK(has_issue(set.invoices[0],
                        "in.csv:3:3:date: '2026-03-05' differs from '2026-03-02' on line 2"));
    }

    TEST_CASE("unknown columns make the whole file unusable") {
        auto set = inv::read_invoices_csv("number,item,colour\nRE-1,A,red\n", "in.csv");
        REQUIRE(set.file_issues.size() == 1);
        CHECK(set.file_issues[0].to_string() ==
              "in.csv:1:3:colour: unknown column (see 'man lexsync-invoices-export')");
    }

    TEST_CASE("bad fields are reported as file:line:column:field: reason") {
        const std::string csv = std::string(k_header) +
                                "RE-1,bill,2026-02-30,,,abc,,,nett,due,A,x,Stück,1.23456,,19,,\n";
        auto set = inv::read_invoices_csv(csv, "in.csv");
        REQUIRE(set.invoices.size() == 1);
        const auto& i = set.invoices[0];
        CHECK(has_issue(i, "in.csv:2:2:kind: 'bill' is not invoice or credit-note"));
        CHECK(has_issue(i, "in.csv:2:3:date: '2026-02-30' is not a calendar date"));
        CHECK(has_issue(i, "in.csv:2:6:customer_number: 'abc' is not a customer number"));
        CHECK(has_issue(i, "in.csv:2:9:tax_type: 'nett' is not one of"));
        CHECK(has_issue(i, "in.csv:2:10:status: 'due' is not open, paid or draft"));
        CHECK(has_issue(i, "in.csv:2:12:quantity: 'x' is not a number"));
        CHECK(
            has_issue(i, "in.csv:2:14:net_price: '1.23456' is not an amount (at most 4 decimals)"));
    }

    TEST_CASE("tax rates must fit the tax type and the date") {
        auto make = [](const char* type, const char* rate, const char* date) {
            std::string csv = std::string(k_header) + "RE-1,," + date + ",,,10001,,," + type +
                              ",open,A,1,Stück,100,," + rate + ",,\n";
            if (std::string(type) == "gross") {
                csv = std::string(k_header) + "RE-1,," + date + ",,,10001,,," + type +
                      ",open,A,1,Stück,,100," + rate + ",,\n";
            }
            auto set = inv::read_invoices_csv(csv, "in.csv");
            REQUIRE(set.invoices.size() == 1);
            auto i = set.invoices[0];
            inv::validate(i);
            return i;
        };
        CHECK(make("net", "19", "2026-03-02").valid());
        CHECK(make("net", "7", "2026-03-02").valid());
        CHECK(make("gross", "0", "2026-03-02").valid());
        CHECK(has_issue(make("net", "16", "2026-03-02"),
                        "tax_rate: 16 % is not valid on 2026-03-02 (allowed: 0, 7 or 19)"));
        CHECK(make("net", "16", "2020-08-01").valid());
        CHECK(make("net", "5", "2020-12-31").valid());
        CHECK(has_issue(make("net", "19", "2020-07-01"), "allowed: 0, 5 or 16"));
        CHECK(make("net", "19", "2021-01-01").valid());
        CHECK(has_issue(make("intra-community-supply", "19", "2026-03-02"),
                        "19 % on a intraCommunitySupply invoice; tax-free types take 0"));
        CHECK(make("reverse-charge", "0", "2026-03-02").valid());
        CHECK(has_issue(make("small-business", "7", "2026-03-02"), "tax-free types take 0"));
    }

    TEST_CASE("the service date decides the tax rate of an invoice") {
        std::string csv = std::string(k_header) +
                          "RE-1,,2021-01-10,2020-12-15,,10001,,,net,open,A,1,Stück,100,,16,,\n";
        auto set = inv::read_invoices_csv(csv, "in.csv");
        auto i = set.invoices[0];
        inv::validate(i);
        CHECK(i.valid());
    }

    TEST_CASE("totals follow lexoffice: tax per rate on the group sum, rounded to 2 places") {
        // The reference's sample: 2 × 13.40 at 50 % + 8.32 + 5.00 net → 26.72 net, 3.13 tax, 29.85
        // gross.
        const std::string csv = std::string(k_header) +
                                "RE-1,,2026-03-02,,,10001,,,net,open,A,2,Stück,13.40,,19,50,29.85\n"
                                "RE-1,,,,,,,,,,B,1,Stück,8.32,,7,,\n"
                                "RE-1,,,,,,,,,,C,1,Stück,5.00,,0,,\n";
        auto set = inv::read_invoices_csv(csv, "in.csv");
        auto i = set.invoices[0];
        const auto t = inv::compute_totals(i);
        CHECK(t.net == dec("26.72"));
        CHECK(t.tax == dec("3.13"));
        CHECK(t.gross == dec("29.85"));
        REQUIRE(t.groups.size() == 3);
        CHECK(t.groups[2].rate == dec("19"));
        CHECK(t.groups[2].tax == dec("2.55"));
        inv::validate(i);
        CHECK(i.valid());

        // Per-line rounding would give 0.01 more: 3 × 0.105 net at 19 %.
        const std::string csv2 = std::string(k_header) +
                                 "RE-2,,2026-03-02,,,10001,,,net,open,A,1,Stück,10.03,,19,,\n"
                                 "RE-2,,,,,,,,,,B,1,Stück,10.03,,19,,\n";
        auto j = inv::read_invoices_csv(csv2, "in.csv").invoices[0];
        CHECK(inv::compute_totals(j).tax == dec("3.81")); // 20.06 × 0.19 = 3.8114
    }

    TEST_CASE("gross invoices derive the tax from the gross group sum") {
        const std::string csv = std::string(k_header) +
                                "RE-1,,2026-03-02,,,10001,,,gross,open,A,3,Stück,,15.95,19,,\n"
                                "RE-1,,,,,,,,,,B,1,Stück,,10.70,7,,\n";
        auto i = inv::read_invoices_csv(csv, "in.csv").invoices[0];
        const auto t = inv::compute_totals(i);
        // 47.85 gross at 19 %: tax 7.64; 10.70 at 7 %: tax 0.70.
        CHECK(t.gross == dec("58.55"));
        CHECK(t.tax == dec("8.34"));
        CHECK(t.net == dec("50.21"));
    }

    TEST_CASE("totals that do not add up are rejected") {
        const std::string csv = std::string(k_header) +
                                "RE-1,,2026-03-02,,,10001,,,net,open,A,1,Stück,100,,19,,119.01\n";
        auto i = inv::read_invoices_csv(csv, "in.csv").invoices[0];
        inv::validate(i);
        CHECK(has_issue(
            i, "in.csv:2:18:total_gross: 119.01 does not add up: the line items give 119.00"));
    }

    TEST_CASE("prices must match the tax type, and hour items take the hourly rate") {
        const std::string csv = std::string(k_header) +
                                "RE-1,,2026-03-02,,,10001,,,net,open,A,1,Stück,,119,19,,\n"
                                "RE-2,,2026-03-02,,,10001,,,net,open,Pflege,3,h,,,19,,\n";
        auto set = inv::read_invoices_csv(csv, "in.csv");
        auto a = set.invoices[0];
        inv::validate(a);
        CHECK(has_issue(a, "gross_price: tax_type net takes net_price"));
        auto b = set.invoices[1];
        auto c = b;
        inv::validate(b);
        CHECK(has_issue(b, "net_price: missing (or give --hourly-rate for hour items)"));
        inv::apply_hourly_rate(c, dec("42.50"));
        inv::validate(c);
        CHECK(c.valid());
        CHECK(inv::compute_totals(c).net == dec("127.50"));
    }

    TEST_CASE("one-time recipients need a name and a country, and tax-free special types need a "
              "contact") {
        const std::string csv =
            std::string(k_header) +
            "RE-1,,2026-03-02,,,,,,net,open,A,1,Stück,1,,19,,\n"
            "RE-2,,2026-03-02,,,,Firma X,AT,intra-community-supply,open,A,1,Stück,1,,0,,\n";
        auto set = inv::read_invoices_csv(csv, "in.csv");
        auto a = set.invoices[0];
        inv::validate(a);
        CHECK(has_issue(a, "name: missing"));
        auto b = set.invoices[1];
        inv::validate(b);
        CHECK(has_issue(b, "intraCommunitySupply needs a lexoffice contact"));
    }

    TEST_CASE("a one-time recipient's country is checked against the codes lexoffice accepts") {
        const std::string csv = std::string(k_header) +
                                "RE-1,,2026-03-02,,,,Firma X,UK,net,open,A,1,Stück,1,,19,,\n"
                                "RE-2,,2026-03-02,,,,Firma Y,XX,net,open,A,1,Stück,1,,19,,\n"
                                "RE-3,,2026-03-02,,,,Firma Z,at,net,open,A,1,Stück,1,,19,,\n";
        auto set = inv::read_invoices_csv(csv, "in.csv");
        REQUIRE(set.invoices.size() == 3);
        CHECK(has_issue(set.invoices[0], "'UK' is not a country code lexoffice knows; did you "
                                         "mean 'GB'?"));
        CHECK(has_issue(set.invoices[1], "'XX' is not a country code lexoffice knows"));
        inv::validate(set.invoices[2]);
        CHECK_FALSE(has_issue(set.invoices[2], "country"));
        CHECK(set.invoices[2].customer.country == "AT");
    }

    TEST_CASE("credit notes take no payment terms and no discount") {
        const std::string csv =
            std::string(k_header) +
            "GS-1,credit-note,2026-03-02,,2026-03-10,10001,,,net,open,A,1,Stück,1,,19,5,\n";
        auto i = inv::read_invoices_csv(csv, "in.csv").invoices[0];
        inv::validate(i);
        CHECK(has_issue(i, "due_date: credit notes have no payment terms"));
        CHECK(has_issue(i, "discount: credit notes take no line discount"));
    }

    TEST_CASE("the sales voucher body follows the API's model") {
        const std::string csv =
            std::string(k_header) +
            "RE-7,,2026-03-31,2026-03-01,2026-04-14,10001,,,net,open,Reinigung,2.5,Stunden,"
            "40,,19,10,\n";
        auto set = inv::read_invoices_csv(csv + "RE-7,,,,,,,,,,,,,,,,,\n", "in.csv");
        // The second row has no item: reported.
        CHECK(has_issue(set.invoices[0], "item: missing"));
        auto i = inv::read_invoices_csv(csv, "in.csv").invoices[0];
        i.service_end_date = day(2026, 3, 31);
        inv::SalesBodyOptions o;
        o.contact_id = "c0a80001-0000-4000-8000-000000000001";
        o.ref_line = "Ref. RE-7";
        auto body = parse(inv::sales_voucher_body(i, o));
        using lexsync::json::get_string;
        CHECK(get_string(body, "voucherDate") == "2026-03-31T00:00:00.000+02:00");
        CHECK(get_string(body, "address.contactId") == o.contact_id);
        CHECK(get_string(body, "taxConditions.taxType") == "net");
        CHECK(get_string(body, "shippingConditions.shippingType") == "serviceperiod");
        CHECK(get_string(body, "shippingConditions.shippingDate") ==
              "2026-03-01T00:00:00.000+01:00");
        CHECK(get_string(body, "shippingConditions.shippingEndDate") ==
              "2026-03-31T00:00:00.000+02:00");
        CHECK(lexsync::json::get_int(body, "paymentConditions.paymentTermDuration") == 14);
        CHECK(get_string(body, "remark") == "Ref. RE-7");
        CHECK(get_string(body, "totalPrice.currency") == "EUR");
        const auto& item = body["lineItems"][0];
        CHECK(get_string(item, "type") == "custom");
        CHECK(get_string(item, "unitName") == "Stunden");
        CHECK(lexsync::json::number_text(item["quantity"]) == "2.5");
        CHECK(lexsync::json::number_text(item["unitPrice"]["netAmount"]) == "40");
        CHECK(lexsync::json::number_text(item["unitPrice"]["taxRatePercentage"]) == "19");
        CHECK(lexsync::json::number_text(item["discountPercentage"]) == "10");
        CHECK_FALSE(item["unitPrice"].HasMember("grossAmount"));
    }

    TEST_CASE("credit notes and one-time recipients in the sales body") {
        const std::string csv =
            std::string(k_header) +
            "GS-1,credit-note,2026-01-05,,,,Erika Muster,DE,small-business,open,A,1,Stück,"
            "20,,,,\n";
        auto i = inv::read_invoices_csv(csv, "in.csv").invoices[0];
        i.customer.city = "Köln";
        inv::validate(i);
        CHECK(i.valid());
        inv::SalesBodyOptions o;
        o.corrects_text = "RE1001";
        auto body = parse(inv::sales_voucher_body(i, o));
        using lexsync::json::get_string;
        CHECK(get_string(body, "address.name") == "Erika Muster");
        CHECK(get_string(body, "address.city") == "Köln");
        CHECK(get_string(body, "address.countryCode") == "DE");
        CHECK(get_string(body, "taxConditions.taxType") == "vatfree");
        CHECK(get_string(body, "taxConditions.taxTypeNote")->find("§ 19 UStG") !=
              std::string::npos);
        CHECK(get_string(body, "introduction") == "Gutschrift zu Rechnung RE1001");
        CHECK_FALSE(body.HasMember("shippingConditions"));
        CHECK_FALSE(body.HasMember("paymentConditions"));
        CHECK_FALSE(body.HasMember("remark"));
    }

    TEST_CASE("the bookkeeping voucher groups items by tax rate") {
        const std::string csv =
            std::string(k_header) +
            "RE-9,,2026-07-31,2026-07-20,,10001,,,net,open,A,2,Stück,13.40,,19,,\n"
            "RE-9,,,,,,,,,,B,1,Stück,8.32,,7,,\n"
            "RE-9,,,,,,,,,,C,1,Stück,1.00,,19,,\n";
        auto i = inv::read_invoices_csv(csv, "in.csv").invoices[0];
        i.payment_terms = 10;
        inv::VoucherBodyOptions o;
        o.category_id = "8f8664a1-fd86-11e1-a21f-0800200c9a66";
        o.contact_name = "Laufkundschaft";
        auto body = parse(inv::bookkeeping_voucher_body(i, o));
        using lexsync::json::get_string;
        CHECK(get_string(body, "type") == "salesinvoice");
        CHECK(get_string(body, "voucherNumber") == "RE-9");
        CHECK(get_string(body, "voucherDate") == "2026-07-31");
        CHECK(get_string(body, "shippingDate") == "2026-07-20");
        CHECK(get_string(body, "dueDate") == "2026-08-10");
        CHECK(get_string(body, "taxType") == "net");
        CHECK(lexsync::json::get_bool(body, "useCollectiveContact") == true);
        CHECK(get_string(body, "contactName") == "Laufkundschaft");
        const auto& items = body["voucherItems"];
        REQUIRE(items.Size() == 2);
        CHECK(lexsync::json::number_text(items[0]["taxRatePercent"]) == "7");
        CHECK(lexsync::json::number_text(items[0]["amount"]) == "8.32");
        CHECK(lexsync::json::number_text(items[0]["taxAmount"]) == "0.58");
        CHECK(lexsync::json::number_text(items[1]["amount"]) == "27.8");
        CHECK(lexsync::json::number_text(items[1]["taxAmount"]) == "5.28");
        CHECK(get_string(items[1], "categoryId") == o.category_id);
        CHECK(lexsync::json::number_text(body["totalGrossAmount"]) == "41.98");
        CHECK(lexsync::json::number_text(body["totalTaxAmount"]) == "5.86");
    }

    TEST_CASE("JSON input uses the same names with an items array") {
        const std::string text = R"([
  {"number": "RE-1", "date": "2026-03-02", "customer_email": "a@b.example", "tax_type": "net",
   "items": [{"item": "A", "quantity": 2, "unit": "Stück", "net_price": 12.5, "tax_rate": 19},
             {"item": "B", "unit": "Stück", "net_price": "3,20", "tax_rate": 7}]},
  {"number": "RE-2", "date": "2026-03-03", "colour": "red", "items": []}
])";
        auto set = inv::read_invoices_json(text, "in.json");
        REQUIRE(set.file_issues.size() == 1);
        CHECK(set.file_issues[0].to_string() ==
              "in.json:5:colour: unknown field (see 'man lexsync-invoices-export')");
        const std::string good = R"([
  {"number": "RE-1", "date": "2026-03-02", "customer_email": "a@b.example", "tax_type": "net",
   "items": [{"item": "A", "quantity": 2, "unit": "Stück", "net_price": 12.5, "tax_rate": 19},
             {"item": "B", "unit": "Stück", "net_price": "3,20", "tax_rate": 7}]}
])";
        set = inv::read_invoices_json(good, "in.json");
        REQUIRE(set.file_issues.empty());
        REQUIRE(set.invoices.size() == 1);
        auto i = set.invoices[0];
        CHECK(i.line == 2);
        CHECK(i.items[1].net_price == dec("3.2"));
        inv::validate(i);
        CHECK(i.valid());
        CHECK(inv::compute_totals(i).gross == dec("33.17"));
    }

    TEST_CASE("the content hash ignores spelling but sees every change") {
        const std::string a =
            std::string(k_header) + "RE-1,,2026-03-02,,,10001,,,net,open,A,1,Stück,10.50,,19,,\n";
        const std::string b =
            std::string(k_header) + "RE-1,,2026-03-02,,,10001,,,net,open,A,1.0,Stück,10.5,,19,,\n";
        const std::string c =
            std::string(k_header) + "RE-1,,2026-03-02,,,10001,,,net,open,A,1,Stück,10.51,,19,,\n";
        const auto ha = inv::content_hash(inv::read_invoices_csv(a, "x").invoices[0]);
        CHECK(ha == inv::content_hash(inv::read_invoices_csv(b, "y").invoices[0]));
        CHECK(ha != inv::content_hash(inv::read_invoices_csv(c, "x").invoices[0]));
    }

    TEST_CASE("a total discount in percent comes off each tax group's sum before its tax") {
        const std::string header = "number,date,customer_number,tax_type,total_discount,item,"
                                   "quantity,unit,net_price,gross_price,tax_rate\n";
        auto read = [&](const std::string& rows) { return first_invoice(header, rows); };
        // 100 at 19 % and 50 at 7 %, 10 % off: 90 (tax 17.10) and 45 (tax 3.15).
        auto i = read("RE-1,2026-03-02,10001,net,10,A,1,Stück,100,,19\n"
                      "RE-1,,,,,B,1,Stück,50,,7\n");
        auto t = inv::compute_totals(i);
        CHECK(t.discount == dec("15"));
        CHECK(t.net == dec("135"));
        CHECK(t.tax == dec("20.25"));
        CHECK(t.gross == dec("155.25"));
        // 24.99 less 0.5 %: 0.12495 off is 0.12, rounded once (as the sandbox does).
        i = read("RE-2,2026-03-02,10001,net,\"0,5 %\",A,1,Stück,24.99,,19\n");
        t = inv::compute_totals(i);
        CHECK(t.discount == dec("0.12"));
        CHECK(t.net == dec("24.87"));
        CHECK(t.gross == dec("29.60"));
        // Gross: 119 less 10 % is 107.10 gross, of which 17.10 tax.
        i = read("RE-3,2026-03-02,10001,gross,10,A,1,Stück,,119,19\n");
        t = inv::compute_totals(i);
        CHECK(t.gross == dec("107.10"));
        CHECK(t.tax == dec("17.10"));
        CHECK(t.net == dec("90"));
        inv::validate(i);
        CHECK(i.valid());
        const auto body = parse(inv::sales_voucher_body(i, {}));
        CHECK(body["totalPrice"]["totalDiscountPercentage"].GetDouble() == 10);
        // Without a total discount the body has none.
        i = read("RE-4,2026-03-02,10001,net,,A,1,Stück,100,,19\n");
        CHECK(!parse(inv::sales_voucher_body(i, {}))["totalPrice"].HasMember(
            "totalDiscountPercentage"));
    }

    TEST_CASE("a total discount amount is split over the tax groups before their tax") {
        const std::string header = "number,kind,date,customer_number,tax_type,total_discount,"
                                   "total_discount_amount,item,quantity,unit,net_price,"
                                   "gross_price,tax_rate\n";
        auto read = [&](const std::string& rows) { return first_invoice(header, rows); };
        // 100 at 19 % and 50 at 7 %, 30.00 off: 20.00 and 10.00 in proportion.
        auto i = read("RE-1,,2026-03-02,10001,net,,30,A,1,Stück,100,,19\n"
                      "RE-1,,,,,,,B,1,Stück,50,,7\n");
        auto t = inv::compute_totals(i);
        CHECK(t.discount == dec("30"));
        REQUIRE(t.groups.size() == 2);
        CHECK(t.groups[0].net == dec("40"));
        CHECK(t.groups[0].tax == dec("2.80"));
        CHECK(t.groups[1].net == dec("80"));
        CHECK(t.groups[1].tax == dec("15.20"));
        CHECK(t.net == dec("120"));
        CHECK(t.tax == dec("18"));
        CHECK(t.gross == dec("138"));
        inv::validate(i);
        CHECK(i.valid());
        auto body = parse(inv::sales_voucher_body(i, {}));
        CHECK(body["totalPrice"]["totalDiscountAbsolute"].GetDouble() == 30);
        CHECK(!body["totalPrice"].HasMember("totalDiscountPercentage"));
        // Voucher mode books the discounted groups.
        inv::VoucherBodyOptions o;
        o.category_id = "cat";
        body = parse(inv::bookkeeping_voucher_body(i, o));
        CHECK(body["totalGrossAmount"].GetDouble() == doctest::Approx(138));
        CHECK(body["totalTaxAmount"].GetDouble() == doctest::Approx(18));
        REQUIRE(body["voucherItems"].Size() == 2);
        CHECK(body["voucherItems"][1]["amount"].GetDouble() == doctest::Approx(80));

        // Each share is rounded once, the lowest rate takes the rest (as the sandbox does):
        // 1.00 × 1.03 / 22.89 = 0.044998 is 0.04 at 19 %, 0.96 at 7 %.
        i = read("RE-2,,2026-03-02,10001,net,,1.00,A,1,Stück,1.03,,19\n"
                 "RE-2,,,,,,,B,1,Stück,21.86,,7\n");
        t = inv::compute_totals(i);
        CHECK(t.groups[1].net == dec("0.99"));
        CHECK(t.groups[0].net == dec("20.90"));
        CHECK(t.net == dec("21.89"));
        CHECK(t.tax == dec("1.65"));
        CHECK(t.gross == dec("23.54"));

        // Gross invoices: the amount comes off the gross sums.
        i = read("RE-3,,2026-03-02,10001,gross,,\"22,60 €\",A,1,Stück,,119,19\n"
                 "RE-3,,,,,,,B,1,Stück,,107,7\n");
        t = inv::compute_totals(i);
        CHECK(t.discount == dec("22.60"));
        CHECK(t.gross == dec("203.40"));
        CHECK(t.tax == dec("23.40"));
        CHECK(t.net == dec("180"));

        // Percent and amount together, a negative amount, more than the sum, credit notes.
        auto set = inv::read_invoices_csv(
            header + "RE-4,,2026-03-02,10001,net,10,5,A,1,Stück,100,,19\n" +
                "RE-5,,2026-03-02,10001,net,,-5,A,1,Stück,100,,19\n" +
                "RE-6,,2026-03-02,10001,net,,100.01,A,1,Stück,100,,19\n" +
                "GS-1,credit-note,2026-03-02,10001,net,,5,A,1,Stück,100,,19\n",
            "in.csv");
        REQUIRE(set.invoices.size() == 4);
        for (auto& x : set.invoices) {
            inv::validate(x);
        }
        CHECK(has_issue(set.invoices[0], "in.csv:2:7:total_discount_amount: give the total "
                                         "discount in percent (total_discount) or as an amount "
                                         "(total_discount_amount), not both"));
        CHECK(has_issue(set.invoices[1], "in.csv:3:7:total_discount_amount: must not be negative"));
        CHECK(has_issue(set.invoices[2], "in.csv:4:7:total_discount_amount: 100.01 is more than "
                                         "the line items' sum of 100.00 (net)"));
        CHECK(has_issue(set.invoices[3], "in.csv:5:7:total_discount_amount: credit notes take no "
                                         "total discount"));

        // The German column name, and JSON's key.
        const std::string de = "Rechnungsnummer;Rechnungsdatum;Kundennummer;Rabattbetrag;"
                               "Bezeichnung;Menge;Einheit;Einzelpreis netto;Steuersatz\n"
                               "RE-7;02.03.2026;10001;\"12,50 €\";A;1;Stück;100,00;19 %\n";
        const auto a = inv::read_invoices_csv(de, "de.csv");
        REQUIRE(a.file_issues.empty());
        CHECK(a.invoices[0].total_discount_amount == dec("12.5"));
        const auto j = inv::read_invoices_json(R"([{"number": "RE-7", "date": "2026-03-02",
  "customer_number": 10001, "total_discount_amount": 12.5,
  "items": [{"item": "A", "quantity": 1, "unit": "Stück", "net_price": 100, "tax_rate": 19}]}])",
                                               "in.json");
        REQUIRE(j.file_issues.empty());
        CHECK(inv::content_hash(a.invoices[0]) == inv::content_hash(j.invoices[0]));
        CHECK(inv::compute_totals(j.invoices[0]).net == dec("87.50"));
    }

    TEST_CASE("a payment discount (Skonto) becomes the payment conditions' discount") {
        const std::string header =
            "number,kind,date,customer_number,tax_type,payment_terms,payment_discount,"
            "payment_discount_days,total_discount,item,quantity,unit,net_price,tax_rate\n";
        auto i =
            inv::read_invoices_csv(
                header + "RE-1,invoice,2026-03-02,10001,net,30,2,10,,A,1,Stück,100,19\n", "in.csv")
                .invoices[0];
        inv::validate(i);
        REQUIRE(i.valid());
        const auto body = parse(inv::sales_voucher_body(i, {}));
        const auto& pc = body["paymentConditions"];
        CHECK(pc["paymentTermDuration"].GetInt() == 30);
        CHECK(pc["paymentDiscountConditions"]["discountPercentage"].GetDouble() == 2);
        CHECK(pc["paymentDiscountConditions"]["discountRange"].GetInt() == 10);
        CHECK(std::string(pc["paymentTermLabel"].GetString()) ==
              "Zahlbar innerhalb von 30 Tagen, innerhalb von 10 Tagen abzüglich 2 % Skonto");
        // The totals do not change: the discount is the customer's choice when paying.
        CHECK(inv::compute_totals(i).gross == dec("119"));

        // Ranges and combinations are checked locally, naming the cell.
        const std::string bad = header +
                                "RE-2,invoice,2026-03-02,10001,net,30,100,10,,A,1,Stück,100,19\n" +
                                "RE-3,invoice,2026-03-02,10001,net,30,2,31,,A,1,Stück,100,19\n" +
                                "RE-4,invoice,2026-03-02,10001,net,30,2,,,A,1,Stück,100,19\n" +
                                "RE-5,invoice,2026-03-02,10001,net,,2,10,,A,1,Stück,100,19\n" +
                                "RE-6,invoice,2026-03-02,10001,net,30,2,zehn,,A,1,Stück,100,19\n" +
                                "RE-7,invoice,2026-03-02,10001,net,30,,,100,A,1,Stück,100,19\n" +
                                "GS-1,credit-note,2026-03-02,10001,net,,,,5,A,1,Stück,100,19\n" +
                                "GS-2,credit-note,2026-03-02,10001,net,,2,10,,A,1,Stück,100,19\n";
        auto set = inv::read_invoices_csv(bad, "in.csv");
        REQUIRE(set.invoices.size() == 8);
        for (auto& x : set.invoices) {
            inv::validate(x);
        }
        CHECK(has_issue(set.invoices[0], "in.csv:2:7:payment_discount: must be more than 0 and "
                                         "less than 100 (percent)"));
        CHECK(has_issue(set.invoices[1], "in.csv:3:8:payment_discount_days: 31 days, longer than "
                                         "the payment term of 30 days"));
        CHECK(has_issue(set.invoices[2], "in.csv:4:8:payment_discount_days: missing"));
        CHECK(has_issue(set.invoices[3], "in.csv:5:7:payment_discount: needs a payment term"));
        CHECK(has_issue(set.invoices[4], "in.csv:6:8:payment_discount_days: 'zehn' is not a "
                                         "number of days"));
        CHECK(has_issue(set.invoices[5], "in.csv:7:9:total_discount: must be at least 0 and less "
                                         "than 100"));
        CHECK(has_issue(set.invoices[6], "in.csv:8:9:total_discount: credit notes take no total "
                                         "discount"));
        CHECK(has_issue(set.invoices[7], "in.csv:9:7:payment_discount: credit notes have no "
                                         "payment terms"));
    }

    TEST_CASE("discount columns have German names, and JSON takes the same keys") {
        const std::string de = "Rechnungsnummer;Rechnungsdatum;Kundennummer;Zahlungsziel;Skonto;"
                               "Skontofrist;Gesamtrabatt;Bezeichnung;Menge;Einheit;"
                               "Einzelpreis netto;Steuersatz\n"
                               "RE-1;02.03.2026;10001;30;2 %;10;\"5,5 %\";A;1;Stück;100,00;19 %\n";
        auto set = inv::read_invoices_csv(de, "de.csv");
        REQUIRE(set.file_issues.empty());
        auto a = set.invoices[0];
        CHECK(a.payment_discount == dec("2"));
        CHECK(a.payment_discount_days == 10);
        CHECK(a.total_discount == dec("5.5"));
        const std::string json = R"([{"number": "RE-1", "date": "2026-03-02",
  "customer_number": 10001, "payment_terms": 30, "payment_discount": 2,
  "payment_discount_days": 10, "total_discount": 5.5,
  "items": [{"item": "A", "quantity": 1, "unit": "Stück", "net_price": 100, "tax_rate": 19}]}])";
        auto j = inv::read_invoices_json(json, "in.json");
        REQUIRE(j.file_issues.empty());
        auto b = j.invoices[0];
        CHECK(inv::content_hash(a) == inv::content_hash(b));
        inv::validate(b);
        CHECK(b.valid());
        CHECK(inv::compute_totals(b).net == dec("94.50"));
        // The hash sees the new fields.
        b.total_discount.reset();
        CHECK(inv::content_hash(a) != inv::content_hash(b));
    }

    TEST_CASE("selection by date range and status") {
        auto i =
            inv::read_invoices_csv(std::string(k_header) +
                                       "RE-1,,2026-03-31,,,10001,,,net,draft,A,1,Stück,1,,19,,\n",
                                   "x")
                .invoices[0];
        const std::vector<inv::Status> open_paid{inv::Status::open, inv::Status::paid};
        CHECK_FALSE(inv::selected(i, day(2026, 3, 1), day(2026, 3, 31), open_paid));
        CHECK(inv::selected(i, day(2026, 3, 1), day(2026, 3, 31), {inv::Status::draft}));
        CHECK_FALSE(inv::selected(i, day(2026, 4, 1), std::nullopt, {inv::Status::draft}));
        CHECK(inv::selected(i, std::nullopt, day(2026, 3, 31), {}));
    }

    TEST_CASE("time entries become one invoice per customer with one item per project") {
        const std::string csv =
            "date,customer_number,name,country,project,subproject,description,hours,rate,billable\n"
            "2026-03-02,10001,,,Unterhaltsreinigung,Büro,Woche 10,3.5,,\n"
            "2026-03-09,10001,,,Unterhaltsreinigung,Lager,Woche 11,2,,\n"
            "2026-03-10,10001,,,Fenster,,,1.25,80,\n"
            "2026-03-11,,Laden Nord,DE,Unterhaltsreinigung,,,4,,\n"
            "2026-03-12,10001,,,Intern,,,5,,no\n"
            "2026-04-01,10001,,,Unterhaltsreinigung,,,9,,\n";
        auto t = inv::read_time_entries_csv(csv, "t.csv");
        REQUIRE(t.issues.empty());
        CHECK(t.entries.size() == 5);
        inv::GroupOptions g;
        g.from = day(2026, 3, 1);
        g.to = day(2026, 3, 31);
        g.hourly_rate = dec("45");
        auto invoices = inv::group_time_entries(t.entries, g);
        REQUIRE(invoices.size() == 2);
        const auto& a = invoices[0];
        CHECK(a.number == "T-2026-03-01_2026-03-31-10001");
        CHECK(lexsync::format_date(a.date) == "2026-03-31");
        REQUIRE(a.items.size() == 2);
        CHECK(a.items[0].name == "Unterhaltsreinigung");
        CHECK(a.items[0].quantity == dec("5.5"));
        CHECK(a.items[0].net_price == dec("45"));
        CHECK(a.items[1].net_price == dec("80"));
        auto copy = a;
        inv::validate(copy);
        CHECK(copy.valid());
        CHECK(invoices[1].customer.name == "Laden Nord");

        g.by_subproject = true;
        invoices = inv::group_time_entries(t.entries, g);
        REQUIRE(invoices[0].items.size() == 3);
        CHECK(invoices[0].items[0].name == "Unterhaltsreinigung – Büro");
    }

    TEST_CASE("time entries read from a file are grouped one at a time as in memory") {
        const std::string csv =
            "date,customer_number,name,country,project,description,hours,rate,tax_rate\n"
            "2026-03-02,10001,,,Unterhaltsreinigung,,3.5,,19\n"
            "2026-03-20,,Laden Nord,DE,Glas,,2,60,7\n"
            "2026-03-09,10001,,,Unterhaltsreinigung,,2,,19\n"
            "2026-03-05,10001,,,Unterhaltsreinigung,,1,,7\n";
        const auto path = std::filesystem::temp_directory_path() /
                          ("lexsync-time-" + std::to_string(::getpid()) + ".csv");
        std::ofstream(path, std::ios::binary) << csv;
        inv::GroupOptions g;
        g.hourly_rate = dec("45");
        inv::TimeGrouper grouper(g);
        long n = 0;
        const auto issues =
            inv::for_each_time_entry(path.string(), inv::ReadOptions{}, [&](inv::TimeEntry&& e) {
                ++n;
                grouper.add(e);
            });
        std::filesystem::remove(path);
        CHECK(issues.empty());
        CHECK(n == 4);
        const auto streamed = grouper.finish();
        const auto whole =
            inv::group_time_entries(inv::read_time_entries_csv(csv, "t.csv").entries, g);
        REQUIRE(streamed.size() == 2);
        REQUIRE(whole.size() == 2);
        for (std::size_t i = 0; i < 2; ++i) {
            CHECK(streamed[i].number == whole[i].number);
            CHECK(streamed[i].items.size() == whole[i].items.size());
            CHECK(streamed[i].issues.size() == whole[i].issues.size());
        }
        // The period comes from every entry: the first invoice's number names it.
        CHECK(streamed[0].number == "T-2026-03-02_2026-03-20-10001");
        CHECK(streamed[0].items[0].quantity == dec("6.5")); // 7 % and 19 % in one item
        CHECK(streamed[0].issues.size() == 1);              // 19 % and 7 % in one project
    }

    TEST_CASE("a German spreadsheet reads like its ISO twin") {
        const std::string iso =
            "number,date,customer_number,item,quantity,unit,net_price,tax_rate,discount,status\n"
            "RE-1,2026-03-31,10001,Reinigung,1.5,Stunden,1234.5,19,10,open\n"
            "RE-2,2026-03-01,10002,Glas,2,Stück,12.34,7,,paid\n";
        const std::string de =
            "Rechnungsnummer;Rechnungsdatum;Kundennummer;Bezeichnung;Menge;Einheit;"
            "Einzelpreis netto;USt-Satz;Rabatt;Zahlstatus\r\n"
            "RE-1;31.03.2026;10001;Reinigung;1,5;Stunden;1.234,50 €;19 %;10%;offen\r\n"
            "RE-2;1.3.2026;10002;Glas;2;Stück;12,34 EUR;7%;;bezahlt\r\n"
            ";;;;;;;;;\r\n"
            " ; ;;;;;;;;\r\n";
        auto a = inv::read_invoices_csv(iso, "iso.csv");
        auto b = inv::read_invoices_csv(de, "de.csv");
        REQUIRE(a.file_issues.empty());
        REQUIRE(b.file_issues.empty());
        REQUIRE(a.invoices.size() == 2);
        REQUIRE(b.invoices.size() == 2);
        for (std::size_t k = 0; k < 2; ++k) {
            CHECK(b.invoices[k].valid());
            CHECK(inv::content_hash(a.invoices[k]) == inv::content_hash(b.invoices[k]));
        }
        CHECK(b.invoices[0].items[0].net_price == dec("1234.5"));
        CHECK(b.invoices[1].status == inv::Status::paid);
    }

    TEST_CASE("issues name the column as the file does, one per cell") {
        const std::string de = "Rechnungsnummer;Rechnungsdatum;Bezeichnung;Einzelpreis netto;"
                               "USt-Satz\n"
                               "RE-1;31.02.2026;A;1.234;19\n";
        auto set = inv::read_invoices_csv(de, "de.csv");
        REQUIRE(set.invoices.size() == 1);
        auto i = set.invoices[0];
        inv::validate(i);
        CHECK(has_issue(i, "de.csv:2:2:Rechnungsdatum: '31.02.2026' is not a calendar date"));
        CHECK(has_issue(i, "de.csv:2:4:Einzelpreis netto: '1.234' is ambiguous"));
        // Neither the date nor the price is "missing" on top of that.
        CHECK(std::count_if(i.issues.begin(), i.issues.end(), [](const auto& is) {
                  return is.field == "Rechnungsdatum" || is.field == "Einzelpreis netto";
              }) == 2);
    }

    TEST_CASE("unknown columns get a suggestion; a suggested column is not also missing") {
        auto set = inv::read_invoices_csv("Rechnungsnumer;Artikel;Farbe\nRE-1;A;rot\n", "x.csv");
        REQUIRE(set.file_issues.size() == 2);
        CHECK(set.file_issues[0].to_string() ==
              "x.csv:1:1:Rechnungsnumer: unknown column; did you mean 'number'? (see 'man "
              "lexsync-invoices-export')");
        CHECK(set.file_issues[1].to_string() ==
              "x.csv:1:3:Farbe: unknown column (see 'man lexsync-invoices-export')");
    }

    TEST_CASE("Windows-1252 files and stdin") {
        const std::string path = (std::filesystem::temp_directory_path() /
                                  ("lexsync-cp1252-" + std::to_string(::getpid()) + ".csv"))
                                     .string();
        {
            std::ofstream f(path, std::ios::binary);
            f << "Rechnungsnummer;Rechnungsdatum;Kundennummer;Bezeichnung;Einzelpreis netto;"
                 "Steuersatz\r\nRE-1;02.03.2026;10001;Gr\xFCndreinigung;10,00 \x80;19 %\r\n";
        }
        auto set = inv::read_invoices(path, inv::ReadOptions{});
        REQUIRE(set.file_issues.empty());
        REQUIRE(set.invoices.size() == 1);
        CHECK(set.invoices[0].items[0].name == "Gründreinigung");
        CHECK(set.invoices[0].items[0].net_price == dec("10"));

        inv::ReadOptions utf8;
        utf8.encoding = lexsync::table::Encoding::utf8;
        auto forced = inv::read_invoices(path, utf8);
        REQUIRE(forced.file_issues.size() == 1);
        CHECK(forced.file_issues[0].to_string().find(path + ":2:25: not valid UTF-8") == 0);

        std::istringstream in(R"([{"number":"RE-9","date":"2026-03-02","customer_number":1,)"
                              R"("items":[{"item":"A","net_price":1.234,"tax_rate":19}]}])");
        inv::ReadOptions from_stdin;
        from_stdin.in = &in;
        auto js = inv::read_invoices("-", from_stdin);
        REQUIRE(js.file_issues.empty());
        REQUIRE(js.invoices.size() == 1);
        CHECK(js.invoices[0].file == "stdin");
        CHECK(js.invoices[0].items[0].net_price == dec("1.234"));
        std::filesystem::remove(path);
    }
}
