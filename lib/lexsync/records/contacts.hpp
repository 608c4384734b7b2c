// --- Interface ---
// Contacts: the input schema of `contacts push` (CSV or JSON), its validation, the request bodies
// built from it, read-merge-write against a contact read from lexoffice, and the matching of input
// rows to existing contacts. Shared by `contacts push` and every command that creates customers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <lexsync/formats/table_input.hpp>
#include <lexsync/util/json.hpp>
#include <lexsync/util/result.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync::contacts {

// The input columns (CSV header names and JSON keys), in the order of the documentation.
inline const std::vector<std::string> k_input_fields = {"ref",
                                                        "id",
                                                        "customer_number",
                                                        "vendor_number",
                                                        "role",
                                                        "company_name",
                                                        "tax_number",
                                                        "vat_id",
                                                        "allow_tax_free_invoices",
                                                        "salutation",
                                                        "first_name",
                                                        "last_name",
                                                        "person_email",
                                                        "person_phone",
                                                        "person2_salutation",
                                                        "person2_first_name",
                                                        "person2_last_name",
                                                        "person2_email",
                                                        "person2_phone",
                                                        "person3_salutation",
                                                        "person3_first_name",
                                                        "person3_last_name",
                                                        "person3_email",
                                                        "person3_phone",
                                                        "email",
                                                        "email_office",
                                                        "email_private",
                                                        "email_other",
                                                        "phone",
                                                        "phone_office",
                                                        "mobile",
                                                        "phone_private",
                                                        "fax",
                                                        "phone_other",
                                                        "street",
                                                        "supplement",
                                                        "zip",
                                                        "city",
                                                        "region",
                                                        "country",
                                                        "shipping_street",
                                                        "shipping_supplement",
                                                        "shipping_zip",
                                                        "shipping_city",
                                                        "shipping_region",
                                                        "shipping_country",
                                                        "billing2_street",
                                                        "billing2_supplement",
                                                        "billing2_zip",
                                                        "billing2_city",
                                                        "billing2_region",
                                                        "billing2_country",
                                                        "billing3_street",
                                                        "billing3_supplement",
                                                        "billing3_zip",
                                                        "billing3_city",
                                                        "billing3_region",
                                                        "billing3_country",
                                                        "shipping2_street",
                                                        "shipping2_supplement",
                                                        "shipping2_zip",
                                                        "shipping2_city",
                                                        "shipping2_region",
                                                        "shipping2_country",
                                                        "shipping3_street",
                                                        "shipping3_supplement",
                                                        "shipping3_zip",
                                                        "shipping3_city",
                                                        "shipping3_region",
                                                        "shipping3_country",
                                                        "note",
                                                        "buyer_reference",
                                                        "vendor_number_at_customer"};

// The bank account columns (partner connections only, see bank_account_body()): read by
// `contacts push` and written by `contacts pull --bank-accounts`, not part of k_input_fields (a
// pull without them writes the columns it always wrote).
inline const std::vector<std::string> k_bank_fields = {"bank_account_holder", "bank_name", "iban",
                                                       "bic"};

// The contact persons a row holds: the first in salutation, first_name, last_name, person_email,
// person_phone; the others in person2_* and person3_*.
inline constexpr std::size_t k_max_persons = 3;

// The billing and shipping addresses a row holds: the first in street, supplement, zip, city,
// region, country (shipping_*), the others in billing2_*, billing3_* (shipping2_*, shipping3_*).
inline constexpr std::size_t k_max_addresses = 3;

// Several values of one kind in one cell ("a@x.de; b@x.de"), separated by k_value_separator: a
// ';' (e-mail addresses and phone numbers cannot contain one), written with a space after it.
inline constexpr char k_value_separator = ';';
// The values of a cell, trimmed, empty ones left out.
std::vector<std::string> split_values(std::string_view cell);
// The values as one cell: "a@x.de; b@x.de".
std::string join_values(const std::vector<std::string>& values);

// Every input column with its German and English aliases (CSV headers and JSON keys).
const std::vector<table::Column>& input_columns();

