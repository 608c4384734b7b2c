#include "cli/context.hpp"
#include "commands/commands.hpp"
#include "commands/invoices/shared/archive_contacts.hpp"
#include "commands/invoices/shared/archive_format.hpp"
#include "commands/invoices/shared/archive_index.hpp"
#include "commands/invoices/shared/archive_list.hpp"
#include "fake_transport.hpp"
#include "temp_dir.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/api/account.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/date.hpp>
#include <lexsync/util/json.hpp>
#include <map>
#include <memory>
#include <sstream>

namespace fs = std::filesystem;
using lexsync::http::Method;
using lexsync::testing::FakeTransport;
using namespace lexsync::commands::invoices::archive;

namespace {

constexpr const char* k_key = "test-key-2b7d0c51e9";
constexpr const char* k_all_types = "invoice,creditnote,downpaymentinvoice";

const std::string k_id1 = "11111111-1111-4111-8111-111111111111";
const std::string k_id2 = "22222222-2222-4222-8222-222222222222";
const std::string k_id3 = "33333333-3333-4333-8333-333333333333";
const std::string k_c1 = "c1c1c1c1-0000-4000-8000-000000000001";
const std::string k_c2 = "c2c2c2c2-0000-4000-8000-000000000002";

using lexsync::testing::Forward;

using lexsync::testing::TempDir;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string target(const std::string& path, const lexsync::Query& q) {
    std::string t = path;
    char sep = '?';
    for (const auto& [k, v] : q) {
        t += sep + k + "=" + lexsync::url_encode(v);
        sep = '&';
    }
    return t;
}

std::string list_target(const std::string& from, const std::string& to, int page = 0,
                        const std::string& types = k_all_types, const std::string& status = "any") {
    return target("/v1/voucherlist", {{"voucherType", types},
                                      {"voucherStatus", status},
                                      {"voucherDateFrom", from},
                                      {"voucherDateTo", to},
                                      {"sort", "voucherDate,ASC"},
                                      {"page", std::to_string(page)},
                                      {"size", "250"}});
}

struct Row {
    std::string id, type, status, number, date, updated, contact, total, open = "null";
};

// Three invoices of 2024-01-01..04 and the voucher-list query of those days.
const Row k_row1{k_id1, "invoice", "open", "RE1", "2024-01-01", "u", "", "1"};
const Row k_row2{k_id2, "invoice", "open", "RE2", "2024-01-03", "u", "", "2"};
const Row k_row3{k_id3, "invoice", "paid", "RE3", "2024-01-04", "u", "", "3"};
ListQuery invoices_2024_01_01_to_04() {
    ListQuery q;
    q.types = {"invoice"};
    q.from_day = lexsync::day_number(*lexsync::parse_iso_date("2024-01-01"));
    q.to_day = lexsync::day_number(*lexsync::parse_iso_date("2024-01-04"));
    return q;
}

std::string row_json(const Row& r) {
    return fmt::format(
        R"({{"id":"{}","voucherType":"{}","voucherStatus":"{}","voucherNumber":"{}",)"
        R"("voucherDate":"{}T00:00:00.000+01:00","createdDate":"2024-03-01T10:00:00.000+01:00",)"
        R"("updatedDate":"{}","dueDate":null,"contactId":{},"contactName":"List name",)"
        R"("totalAmount":{},"openAmount":{},"currency":"EUR","archived":false}})",
        r.id, r.type, r.status, r.number, r.date, r.updated,
        r.contact.empty() ? "null" : "\"" + r.contact + "\"", r.total, r.open);
}

std::string page_json(const std::vector<Row>& rows, long total = -1, bool last = true,
                      int number = 0) {
    std::string content;
    for (const auto& r : rows) {
        content += (content.empty() ? "" : ",") + row_json(r);
    }
    if (total < 0) {
        total = static_cast<long>(rows.size());
    }
    return fmt::format(
        R"({{"content":[{}],"first":{},"last":{},"totalPages":{},"totalElements":{},)"
        R"("numberOfElements":{},"size":250,"number":{}}})",
        content, number == 0, last, (total + 249) / 250, total, rows.size(), number);
}

// A sales voucher with two tax rates: 100.00 @19% and 10.00 @7%.
std::string voucher_json(const Row& r, const std::string& profile = "NONE") {
    return fmt::format(
        R"({{"id":"{}","organizationId":"o","version":2,"voucherStatus":"{}","voucherNumber":"{}",)"
        R"("voucherDate":"{}T00:00:00.000+01:00","dueDate":"2024-03-19T00:00:00.000+01:00",)"
        R"("address":{{"contactId":{},"name":"Address name"}},"electronicDocumentProfile":"{}",)"
        R"("taxConditions":{{"taxType":"net"}},"lineItems":[],)"
        R"("taxAmounts":[{{"taxRatePercentage":19,"taxAmount":19.0,"netAmount":100.00}},)"
        R"({{"taxRatePercentage":7,"taxAmount":0.7,"netAmount":10}}],)"
        R"("totalPrice":{{"currency":"EUR","totalNetAmount":110,"totalTaxAmount":19.7,"totalGrossAmount":129.7}}}})",
        r.id, r.status, r.number, r.date, r.contact.empty() ? "null" : "\"" + r.contact + "\"",
        profile);
}

std::string contact_json(const std::string& id, const std::string& name, long number,
                         const std::string& vat) {
    return fmt::format(R"({{"id":"{}","version":1,"roles":{{"customer":{{"number":{}}}}},)"
                       R"("company":{{"name":"{}","vatRegistrationId":"{}"}}}})",
                       id, number, name, vat);
}

const Row k_r1{k_id1, "invoice", "open",  "RE0001", "2024-03-05", "2024-03-05T10:00:00.000+01:00",
               k_c1,  "129.70",  "129.70"};
const Row k_r2{k_id2, "creditnote", "open", "GS0001", "2024-03-06", "2024-03-06T10:00:00.000+01:00",
               k_c2,  "129.70"};
const Row k_r3{k_id3, "invoice", "draft", "RE0002", "2024-03-07", "2024-03-07T10:00:00.000+01:00",
               "",    "129.70"};

// One command run with captured streams against a FakeTransport.
struct Harness {
    TempDir dir;
    FakeTransport fake;
    lexsync::FakeClock clock;

