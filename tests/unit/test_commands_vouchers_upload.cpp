#include "cli/context.hpp"
#include "commands/commands.hpp"
#include "fake_transport.hpp"

#include <ctime>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using lexsync::http::Method;

namespace {

constexpr const char* k_key = "unit-test-key-0123456789";
constexpr const char* k_voucher = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr const char* k_outgo = "efa82f43-fd85-11e1-a21f-0800200c9a66";

const std::string k_categories =
    R"([{"id":"efa82f43-fd85-11e1-a21f-0800200c9a66","name":"Bürobedarf","type":"outgo",)"
    R"("contactRequired":false,"splitAllowed":true,"groupName":"Verwaltung"},)"
    R"({"id":"8f8664a0-fd86-11e1-a21f-0800200c9a66","name":"Dienstleistung","type":"income",)"
    R"("contactRequired":false,"splitAllowed":true,"groupName":"Einnahmen"}])";

const std::string k_pdf = "%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n";
const std::string k_png = std::string("\x89PNG\r\n\x1A\n", 8) + "pixels";

using lexsync::testing::Forward;

std::string page(const std::string& items, int n) {
    return R"({"content":[)" + items + R"(],"first":true,"last":true,"totalPages":1,)" +
           R"("totalElements":)" + std::to_string(n) + R"(,"numberOfElements":)" +
           std::to_string(n) + R"(,"size":250,"number":0})";
}

struct Harness {
    fs::path dir;
    lexsync::testing::FakeTransport fake;
    lexsync::FakeClock clock;

    Harness() {
        static int n = 0;
        dir = fs::temp_directory_path() /
              ("lexsync-cmd-vouchers-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::create_directories(dir / "in");
    }
    ~Harness() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    fs::path write(const std::string& name, const std::string& text) const {
        fs::create_directories((dir / name).parent_path());
        std::ofstream(dir / name, std::ios::binary) << text;
        return dir / name;
    }

    struct Outcome {
        int code = 0;
        std::string out, err;
    };

    Outcome run(const std::string& args) {
        std::ostringstream out, err;
        std::istringstream in;
        std::map<std::string, std::string> vars = {{"LEXSYNC_API_KEY", k_key},
                                                   {"LEXSYNC_BASE_URL", "https://api.example.test"},
                                                   {"HOME", dir.string()},
                                                   {"XDG_STATE_HOME", (dir / "state").string()},
                                                   {"XDG_CONFIG_HOME", (dir / "config").string()}};
        lexsync::Context ctx(
            lexsync::IOStreams{out, err, in, false, false, false},
            [vars](const std::string& k) -> std::optional<std::string> {
                auto it = vars.find(k);
                return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
            },
            clock);
        ctx.transport_factory = [this](const lexsync::ClientConfig&) {
            return std::make_unique<Forward>(fake);
        };
        Outcome o;
        o.code = lexsync::run(args, ctx);
        o.out = out.str();
        o.err = err.str();
        CHECK(o.out.find(k_key) == std::string::npos);
        CHECK(o.err.find(k_key) == std::string::npos);
        return o;
    }

    std::size_t count(Method m) const {
        std::size_t n = 0;
        for (const auto& r : fake.requests()) {
            n += r.method == m ? 1 : 0;
        }
        return n;
    }
};

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// The voucher list an empty ledger reads once by default (--lookup-days all): the bookkeeping
// vouchers of every type, status and age, where inbox receipts are, also once completed in
// lexoffice as purchase or sales vouchers.
const std::string k_all_list = "/v1/voucherlist?voucherType=purchaseinvoice%2Cpurchasecreditnote"
                               "%2Csalesinvoice%2Csalescreditnote&voucherStatus=any"
                               "&page=0&size=250";

// The voucher list of the receipt inbox (--lookup-days with a number of days).
const std::string k_inbox_list = "/v1/voucherlist?voucherType=purchaseinvoice%2Cpurchasecreditnote"
                                 "%2Csalesinvoice%2Csalescreditnote&voucherStatus=unchecked"
                                 "&page=0&size=250";

// The bookkeeping vouchers of any type and status created in the last 90 days (--lookup-days 90;
// the fake clock stands at 2025-12-18).
const std::string k_window_list = "/v1/voucherlist?voucherType=purchaseinvoice"
                                  "%2Cpurchasecreditnote%2Csalesinvoice%2Csalescreditnote"
                                  "&voucherStatus=any&createdDateFrom=2025-09-19&page=0&size=250";

// The voucher list of the purchase invoices dated `from` to `to`.
std::string numbers_list(const std::string& from, const std::string& to) {
    std::string q = "/v1/voucherlist?voucherType=purchaseinvoice&voucherStatus=any";
    if (!from.empty()) {
        q += "&voucherDateFrom=" + from + "&voucherDateTo=" + to;
    }
    return q + "&page=0&size=250";
}

// The voucher list of the vouchers created since the day before today (UTC), where an unclear
// inbox upload of today is looked for.
std::string created_since_yesterday() {
    const std::time_t t = std::time(nullptr) - 24 * 3600;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char day[11];
    std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
    return "/v1/voucherlist?voucherType=purchaseinvoice%2Cpurchasecreditnote%2Csalesinvoice"
           "%2Csalescreditnote&voucherStatus=any&createdDateFrom=" +
           std::string(day) + "&page=0&size=250";
}

std::string row(const std::string& id, const std::string& number, const std::string& status,
                const std::string& type = "purchaseinvoice") {
    return R"({"id":")" + id + R"(","voucherType":")" + type + R"(","voucherStatus":")" + status +
           R"(","voucherNumber":)" + (number.empty() ? "null" : "\"" + number + "\"") + "}";
}

} // namespace

