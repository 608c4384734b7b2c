#include "cli/context.hpp"
#include "commands/commands.hpp"
#include "commands/state/rebuild.hpp"
#include "fake_transport.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/api/account.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/json.hpp>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>

namespace fs = std::filesystem;
using lexsync::http::Method;

namespace {

constexpr const char* k_key = "test-key-7c1e55d0a9";
constexpr const char* k_contact = "c0a80001-0000-4000-8000-000000000001";
constexpr const char* k_invoice_id = "11111111-2222-4333-8444-555555555555";
constexpr const char* k_other_id = "11111111-2222-4333-8444-666666666666";

using lexsync::testing::TempDir;

using lexsync::testing::Forward;

struct Harness {
    TempDir dir;
    lexsync::FakeClock clock;
    lexsync::testing::FakeTransport fake;
    std::string config_text;

    struct Outcome {
        int code = 0;
        std::string out;
        std::string err;
        lexsync::json::Document doc;
    };

    fs::path write(const std::string& name, const std::string& text) {
        const fs::path p = dir.path / name;
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }

    Outcome run(const std::string& args) {
        std::ostringstream out;
        std::ostringstream err;
        std::istringstream in;
        std::map<std::string, std::string> vars = {
            {"HOME", dir.path.string()},
            {"XDG_STATE_HOME", (dir.path / "state").string()},
            {"LEXSYNC_API_KEY", k_key},
            {"LEXSYNC_BASE_URL", "http://lexoffice.test"},
        };
        if (!config_text.empty()) {
            write("config.toml", config_text);
        }
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
        o.code = lexsync::run(
            "--config " + (dir.path / "config.toml").string() + " -o json " + args, ctx);
        o.out = out.str();
        o.err = err.str();
        CHECK(o.out.find(k_key) == std::string::npos);
        CHECK(o.err.find(k_key) == std::string::npos);
        if (!o.out.empty()) {
            auto doc = lexsync::json::parse(o.out);
            REQUIRE_MESSAGE(doc, o.out);
            o.doc = std::move(doc).value();
        }
        return o;
    }

    long posts() const {
        long n = 0;
        for (const auto& r : fake.requests()) {
            n += r.method == Method::post ? 1 : 0;
        }
        return n;
    }

    lexsync::StateStore state() {
        return lexsync::StateStore(lexsync::ledger_file(
            dir.path / "state" / "lexsync" / "default",
            {lexsync::testing::k_fake_organization_id, "", "http://lexoffice.test"}));
    }
};

std::string contact_page(const char* id, long number) {
    return fmt::format(
        R"({{"content":[{{"id":"{}","version":1,"roles":{{"customer":{{"number":{}}}}},
"company":{{"name":"Müller & Söhne GmbH"}},"emailAddresses":{{"business":["info@mueller.example"]}}}}],
"totalElements":1,"totalPages":1,"last":true,"first":true,"size":25,"number":0}})",
        id, number);
}

constexpr const char* k_header =
    "number,date,service_date,customer_number,name,country,tax_type,status,item,quantity,"
    "unit,net_price,tax_rate\n";

// The voucher-list query with which the export looks its invoices up in lexoffice (invoice mode)
// or its vouchers (voucher mode) before sending.
std::string list_of(bool vouchers, const char* from, const char* to) {
    return fmt::format("/v1/voucherlist?voucherType={}&voucherStatus=any&voucherDateFrom={}&"
                       "voucherDateTo={}&sort=voucherDate%2CASC&page=0&size=250",
                       vouchers ? "salesinvoice%2Csalescreditnote" : "invoice%2Ccreditnote", from,
                       to);
}

constexpr const char* k_empty_list =
    R"({"content":[],"totalElements":0,"totalPages":0,"last":true,"first":true,"number":0})";

// A voucher-list page of `rows` {id, type, number, status, yyyy-mm-dd}: how the export reads the
// numbers of what it created, in bulk.
std::string numbered(std::initializer_list<
                     std::tuple<const char*, const char*, const char*, const char*, const char*>>
                         rows) {
    std::string items;
    for (const auto& [id, type, number, status, date] : rows) {
        items += fmt::format(R"({}{{"id":"{}","voucherType":"{}","voucherNumber":"{}",)"
                             R"("voucherStatus":"{}","voucherDate":"{}T00:00:00.000+01:00"}})",
                             items.empty() ? "" : ",", id, type, number, status, date);
    }
    return fmt::format(
        R"({{"content":[{}],"totalElements":{},"last":true,"first":true,"number":0}})", items,
        rows.size());
}

std::string two_invoices() {
    return std::string(k_header) +
           "RE-1,2026-03-02,,10001,,,net,open,Unterhaltsreinigung,10,Stunden,38.50,19\n" +
           "RE-2,2026-03-05,,,Laden Nord,DE,net,paid,Fenster,1,Pauschal,120,19\n" +
           "RE-3,2026-03-06,,10001,,,net,draft,Entwurf,1,Pauschal,1,19\n";
}

} // namespace

