// --- Interface ---
// Bookkeeping vouchers (/v1/vouchers): voucher types, posting categories and their type check,
// items grouped by tax rate with totals that add up, the POST and merged PUT bodies, the number
// lookup, and the two file uploads (the receipt inbox and attaching to a voucher). Also the
// bookkeeping data of a receipt as given on the command line or in a sidecar file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <lexsync/api/client.hpp>
#include <lexsync/records/contacts.hpp>
#include <lexsync/util/clock.hpp>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/json.hpp>
#include <lexsync/util/result.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync::vouchers {

// A problem with one input field, printed as "file:line:field: message".
using InputIssue = contacts::InputIssue;

enum class VoucherType { purchaseinvoice, purchasecreditnote, salesinvoice, salescreditnote };

// Parses "purchaseinvoice", "purchasecreditnote", "salesinvoice" or "salescreditnote".
std::optional<VoucherType> parse_type(std::string_view s);
// Returns the API name of `t`.
const char* type_name(VoucherType t);
// True for the sales types.
bool is_sales(VoucherType t);
// Returns the posting category type `t` needs: "income" for sales, "outgo" for purchase types.
const char* category_type_for(VoucherType t);

// True when bookkeeping vouchers accept `rate` percent (0, 5, 7, 16, 19).
bool is_valid_tax_rate(Decimal rate);

enum class TaxType { gross, net };
// Returns "gross" or "net".
const char* tax_type_name(TaxType t);

struct PostingCategory {
    std::string id;
    std::string name;
    std::string type; // "income" or "outgo"
    std::string group_name;
    bool contact_required = false;
    bool split_allowed = false;
};

// The posting categories of an organisation (GET /v1/posting-categories, a bare array).
class PostingCategories {
public:
    PostingCategories() = default;
    explicit PostingCategories(std::vector<PostingCategory> items) : m_items(std::move(items)) {}

    // Reads the bare JSON array `array`; returns a reason when it has another shape.
    static Result<PostingCategories, std::string> from_json(const json::Value& array);

    // Finds `name_or_id`: an id (any case), else a name (exact, then ignoring case); returns the
    // reason when none or several match.
    Result<const PostingCategory*, std::string> find(std::string_view name_or_id) const;
    // Finds `name_or_id` and checks that it fits vouchers of `type` (income for sales, outgo for
    // purchase types); returns the reason otherwise.
    Result<const PostingCategory*, std::string> resolve(std::string_view name_or_id,
                                                        VoucherType type) const;
    // Finds the category with id `id`, or nullptr.
    const PostingCategory* by_id(std::string_view id) const;

    std::size_t size() const { return m_items.size(); }

private:
    std::vector<PostingCategory> m_items;
};

// Fetches the posting categories (one GET).
Result<PostingCategories, ApiError> fetch_posting_categories(ApiClient& client);

// An amount at one tax rate as the user gives it (gross or net per the voucher's tax type).
struct TaxAmount {
    Decimal rate;
    Decimal amount;
    std::string category; // posting category (name or id) of this amount; "" = the voucher's
    long line = 0;        // sidecar line that gave it (0: the voucher's line)

    TaxAmount() = default;
    TaxAmount(Decimal rate_, Decimal amount_, std::string category_ = {}, long line_ = 0)
        : rate(rate_), amount(amount_), category(std::move(category_)), line(line_) {}
};

// One voucher item: the amounts of one tax rate.
struct VoucherItem {
    Decimal amount;     // gross or net per the voucher's tax type
    Decimal tax_amount; // rounded to cents
    Decimal tax_rate;
    std::string category_id;
};

// Returns the tax in `amount` at `rate` percent: gross·r/(100+r) or net·r/100, rounded to cents.
Decimal tax_of(Decimal amount, Decimal rate, TaxType tax_type);

// Groups `amounts` by posting category and tax rate (amounts of one category and rate are added
// up; highest rate first, then the categories in the order given) into items with their tax.
// An amount's category is `category_ids[amount.category]`, else `category_id`.
std::vector<VoucherItem> group_items(const std::vector<TaxAmount>& amounts, TaxType tax_type,
                                     const std::string& category_id,
                                     const std::map<std::string, std::string>& category_ids = {});