// A company's further contact person (person2_*, person3_*).
struct ContactPerson {
    std::string salutation;
    std::string first_name;
    std::string last_name;
    std::string email;
    std::string phone;
    bool empty() const {
        return salutation.empty() && first_name.empty() && last_name.empty() && email.empty() &&
               phone.empty();
    }
};

// A further billing or shipping address (billing2_*, shipping2_*, ...); a region is appended to
// the city as for the first.
struct Address {
    std::string street;
    std::string supplement;
    std::string zip;
    std::string city;
    std::string country;
    bool empty() const {
        return street.empty() && supplement.empty() && zip.empty() && city.empty() &&
               country.empty();
    }
};

// One input row: a customer and/or vendor to create or update. The e-mail and phone fields hold
// one or several values of their kind, as join_values() writes them ("a@x.de; b@x.de").
struct ContactInput {
    long line = 0;   // where the row starts in its file
    std::string ref; // the source system's own key (optional)
    std::string id;  // lexoffice id (optional: update exactly this contact)
    std::optional<std::int64_t> customer_number;
    std::optional<std::int64_t> vendor_number;
    bool customer = false;
    bool vendor = false;
    std::string company_name;
    std::string tax_number;
    std::string vat_id;
    std::optional<bool> allow_tax_free_invoices;
    std::string salutation;
    std::string first_name;
    std::string last_name;
    std::string person_email; // the company's contact person's own e-mail and phone
    std::string person_phone;
    std::vector<ContactPerson> more_persons; // person2_*, person3_*: the second, third, ...
    std::string email;                       // emailAddresses.business
    std::string email_office;                // emailAddresses.office
    std::string email_private;               // emailAddresses.private
    std::string email_other;                 // emailAddresses.other
    std::string phone;                       // phoneNumbers.business
    std::string phone_office;                // phoneNumbers.office
    std::string mobile;                      // phoneNumbers.mobile
    std::string phone_private;               // phoneNumbers.private
    std::string fax;                         // phoneNumbers.fax
    std::string phone_other;                 // phoneNumbers.other
    // The billing address. lexoffice has no region: a region (US state, province) is appended to
    // the city ("Springfield, IL") when the row is read.
    std::string street;
    std::string supplement;
    std::string zip;
    std::string city;
    std::string country;
    // The shipping address (addresses.shipping), the same way.
    std::string shipping_street;
    std::string shipping_supplement;
    std::string shipping_zip;
    std::string shipping_city;
    std::string shipping_country;
    // The second and third billing and shipping addresses (billing2_*, ..., shipping3_*).
    // lexoffice's API writes at most one of each kind: a row with more is read and compared (a
    // pulled contact pushed back unchanged sends nothing), but a create or update that would
    // send more fails with the reason.
    std::vector<Address> more_billing;
    std::vector<Address> more_shipping;
    std::string note;
    std::string buyer_reference;
    std::string vendor_number_at_customer;
    // A bank account of the contact (lexoffice's contact bank accounts, partner API): created
    // after the contact when no account of the contact has this IBAN. The IBAN and BIC
    // normalised (no spaces, capitals); the holder, when empty, is the display name.
    std::string bank_account_holder;
    std::string bank_name;
    std::string iban;
    std::string bic;

    bool has_bank_account() const { return !iban.empty(); }
    bool is_company() const { return !company_name.empty(); }
    bool has_address() const {
        return !street.empty() || !zip.empty() || !city.empty() || !country.empty() ||
               !supplement.empty();
    }
    bool has_shipping_address() const {
        return !shipping_street.empty() || !shipping_zip.empty() || !shipping_city.empty() ||
               !shipping_country.empty() || !shipping_supplement.empty();
    }
    // The name lexoffice shows: company name, or "first last" for a person.
    std::string display_name() const;
    // The ledger key: ref, else the lexoffice id, else numbers, else the first business e-mail,
    // else the name.
    std::string ledger_key() const;
    // Every e-mail address of the row, of every kind and every contact person, normalised, each
    // once.
    std::vector<std::string> all_emails() const;
    // The same with the column each one is in ("email_office", "person2_email"): the kinds
    // (business first), then the contact persons; an address in two columns is listed twice.
    std::vector<std::pair<std::string, std::string>> emails_by_field() const;
};

