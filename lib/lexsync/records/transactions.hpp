// --- Interface ---
// Financial transactions of a corporate card or payment provider for `transactions export`: the
// input model read from CSV or JSON through a column mapping (built in or a TOML file), the local
// validation, stable external references, batches, the bodies of the finance endpoints (API
// reference §10) and the bank-statement CSV that lexoffice's manual import reads.
#pragma once

#include <cstddef>
#include <filesystem>
#include <lexsync/formats/bank_statement.hpp>
#include <lexsync/records/contacts.hpp>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/json.hpp>
#include <lexsync/util/result.hpp>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync::transactions {

// A problem with one input field, printed as "file:line:field: message".
using InputIssue = contacts::InputIssue;

// The most transactions one POST /v1/finance/transactions may carry (§10.2).
inline constexpr std::size_t k_batch_size = 25;

enum class AccountType { creditcard, giro, payment_provider };

// Parses "creditcard", "giro" or "payment-provider" (also the API names, any case).
std::optional<AccountType> parse_account_type(std::string_view s);
// Returns the API name of `t`: "CREDITCARD", "GIRO" or "PAYMENT_PROVIDER".
const char* account_type_api_name(AccountType t);
// Returns the command-line name of `t`: "creditcard", "giro" or "payment-provider".
const char* account_type_name(AccountType t);

// The logical input fields a mapping assigns source columns to.
enum class Field {
    booking_date,
    value_date,
    amount,
    debit,  // a positive outgoing amount (exports with two amount columns)
    credit, // a positive incoming amount
    currency,
    purpose,
    counterparty_name,
    counterparty_iban,
    counterparty_email,
    transaction_id,
    posting_category,
    tax_rate,
    receipt_file,
    receipt_number,
    voucher_type,
    fee,
    fee_tax_rate,
    fee_category,
};

// Every field in declaration order.
const std::vector<Field>& all_fields();
// Returns the name of `f` as used in mapping files and issues ("booking_date").
const char* field_name(Field f);
// Parses a field name; nullopt for an unknown one.
std::optional<Field> parse_field(std::string_view name);

// Rows kept or left out by the cells of one column: a row matches when its cell (trimmed) is one
// of `values`.
struct ColumnFilter {
    std::string column;
    std::vector<std::string> values;
};

// A column whose cell decides the amount's sign ("S"/"H", "Soll"/"Haben", "DR"/"CR"): the
// amount's magnitude becomes negative for a value in `negative`, positive for one in `positive`;
// any other value is an error naming the cell.
struct SignRule {
    std::string column;
    std::vector<std::string> negative;
    std::vector<std::string> positive;
};

// Paired hold and release rows (a provider reserving an amount and giving it back): a row whose
// `column` cell is in `release` and whose `link` cell names the transaction id of a row in `hold`
// is left out together with that hold when the two amounts cancel; a hold without its release in
// the input stays (the provider's balance counts it).
struct HoldRule {
    std::string column;
    std::vector<std::string> hold;
    std::vector<std::string> release;
    std::string link;
};

// How a provider's export is read: which column holds which field, constants for fields the
// export lacks, and the export's number and date conventions. A column is named by its header
// text, or by its position as "#N" (1-based) when the header cell is empty or repeated. A bank
// statement mapping (`statement` set: CAMT or MT940) names an entry's cells instead
// (bank_statement::column_names()).
struct Mapping {
    std::string name;
    std::string description;
    std::map<Field, std::string> columns;  // source column (CSV header or JSON key)
    std::map<Field, std::string> defaults; // used when the column is absent or the cell empty
    std::set<Field> optional;              // fields whose column may be missing from the input
    // Tried in order: yyyy-MM-dd, dd.MM.yyyy, dd.MM.yy, MM/dd/yyyy, dd/MM/yyyy.
    std::vector<std::string> date_formats = {"yyyy-MM-dd"};
    bool decimal_comma = false;         // "1.234,56"
    bool decimal_auto = false;          // either notation (decimal_comma = "auto")
    std::optional<char> delimiter;      // CSV; nullopt: detected
    std::string header_starts_with;     // CSV: lines above the line starting with this cell skipped
    bool negate_amount = false;         // the export shows outgoing amounts as positive
    bool negate_fee = false;            // the export shows fees as positive costs
    std::vector<ColumnFilter> filters;  // only rows matching every filter
    std::vector<ColumnFilter> excludes; // rows matching any of these are left out
    std::optional<SignRule> sign;
    std::optional<HoldRule> holds;
    std::optional<AccountType> account_type;         // the account type the export belongs to
    std::optional<bank_statement::Syntax> statement; // input = "camt" or "mt940"
};