// Everything a new bookkeeping voucher carries.
struct VoucherDraft {
    VoucherType type = VoucherType::purchaseinvoice;
    std::string voucher_number;
    std::string voucher_date; // yyyy-MM-dd
    std::string due_date;     // yyyy-MM-dd or empty
    TaxType tax_type = TaxType::gross;
    std::vector<VoucherItem> items;
    std::string contact_id;            // empty: the collective contact
    std::string contact_name;          // shown for the collective contact; may be empty
    std::string remark;                // may be empty
    std::vector<std::string> file_ids; // usually empty: files are attached afterwards

    // Sum of the items' gross amounts (net + tax for net vouchers).
    Decimal total_gross() const;
    // Sum of the items' tax amounts.
    Decimal total_tax() const;
};

// The POST body of /v1/vouchers for `v` (voucherStatus open, amounts as exact decimals).
std::string voucher_body(const VoucherDraft& v);

// What a change to an existing voucher sets; unset members keep the voucher's values.
struct VoucherChange {
    std::optional<std::string> category_id; // every item's posting category
    const VoucherDraft* data = nullptr;     // bookkeeping data; its non-empty fields replace
};

// The PUT body that applies `change` to `current` (as read with GET): the whole voucher with its
// current version and every file id kept, dates as yyyy-MM-dd, read-only fields dropped, and
// voucherStatus dropped unless the change completes an unchecked voucher (then "open").
std::string update_body(const json::Value& current, const VoucherChange& change);

// The posting category ids of the items of `voucher` (as read with GET), in order, without
// repeats.
std::vector<std::string> category_ids(const json::Value& voucher);

// GET /v1/vouchers?voucherNumber=`number` (search-escaped): the vouchers whose number is exactly
// `number`.
Result<std::vector<json::Document>, ApiError> find_by_number(ApiClient& client,
                                                             const std::string& number);

// GET /v1/vouchers/{`id`}, retried through `clock` while it answers 404 or an empty body (a fresh
// upload's voucher shows up after a few seconds); `attempts` tries in all.
Result<json::Document, ApiError> get_voucher(ApiClient& client, Clock& clock, const std::string& id,
                                             int attempts = 5);

// The multipart parts of a receipt-inbox upload (POST /v1/files): `file` and `type`=voucher.
std::vector<http::FormPart> inbox_parts(const std::string& filename, std::string content,
                                        const std::string& content_type);
// The multipart part of an attach (POST /v1/vouchers/{id}/files): the single part `file`.
std::vector<http::FormPart> attach_parts(const std::string& filename, std::string content,
                                         const std::string& content_type);

// What an inbox upload answers.
struct InboxUpload {
    std::string file_id;
    std::string voucher_id; // the unchecked voucher lexoffice created
};

// Uploads a receipt to the inbox (POST /v1/files), which creates an unchecked voucher.
Result<InboxUpload, ApiError> upload_to_inbox(ApiClient& client, const std::string& filename,
                                              std::string content, const std::string& content_type);
// Attaches a file to voucher `voucher_id` (POST /v1/vouchers/{id}/files); returns the file id.
Result<std::string, ApiError> attach_file(ApiClient& client, const std::string& voucher_id,
                                          const std::string& filename, std::string content,
                                          const std::string& content_type);

// ---------------------------------------------------------------------------------------------
// Finding receipts again in lexoffice, when the ledger is empty, lost or unsure of a write.
// Bookkeeping vouchers are found by their number in the voucher list (one request per 250
// vouchers listed); receipts uploaded to the inbox by the SHA-256 of the files of the listed
// vouchers (two more requests per voucher: the voucher for its file ids, then each file).

// A bookkeeping voucher as the voucher list shows it.
struct ListedVoucher {
    std::string id;
    std::string type;   // purchaseinvoice, …
    std::string status; // open, unchecked, …
    std::string number; // as listed (may be HTML-escaped, see search_term)
};

// Which vouchers of the voucher list to read: `types` and `statuses` are comma lists as the
// voucher list takes them; empty dates leave that end open.
struct VoucherListQuery {
    std::string types = "purchaseinvoice,purchasecreditnote,salesinvoice,salescreditnote";
    std::string statuses = "any";
    std::string voucher_date_from; // yyyy-MM-dd
    std::string voucher_date_to;
    std::string created_date_from;
};

// Every voucher of the voucher list that `query` selects, read in pages of 250.
Result<std::vector<ListedVoucher>, ApiError> list_vouchers(ApiClient& client,
                                                           const VoucherListQuery& query);