TEST_SUITE("lexsync vouchers upload") {
    TEST_CASE("a folder goes to the receipt inbox once and a re-run sends nothing") {
        Harness h;
        h.write("in/a.pdf", k_pdf);
        h.write("in/sub/b.PNG", k_png);
        h.write("in/copy-of-a.pdf", k_pdf);
        h.write("in/notes.txt", "not a receipt");
        // An empty ledger first reads the inbox: a voucher of someone else's file is there.
        h.fake.add(Method::get, k_all_list, 200, page(row("v-0", "", "unchecked"), 1));
        h.fake.add(Method::get, "/v1/vouchers/v-0", 200, R"({"id":"v-0","files":["f-0"]})");
        h.fake.add(Method::get, "/v1/files/f-0", 200, "other receipt");
        h.fake.add(Method::post, "/v1/files", 202, R"({"id":"f-1","voucherId":"v-1"})");
        h.fake.add(Method::post, "/v1/files", 202, R"({"id":"f-2","voucherId":"v-2"})");
        auto o = h.run("vouchers upload -o ndjson " + (h.dir / "in").string());
        CHECK(o.code == 0);
        h.fake.verify();
        auto reqs = h.fake.requests();
        REQUIRE(reqs.size() == 5);
        reqs.erase(reqs.begin(), reqs.begin() + 3);
        REQUIRE(reqs[0].form.size() == 2);
        CHECK(reqs[0].form[0].name == "file");
        CHECK(reqs[0].form[0].filename == "a.pdf");
        CHECK(reqs[0].form[0].content_type == "application/pdf");
        CHECK(reqs[0].form[0].content == k_pdf);
        CHECK(reqs[0].form[1].name == "type");
        CHECK(reqs[0].form[1].content == "voucher");
        CHECK(reqs[1].form[0].content_type == "image/png");
        CHECK(contains(o.out, R"("action":"uploaded","voucherId":"v-1","fileId":"f-1")"));
        CHECK(contains(o.out, R"("action":"duplicate")"));
        CHECK_FALSE(contains(o.out, "notes.txt"));
        CHECK(contains(o.err, "2 uploaded"));

        auto again = h.run("vouchers upload -o ndjson " + (h.dir / "in").string());
        CHECK(again.code == 0);
        CHECK(h.fake.request_count() == 5);
        CHECK_FALSE(contains(again.out, R"("action":"uploaded")"));
    }

    TEST_CASE("with the ledger deleted, a receipt completed in lexoffice is not uploaded again") {
        Harness h;
        auto f = h.write("in/a.pdf", k_pdf);
        // The user booked the inbox voucher: it is an open purchase invoice now, not unchecked.
        h.fake.add(Method::get, k_all_list, 200,
                   page(row("v-1", "RE-1", "open") + "," + row("v-2", "RE-2", "paid"), 2));
        h.fake.add(Method::get, "/v1/vouchers/v-1", 200, R"({"id":"v-1","files":["f-1"]})");
        h.fake.add(Method::get, "/v1/files/f-1", 200, k_pdf);
        // The look stops once every file of the run is found: v-2 is not read.
        auto o = h.run("vouchers upload -o ndjson " + f.string());
        CHECK(o.code == 0);
        CHECK(contains(o.out, R"("action":"duplicate","voucherId":"v-1","fileId":"f-1")"));
        CHECK(h.count(Method::post) == 0);
        h.fake.verify();
        // The ledger keeps what was found: a re-run reads nothing.
        CHECK(h.run("vouchers upload -o ndjson " + f.string()).code == 0);
        CHECK(h.fake.request_count() == 3);
    }

    TEST_CASE("with the ledger deleted, a receipt completed as a sales voucher of any age is "
              "found") {
        Harness h;
        auto f = h.write("in/a.pdf", k_pdf);
        // The user booked the inbox voucher as revenue: a (paid) sales invoice now.
        h.fake.add(Method::get, k_all_list, 200,
                   page(row("v-2", "GS-1", "open", "salescreditnote") + "," +
                            row("v-1", "2024-7", "paid", "salesinvoice"),
                        2));
        h.fake.add(Method::get, "/v1/vouchers/v-2", 200, R"({"id":"v-2","files":[]})");
        h.fake.add(Method::get, "/v1/vouchers/v-1", 200, R"({"id":"v-1","files":["f-1"]})");
        h.fake.add(Method::get, "/v1/files/f-1", 200, k_pdf);
        auto o = h.run("vouchers upload -o ndjson " + f.string());
        CHECK(o.code == 0);
        CHECK(contains(o.out, R"("action":"duplicate","voucherId":"v-1","fileId":"f-1")"));
        CHECK(h.count(Method::post) == 0);
        h.fake.verify();
    }

    TEST_CASE("a ledger that read a window reads the rest once when asked for more") {
        Harness h;
        auto a = h.write("in/a.pdf", k_pdf);
        auto b = h.write("in/b.pdf", std::string(k_pdf) + "% b\n");
        // --lookup-days 90: the inbox of any age, then every bookkeeping type of the window.
        h.fake.add(Method::get, k_inbox_list, 200, page(row("v-1", "", "unchecked"), 1));
        h.fake.add(
            Method::get, k_window_list, 200,
            page(row("v-1", "", "unchecked") + "," + row("v-2", "AR-1", "open", "salesinvoice"),
                 2));
        h.fake.add(Method::get, "/v1/vouchers/v-1", 200, R"({"id":"v-1","files":["f-1"]})");
        h.fake.add(Method::get, "/v1/files/f-1", 200, "other receipt");
        h.fake.add(Method::get, "/v1/vouchers/v-2", 200, R"({"id":"v-2","files":[]})");
        h.fake.add(Method::post, "/v1/files", 202, R"({"id":"f-3","voucherId":"v-3"})");
        CHECK(h.run("vouchers upload --lookup-days 90 -o ndjson " + a.string()).code == 0);
        CHECK(h.fake.request_count() == 6);
        // A narrower window is covered: no list.
        h.fake.add(Method::post, "/v1/files", 202, R"({"id":"f-4","voucherId":"v-4"})");
        CHECK(h.run("vouchers upload --lookup-days 30 -o ndjson " + b.string()).code == 0);
        CHECK(h.fake.request_count() == 7);
        // All ages: listed once more; the vouchers read before (v-1, v-2) and those the ledger
        // wrote (v-3, v-4) are not read again, an older one is.
        auto c = h.write("in/c.pdf", std::string(k_pdf) + "% c\n");
        h.fake.add(Method::get, k_all_list, 200,
                   page(row("v-1", "", "unchecked") + "," + row("v-2", "AR-1", "open") + "," +
                            row("v-3", "", "unchecked") + "," + row("v-4", "", "unchecked") + "," +
                            row("v-0", "AR-0", "paid", "salesinvoice"),
                        5));
        h.fake.add(Method::get, "/v1/vouchers/v-0", 200, R"({"id":"v-0","files":["f-0"]})");
        h.fake.add(Method::get, "/v1/files/f-0", 200, std::string(k_pdf) + "% c\n");
        auto o = h.run("vouchers upload -o ndjson " + c.string());
        CHECK(o.code == 0);
        CHECK(contains(o.out, R"("action":"duplicate","voucherId":"v-0","fileId":"f-0")"));
        CHECK(h.fake.request_count() == 10);
        h.fake.verify();
    }

    TEST_CASE("a look stops once every file is found; the next file it misses takes it up, and "
              "what it hashed answers later runs without a request") {
        Harness h;
        auto content = [](const std::string& name) { return std::string(k_pdf) + "% " + name; };
        auto a = h.write("in/a.pdf", content("a"));
        // Unchecked vouchers first: v-1 (x), v-2 (a); then v-3 (y and q), never reached.
        h.fake.add(Method::get, k_all_list, 200,
                   page(row("v-3", "ER-3", "open") + "," + row("v-1", "", "unchecked") + "," +
                            row("v-2", "", "unchecked"),
                        3));
        h.fake.add(Method::get, "/v1/vouchers/v-1", 200, R"({"id":"v-1","files":["f-1"]})");
        h.fake.add(Method::get, "/v1/files/f-1", 200, content("x"));
        h.fake.add(Method::get, "/v1/vouchers/v-2", 200, R"({"id":"v-2","files":["f-2"]})");
        h.fake.add(Method::get, "/v1/files/f-2", 200, content("a"));
        auto o = h.run("vouchers upload -o ndjson " + a.string());
        CHECK(contains(o.out, R"("action":"duplicate","voucherId":"v-2","fileId":"f-2")"));
        CHECK(h.fake.request_count() == 5);
        // x was hashed on the way: found without a request.
        auto x = h.write("in/x.pdf", content("x"));
        o = h.run("vouchers upload -o ndjson " + x.string());
        CHECK(contains(o.out, R"("action":"duplicate","voucherId":"v-1","fileId":"f-1")"));
        CHECK(h.fake.request_count() == 5);
        // y is not among what was hashed: the look goes on where it stopped (v-3), to the end
        // of the list since z is in none of the vouchers.
        auto y = h.write("in/y.pdf", content("y"));
        auto z = h.write("in/z.pdf", content("z"));
        h.fake.add(Method::get, k_all_list, 200,
                   page(row("v-3", "ER-3", "open") + "," + row("v-1", "", "unchecked") + "," +
                            row("v-2", "", "unchecked"),
                        3));
        h.fake.add(Method::get, "/v1/vouchers/v-3", 200, R"({"id":"v-3","files":["f-3","f-4"]})");
        h.fake.add(Method::get, "/v1/files/f-3", 200, content("y"));
        h.fake.add(Method::get, "/v1/files/f-4", 200, content("q"));
        h.fake.add(Method::post, "/v1/files", 202, R"({"id":"f-5","voucherId":"v-5"})");
        o = h.run("vouchers upload -o ndjson " + y.string() + " " + z.string());
        CHECK(contains(o.out, R"("action":"duplicate","voucherId":"v-3","fileId":"f-3")"));
        CHECK(contains(o.out, R"("action":"uploaded","voucherId":"v-5","fileId":"f-5")"));
        CHECK(h.fake.request_count() == 10);
        // The look is complete now: q (hashed in v-3) is found, a new file uploaded, no list.
        auto q = h.write("in/q.pdf", content("q"));
        auto w = h.write("in/w.pdf", content("w"));
        h.fake.add(Method::post, "/v1/files", 202, R"({"id":"f-6","voucherId":"v-6"})");
        o = h.run("vouchers upload -o ndjson " + q.string() + " " + w.string());
        CHECK(contains(o.out, R"("action":"duplicate","voucherId":"v-3","fileId":"f-4")"));
        CHECK(contains(o.out, R"("action":"uploaded","voucherId":"v-6","fileId":"f-6")"));
        CHECK(h.fake.request_count() == 11);
        h.fake.verify();
    }

    TEST_CASE("--lookup-days 0 looks only at unchecked vouchers") {
        Harness h;
        auto f = h.write("in/a.pdf", k_pdf);
        h.fake.add(Method::get, k_inbox_list, 200, page("", 0));
        h.fake.add(Method::post, "/v1/files", 202, R"({"id":"f-1","voucherId":"v-1"})");
        auto o = h.run("vouchers upload --lookup-days 0 -o ndjson " + f.string());
        CHECK(o.code == 0);
        CHECK(contains(o.out, R"("action":"uploaded")"));
        CHECK(h.fake.request_count() == 2);
        h.fake.verify();
    }

    TEST_CASE("with the ledger deleted, inbox receipts are found by the hash of their files") {
        Harness h;
        auto f = h.write("in/a.pdf", k_pdf);
        h.fake.add(Method::post, "/v1/files", 202, R"({"id":"f-1","voucherId":"v-1"})");
        h.fake.add(Method::get, k_all_list, 200, page("", 0));
        CHECK(h.run("vouchers upload -o ndjson " + f.string()).code == 0);
        fs::remove_all(h.dir / "state");
        h.fake.add(Method::get, k_all_list, 200, page(row("v-1", "", "unchecked"), 1));
        h.fake.add(Method::get, "/v1/vouchers/v-1", 200, R"({"id":"v-1","files":["f-1"]})");
        h.fake.add(Method::get, "/v1/files/f-1", 200, k_pdf);
        auto o = h.run("vouchers upload -o ndjson " + f.string());
        CHECK(o.code == 0);
        CHECK(contains(o.out, R"("action":"duplicate","voucherId":"v-1","fileId":"f-1")"));
        CHECK(h.count(Method::post) == 1);
        h.fake.verify();
    }

    TEST_CASE("refused files are listed with the reason and the rest go on") {
        Harness h;
        auto bad = h.write("in/fake.pdf", "hello");
        auto xml = h.write("in/order.xml", "<Order xmlns='urn:x'/>");
        auto gif = h.write("in/pic.gif", "GIF89a");
        auto good = h.write("in/ok.pdf", k_pdf);
        h.fake.add(Method::get, k_all_list, 200, page("", 0));
        h.fake.add(Method::post, "/v1/files", 202, R"({"id":"f-1","voucherId":"v-1"})");
        auto o = h.run("vouchers upload -o ndjson " + bad.string() + " " + xml.string() + " " +
                       gif.string() + " " + good.string() + " " + (h.dir / "missing.pdf").string());
        CHECK(o.code == 4);
        CHECK(contains(o.out, "content is not PDF"));
        CHECK(contains(o.out, "<Order> is not an e-invoice"));
        CHECK(contains(o.out, "unsupported file type '.gif'"));
        CHECK(contains(o.out, "no such file or directory"));
        CHECK(contains(o.err, "1 uploaded"));
        CHECK(contains(o.err, "4 refused"));
        h.fake.verify();
    }

    TEST_CASE("an inbox upload with a lost answer is looked up in lexoffice, not sent again") {
        Harness h;
        auto f = h.write("in/a.pdf", k_pdf);
        auto g = h.write("in/b.png", k_png);
        h.fake.add(Method::get, k_all_list, 200, page("", 0));
        h.fake.add(Method::post, "/v1/files", 504, R"({"message":"Gateway Timeout"})");
        h.fake.add_error(Method::post, "/v1/files", lexsync::http::TransportError::Kind::receive);
        // Once the requests can no longer be in flight: a.pdf arrived, b.png did not.
        h.fake.add(Method::get, created_since_yesterday(), 200,
                   page(row("v-1", "", "unchecked"), 1));
        h.fake.add(Method::get, "/v1/vouchers/v-1", 200, R"({"id":"v-1","files":["f-1"]})");
        h.fake.add(Method::get, "/v1/files/f-1", 200, k_pdf);
        h.fake.add(Method::post, "/v1/files", 202, R"({"id":"f-2","voucherId":"v-2"})");
        const auto before = h.clock.total_slept();
        auto o = h.run("vouchers upload -o ndjson " + f.string() + " " + g.string());
        CHECK(o.code == 0);
        CHECK(contains(o.out, R"("action":"uploaded","voucherId":"v-1","fileId":"f-1")"));
        CHECK(contains(o.out, "confirmed in lexoffice after an unclear answer"));
        CHECK(contains(o.out, R"("action":"uploaded","voucherId":"v-2","fileId":"f-2")"));
        CHECK(contains(o.err, "2 files had an unclear answer"));
        // It waited for the request timeout (60 s by default) before looking.
        CHECK(h.clock.total_slept() - before >= std::chrono::seconds(60));
        CHECK(h.count(Method::post) == 3);
        h.fake.verify();
        auto again = h.run("vouchers upload -o ndjson " + f.string() + " " + g.string());
        CHECK(again.code == 0);
        CHECK(h.fake.request_count() == 7);
    }

    TEST_CASE("bookkeeping data creates an open voucher and a failed attach resumes alone") {
        Harness h;
        h.write("in/r1.pdf", k_pdf);
        auto data = h.write("in/data.csv",
                            "file,voucher_number,voucher_date,amount,tax_rate,gross_7,category\n"
                            "r1.pdf,ER-1 & Co,2026-03-02,119.00,19,10.70,bürobedarf\n");
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        h.fake.add(Method::get, numbers_list("2026-03-02", "2026-03-02"), 200,
                   page(row("bbbbbbbb-0000-4000-8000-000000000002", "ER-1 &amp; Cie", "open"), 1));
        h.fake.add(Method::post, "/v1/vouchers", 201,
                   std::string(R"({"id":")") + k_voucher + R"(","version":1})");
        h.fake.add(Method::post, std::string("/v1/vouchers/") + k_voucher + "/files", 406,
                   R"({"IssueList":[{"i18nKey":"image_conversion_error","source":"file"}]})");
        auto o = h.run("vouchers upload -o ndjson --data " + data.string() + " " +
                       (h.dir / "in").string());
        CHECK(o.code == 4);
        CHECK(contains(o.out, R"("action":"failed")"));
        CHECK(contains(o.out, "the next run attaches it"));
        const auto reqs = h.fake.requests();
        REQUIRE(reqs.size() == 4);
        const std::string& body = reqs[2].body;
        CHECK(contains(body, R"("voucherNumber":"ER-1 & Co")"));
        CHECK(contains(body, R"("voucherStatus":"open")"));
        CHECK(contains(body, R"("totalGrossAmount":129.7,"totalTaxAmount":19.7)"));
        CHECK(contains(body, std::string(R"("categoryId":")") + k_outgo));
        CHECK(contains(body, R"("taxRatePercent":7)"));
        CHECK(reqs[3].form.size() == 1);

        // The next run attaches only: no lookup, no second voucher.
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        h.fake.add(Method::post, std::string("/v1/vouchers/") + k_voucher + "/files", 202,
                   R"({"id":"file-1"})");
        auto again = h.run("vouchers upload -o ndjson --data " + data.string() + " " +
                           (h.dir / "in").string());
        CHECK(again.code == 0);
        CHECK(contains(again.out, R"("action":"uploaded")"));
        CHECK(contains(again.out, "resumed"));
        CHECK(h.count(Method::post) == 3);
        h.fake.verify();
    }

    TEST_CASE("a voucher POST that may have run is reconciled by voucher number") {
        Harness h;
        auto f = h.write("r.pdf", k_pdf);
        const std::string lookup = "/v1/vouchers?voucherNumber=ER-7&page=0&size=250";
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        h.fake.add(Method::get, numbers_list("2026-01-05", "2026-01-05"), 200, page("", 0));
        h.fake.add_error(Method::post, "/v1/vouchers",
                         lexsync::http::TransportError::Kind::receive);
        h.fake.add(Method::get, lookup, 200,
                   page(std::string(R"({"id":")") + k_voucher +
                            R"(","type":"purchaseinvoice","voucherNumber":"ER-7","files":[]})",
                        1));
        h.fake.add(Method::post, std::string("/v1/vouchers/") + k_voucher + "/files", 202,
                   R"({"id":"file-1"})");
        auto o = h.run("vouchers upload -o ndjson --voucher-number ER-7 --date 2026-01-05 "
                       "--net 100 --tax-rate 19 --category Bürobedarf " +
                       f.string());
        CHECK(o.code == 0);
        CHECK(contains(o.out, "confirmed after an earlier ambiguous failure"));
        CHECK(h.count(Method::post) == 2);
        h.fake.verify();
    }

    TEST_CASE("a voucher number that exists is a duplicate, a new category updates it") {
        Harness h;
        auto f = h.write("r.pdf", k_pdf);
        const std::string existing =
            std::string(R"({"id":")") + k_voucher +
            R"(","type":"purchaseinvoice","voucherStatus":"open","voucherNumber":"ER-8",)"
            R"("voucherDate":"2026-01-05T00:00:00.000+01:00","totalGrossAmount":119.00,)"
            R"("totalTaxAmount":19.00,"taxType":"gross","useCollectiveContact":true,)"
            R"("voucherItems":[{"amount":119.00,"taxAmount":19.00,"taxRatePercent":19,)"
            R"("categoryId":"efa82f43-fd85-11e1-a21f-0800200c9a66"}],"files":["f-old"],"version":2})";
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        h.fake.add(Method::get, numbers_list("2026-01-05", "2026-01-05"), 200,
                   page(row(k_voucher, "ER-8", "open"), 1));
        h.fake.add(Method::get, std::string("/v1/vouchers/") + k_voucher, 200, existing);
        auto o = h.run("vouchers upload -o ndjson --voucher-number ER-8 --date 2026-01-05 "
                       "--amount 119 --tax-rate 19 --category Bürobedarf " +
                       f.string());
        CHECK(o.code == 0);
        CHECK(contains(o.out, R"("action":"duplicate")"));
        CHECK(h.count(Method::post) == 0);
        h.fake.verify();
        // Found again, it is in the ledger: the next run needs no lookup.
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        CHECK(h.run("vouchers upload -o ndjson --voucher-number ER-8 --category Bürobedarf " +
                    f.string())
                  .code == 0);
        h.fake.verify();

        // Another ledger: the voucher's category differs from the one given.
        fs::remove_all(h.dir / "state");
        std::string other = existing;
        other.replace(other.find(k_outgo), 36, "efa82f99-fd85-11e1-a21f-0800200c9a66");
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        h.fake.add(Method::get, numbers_list("", ""), 200, page(row(k_voucher, "ER-8", "open"), 1));
        h.fake.add(Method::get, std::string("/v1/vouchers/") + k_voucher, 200, other);
        h.fake.add(Method::put, std::string("/v1/vouchers/") + k_voucher, 200,
                   std::string(R"({"id":")") + k_voucher + R"(","version":3})");
        auto u = h.run("vouchers upload -o ndjson --voucher-number ER-8 --category Bürobedarf " +
                       f.string());
        CHECK(u.code == 0);
        CHECK(contains(u.out, R"("action":"updated")"));
        const auto put = h.fake.requests().back();
        CHECK(contains(put.body, R"("files":["f-old"])"));
        CHECK(contains(put.body, R"("version":2)"));
        CHECK_FALSE(contains(put.body, "voucherStatus"));
        CHECK(contains(put.body, std::string(R"("categoryId":")") + k_outgo));
        h.fake.verify();
    }

    TEST_CASE("invalid bookkeeping data stops the run before any request") {
        Harness h;
        h.write("in/a.pdf", k_pdf);
        auto data = h.write("in/data.csv", "file,voucher_number,voucher_date,amount,category\n"
                                           "a.pdf,,2026-13-01,12.345,\n"
                                           "gone.pdf,X,2026-01-01,,Porto\n");
        auto o = h.run("vouchers upload --data " + data.string() + " " + (h.dir / "in").string());
        CHECK(o.code == 6);
        CHECK(contains(o.err, "data.csv:2:voucher_number: missing"));
        CHECK(contains(o.err, "data.csv:2:voucher_date:"));
        CHECK(contains(o.err, "data.csv:2:amount:"));
        CHECK(contains(o.err, "data.csv:2:tax_rate: missing"));
        CHECK(contains(o.err, "data.csv:2:category: missing"));
        CHECK(h.fake.request_count() == 0);

        auto flags = h.run("vouchers upload --voucher-number X --amount 5 --tax-rate 18 "
                           "--category Porto " +
                           (h.dir / "in" / "a.pdf").string());
        CHECK(flags.code == 6);
        CHECK(contains(flags.err, "command line:--tax-rate:"));
        CHECK(contains(flags.err, "command line:--date: missing"));
        CHECK(h.fake.request_count() == 0);

        auto german = h.run("vouchers upload --voucher-number X --amount 5 --tax-rate 19 "
                            "--category Porto --date 02.03.2026 --due-date 30.02.2026 " +
                            (h.dir / "in" / "a.pdf").string());
        CHECK(german.code == 6);
        CHECK(contains(german.err, "command line:--due-date: '30.02.2026' is not a calendar date"));
        CHECK_FALSE(contains(german.err, "--date"));
        CHECK(h.fake.request_count() == 0);
    }

    TEST_CASE("a category of the wrong kind is refused before any write") {
        Harness h;
        auto f = h.write("r.pdf", k_pdf);
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        auto o = h.run("vouchers upload --voucher-number X --date 2026-01-01 --amount 5 "
                       "--tax-rate 19 --category Dienstleistung " +
                       f.string());
        CHECK(o.code == 6);
        CHECK(contains(o.err, "command line:--category: posting category 'Dienstleistung' is for "
                              "sales vouchers"));
        CHECK(h.count(Method::post) == 0);
        h.fake.verify();
    }

    TEST_CASE("a dry run prints the requests and sends no writes") {
        Harness h;
        h.write("in/a.pdf", k_pdf);
        auto data = h.write("in/data.csv", "file,voucher_number,voucher_date,net_19,category\n"
                                           "a.pdf,ER-3,2026-01-01,100,Bürobedarf\n");
        h.write("in/b.png", k_png);
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        h.fake.add(Method::get, numbers_list("2026-01-01", "2026-01-01"), 200, page("", 0));
        h.fake.add(Method::get, k_all_list, 200, page("", 0));
        auto o = h.run("vouchers upload --dry-run -o json --data " + data.string() + " " +
                       (h.dir / "in").string());
        CHECK(o.code == 0);
        CHECK(h.count(Method::post) == 0);
        CHECK(contains(o.out, R"("action":"planned")"));
        CHECK(contains(o.out, R"("method":"POST","url":"https://api.example.test/v1/vouchers")"));
        CHECK(contains(o.out, R"("taxType":"net")"));
        CHECK(contains(o.out, R"({"name":"type","value":"voucher"})"));
        CHECK(contains(o.err, "dry run"));
        h.fake.verify();
    }

    TEST_CASE("--to completes an unchecked voucher and keeps its files") {
        Harness h;
        auto f = h.write("r.pdf", k_pdf);
        const std::string current =
            std::string(R"({"id":")") + k_voucher +
            R"(","organizationId":"o","type":"purchaseinvoice","voucherStatus":"unchecked",)"
            R"("taxType":"gross","useCollectiveContact":true,"voucherItems":[],)"
            R"("files":["f-ocr"],"version":1})";
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        h.fake.add(Method::get, std::string("/v1/vouchers/") + k_voucher, 404,
                   R"({"message":"not yet"})");
        h.fake.add(Method::get, std::string("/v1/vouchers/") + k_voucher, 200, current);
        h.fake.add(Method::put, std::string("/v1/vouchers/") + k_voucher, 200,
                   std::string(R"({"id":")") + k_voucher + R"(","version":2})");
        std::string after = current;
        after.replace(after.find(R"("version":1)"), 11, R"("version":2)");
        h.fake.add(Method::get, std::string("/v1/vouchers/") + k_voucher, 200, after);
        h.fake.add(Method::post, std::string("/v1/vouchers/") + k_voucher + "/files", 202,
                   R"({"id":"f-new"})");
        auto o = h.run(std::string("vouchers upload -o ndjson --to ") + k_voucher +
                       " --voucher-number ER-5 --date 2026-02-01 --amount 59.50 --tax-rate 19 "
                       "--category Bürobedarf " +
                       f.string());
        CHECK(o.code == 0);
        CHECK(contains(o.out, R"("fileId":"f-new")"));
        std::string put_body;
        for (const auto& r : h.fake.requests()) {
            if (r.method == Method::put) {
                put_body = r.body;
            }
        }
        CHECK(contains(put_body, R"("files":["f-ocr"])"));
        CHECK(contains(put_body, R"("version":1)"));
        CHECK(contains(put_body, R"("voucherStatus":"open")"));
        CHECK(contains(put_body, R"("totalGrossAmount":59.5)"));
        CHECK_FALSE(contains(put_body, "organizationId"));
        h.fake.verify();

        auto again =
            h.run(std::string("vouchers upload -o ndjson --to ") + k_voucher + " " + f.string());
        CHECK(again.code == 0);
        CHECK(contains(again.out, "already attached to this voucher"));
    }
}