// The names of the built-in mappings ("generic", …).
const std::vector<std::string>& builtin_mapping_names();
// The TOML text of built-in mapping `name`, or nullopt.
std::optional<std::string> builtin_mapping_text(std::string_view name);
// Parses a mapping file's TOML `text`; `origin` names it in errors ("origin:line:col: message").
Result<Mapping, std::string> parse_mapping(std::string_view text, const std::string& origin);
// Loads `name_or_file`: a built-in name, else a TOML file (a path, or any name ending in .toml).
Result<Mapping, std::string> load_mapping(const std::string& name_or_file);

// One transaction as read and checked.
struct TransactionInput {
    std::string source;       // input file
    long line = 0;            // CSV line or JSON item number (1-based)
    std::string booking_date; // yyyy-MM-dd; at least one of the two dates is set
    std::string value_date;   // yyyy-MM-dd
    Decimal amount;           // signed: negative = outgoing
    std::string currency = "EUR";
    std::string purpose;
    std::string counterparty_name;
    std::string counterparty_iban;
    std::string counterparty_email;
    std::string transaction_id; // the provider's id, or a derived one (see derived_id)
    bool derived_id = false;
    std::string posting_category; // name or id (for the receipt's voucher)
    std::optional<Decimal> tax_rate;
    std::string receipt_file; // as written in the input
    std::string receipt_number;
    std::string voucher_type;   // purchaseinvoice, …; empty: by the amount's sign
    std::optional<Decimal> fee; // signed per §10.2; only for payment-provider accounts
    std::optional<Decimal> fee_tax_rate;
    std::string fee_category; // name or id

    // True when the transaction carries a receipt.
    bool has_receipt() const { return !receipt_file.empty(); }
    // The date the transaction took place: the value date, else the booking date.
    const std::string& date() const { return value_date.empty() ? booking_date : value_date; }
    // What the account's balance moves by: amount plus fee.
    Decimal balance_delta() const { return amount + fee.value_or(Decimal()); }
};

// A source row the mapping leaves out (by its filters, or as a hold and its release that cancel),
// with the reason; `transaction_id` is the row's id cell when the mapping reads one.
struct LeftOutRow {
    long line = 0;
    std::string transaction_id;
    std::string reason;
};

// The built-in mapping for the bank statement file `path` ("camt053" for CAMT XML, "mt940"), by
// its content; nullopt for any other file or one that cannot be read.
std::optional<std::string> statement_mapping_for(const std::filesystem::path& path);

class TransactionSpool; // transaction_spool.hpp

// Reads `path` (CSV, or JSON when it ends in .json: an array of objects, or an object with a
// "transactions" array; a CAMT or MT940 bank statement when the mapping says so) through `mapping`
// and checks every row for an account of `type`, into `spool` (finished). Returns every issue
// found ("file:line:column:field: reason"); none when the input is good. Rows the mapping filters
// out, and hold/release pairs that cancel, are the spool's left-out rows. CSV and JSON are read as
// a stream, a row at a time; a bank statement is parsed whole.
std::vector<InputIssue> read_input(const std::filesystem::path& path, const Mapping& mapping,
                                   AccountType type, TransactionSpool& spool);

// The same for CSV or JSON `text` named `display_name` (`is_json` selects the syntax; a
// statement mapping reads `text` as its bank statement syntax).
std::vector<InputIssue> read_text(const std::string& text, const std::string& display_name,
                                  bool is_json, const Mapping& mapping, AccountType type,
                                  TransactionSpool& spool);

