#include "cli/context.hpp"
#include "commands/commands.hpp"
#include "fake_transport.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/records/transactions.hpp>
#include <lexsync/store/credentials.hpp>
#include <map>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using lexsync::http::Method;

namespace {

constexpr const char* k_key = "unit-test-key-0123456789";
constexpr const char* k_access = "unit-test-access-token-abcdef";
constexpr const char* k_account = "aaaaaaaa-0000-4000-8000-00000000acc1";
constexpr const char* k_voucher = "aaaaaaaa-0000-4000-8000-000000000001";

const std::string k_categories =
    R"([{"id":"efa82f43-fd85-11e1-a21f-0800200c9a66","name":"Bürobedarf","type":"outgo",)"
    R"("contactRequired":false,"splitAllowed":true,"groupName":"Verwaltung"}])";
const std::string k_pdf = "%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n";
const std::string k_input = "booking_date,amount,purpose,counterparty_name,transaction_id,"
                            "posting_category,tax_rate,receipt_file,receipt_number\n"
                            "2026-03-02,-11.90,Papier,Büromarkt,T-1,Bürobedarf,19,r1.pdf,BM-1\n"
                            "2026-03-03,-5.00,Kaffee,Café,T-2,,,,\n";

using lexsync::testing::Forward;

struct Harness {
    fs::path dir;
    lexsync::testing::FakeTransport fake;
    lexsync::FakeClock clock;
    bool oauth = false;
    int err_width = 0; // stderr is a terminal this wide (the progress line), when not 0

