// --- Interface ---
// Invoices: the input schema of `invoices export` (CSV with one row per line item, or JSON), time
// entries that become invoices, validation against lexoffice's tax and totals rules, and the
// request bodies of sales vouchers (/v1/invoices, /v1/credit-notes) and bookkeeping vouchers
// (/v1/vouchers). Pure logic: no requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <lexsync/formats/table_input.hpp>
#include <lexsync/records/contacts.hpp>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/result.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lexsync::invoices {

using InputIssue = contacts::InputIssue;
using lexsync::Date;

// Invoice-level input columns (CSV header names and JSON keys), in documentation order.
inline const std::vector<std::string> k_invoice_fields = {"number",
                                                          "kind",
                                                          "corrects",
                                                          "date",
                                                          "service_date",
                                                          "service_end_date",
                                                          "shipping_type",
                                                          "due_date",
                                                          "payment_terms",
                                                          "payment_discount",
                                                          "payment_discount_days",
                                                          "customer_id",
                                                          "customer_number",
                                                          "customer_email",
                                                          "name",
                                                          "supplement",
                                                          "street",
                                                          "zip",
                                                          "city",
                                                          "country",
                                                          "currency",
                                                          "tax_type",
                                                          "tax_note",
                                                          "status",
                                                          "pdf",
                                                          "title",
                                                          "introduction",
                                                          "remark",
                                                          "category",
                                                          "total_discount",
                                                          "total_discount_amount",
                                                          "total_net",
                                                          "total_tax",
                                                          "total_gross"};

// Line-item input columns (one CSV row per item; JSON: the objects of "items").
inline const std::vector<std::string> k_item_fields = {"item_type",   "item",     "description",
                                                       "quantity",    "unit",     "net_price",
                                                       "gross_price", "tax_rate", "discount"};

// Time-entry input columns (`--group-by`).
inline const std::vector<std::string> k_time_fields = {
    "date",           "customer_id", "customer_number",
    "customer_email", "name",        "supplement",
    "street",         "zip",         "city",
    "country",        "project",     "subproject",
    "description",    "hours",       "rate",
    "tax_rate",       "tax_type",    "billable"};

// Every input column with its German and English aliases (CSV headers and JSON keys).
const std::vector<table::Column>& input_columns();
// The time-entry columns with their aliases (`--group-by`).
const std::vector<table::Column>& time_columns();

using ColumnPositions = table::ColumnPositions;
using ReadOptions = table::ReadOptions;

enum class Kind { invoice, credit_note };
enum class Status { open, paid, draft };

// The tax types of the input; `small_business` is lexoffice's vatfree with the § 19 UStG note.
enum class TaxType {
    net,
    gross,
    vatfree,
    intra_community_supply,
    construction_service_13b,
    external_service_13b,
    third_party_country_service,
    third_party_country_delivery,
    small_business,
};

// lexoffice's taxType value ("net", "intraCommunitySupply", …; "vatfree" for small business).
const char* api_tax_type(TaxType t);
// True for every type but net and gross: only 0 % is allowed.
bool is_tax_free(TaxType t);
// Parses the input spelling ("net", "tax-free", "reverse-charge", "intraCommunitySupply", …).
std::optional<TaxType> parse_tax_type(std::string_view s);

// Who the invoice is for: an existing contact (id, customer number or e-mail) or, when none of
// these is given, a one-time recipient with the address fields (also the data for creating a
// missing customer with --create-contacts).
struct Customer {
    std::string id;
    std::optional<std::int64_t> number;
    std::string email;
    std::string name;
    std::string supplement;
    std::string street;
    std::string zip;
    std::string city;
    std::string country;

    bool is_one_time() const { return id.empty() && !number && email.empty(); }
    // The cache key of the reference: "id:…", "number:…" or "email:…" (empty for one-time).
    std::string ref_key() const;
};

struct LineItem {
    long line = 0;
    std::string type = "custom"; // custom | text
    std::string name;
    std::string description;
    Decimal quantity = Decimal::from_int(1);
    std::string unit;
    std::optional<Decimal> net_price;
    std::optional<Decimal> gross_price;
    std::optional<Decimal> tax_rate;
    std::optional<Decimal> discount; // percent

    // True for items billed by the hour (unit h, hour(s), Std., Stunde(n)).
    bool is_hourly() const;
};

