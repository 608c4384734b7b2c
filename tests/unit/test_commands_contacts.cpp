#include "cli/context.hpp"
#include "commands/commands.hpp"
#include "commands/contacts/shared/flatten.hpp"
#include "fake_transport.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <lexsync/records/contacts.hpp>
#include <map>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using lexsync::http::Method;

namespace {

constexpr const char* k_key = "unit-test-key-0123456789";

using lexsync::testing::Forward;

struct Harness {
    fs::path dir;
    lexsync::testing::FakeTransport fake;
    lexsync::FakeClock clock;
    bool err_tty = false; // stderr counts as a terminal (progress is drawn)

    Harness() {
        static int n = 0;
        dir = fs::temp_directory_path() /
              ("lexsync-cmd-contacts-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::create_directories(dir);
    }
    ~Harness() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }

    fs::path write(const std::string& name, const std::string& text) const {
        std::ofstream(dir / name) << text;
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
            lexsync::IOStreams{out, err, in, false, err_tty, false, 0, 80},
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

std::string page(const std::string& items) {
    return R"({"content":[)" + items +
           R"(],"first":true,"last":true,"totalPages":1,"totalElements":1,)"
           R"("numberOfElements":1,"size":250,"number":0})";
}

const std::string k_alpha = R"({"id":"11111111-1111-1111-1111-111111111111","version":1,
    "roles":{"customer":{"number":10001}},"company":{"name":"Alpha GmbH"},
    "emailAddresses":{"business":["info@alpha.example"]},"note":"old"})";

} // namespace

