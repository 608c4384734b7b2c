#include <doctest/doctest.h>
#include <lexsync/records/invoice_spool.hpp>
#include <sstream>

namespace inv = lexsync::invoices;

namespace {

std::vector<std::string> texts(const inv::Invoice& i) {
    std::vector<std::string> out;
    for (const auto& is : i.issues) {
        out.push_back(is.to_string());
    }
    return out;
}

// The invoices of `text` (format `format`) as read into a spool, check_required() applied.
std::vector<inv::Invoice> through_spool(const std::string& text, const std::string& format,
                                        std::vector<inv::InputIssue>* file_issues = nullptr) {
    std::istringstream in(text);
    inv::ReadOptions opts;
    opts.format = format;
    opts.in = &in;
    inv::Spool spool;
    auto issues = inv::read_invoices("-", opts, spool);
    if (file_issues != nullptr) {
        *file_issues = issues;
    }
    std::vector<inv::Invoice> out;
    spool.for_each([&](inv::Invoice& i) {
        inv::check_required(i);
        out.push_back(i);
    });
    return out;
}

// The invoices of `text` read into memory.
std::vector<inv::Invoice> in_memory(const std::string& text, const std::string& format) {
    std::istringstream in(text);
    inv::ReadOptions opts;
    opts.format = format;
    opts.in = &in;
    return inv::read_invoices("-", opts).invoices;
}

void same(const std::vector<inv::Invoice>& a, const std::vector<inv::Invoice>& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
        CAPTURE(k);
        CHECK(inv::encode(a[k]) == inv::encode(b[k]));
        CHECK(texts(a[k]) == texts(b[k]));
    }
}

} // namespace

TEST_CASE("an invoice survives encode and decode") {
    const std::string csv =
        "number,kind,corrects,date,service_date,due_date,payment_terms,payment_discount,"
        "payment_discount_days,customer_number,name,street,zip,city,country,tax_type,status,pdf,"
        "remark,total_discount,item,quantity,unit,net_price,tax_rate,discount\n"
        "G-1,credit-note,RE-1,2026-03-02,2026-03-01,2026-03-20,,2,7,10001,Ä GmbH,Weg 1,10115,"
        "Berlin,de,net,open,a.pdf,\"two\nlines\",5,Arbeit,1.5,h,-60.1234,19,10\n"
        "G-1,,,,,,,,,,,,,,,,,,,,Fahrt,1,km,0.30,7,\n";
    auto read = in_memory(csv, "csv");
    REQUIRE(read.size() == 1);
    read[0].issue("title", "a problem of its own", 3);
    const inv::Invoice back = inv::decode(inv::encode(read[0]));
    CHECK(inv::encode(back) == inv::encode(read[0]));
    CHECK(back.number == "G-1");
    CHECK(back.kind == inv::Kind::credit_note);
    CHECK(back.customer.number == 10001);
    CHECK(back.remark == "two\nlines");
    REQUIRE(back.items.size() == 2);
    CHECK(back.items[0].net_price->to_string() == "-60.1234");
    CHECK(texts(back) == texts(read[0]));
}

TEST_CASE("a spool reads an invoice whose rows are apart as memory does, in the same order") {
    // G-1's rows are lines 2 and 5; its second row's date differs from its first; line 4 has no
    // number; G-3 has no date.
    const std::string csv = "number,date,customer_number,item,net_price,tax_rate\n"
                            "G-1,2026-03-02,10001,Arbeit,10,19\n"
                            "G-2,2026-03-03,10002,Arbeit,20,19\n"
                            ",2026-03-03,10002,Arbeit,20,19\n"
                            "G-1,2026-03-04,,Fahrt,1,7\n"
                            "G-3,,10003,Arbeit,5,19\n"
                            "G-2,,,Fahrt,2,7\n";
    std::vector<inv::InputIssue> file_issues;
    const auto spooled = through_spool(csv, "csv", &file_issues);
    CHECK(file_issues.empty());
    const auto memory = in_memory(csv, "csv");
    same(spooled, memory);
    REQUIRE(spooled.size() == 4);
    CHECK(spooled[0].number == "G-1");
    CHECK(spooled[0].items.size() == 2);
    CHECK(texts(spooled[0]) ==
          std::vector<std::string>{"stdin:5:2:date: '2026-03-04' differs from '2026-03-02' on line "
                                   "2 of the same invoice"});
    CHECK(spooled[1].number == "G-2");
    CHECK(spooled[2].line == 4);
    CHECK(spooled[3].number == "G-3");
}

TEST_CASE("a spool reads JSON invoices as memory does") {
    const std::string json =
        R"([{"number": "J-1", "date": "2026-03-02", "customer_number": 10001,
              "items": [{"item": "Arbeit", "net_price": 10, "tax_rate": 19}]},
             {"date": "2026-03-02", "items": [{"item": "x"}, {"item": "y"}]},
             {"number": "J-1", "date": "2026-03-05", "items": [{"item": "Fahrt"}]}])";
    same(through_spool(json, "json"), in_memory(json, "json"));
}
