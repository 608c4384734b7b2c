#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/formats/bank_statement.hpp>
#include <lexsync/formats/xml.hpp>
#include <lexsync/records/transactions.hpp>
#include <lexsync/util/decimal.hpp>
#include <sstream>
#include <sys/resource.h>
#include <unistd.h>

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

// Every cell and the line of each entry, one entry a line: what two reads are compared by.
std::string dump(const std::vector<Entry>& entries) {
    std::string out;
    for (const auto& e : entries) {
        out += std::to_string(e.line);
        for (const auto& c : column_names()) {
            out += "|" + cell(e, c).value_or("?");
        }
        out += "\n";
    }
    return out;
}

// The result of reading `text` fed in pieces of `size` bytes: the entries, or the problem.
std::string read_in_pieces(std::string_view text, Syntax syntax, std::size_t size) {
    std::vector<Entry> entries;
    Reader reader(syntax, [&entries](Entry&& e) { entries.push_back(std::move(e)); });
    for (std::size_t pos = 0; pos < text.size(); pos += size) {
        reader.feed(text.substr(pos, size));
    }
    if (auto problem = reader.finish()) {
        return fmt::format("problem at line {}: {}", problem->line, problem->message);
    }
    return dump(entries);
}

std::string read_whole(std::string_view text, Syntax syntax) {
    auto r = parse(text, syntax);
    if (!r) {
        return fmt::format("problem at line {}: {}", r.error().line, r.error().message);
    }
    return dump(*r);
}

// The first line of `s`, at most 200 characters of it: what a failed check shows of a large read.
std::string first_line(const std::string& s) {
    return s.substr(0, std::min<std::size_t>(s.find('\n'), 200));
}

// Checks that `text` read in pieces of every size from 1 to 128, and of a few larger ones, gives
// what the whole text gives.
void check_every_piece_size(const std::string& text, Syntax syntax, const std::string& name) {
    const std::string whole = read_whole(text, syntax);
    std::vector<std::size_t> sizes;
    for (std::size_t n = 1; n <= 128; ++n) {
        sizes.push_back(n);
    }
    for (std::size_t n : {200, 333, 511, 1024, 4093, 65536}) {
        sizes.push_back(n);
    }
    sizes.push_back(text.size() > 1 ? text.size() - 1 : 1);
    for (std::size_t n : sizes) {
        const std::string got = read_in_pieces(text, syntax, n);
        if (got != whole) {
            FAIL_CHECK(name << " in pieces of " << n << " bytes:\n"
                            << got << "\nwhole:\n"
                            << whole);
            return;
        }
    }
}

// The peak resident memory of this process so far, in KiB.
long peak_rss_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool k_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool k_asan = true;
#else
constexpr bool k_asan = false;
#endif
#else
constexpr bool k_asan = false;
#endif

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

