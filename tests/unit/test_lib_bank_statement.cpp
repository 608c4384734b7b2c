#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/formats/bank_statement.hpp>
#include <lexsync/records/transactions.hpp>
#include <lexsync/util/decimal.hpp>
#include <sstream>

using namespace lexsync;
using namespace lexsync::bank_statement;

namespace {

// A published bank statement under tests/fixtures/bank_statements (see its README.md).
std::filesystem::path fixture(const std::string& name) {
    return std::filesystem::path(LEXSYNC_TEST_FIXTURES) / "bank_statements" / name;
}

std::string text_of(const std::string& name) {
    std::ifstream in(fixture(name), std::ios::binary);
    REQUIRE_MESSAGE(in, name);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<Entry> entries_of(const std::string& name, Syntax syntax) {
    const std::string text = text_of(name);
    REQUIRE(detect(text) == syntax);
    auto r = parse(text, syntax);
    REQUIRE_MESSAGE(r, (r ? std::string() : r.error().message));
    return *r;
}

std::string issues_text(const std::vector<transactions::InputIssue>& issues) {
    std::string s;
    for (const auto& i : issues) {
        s += i.to_string() + "\n";
    }
    return s;
}

std::vector<transactions::TransactionInput>
rows_of(const std::string& name, const std::string& mapping_name,
        std::vector<transactions::LeftOutRow>* left_out = nullptr) {
    auto m = transactions::load_mapping(mapping_name);
    REQUIRE_MESSAGE(m, m.error());
    auto r = transactions::read_input(fixture(name), *m, transactions::AccountType::giro, left_out);
    REQUIRE_MESSAGE(r, issues_text(r ? std::vector<transactions::InputIssue>{} : r.error()));
    return *r;
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

} // namespace

TEST_SUITE("lexsync::bank_statement") {
    TEST_CASE("camt.053.001.02 with two statements: one entry each, signed by CdtDbtInd") {
        const auto e = entries_of("camt053-v02-multi-statement.xml", Syntax::camt);
        REQUIRE(e.size() == 2);
        CHECK(e[0].line == 66);
        CHECK(e[0].amount == "8.85");
        CHECK(e[0].currency == "EUR");
        CHECK(e[0].booking_date == "2014-12-31");
        CHECK(e[0].value_date == "2015-01-02");
        CHECK(e[0].status == "BOOK");
        CHECK(e[0].purpose == "Transaction Description 1");
        // The file names only the creditor: that side is the counterparty.
        CHECK(e[0].counterparty_name == "Company Name 1");
        CHECK(e[0].counterparty_iban == "NL56AGDH9619008421");
        CHECK(e[0].end_to_end_id == "000000001");
        CHECK(e[0].reference.empty()); // no AcctSvcrRef
        CHECK(e[0].account == "NL26VAYB8060476890");
        CHECK(e[1].amount == "-7.00");
        CHECK(e[1].counterparty_name == "Company Name 2");
        CHECK(e[1].purpose == "Transaction Description 2");
    }

    TEST_CASE("camt.053.001.08: date-time booking date, Pty names, the AcctSvcrRef") {
        const auto e = entries_of("camt053-v08.xml", Syntax::camt);
        REQUIRE(e.size() == 1);
        CHECK(e[0].amount == "8.85");
        CHECK(e[0].booking_date == "2014-12-31"); // <DtTm>2014-12-31T13:15:00+01:00</DtTm>
        CHECK(e[0].value_date == "2015-01-02");
        CHECK(e[0].status == "BOOK");                 // <Sts><Cd>BOOK</Cd></Sts>
        CHECK(e[0].counterparty_name == "NAME NAME"); // the debtor of a credit
        CHECK(e[0].counterparty_iban == "NL56AGDH9619008421");
        CHECK(e[0].reference == "AAAASESS-FP-CN_98765/01");
        CHECK(e[0].end_to_end_id == "MUELL/FINP/RA12345");
        // No unstructured remittance information: the structured creditor reference.
        CHECK(e[0].purpose == "4654654654654654");
        CHECK(e[0].account == "NL26VAYB8060476890"); // <Othr><Id>
    }

    TEST_CASE("a German camt.052.001.02 report: NONREF is no reference") {
        const auto e = entries_of("camt052-v02-de.xml", Syntax::camt);
        REQUIRE(e.size() == 2);
        CHECK(e[0].amount == "10.00");
        CHECK(e[0].booking_date == "2018-07-20");
        CHECK(e[0].value_date == "2018-07-21");
        CHECK(e[0].counterparty_name == "Max Mustermann");
        CHECK(e[0].counterparty_iban == "DE12345678901234567891");
        CHECK(e[0].purpose == "Verwendungszweck 1");
        CHECK(e[0].booking_text == "DAUERAUFTRAG");
        CHECK(e[0].reference.empty());
        CHECK(e[1].amount == "0.50");
        CHECK(e[1].value_date == "2018-07-22");
        CHECK(e[1].counterparty_name == "Bert Bezahler");
        CHECK(e[1].purpose == "Verwendungszweck 2");
        CHECK(e[1].account == "DE12345678901234567890");
    }

    TEST_CASE("a German camt.052.001.08 direct debit: creditor, mandate and creditor id") {
        const auto e = entries_of("camt052-v08-de.xml", Syntax::camt);
        REQUIRE(e.size() == 1);
        CHECK(e[0].amount == "-34.00");
        CHECK(e[0].booking_date == "2023-11-10");
        CHECK(e[0].counterparty_name == "Beispiel AG");
        CHECK(e[0].counterparty_iban == "DE12345678901234567892");
        CHECK(e[0].counterparty_bic == "ABCDEFG1CBA");
        CHECK(e[0].mandate_id == "12345678/001");
        CHECK(e[0].creditor_id == "DE46ZZZ00000012345");
        CHECK(e[0].end_to_end_id == "123456789012");
        CHECK(e[0].reference == "2023-11-10-00.06.42.329883");
        CHECK(e[0].transaction_code == "NDDT+105+9200+992");
        CHECK(e[0].purpose == "Verwendungszweck");
        CHECK(e[0].booking_text == "FOLGELASTSCHRIFT");
    }

    TEST_CASE("MT940 with German structured :86: fields over two statements") {
        const auto e = entries_of("mt940-sepa-snippet.sta", Syntax::mt940);
        REQUIRE(e.size() == 11);
        CHECK(e[0].line == 5);
        CHECK(e[0].value_date == "2007-09-07");
        CHECK(e[0].booking_date == "2007-09-04");
        CHECK(e[0].amount == "50990.05");
        CHECK(e[0].currency == "EUR");
        CHECK(e[0].reference == "0724710333343453");      // after "//"; NONREF before it
        CHECK(e[0].counterparty_name == "KARL KAUFMANN"); // ?32 and ?33, spaces squeezed
        CHECK(e[0].counterparty_iban == "DE14508800500194785000");
        CHECK(e[0].counterparty_bic == "DRESDEFF508");
        CHECK(e[0].purpose == "Verw CTSc-01 BC-PPP TFNr 22 004"); // the SVWZ+ text
        CHECK(e[0].end_to_end_id == "EndToEndId TFNR 22 004 00001");
        CHECK(e[0].booking_text == "GUTSCHRIFT");
        CHECK(e[0].transaction_code == "166");
        CHECK(e[0].account == "50880050/0194787400888");
        CHECK(e[3].amount == "-1500.00");
        CHECK(e[3].reference == "536D80EFEC56ACF8");
        CHECK(e[4].amount == "-0.08");
        CHECK(e[4].account == "50880050/0194791600888");
        CHECK(e[5].amount == "335.33");
        CHECK(e[6].amount == "15000.00"); // "15000," without decimals
        // A purpose wrapped over ?22-?27 and several lines reads as one text.
        CHECK(e[7].purpose == "TO 13 TFNr 20001 Eingangskanal Mint Unstrukturierter "
                              "Verwendungszweck 140 Zeichen Beginn Fuellzeichen "
                              "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        CHECK(e[7].counterparty_name == "Richter Renate 70 Zeichen Beginn Fuellzeichen xxxxxxxx");
        CHECK(e[10].amount == "-3572569.03");
        CHECK(e[10].reference.empty()); // NONREF
        CHECK(e[10].purpose == "0904059001");
        CHECK(e[10].booking_text == "SAMMLER");
        // The first statement's entries lead from its opening balance (:60F: C766656,49) to its
        // closing balance (:62F: C1125250,4).
        Decimal first = Decimal::parse("766656.49").value();
        for (std::size_t i = 0; i < 4; ++i) {
            first = first + Decimal::parse(e[i].amount).value();
        }
        CHECK(first == Decimal::parse("1125250.40").value());
    }

    TEST_CASE("MT940 from a German bank with CRLF lines and the bank's own ids") {
        const auto e = entries_of("mt940-hbci4java.sta", Syntax::mt940);
        REQUIRE(e.size() == 2);
        CHECK(e[0].amount == "2.00");
        CHECK(e[0].value_date == "2023-02-09");
        CHECK(e[0].booking_date == "2023-02-09");
        CHECK(e[0].reference == "2023-02-09-08.37.18.054696");
        CHECK(e[0].counterparty_name == "Max Mustermann");
        CHECK(e[0].purpose == "Test 1");
        CHECK(e[1].amount == "1.00");
        CHECK(e[1].reference == "2023-02-09-08.37.18.552784");
        CHECK(e[1].purpose == "Test 2");
    }

    TEST_CASE("MT942 interim report entries are pending") {
        const auto e = entries_of("mt942-interim.sta", Syntax::mt940);
        REQUIRE(e.size() == 1);
        CHECK(e[0].status == "PDNG");
        CHECK(e[0].amount == "-0.42");
        CHECK(e[0].value_date == "2016-10-30");
        CHECK(e[0].booking_date == "2016-10-31");
        CHECK(e[0].reference == "055001022000001");
        CHECK(e[0].purpose == "REMIT:Costs to MT940 Parsing. This is Somuchfun.");
        std::vector<transactions::LeftOutRow> left;
        const auto rows = rows_of("mt942-interim.sta", "mt940", &left);
        CHECK(rows.empty());
        REQUIRE(left.size() == 1);
        CHECK(left[0].transaction_id == "055001022000001");
        CHECK(contains(left[0].reason, "PDNG"));
    }

    TEST_CASE("a Sparkasse MT940 whose amount and :86: tag wrap onto the next line") {
        // ":61:1811261126CR", then "30,00N062NONREF"; ":" alone, then "86:166?00...".
        const auto e = entries_of("mt940-sparkasse-wrapped.sta", Syntax::mt940);
        REQUIRE(e.size() == 1);
        CHECK(e[0].line == 1);
        CHECK(e[0].amount == "30.00"); // C with the funds code R: a credit
        CHECK(e[0].value_date == "2018-11-26");
        CHECK(e[0].booking_date == "2018-11-26");
        CHECK(e[0].status == "BOOK");
        CHECK(e[0].reference.empty()); // NONREF
        CHECK(e[0].transaction_code == "166");
        CHECK(e[0].booking_text == "GUTSCHR. UEBERWEISUNG");
        CHECK(e[0].purpose == "Test");
        CHECK(e[0].currency.empty()); // the extract has no opening balance
        // The same wrap in a debit with a space, and a ":" line that opens no field.
        auto r = parse_mt940(":20:X\n:60F:C251231EUR0,\n:61:2512311231D\n12,5NTRFKREF\n"
                             ":86:one\n:\nand two\n:61:251231D 1,NTRFK2\n-\n");
        REQUIRE(r);
        REQUIRE(r->size() == 2);
        CHECK((*r)[0].amount == "-12.50");
        CHECK((*r)[0].reference == "KREF");
        CHECK((*r)[0].purpose == "one:and two");
        CHECK((*r)[1].amount == "-1.00");
        CHECK((*r)[1].line == 8);
    }

    TEST_CASE("MT940 reversals, year ends and broken lines") {
        auto r = parse_mt940(":20:X\n:25:DE1\n:60F:C251231EUR0,\n"
                             ":61:2512310102RC10,5NTRFNONREF//B1\n"
                             ":61:2601021231RD2,NTRFKREF\n"
                             ":86:just text\n-\n");
        REQUIRE(r);
        REQUIRE(r->size() == 2);
        CHECK((*r)[0].amount == "-10.50"); // the reversal of a credit takes money out
        CHECK((*r)[0].booking_date == "2026-01-02");
        CHECK((*r)[0].reference == "B1");
        CHECK((*r)[1].amount == "2.00");
        CHECK((*r)[1].booking_date == "2025-12-31");
        CHECK((*r)[1].reference == "KREF");
        CHECK((*r)[1].purpose == "just text");
        auto bad = parse_mt940(":20:X\n:61:251231X10,NTRF\n");
        REQUIRE(!bad);
        CHECK(bad.error().line == 2);
        CHECK(contains(bad.error().message, "debit/credit mark"));
    }

    TEST_CASE("a camt.053.001.02 batch whose details add up: one entry per transaction") {
        const auto e = entries_of("camt053-v02-batch.xml", Syntax::camt);
        REQUIRE(e.size() == 4); // three <Ntry>, the second a batch of two direct debits
        CHECK(e[0].line == 50);
        CHECK(e[0].amount == "-754.25");
        CHECK(e[0].counterparty_name == "INSURANCE COMPANY TESTX");
        CHECK(e[0].mandate_id == "1880000341866");
        CHECK(e[0].transaction_code == "EI");
        // The batch: -664.05 = -564.05 + -100.00, each with its own details.
        CHECK(e[1].line == 144);
        CHECK(e[1].amount == "-564.05");
        CHECK(e[1].end_to_end_id == "TESTBANK/NL/20141229/01206408");
        CHECK(e[1].mandate_id == "NL22ZZZ524885430000-C0125.1");
        CHECK(e[2].line == 185);
        CHECK(e[2].amount == "-100.00");
        CHECK(e[2].end_to_end_id == "TESTBANK/NL/20141229/01206407");
        CHECK(e[2].mandate_id == "NL22ZZZ524885430000-C0125.2");
        for (const auto* t : {&e[1], &e[2]}) {
            CHECK(t->booking_date == "2014-01-05");
            CHECK(t->value_date == "2014-01-05");
            CHECK(t->currency == "EUR");
            CHECK(t->status == "BOOK");
            // A reversal (RvslInd) naming only the creditor: that side.
            CHECK(t->counterparty_name == "Test Customer");
            CHECK(t->counterparty_iban == "NL46ABNA0499998748");
            CHECK(t->counterparty_bic == "ABNANL2A");
            CHECK(t->purpose == "Direct Debit S14 0410");
            CHECK(t->transaction_code == "EIST");
            CHECK(t->reference.empty()); // neither the entry nor the details have AcctSvcrRef
            CHECK(t->account == "NL77ABNA0574908765");
        }
        CHECK(e[3].line == 228);
        CHECK(e[3].amount == "1405.31");
        CHECK(e[3].counterparty_name == "3rd party Media");
        CHECK(e[3].purpose == "#RD PARTY MEDIA CUSNO 90782 4210773");
        CHECK(e[3].end_to_end_id == "115");
    }

    TEST_CASE("a camt.053.001.04 batch with TxDtls/Amt and one reference for both details") {
        const auto e = entries_of("camt053-v04-batch-ch.xml", Syntax::camt);
        REQUIRE(e.size() == 2);
        CHECK(e[0].line == 79);
        CHECK(e[0].amount == "2187.00");
        CHECK(e[0].counterparty_iban == "CH2222000000123456789");
        CHECK(e[0].counterparty_bic == "POFICHBEXXX");
        CHECK(e[0].purpose == "302388292000011111111111111");
        CHECK(e[1].line == 144);
        CHECK(e[1].amount == "1296.00");
        CHECK(e[1].counterparty_iban == "CH3333000000123456789");
        CHECK(e[1].counterparty_bic == "POFICHBEYYY");
        CHECK(e[1].purpose == "302388292000022222222222222");
        // Both details carry the same AcctSvcrRef: the entry's, numbered, tells them apart.
        CHECK(e[0].reference == "20170323001234567891234567891234-1");
        CHECK(e[1].reference == "20170323001234567891234567891234-2");
        for (const auto& t : e) {
            CHECK(t.booking_date == "2017-03-22");
            CHECK(t.value_date == "2017-03-23");
            CHECK(t.currency == "CHF");
            CHECK(t.counterparty_name == "Banque Cantonale Vaudoise");
            CHECK(t.transaction_code == "VCOM");
        }
    }

    TEST_CASE("a batch whose details do not make up the entry stays one entry") {
        // Three details in CHF (3.10, 3.20, 3.20) under an entry of 200000 SEK.
        const auto e = entries_of("camt054-v04-batch-other-currency.xml", Syntax::camt);
        REQUIRE(e.size() == 1);
        CHECK(e[0].line == 63);
        CHECK(e[0].amount == "-200000");
        CHECK(e[0].currency == "SEK");
        CHECK(e[0].counterparty_name.empty());
        CHECK(std::count(e[0].purpose.begin(), e[0].purpose.end(), ';') == 2);
        // Details without amounts, and details that do not add up, are not split either.
        const std::string head = "<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy=\"EUR\">10</Amt>"
                                 "<CdtDbtInd>CRDT</CdtDbtInd><NtryDtls>";
        const std::string tail = "</NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>";
        auto none = parse_camt(head + "<TxDtls/><TxDtls/>" + tail);
        REQUIRE(none);
        CHECK(none->size() == 1);
        auto short_sum = parse_camt(head +
                                    "<TxDtls><Amt Ccy=\"EUR\">4</Amt></TxDtls>"
                                    "<TxDtls><Amt Ccy=\"EUR\">5</Amt></TxDtls>" +
                                    tail);
        REQUIRE(short_sum);
        REQUIRE(short_sum->size() == 1);
        CHECK((*short_sum)[0].amount == "10");
        // A credit and a return debit inside one batch split by their own CdtDbtInd.
        auto mixed =
            parse_camt(head +
                       "<TxDtls><Amt Ccy=\"EUR\">12</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>"
                       "<TxDtls><Amt Ccy=\"EUR\">2</Amt><CdtDbtInd>DBIT</CdtDbtInd></TxDtls>" +
                       tail);
        REQUIRE(mixed);
        REQUIRE(mixed->size() == 2);
        CHECK((*mixed)[0].amount == "12");
        CHECK((*mixed)[1].amount == "-2");
    }

    TEST_CASE("CAMT that is not a statement, or not well-formed, is refused") {
        auto order = parse_camt("<Document><Order/></Document>");
        REQUIRE(!order);
        CHECK(contains(order.error().message, "<Order>"));
        auto broken = parse_camt("<Document>\n<BkToCstmrStmt>\n</Document>");
        REQUIRE(!broken);
        CHECK(contains(broken.error().message, "line 3"));
        auto entity = parse_camt("<!DOCTYPE d [<!ENTITY e \"x\">]><Document/>");
        REQUIRE(!entity);
        CHECK(contains(entity.error().message, "entit"));
        auto sign = parse_camt("<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy=\"EUR\">1</Amt>"
                               "<CdtDbtInd>X</CdtDbtInd></Ntry></Stmt></BkToCstmrStmt></Document>");
        REQUIRE(!sign);
        CHECK(contains(sign.error().message, "CdtDbtInd"));
    }

    TEST_CASE("statements are told from other files by their content") {
        CHECK(detect("\xEF\xBB\xBF<?xml version=\"1.0\"?><Document><BkToCstmrStmt>") ==
              Syntax::camt);
        CHECK(detect("\r\n:20:STARTUMS\r\n") == Syntax::mt940);
        CHECK(detect(":61:1811261126CR\n30,00N062NONREF\n") == Syntax::mt940);
        CHECK(!detect(":x:\n"));
        CHECK(!detect("<Invoice/>"));
        CHECK(!detect("Buchungstag;Betrag\n"));
    }
}

TEST_SUITE("lexsync::transactions bank statements") {
    TEST_CASE("the camt053 mapping books each entry once, the bank's reference as its id") {
        const auto rows = rows_of("camt052-v08-de.xml", "camt053");
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].amount == Decimal::parse("-34.00").value());
        CHECK(rows[0].booking_date == "2023-11-10");
        CHECK(rows[0].transaction_id == "2023-11-10-00.06.42.329883");
        CHECK_FALSE(rows[0].derived_id);
        CHECK(rows[0].counterparty_name == "Beispiel AG");
        CHECK(rows[0].counterparty_iban == "DE12345678901234567892");
        CHECK(rows[0].purpose == "Verwendungszweck");
        CHECK(rows[0].line == 57);
    }

    TEST_CASE("the camt053 mapping books each transaction of a split batch once") {
        // A Swiss file: each detail's problem names the detail's line.
        auto m = transactions::load_mapping("camt053");
        REQUIRE(m);
        auto chf = transactions::read_input(fixture("camt053-v04-batch-ch.xml"), *m,
                                            transactions::AccountType::giro, nullptr);
        REQUIRE(!chf);
        REQUIRE(chf.error().size() == 2);
        CHECK(chf.error()[0].line == 79);
        CHECK(chf.error()[1].line == 144);
        CHECK(contains(chf.error()[0].to_string(), "EUR only"));
        const auto batch = rows_of("camt053-v02-batch.xml", "camt053");
        REQUIRE(batch.size() == 4);
        CHECK(batch[1].derived_id);
        CHECK(batch[2].derived_id);
        CHECK(batch[1].transaction_id != batch[2].transaction_id);
        CHECK(batch[1].amount == Decimal::parse("-564.05").value());
        CHECK(batch[2].amount == Decimal::parse("-100").value());
        CHECK(batch[2].line == 185);
    }

    TEST_CASE("entries without a reference get ids derived from their content, the same each run") {
        const auto a = rows_of("camt052-v02-de.xml", "camt053");
        const auto b = rows_of("camt052-v02-de.xml", "camt053");
        REQUIRE(a.size() == 2);
        CHECK(a[0].derived_id);
        CHECK(a[0].transaction_id != a[1].transaction_id);
        CHECK(a[0].transaction_id == b[0].transaction_id);
        CHECK(a[1].transaction_id == b[1].transaction_id);
        const auto multi = rows_of("camt053-v02-multi-statement.xml", "camt053");
        REQUIRE(multi.size() == 2);
        CHECK(multi[0].amount + multi[1].amount == Decimal::parse("1.85").value());
    }

    TEST_CASE("pending CAMT entries are left out with the reason") {
        const std::string camt =
            "<Document><BkToCstmrAcctRpt><Rpt><Ntry><Amt Ccy=\"EUR\">4.02</Amt>"
            "<CdtDbtInd>DBIT</CdtDbtInd><Sts>PDNG</Sts><BookgDt><Dt>2019-11-08</Dt></BookgDt>"
            "</Ntry><Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
            "<BookgDt><Dt>2019-11-08</Dt></BookgDt><AcctSvcrRef>R1</AcctSvcrRef></Ntry>"
            "</Rpt></BkToCstmrAcctRpt></Document>";
        auto m = transactions::load_mapping("camt053");
        REQUIRE(m);
        std::vector<transactions::LeftOutRow> left;
        auto r = transactions::read_text(camt, "r.xml", false, *m, transactions::AccountType::giro,
                                         &left);
        REQUIRE(r);
        REQUIRE(r->size() == 1);
        CHECK((*r)[0].transaction_id == "R1");
        REQUIRE(left.size() == 1);
        CHECK(contains(left[0].reason, "PDNG"));
    }

    TEST_CASE("the mt940 mapping reads every :61: with its :86:") {
        const auto rows = rows_of("mt940-sepa-snippet.sta", "mt940");
        REQUIRE(rows.size() == 11);
        CHECK(rows[0].transaction_id == "0724710333343453");
        CHECK(rows[0].amount == Decimal::parse("50990.05").value());
        CHECK(rows[0].booking_date == "2007-09-04");
        CHECK(rows[0].value_date == "2007-09-07");
        CHECK(rows[10].derived_id);
        Decimal total;
        for (const auto& r : rows) {
            total = total + r.amount;
        }
        CHECK(total == Decimal::parse("-2143323.39").value());
    }

    TEST_CASE("the mt940 mapping books the wrapped Sparkasse entry in EUR") {
        const auto rows = rows_of("mt940-sparkasse-wrapped.sta", "mt940");
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].amount == Decimal::parse("30").value());
        CHECK(rows[0].currency == "EUR");
        CHECK(rows[0].booking_date == "2018-11-26");
        CHECK(rows[0].purpose == "Test");
        CHECK(rows[0].derived_id);
    }

    TEST_CASE("a statement read through a CSV mapping, or a mapping reading unknown cells") {
        auto generic = transactions::load_mapping("generic");
        REQUIRE(generic);
        auto r = transactions::read_input(fixture("camt053-v08.xml"), *generic,
                                          transactions::AccountType::giro);
        REQUIRE(!r);
        CHECK(contains(issues_text(r.error()), "--mapping camt053"));
        auto custom = transactions::parse_mapping("input = \"mt940\"\n[columns]\n"
                                                  "booking_date = \"booking_date\"\n"
                                                  "amount = \"Betrag\"\n",
                                                  "m.toml");
        REQUIRE(custom);
        auto bad = transactions::read_input(fixture("mt940-hbci4java.sta"), *custom,
                                            transactions::AccountType::giro);
        REQUIRE(!bad);
        CHECK(contains(issues_text(bad.error()), "'Betrag'"));
        CHECK(!transactions::parse_mapping("input = \"ofx\"\n[columns]\nbooking_date = \"a\"\n"
                                           "amount = \"b\"\n",
                                           "m.toml"));
    }

    TEST_CASE("the built-in mapping for a file is chosen by its content") {
        CHECK(transactions::statement_mapping_for(fixture("camt053-v08.xml")) == "camt053");
        CHECK(transactions::statement_mapping_for(fixture("mt940-hbci4java.sta")) == "mt940");
        CHECK(!transactions::statement_mapping_for(fixture("README.md")));
        CHECK(!transactions::statement_mapping_for(fixture("no-such-file.xml")));
    }
}