// A problem with one input field: printed as "file:line:column:field: message" (column: the
// 1-based position of the field's CSV column; 0 when unknown, e.g. in JSON, and then left out).
struct InputIssue {
    std::string file;
    long line = 0;
    std::string field;
    std::string message;
    long column = 0;
    std::string to_string() const;
};

struct RemoteContact;

// Keys of the inputs (ids, numbers, e-mails, names) so that a listing keeps only the full objects
// of contacts some input row could match. A fixed-size filter, whatever the number of rows: it
// never misses a contact a row names, and may rarely want one no row names (which costs memory
// for that contact's copy, nothing else).
class InterestSet {
public:
    InterestSet();
    void add(const ContactInput& row);
    void add_id(const std::string& id);
    bool wants(const RemoteContact& c) const;

private:
    void insert(std::string_view kind, std::string_view key);
    bool contains(std::string_view kind, std::string_view key) const;
    std::vector<std::uint64_t> m_bits;
};

// An input file as read and validated, plus what write-back needs to rewrite it. Its rows are not
// kept: for_each_row() reads the file again, one row (CSV) or object (JSON) at a time, so memory
// stays flat in its size.
struct InputFile {
    std::filesystem::path path;
    bool is_json = false;
    std::size_t row_count = 0;
    // CSV: the header, the column name of each header cell and the delimiter; the file (CSV or
    // JSON).
    std::vector<std::string> csv_header;
    std::vector<std::string> csv_columns;
    char csv_delimiter = ',';
    std::shared_ptr<const table::Source> source;
    table::Encoding encoding = table::Encoding::utf8; // write-back keeps it
    bool from_stdin = false;
    // Rows (by index) that name the same contact as another row of the file (same name, nothing
    // that tells them apart), with the reason; push reports them as conflicts and sends nothing
    // for them. Rows with the same name that differ in address, e-mail, VAT id or tax number are
    // different contacts and are not listed.
    std::map<std::size_t, std::string> same_contact;
    // Whether some row has a bank account (an iban).
    bool has_bank_accounts = false;
    // The keys of every row, for load filters (see InterestSet).
    std::shared_ptr<InterestSet> interest;

    // Calls `fn` with each row's index and row, in file order. Throws Error (invalid_input) when
    // the file changed since it was validated.
    void for_each_row(const std::function<void(std::size_t, const ContactInput&)>& fn) const;
    // Every row at once (for small inputs and tests).
    std::vector<ContactInput> rows() const;
};

// Reads `path` as CSV or JSON (`format` "csv"/"json", or by extension) and validates every row:
// unknown columns, missing names, invalid e-mails, numbers, roles, lengths, encoding, duplicate
// rows. Returns every problem found, in file order.
Result<InputFile, std::vector<InputIssue>> read_input(const std::filesystem::path& path,
                                                      const std::string& format = {});
// The same for `path` ("-": `opts.in`) with the format and encoding of `opts`.
Result<InputFile, std::vector<InputIssue>> read_input(const std::string& path,
                                                      const table::ReadOptions& opts);

// The POST body for creating `in` (version 0, empty role objects).
std::string create_body(const ContactInput& in);

// One bank account of a contact as lexoffice holds it (GET /v1/contacts/{id}/bankaccounts).
struct BankAccount {
    std::string id;
    std::string holder;
    std::string bank_name;
    std::string iban; // normalised
    std::string bic;
};
// The accounts of a bank account listing (a bare JSON array); entries that are not objects are
// left out.
std::vector<BankAccount> parse_bank_accounts(const json::Value& list);
// The POST body of `in`'s bank account: accountHolder (the display name when the row has none),
// bankName, iban, bic.
std::string bank_account_body(const ContactInput& in);
// True when `accounts` has one with `iban` (normalised).
bool has_iban(const std::vector<BankAccount>& accounts, const std::string& iban);

// What a contact holds beyond lexoffice's API write limits (one billing and one shipping
// address, one entry per e-mail and phone kind, one contact person), such as "2 business e-mail
// addresses", or "" when nothing. lexoffice refuses to create or update such a contact.
std::string beyond_write_limits(const json::Value& contact);