    Harness() {
        static int n = 0;
        dir = fs::temp_directory_path() / ("lexsync-cmd-transactions-" +
                                           std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::create_directories(dir / "config" / "lexsync");
        write("in/tx.csv", k_input);
        write("in/r1.pdf", k_pdf);
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

    // Connects the default profile with stored OAuth tokens instead of an API key.
    void use_oauth() {
        oauth = true;
        write("config/lexsync/config.toml", "[profiles.default]\nbase_url = "
                                            "\"https://api.example.test\"\noauth_client_id = "
                                            "\"client\"\n");
        lexsync::credentials::OAuthTokens t;
        t.access_token = lexsync::BearerToken(k_access);
        t.refresh_token = lexsync::BearerToken(std::string(128, 'r'));
        t.obtained_at = 1;
        t.expires_at = 4102444800; // 2100
        t.scope = "finance.read finance.write transaction-assignment-hint.write";
        t.client_id = "client";
        auto ok = lexsync::credentials::store_oauth(dir / "config" / "lexsync" / "credentials.toml",
                                                    "default", t);
        REQUIRE(ok);
    }

    struct Outcome {
        int code = 0;
        std::string out, err;
    };

    Outcome run(const std::string& args) {
        std::ostringstream out, err;
        std::istringstream in;
        std::map<std::string, std::string> vars = {{"LEXSYNC_BASE_URL", "https://api.example.test"},
                                                   {"HOME", dir.string()},
                                                   {"XDG_STATE_HOME", (dir / "state").string()},
                                                   {"XDG_CONFIG_HOME", (dir / "config").string()}};
        if (!oauth) {
            vars["LEXSYNC_API_KEY"] = k_key;
        }
        lexsync::Context ctx(
            lexsync::IOStreams{out, err, in, false, err_width > 0, false, 0, err_width},
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
        for (const char* secret : {k_key, k_access}) {
            CHECK(o.out.find(secret) == std::string::npos);
            CHECK(o.err.find(secret) == std::string::npos);
        }
        return o;
    }

    std::string input() const { return (dir / "in" / "tx.csv").string(); }
};

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

std::string empty_page() {
    return R"({"content":[],"first":true,"last":true,"totalPages":0,"totalElements":0,)"
           R"("numberOfElements":0,"size":25,"number":0})";
}

} // namespace

TEST_SUITE("lexsync transactions export") {
    TEST_CASE("--help lists the flags and exits 0") {
        Harness h;
        auto o = h.run("transactions export --help");
        CHECK(o.code == 0);
        for (const char* flag : {"--account", "--account-type", "--mapping", "--format", "--out",
                                 "--summary-json", "--receipts", "--balance", "--dry-run"}) {
            CHECK_MESSAGE(contains(o.out, flag), flag);
        }
    }

    TEST_CASE("an API key is told to use the CSV fallback and nothing is sent") {
        Harness h;
        auto o = h.run("transactions export --account Karte " + h.input());
        CHECK(o.code == 3);
        CHECK(contains(o.err, "partner OAuth connection"));
        CHECK(contains(o.err, "--format lexoffice-csv --out FILE"));
        CHECK(h.fake.requests().empty());
    }

    TEST_CASE("invalid input: file:line:column:field reasons, exit 6, no request") {
        Harness h;
        h.write("in/bad.csv", "booking_date,amount,currency,purpose,transaction_id,receipt_file\n"
                              "2026-13-01,-1.00,EUR,x,A,\n2026-03-01,-1.00,CHF,x,B,\n"
                              "2026-03-01,-1.00,EUR,x,C,missing.pdf\n");
        auto o = h.run("transactions export --account Karte --format lexoffice-csv --out " +
                       (h.dir / "out.csv").string() + " " + (h.dir / "in" / "bad.csv").string());
        CHECK(o.code == 6);
        CHECK(contains(o.err, "bad.csv:2:1:booking_date: '2026-13-01' is not a date"));
        CHECK(contains(o.err, "bad.csv:3:3:currency: 'CHF' is not supported"));
        CHECK(contains(o.err, "bad.csv:4:receipt_number: missing"));
        CHECK(h.fake.requests().empty());
        CHECK_FALSE(fs::exists(h.dir / "out.csv"));
    }

    TEST_CASE("an unknown posting category stops the run after the one category read") {
        Harness h;
        h.write("in/cat.csv", "booking_date,amount,purpose,transaction_id,posting_category,"
                              "tax_rate,receipt_file,receipt_number\n"
                              "2026-03-02,-11.90,x,T-1,Gibtsnicht,19,r1.pdf,N-1\n");
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        auto o = h.run("transactions export --account Karte --format lexoffice-csv --out " +
                       (h.dir / "out.csv").string() + " " + (h.dir / "in" / "cat.csv").string());
        CHECK(o.code == 6);
        CHECK(contains(o.err, "cat.csv:2:posting_category:"));
        CHECK(h.fake.requests().size() == 1);
    }

    TEST_CASE("the CSV fallback writes each transaction once and uploads the receipts") {
        Harness h;
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        h.fake.add(Method::get,
                   "/v1/voucherlist?voucherType=purchaseinvoice&voucherStatus=any"
                   "&voucherDateFrom=2026-03-02&voucherDateTo=2026-03-02&page=0&size=250",
                   200, empty_page());
        h.fake.add(Method::post, "/v1/vouchers", 201,
                   std::string(R"({"id":")") + k_voucher + "\"}");
        h.fake.add(Method::post, std::string("/v1/vouchers/") + k_voucher + "/files", 202,
                   R"({"id":"f-1"})");
        const fs::path out1 = h.dir / "one.csv";
        auto o =
            h.run("transactions export -o ndjson --account Karte --format lexoffice-csv --out " +
                  out1.string() + " " + h.input());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        CHECK(h.fake.unused().empty());
        CHECK(contains(o.err, "no duplicate check"));
        CHECK(contains(o.err, "no assignment hints"));
        std::ifstream in(out1);
        std::stringstream text;
        text << in.rdbuf();
        CHECK(contains(text.str(), "02.03.2026;02.03.2026;Büromarkt;Papier;;-11,90;EUR;"));
        CHECK(contains(o.out, R"("action":"written")"));

        // Nothing new: no file, and the receipt is known from the ledger.
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        const fs::path out2 = h.dir / "two.csv";
        auto again = h.run("transactions export -o ndjson --account Karte --format lexoffice-csv "
                           "--out " +
                           out2.string() + " " + h.input());
        CHECK(again.code == 0);
        CHECK_FALSE(fs::exists(out2));
        CHECK(contains(again.err, "no new transactions"));
        CHECK(contains(again.out, R"("voucher":"existing")"));
    }

    TEST_CASE("a receipt vouchers upload sent is not uploaded again by transactions export") {
        Harness h;
        // vouchers upload sends the receipt to the inbox (an empty ledger first looks for it).
        h.fake.add(Method::get,
                   "/v1/voucherlist?voucherType=purchaseinvoice%2Cpurchasecreditnote"
                   "%2Csalesinvoice%2Csalescreditnote&voucherStatus=any&page=0&size=250",
                   200, empty_page());
        h.fake.add(Method::post, "/v1/files", 202,
                   std::string(R"({"id":"f-1","voucherId":")") + k_voucher + R"("})");
        auto up = h.run("vouchers upload -o ndjson " + (h.dir / "in" / "r1.pdf").string());
        REQUIRE_MESSAGE(up.code == 0, up.err);
        // transactions export knows it from the shared ledger: no voucher, no attach.
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        auto o =
            h.run("transactions export -o ndjson --account Karte --format lexoffice-csv --out " +
                  (h.dir / "one.csv").string() + " " + h.input());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        CHECK(contains(o.out, R"("voucher":"existing")"));
        h.fake.verify();
        std::size_t posts = 0;
        for (const auto& r : h.fake.requests()) {
            posts += r.method == Method::post ? 1 : 0;
        }
        CHECK(posts == 1);
    }

    TEST_CASE("a receipt transactions export sent is not uploaded again by vouchers upload") {
        Harness h;
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        h.fake.add(Method::get,
                   "/v1/voucherlist?voucherType=purchaseinvoice&voucherStatus=any"
                   "&voucherDateFrom=2026-03-02&voucherDateTo=2026-03-02&page=0&size=250",
                   200, empty_page());
        h.fake.add(Method::post, "/v1/vouchers", 201,
                   std::string(R"({"id":")") + k_voucher + R"("})");
        h.fake.add(Method::post, std::string("/v1/vouchers/") + k_voucher + "/files", 202,
                   R"({"id":"f-1"})");
        auto o =
            h.run("transactions export -o ndjson --account Karte --format lexoffice-csv --out " +
                  (h.dir / "one.csv").string() + " " + h.input());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        h.fake.verify();
        const auto before = h.fake.request_count();
        // vouchers upload knows it from the shared ledger: nothing is sent or looked up.
        auto up = h.run("vouchers upload -o ndjson " + (h.dir / "in" / "r1.pdf").string());
        REQUIRE_MESSAGE(up.code == 0, up.err);
        CHECK(contains(up.out, std::string(R"("action":"duplicate","voucherId":")") + k_voucher +
                                   R"(","fileId":"f-1")"));
        CHECK(h.fake.request_count() == before);
    }

    TEST_CASE("rows the mapping leaves out are records too, with the reason") {
        Harness h;
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        const fs::path sample = fs::path(LEXSYNC_TEST_FIXTURES) / ".." / ".." / "examples" /
                                "transactions" / "samples" / "sparkasse-csv-camt.csv";
        const fs::path out = h.dir / "giro.csv";
        auto o = h.run("transactions export -o ndjson --account Giro --mapping sparkasse-csv-camt "
                       "--format lexoffice-csv --out " +
                       out.string() + " " + sample.string());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        std::size_t written = 0, left = 0;
        for (std::size_t p = 0; (p = o.out.find(R"("action":"written")", p)) != std::string::npos;
             ++p) {
            ++written;
        }
        for (std::size_t p = 0; (p = o.out.find(R"("action":"left-out")", p)) != std::string::npos;
             ++p) {
            ++left;
        }
        CHECK(written == 7);
        CHECK(left == 3);
        CHECK(contains(o.out, R"({"line":2,"transactionId":"","externalReference":null,)"
                              R"("action":"left-out",)"));
        CHECK(contains(o.out, R"("reason":"'Umsatz vorgemerkt' in column 'Info' is not Umsatz )"
                              R"(gebucht")"));
        CHECK(contains(o.err, "3 rows left out by the mapping (records marked left-out)"));
        std::ifstream in(out);
        std::stringstream text;
        text << in.rdbuf();
        CHECK(contains(text.str(), "05.12.2025;05.12.2025;Sparkasse;KOSTEN KONTO QUARTAL"));
        CHECK_FALSE(contains(text.str(), "-99,80"));
    }

    TEST_CASE("over OAuth: account created, one batch, balance, voucher and hint; a re-run skips") {
        Harness h;
        h.use_oauth();
        h.err_width = 200;
        const std::string ref = lexsync::transactions::account_reference("default", "Karte");
        const std::string r1 = lexsync::transactions::transaction_reference(ref, "T-1");
        const std::string r2 = lexsync::transactions::transaction_reference(ref, "T-2");
        const std::string acc_path = std::string("/v1/finance/accounts/") + k_account;
        const std::string account = std::string(R"({"financialAccountId":")") + k_account +
                                    R"(","type":"CREDITCARD","name":"Karte","balance":0,)"
                                    R"("lockVersion":0,"externalReference":")" +
                                    ref + R"(","deactivated":false})";
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        h.fake.add(Method::get, "/v1/finance/accounts?externalReference=" + ref, 200, "[]");
        h.fake.add(Method::post, "/v1/finance/accounts", 201,
                   std::string(R"({"id":")") + k_account + R"(","version":0})");
        h.fake.add(Method::post, "/v1/finance/transactions", 201,
                   R"([{"financialTransactionId":"t-1","externalReference":")" + r1 +
                       R"("},{"financialTransactionId":"t-2","externalReference":")" + r2 +
                       R"("}])");
        h.fake.add(Method::get, acc_path, 200, account);
        h.fake.add(Method::put, acc_path, 409, R"({"message":"stale lockVersion"})");
        h.fake.add(Method::get, acc_path, 200, account);
        h.fake.add(Method::put, acc_path, 200, R"({"id":"x","version":2})");
        h.fake.add(Method::get,
                   "/v1/voucherlist?voucherType=purchaseinvoice&voucherStatus=any"
                   "&voucherDateFrom=2026-03-02&voucherDateTo=2026-03-02&page=0&size=250",
                   200, empty_page());
        h.fake.add(Method::post, "/v1/vouchers", 201,
                   std::string(R"({"id":")") + k_voucher + "\"}");
        h.fake.add(Method::post, std::string("/v1/vouchers/") + k_voucher + "/files", 202,
                   R"({"id":"f-1"})");
        // The run created the account, so its transactions are new and the hint goes out
        // without asking for their assignments first. The hint is refused with a 406 whose text
        // says nothing: the voucher is readable, so the hint exists.
        h.fake.add(Method::post, "/v1/transaction-assignment-hint", 406,
                   R"({"message":"Not acceptable"})");
        h.fake.add(Method::get, "/v1/finance/transactions/t-1/assignments", 200, "[]");
        h.fake.add(Method::get, std::string("/v1/vouchers/") + k_voucher, 200,
                   std::string(R"({"id":")") + k_voucher + R"(","files":["f-1"]})");
        const fs::path summary = h.dir / "summary.json";
        auto o = h.run("transactions export -o ndjson --account Karte --card-provider VISA "
                       "--card-number 4711 --summary-json " +
                       summary.string() + " " + h.input());
        REQUIRE_MESSAGE(o.code == 0, o.err);
        CHECK(h.fake.unused().empty());
        CHECK(contains(o.out, R"("action":"pushed")"));
        CHECK(contains(o.out, R"("hint":"existing")"));
        // On a terminal, the progress line counts the transactions, receipts and hints of all.
        for (const char* line : {"\rtransactions export: 0/2 transactions\033[K",
                                 "\rtransactions export: 2/2 transactions\033[K",
                                 "\rtransactions export: 0/1 receipts\033[K",
                                 "\rtransactions export: 0/1 hints\033[K"}) {
            CHECK_MESSAGE(contains(o.err, line), line);
        }
        std::ifstream in(summary);
        std::stringstream text;
        text << in.rdbuf();
        CHECK(contains(text.str(), R"("accountsCreated":1)"));
        CHECK(contains(text.str(), R"("transactionsPushed":2)"));
        CHECK(contains(text.str(), R"("balance":"-16.90")"));
        CHECK(contains(text.str(), R"("balanceUpdated":true)"));
        // The request bodies: exact amounts, the PUT with the re-read lockVersion.
        const auto& reqs = h.fake.requests();
        bool batch_seen = false;
        for (const auto& r : reqs) {
            if (r.method == Method::post && contains(r.url, "/v1/finance/transactions")) {
                batch_seen = true;
                CHECK(contains(r.body, R"("amount":-11.9)"));
                CHECK(contains(r.body, "\"externalReference\":\"" + r1 + "\""));
            }
            if (r.method == Method::put) {
                CHECK(contains(r.body, R"("balance":-16.9)"));
            }
        }
        CHECK(batch_seen);

        // A re-run: everything is in the ledger and the balance is right.
        const std::string settled = std::string(R"({"financialAccountId":")") + k_account +
                                    R"(","balance":-16.90,"lockVersion":2,"externalReference":")" +
                                    ref + R"("})";
        h.fake.add(Method::get, "/v1/posting-categories", 200, k_categories);
        h.fake.add(Method::get, "/v1/finance/accounts?externalReference=" + ref, 200,
                   "[" + settled + "]");
        h.fake.add(Method::get, acc_path, 200, settled);
        auto again = h.run("transactions export -o ndjson --account Karte " + h.input());
        REQUIRE_MESSAGE(again.code == 0, again.err);
        CHECK(h.fake.unused().empty());
        CHECK(contains(again.out, R"("action":"skipped")"));
        CHECK_FALSE(contains(again.out, R"("action":"pushed")"));
    }
}