TEST_SUITE("lexsync invoices export") {
    TEST_CASE("a dry run prints the plan with request bodies and sends no writes") {
        Harness h;
        const auto file = h.write("march.csv", two_invoices());
        h.fake.add(Method::get, "/v1/contacts?number=10001", 200, contact_page(k_contact, 10001));
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-05"), 200, k_empty_list);
        auto o = h.run("invoices export " + file.string() + " --dry-run --finalize");
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        CHECK(h.posts() == 0);
        REQUIRE(o.doc.IsArray());
        REQUIRE(o.doc.Size() == 3); // the draft is not selected by default, but reported
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "action") == "create");
        CHECK(get_string(o.doc[0], "request.method") == "POST");
        CHECK(get_string(o.doc[0], "request.url") ==
              "http://lexoffice.test/v1/invoices?finalize=true");
        CHECK(get_string(o.doc[0], "request.body.address.contactId") == k_contact);
        CHECK(get_string(o.doc[0], "request.body.remark") == "Ref. RE-1");
        // The plan shows what an accountant checks: date, customer, amounts.
        CHECK(get_string(o.doc[0], "date") == "2026-03-02");
        CHECK(get_string(o.doc[0], "customer") == "Müller & Söhne GmbH");
        CHECK(lexsync::json::get_decimal(o.doc[0], "net") == lexsync::Decimal::parse("385"));
        CHECK(lexsync::json::get_decimal(o.doc[0], "gross") == lexsync::Decimal::parse("458.15"));
        CHECK(get_string(o.doc[1], "customer") == "Laden Nord");
        CHECK(get_string(o.doc[0], "detail")->find("cannot be undone") != std::string::npos);
        CHECK(get_string(o.doc[1], "request.body.address.name") == "Laden Nord");
        CHECK(o.err.find("cannot be undone") != std::string::npos);
        CHECK(o.err.find("2 to create") != std::string::npos);
        CHECK(get_string(o.doc[2], "number") == "RE-3");
        CHECK(get_string(o.doc[2], "action") == "excluded-status");
        CHECK(o.err.find("not selected: 1 excluded by status") != std::string::npos);
    }

    TEST_CASE("every source invoice is accounted for: selected, excluded, outside, invalid") {
        Harness h;
        const auto file = h.write(
            "four.csv", std::string(k_header) +
                            "RE-1,2026-03-02,,,Laden Nord,DE,net,open,A,1,Pauschal,100,19\n"
                            "RE-2,2026-03-03,,,Laden Süd,DE,net,draft,B,1,Pauschal,100,19\n"
                            "RE-3,2026-04-01,,,Laden Ost,DE,net,open,C,1,Pauschal,100,19\n"
                            "RE-4,2026-03-04,,,Laden West,DE,net,open,D,1,Pauschal,100,17\n");
        // Without --keep-going: the message counts what was not selected too.
        auto o = h.run("invoices export " + file.string() + " --month 2026-03 --dry-run");
        CHECK(o.code == 6);
        CHECK(o.err.find("1 of 2 selected invoices invalid in " + file.string() +
                         "; not selected: 1 outside the period, 1 excluded by status") !=
              std::string::npos);
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-02"), 200, k_empty_list);
        o = h.run("invoices export " + file.string() + " --month 2026-03 --dry-run --keep-going");
        REQUIRE_MESSAGE(o.code == 4, o.err);
        REQUIRE(o.doc.Size() == 4);
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "action") == "create");
        CHECK(get_string(o.doc[1], "action") == "excluded-status");
        CHECK(get_string(o.doc[1], "detail")->find("source status draft is not exported") !=
              std::string::npos);
        CHECK(get_string(o.doc[2], "action") == "outside-period");
        CHECK(get_string(o.doc[2], "detail") ==
              "dated 2026-04-01, outside the period 2026-03-01 to 2026-03-31");
        CHECK(get_string(o.doc[3], "action") == "invalid");
        CHECK(get_string(o.doc[3], "detail")->find("four.csv:5:13:tax_rate") != std::string::npos);
        CHECK(o.err.find("1 to create") != std::string::npos);
        CHECK(o.err.find("1 invalid") != std::string::npos);
        h.fake.verify();
    }

    TEST_CASE("invalid input is reported before any request and nothing is sent") {
        Harness h;
        const auto file =
            h.write("bad.csv", std::string(k_header) +
                                   "RE-1,2026-03-02,,10001,,,net,open,A,1,Stück,10,16\n"
                                   "RE-2,2026-02-30,,10001,,,net,open,B,1,Stück,10,19\n");
        auto o = h.run("invoices export " + file.string());
        CHECK(o.code == 6);
        CHECK(h.fake.request_count() == 0);
        CHECK(o.err.find("bad.csv:2:13:tax_rate: 16 % is not valid on 2026-03-02") !=
              std::string::npos);
        CHECK(o.err.find("bad.csv:3:2:date: '2026-02-30' is not a calendar date") !=
              std::string::npos);
    }

    TEST_CASE("an unknown customer is invalid input: exit 6, no write") {
        Harness h;
        const auto file = h.write(
            "m.csv", std::string(k_header) + "RE-1,2026-03-02,,19999,,,net,open,A,1,Stück,10,19\n");
        h.fake.add(Method::get, "/v1/contacts?number=19999", 200,
                   R"({"content":[],"totalElements":0,"last":true})");
        auto o = h.run("invoices export " + file.string());
        CHECK(o.code == 6);
        h.fake.verify();
        CHECK(h.posts() == 0);
        CHECK(o.err.find("m.csv:2:4:customer_number: unknown customer: no lexoffice contact with "
                         "customer number 19999") != std::string::npos);
    }

    TEST_CASE("creates drafts, reads their numbers, and a re-run skips them without requests") {
        Harness h;
        const auto file = h.write("march.csv", two_invoices());
        h.fake.add(Method::get, "/v1/contacts?number=10001", 200, contact_page(k_contact, 10001));
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-05"), 200, k_empty_list);
        h.fake.add(Method::post, "/v1/invoices", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_invoice_id));
        h.fake.add(Method::post, "/v1/invoices", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_other_id));
        // The numbers of both, in one request.
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-05"), 200,
                   numbered({{k_invoice_id, "invoice", "RE0001", "draft", "2026-03-02"},
                             {k_other_id, "invoice", "RE0002", "draft", "2026-03-05"}}));
        const auto back = h.dir.path / "mapping.csv";
        auto o = h.run("invoices export " + file.string() + " --write-back " + back.string());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        CHECK(h.fake.request_count() == 5); // contact, lookup, 2 × POST, numbers
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "action") == "created");
        CHECK(get_string(o.doc[0], "id") == k_invoice_id);
        CHECK(get_string(o.doc[0], "voucherNumber") == "RE0001");
        CHECK(get_string(o.doc[0], "status") == "draft");
        CHECK(get_string(o.doc[1], "voucherNumber") == "RE0002");
        std::ifstream in(back);
        std::stringstream text;
        text << in.rdbuf();
        CHECK(text.str() ==
              fmt::format("number,kind,mode,lexoffice_id,voucher_number,status,action\n"
                          "RE-1,invoice,invoice,{},RE0001,draft,created\n"
                          "RE-2,invoice,invoice,{},RE0002,draft,created\n",
                          k_invoice_id, k_other_id));
        // The POST body carried the reference line and the Berlin offset.
        const auto reqs = h.fake.requests();
        CHECK(reqs[2].body.find(R"("voucherDate":"2026-03-02T00:00:00.000+01:00")") !=
              std::string::npos);

        const auto before = h.fake.request_count();
        o = h.run("invoices export " + file.string());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        CHECK(h.fake.request_count() == before);
        CHECK(get_string(o.doc[0], "action") == "skipped");
        CHECK(get_string(o.doc[0], "voucherNumber") == "RE0001");
        CHECK(get_string(o.doc[1], "status") == "draft");

        // A changed source invoice is reported, never sent again.
        h.write("march.csv",
                std::string(k_header) +
                    "RE-1,2026-03-02,,10001,,,net,open,Unterhaltsreinigung,11,Stunden,38.50,19\n");
        o = h.run("invoices export " + file.string());
        CHECK(o.code == 4);
        CHECK(h.fake.request_count() == before);
        CHECK(get_string(o.doc[0], "action") == "changed");
    }

    TEST_CASE("after a 504 on POST the run goes on, then the invoice is looked up, not posted "
              "again") {
        Harness h;
        const auto file =
            h.write("m.csv", std::string(k_header) +
                                 "RE-1,2026-03-02,,10001,,,net,open,Reinigung,1,Pauschal,100,19\n");
        h.fake.add(Method::get, "/v1/contacts?number=10001", 200, contact_page(k_contact, 10001));
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-02"), 200, k_empty_list);
        h.fake.add(Method::post, "/v1/invoices", 504, R"({"message":"Gateway Timeout"})");
        h.fake.add(
            Method::get, list_of(false, "2026-03-02", "2026-03-02"), 200,
            fmt::format(
                R"({{"content":[{{"id":"{0}","voucherType":"invoice","voucherDate":"2026-03-02T00:00:00.000+01:00","contactId":"{2}"}},
{{"id":"{1}","voucherType":"invoice","voucherDate":"2026-03-02T00:00:00.000+01:00","contactId":"{2}"}}],"totalElements":2,"last":true}})",
                k_other_id, k_invoice_id, k_contact));
        h.fake.add(Method::get, std::string("/v1/invoices/") + k_other_id, 200,
                   R"({"voucherNumber":"RE0007","voucherStatus":"draft","remark":"Ref. RE-10"})");
        h.fake.add(
            Method::get, std::string("/v1/invoices/") + k_invoice_id, 200,
            R"({"voucherNumber":"RE0008","voucherStatus":"draft","remark":"Danke!\nRef. RE-1"})");
        auto o = h.run("invoices export " + file.string());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        CHECK(h.posts() == 1);
        // The lookup waited until the lost request could not be running any more.
        CHECK(h.clock.total_slept() >= std::chrono::seconds(60));
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "action") == "created");
        CHECK(get_string(o.doc[0], "id") == k_invoice_id);
        CHECK(get_string(o.doc[0], "voucherNumber") == "RE0008");
        auto st = h.state();
        auto e = st.get("invoice", "invoice:RE-1");
        REQUIRE(e);
        CHECK(e->status == "done");
        CHECK(e->remote_id == k_invoice_id);
    }

    TEST_CASE("a pending entry from a killed run is reconciled; nothing found means it is sent") {
        Harness h;
        const auto file = h.write(
            "m.csv", std::string(k_header) +
                         "RE-1,2026-06-02,,,Laden Nord,DE,net,open,Reinigung,1,Pauschal,100,19\n");
        {
            auto st = h.state();
            st.mark_pending("invoice", "invoice:RE-1", "x", 1);
        }
        h.fake.add(Method::get, list_of(false, "2026-06-02", "2026-06-02"), 200, k_empty_list);
        h.fake.add(Method::post, "/v1/invoices", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_invoice_id));
        h.fake.add(Method::get, list_of(false, "2026-06-02", "2026-06-02"), 200,
                   numbered({{k_invoice_id, "invoice", "RE0001", "draft", "2026-06-02"}}));
        auto o = h.run("invoices export " + file.string());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        CHECK(h.posts() == 1);
        const auto body = h.fake.requests()[1].body;
        CHECK(body.find(R"("voucherDate":"2026-06-02T00:00:00.000+02:00")") != std::string::npos);
    }

    TEST_CASE("voucher mode finds an existing voucher number in lexoffice and does not post") {
        Harness h;
        const auto file =
            h.write("m.csv", std::string(k_header) +
                                 "RE-1,2026-03-02,,10001,,,net,open,Reinigung,1,Pauschal,100,19\n"
                                 "RE-2,2026-03-03,,10001,,,net,open,Reinigung,2,Pauschal,100,19\n");
        h.config_text =
            "[profiles.default]\ninvoice_mode = \"voucher\"\nrevenue_category = \"Einnahmen\"\n";
        h.fake.add(
            Method::get, "/v1/posting-categories", 200,
            R"([{"id":"8f8664a1-fd86-11e1-a21f-0800200c9a66","name":"Einnahmen","type":"income"},
                       {"id":"8f8664a2-fd86-11e1-a21f-0800200c9a66","name":"Bürobedarf","type":"outgo"}])");
        h.fake.add(Method::get, "/v1/contacts?number=10001", 200, contact_page(k_contact, 10001));
        h.fake.add(
            Method::get, list_of(true, "2026-03-02", "2026-03-03"), 200,
            fmt::format(
                R"({{"content":[{{"id":"{}","voucherType":"salesinvoice","voucherNumber":"RE-1",
"voucherDate":"2026-03-02T00:00:00.000+01:00","totalAmount":119.00,"voucherStatus":"open"}}],
"totalElements":1,"last":true}})",
                k_other_id));
        h.fake.add(Method::post, "/v1/vouchers", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_invoice_id));
        auto o = h.run("invoices export " + file.string());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        CHECK(h.posts() == 1);
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "action") == "exists");
        CHECK(get_string(o.doc[0], "id") == k_other_id);
        CHECK(get_string(o.doc[1], "action") == "created");
        CHECK(get_string(o.doc[1], "voucherNumber") == "RE-2");
        const auto body = lexsync::json::parse(h.fake.requests().back().body);
        REQUIRE(body);
        CHECK(get_string(*body, "type") == "salesinvoice");
        CHECK(get_string(*body, "contactId") == k_contact);
        CHECK(get_string((*body)["voucherItems"][0], "categoryId") ==
              "8f8664a1-fd86-11e1-a21f-0800200c9a66");
        CHECK(lexsync::json::number_text((*body)["totalGrossAmount"]) == "238");

        // Invoice mode for the same year now warns about the switch.
        h.config_text.clear();
        h.write("config.toml", "");
        o = h.run("invoices export " + file.string() + " --as invoice --dry-run");
        CHECK(o.code == 4); // both are booked as vouchers already: conflict
        CHECK(o.err.find("invoices of 2026 were exported as vouchers before") != std::string::npos);
        CHECK(get_string(o.doc[0], "action") == "conflict");
        h.fake.verify();
    }

    TEST_CASE("--keep-going exports the valid invoices and exits 4 naming the rejected ones") {
        Harness h;
        const auto file =
            h.write("m.csv", std::string(k_header) +
                                 "RE-1,2026-03-02,,,Laden Nord,DE,net,open,A,1,Pauschal,100,19\n"
                                 "RE-2,2026-03-02,,,Laden Süd,DE,net,open,B,1,Pauschal,100,17\n");
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-02"), 200, k_empty_list);
        h.fake.add(Method::post, "/v1/invoices", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_invoice_id));
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-02"), 200,
                   numbered({{k_invoice_id, "invoice", "RE0001", "draft", "2026-03-02"}}));
        auto o = h.run("invoices export " + file.string() + " --keep-going");
        CHECK(o.code == 4);
        h.fake.verify();
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "action") == "created");
        CHECK(get_string(o.doc[1], "action") == "invalid");
        CHECK(get_string(o.doc[1], "detail")->find("m.csv:3:13:tax_rate") != std::string::npos);
        CHECK(o.err.find("1 of 2 invoices not exported: RE-2") != std::string::npos);
    }

    TEST_CASE("a credit note of an exported invoice pursues it") {
        Harness h;
        const auto file = h.write(
            "m.csv", std::string("number,kind,corrects,date,name,country,tax_type,item,quantity,"
                                 "unit,net_price,tax_rate\n") +
                         "GS-1,credit-note,RE-1,2026-03-09,Laden Nord,DE,net,A,1,Pauschal,10,19\n"
                         "RE-1,invoice,,2026-03-02,Laden Nord,DE,net,A,1,Pauschal,100,19\n");
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-09"), 200, k_empty_list);
        h.fake.add(Method::post, "/v1/invoices?finalize=true", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_invoice_id));
        // The invoice's number for the credit note's text: read before the credit note is sent,
        // with everything created so far; the credit note's own after the run.
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-02"), 200,
                   numbered({{k_invoice_id, "invoice", "RE0001", "open", "2026-03-02"}}));
        h.fake.add(Method::post,
                   std::string("/v1/credit-notes?finalize=true&precedingSalesVoucherId=") +
                       k_invoice_id,
                   201, fmt::format(R"({{"id":"{}","version":1}})", k_other_id));
        h.fake.add(Method::get, list_of(false, "2026-03-09", "2026-03-09"), 200,
                   numbered({{k_other_id, "creditnote", "GS0001", "paid", "2026-03-09"}}));
        auto o = h.run("invoices export " + file.string() + " --finalize");
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "number") == "GS-1"); // output keeps the input order
        CHECK(get_string(o.doc[0], "status") == "paid");
        CHECK(get_string(o.doc[0], "voucherNumber") == "GS0001");
        const auto body = lexsync::json::parse(h.fake.requests()[3].body);
        REQUIRE(body);
        CHECK(get_string(*body, "introduction") == "Gutschrift zu Rechnung RE0001");
    }
    TEST_CASE("a credit note whose invoice cannot be resolved is refused before anything is "
              "sent") {
        Harness h;
        const auto file = h.write(
            "m.csv", std::string("number,kind,corrects,date,name,country,tax_type,item,quantity,"
                                 "unit,net_price,tax_rate\n") +
                         "RE-1,invoice,,2026-03-02,Laden Nord,DE,net,A,1,Pauschal,100,19\n"
                         "GS-1,credit-note,RE-0,2026-03-09,Laden Nord,DE,net,A,1,Pauschal,10,19\n"
                         "GS-2,credit-note,,2026-03-09,Laden Nord,DE,net,A,1,Pauschal,10,19\n");
        // RE-0 is neither in the ledger nor in the input: lexoffice is asked for that number.
        h.fake.add(Method::get,
                   "/v1/voucherlist?voucherType=invoice&voucherStatus=any&voucherNumber=RE-0&"
                   "size=250",
                   200, k_empty_list);
        auto o = h.run("invoices export " + file.string());
        CHECK(o.code == 6);
        h.fake.verify();
        CHECK(h.posts() == 0);
        CHECK(o.err.find("m.csv:3:3:corrects: no invoice RE-0 to correct") != std::string::npos);
        CHECK(o.err.find("m.csv:4:3:corrects: missing") != std::string::npos);
        CHECK(o.err.find("--allow-unlinked") != std::string::npos);
        CHECK(o.err.find("nothing was sent") != std::string::npos);
    }

    TEST_CASE("--allow-unlinked creates a credit note without a resolvable invoice unlinked") {
        Harness h;
        const auto file = h.write(
            "m.csv", std::string("number,kind,corrects,date,name,country,tax_type,item,quantity,"
                                 "unit,net_price,tax_rate\n") +
                         "GS-1,credit-note,RE-0,2026-03-09,Laden Nord,DE,net,A,1,Pauschal,10,19\n");
        h.fake.add(Method::get,
                   "/v1/voucherlist?voucherType=invoice&voucherStatus=any&voucherNumber=RE-0&"
                   "size=250",
                   200, k_empty_list);
        h.fake.add(Method::get, list_of(false, "2026-03-09", "2026-03-09"), 200, k_empty_list);
        h.fake.add(Method::post, "/v1/credit-notes", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_other_id));
        h.fake.add(Method::get, list_of(false, "2026-03-09", "2026-03-09"), 200,
                   numbered({{k_other_id, "creditnote", "GS0001", "draft", "2026-03-09"}}));
        auto o = h.run("invoices export " + file.string() + " --allow-unlinked");
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "action") == "created");
        CHECK(get_string(o.doc[0], "detail")->find("without a link") != std::string::npos);
    }

    TEST_CASE("a credit note naming lexoffice's number of an invoice lexsync did not export "
              "pursues it") {
        Harness h;
        const auto file = h.write(
            "m.csv",
            std::string("number,kind,corrects,date,name,country,tax_type,item,quantity,"
                        "unit,net_price,tax_rate\n") +
                "GS-1,credit-note,RE0007,2026-03-09,Laden Nord,DE,net,A,1,Pauschal,10,19\n");
        // The filter is not trusted: a row with another number is not taken.
        h.fake.add(Method::get,
                   "/v1/voucherlist?voucherType=invoice&voucherStatus=any&voucherNumber=RE0007&"
                   "size=250",
                   200,
                   numbered({{k_other_id, "invoice", "RE00071", "open", "2026-03-01"},
                             {k_invoice_id, "invoice", "RE0007", "open", "2026-03-01"}}));
        h.fake.add(Method::get, list_of(false, "2026-03-09", "2026-03-09"), 200, k_empty_list);
        h.fake.add(Method::post,
                   std::string("/v1/credit-notes?finalize=true&precedingSalesVoucherId=") +
                       k_invoice_id,
                   201, fmt::format(R"({{"id":"{}","version":1}})", k_other_id));
        h.fake.add(Method::get, list_of(false, "2026-03-09", "2026-03-09"), 200,
                   numbered({{k_other_id, "creditnote", "GS0001", "paidoff", "2026-03-09"}}));
        auto o = h.run("invoices export " + file.string() + " --finalize");
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "action") == "created");
        const auto body = lexsync::json::parse(h.fake.requests()[2].body);
        REQUIRE(body);
        CHECK(get_string(*body, "introduction") == "Gutschrift zu Rechnung RE0007");
    }

    TEST_CASE("a 504 whose invoice never arrived is sent again once its request cannot be running "
              "any more") {
        Harness h;
        const auto file = h.write(
            "m.csv", std::string(k_header) +
                         "RE-1,2026-03-02,,,Laden Nord,DE,net,open,Reinigung,1,Pauschal,100,19\n");
        const std::string list = list_of(false, "2026-03-02", "2026-03-02");
        h.fake.add(Method::get, list, 200, k_empty_list);
        h.fake.add(Method::post, "/v1/invoices", 504, R"({"message":"Gateway Timeout"})");
        h.fake.add(Method::get, list, 200, k_empty_list);
        h.fake.add(Method::post, "/v1/invoices", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_invoice_id));
        h.fake.add(Method::get, list, 200,
                   numbered({{k_invoice_id, "invoice", "RE0001", "draft", "2026-03-02"}}));
        auto o = h.run("invoices export " + file.string());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        CHECK(h.posts() == 2);
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "action") == "created");
        CHECK(o.err.find("1 answer lost") != std::string::npos);
    }

    TEST_CASE("a lost answer that lexoffice cannot clear up stays pending: exit 4, the next run "
              "looks again") {
        Harness h;
        const auto file = h.write(
            "m.csv", std::string(k_header) +
                         "RE-1,2026-03-02,,,Laden Nord,DE,net,open,Reinigung,1,Pauschal,100,19\n");
        const std::string list = list_of(false, "2026-03-02", "2026-03-02");
        h.fake.add(Method::get, list, 200, k_empty_list);
        h.fake.add(Method::post, "/v1/invoices", 504, R"({"message":"Gateway Timeout"})");
        h.fake.add(Method::get, list, 404, R"({"message":"Not Found"})");
        auto o = h.run("invoices export " + file.string());
        CHECK(o.code == 4);
        h.fake.verify();
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "action") == "unknown");
        {
            auto st = h.state();
            auto e = st.get("invoice", "invoice:RE-1");
            REQUIRE(e);
            CHECK(e->status == "pending");
        }
    }

    TEST_CASE("a number that could not be read after creation reaches the write-back file later") {
        Harness h;
        const auto file = h.write(
            "m.csv", std::string(k_header) +
                         "RE-1,2026-03-02,,,Laden Nord,DE,net,open,Reinigung,1,Pauschal,100,19\n");
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-02"), 200, k_empty_list);
        h.fake.add(Method::post, "/v1/invoices", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_invoice_id));
        // Not listed yet, and the read of its own fails.
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-02"), 200, k_empty_list);
        h.fake.add(Method::get, std::string("/v1/invoices/") + k_invoice_id, 404,
                   R"({"message":"Not Found"})");
        const auto back = h.dir.path / "back.csv";
        auto o = h.run("invoices export " + file.string() + " --write-back " + back.string());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-02"), 200,
                   numbered({{k_invoice_id, "invoice", "RE0001", "draft", "2026-03-02"}}));
        o = h.run("invoices export " + file.string() + " --write-back " + back.string());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        std::ifstream in(back);
        std::stringstream text;
        text << in.rdbuf();
        CHECK(text.str().find(fmt::format("RE-1,invoice,invoice,{},RE0001,draft,skipped",
                                          k_invoice_id)) != std::string::npos);
        // Once known, it is not read again.
        const auto before = h.fake.request_count();
        o = h.run("invoices export " + file.string());
        CHECK(h.fake.request_count() == before);
    }

    TEST_CASE("--create-contacts creates a missing customer once, through the contacts ledger") {
        Harness h;
        const auto file = h.write(
            "m.csv", std::string("number,date,customer_email,name,street,zip,city,country,item,"
                                 "quantity,unit,net_price,tax_rate\n") +
                         "RE-1,2026-03-02,neu@kunde.example,Neukunde GmbH,Weg 1,10115,Berlin,DE,"
                         "A,1,Pauschal,100,19\n"
                         "RE-2,2026-03-03,neu@kunde.example,Neukunde GmbH,Weg 1,10115,Berlin,DE,"
                         "B,1,Pauschal,50,19\n");
        h.fake.add(Method::get, "/v1/contacts?email=neu%40kunde.example", 200,
                   R"({"content":[],"totalElements":0,"last":true})");
        auto o = h.run("invoices export " + file.string());
        CHECK(o.code == 6);
        CHECK(o.err.find("unknown customer: no lexoffice contact with e-mail neu@kunde.example "
                         "(--create-contacts") != std::string::npos);
        h.fake.verify();

        h.fake.add(Method::get, "/v1/contacts?email=neu%40kunde.example", 200,
                   R"({"content":[],"totalElements":0,"last":true})");
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-03"), 200, k_empty_list);
        h.fake.add(Method::post, "/v1/contacts", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_contact));
        h.fake.add(Method::post, "/v1/invoices", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_invoice_id));
        h.fake.add(Method::post, "/v1/invoices", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_other_id));
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-03"), 200,
                   numbered({{k_invoice_id, "invoice", "RE0001", "draft", "2026-03-02"},
                             {k_other_id, "invoice", "RE0002", "draft", "2026-03-03"}}));
        o = h.run("invoices export " + file.string() + " --create-contacts");
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        const auto reqs = h.fake.requests();
        const auto contact = lexsync::json::parse(reqs[reqs.size() - 4].body);
        REQUIRE(contact);
        CHECK(lexsync::json::get_string(*contact, "company.name") == "Neukunde GmbH");
        const auto invoice = lexsync::json::parse(reqs[reqs.size() - 3].body);
        REQUIRE(invoice);
        CHECK(lexsync::json::get_string(*invoice, "address.contactId") == k_contact);
        CHECK(o.err.find("1 customer created") != std::string::npos);
        auto st = h.state();
        auto e = st.get("contact", "email:neu@kunde.example");
        REQUIRE(e);
        CHECK(e->remote_id == k_contact);
    }

    TEST_CASE("--create-contacts: a lost answer for a new customer is reconciled, not fatal") {
        Harness h;
        const auto file = h.write(
            "m.csv", std::string("number,date,customer_email,name,street,zip,city,country,item,"
                                 "quantity,unit,net_price,tax_rate\n") +
                         "RE-1,2026-03-02,neu@kunde.example,Neukunde GmbH,Weg 1,10115,Berlin,DE,"
                         "A,1,Pauschal,100,19\n"
                         "RE-2,2026-03-03,neu@kunde.example,Neukunde GmbH,Weg 1,10115,Berlin,DE,"
                         "B,1,Pauschal,50,19\n");
        const std::string by_email = "/v1/contacts?email=neu%40kunde.example";
        h.fake.add(Method::get, by_email, 200, R"({"content":[],"totalElements":0,"last":true})");
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-03"), 200, k_empty_list);
        // The customer is created, but the answer is lost; RE-2 (same customer) waits.
        h.fake.add_error(Method::post, "/v1/contacts", lexsync::http::TransportError::Kind::receive,
                         "connection reset");
        // Once the request cannot be running any more: lexoffice has it.
        h.fake.add(Method::get, by_email, 200,
                   fmt::format(R"({{"content":[{{"id":"{}","version":1,"roles":{{"customer":{{}}}},
"company":{{"name":"Neukunde GmbH"}},"emailAddresses":{{"business":["neu@kunde.example"]}}}}],
"totalElements":1,"last":true}})",
                               k_contact));
        h.fake.add(Method::post, "/v1/invoices", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_invoice_id));
        h.fake.add(Method::post, "/v1/invoices", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_other_id));
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-03"), 200,
                   numbered({{k_invoice_id, "invoice", "RE0001", "draft", "2026-03-02"},
                             {k_other_id, "invoice", "RE0002", "draft", "2026-03-03"}}));
        auto o = h.run("invoices export " + file.string() + " --create-contacts");
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        CHECK(h.posts() == 3); // the customer once, both invoices
        CHECK(h.clock.total_slept() >= std::chrono::seconds(60));
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "action") == "created");
        CHECK(get_string(o.doc[1], "action") == "created");
        for (const auto& r : h.fake.requests()) {
            if (r.method == Method::post && r.url.find("/v1/invoices") != std::string::npos) {
                CHECK(r.body.find(k_contact) != std::string::npos);
            }
        }
        auto st = h.state();
        auto e = st.get("contact", "email:neu@kunde.example");
        REQUIRE(e);
        CHECK(e->status == "done");
        CHECK(e->remote_id == k_contact);
    }

    TEST_CASE("--create-contacts: a customer whose lost request never arrived is created then") {
        Harness h;
        const auto file = h.write(
            "m.csv", std::string("number,date,customer_email,name,street,zip,city,country,item,"
                                 "quantity,unit,net_price,tax_rate\n") +
                         "RE-1,2026-03-02,neu@kunde.example,Neukunde GmbH,Weg 1,10115,Berlin,DE,"
                         "A,1,Pauschal,100,19\n");
        const std::string by_email = "/v1/contacts?email=neu%40kunde.example";
        const char* none = R"({"content":[],"totalElements":0,"last":true})";
        h.fake.add(Method::get, by_email, 200, none);
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-02"), 200, k_empty_list);
        h.fake.add(Method::post, "/v1/contacts", 504, R"({"message":"Gateway Timeout"})");
        h.fake.add(Method::get, by_email, 200, none); // it never arrived
        h.fake.add(Method::post, "/v1/contacts", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_contact));
        h.fake.add(Method::post, "/v1/invoices", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_invoice_id));
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-02"), 200,
                   numbered({{k_invoice_id, "invoice", "RE0001", "draft", "2026-03-02"}}));
        auto o = h.run("invoices export " + file.string() + " --create-contacts");
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        CHECK(h.posts() == 3);
        CHECK(lexsync::json::get_string(o.doc[0], "action") == "created");
        CHECK(o.err.find("1 customer created") != std::string::npos);
    }

    TEST_CASE("voucher mode attaches the source PDF as multipart part file") {
        Harness h;
        h.write("re1.pdf", "%PDF-1.4 test");
        const auto file =
            h.write("m.csv", std::string("number,date,name,country,tax_type,pdf,item,quantity,unit,"
                                         "gross_price,tax_rate\n") +
                                 "RE-1,2026-03-02,Laufkunde,DE,gross,re1.pdf,A,2,Stück,11.90,19\n");
        h.fake.add(
            Method::get, "/v1/posting-categories", 200,
            R"([{"id":"8f8664a1-fd86-11e1-a21f-0800200c9a66","name":"Einnahmen","type":"income"},
                       {"id":"8f8664a2-fd86-11e1-a21f-0800200c9a66","name":"Bürobedarf","type":"outgo"}])");
        auto o = h.run("invoices export " + file.string() + " --as voucher --category Bürobedarf");
        CHECK(o.code == 2);
        CHECK(o.err.find("not an income category") != std::string::npos);
        h.fake.verify();

        h.fake.add(
            Method::get, "/v1/posting-categories", 200,
            R"([{"id":"8f8664a1-fd86-11e1-a21f-0800200c9a66","name":"Einnahmen","type":"income"}])");
        h.fake.add(Method::get, list_of(true, "2026-03-02", "2026-03-02"), 200, k_empty_list);
        h.fake.add(Method::post, "/v1/vouchers", 201,
                   fmt::format(R"({{"id":"{}","version":1}})", k_invoice_id));
        h.fake.add(Method::post, std::string("/v1/vouchers/") + k_invoice_id + "/files", 202,
                   R"({"id":"f1"})");
        o = h.run("invoices export " + file.string() + " --as voucher --category einnahmen");
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        const auto reqs = h.fake.requests();
        const auto& upload = reqs.back();
        REQUIRE(upload.form.size() == 1);
        CHECK(upload.form[0].name == "file");
        CHECK(upload.form[0].filename == "re1.pdf");
        CHECK(upload.form[0].content == "%PDF-1.4 test");
        const auto body = lexsync::json::parse(reqs[reqs.size() - 2].body);
        REQUIRE(body);
        CHECK(lexsync::json::get_string(*body, "taxType") == "gross");
        CHECK(lexsync::json::get_bool(*body, "useCollectiveContact") == true);
        CHECK(lexsync::json::get_string(*body, "contactName") == "Laufkunde");
        CHECK(lexsync::json::number_text((*body)["voucherItems"][0]["amount"]) == "23.8");
        CHECK(lexsync::json::number_text((*body)["voucherItems"][0]["taxAmount"]) == "3.8");
    }
    TEST_CASE("several customer references cost one contact listing when that is cheaper") {
        Harness h;
        const auto file = h.write(
            "m.csv", std::string("number,date,customer_id,customer_number,customer_email,item,"
                                 "quantity,unit,net_price,tax_rate\n") +
                         "RE-1,2026-03-02,,10001,,A,1,Pauschal,10,19\n"
                         "RE-2,2026-03-02,,,info@mueller.example,A,1,Pauschal,10,19\n"
                         "RE-3,2026-03-02," +
                         k_contact +
                         ",,,A,1,Pauschal,10,19\n"
                         "RE-4,2026-03-02,,10002,,A,1,Pauschal,10,19\n");
        h.fake.add(Method::get, "/v1/contacts?page=0&size=250", 200,
                   contact_page(k_contact, 10001));
        h.fake.add(Method::get, list_of(false, "2026-03-02", "2026-03-02"), 200, k_empty_list);
        auto o = h.run("invoices export " + file.string() + " --dry-run --keep-going");
        CHECK(o.code == 4);
        h.fake.verify();
        CHECK(h.fake.request_count() == 2); // the contacts and the period's documents
        using lexsync::json::get_string;
        CHECK(get_string(o.doc[0], "request.body.address.contactId") == k_contact);
        CHECK(get_string(o.doc[1], "request.body.address.contactId") == k_contact);
        CHECK(get_string(o.doc[2], "request.body.address.contactId") == k_contact);
        CHECK(get_string(o.doc[3], "action") == "invalid");
        CHECK(get_string(o.doc[3], "detail")->find("customer number 10002") != std::string::npos);
    }
}

TEST_CASE("state rebuild reads the source number back from a reference line") {
    using lexsync::commands::state::number_in_ref_line;
    CHECK(number_in_ref_line("Ref. {number}", "Ref. RE-2026-0301") == "RE-2026-0301");
    CHECK(number_in_ref_line("Ref. {number}", "Ref. RE-2026-0301 \r") == "RE-2026-0301");
    CHECK(number_in_ref_line("Ihre Rechnung {number} (Shop)", "Ihre Rechnung 4711 (Shop)") ==
          "4711");
    CHECK(number_in_ref_line("Ref. {number}", "Ref. ").empty());
    CHECK(number_in_ref_line("Ref. {number}", "Ref.  RE-1").empty()); // not as export writes it
    CHECK(number_in_ref_line("Ref. {number}", "Reference RE-1").empty());
    CHECK(number_in_ref_line("Ref. {number}", "Danke! Ref. RE-1").empty());
    CHECK(number_in_ref_line("{number}", "anything at all") == "anything at all");
    CHECK(number_in_ref_line("no placeholder", "no placeholder").empty());
}