// Applies the non-empty fields of `in` to `contact` (a full contact read from lexoffice), adding
// missing roles but never removing data. Returns the names of the input fields that changed
// something; empty means the contact already says what the input says.
std::vector<std::string> merge_into(json::Document& contact, const ContactInput& in);

// What tells one contact from another beyond its name, normalised for comparison (empty: not
// known), plus the display name as written, for messages.
struct Identity {
    bool is_company = false;
    std::string name;                       // normalised display name
    std::string shown_name;                 // as written
    std::vector<std::string> emails;        // normalised
    std::string vat_id;                     // upper case, without spaces, dots and dashes
    std::string tax_number;                 // digits only
    std::string street, zip, city, country; // normalised billing address
    std::string shown_address;              // as written: "street, zip city, country"
    bool has_address() const {
        return !street.empty() || !zip.empty() || !city.empty() || !country.empty();
    }
    // "Name, street, zip city, country, e-mail, VAT id" with what is known.
    std::string describe() const;
};

Identity identity_of(const ContactInput& in);

// Why `a` and `b` cannot be the same contact, or nullopt when nothing says so. A person is never
// a company, and a different VAT id or tax number is always another business. When `names_match`
// (the match was by name), a different address or e-mail also tells them apart; when the match
// was by an identifier (id, ledger, number, e-mail), only a different name together with a
// different address or e-mail does (a renamed or moved contact stays the same contact).
std::optional<std::string> contradiction(const Identity& a, const Identity& b, bool names_match);

// What matching needs to know about one existing contact.
struct RemoteContact {
    std::string id;
    std::int64_t version = 0;
    std::optional<std::int64_t> customer_number;
    std::optional<std::int64_t> vendor_number;
    std::vector<std::string> emails; // normalised, including contact persons'
    std::string name;                // normalised display name
    bool is_company = false;
    bool archived = false;
    Identity identity;
};

// Extracts the matching fields of a contact JSON object.
RemoteContact summarize(const json::Value& contact);

// True when `s` is an e-mail address lexoffice takes: one @, a local part and a domain of
// dot-separated non-empty labels (letters, digits, hyphens, UTF-8) ending in a label of at least
// two characters; no spaces, list separators or consecutive dots ("max@beispiel..de").
bool is_valid_email(std::string_view s);

// Lower-cases ASCII letters and collapses white space (names and e-mails compare this way).
std::string normalize(std::string_view s);

struct Match {
    enum class Kind { none, one, conflict, missing };
    Kind kind = Kind::none;
    std::string id;                      // when one
    std::string rule;                    // "id", "ledger", "number", "email", "name"
    std::vector<std::string> candidates; // when conflict
    std::string reason;                  // for conflict/missing
};

// The existing contacts of an organisation, indexed for matching.
class Index {
public:
    void add(RemoteContact c);
    const RemoteContact* by_id(const std::string& id) const;
    std::size_t size() const { return m_all.size(); }

    // Matches `in`: explicit id, then `ledger_id` (what an earlier run created for this row), then
    // customer/vendor number, then e-mail, then exact name. The first rule that finds anything
    // decides. A contact it finds is accepted only when nothing in the row contradicts it (see
    // contradiction()); when none is consistent, or two are, the result is a conflict naming both
    // sides, never a guess. The name alone never decides against the rest of the row.
    Match match(const ContactInput& in, const std::string& ledger_id) const;

private:
    std::map<std::string, RemoteContact> m_all;
    std::map<std::int64_t, std::string> m_customer;
    std::map<std::int64_t, std::string> m_vendor;
    std::multimap<std::string, std::string> m_email;
    std::multimap<std::string, std::string> m_name;
};

// Rewrites `file` atomically with each row's lexoffice id and assigned numbers (`assigned` maps a
// row index to {id, customer number, vendor number}); CSV columns are appended when missing.
struct Assigned {
    std::string id;
    std::optional<std::int64_t> customer_number;
    std::optional<std::int64_t> vendor_number;
};
void write_back(InputFile& file, const std::map<std::size_t, Assigned>& assigned);

} // namespace lexsync::contacts