// Bank statements read as streams: every fixture fed in pieces of every size gives the entries
// and problems of the whole text, entries are handed on as soon as they end, CAMT markup split
// anywhere (references, CDATA, comments, attributes, UTF-8) reads the same, memory stays flat
// over a large generated statement, and a Windows-1252 MT940 file is decoded on the way.
TEST_SUITE("lexsync::bank_statement streamed") {
    TEST_CASE("every CAMT fixture fed in pieces of every size reads as the whole text") {
        for (const char* name :
             {"camt052-v02-de.xml", "camt052-v08-de.xml", "camt053-v02-batch.xml",
              "camt053-v02-multi-statement.xml", "camt053-v04-batch-ch.xml", "camt053-v08.xml",
              "camt054-v04-batch-other-currency.xml"}) {
            const std::string text = text_of(name);
            REQUIRE(read_whole(text, Syntax::camt).find("problem") == std::string::npos);
            check_every_piece_size(text, Syntax::camt, name);
        }
    }

    TEST_CASE("every MT940 fixture fed in pieces of every size reads as the whole text") {
        for (const char* name : {"mt940-hbci4java.sta", "mt940-sepa-snippet.sta",
                                 "mt940-sparkasse-wrapped.sta", "mt942-interim.sta"}) {
            const std::string text = text_of(name);
            REQUIRE(read_whole(text, Syntax::mt940).find("problem") == std::string::npos);
            check_every_piece_size(text, Syntax::mt940, name);
        }
    }

    TEST_CASE("references, CDATA, comments, attributes and UTF-8 split anywhere read the same") {
        const std::string camt =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<!-- a comment before the root -->\n"
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
            "<BkToCstmrStmt><Stmt><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>\n"
            "<Ntry><Amt   Ccy = 'EUR' >12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
            "<BookgDt><Dt>2026-03-02</Dt></BookgDt><!-- booked -->"
            "<AcctSvcrRef>R&amp;1&#x2D;&#51;</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr>"
            "<Nm>M\xC3\xBCller &amp; S\xC3\xB6hne <![CDATA[<GmbH> & Co]]></Nm></Dbtr></RltdPties>"
            "<RmtInf><Ustrd>Miete M\xC3\xA4rz &#8364; <!-- kept apart --> 12,50</Ustrd></RmtInf>"
            "</TxDtls></NtryDtls></Ntry>\n"
            "</Stmt></BkToCstmrStmt></Document>\n";
        auto whole = parse_camt(camt);
        REQUIRE_MESSAGE(whole, (whole ? std::string() : whole.error().message));
        REQUIRE(whole->size() == 1);
        const Entry& e = whole->front();
        CHECK(e.account == "DE02120300000000202051");
        CHECK(e.currency == "EUR");
        CHECK(e.reference == "R&1-3");
        CHECK(e.counterparty_name == "M\xC3\xBCller & S\xC3\xB6hne <GmbH> & Co");
        CHECK(e.purpose == "Miete M\xC3\xA4rz \xE2\x82\xAC 12,50");
        CHECK(e.line == 4);
        check_every_piece_size(camt, Syntax::camt, "the marked-up CAMT");
    }

    TEST_CASE("XML problems and their lines are the same in pieces of every size") {
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"<Document>\n<BkToCstmrStmt>\n</Document>",
             "line 3: end tag </Document> does not match <BkToCstmrStmt>"},
            {"<Document/>\n</BkToCstmrStmt>", "line 2: "},
            {"<!DOCTYPE d [<!ENTITY e \"x\">]>\n<Document/>",
             "line 1: entity declaration 'e' (entities are not accepted)"},
            {"<Document>\n<BkToCstmrStmt>\n", "line 3: element <BkToCstmrStmt> is not closed"},
            {"<Document><Order/></Document>", "<Order> is not a CAMT statement"},
            {std::string(300, '\n') + "<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy=\"EUR\">1"
                                      "</Amt><CdtDbtInd>X</CdtDbtInd></Ntry></Stmt>"
                                      "</BkToCstmrStmt></Document>",
             "problem at line 301: the entry's CdtDbtInd is 'X'"},
        };
        for (const auto& [xml, expected] : cases) {
            const std::string whole = read_whole(xml, Syntax::camt);
            CHECK_MESSAGE(whole.find(expected) != std::string::npos, whole);
            check_every_piece_size(xml, Syntax::camt, xml);
        }
    }

    TEST_CASE("elements nested deeper than the limit are refused") {
        std::string deep = "<Document>";
        for (int i = 1; i < xml::k_max_depth; ++i) {
            deep += "<a>";
        }
        std::string deeper = deep + "<a>";
        auto ok = parse_camt(deep);
        REQUIRE(!ok);
        CHECK(ok.error().message.find("nested") == std::string::npos);
        auto refused = parse_camt(deeper);
        REQUIRE(!refused);
        CHECK(refused.error().message ==
              fmt::format("not well-formed XML at line 1: elements nested deeper than {}",
                          xml::k_max_depth));
        CHECK(read_in_pieces(deeper, Syntax::camt, 7).find("nested deeper") != std::string::npos);
    }

    TEST_CASE("an element's text longer than 1 MiB is refused, a shorter one read") {
        const std::string head =
            "<Document><BkToCstmrStmt><Stmt><Acct><Id><IBAN>DE1</IBAN></Id></Acct>\n"
            "<Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>\n"
            "<NtryDtls><TxDtls><RmtInf><Ustrd>";
        const std::string tail = "</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n"
                                 "</Stmt></BkToCstmrStmt></Document>\n";
        const std::string near(k_max_text - 10, 'x');
        auto ok = parse_camt(head + near + tail);
        REQUIRE_MESSAGE(ok, (ok ? std::string() : ok.error().message));
        REQUIRE(ok->size() == 1);
        CHECK(ok->front().purpose.size() == near.size());

        const std::string big = head + std::string(2 * k_max_text, 'x') + tail;
        const std::string expected = "problem at line 3: the text of <Ustrd> is longer than 1 MiB";
        CHECK(first_line(read_whole(big, Syntax::camt)) == expected);
        CHECK(first_line(read_in_pieces(big, Syntax::camt, 64 << 10)) == expected);
        CHECK(first_line(read_in_pieces(big, Syntax::camt, 1000)) == expected);
    }

    TEST_CASE("XML markup longer than 16 MiB is refused, as it arrives") {
        // Fed in pieces (of 64 KiB as read() does, of 1 MiB where expat's scanning of the
        // unfinished markup from its start on each piece would make the test slow): the problem
        // is found before the markup ends.
        auto refused_after = [](const std::string& head, std::size_t piece_size) {
            const std::string piece(piece_size, 'a');
            Reader reader(Syntax::camt, [](Entry&&) {});
            reader.feed(head);
            for (std::size_t fed = 0; fed < (std::size_t{20} << 20); fed += piece_size) {
                reader.feed(piece);
            }
            auto problem = reader.finish();
            return problem ? problem->message : std::string("no problem");
        };
        const std::string refused = "not well-formed XML at line 2: markup longer than 16 MiB";
        CHECK(refused_after("<Document>\n<BkToCstmrStmt x=\"", 64 << 10) == refused);
        CHECK(refused_after("<Document>\n<!-- ", 1 << 20) == refused);
        CHECK(refused_after("<Document>\n<?pi ", 1 << 20) == refused);
        CHECK(refused_after("<?xml version=\"1.0\"?>\n<!DOCTYPE Document [<!-- ", 1 << 20) ==
              refused);

        // Markup within the bound, and more than the bound of markup and text in many pieces,
        // are read.
        auto read_with = [](std::size_t size, std::size_t count, const std::string& open,
                            const std::string& close) {
            const std::string piece = open + std::string(size, 'a') + close;
            Reader reader(Syntax::camt, [](Entry&&) {});
            reader.feed("<Document><BkToCstmrStmt><a x=\"");
            for (std::size_t i = 0; i < count; ++i) {
                reader.feed(piece);
            }
            reader.feed("\"/></BkToCstmrStmt></Document>");
            auto problem = reader.finish();
            return problem ? problem->message : std::string("no problem");
        };
        CHECK(read_with(1 << 20, 15, "", "") == "no problem"); // one attribute of 15 MiB
        CHECK(read_with(64 << 10, 320, "\"/><!-- ", " --><a x=\"") == "no problem"); // comments
        CHECK(read_with(64 << 10, 320, "\"/>", "<a x=\"") == "no problem"); // 20 MiB of text
    }

    TEST_CASE("an MT940 line or field longer than 1 MiB is refused, a shorter one read") {
        const std::string head =
            ":20:X\n:25:DE1\n:60F:C260301EUR0,\n:61:2603010301C1,NTRFNONREF//A\n";
        // A :86: of 70-character lines: 900 KiB is read, 2 MiB refused at the line it starts on.
        auto details = [](std::size_t size) {
            std::string s = ":86:166?00GUTSCHRIFT?20SVWZ+";
            while (s.size() < size) {
                s += "\n" + std::string(70, 'p');
            }
            return s + "\n";
        };
        auto ok = parse_mt940(head + details(900 << 10) + ":62F:C260301EUR1,\n-\n");
        REQUIRE_MESSAGE(ok, (ok ? std::string() : ok.error().message));
        REQUIRE(ok->size() == 1);
        CHECK(ok->front().purpose.size() > (800 << 10));

        const std::string field = head + details(2 << 20) + ":62F:C260301EUR1,\n-\n";
        const std::string field_refused =
            "problem at line 5: field :86: with its continuation lines longer than 1 MiB";
        CHECK(first_line(read_whole(field, Syntax::mt940)) == field_refused);
        CHECK(first_line(read_in_pieces(field, Syntax::mt940, 64 << 10)) == field_refused);

        // One line of 2 MiB, whole and in pieces (its end never reached before the bound).
        const std::string line = head + ":86:" + std::string(2 << 20, 'p') + "\n-\n";
        const std::string line_refused = "problem at line 5: line longer than 1 MiB";
        CHECK(first_line(read_whole(line, Syntax::mt940)) == line_refused);
        CHECK(first_line(read_in_pieces(line, Syntax::mt940, 64 << 10)) == line_refused);
        CHECK(first_line(read_in_pieces(line, Syntax::mt940, 1000)) == line_refused);
    }

    TEST_CASE("an entry is handed on as soon as it is complete") {
        const std::string camt = text_of("camt053-v02-multi-statement.xml");
        std::vector<Entry> got;
        Reader reader(Syntax::camt, [&got](Entry&& e) { got.push_back(std::move(e)); });
        const auto first_end = camt.find("</Ntry>") + 7;
        reader.feed(std::string_view(camt).substr(0, first_end - 1));
        CHECK(got.empty());
        reader.feed(std::string_view(camt).substr(first_end - 1, 1));
        CHECK(got.size() == 1);
        reader.feed(std::string_view(camt).substr(first_end));
        CHECK(!reader.finish());
        CHECK(got.size() == 2);

        // MT940: when the field after the entry's :86: starts.
        std::vector<Entry> mt;
        Reader mt940(Syntax::mt940, [&mt](Entry&& e) { mt.push_back(std::move(e)); });
        mt940.feed(":20:X\n:25:DE1\n:60F:C260301EUR0,\n:61:2603010301C1,NTRFNONREF//A\n"
                   ":86:erste\n");
        CHECK(mt.empty()); // the :86: may go on in a continuation line
        mt940.feed("Zeile\n:61:2603010301D2,NTRFNONREF//B\n");
        REQUIRE(mt.size() == 1);
        CHECK(mt[0].purpose == "ersteZeile");
        mt940.feed(":62F:C260301EUR1,\n");
        REQUIRE(mt.size() == 2); // no :86: after it
        CHECK(mt[1].purpose.empty());
        mt940.feed("-\n");
        CHECK(!mt940.finish());
        CHECK(mt.size() == 2);
    }

    TEST_CASE("a :86: after the closing balance is not taken for the last entry's") {
        auto r = parse_mt940(":20:X\n:25:DE1\n:60F:C260301EUR0,\n:61:2603010301C1,NTRFNONREF//A\n"
                             ":62F:C260301EUR1,\n:86:Kontoinformation\n-\n");
        REQUIRE(r);
        REQUIRE(r->size() == 1);
        CHECK(r->front().purpose.empty());
        // A field a bank puts between :61: and :86: leaves the entry waiting for its details.
        auto ns = parse_mt940(":20:X\n:61:2603010301C1,NTRFNONREF//A\n:NS:22Eigenes\n"
                              ":86:166?00GUTSCHRIFT?20SVWZ+Miete\n:62F:C260301EUR1,\n-\n");
        REQUIRE(ns);
        REQUIRE(ns->size() == 1);
        CHECK(ns->front().purpose == "Miete");
    }

    TEST_CASE("after a problem no further entry is handed on") {
        std::vector<Entry> got;
        Reader reader(Syntax::mt940, [&got](Entry&& e) { got.push_back(std::move(e)); });
        reader.feed(":20:X\n:61:2603010301C1,NTRF\n:61:260301X1,NTRF\n:61:2603010301C3,NTRF\n");
        auto problem = reader.finish();
        REQUIRE(problem);
        CHECK(problem->line == 3);
        CHECK(got.size() == 1);
    }

    TEST_CASE("a large statement is read with memory flat in its size") {
        // 16 MB of CAMT and 4 MB of MT940 (about 40,000 entries) generated a piece at a time: the
        // reader holds one entry, where the whole text and its entries would take well over 8 MB.
        const std::string camt = text_of("camt053-v08.xml");
        const auto entry_at = camt.find("<Ntry>");
        const auto entry_end = camt.find("</Ntry>") + 7;
        const std::string head = camt.substr(0, entry_at);
        const std::string entry = camt.substr(entry_at, entry_end - entry_at) + "\n";
        const std::string tail = camt.substr(entry_end);
        const std::string mt940_entry =
            ":61:2603010301CR12,50NTRFNONREF//B1\n"
            ":86:166?00GUTSCHRIFT?20EREF+E1?21SVWZ+Rechnung 1?32Kunde\n";
        const long before = peak_rss_kib();
        const std::size_t k_bytes = std::size_t{16} << 20;
        const std::size_t k_mt940_bytes = std::size_t{4} << 20;
        std::size_t camt_entries = 0;
        {
            std::string last_amount;
            Reader reader(Syntax::camt, [&](Entry&& e) {
                ++camt_entries;
                last_amount = e.amount;
            });
            reader.feed(head);
            for (std::size_t n = 0; n < k_bytes / entry.size(); ++n) {
                reader.feed(entry);
            }
            reader.feed(tail);
            CHECK(!reader.finish());
            CHECK(last_amount == "8.85");
        }
        std::size_t mt940_entries = 0;
        {
            Reader reader(Syntax::mt940, [&](Entry&&) { ++mt940_entries; });
            reader.feed(":20:X\n:25:DE1\n:60F:C260301EUR0,\n");
            for (std::size_t n = 0; n < k_mt940_bytes / mt940_entry.size(); ++n) {
                reader.feed(mt940_entry);
            }
            reader.feed(":62F:C260301EUR0,\n-\n");
            CHECK(!reader.finish());
        }
        CHECK(camt_entries == k_bytes / entry.size());
        CHECK(mt940_entries == k_mt940_bytes / mt940_entry.size());
        const long grown = peak_rss_kib() - before;
        MESSAGE("peak RSS grew by " << grown << " KiB over 20 MB of statements");
        if (!k_asan) {
            CHECK(grown < 8192);
        }
    }

    TEST_CASE("a Windows-1252 MT940 file is decoded while it is streamed") {
        const auto path = std::filesystem::temp_directory_path() /
                          ("lexsync-mt940-" + std::to_string(::getpid()) + ".sta");
        {
            std::ofstream out(path, std::ios::binary);
            out << ":20:X\r\n:25:DE1\r\n:60F:C260301EUR0,\r\n"
                   ":61:2603010301C12,50NTRFNONREF//B1\r\n"
                   ":86:166?00GUTSCHRIFT?20SVWZ+Miete "
                   "M\xE4rz?32M\xFCller\r\n:62F:C260301EUR12,5\r\n"
                   "-\r\n";
        }
        auto m = transactions::load_mapping("mt940");
        REQUIRE(m);
        auto rows = transactions::read_input(path, *m, transactions::AccountType::giro);
        std::filesystem::remove(path);
        REQUIRE(rows);
        REQUIRE(rows->size() == 1);
        CHECK(rows->front().line == 4);
        CHECK(rows->front().purpose.find("Miete M\xC3\xA4rz") != std::string::npos);
        CHECK(rows->front().counterparty_name == "M\xC3\xBCller");
    }

    TEST_CASE("a file that cannot be read, or is not a statement, is named") {
        auto m = transactions::load_mapping("camt053");
        REQUIRE(m);
        auto missing = transactions::read_input("/nonexistent/statement.xml", *m,
                                                transactions::AccountType::giro);
        REQUIRE(!missing);
        CHECK(missing.error().front().to_string().find("/nonexistent/statement.xml") == 0);
        auto csv = transactions::read_input(fixture("mt940-hbci4java.sta"), *m,
                                            transactions::AccountType::giro);
        REQUIRE(!csv);
        CHECK_MESSAGE(csv.error().front().to_string().find("not a readable CAMT statement") !=
                          std::string::npos,
                      csv.error().front().to_string());
    }
}