// One source invoice or credit note.
struct Invoice {
    std::string file;
    long line = 0; // where its first row or object starts
    std::string number;
    Kind kind = Kind::invoice;
    std::string corrects; // source number of the corrected invoice (credit notes)
    Date date{};
    std::optional<Date> service_date;
    std::optional<Date> service_end_date;
    std::string shipping_type; // service | delivery | none; "" = service
    std::optional<Date> due_date;
    std::optional<int> payment_terms; // days
    // Skonto: percent off when paid within payment_discount_days (invoices with a payment term).
    std::optional<Decimal> payment_discount;
    std::optional<int> payment_discount_days;
    Customer customer;
    std::string currency = "EUR";
    TaxType tax_type = TaxType::net;
    std::string tax_note;
    Status status = Status::open;
    std::filesystem::path pdf; // resolved against the input file's directory
    std::string title;
    std::string introduction;
    std::string remark;
    std::string category; // posting category for voucher mode (name or id); "" = the run's
    std::optional<Decimal> total_discount; // percent off the whole invoice (lexoffice's totals)
    // An amount off the whole invoice instead: net, or gross for gross invoices.
    std::optional<Decimal> total_discount_amount;
    std::optional<Decimal> total_net;
    std::optional<Decimal> total_tax;
    std::optional<Decimal> total_gross;
    std::vector<LineItem> items;
    std::vector<InputIssue> issues; // non-empty: the invoice is invalid
    // CSV input: where its columns are, so that issues name the column as the file does.
    std::shared_ptr<const ColumnPositions> columns;

    bool valid() const { return issues.empty(); }
    // Adds "file:line:column:field: message" for `field` at `at_line` (0: the invoice's line).
    void issue(const std::string& field, const std::string& message, long at_line = 0);
    // The date that decides which tax rates apply (lexoffice's rule, API reference 7.3).
    Date tax_date() const;
    // The payment term in days: payment_terms, else due_date - date, else nullopt.
    std::optional<int> term_days() const;
};

// An input file as read: the invoices in file order, and problems that make the file unusable
// (unreadable, not CSV/JSON, unknown columns).
struct InputSet {
    std::vector<Invoice> invoices;
    std::vector<InputIssue> file_issues;
};

// Reads invoices from `path` ("-": `opts.in`) and checks every field on its own (dates, numbers,
// enums, consistency of the rows of one invoice). Cross-field rules are validate()'s.
InputSet read_invoices(const std::string& path, const ReadOptions& opts);
class Spool;
// The same into `spool` (invoice_spool.hpp) instead of memory; returns the file issues (then the
// spool's content is to be dropped). The spool's invoices still lack check_required().
std::vector<InputIssue> read_invoices(const std::string& path, const ReadOptions& opts,
                                      Spool& spool);
// Adds the issues only all rows of an invoice tell: no date, no line items (read_invoices()
// applies it to the invoices it returns).
void check_required(Invoice& inv);
// Reads invoices from the file `path` (`format` "csv" or "json", else by extension).
InputSet read_invoices(const std::filesystem::path& path, const std::string& format = {});

// Reads invoices from CSV `text` named `display_name` (tests); pdf paths resolve against `base`.
InputSet read_invoices_csv(const std::string& text, const std::string& display_name,
                           const std::filesystem::path& base = {});
// The same, reading the CSV text from `in` a chunk at a time.
InputSet read_invoices_csv(std::istream& in, const std::string& display_name,
                           const std::filesystem::path& base = {});
// Reads invoices from JSON `text` named `display_name` (tests).
InputSet read_invoices_json(const std::string& text, const std::string& display_name,
                            const std::filesystem::path& base = {});

// Fills the unit price of hourly items that have none with `rate` (net or gross per tax type).
void apply_hourly_rate(Invoice& inv, Decimal rate);

// Checks the rules between fields and adds issues to `inv`: prices present and matching the tax
// type, tax rates valid for the tax type and date, totals as lexoffice computes them, currency,
// payment terms, period order, credit-note rules, one-time recipients for tax-free types.
void validate(Invoice& inv);

// Checks rules between invoices of one input: duplicate numbers, a credit note correcting an
// invoice of the input that is itself a credit note.
void validate_set(std::vector<Invoice>& invoices);
// The same for invoices held elsewhere.
void validate_set(const std::vector<Invoice*>& invoices);

// Tax amounts per rate, as lexoffice computes them.
struct TaxGroup {
    Decimal rate;
    Decimal net;
    Decimal tax;
    Decimal gross;
};
struct Totals {
    Decimal net;
    Decimal tax;
    Decimal gross;
    Decimal discount; // the total discount taken off the line amounts (net or gross per tax type)
    std::vector<TaxGroup> groups; // ascending by rate
};

