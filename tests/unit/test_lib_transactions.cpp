#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/json.hpp>
#include <lexsync/transactions.hpp>
#include <sstream>

using namespace lexsync;
using namespace lexsync::transactions;

namespace {

Mapping generic() {
    auto m = load_mapping("generic");
    REQUIRE_MESSAGE(m, m.error());
    return *m;
}

std::string issues_text(const std::vector<InputIssue>& issues) {
    std::string s;
    for (const auto& i : issues) {
        s += i.to_string() + "\n";
    }
    return s;
}

std::vector<TransactionInput> read_ok(const std::string& text, const Mapping& m,
                                      AccountType t = AccountType::payment_provider,
                                      bool is_json = false) {
    auto r = read_text(text, "in.csv", is_json, m, t);
    REQUIRE_MESSAGE(r, issues_text(r ? std::vector<InputIssue>{} : r.error()));
    return *r;
}

std::string read_bad(const std::string& text, const Mapping& m,
                     AccountType t = AccountType::payment_provider) {
    auto r = read_text(text, "in.csv", false, m, t);
    REQUIRE(!r);
    return issues_text(r.error());
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

} // namespace

TEST_SUITE("lexsync::transactions") {
    TEST_CASE("the generic mapping reads every field with exact amounts") {
        const auto rows = read_ok(
            "booking_date,value_date,amount,currency,purpose,counterparty_name,counterparty_email,"
            "transaction_id,posting_category,tax_rate,receipt_file,receipt_number,fee,fee_tax_rate,"
            "fee_category\n"
            "2026-03-02,2026-03-03,119.10,eur,Order 1,Anna,anna@example.com,T-1,Einnahmen,19,r.pdf,"
            "R-1,-2.91,0,Kontoführungsgebühren\n",
            generic());
        REQUIRE(rows.size() == 1);
        const auto& t = rows[0];
        CHECK(t.line == 2);
        CHECK(t.booking_date == "2026-03-02");
        CHECK(t.value_date == "2026-03-03");
        CHECK(t.amount == *Decimal::parse("119.10"));
        CHECK(t.currency == "EUR");
        CHECK(t.fee == Decimal::parse("-2.91"));
        CHECK(t.balance_delta() == *Decimal::parse("116.19"));
        CHECK(t.receipt_number == "R-1");
        CHECK(t.tax_rate == Decimal::from_int(19));
        CHECK_FALSE(t.derived_id);
    }

    TEST_CASE("validation reports file:line:field for every problem") {
        const std::string text =
            "booking_date,amount,currency,purpose,transaction_id,posting_category,"
            "tax_rate,receipt_file,receipt_number,fee,fee_tax_rate,fee_category\n"
            "2026-02-30,-1.00,EUR,a,A,,,,,,,\n"
            "2026-03-01,-1.005,EUR,b,B,,,,,,,\n"
            "2026-03-01,-1.00,USD,c,C,,,,,,,\n"
            "2026-03-01,-1.00,EUR,d,D,,,x.pdf,,,,\n"
            "2026-03-01,-1.00,EUR,e,E,Bürobedarf,18,x.pdf,N-1,,,\n"
            "2026-03-01,5.00,EUR,f,F,,,,,0.50,0,Gebühren\n"
            "2026-03-01,-5.00,EUR,g,G,,,,,-0.50,,Gebühren\n"
            "2026-03-01,0,EUR,h,H,,,,,,,\n"
            "2026-03-01,-1.00,EUR,i,A,,,,,,,\n";
        const std::string out = read_bad(text, generic());
        CHECK(contains(out, "in.csv:2:booking_date: '2026-02-30' is not a date"));
        CHECK(contains(out, "in.csv:3:amount: '-1.005' has more than 2 decimal places"));
        CHECK(contains(out, "in.csv:4:currency: 'USD' is not supported"));
        CHECK(contains(out, "in.csv:5:receipt_number: missing (mandatory with a receipt)"));
        CHECK(contains(out, "in.csv:5:posting_category: missing"));
        CHECK(contains(out, "in.csv:5:tax_rate: missing"));
        CHECK(contains(out, "in.csv:6:tax_rate: '18' is not a tax rate"));
        CHECK(contains(out, "in.csv:7:fee: 0.50 with an incoming amount must be negative"));
        CHECK(contains(out, "in.csv:8:fee: -0.50 with an outgoing amount must be positive"));
        CHECK(contains(out, "in.csv:8:fee_tax_rate: missing (mandatory with a fee)"));
        CHECK(contains(out, "in.csv:9:amount: must not be 0"));
        CHECK(contains(out, "in.csv:10:transaction_id: 'A' appears twice (also on line 2)"));
    }

    TEST_CASE("fees are refused for accounts that are not payment providers") {
        const std::string out =
            read_bad("booking_date,amount,purpose,fee,fee_tax_rate,fee_category\n"
                     "2026-03-01,5.00,x,-0.10,0,Gebühren\n",
                     generic(), AccountType::creditcard);
        CHECK(contains(out, "in.csv:2:fee: fees can only be booked on payment-provider accounts"));
    }

    TEST_CASE("rows without an id get a stable derived one; repeats stay apart") {
        const std::string text = "booking_date,amount,purpose\n2026-03-01,-1.00,x\n"
                                 "2026-03-01,-1.00,x\n2026-03-02,-1.00,x\n";
        const auto a = read_ok(text, generic());
        const auto b = read_ok(text, generic());
        REQUIRE(a.size() == 3);
        CHECK(a[0].derived_id);
        CHECK(a[0].transaction_id != a[1].transaction_id);
        CHECK(a[0].transaction_id == b[0].transaction_id);
        CHECK(a[2].transaction_id == b[2].transaction_id);
    }

    TEST_CASE("the Stripe mapping negates fees, upper-cases the currency and drops times") {
        auto m = load_mapping("stripe-balance");
        REQUIRE(m);
        CHECK(m->account_type == AccountType::payment_provider);
        const auto rows =
            read_ok("balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,"
                    "description,customer_email,customer_name\n"
                    "txn_1,2026-03-01 09:14:22,2026-03-08 00:00:00,eur,119.00,1.92,117.08,Order,"
                    "a@example.com,Anna\n"
                    "txn_2,2026-03-04 11:02:51,2026-03-04 11:02:51,eur,-59.50,0.00,-59.50,,,\n",
                    *m);
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].fee == Decimal::parse("-1.92"));
        CHECK(rows[0].fee_category == "Kontoführungsgebühren");
        CHECK(rows[0].booking_date == "2026-03-01");
        CHECK(rows[0].value_date == "2026-03-08");
        CHECK_FALSE(rows[1].fee.has_value());
        CHECK(rows[1].purpose == "Stripe"); // the mapping's default for an empty description
    }

    TEST_CASE("the PayPal mapping reads German numbers and dates and keeps completed rows only") {
        auto m = load_mapping("paypal-de");
        REQUIRE(m);
        const auto rows = read_ok(
            "\"Datum\",\"Name\",\"Status\",\"Währung\",\"Brutto\",\"Gebühr\",\"Absender "
            "E-Mail-Adresse\",\"Transaktionscode\",\"Betreff\"\n"
            "\"01.03.2026\",\"Clara\",\"Abgeschlossen\",\"EUR\",\"1.089,00\",\"-2,04\",\"c@x.de\","
            "\"5TY\",\"Bestellung\"\n"
            "\"02.03.2026\",\"Dieter\",\"Ausstehend\",\"EUR\",\"12,00\",\"-0,58\",\"d@x.de\","
            "\"8MC\","
            "\"B\"\n",
            *m);
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].amount == *Decimal::parse("1089.00"));
        CHECK(rows[0].fee == Decimal::parse("-2.04"));
        CHECK(rows[0].booking_date == "2026-03-01");
        CHECK(rows[0].transaction_id == "5TY");
    }

    TEST_CASE("debit and credit columns and negated amounts give signed amounts") {
        auto m = parse_mapping("negate_amount = true\n[columns]\nbooking_date = \"Datum\"\n"
                               "amount = \"Betrag\"\n",
                               "card.toml");
        REQUIRE_MESSAGE(m, m.error());
        const auto rows = read_ok("Datum;Betrag\n2026-03-01;12.50\n", *m);
        CHECK(rows[0].amount == *Decimal::parse("-12.50"));
        auto two = parse_mapping("[columns]\nbooking_date = \"d\"\ndebit = \"Soll\"\ncredit = "
                                 "\"Haben\"\npurpose = \"p\"\n",
                                 "two.toml");
        REQUIRE(two);
        const auto r2 = read_ok("d,Soll,Haben,p\n2026-03-01,7.00,,x\n2026-03-02,,3.00,y\n", *two);
        CHECK(r2[0].amount == *Decimal::parse("-7.00"));
        CHECK(r2[1].amount == *Decimal::parse("3.00"));
    }

    TEST_CASE("JSON input reads an array under \"transactions\" with numbers kept exact") {
        const auto rows = read_ok(
            R"({"transactions":[{"booking_date":"2026-03-01","amount":-0.1,"purpose":"x","transaction_id":7}]})",
            generic(), AccountType::payment_provider, true);
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].amount == *Decimal::parse("-0.1"));
        CHECK(rows[0].transaction_id == "7");
    }

    TEST_CASE("mapping files are checked with positions") {
        auto unknown = parse_mapping("[columns]\nbooking = \"x\"\n", "m.toml");
        REQUIRE(!unknown);
        CHECK(contains(unknown.error(), "m.toml:2:"));
        CHECK(contains(unknown.error(), "unknown field 'booking'"));
        auto no_amount = parse_mapping("[columns]\nbooking_date = \"x\"\n", "m.toml");
        REQUIRE(!no_amount);
        CHECK(contains(no_amount.error(), "amount"));
        CHECK(!load_mapping("no-such-mapping"));
    }

    TEST_CASE("the examples' mapping files are the built-in mappings") {
        const std::filesystem::path dir = std::filesystem::path(LEXSYNC_TEST_FIXTURES) / ".." /
                                          ".." / "examples" / "transactions" / "mappings";
        for (const auto& name : builtin_mapping_names()) {
            std::ifstream in(dir / (name + ".toml"), std::ios::binary);
            REQUIRE_MESSAGE(in, "missing examples/transactions/mappings/" << name << ".toml");
            std::ostringstream s;
            s << in.rdbuf();
            CHECK_MESSAGE(s.str() == *builtin_mapping_text(name), name);
        }
    }

    TEST_CASE("references are stable, distinct per account and bounded") {
        const auto a = account_reference("default", "Stripe Konto");
        CHECK(a == account_reference("default", "Stripe Konto"));
        CHECK(a != account_reference("shop", "Stripe Konto"));
        CHECK(a.rfind("lexsync-stripe-konto-", 0) == 0);
        const auto t = transaction_reference(a, "txn_1");
        CHECK(t == transaction_reference(a, "txn_1"));
        CHECK(t != transaction_reference(account_reference("x", "y"), "txn_1"));
        CHECK(transaction_reference(a, std::string(300, 'x')).size() <= 100);
    }

    TEST_CASE("batches hold at most 25") {
        const auto b = batches(51);
        REQUIRE(b.size() == 3);
        CHECK(b[0] == std::pair<std::size_t, std::size_t>{0, 25});
        CHECK(b[2] == std::pair<std::size_t, std::size_t>{50, 51});
        CHECK(batches(0).empty());
    }

    TEST_CASE("finance timestamps use the Berlin offset of the day") {
        CHECK(finance_timestamp("2026-01-15") == "2026-01-15T00:00:00.000+01:00");
        CHECK(finance_timestamp("2026-03-29") == "2026-03-29T00:00:00.000+01:00"); // switch day
        CHECK(finance_timestamp("2026-03-30") == "2026-03-30T00:00:00.000+02:00");
        CHECK(finance_timestamp("2026-10-25") == "2026-10-25T00:00:00.000+02:00");
        CHECK(finance_timestamp("2026-10-26") == "2026-10-26T00:00:00.000+01:00");
    }

    TEST_CASE("request bodies carry exact decimals and fee fields only with a fee") {
        auto rows =
            read_ok("booking_date,amount,purpose,transaction_id,fee,fee_tax_rate,fee_category\n"
                    "2026-03-01,0.10,a,A,-0.01,0,Gebühren\n2026-03-01,-3.30,b,B,,,\n",
                    generic());
        const std::string body =
            transactions_body({{&rows[0], "ref-A", "cat-1"}, {&rows[1], "ref-B", ""}}, "acc-1");
        auto d = json::parse(body);
        REQUIRE(d);
        REQUIRE(d->IsArray());
        CHECK(contains(body, R"("amount":0.1,"feeAmount":-0.01,"feeTaxRatePercentage":0,)"
                             R"("feePostingCategoryId":"cat-1")"));
        CHECK(contains(body, R"("amount":-3.3,"externalReference":"ref-B")"));
        CHECK_FALSE(contains(json::to_string((*d)[1]), "fee"));
        CHECK(json::get_string((*d)[1], "externalReference") == "ref-B");
        CHECK(json::get_string((*d)[0], "bookingDate") == "2026-03-01T00:00:00.000+01:00");

        AccountSpec spec;
        spec.type = AccountType::creditcard;
        spec.name = "Karte";
        spec.balance = *Decimal::parse("-123.45");
        spec.card_provider = "VISA";
        spec.card_number = "**** 4711";
        const std::string account = account_body(spec);
        CHECK(contains(account, R"("type":"CREDITCARD")"));
        CHECK(contains(account, R"("balance":-123.45)"));
        CHECK(contains(account, R"("provider":"VISA")"));

        auto current = json::parse(R"({"financialAccountId":"x","name":"Karte","balance":1.5,)"
                                   R"("lockVersion":3,"createdDate":"c","deactivated":false})");
        REQUIRE(current);
        const std::string put = balance_body(*current, *Decimal::parse("10.05"));
        CHECK(contains(put, R"("balance":10.05)"));
        CHECK(contains(put, R"("lockVersion":3)"));
        CHECK_FALSE(contains(put, "financialAccountId"));
        CHECK_FALSE(contains(put, "createdDate"));
        CHECK(hint_body("v-1", "ref-A") == R"({"voucherId":"v-1","externalReference":"ref-A"})");
    }

    TEST_CASE("the bank-statement CSV has German formats, a fee line, and reads back") {
        auto rows = read_ok("booking_date,amount,purpose,counterparty_name,transaction_id,fee,"
                            "fee_tax_rate,fee_category\n"
                            "2026-03-01,1234.50,Order; 1,,A,-2.00,0,G\n",
                            generic());
        const auto lines = statement_rows(rows[0], "ref-A", "Stripe");
        REQUIRE(lines.size() == 2);
        CHECK(lines[0].counterparty == "Stripe"); // an empty counterparty would be skipped
        std::ostringstream out;
        write_statement(out, lines);
        CHECK(out.str() ==
              "Buchungsdatum;Wertstellung;Auftraggeber/Empfänger;Verwendungszweck;IBAN;Betrag;"
              "Währung;Referenz\n"
              "01.03.2026;01.03.2026;Stripe;\"Order; 1\";;1234,50;EUR;ref-A\n"
              "01.03.2026;01.03.2026;Stripe;\"Gebühr zu Order; 1\";;-2,00;EUR;ref-A-fee\n");
        const auto path = std::filesystem::temp_directory_path() / "lexsync-statement-test.csv";
        std::ofstream(path) << out.str();
        auto refs = read_statement_references(path);
        std::filesystem::remove(path);
        REQUIRE(refs);
        CHECK(*refs == std::vector<std::string>{"ref-A", "ref-A-fee"});
    }
}