// read_input() with the rows in memory (small inputs and tests): the rows, or every issue.
Result<std::vector<TransactionInput>, std::vector<InputIssue>>
read_input(const std::filesystem::path& path, const Mapping& mapping, AccountType type,
           std::vector<LeftOutRow>* left_out = nullptr);

// read_text() with the rows in memory.
Result<std::vector<TransactionInput>, std::vector<InputIssue>>
read_text(const std::string& text, const std::string& display_name, bool is_json,
          const Mapping& mapping, AccountType type, std::vector<LeftOutRow>* left_out = nullptr);

// True when bookkeeping vouchers and fees accept `rate` percent (0, 5, 7, 16, 19).
bool is_valid_tax_rate(Decimal rate);

// --- External references ---

// A stable external reference for the financial account `account_name` of `profile`:
// "lexsync-<slug>-<8 hex>", the same on every run and machine.
std::string account_reference(const std::string& profile, const std::string& account_name);
// The external reference of transaction `transaction_id` in the account with reference
// `account_ref`: "<8 hex of the account>-<id>" (hashed when longer than 100 characters).
std::string transaction_reference(const std::string& account_ref,
                                  const std::string& transaction_id);

// The index ranges [first, last) of consecutive batches of at most `size` of `n` items.
std::vector<std::pair<std::size_t, std::size_t>> batches(std::size_t n,
                                                         std::size_t size = k_batch_size);

// --- Request bodies ---

// A date yyyy-MM-dd as the finance timestamp of midnight in Europe/Berlin
// ("2026-03-01T00:00:00.000+01:00").
std::string finance_timestamp(const std::string& date);

// What a new financial account carries.
struct AccountSpec {
    AccountType type = AccountType::creditcard;
    std::string account_system;
    std::string name;
    std::string bank_name;
    std::string account_holder;
    Decimal balance;
    std::string iban;
    std::string bic;
    std::string card_provider; // VISA, MASTERCARD, AMEX, DINERSCLUB
    std::string card_number;
    std::string external_reference;
};

// The POST body of /v1/finance/accounts for `a`.
std::string account_body(const AccountSpec& a);

// The PUT body that sets the balance of `account` (as read with GET) to `balance`: the whole
// account with its lockVersion, read-only fields dropped.
std::string balance_body(const json::Value& account, Decimal balance);

// One transaction of a POST /v1/finance/transactions body.
struct TransactionItem {
    const TransactionInput* input = nullptr;
    std::string external_reference;
    std::string fee_category_id; // set when input->fee is
};

// The POST body (a JSON array) of /v1/finance/transactions for `items` in account `account_id`.
std::string transactions_body(const std::vector<TransactionItem>& items,
                              const std::string& account_id);

// The POST body of /v1/transaction-assignment-hint.
std::string hint_body(const std::string& voucher_id, const std::string& external_reference);

// --- lexoffice bank-statement CSV (manual import) ---

// One line of the bank-statement CSV.
struct StatementRow {
    std::string booking_date; // dd.MM.yyyy
    std::string value_date;   // dd.MM.yyyy
    std::string counterparty;
    std::string purpose;
    std::string iban;
    Decimal amount;
    std::string currency;
    std::string reference; // the transaction's external reference (fee lines: "<ref>-fee")
};

// The header of the bank-statement CSV.
const std::vector<std::string>& statement_header();
// The lines for `t` with reference `ref`: the transaction, plus a separate fee line when it has
// a fee (the import has no fee fields). `account_name` fills an empty counterparty, because
// lexoffice skips lines with an empty sender/recipient.
std::vector<StatementRow> statement_rows(const TransactionInput& t, const std::string& ref,
                                         const std::string& account_name);
// Writes `rows` under the header (without it: `header` false, rows that follow others):
// ';'-separated, dates dd.MM.yyyy, amounts with a decimal comma.
void write_statement(std::ostream& out, const std::vector<StatementRow>& rows, bool header = true);
// The references in the "Referenz" column of a bank-statement CSV written before; an error when
// it cannot be read.
Result<std::vector<std::string>, std::string>
read_statement_references(const std::filesystem::path& path);

} // namespace lexsync::transactions