// The bookkeeping vouchers of `listed` by number, so that a number is looked up without a
// request per voucher.
class NumberIndex {
public:
    NumberIndex() = default;
    explicit NumberIndex(const std::vector<ListedVoucher>& listed);
    // The ids of the vouchers numbered `number` with type `type` (the number compared as given
    // and HTML-escaped).
    std::vector<std::string> find(const std::string& number, VoucherType type) const;
    // Adds a voucher this run created.
    void add(const std::string& number, VoucherType type, const std::string& id);

private:
    std::multimap<std::string, std::pair<std::string, std::string>> m_by_number; // → type, id
};

// A file of a voucher and the SHA-256 of its content.
struct VoucherFile {
    std::string voucher_id;
    std::string file_id;
    std::string sha256;
};

// Reads the files of voucher `voucher_id` (GET of the voucher, then of each file) and hashes
// them; the file contents are not kept.
Result<std::vector<VoucherFile>, ApiError> hash_voucher_files(ApiClient& client, Clock& clock,
                                                              const std::string& voucher_id);

// ---------------------------------------------------------------------------------------------
// Bookkeeping data of one receipt as given by the user (command-line flags or a sidecar row).

// The raw text of the fields; empty means not given.
struct VoucherFields {
    std::string file;
    std::string voucher_number;
    std::string voucher_date;
    std::string due_date;
    std::string type;
    std::string amount;                               // gross, with tax_rate
    std::string net;                                  // net, with tax_rate
    std::string tax_rate;                             // percent
    std::map<std::string, std::string> gross_by_rate; // "19" → "119.00" (gross_19 columns)
    std::map<std::string, std::string> net_by_rate;   // net_19 columns
    std::string category;
    std::string contact;
    std::string collective_contact; // true/false, yes/no, 1/0
    std::string contact_name;
    std::string remark;
};

// The checked bookkeeping data of one receipt.
struct VoucherInput {
    std::string source; // sidecar file or "command line"
    long line = 0;      // sidecar line (0 for flags)
    std::string file;   // as written in the sidecar
    VoucherType type = VoucherType::purchaseinvoice;
    std::string voucher_number;
    std::string voucher_date;
    std::string due_date;
    TaxType tax_type = TaxType::gross;
    std::vector<TaxAmount> amounts; // empty: no amounts (only changes an existing voucher)
    std::string category;           // name or id as given (the first row's)
    std::vector<long> lines;        // sidecar lines of the rows merged into this voucher
    std::string contact_id;         // empty: the collective contact
    std::string contact_name;
    std::string remark;

    // True when the data suffices to create a voucher (amounts and date given).
    bool complete() const { return !amounts.empty() && !voucher_date.empty(); }
    // The posting categories of the amounts other than `category`, in the order given.
    std::vector<std::string> other_categories() const;
    // The draft for this input with the posting category `category_id`, and `category_ids` for
    // the amounts' own categories (see group_items()).
    VoucherDraft draft(const std::string& category_id,
                       const std::map<std::string, std::string>& category_ids = {}) const;
};

// Checks `fields` (from `source`, `line`) into `out`; returns the issues found (empty when valid).
// The voucher number and the posting category are mandatory; amounts need a tax rate and a date.
std::vector<InputIssue> parse_fields(const VoucherFields& fields, const std::string& source,
                                     long line, VoucherInput& out);

// The largest sidecar read_sidecar() reads (it is read into memory): 16 MiB, some 150,000 rows.
inline constexpr std::uintmax_t k_max_sidecar_bytes = 16u << 20;

// Reads a sidecar file (CSV, or JSON when it ends in .json): one row or object per receipt with
// the columns of VoucherFields. Several rows make one voucher with several items, each with its
// own posting category and tax rate: a row naming the file of an earlier row, or naming no file
// but the voucher number (and type) of an earlier row, adds its amounts under its own category;
// its other fields may be left empty and must otherwise agree with the first row. Returns one
// VoucherInput per voucher, or every issue found ("file:line:field"); a file larger than
// k_max_sidecar_bytes is refused unread.
Result<std::vector<VoucherInput>, std::vector<InputIssue>>
read_sidecar(const std::filesystem::path& path);

} // namespace lexsync::vouchers