    fs::path out_dir() const { return dir.path / "archive"; }

    struct Outcome {
        int code = 0;
        std::string out;
        std::string err;
    };

    Outcome run(const std::string& args) {
        std::ostringstream out;
        std::ostringstream err;
        std::istringstream in;
        std::map<std::string, std::string> vars = {
            {"HOME", dir.path.string()},
            {"XDG_STATE_HOME", (dir.path / "state").string()},
            {"LEXSYNC_API_KEY", k_key},
        };
        lexsync::Context ctx(
            lexsync::IOStreams{out, err, in, false, false, false},
            [vars](const std::string& name) -> std::optional<std::string> {
                auto it = vars.find(name);
                return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
            },
            clock);
        ctx.transport_factory = [this](const lexsync::ClientConfig&) {
            return std::make_unique<Forward>(fake);
        };
        Outcome o;
        o.code = lexsync::run("--config " + (dir.path / "conf" / "config.toml").string() +
                                  " --base-url http://api.test -o json " + args,
                              ctx);
        o.out = out.str();
        o.err = err.str();
        CHECK(o.out.find(k_key) == std::string::npos);
        CHECK(o.err.find(k_key) == std::string::npos);
        return o;
    }

    std::string pull_args(const std::string& extra = "") const {
        return "invoices pull --from 2024-03-01 --to 2024-03-31 --payments --out " +
               out_dir().string() + " " + extra;
    }

    // The stubs of a first pull of k_r1 (XRechnung), k_r2 and k_r3 (draft); `payments`: with
    // --payments.
    void stub_first_pull(bool payments = true) {
        fake.add(Method::get, list_target("2024-03-01", "2024-03-31"), 200,
                 page_json({k_r1, k_r2, k_r3}));
        fake.add(
            Method::get, "/v1/contacts?page=0&size=250", 200,
            fmt::format(R"({{"content":[{},{}],"totalPages":1,"totalElements":2,"last":true}})",
                        contact_json(k_c1, "Glanzwerk GmbH", 10001, "DE123456789"),
                        contact_json(k_c2, "=cmd|' /C calc'!A0", 10002, "")));
        fake.add(Method::get, "/v1/invoices/" + k_id1, 200, voucher_json(k_r1, "XRechnung"));
        fake.add(Method::get, "/v1/invoices/" + k_id1 + "/file", 200, "%PDF-1.4 RE0001");
        fake.add(Method::get, "/v1/invoices/" + k_id1 + "/file", 200, "<Invoice>RE0001</Invoice>");
        if (payments) {
            fake.add(Method::get, "/v1/payments/" + k_id1, 200,
                     R"({"openAmount":"29.70","currency":"EUR"})");
        }
        fake.add(Method::get, "/v1/credit-notes/" + k_id2, 200, voucher_json(k_r2));
        fake.add(Method::get, "/v1/credit-notes/" + k_id2 + "/file", 200, "%PDF-1.4 GS0001");
        if (payments) {
            fake.add(Method::get, "/v1/payments/" + k_id2, 200,
                     R"({"openAmount":0,"currency":"EUR"})");
        }
        fake.add(Method::get, "/v1/invoices/" + k_id3, 200, voucher_json(k_r3));
    }
};

lexsync::json::Document parse(const std::string& text) {
    auto doc = lexsync::json::parse(text);
    REQUIRE_MESSAGE(doc, text);
    return std::move(doc).value();
}

std::string str(const lexsync::json::Value& v, const char* path) {
    return lexsync::json::get_string(v, path).value_or("<none>");
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (!l.empty() && l.back() == '\r') {
            l.pop_back();
        }
        out.push_back(l);
    }
    return out;
}

} // namespace

