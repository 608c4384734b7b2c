#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/records/transaction_spool.hpp>
#include <lexsync/records/transactions.hpp>
#include <lexsync/util/json.hpp>
#include <sstream>
#include <unistd.h>

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

// A published sample export under examples/transactions/samples (see its README.md).
std::filesystem::path sample(const std::string& name) {
    return std::filesystem::path(LEXSYNC_TEST_FIXTURES) / ".." / ".." / "examples" /
           "transactions" / "samples" / name;
}

std::vector<TransactionInput> sample_rows(const std::string& name, const Mapping& m,
                                          AccountType t = AccountType::payment_provider) {
    auto r = read_input(sample(name), m, t);
    REQUIRE_MESSAGE(r, issues_text(r ? std::vector<InputIssue>{} : r.error()));
    return *r;
}

// What the rows move the account's balance by.
Decimal sum(const std::vector<TransactionInput>& rows) {
    Decimal total;
    for (const auto& r : rows) {
        total += r.balance_delta();
    }
    return total;
}

} // namespace

TEST_SUITE("lexsync::transactions") {
    TEST_CASE("a file is streamed with the same rows and issues as its text read whole") {
        const auto dir = std::filesystem::temp_directory_path() /
                         ("lexsync-lib-transactions-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        auto same = [&](const std::string& name, const std::string& text, const Mapping& m) {
            std::ofstream(dir / name, std::ios::binary) << text;
            const bool is_json = name.size() > 5 && name.substr(name.size() - 5) == ".json";
            const std::string path = (dir / name).string();
            auto whole = read_text(text, path, is_json, m, AccountType::payment_provider);
            auto streamed = read_input(dir / name, m, AccountType::payment_provider);
            REQUIRE(whole.has_value() == streamed.has_value());
            if (!whole) {
                CHECK(issues_text(streamed.error()) == issues_text(whole.error()));
                return issues_text(streamed.error());
            }
            REQUIRE(streamed->size() == whole->size());
            std::string out;
            for (std::size_t i = 0; i < whole->size(); ++i) {
                CHECK((*streamed)[i].line == (*whole)[i].line);
                CHECK((*streamed)[i].transaction_id == (*whole)[i].transaction_id);
                CHECK((*streamed)[i].amount == (*whole)[i].amount);
                out += std::to_string((*streamed)[i].line) + " " + (*streamed)[i].transaction_id +
                       "\n";
            }
            return out;
        };
        auto generic = load_mapping("generic");
        REQUIRE(generic);
        const std::string csv = "booking_date,amount,purpose,transaction_id\n"
                                "2026-03-01,-1.00,a,t1\n"
                                "2026-03-02,2.00,b,t2\n";
        CHECK(same("g.csv", csv, *generic) == "2 t1\n3 t2\n");
        CHECK(same("dup.csv", csv + "2026-03-03,3.00,c,t1\n", *generic) ==
              (dir / "dup.csv").string() +
                  ":4:transaction_id: 't1' appears twice (also on line 2)\n");
        const std::string json = R"({"transactions": [
  {"booking_date": "2026-03-01", "amount": -1, "purpose": "a", "transaction_id": "t1"},
  {"booking_date": "2026-03-02", "amount": "2.00", "purpose": "b", "transaction_id": "t2"}
]})";
        CHECK(same("g.json", json, *generic) == "1 t1\n2 t2\n");
        // Items read before a syntax error are dropped with their issues: only the error counts.
        CHECK(contains(same("bad.json", R"([{"amount": 1}, {"booking_date": )", *generic),
                       ": not valid JSON: "));
        CHECK(contains(same("obj.json", R"({"rows": []})", *generic),
                       ": expected an array of transactions"));
        // Lines above the header are skipped on a first pass; the rows keep their lines.
        auto titled = parse_mapping("header_starts_with = \"Datum\"\n[columns]\n"
                                    "booking_date = \"Datum\"\namount = \"Betrag\"\n"
                                    "purpose = \"Text\"\ntransaction_id = \"Id\"\n",
                                    "m.toml");
        REQUIRE(titled);
        CHECK(same("t.csv", "Umsatzanzeige\nKonto;1\nDatum,Betrag,Text,Id\n2026-03-01,1.00,a,x\n",
                   *titled) == "4 x\n");
        CHECK(contains(same("none.csv", "Umsatzanzeige\nKonto;1\n", *titled),
                       "no line starts with the header cell 'Datum'"));
        // A bank statement given as CSV is named as one.
        CHECK(contains(same("s.csv", ":20:STARTUMS\n:25:10020030/1234567\n", *generic),
                       "bank statement, not CSV: read it with --mapping mt940"));
        std::filesystem::remove_all(dir);
    }

    TEST_CASE("the spool keeps file order, derived ids and repeated ids over many batches") {
        auto generic = load_mapping("generic");
        REQUIRE(generic);
        // 700 rows (several of the spool's batches): every third without an id and of the same
        // content, and the id of row 2 again at the end.
        std::string csv = "booking_date,amount,purpose,transaction_id\n";
        for (int i = 1; i <= 700; ++i) {
            csv += i % 3 == 0
                       ? std::string("2026-03-01,1.00,same,\n")
                       : "2026-03-02,2.00,p" + std::to_string(i) + ",t" + std::to_string(i) + "\n";
        }
        auto rows = read_ok(csv, *generic);
        REQUIRE(rows.size() == 700);
        int derived = 0;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            CHECK(rows[i].line == static_cast<long>(i) + 2);
            if (rows[i].derived_id) {
                ++derived;
                const std::string suffix = "-" + std::to_string(derived);
                CHECK(rows[i].transaction_id.substr(rows[i].transaction_id.size() -
                                                    suffix.size()) == suffix);
                CHECK(rows[i].purpose == "same");
            }
        }
        CHECK(derived == 233);
        TransactionSpool spool("in.csv");
        CHECK(read_text(csv + "2026-03-04,4.00,again,t1\n", "in.csv", false, *generic,
                        AccountType::creditcard, spool)
                  .size() == 1);
        CHECK(issues_text(read_text(csv + "2026-03-04,4.00,again,t1\n", "in.csv", false, *generic,
                                    AccountType::creditcard)
                              .error()) ==
              "in.csv:702:transaction_id: 't1' appears twice (also on line 2)\n");
        CHECK(spool.size() == 701);
        CHECK(spool.receipt_count() == 0);
        CHECK(spool.fee_count() == 0);
    }

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

    TEST_CASE("validation reports file:line:column:field for every problem") {
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
        CHECK(contains(out, "in.csv:2:1:booking_date: '2026-02-30' is not a date"));
        CHECK(contains(out, "in.csv:3:2:amount: '-1.005' has more than 2 decimal places"));
        CHECK(contains(out, "in.csv:4:3:currency: 'USD' is not supported"));
        CHECK(contains(out, "in.csv:5:9:receipt_number: missing (mandatory with a receipt)"));
        CHECK(contains(out, "in.csv:5:6:posting_category: missing"));
        CHECK(contains(out, "in.csv:5:7:tax_rate: missing"));
        CHECK(contains(out, "in.csv:6:7:tax_rate: '18' is not a tax rate"));
        CHECK(contains(out, "in.csv:7:10:fee: 0.50 with an incoming amount must be negative"));
        CHECK(contains(out, "in.csv:8:10:fee: -0.50 with an outgoing amount must be positive"));
        CHECK(contains(out, "in.csv:8:11:fee_tax_rate: missing (mandatory with a fee)"));
        CHECK(contains(out, "in.csv:9:2:amount: must not be 0"));
        CHECK(contains(out, "in.csv:10:transaction_id: 'A' appears twice (also on line 2)"));
    }

    TEST_CASE("fees are refused for accounts that are not payment providers") {
        const std::string out =
            read_bad("booking_date,amount,purpose,fee,fee_tax_rate,fee_category\n"
                     "2026-03-01,5.00,x,-0.10,0,Gebühren\n",
                     generic(), AccountType::creditcard);
        CHECK(
            contains(out, "in.csv:2:4:fee: fees can only be booked on payment-provider accounts"));
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

    TEST_CASE("stripe-balance reads Stripe's balance change and payout reconciliation reports") {
        // The published samples' currency codes are anonymised ("tes") or CHF: the shipped
        // mapping refuses them, naming the cell; the rest is read with the currency column
        // left out (EUR).
        auto m = load_mapping("stripe-balance");
        REQUIRE(m);
        CHECK(m->account_type == AccountType::payment_provider);
        auto refused = read_input(sample("stripe-balance-change.csv"), *m, *m->account_type);
        REQUIRE(!refused);
        CHECK(contains(issues_text(refused.error()),
                       "stripe-balance-change.csv:2:4:currency: 'tes' is not supported"));
        Mapping eur = *m;
        eur.columns.erase(Field::currency);
        const auto rows = sample_rows("stripe-balance-change.csv", eur);
        REQUIRE(rows.size() == 12);
        CHECK(rows[0].transaction_id == "txn_1Noh05Kh5QAlWt1C76QBqatA");
        CHECK(rows[0].booking_date == "2023-09-10");
        CHECK(rows[0].value_date == "2023-10-13");
        CHECK(rows[0].amount == *Decimal::parse("0.65"));
        CHECK_FALSE(rows[0].fee.has_value());
        CHECK(rows[4].amount == *Decimal::parse("-23.75")); // a reserve, released on row 6
        CHECK(rows[6].transaction_id == "txn_3NxTlcKh5QAlWt1C19hNW8yk");
        CHECK(rows[6].amount == *Decimal::parse("100.00"));
        CHECK(rows[6].fee == Decimal::parse("-5.00"));
        CHECK(rows[6].fee_category == "Kontoführungsgebühren");
        CHECK(rows[11].booking_date == "2023-10-11");
        CHECK(rows[11].value_date == "2023-10-18");
        CHECK(sum(rows) == *Decimal::parse("691.19")); // the report's net column
        const auto payout = sample_rows("stripe-payout-reconciliation.csv", eur);
        REQUIRE(payout.size() == 2);
        CHECK(payout[0].transaction_id == "txn_3QcrImA0IpYVNU1u0wNC3kOh");
        CHECK(payout[0].booking_date == "2025-01-02");
        CHECK(payout[0].value_date == "2025-01-07");
        CHECK(payout[0].amount == *Decimal::parse("102.00"));
        CHECK(payout[0].fee == Decimal::parse("-2.95"));
        CHECK(payout[0].counterparty_name == "User1");
        CHECK(payout[0].counterparty_email == "info@hotmail.com");
        CHECK(payout[1].balance_delta() == *Decimal::parse("392.50"));
    }

    TEST_CASE("stripe-balance-history reads the Dashboard export in either number notation") {
        auto m = load_mapping("stripe-balance-history");
        REQUIRE(m);
        CHECK(m->decimal_auto);
        auto refused = read_input(sample("stripe-balance-history.csv"), *m, *m->account_type);
        REQUIRE(!refused);
        CHECK(contains(issues_text(refused.error()),
                       "stripe-balance-history.csv:2:9:currency: 'por' is not supported"));
        Mapping eur = *m;
        eur.columns.erase(Field::currency);
        const auto rows = sample_rows("stripe-balance-history.csv", eur);
        REQUIRE(rows.size() == 18);
        CHECK(rows[0].transaction_id == "txn_1NxKbmKh5QAlWt1CdDZfikrx");
        CHECK(rows[0].booking_date == "2023-10-04");
        CHECK(rows[0].value_date == "2023-10-09");
        CHECK(rows[0].amount == *Decimal::parse("-75.57")); // a payout
        CHECK_FALSE(rows[0].fee.has_value());
        CHECK(rows[1].amount == *Decimal::parse("104.13"));
        CHECK(rows[1].fee == Decimal::parse("-3.37"));
        CHECK(rows[1].balance_delta() == *Decimal::parse("100.76")); // the row's Net
        CHECK(rows[17].booking_date == "2023-08-29");
        CHECK(rows[17].purpose == "Stripe"); // no description
        CHECK(rows[17].fee == Decimal::parse("-0.40"));
        CHECK(sum(rows) == *Decimal::parse("93.82")); // the Net column's total
        // "auto" reads both notations and refuses what could be either.
        auto dots = read_ok("id,Created (UTC),Available On (UTC),Amount,Fee,Currency,Description\n"
                            "t1,2026-03-01 10:00,2026-03-03 00:00,1234.56,0.50,eur,x\n"
                            "t2,2026-03-01 10:00,2026-03-03 00:00,\"1.234,56\",\"0,50\",eur,y\n",
                            *m);
        REQUIRE(dots.size() == 2);
        CHECK(dots[0].amount == dots[1].amount);
        CHECK(dots[1].fee == Decimal::parse("-0.50"));
        CHECK(contains(read_bad("id,Created (UTC),Available On (UTC),Amount,Fee,Currency,"
                                "Description\nt1,2026-03-01,2026-03-03,\"1,234\",0,eur,x\n",
                                *m),
                       "in.csv:2:4:amount:"));
    }

    TEST_CASE("paypal-de books what moved the balance, fees included, and no memo rows") {
        auto m = load_mapping("paypal-de");
        REQUIRE(m);
        const auto rows = sample_rows("paypal-de-activity.csv", *m);
        REQUIRE(rows.size() == 6); // the seventh row is a "Memo" (a money request)
        CHECK(rows[0].transaction_id == "ID1234567890");
        CHECK(rows[0].booking_date == "2019-10-15");
        CHECK(rows[0].amount == *Decimal::parse("-41.00"));
        CHECK_FALSE(rows[0].fee.has_value());
        CHECK(rows[0].counterparty_name == "Empfaengername1.");
        CHECK(rows[1].amount == *Decimal::parse("63.89"));
        CHECK(rows[1].fee == Decimal::parse("-1.94"));
        CHECK(rows[1].balance_delta() == *Decimal::parse("61.95")); // the row's Netto
        CHECK(rows[2].amount == *Decimal::parse("-55.40"));
        CHECK(rows[3].booking_date == "2019-12-19");
        CHECK(rows[3].amount == *Decimal::parse("44.12"));
        CHECK(rows[3].purpose == "Produktname");
        CHECK(rows[4].amount == *Decimal::parse("-36.00"));
        CHECK(rows[5].transaction_id == "123456789ABC");
        CHECK(rows[5].booking_date == "2020-02-24");
        CHECK(rows[5].amount == *Decimal::parse("17.00"));
    }

    TEST_CASE("paypal-de leaves out a hold together with its release and keeps the balance") {
        auto m = load_mapping("paypal-de");
        REQUIRE(m);
        const auto rows = sample_rows("paypal-de-holds.csv", *m);
        REQUIRE(rows.size() == 7);
        for (const auto& r : rows) {
            for (const char* id : {"80F00000NT000000B", "89J00000D00000414", "80500000M0000000V",
                                   "1F500000PP000000K"}) {
                CHECK(r.transaction_id != id);
            }
        }
        CHECK(rows[0].amount == *Decimal::parse("100.00"));
        CHECK(rows[3].transaction_id == "7KE00000RD000000J");
        CHECK(rows[3].booking_date == "2025-07-14");
        CHECK(rows[3].amount == *Decimal::parse("-13.21"));
        CHECK(rows[6].amount == *Decimal::parse("-28.45"));
        // PayPal's balance (Guthaben) goes from 38,53 before the first row to 13,76 after the
        // last one.
        CHECK(sum(rows) == *Decimal::parse("-24.77"));
        // A release whose hold came in an earlier download moves the balance and is booked; one
        // that does not cancel its hold is refused.
        const std::string header =
            "Datum,Typ,Brutto,Gebühr,Währung,Name,Transaktionscode,Zugehöriger "
            "Transaktionscode,Auswirkung auf Guthaben\n";
        const auto alone =
            read_ok(header + "12.08.2025,Rückbuchung allgemeiner "
                             "Einbehaltung,\"12,50\",\"0,00\",EUR,PayPal,R1,H0,Haben\n",
                    *m);
        REQUIRE(alone.size() == 1);
        CHECK(alone[0].amount == *Decimal::parse("12.50"));
        const std::string out = read_bad(
            header + "12.08.2025,Einbehaltung für offene Autorisierung,\"-12,50\",\"0,00\",EUR,"
                     "PayPal,H1,,Soll\n"
                     "13.08.2025,Rückbuchung allgemeiner Einbehaltung,\"10,00\",\"0,00\",EUR,"
                     "PayPal,R1,H1,Haben\n",
            *m);
        CHECK(contains(out, "in.csv:3:amount: the release 10.00 does not cancel its hold -12.50 "
                            "on line 2 (H1)"));
    }

    TEST_CASE("the rows a mapping leaves out are listed with the reason") {
        auto m = load_mapping("paypal-de");
        REQUIRE(m);
        std::vector<LeftOutRow> left;
        REQUIRE(
            read_input(sample("paypal-de-holds.csv"), *m, AccountType::payment_provider, &left));
        REQUIRE(left.size() == 4);
        CHECK(left[0].line == 5);
        CHECK(left[0].transaction_id == "80F00000NT000000B");
        CHECK(left[0].reason == "a hold released on line 7 (89J00000D00000414): the two cancel");
        CHECK(left[1].line == 7);
        CHECK(left[1].reason == "releases the hold on line 5 (80F00000NT000000B): the two cancel");
        CHECK(left[3].line == 11);
        left.clear();
        REQUIRE(
            read_input(sample("paypal-de-activity.csv"), *m, AccountType::payment_provider, &left));
        REQUIRE(left.size() == 1);
        CHECK(left[0].line == 8);
        CHECK(left[0].transaction_id == "U-ABCDEEFGH123456");
        CHECK(left[0].reason == "'Memo' in column 'Auswirkung auf Guthaben' is not Soll or Haben");
        auto vb = load_mapping("volksbank-umsatzanzeige");
        REQUIRE(vb);
        left.clear();
        REQUIRE(read_input(sample("volksbank-umsatzanzeige.csv"), *vb, AccountType::giro, &left));
        REQUIRE(left.size() == 2);
        CHECK(left[0].line == 28);
        CHECK(left[0].reason == "'Anfangssaldo' in column 'Kundenreferenz' is excluded");
    }

    TEST_CASE("revolut-business reads the current statement and names what an older one lacks") {
        auto m = load_mapping("revolut-business");
        REQUIRE(m);
        CHECK(m->account_type == AccountType::giro);
        const auto rows = sample_rows("revolut-business-2025.csv", *m, AccountType::giro);
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].transaction_id == "68dc33bb-3f94-a267-aade-0dfc20a122d0");
        CHECK(rows[0].booking_date == "2025-09-30");
        CHECK(rows[0].amount == *Decimal::parse("-2921.97"));
        CHECK(rows[0].purpose == "Test");
        CHECK(rows[1].transaction_id == "68db957b-c70f-a818-a233-07f37c670544");
        CHECK(rows[1].amount == *Decimal::parse("-149.98"));
        CHECK(rows[1].counterparty_name == "Test");
        auto old = read_input(sample("revolut-business-2024.csv"), *m, AccountType::giro);
        REQUIRE(!old);
        const std::string out = issues_text(old.error());
        CHECK(contains(out, "revolut-business-2024.csv:1: the mapping 'revolut-business' reads "
                            "column 'Total amount' (field amount), which the header lacks"));
        CHECK(contains(out, "reads column 'State' ([filters]), which the header lacks"));
    }

    TEST_CASE("amex-de turns charges negative and payments and refunds positive") {
        auto m = load_mapping("amex-de");
        REQUIRE(m);
        const auto rows = sample_rows("amex-de.csv", *m, AccountType::creditcard);
        REQUIRE(rows.size() == 9);
        CHECK(rows[0].booking_date == "2026-08-03");
        CHECK(rows[0].amount == *Decimal::parse("-23.79"));
        CHECK(rows[0].purpose == "ADOBE SYSTEMS SOFTWARE IE DUBLIN");
        CHECK(rows[0].derived_id); // no Betreff column in the basic download
        CHECK(rows[2].amount == *Decimal::parse("-412.50"));
        CHECK(rows[4].booking_date == "2026-08-18");
        CHECK(rows[4].amount == *Decimal::parse("1850.00"));
        CHECK(rows[7].amount == *Decimal::parse("45.00"));
        CHECK(rows[8].booking_date == "2026-08-28");
        CHECK(sum(rows) == *Decimal::parse("1234.53"));
    }

    TEST_CASE("sparkasse-csv-camt books booked rows with two-digit years") {
        auto m = load_mapping("sparkasse-csv-camt");
        REQUIRE(m);
        const auto rows = sample_rows("sparkasse-csv-camt.csv", *m, AccountType::giro);
        REQUIRE(rows.size() == 7); // three rows are "Umsatz vorgemerkt"
        CHECK(rows[0].line == 5);
        CHECK(rows[0].booking_date == "2025-12-05");
        CHECK(rows[0].value_date == "2025-12-05");
        CHECK(rows[0].amount == *Decimal::parse("-5.95"));
        CHECK(rows[0].counterparty_name == "Sparkasse");
        CHECK(rows[0].counterparty_iban == "DE89370400440532013004");
        CHECK(rows[3].booking_date == "2025-12-03");
        CHECK(rows[3].amount == *Decimal::parse("67.50"));
        CHECK(rows[3].purpose == "Beleg Nr. 203047");
        CHECK(sum(rows) == *Decimal::parse("332.51"));
    }

    TEST_CASE("volksbank-umsatzanzeige skips the title lines and takes the sign from S/H") {
        auto m = load_mapping("volksbank-umsatzanzeige");
        REQUIRE(m);
        const auto rows = sample_rows("volksbank-umsatzanzeige.csv", *m, AccountType::giro);
        REQUIRE(rows.size() == 3); // opening and closing balance lines left out
        CHECK(rows[0].line == 14);
        CHECK(rows[0].booking_date == "2016-06-10");
        CHECK(rows[0].amount == *Decimal::parse("-1000.00"));
        CHECK(rows[0].purpose.rfind("SEPA-Überweisung\n", 0) == 0); // Windows-1252 decoded
        CHECK(rows[0].counterparty_name == "Empfänger");
        CHECK(rows[0].counterparty_iban == "DE2138139023131231");
        CHECK(rows[1].amount == *Decimal::parse("-20.00"));
        CHECK(rows[2].booking_date == "2016-06-19");
        CHECK(rows[2].amount == *Decimal::parse("2100.00"));
        // A sign cell the mapping does not know is refused, naming the cell.
        auto sh = parse_mapping("[sign]\ncolumn = \"#3\"\nnegative = [\"S\"]\npositive = [\"H\"]\n"
                                "[columns]\nbooking_date = \"Tag\"\namount = \"Umsatz\"\n",
                                "sh.toml");
        REQUIRE_MESSAGE(sh, sh.error());
        const auto two = read_ok("Tag;Umsatz;\n2026-03-01;5.00;S\n2026-03-02;5.00;H\n", *sh);
        CHECK(two[0].amount == *Decimal::parse("-5.00"));
        CHECK(two[1].amount == *Decimal::parse("5.00"));
        CHECK(contains(read_bad("Tag;Umsatz;\n2026-03-01;5.00;X\n", *sh),
                       "in.csv:2:3:amount: 'X' in the sign column '#3' is neither S (negative) "
                       "nor H (positive)"));
    }

    TEST_CASE("a column the mapping reads must be there, in CSV and in JSON") {
        auto m = parse_mapping("[columns]\nbooking_date = \"d\"\namount = \"a\"\npurpose = \"p\"\n",
                               "m.toml");
        REQUIRE(m);
        CHECK(contains(read_bad("d,a\n2026-03-01,1.00\n", *m),
                       "in.csv:1: the mapping 'm' reads column 'p' (field purpose), which the "
                       "header lacks (it has: d, a)"));
        auto json = read_text(R"([{"d":"2026-03-01","a":1},{"d":"2026-03-02","a":2,"p":"x"}])",
                              "in.json", true, *m, AccountType::giro);
        REQUIRE(!json);
        CHECK(issues_text(json.error()) ==
              "in.json:1: the object has no key 'p' (field purpose of the mapping 'm')\n");
        auto opt = parse_mapping("optional = [\"purpose\"]\n[columns]\nbooking_date = \"d\"\n"
                                 "amount = \"a\"\npurpose = \"p\"\n",
                                 "m.toml");
        REQUIRE(opt);
        CHECK(read_ok("d,a\n2026-03-01,1.00\n", *opt).size() == 1);
    }

    TEST_CASE("filters on several columns, exclusions and lists of date formats") {
        auto m = parse_mapping("date_format = [\"dd.MM.yy\", \"yyyy-MM-dd\"]\n"
                               "[filters]\nStatus = [\"ok\", \"done\"]\nKind = \"sale\"\n"
                               "[exclude]\nNote = [\"test\"]\n"
                               "[columns]\nbooking_date = \"d\"\namount = \"a\"\n",
                               "m.toml");
        REQUIRE_MESSAGE(m, m.error());
        const auto rows = read_ok("d,a,Status,Kind,Note\n01.03.26,1.00,ok,sale,\n"
                                  "2026-03-02,2.00,done,sale,x\n2026-03-03,3.00,ok,refund,\n"
                                  "2026-03-04,4.00,open,sale,\n2026-03-05,5.00,ok,sale,test\n",
                                  *m);
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].booking_date == "2026-03-01");
        CHECK(rows[1].booking_date == "2026-03-02");
        CHECK(contains(read_bad("d,a,Status,Kind,Note\n1.3.26,1.00,ok,sale,\n", *m),
                       "'1.3.26' is not a date in the format dd.MM.yy or yyyy-MM-dd"));
        auto bad = parse_mapping("date_format = \"yy/MM/dd\"\n[columns]\nbooking_date = \"d\"\n"
                                 "amount = \"a\"\n",
                                 "m.toml");
        REQUIRE(!bad);
        CHECK(contains(bad.error(), "m.toml:1:"));
        auto sign = parse_mapping("[sign]\ncolumn = \"x\"\nnegative = [\"S\"]\n[columns]\n"
                                  "booking_date = \"d\"\namount = \"a\"\n",
                                  "m.toml");
        REQUIRE(!sign);
        CHECK(contains(sign.error(), "[sign] needs positive"));
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