TEST_SUITE("lexsync contacts") {
    TEST_CASE("pull escapes the name filter and asks for pages of 250") {
        Harness h;
        h.fake.add(
            Method::get,
            "/v1/"
            "contacts?customer=true&name=M%C3%BCller%20%26amp%3B%20S%C3%B6hne%25&page=0&size=250",
            200, page(k_alpha));
        auto o = h.run("contacts pull --customer --name 'Müller & Söhne%' -o ndjson");
        CHECK(o.code == 0);
        CHECK(o.out.find("Alpha GmbH") != std::string::npos);
        h.fake.verify();
    }

    TEST_CASE("pull past the 10,000-result window reads customers and vendors apart, once each") {
        Harness h;
        auto contact = [](int i, const char* role) {
            return fmt::format(R"({{"id":"00000000-0000-4000-8000-00000000000{}","version":1,)"
                               R"("roles":{{"{}":{{}}}},"company":{{"name":"Firma {}"}}}})",
                               i, role, i);
        };
        auto listing = [](const std::string& items, long total) {
            return fmt::format(R"({{"content":[{}],"first":true,"last":{},"totalPages":{},)"
                               R"("totalElements":{},"size":250,"number":0}})",
                               items, total <= 250 ? "true" : "false", (total + 249) / 250, total);
        };
        h.fake.add(Method::get, "/v1/contacts?page=0&size=250", 200,
                   listing(contact(1, "customer"), 10000));
        h.fake.add(Method::get, "/v1/contacts?customer=true&page=0&size=250", 200,
                   listing(contact(1, "customer") + "," + contact(2, "customer"), 2));
        h.fake.add(Method::get, "/v1/contacts?vendor=true&page=0&size=250", 200,
                   listing(contact(2, "customer") + "," + contact(3, "vendor"), 2));
        const auto out = h.dir / "all.ndjson";
        h.err_tty = true;
        auto o = h.run("contacts pull -o ndjson --out " + out.string());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        // The progress knows its total, the two listings' totals, and reaches it.
        CHECK(o.err.find("4/4") != std::string::npos);
        std::ifstream in(out);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(std::count(text.begin(), text.end(), '\n') == 3); // contact 2 once
        CHECK(text.find("Firma 3") != std::string::npos);
        CHECK(o.err.find("3 contacts written") != std::string::npos);
    }

    TEST_CASE("pull that cannot get below the window writes no --out file and exits 4") {
        Harness h;
        std::string items;
        for (int i = 0; i < 250; ++i) {
            items += fmt::format(R"({}{{"id":"id-{}","version":1,"roles":{{"customer":{{}}}},)"
                                 R"("company":{{"name":"K {}"}}}})",
                                 i == 0 ? "" : ",", i, i);
        }
        for (int p = 0; p < 40; ++p) {
            h.fake.add(Method::get,
                       "/v1/contacts?customer=true&page=" + std::to_string(p) + "&size=250", 200,
                       fmt::format(R"({{"content":[{}],"first":{},"last":false,"totalPages":48,)"
                                   R"("totalElements":10000,"size":250,"number":{}}})",
                                   items, p == 0 ? "true" : "false", p));
        }
        const auto out = h.dir / "customers.csv";
        auto o = h.run("contacts pull --customer -o csv --out " + out.string());
        CHECK(o.code == 4);
        CHECK_FALSE(fs::exists(out));
        CHECK(o.err.find("at most 10000 results") != std::string::npos);
        CHECK(o.err.find("not written") != std::string::npos);
        h.fake.verify();
    }

    TEST_CASE("push and pull --bank-accounts with an API key exit 3 before any request") {
        Harness h;
        auto file = h.write("c.csv", "role,company_name,bank_name,iban,bic\n"
                                     "customer,Alpha GmbH,Commerzbank,DE89370400440532013000,"
                                     "COBADEFFXXX\n");
        auto o = h.run("contacts push -o json " + file.string());
        CHECK(o.code == 3);
        CHECK(o.err.find("this profile uses an API key") != std::string::npos);
        CHECK(o.err.find("Nothing was sent") != std::string::npos);
        auto p = h.run("contacts pull --bank-accounts -o json");
        CHECK(p.code == 3);
        CHECK(p.err.find("pull without --bank-accounts") != std::string::npos);
        CHECK(h.fake.requests().empty());
        // A dry run warns and plans the contact without checking its account.
        h.fake.add(Method::get, "/v1/contacts?page=0&size=250", 200, page(k_alpha));
        auto d = h.run("contacts push --dry-run -o json " + file.string());
        CHECK(d.code == 0);
        CHECK(d.err.find("this profile uses an API key") != std::string::npos);
        CHECK(d.out.find("\"bankAccount\":\"unchecked\"") != std::string::npos);
        CHECK(h.count(Method::post) == 0);
    }

    TEST_CASE("push updates with the current version after a version conflict") {
        Harness h;
        auto file = h.write(
            "c.csv", "role,company_name,email,note\ncustomer,Alpha GmbH,info@alpha.example,new\n");
        h.fake.add(Method::get, "/v1/contacts?page=0&size=250", 200, page(k_alpha));
        h.fake.add(
            Method::put, "/v1/contacts/11111111-1111-1111-1111-111111111111", 406,
            R"({"IssueList":[{"i18nKey":"invalid_value","source":"version","type":"validation_failure"}]})");
        std::string v2 = k_alpha;
        v2.replace(v2.find("\"version\":1"), 11, "\"version\":2");
        h.fake.add(Method::get, "/v1/contacts/11111111-1111-1111-1111-111111111111", 200, v2);
        h.fake.add(Method::put, "/v1/contacts/11111111-1111-1111-1111-111111111111", 200,
                   R"({"id":"11111111-1111-1111-1111-111111111111","version":3})");
        auto o = h.run("contacts push -o json " + file.string());
        CHECK(o.code == 0);
        CHECK(o.out.find("\"action\":\"updated\"") != std::string::npos);
        const auto reqs = h.fake.requests();
        REQUIRE(reqs.size() == 4);
        CHECK(reqs[1].body.find("\"version\":1") != std::string::npos);
        CHECK(reqs[3].body.find("\"version\":2") != std::string::npos);
        CHECK(reqs[3].body.find("\"note\":\"new\"") != std::string::npos);
        h.fake.verify();
    }

    TEST_CASE("a POST whose answer was lost is confirmed in lexoffice after its timeout, never "
              "sent twice") {
        Harness h;
        auto file = h.write("c.csv", "ref,role,company_name,email\nr1,customer,Beta AG,"
                                     "info@beta.example\nr2,customer,Delta SE,\n");
        h.fake.add(Method::get, "/v1/contacts?page=0&size=250", 200, page(k_alpha));
        h.fake.add(Method::post, "/v1/contacts", 504, R"({"message":"Gateway Timeout"})");
        // The lost answer ends nothing: the next row goes on.
        h.fake.add(Method::post, "/v1/contacts", 201,
                   R"({"id":"44444444-4444-4444-4444-444444444444","version":1})");
        const std::string beta =
            R"({"id":"22222222-2222-2222-2222-222222222222","version":1,"roles":{"customer":{"number":10002}},
                "company":{"name":"Beta AG"},"emailAddresses":{"business":["info@beta.example"]}})";
        h.fake.add(Method::get, "/v1/contacts?page=0&size=250", 200, page(k_alpha + "," + beta));
        const auto before = h.clock.now();
        auto o = h.run("contacts push -o json " + file.string());
        CHECK(o.code == 0);
        CHECK(o.out.find("\"action\":\"created\"") != std::string::npos);
        CHECK(o.out.find("22222222-2222-2222-2222-222222222222") != std::string::npos);
        CHECK(o.out.find("confirmed in lexoffice after a lost answer") != std::string::npos);
        CHECK(h.count(Method::post) == 2);
        // Looked up only once the request could no longer be in flight (the 60 s timeout).
        CHECK(h.clock.now() - before >= std::chrono::seconds(60));
        h.fake.verify();
    }

    TEST_CASE("a POST whose answer was lost and that did not arrive is sent once more after its "
              "timeout; the next run finds the contact") {
        Harness h;
        auto file = h.write("c.csv", "ref,role,company_name\nr1,customer,Gamma KG\n");
        h.fake.add(Method::get, "/v1/contacts?page=0&size=250", 200, page(k_alpha));
        h.fake.add_error(Method::post, "/v1/contacts",
                         lexsync::http::TransportError::Kind::timeout);
        h.fake.add(Method::get, "/v1/contacts?page=0&size=250", 200, page(k_alpha));
        h.fake.add(Method::post, "/v1/contacts", 201,
                   R"({"id":"33333333-3333-3333-3333-333333333333","version":1})");
        auto first = h.run("contacts push -o json " + file.string());
        CHECK(first.code == 0);
        CHECK(first.out.find("\"action\":\"created\"") != std::string::npos);
        CHECK(first.out.find("sent again") != std::string::npos);

        const std::string gamma = R"({"id":"33333333-3333-3333-3333-333333333333","version":1,
            "roles":{"customer":{"number":10003}},"company":{"name":"Gamma KG"}})";
        h.fake.add(Method::get, "/v1/contacts?page=0&size=250", 200, page(k_alpha + "," + gamma));
        auto second = h.run("contacts push -o json " + file.string());
        CHECK(second.code == 0);
        CHECK(second.out.find("\"action\":\"unchanged\"") != std::string::npos);
        CHECK(h.count(Method::post) == 2);
        CHECK(h.count(Method::put) == 0);
        h.fake.verify();
    }

    TEST_CASE("invalid input sends nothing and exits 6") {
        Harness h;
        auto file = h.write("c.csv", "role,company_name,email\ncustomer,,x@y.example\n");
        auto o = h.run("contacts push " + file.string());
        CHECK(o.code == 6);
        CHECK(o.err.find("c.csv:2:2:company_name: missing name") != std::string::npos);
        CHECK(h.fake.request_count() == 0);
    }

    TEST_CASE("a name matching two contacts is a conflict, not a guess") {
        Harness h;
        auto file = h.write("c.csv", "role,company_name\ncustomer,Twin GmbH\n");
        h.fake.add(
            Method::get, "/v1/contacts?page=0&size=250", 200,
            page(R"({"id":"a","version":1,"roles":{"customer":{}},"company":{"name":"Twin GmbH"}},
                           {"id":"b","version":1,"roles":{"customer":{}},"company":{"name":"twin  gmbh"}})"));
        auto o = h.run("contacts push -o json " + file.string());
        CHECK(o.code == 4);
        CHECK(o.out.find("\"action\":\"conflict\"") != std::string::npos);
        CHECK(h.count(Method::post) == 0);
        h.fake.verify();
    }

    TEST_CASE("--help exits 0 on stdout; a bad flag exits 2 on stderr") {
        Harness h;
        auto help = h.run("contacts push --help");
        CHECK(help.code == 0);
        CHECK(help.out.find("--write-back") != std::string::npos);
        auto bad = h.run("contacts push --bogus x.csv");
        CHECK(bad.code == 2);
        CHECK(bad.out.empty());
        CHECK_FALSE(bad.err.empty());
    }
}