// The amount of one line: quantity × unit price × (1 − discount), rounded to 2 places (net or
// gross per tax type).
Decimal line_amount(const Invoice& inv, const LineItem& item);
// Totals by lexoffice's rules: line amounts summed per tax rate, less the total discount (its
// percentage of each group's sum, rounded to 2 places; or the amount split over the groups in
// proportion to their sums, each share rounded to 2 places, the group of the lowest rate taking
// the remainder), the tax of each group computed on that and rounded to 2 places (from the gross
// for gross invoices).
Totals compute_totals(const Invoice& inv);

// `d` as a sales voucher datetime: "2026-03-02T00:00:00.000+01:00".
std::string sales_datetime(Date d);

// What a sales voucher body needs besides the invoice.
struct SalesBodyOptions {
    std::string contact_id;    // empty: the invoice's one-time address
    std::string ref_line;      // appended to the remark ("Ref. RE-1"); empty for none
    std::string corrects_text; // credit notes: the corrected invoice's number, for the introduction
};
// The POST body of /v1/invoices or /v1/credit-notes.
std::string sales_voucher_body(const Invoice& inv, const SalesBodyOptions& opts);

struct VoucherBodyOptions {
    std::string contact_id;   // empty: the collective contact
    std::string contact_name; // shown for the collective contact
    std::string category_id;
    std::string ref_line; // remark
};
// The POST body of /v1/vouchers (salesinvoice/salescreditnote, items grouped by tax rate).
std::string bookkeeping_voucher_body(const Invoice& inv, const VoucherBodyOptions& opts);

// SHA-256 over a canonical form of everything the input says about `inv` (field order and
// number spelling do not matter).
std::string content_hash(const Invoice& inv);

// Keeps the invoices dated `from`..`to` (inclusive) whose status is in `statuses`.
bool selected(const Invoice& inv, const std::optional<Date>& from, const std::optional<Date>& to,
              const std::vector<Status>& statuses);
std::optional<Status> parse_status(std::string_view s);
const char* status_name(Status s);

// One time-tracking row.
struct TimeEntry {
    long line = 0;
    Date date{};
    Customer customer;
    std::string project;
    std::string subproject;
    std::string description;
    Decimal hours;
    std::optional<Decimal> rate;
    Decimal tax_rate = Decimal::from_int(19);
    TaxType tax_type = TaxType::net;
};

struct TimeInput {
    std::vector<TimeEntry> entries;
    std::vector<InputIssue> issues;
};

// Reads the time entries of CSV `path` ("-": `opts.in`; rows with billable "no" are left out)
// one at a time into `fn`, with memory flat in the file's size. Returns every problem found (`fn`
// was also called for the entries that have one).
std::vector<InputIssue> for_each_time_entry(const std::string& path, const ReadOptions& opts,
                                            const std::function<void(TimeEntry&&)>& fn);
// Reads time entries from CSV `path` into memory (`opts` as for for_each_time_entry).
TimeInput read_time_entries(const std::string& path, const ReadOptions& opts);
// Reads time entries from the CSV file `path`.
TimeInput read_time_entries(const std::filesystem::path& path);
// The same from CSV `text` (tests).
TimeInput read_time_entries_csv(const std::string& text, const std::string& display_name);

struct GroupOptions {
    bool by_subproject = false;
    std::optional<Date> from; // period; default: the entries' first and last date
    std::optional<Date> to;
    std::optional<Decimal> hourly_rate;
    int payment_terms = 14;
    std::string number_prefix = "T-";
    std::string file;
};
// Turns the entries dated within the period into one invoice (status draft) per customer and tax
// type: one item per project (or project and subproject) and hourly rate, dated the period's last
// day, service period = the period. The source number is `number_prefix` + period + customer, so
// the same period gives the same numbers again.
std::vector<Invoice> group_time_entries(const std::vector<TimeEntry>& entries,
                                        const GroupOptions& opts);

// group_time_entries one entry at a time: memory grows with the invoices and items, not with the
// entries.
class TimeGrouper {
public:
    explicit TimeGrouper(GroupOptions opts);
    TimeGrouper(const TimeGrouper&) = delete;
    TimeGrouper& operator=(const TimeGrouper&) = delete;
    ~TimeGrouper();

    // Adds `e` (in file order); entries outside the period are left out.
    void add(const TimeEntry& e);
    // The invoices of the entries added, as group_time_entries makes them.
    std::vector<Invoice> finish();

private:
    struct Group;
    GroupOptions m_opts;
    std::optional<Date> m_first;
    std::optional<Date> m_last;
    std::map<std::string, std::unique_ptr<Group>> m_groups;
    std::vector<std::string> m_order;
};

} // namespace lexsync::invoices