TEST_SUITE("lexsync invoices pull") {
    TEST_CASE("German and technical formatting of dates and amounts") {
        CHECK(lexsync::german_date("2024-03-05") == "05.03.2024");
        CHECK(lexsync::german_date("2024-02-30").empty());
        CHECK(lexsync::german_date("").empty());
        CHECK(german_amount(*lexsync::Decimal::parse("1234.5")) == "1234,50");
        CHECK(german_amount(*lexsync::Decimal::parse("-0.005")) == "-0,01");
        CHECK(german_amount(lexsync::Decimal()) == "0,00");
        CHECK(plain_amount(*lexsync::Decimal::parse("-1234.5")) == "-1234.50");
        CHECK(rate_label(*lexsync::Decimal::parse("5.5"), true) == "5,5");
        CHECK(rate_label(*lexsync::Decimal::parse("19"), false) == "19");
        CHECK(date_of("2023-05-14T00:00:00.000+02:00") == "2023-05-14");
        CHECK(date_of("2023-05-14").empty() == false);
        CHECK(date_of("14.05.2023").empty());
        CHECK(german_type("creditnote") == "Gutschrift");
        CHECK(german_status("voided") == "storniert");
        CHECK(german_status("future") == "future");
    }

    TEST_CASE("the voucher list is halved into date windows below the 10,000 cap") {
        FakeTransport fake;
        lexsync::ApiClient client("http://api.test", std::make_unique<Forward>(fake));
        const ListQuery q = invoices_2024_01_01_to_04();
        const Row a = k_row1, b = k_row2, c = k_row3;
        fake.add(Method::get, list_target("2024-01-01", "2024-01-04", 0, "invoice"), 200,
                 page_json({a}, 10000, false));
        fake.add(Method::get, list_target("2024-01-01", "2024-01-02", 0, "invoice"), 200,
                 page_json({a}));
        fake.add(Method::get, list_target("2024-01-03", "2024-01-04", 0, "invoice"), 200,
                 page_json({b}, 10000, false));
        fake.add(Method::get, list_target("2024-01-03", "2024-01-03", 0, "invoice"), 200,
                 page_json({b}));
        fake.add(Method::get, list_target("2024-01-04", "2024-01-04", 0, "invoice"), 200,
                 page_json({c}));
        auto out = list_vouchers(client, q);
        REQUIRE(out);
        CHECK(out->splits == 2);
        CHECK(out->queries == 5);
        REQUIRE(out->rows.size() == 3);
        CHECK(out->rows[0].number == "RE1");
        CHECK(out->rows[2].number == "RE3");
        CHECK(out->rows[2].total_amount == lexsync::Decimal::from_int(3));
        CHECK(out->capped_days.empty());
        fake.verify();
    }

    TEST_CASE("for_each_voucher hands the rows over page by page, keeps none, stops when told") {
        const ListQuery q = invoices_2024_01_01_to_04();
        const Row a = k_row1, b = k_row2, c = k_row3;
        auto pages = [&](FakeTransport& fake, bool second) {
            fake.add(Method::get, list_target("2024-01-01", "2024-01-04", 0, "invoice"), 200,
                     page_json({a, b, a}, 251, false));
            if (second) {
                fake.add(Method::get, list_target("2024-01-01", "2024-01-04", 1, "invoice"), 200,
                         page_json({b, c}, 251, true, 1));
            }
        };
        {
            FakeTransport fake;
            lexsync::ApiClient client("http://api.test", std::make_unique<Forward>(fake));
            pages(fake, true);
            std::vector<std::string> seen;
            auto out = for_each_voucher(client, q, [&](ListRow&& r) {
                seen.push_back(r.number);
                return true;
            });
            REQUIRE(out);
            // A row seen again while the window is paged (the list moved) is given once.
            CHECK(seen == std::vector<std::string>{"RE1", "RE2", "RE3"});
            CHECK(out->queries == 1);
            CHECK(out->capped_days.empty());
            fake.verify();
        }
        {
            FakeTransport fake; // strict: a second page would be an unexpected request
            lexsync::ApiClient client("http://api.test", std::make_unique<Forward>(fake));
            pages(fake, false);
            long calls = 0;
            auto out = for_each_voucher(client, q, [&](ListRow&&) { return ++calls < 2; });
            REQUIRE(out);
            CHECK(calls == 2);
            fake.verify();
        }
    }

    TEST_CASE("a single day beyond the cap cannot be split and is reported") {
        FakeTransport fake;
        lexsync::ApiClient client("http://api.test", std::make_unique<Forward>(fake));
        ListQuery q;
        q.types = {"invoice"};
        q.statuses = {"open"};
        q.from_day = q.to_day = lexsync::day_number(*lexsync::parse_iso_date("2024-01-01"));
        Row a{k_id1, "invoice", "open", "RE1", "2024-01-01", "u", "", "1"};
        fake.add(Method::get, list_target("2024-01-01", "2024-01-01", 0, "invoice", "open"), 200,
                 page_json({a}, 10000, true));
        auto out = list_vouchers(client, q);
        REQUIRE(out);
        CHECK(out->splits == 0);
        CHECK(out->rows.size() == 1);
        REQUIRE(out->capped_days.size() == 1);
        CHECK(out->capped_days[0] == "2024-01-01");
        fake.verify();
    }

    TEST_CASE("contacts come from single GETs or the list, whichever takes fewer requests") {
        const std::string c3 = "c3c3c3c3-0000-4000-8000-000000000003";
        SUBCASE("one contact: one GET") {
            FakeTransport fake;
            lexsync::ApiClient client("http://api.test", std::make_unique<Forward>(fake));
            fake.add(Method::get, "/v1/contacts/" + k_c1, 200,
                     contact_json(k_c1, "Glanzwerk GmbH", 10001, "DE1"));
            auto r = resolve_contacts(client, {k_c1, ""});
            REQUIRE(r);
            CHECK(r->at(k_c1).name == "Glanzwerk GmbH");
            CHECK(r->at(k_c1).number == "10001");
            CHECK(r->at(k_c1).vat_id == "DE1");
            fake.verify();
        }
        SUBCASE("many pages: the first page, then single GETs") {
            FakeTransport fake;
            lexsync::ApiClient client("http://api.test", std::make_unique<Forward>(fake));
            fake.add(Method::get, "/v1/contacts?page=0&size=250", 200,
                     fmt::format(R"({{"content":[{}],"totalPages":9,"totalElements":2100}})",
                                 contact_json(k_c1, "A", 1, "")));
            fake.add(Method::get, "/v1/contacts/" + k_c2, 200, contact_json(k_c2, "B", 2, ""));
            fake.add(Method::get, "/v1/contacts/" + c3, 404, R"({"message":"not found"})");
            std::vector<std::string> missing;
            auto r = resolve_contacts(client, {k_c1, k_c2, c3},
                                      [&](const std::string& id) { missing.push_back(id); });
            REQUIRE(r);
            CHECK(r->size() == 2);
            CHECK(missing == std::vector<std::string>{c3});
            fake.verify();
        }
        SUBCASE("few pages: the whole list") {
            FakeTransport fake;
            lexsync::ApiClient client("http://api.test", std::make_unique<Forward>(fake));
            fake.add(Method::get, "/v1/contacts?page=0&size=250", 200,
                     fmt::format(R"({{"content":[{}],"totalPages":2,"totalElements":300}})",
                                 contact_json(k_c1, "A", 1, "")));
            fake.add(Method::get, "/v1/contacts?page=1&size=250", 200,
                     fmt::format(R"({{"content":[{},{}],"totalPages":2,"totalElements":300}})",
                                 contact_json(k_c2, "B", 2, ""), contact_json(c3, "C", 3, "")));
            auto r = resolve_contacts(client, {k_c1, k_c2, c3});
            REQUIRE(r);
            CHECK(r->size() == 3);
            CHECK(r->at(c3).name == "C");
            fake.verify();
        }
        SUBCASE("a person's name is first and last name") {
            auto doc = parse(
                R"({"id":"x","roles":{"customer":{"number":10009}},"person":{"firstName":"Erika",)"
                R"("lastName":"Musterfrau"}})");
            CHECK(contact_info(doc).name == "Erika Musterfrau");
            CHECK(contact_info(doc).number == "10009");
        }
    }

    TEST_CASE(
        "without --payments the open amount is the voucher list's: data and PDF per voucher") {
        Harness h;
        h.stub_first_pull(false);
        const std::string args = "invoices pull --from 2024-03-01 --to 2024-03-31 --out " +
                                 h.out_dir().string() + " --format json";
        auto o = h.run(args);
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        for (const auto& r : h.fake.requests()) {
            CHECK(r.url.find("/v1/payments/") == std::string::npos);
        }
        // list, contacts, RE0001 (data, PDF, XML), GS0001 (data, PDF), the draft's data
        CHECK(h.fake.request_count() == 8);
        auto index = parse(slurp(h.out_dir() / "index.json"));
        REQUIRE(index["vouchers"].Size() == 3);
        CHECK(lexsync::json::get_decimal(index["vouchers"][0], "openAmount") ==
              lexsync::Decimal::parse("129.7"));
        CHECK(index["vouchers"][1]["openAmount"].IsNull()); // the list has none for it
        CHECK(index["vouchers"][2]["openAmount"].IsNull()); // draft
    }

    TEST_CASE("pull archives every voucher with its documents and writes the index") {
        Harness h;
        h.stub_first_pull();
        auto o = h.run(h.pull_args("--format csv,csv-de,json,xlsx"));
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        CHECK(h.fake.request_count() == 10);

        // Documents: PDF with Accept application/pdf, XML with application/xml, none for the draft.
        const auto requests = h.fake.requests();
        CHECK(requests[3].headers.get("accept") == std::string("application/pdf"));
        CHECK(requests[4].headers.get("accept") == std::string("application/xml"));
        CHECK(slurp(h.out_dir() / "RE0001.pdf") == "%PDF-1.4 RE0001");
        CHECK(slurp(h.out_dir() / "RE0001.xml") == "<Invoice>RE0001</Invoice>");
        CHECK(slurp(h.out_dir() / "GS0001.pdf") == "%PDF-1.4 GS0001");
        CHECK_FALSE(fs::exists(h.out_dir() / "RE0002.pdf"));
        CHECK(fs::exists(h.out_dir() / ".lexsync" / "vouchers" / (k_id1 + ".json")));

        // One record per voucher on stdout.
        auto records = parse(o.out);
        REQUIRE(records.Size() == 3);
        CHECK(str(records[0], "voucherNumber") == "RE0001");
        CHECK(str(records[0], "action") == "fetched");
        REQUIRE(records[0]["files"].Size() == 2);
        CHECK(std::string(records[0]["files"][0].GetString()) == "RE0001.pdf");
        CHECK(records[2]["files"].Size() == 0);
        CHECK(o.err.find("3 vouchers (3 fetched, 0 unchanged), 3 files written, 11 requests") !=
              std::string::npos);

        // index.json: per-voucher data and exact totals.
        auto index = parse(slurp(h.out_dir() / "index.json"));
        CHECK(str(index, "from") == "2024-03-01");
        REQUIRE(index["vouchers"].Size() == 3);
        const auto& v1 = index["vouchers"][0];
        CHECK(str(v1, "customerName") == "Glanzwerk GmbH");
        CHECK(str(v1, "customerNumber") == "10001");
        CHECK(str(v1, "vatId") == "DE123456789");
        CHECK(str(v1, "dueDate") == "2024-03-19");
        CHECK(lexsync::json::get_decimal(v1, "openAmount") == lexsync::Decimal::parse("29.7"));
        CHECK(lexsync::json::get_decimal(v1, "totalGrossAmount") ==
              lexsync::Decimal::parse("129.7"));
        CHECK(v1["files"][1]["sha256"].GetString() ==
              lexsync::sha256_hex("<Invoice>RE0001</Invoice>"));
        const auto& v3 = index["vouchers"][2];
        CHECK(str(v3, "customerName") == "Address name"); // no contact: the voucher's address
        CHECK(v3["openAmount"].IsNull());                 // draft: no payment information
        // The credit note counts negative: two invoices minus one credit note of 129.70 each.
        CHECK(lexsync::json::get_decimal(index, "totals.totalGrossAmount") ==
              lexsync::Decimal::parse("129.7"));
        CHECK(lexsync::json::get_decimal(index, "totals.totalTaxAmount") ==
              lexsync::Decimal::parse("19.7"));
        CHECK(lexsync::json::get_decimal(index, "totalsByType.invoice.totalGrossAmount") ==
              lexsync::Decimal::parse("259.4"));
        CHECK(lexsync::json::get_decimal(index, "totalsByType.creditnote.totalGrossAmount") ==
              lexsync::Decimal::parse("129.7"));
        CHECK(lexsync::json::get_decimal(index, "totals.openAmount") ==
              lexsync::Decimal::parse("29.7"));
        CHECK(slurp(h.out_dir() / "index.json").find("\"totalGrossAmount\": 259.4") !=
              std::string::npos);

        // index.csv: technical dialect, one column pair per rate.
        const auto csv = lines(slurp(h.out_dir() / "index.csv"));
        REQUIRE(csv.size() == 4);
        CHECK(csv[0].rfind("voucherNumber,voucherType,voucherDate,dueDate,customerName,"
                           "customerNumber,vatId,taxType,"
                           "net_19,tax_19,net_7,tax_7,totalNet,totalTax,totalGross,currency,status,"
                           "openAmount,",
                           0) == 0);
        CHECK(csv[1].rfind("RE0001,invoice,2024-03-05,2024-03-19,Glanzwerk "
                           "GmbH,10001,DE123456789,net,100.00,19.00,"
                           "10.00,0.70,110.00,19.70,129.70,EUR,open,29.70,RE0001.pdf,",
                           0) == 0);
        // Server data that looks like a formula is neutralised.
        CHECK(csv[2].find(",'=cmd|' /C calc'!A0,") != std::string::npos);

        // index-de.csv: BOM, semicolons, decimal comma, German dates and a totals row.
        const std::string de_text = slurp(h.out_dir() / "index-de.csv");
        CHECK(de_text.rfind("\xEF\xBB\xBF"
                            "Belegnummer;Belegart;Belegdatum;",
                            0) == 0);
        const auto de = lines(de_text);
        REQUIRE(de.size() == 7);
        CHECK(de[1].rfind("RE0001;Rechnung;05.03.2024;19.03.2024;Glanzwerk "
                          "GmbH;10001;DE123456789;Netto;100,00;19,00;"
                          "10,00;0,70;110,00;19,70;129,70;EUR;offen;29,70;",
                          0) == 0);
        CHECK(de[3].find(";Entwurf;") != std::string::npos);
        CHECK(de[4].rfind("Summe Rechnung;;;;;;;;200,00;38,00;20,00;1,40;220,00;39,40;259,40;EUR;;"
                          "29,70;",
                          0) == 0);
        CHECK(de[5].rfind("Summe Gutschrift;;;;;;;;100,00;19,00;10,00;0,70;110,00;19,70;129,70;",
                          0) == 0);
        // The period's revenue: credit notes subtracted.
        CHECK(de[6].rfind("Summe;;;;;;;;100,00;19,00;10,00;0,70;110,00;19,70;129,70;EUR;;29,70;",
                          0) == 0);

        // index.xlsx: a zip starting with a local file header.
        const std::string xlsx = slurp(h.out_dir() / "index.xlsx");
        CHECK(xlsx.rfind("PK\x03\x04", 0) == 0);

        // The ledger knows every archived voucher.
        lexsync::StateStore state(lexsync::ledger_file(
            h.dir.path / "state" / "lexsync" / "default",
            {lexsync::testing::k_fake_organization_id, "", "http://api.test"}));
        auto e = state.get("archive", k_id1);
        REQUIRE(e);
        CHECK(e->remote_number == "RE0001");
        CHECK(e->remote_version == 2);
        CHECK(state.count_done("archive") == 3);
    }

    TEST_CASE("a re-run reads only the account and the voucher list when nothing changed") {
        Harness h;
        h.stub_first_pull();
        REQUIRE(h.run(h.pull_args()).code == 0);
        const std::string index_before = slurp(h.out_dir() / "index.json");
        const auto count = h.fake.request_count();

        h.fake.add(Method::get, list_target("2024-03-01", "2024-03-31"), 200,
                   page_json({k_r1, k_r2, k_r3}));
        auto o = h.run(h.pull_args());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        CHECK(h.fake.request_count() == count + 1);
        auto records = parse(o.out);
        REQUIRE(records.Size() == 3);
        for (const auto& r : records.GetArray()) {
            CHECK(str(r, "action") == "unchanged");
        }
        CHECK(records[0]["files"].Size() == 2);
        CHECK(slurp(h.out_dir() / "index.json") == index_before);
        CHECK(o.err.find("(0 fetched, 3 unchanged), 0 files written, 2 requests") !=
              std::string::npos);

        // A deleted document makes its voucher be fetched again.
        fs::remove(h.out_dir() / "GS0001.pdf");
        h.fake.add(Method::get, list_target("2024-03-01", "2024-03-31"), 200,
                   page_json({k_r1, k_r2, k_r3}));
        h.fake.add(Method::get, "/v1/contacts/" + k_c2, 200,
                   contact_json(k_c2, "Kunde Zwei", 10002, ""));
        h.fake.add(Method::get, "/v1/credit-notes/" + k_id2, 200, voucher_json(k_r2));
        h.fake.add(Method::get, "/v1/credit-notes/" + k_id2 + "/file", 200, "%PDF-1.4 GS0001");
        h.fake.add(Method::get, "/v1/payments/" + k_id2, 200, R"({"openAmount":0})");
        o = h.run(h.pull_args());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        CHECK(slurp(h.out_dir() / "GS0001.pdf") == "%PDF-1.4 GS0001");
        CHECK(str(parse(o.out)[1], "action") == "fetched");
    }

    TEST_CASE("a changed document is written beside the old one with a warning") {
        Harness h;
        h.stub_first_pull();
        REQUIRE(h.run(h.pull_args()).code == 0);

        Row changed = k_r1;
        changed.updated = "2024-03-20T09:00:00.000+01:00";
        h.fake.add(Method::get, list_target("2024-03-01", "2024-03-31"), 200,
                   page_json({changed, k_r2, k_r3}));
        h.fake.add(Method::get, "/v1/contacts/" + k_c1, 200,
                   contact_json(k_c1, "Glanzwerk GmbH", 10001, "DE1"));
        h.fake.add(Method::get, "/v1/invoices/" + k_id1, 200, voucher_json(changed, "XRechnung"));
        h.fake.add(Method::get, "/v1/invoices/" + k_id1 + "/file", 200,
                   "%PDF-1.4 RE0001 corrected");
        h.fake.add(Method::get, "/v1/invoices/" + k_id1 + "/file", 200,
                   "<Invoice>RE0001</Invoice>");
        h.fake.add(Method::get, "/v1/payments/" + k_id1, 200, R"({"openAmount":129.70})");
        auto o = h.run(h.pull_args());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        CHECK(slurp(h.out_dir() / "RE0001.pdf") == "%PDF-1.4 RE0001");
        CHECK(slurp(h.out_dir() / "RE0001_2.pdf") == "%PDF-1.4 RE0001 corrected");
        CHECK_FALSE(fs::exists(h.out_dir() / "RE0001_2.xml")); // identical: reused
        CHECK(o.err.find("warning: RE0001: the PDF lexoffice sends now differs from RE0001.pdf; "
                         "kept it and wrote "
                         "RE0001_2.pdf") != std::string::npos);
        auto records = parse(o.out);
        CHECK(str(records[0], "action") == "fetched");
        CHECK(std::string(records[0]["files"][0].GetString()) == "RE0001_2.pdf");
        CHECK(str(records[0], "detail") ==
              "RE0001.pdf differs from lexoffice's; new version RE0001_2.pdf");
        CHECK(str(records[1], "action") == "unchanged");
        auto index = parse(slurp(h.out_dir() / "index.json"));
        CHECK(str(index["vouchers"][0]["files"][0], "name") == "RE0001_2.pdf");
        CHECK(str(index["vouchers"][0], "vatId") == "DE1");
        CHECK(o.err.find("1 file written") != std::string::npos);

        // Another run with the same state changes nothing more.
        h.fake.add(Method::get, list_target("2024-03-01", "2024-03-31"), 200,
                   page_json({changed, k_r2, k_r3}));
        o = h.run(h.pull_args());
        REQUIRE(o.code == 0);
        h.fake.verify();
        CHECK(o.err.find("3 unchanged") != std::string::npos);
    }

    TEST_CASE("missing payment information is no error, a voucher that cannot be read is a partial "
              "failure") {
        Harness h;
        Row r1 = k_r1;
        r1.contact.clear();
        Row r2 = k_r2;
        r2.contact.clear();
        h.fake.add(Method::get,
                   list_target("2024-03-01", "2024-03-31", 0, "invoice,creditnote", "open"), 200,
                   page_json({r1, r2}));
        h.fake.add(Method::get, "/v1/invoices/" + k_id1, 200, voucher_json(r1));
        h.fake.add(Method::get, "/v1/invoices/" + k_id1 + "/file", 200, "%PDF RE0001");
        h.fake.add(Method::get, "/v1/payments/" + k_id1, 406,
                   R"({"message":"No payment information for this voucher/voucher type"})");
        h.fake.add(Method::get, "/v1/credit-notes/" + k_id2, 404, R"({"message":"not found"})");
        auto o = h.run(h.pull_args("--type invoice,creditnote --status open"));
        CHECK(o.code == 4);
        h.fake.verify();
        auto records = parse(o.out);
        REQUIRE(records.Size() == 2);
        CHECK(str(records[0], "action") == "fetched");
        CHECK(str(records[1], "action") == "failed");
        CHECK(str(records[1], "detail").find("404") != std::string::npos);
        CHECK(o.err.find("1 of 2 vouchers could not be archived") != std::string::npos);
        // The index still lists both: the failed one from the voucher list.
        auto index = parse(slurp(h.out_dir() / "index.json"));
        REQUIRE(index["vouchers"].Size() == 2);
        CHECK(index["vouchers"][0]["openAmount"].IsNull());
        CHECK(str(index["vouchers"][1], "customerName") == "List name");
        // An invoice and a credit note of the same amount: no revenue.
        CHECK(lexsync::json::get_decimal(index, "totals.totalGrossAmount") ==
              lexsync::Decimal::parse("0"));
        CHECK_FALSE(fs::exists(h.out_dir() / ".lexsync" / "vouchers" / (k_id2 + ".json")));
    }

    TEST_CASE("a voucher number is passed to the voucher list and checked again locally") {
        Harness h;
        lexsync::Query q = {{"voucherType", k_all_types},
                            {"voucherStatus", "any"},
                            {"voucherDateFrom", "2024-03-01"},
                            {"voucherDateTo", "2024-03-31"},
                            {"voucherNumber", "RE0002"},
                            {"sort", "voucherDate,ASC"},
                            {"page", "0"},
                            {"size", "250"}};
        h.fake.add(Method::get, target("/v1/voucherlist", q), 200, page_json({k_r1, k_r3}));
        h.fake.add(Method::get, "/v1/invoices/" + k_id3, 200, voucher_json(k_r3));
        auto o = h.run(h.pull_args("--number RE0002 --format json"));
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        auto records = parse(o.out);
        REQUIRE(records.Size() == 1);
        CHECK(str(records[0], "voucherNumber") == "RE0002");
        CHECK_FALSE(fs::exists(h.out_dir() / "index.csv"));
        CHECK(fs::exists(h.out_dir() / "index.json"));
    }

    TEST_CASE("voucher numbers that try to leave the directory are made safe") {
        Harness h;
        Row evil = k_r1;
        evil.number = "../../outside";
        evil.contact.clear();
        h.fake.add(Method::get, list_target("2024-03-01", "2024-03-31"), 200, page_json({evil}));
        h.fake.add(Method::get, "/v1/invoices/" + k_id1, 200, voucher_json(evil));
        h.fake.add(Method::get, "/v1/invoices/" + k_id1 + "/file", 200, "%PDF evil");
        h.fake.add(Method::get, "/v1/payments/" + k_id1, 200, R"({"openAmount":1})");
        auto o = h.run(h.pull_args());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        CHECK(slurp(h.out_dir() / "_._outside.pdf") == "%PDF evil");
        CHECK_FALSE(fs::exists(h.dir.path / "outside.pdf"));
        CHECK_FALSE(fs::exists(h.out_dir().parent_path().parent_path() / "outside.pdf"));
    }

    TEST_CASE("--from/--to take the dates and give the messages of invoices export's") {
        // German dates, as invoices export takes them.
        Harness h;
        h.stub_first_pull(false);
        auto o =
            h.run("invoices pull --from 01.03.2024 --to 31.3.2024 --out " + h.out_dir().string());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        CHECK(fs::exists(h.out_dir() / "index.csv"));
        // A bad date: the same message from both commands, before any request.
        for (const char* bad : {"31.02.2024", "03/31/2024", "31.03.24", "2024-3-1", "März"}) {
            Harness p;
            const auto pulled =
                p.run(fmt::format("invoices pull --from {} --to 2024-03-31 --out x", bad));
            Harness e;
            const fs::path csv = e.dir.path / "in.csv";
            std::ofstream(csv) << "number,date,customer_number,item,quantity,unit,net_price,"
                                  "tax_rate\n";
            const auto exported = e.run(
                fmt::format("invoices export {} --from {} --to 2024-03-31", csv.string(), bad));
            INFO(bad << "\npull: " << pulled.err << "\nexport: " << exported.err);
            CHECK(pulled.code == 2);
            CHECK(exported.code == 2);
            CHECK(pulled.err.find(fmt::format("--from '{}'", bad)) != std::string::npos);
            CHECK(pulled.err == exported.err);
            CHECK(p.fake.request_count() == 0);
        }
    }

    TEST_CASE("bad options exit 2 before any request") {
        for (const char* args : {
                 "invoices pull --from 2024-03-01 --to 2024-02-01 --out x",
                 "invoices pull --from 2024-02-30 --to 2024-03-01 --out x",
                 "invoices pull --from 2024-03-01 --to 2024-03-31 --out x --type quotation",
                 "invoices pull --from 2024-03-01 --to 2024-03-31 --out x --status any,open",
                 "invoices pull --from 2024-03-01 --to 2024-03-31 --out x --status overdue,paid",
                 "invoices pull --from 2024-03-01 --to 2024-03-31 --out x --status bogus",
                 "invoices pull --from 2024-03-01 --to 2024-03-31 --out x --format pdf",
                 "invoices pull --from 2024-03-01 --to 2024-03-31",
                 "invoices pull --to 2024-03-31 --out x",
             }) {
            Harness h;
            auto o = h.run(args);
            INFO(args << "\n" << o.err);
            CHECK(o.code == 2);
            CHECK(h.fake.request_count() == 0);
        }
        Harness h;
        auto o = h.run("invoices pull --help");
        CHECK(o.code == 0);
        CHECK(o.out.find("Examples:") != std::string::npos);
        CHECK(o.out.find("--refetch") != std::string::npos);
    }

    TEST_CASE("index rows and totals are exact decimals") {
        ArchivedVoucher v;
        v.id = "x";
        v.number = "RE9";
        v.type = "invoice";
        v.status = "paid";
        v.open_amount = lexsync::Decimal();
        auto doc = parse(
            R"({"voucherDate":"2024-01-31T00:00:00.000+01:00","taxConditions":{"taxType":"gross"},)"
            R"("taxAmounts":[{"taxRatePercentage":19,"taxAmount":0.03,"netAmount":0.14}],)"
            R"("totalPrice":{"currency":"EUR","totalNetAmount":0.14,"totalTaxAmount":0.03,)"
            R"("totalGrossAmount":0.17}})");
        v.voucher.CopyFrom(doc, v.voucher.GetAllocator());
        std::vector<IndexRow> rows;
        for (int i = 0; i < 10; ++i) {
            rows.push_back(index_row(v));
        }
        const Index index = make_index("2024-01-01", "2024-01-31", std::move(rows));
        CHECK(index.totals.gross == *lexsync::Decimal::parse("1.7"));
        CHECK(index.totals.by_rate.at(lexsync::Decimal::from_int(19)).net ==
              *lexsync::Decimal::parse("1.4"));
        CHECK(index.rates.size() == 1);

        // A credit note reduces the period's revenue; the per-type sums stay plain.
        IndexRow credit = index_row(v);
        credit.type = "creditnote";
        credit.number = "GS1";
        std::vector<IndexRow> mixed{index_row(v), index_row(v), credit};
        const Index signed_index = make_index("2024-01-01", "2024-01-31", std::move(mixed));
        CHECK(signed_index.totals.gross == *lexsync::Decimal::parse("0.17"));
        CHECK(signed_index.totals.net == *lexsync::Decimal::parse("0.14"));
        CHECK(signed_index.totals.by_rate.at(lexsync::Decimal::from_int(19)).tax ==
              *lexsync::Decimal::parse("0.03"));
        REQUIRE(signed_index.by_type.size() == 2);
        CHECK(signed_index.by_type[0].first == "invoice");
        CHECK(signed_index.by_type[0].second.gross == *lexsync::Decimal::parse("0.34"));
        CHECK(signed_index.by_type[1].first == "creditnote");
        CHECK(signed_index.by_type[1].second.gross == *lexsync::Decimal::parse("0.17"));
        const auto de = index_csv_de(signed_index);
        CHECK(de.find("\nSumme Rechnung;") != std::string::npos);
        CHECK(de.find("\nSumme Gutschrift;") != std::string::npos);
        CHECK(de.find("\nSumme;;;;;;;;0,14;0,03;0,14;0,03;0,17;EUR;") != std::string::npos);
        CHECK(de.find(";Brutto;") != std::string::npos); // the tax type in German

        const auto round_trip = from_json(to_json(v));
        REQUIRE(round_trip);
        CHECK(round_trip->open_amount == lexsync::Decimal());
        CHECK(index_row(*round_trip).gross == *lexsync::Decimal::parse("0.17"));
        CHECK_FALSE(
            from_json(R"({"schema":1,"id":"x","files":[{"kind":"pdf","name":"../x.pdf"}]})"));
    }
}