TEST_CASE("contacts pull --bank-accounts: the first account in the columns push reads") {
    using namespace lexsync;
    namespace c = lexsync::commands::contacts;
    // Without the option the csv columns are push's input columns as before, without bank ones.
    const auto& plain = c::push_columns(false);
    const auto& with = c::push_columns(true);
    CHECK(plain.size() + 4 == with.size());
    CHECK(std::none_of(plain.begin(), plain.end(),
                       [](const lexsync::Column& col) { return col.path == "iban"; }));
    std::vector<std::string> tail;
    for (auto it = with.end() - 4; it != with.end(); ++it) {
        tail.push_back(it->header);
    }
    CHECK(tail == lexsync::contacts::k_bank_fields);
    CHECK(c::flat_columns(false).size() + 1 == c::flat_columns(true).size());

    auto list = json::parse(
        R"([{"id":"b1","accountHolder":"A GmbH","bankName":"Commerzbank","iban":"DE89370400440532013000","bic":"COBADEFFXXX","version":1},
            {"id":"b2","accountHolder":"A GmbH","bankName":"Bank Austria","iban":"AT611904300234573201","bic":"BKAUATWW","version":1}])");
    REQUIRE(list.has_value());
    json::Document out;
    out.SetObject();
    CHECK(c::flatten_bank_accounts(*list, out) == 1); // the second is left out
    CHECK(json::get_string(out, "bank_account_holder") == "A GmbH");
    CHECK(json::get_string(out, "bank_name") == "Commerzbank");
    CHECK(json::get_string(out, "iban") == "DE89370400440532013000");
    CHECK(json::get_string(out, "bic") == "COBADEFFXXX");
    // No account: the columns are there, empty.
    auto none = json::parse("[]");
    json::Document empty;
    empty.SetObject();
    CHECK(c::flatten_bank_accounts(*none, empty) == 0);
    CHECK(json::get_string(empty, "iban") == "");
}
