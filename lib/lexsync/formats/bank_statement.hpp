// --- Interface ---
// German bank statement files read into entries: ISO 20022 CAMT XML (camt.053 statements, also
// camt.052 reports and camt.054 notifications; versions .02 to .08 as the banks deliver them,
// read with expat) and SWIFT MT940 with the German structured :86: field (?00 booking text,
// ?20-?29 and ?60-?63 purpose, ?30/?31 the counterparty's bank and account, ?32/?33 its name,
// SEPA keys EREF+, MREF+, CRED+, SVWZ+). A CAMT batch entry whose transaction details carry
// amounts that add up to it is read as one entry per detail. Each entry offers named cells that a
// transactions mapping reads like CSV columns. A file is read as a stream (Reader, read()): each
// entry is handed on as soon as it is complete, with memory flat in the file's size; parse()
// reads a whole text through the same reader. Pure logic.
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <lexsync/util/result.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync::bank_statement {

enum class Syntax { camt, mt940 };

// The longest text of one CAMT element, MT940 line or MT940 field (with its continuation lines)
// a statement may have: 1 MiB, as a CSV field.
inline constexpr std::size_t k_max_text = std::size_t{1} << 20;

// Returns "CAMT" or "MT940".
const char* syntax_name(Syntax s);
// The syntax the content shows: XML whose root holds a bank-to-customer statement, report or
// notification, or text whose first field is an MT940 one (":20:", a SWIFT header "{1:", or of an
// extract ":25:", ":28C:", ":60F:" or ":61:").
std::optional<Syntax> detect(std::string_view content);

// One booked (or, in CAMT, pending or informational) entry of a statement.
struct Entry {
    long line = 0;                 // the line its <Ntry> (of a split batch: <TxDtls>) or :61:
                                   // starts on
    std::string account;           // the statement's account: IBAN, or bank code/account number
    std::string booking_date;      // yyyy-MM-dd
    std::string value_date;        // yyyy-MM-dd
    std::string amount;            // signed, decimal point: "-34.00"
    std::string currency;          // ISO code
    std::string status;            // CAMT: BOOK, PDNG or INFO; MT940: BOOK (MT942: PDNG)
    std::string counterparty_name; // the debtor of an incoming, the creditor of an outgoing entry
    std::string counterparty_iban;
    std::string counterparty_bic;
    std::string purpose;          // remittance information (SEPA: the SVWZ+ text)
    std::string booking_text;     // CAMT: AddtlNtryInf; MT940: ?00
    std::string transaction_code; // CAMT: the proprietary or domain code; MT940: the GVC
    std::string end_to_end_id;
    std::string mandate_id;
    std::string creditor_id;
    std::string reference; // the bank's reference (AcctSvcrRef); empty when none or NONREF
};

// Why a file cannot be read, at a line (0: the whole file).
struct Problem {
    long line = 0;
    std::string message;
};

// Receives the entries of a statement in the order of the file.
using EntrySink = std::function<void(Entry&&)>;

// Reads a statement of `syntax` fed a piece at a time (UTF-8: the input layer decodes files; a
// CAMT file's declared encoding is not applied again). A piece may end anywhere, also inside a
// tag, a reference, a CDATA section, a comment, a line or a UTF-8 sequence. Each entry goes to
// `sink` as soon as it is complete: a CAMT entry (or the transactions a batch entry splits into)
// at its </Ntry>; an MT940 entry when the field after its :86: starts, or, without one, when the
// next entry, the closing balance or the next statement starts or the message ends. What an entry
// takes from its statement comes before it in the file: the account (CAMT <Acct> precedes the
// entries, MT940 :25:), the currency (CAMT: the entry's own Amt, MT940: :60F:/:60M:) and, for
// MT940, whether the message is an MT942 interim report (:34F:, :13D:, after :20:). An entry before
// them gets them empty, as it would from the whole text. Held in memory: one entry, its transaction
// details, the open elements, the current MT940 line and field. None of these grows without
// bound: an element's text, an MT940 line or field longer than k_max_text is refused, as is XML
// markup longer than xml::k_max_markup.
class Reader {
public:
    Reader(Syntax syntax, EntrySink sink);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    // Reads the next piece of the text.
    void feed(std::string_view piece);
    // Ends the text. Returns why the file cannot be read, as parse() does; then `sink` may have
    // had entries before the problem was found, which are to be dropped. After the first problem
    // no further entry is handed on.
    std::optional<Problem> finish();

    struct State; // the reader of either syntax (bank_statement.cpp)

private:
    std::unique_ptr<State> m_state;
};

// Reads `in` to its end in pieces of 64 KiB through a Reader.
std::optional<Problem> read(std::istream& in, Syntax syntax, const EntrySink& sink);
// Reads the whole `text` through a Reader.
std::optional<Problem> read(std::string_view text, Syntax syntax, const EntrySink& sink);

// The entries of every statement in `content` read as `syntax` (read() gathered); MT940: the
// entries of an MT942 interim report in it (:34F: or :13D:) are pending (status PDNG).
Result<std::vector<Entry>, Problem> parse(std::string_view content, Syntax syntax);
// parse() of CAMT `xml` and of MT940 `text`.
Result<std::vector<Entry>, Problem> parse_camt(std::string_view xml);
Result<std::vector<Entry>, Problem> parse_mt940(std::string_view text);

// The names of an entry's cells: booking_date, value_date, amount, currency, status,
// counterparty_name, counterparty_iban, counterparty_bic, purpose, booking_text,
// transaction_code, end_to_end_id, mandate_id, creditor_id, reference, account.
const std::vector<std::string>& column_names();
// The cell `column` of `e`; nullopt for a name not in column_names().
std::optional<std::string> cell(const Entry& e, std::string_view column);

} // namespace lexsync::bank_statement
