#include <algorithm>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/api/error.hpp>
#include <lexsync/formats/csv.hpp>
#include <lexsync/records/contacts.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <lexsync/util/countries.hpp>
#include <lexsync/util/iban.hpp>
#include <lexsync/util/key_groups.hpp>
#include <lexsync/util/strings.hpp>
#include <lexsync/util/utf8.hpp>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>
#include <span>
#include <sstream>

namespace lexsync::contacts {

namespace {

std::optional<std::int64_t> parse_number(const std::string& s) {
    if (s.empty() || s.size() > 12 || s.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    return std::stoll(s);
}

std::optional<bool> parse_bool(const std::string& s) {
    const std::string v = normalize(s);
    if (v == "true" || v == "yes" || v == "1" || v == "ja") {
        return true;
    }
    if (v == "false" || v == "no" || v == "0" || v == "nein") {
        return false;
    }
    return std::nullopt;
}

// The e-mail and phone columns with the lexoffice category each one fills.
struct ListColumn {
    const char* column;
    const char* category;
    std::string ContactInput::*value;
};
constexpr ListColumn k_email_columns[] = {
    {"email", "business", &ContactInput::email},
    {"email_office", "office", &ContactInput::email_office},
    {"email_private", "private", &ContactInput::email_private},
    {"email_other", "other", &ContactInput::email_other},
};
constexpr ListColumn k_phone_columns[] = {
    {"phone", "business", &ContactInput::phone},
    {"phone_office", "office", &ContactInput::phone_office},
    {"mobile", "mobile", &ContactInput::mobile},
    {"phone_private", "private", &ContactInput::phone_private},
    {"fax", "fax", &ContactInput::fax},
    {"phone_other", "other", &ContactInput::phone_other},
};

// Whether `column` is one of the e-mail or phone columns (several values in one cell).
bool is_list_column(std::string_view column) {
    auto is = [&](const ListColumn& c) { return column == c.column; };
    return std::any_of(std::begin(k_email_columns), std::end(k_email_columns), is) ||
           std::any_of(std::begin(k_phone_columns), std::end(k_phone_columns), is);
}

// One address of a row as lexoffice names its parts, in the order of the API reference.
using AddressParts = std::vector<std::pair<const char*, const std::string*>>;
AddressParts billing_parts(const ContactInput& in) {
    return {{"supplement", &in.supplement},
            {"street", &in.street},
            {"zip", &in.zip},
            {"city", &in.city},
            {"countryCode", &in.country}};
}
AddressParts shipping_parts(const ContactInput& in) {
    return {{"supplement", &in.shipping_supplement},
            {"street", &in.shipping_street},
            {"zip", &in.shipping_zip},
            {"city", &in.shipping_city},
            {"countryCode", &in.shipping_country}};
}

AddressParts address_parts(const Address& in) {
    return {{"supplement", &in.supplement},
            {"street", &in.street},
            {"zip", &in.zip},
            {"city", &in.city},
            {"countryCode", &in.country}};
}

// lexoffice has no region field: the region goes after the city ("Springfield, IL").
std::string with_region(const std::string& city, const std::string& region) {
    if (region.empty()) {
        return city;
    }
    return city.empty() ? region : city + ", " + region;
}

// Fills one ContactInput from named cells, reporting problems into `issues`.
class RowBuilder {
public:
    RowBuilder(const std::string& file, long line, std::vector<InputIssue>& issues,
               const table::ColumnPositions* positions = nullptr)
        : m_file(file), m_line(line), m_issues(issues), m_positions(positions) {}

    void issue(const std::string& field, const std::string& message) {
        InputIssue i{m_file, m_line, field, message};
        if (m_positions != nullptr) {
            if (auto it = m_positions->find(field); it != m_positions->end()) {
                i.column = it->second.first;
                i.field = it->second.second;
            }
        }
        m_issues.push_back(std::move(i));
    }

    // Reads one row: its values first, then the checks that need several of them; issues are
    // reported in this order.
    ContactInput build(const std::map<std::string, std::string>& cells) {
        ContactInput in;
        in.line = m_line;
        read_numbers(in, cells);
        read_role(in, cells);
        read_company(in, cells);
        read_persons(in, cells);
        read_lists_and_addresses(in, cells);
        check_names_and_tax(in);
        check_emails(in);
        check_contact_persons(in, cells);
        check_countries(in);
        check_lengths(in);
        read_bank_account(in, cells);
        return in;
    }

private:
    // The trimmed value of column `k` (empty when absent); lexsync's own CSV output protects
    // spreadsheets with a ' before = + - @ ("'+49 30 1234"): the value is what follows.
    static std::string cell(const std::map<std::string, std::string>& cells, const char* k) {
        auto it = cells.find(k);
        std::string v = it == cells.end() ? std::string() : trim(it->second);
        if (v.size() > 1 && v[0] == '\'' &&
            csv::looks_like_formula(std::string_view(v).substr(1))) {
            v.erase(0, 1);
        }
        return v;
    }

    // Reads ref, id and the customer and vendor numbers.
    void read_numbers(ContactInput& in, const std::map<std::string, std::string>& cells) {
        in.ref = cell(cells, "ref");
        in.id = cell(cells, "id");
        for (const char* f : {"customer_number", "vendor_number"}) {
            const std::string v = cell(cells, f);
            if (v.empty()) {
                continue;
            }
            auto n = parse_number(v);
            if (!n) {
                issue(f, fmt::format("'{}' is not a number", v));
            } else if (std::string_view(f) == "customer_number") {
                in.customer_number = n;
            } else {
                in.vendor_number = n;
            }
        }
    }

    // Reads the role (customer, vendor or both; from the numbers when not given).
    void read_role(ContactInput& in, const std::map<std::string, std::string>& cells) {
        const std::string role = normalize(cell(cells, "role"));
        if (role == "customer" || role == "kunde") {
            in.customer = true;
        } else if (role == "vendor" || role == "lieferant") {
            in.vendor = true;
        } else if (role == "both" || role == "customer+vendor" || role == "customer;vendor" ||
                   role == "customer,vendor" || role == "beide" || role == "kunde+lieferant" ||
                   role == "kunde und lieferant") {
            in.customer = in.vendor = true;
        } else if (role.empty()) {
            in.customer = in.customer_number.has_value();
            in.vendor = in.vendor_number.has_value();
            if (!in.customer && !in.vendor) {
                issue("role", "missing: customer, vendor or both");
            }
        } else {
            issue("role", fmt::format("'{}' is not a role (customer, vendor or both)",
                                      cell(cells, "role")));
        }
    }

    // Reads the company name, tax number, VAT id and whether tax-free invoices are allowed.
    void read_company(ContactInput& in, const std::map<std::string, std::string>& cells) {
        in.company_name = cell(cells, "company_name");
        in.tax_number = cell(cells, "tax_number");
        in.vat_id = cell(cells, "vat_id");
        if (const std::string v = cell(cells, "allow_tax_free_invoices"); !v.empty()) {
            in.allow_tax_free_invoices = parse_bool(v);
            if (!in.allow_tax_free_invoices) {
                issue("allow_tax_free_invoices", fmt::format("'{}' is not true or false", v));
            }
        }
    }

    // Reads the person (or a company's first contact person) and the further contact persons.
    void read_persons(ContactInput& in, const std::map<std::string, std::string>& cells) {
        in.salutation = cell(cells, "salutation");
        in.first_name = cell(cells, "first_name");
        in.last_name = cell(cells, "last_name");
        in.person_email = cell(cells, "person_email");
        in.person_phone = cell(cells, "person_phone");
        for (std::size_t n = 2; n <= k_max_persons; ++n) {
            const std::string prefix = fmt::format("person{}_", n);
            ContactPerson p;
            p.salutation = cell(cells, (prefix + "salutation").c_str());
            p.first_name = cell(cells, (prefix + "first_name").c_str());
            p.last_name = cell(cells, (prefix + "last_name").c_str());
            p.email = cell(cells, (prefix + "email").c_str());
            p.phone = cell(cells, (prefix + "phone").c_str());
            if (!p.empty()) {
                check_person(prefix, p);
                in.more_persons.push_back(std::move(p));
            }
        }
    }

    // Reads the e-mail and phone lists, both addresses and the e-invoice fields.
    void read_lists_and_addresses(ContactInput& in,
                                  const std::map<std::string, std::string>& cells) {
        for (const auto& c : k_email_columns) {
            in.*c.value = join_values(split_values(cell(cells, c.column)));
        }
        for (const auto& c : k_phone_columns) {
            in.*c.value = join_values(split_values(cell(cells, c.column)));
        }
        in.street = cell(cells, "street");
        in.supplement = cell(cells, "supplement");
        in.zip = cell(cells, "zip");
        in.city = with_region(cell(cells, "city"), cell(cells, "region"));
        in.country = cell(cells, "country");
        in.shipping_street = cell(cells, "shipping_street");
        in.shipping_supplement = cell(cells, "shipping_supplement");
        in.shipping_zip = cell(cells, "shipping_zip");
        in.shipping_city =
            with_region(cell(cells, "shipping_city"), cell(cells, "shipping_region"));
        in.shipping_country = cell(cells, "shipping_country");
        read_more_addresses("billing", in.more_billing, in.has_address(), cells);
        read_more_addresses("shipping", in.more_shipping, in.has_shipping_address(), cells);
        in.note = cell(cells, "note");
        in.buyer_reference = cell(cells, "buyer_reference");
        in.vendor_number_at_customer = cell(cells, "vendor_number_at_customer");
    }

    // Reads billing2_* and billing3_* (`kind` "billing") or shipping2_*, shipping3_* into
    // `more`; `first` tells whether the row has the first address of the kind.
    void read_more_addresses(const char* kind, std::vector<Address>& more, bool first,
                             const std::map<std::string, std::string>& cells) {
        bool gap = !first;
        for (std::size_t n = 2; n <= k_max_addresses; ++n) {
            const std::string prefix = fmt::format("{}{}_", kind, n);
            Address addr;
            addr.street = cell(cells, (prefix + "street").c_str());
            addr.supplement = cell(cells, (prefix + "supplement").c_str());
            addr.zip = cell(cells, (prefix + "zip").c_str());
            addr.city = with_region(cell(cells, (prefix + "city").c_str()),
                                    cell(cells, (prefix + "region").c_str()));
            addr.country = cell(cells, (prefix + "country").c_str());
            if (addr.empty()) {
                gap = true;
                continue;
            }
            if (gap) {
                issue(prefix + "street",
                      n == 2 ? fmt::format(
                                   "the first {} address is missing (its columns without "
                                   "a number{})",
                                   kind, std::string_view(kind) == "billing" ? "" : ", shipping_*")
                             : fmt::format("{}2_* is empty", kind));
            }
            check_address(prefix, addr);
            more.push_back(std::move(addr));
        }
    }

    // The country and lengths of a further address (`prefix`: "billing2_").
    void check_address(const std::string& prefix, const Address& addr) {
        check_country(prefix + "country", addr.country, true);
        for (auto [field, value] :
             {std::pair{"street", &addr.street}, std::pair{"city", &addr.city}}) {
            if (utf8::code_points(*value) > 255) {
                issue(prefix + field, "longer than 255 characters");
            }
        }
    }

    // Checks that there is a name and that only companies have tax numbers.
    void check_names_and_tax(const ContactInput& in) {
        if (in.company_name.empty() && in.last_name.empty()) {
            issue(in.first_name.empty() ? "company_name" : "last_name",
                  "missing name: a company needs company_name, a person last_name");
        }
        if (!in.is_company() &&
            (!in.tax_number.empty() || !in.vat_id.empty() || in.allow_tax_free_invoices)) {
            issue(!in.tax_number.empty() ? "tax_number"
                  : !in.vat_id.empty()   ? "vat_id"
                                         : "allow_tax_free_invoices",
                  "only companies have tax numbers (set company_name)");
        }
    }

    // Checks the e-mail addresses.
    void check_emails(const ContactInput& in) {
        if (!in.person_email.empty() && !is_valid_email(in.person_email)) {
            issue("person_email",
                  fmt::format("'{}' is not a valid e-mail address", in.person_email));
        }
        for (const auto& c : k_email_columns) {
            for (const auto& v : split_values(in.*c.value)) {
                if (!is_valid_email(v)) {
                    issue(c.column, fmt::format("'{}' is not a valid e-mail address{}", v,
                                                v.find(',') != std::string::npos
                                                    ? " (separate several addresses with ';')"
                                                    : ""));
                }
            }
        }
    }

    // Checks that only a company with a contact person has contact person fields.
    void check_contact_persons(const ContactInput& in,
                               const std::map<std::string, std::string>& cells) {
        if (!in.more_persons.empty()) {
            const std::string first = fmt::format("person{}_last_name", 2);
            if (!in.is_company()) {
                issue(first, "only a company has contact persons (set company_name)");
            } else if (in.last_name.empty()) {
                issue(first, "the first contact person (last_name) is missing");
            }
        }
        for (const char* field : {"person_email", "person_phone"}) {
            if (cell(cells, field).empty()) {
                continue;
            }
            if (!in.is_company()) {
                issue(field, "only a company's contact person has this (a person's own e-mail "
                             "and phone go in email and phone)");
            } else if (in.last_name.empty()) {
                issue(field, "the contact person needs a last_name");
            }
        }
    }

    // Checks the country code `code` of the address whose country column is `field`; `needed`
    // when the row has that address.
    void check_country(const std::string& field, const std::string& code, bool needed) {
        if (needed && code.empty()) {
            issue(field, "missing: an address needs a country code such as DE");
        } else if (!code.empty() && !countries::is_known(code)) {
            const std::string meant = countries::suggestion(code);
            issue(field, meant.empty()
                             ? fmt::format("'{}' is not a country code lexoffice knows (ISO "
                                           "3166-1 alpha-2 such as DE, or ES_CN, GR_69, …)",
                                           code)
                             : fmt::format("'{}' is not a country code lexoffice knows; did "
                                           "you mean '{}'?",
                                           code, meant));
        }
    }

    // Checks the country codes of both addresses.
    void check_countries(const ContactInput& in) {
        check_country("country", in.country, in.has_address());
        check_country("shipping_country", in.shipping_country, in.has_shipping_address());
    }

    // Reads and checks the bank account: an IBAN of the right length and check digits, and
    // the bank name and BIC lexoffice needs with it.
    void read_bank_account(ContactInput& in, const std::map<std::string, std::string>& cells) {
        in.bank_account_holder = cell(cells, "bank_account_holder");
        in.bank_name = cell(cells, "bank_name");
        const std::string iban_text = cell(cells, "iban");
        const std::string bic_text = cell(cells, "bic");
        in.iban = iban::normalize(iban_text);
        in.bic = iban::normalize(bic_text);
        if (in.iban.empty()) {
            if (!in.bank_account_holder.empty() || !in.bank_name.empty() || !in.bic.empty()) {
                issue("iban", "missing: a bank account needs an IBAN");
            }
            return;
        }
        if (const std::string why = iban::problem(in.iban); !why.empty()) {
            issue("iban", fmt::format("'{}' is {}", iban_text, why));
        }
        if (in.bic.empty()) {
            issue("bic", "missing: lexoffice needs the BIC with an IBAN");
        } else if (const std::string why = iban::bic_problem(in.bic); !why.empty()) {
            issue("bic", fmt::format("'{}' is {}", bic_text, why));
        }
        if (in.bank_name.empty()) {
            issue("bank_name", "missing: lexoffice needs the bank's name with an IBAN");
        }
        for (auto [field, value] : {std::pair{"bank_account_holder", &in.bank_account_holder},
                                    std::pair{"bank_name", &in.bank_name}}) {
            if (utf8::code_points(*value) > 255) {
                issue(field, "longer than 255 characters");
            }
        }
    }

    // Checks the lengths lexoffice allows and the Leitweg-ID's companion field.
    void check_lengths(const ContactInput& in) {
        if (utf8::code_points(in.note) > 1000) {
            issue("note", "longer than 1000 characters");
        }
        if (utf8::code_points(in.salutation) > 25) {
            issue("salutation", "longer than 25 characters");
        }
        for (const auto* f : {&in.company_name, &in.last_name, &in.first_name, &in.street, &in.city,
                              &in.shipping_street, &in.shipping_city}) {
            if (utf8::code_points(*f) > 255) {
                issue("name", "longer than 255 characters");
            }
        }
        if (!in.buyer_reference.empty() && in.vendor_number_at_customer.empty()) {
            issue("vendor_number_at_customer", "required when buyer_reference (Leitweg-ID) is set");
        }
    }

    // The checks of one further contact person (person2_*, person3_*).
    void check_person(const std::string& prefix, const ContactPerson& p) {
        if (p.last_name.empty()) {
            issue(prefix + "last_name", "missing: the contact person needs a last name");
        }
        if (!p.email.empty() && !is_valid_email(p.email)) {
            issue(prefix + "email", fmt::format("'{}' is not a valid e-mail address", p.email));
        }
        if (utf8::code_points(p.salutation) > 25) {
            issue(prefix + "salutation", "longer than 25 characters");
        }
        for (auto [field, value] :
             {std::pair{"first_name", &p.first_name}, std::pair{"last_name", &p.last_name}}) {
            if (utf8::code_points(*value) > 255) {
                issue(prefix + field, "longer than 255 characters");
            }
        }
    }

    const std::string& m_file;
    long m_line;
    std::vector<InputIssue>& m_issues;
    const table::ColumnPositions* m_positions;
};

void put_text(std::string& out, std::string_view v) {
    const auto n = static_cast<std::uint32_t>(v.size());
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    out += v;
}

std::string take_text(std::string_view& in) {
    std::uint32_t n = 0;
    std::memcpy(&n, in.data(), sizeof n);
    std::string v(in.substr(sizeof n, n));
    in.remove_prefix(sizeof n + n);
    return v;
}

// The identity fields of a row (what identity_of() reads) and its line, packed for KeyGroups.
std::string identity_payload(const ContactInput& r) {
    std::string out;
    put_text(out, std::to_string(r.line));
    const std::string emails = join_values(r.all_emails()); // read back as the business e-mail
    for (const std::string* f : {&r.company_name, &r.first_name, &r.last_name, &emails, &r.vat_id,
                                 &r.tax_number, &r.street, &r.zip, &r.city, &r.country}) {
        put_text(out, *f);
    }
    return out;
}

ContactInput from_identity_payload(std::string_view in) {
    ContactInput r;
    r.line = std::stol(take_text(in));
    for (std::string* f : {&r.company_name, &r.first_name, &r.last_name, &r.email, &r.vat_id,
                           &r.tax_number, &r.street, &r.zip, &r.city, &r.country}) {
        *f = take_text(in);
    }
    return r;
}

// Two rows for one identifier (ref, id, number, e-mail) are an input error. Two rows with the
// same name are different contacts when their address, e-mail, VAT id or tax number tell them
// apart; only rows that nothing tells apart are flagged in `same_contact`, and only those.
//
// Rows are fed one at a time and only their keys are kept, in KeyGroups (memory bounded by its
// budget, the rest in a temporary file). The checks run once every row is in, kind by kind: a
// row whose ref repeats an earlier one is reported for that and its later keys are not taken
// into account, as if the rows had been checked one after the other.
class DuplicateCheck {
public:
    void add(std::size_t index, const ContactInput& r) {
        const std::string line = std::to_string(r.line);
        if (!r.ref.empty()) {
            m_keys[0].add(r.ref, index, line);
        }
        if (!r.id.empty()) {
            m_keys[1].add(r.id, index, line);
        }
        if (r.customer_number) {
            m_keys[2].add(std::to_string(*r.customer_number), index, line);
        }
        if (r.vendor_number) {
            m_keys[3].add(std::to_string(*r.vendor_number), index, line);
        }
        // Every e-mail of the row, with the column it is in: two rows sharing any of them would
        // match the same contact.
        std::set<std::string> seen;
        for (const auto& [field, email] : r.emails_by_field()) {
            if (seen.insert(email).second) {
                m_keys[4].add(email, index, line + '\x1f' + field);
            }
        }
        if (r.id.empty() && !r.customer_number && !r.vendor_number) {
            m_names.add((r.is_company() ? "c:" : "p:") + normalize(r.display_name()), index,
                        identity_payload(r));
        }
    }

    void finish(const std::string& file, std::vector<InputIssue>& issues,
                std::map<std::size_t, std::string>& same_contact) {
        static constexpr const char* k_fields[] = {"ref", "id", "customer_number", "vendor_number",
                                                   "email"};
        std::set<std::size_t> stopped; // rows reported as a duplicate
        std::vector<std::pair<std::size_t, InputIssue>> found;
        for (std::size_t k = 0; k < std::size(m_keys); ++k) {
            std::vector<std::pair<std::size_t, InputIssue>> stage;
            m_keys[k].for_each_duplicate([&](const std::vector<KeyGroups::Entry>& same) {
                const KeyGroups::Entry* first = nullptr;
                for (const auto& e : same) {
                    if (stopped.count(e.order) != 0) {
                        continue;
                    }
                    if (first == nullptr) {
                        first = &e;
                        continue;
                    }
                    // The payload is the line, for e-mails followed by \x1f and the column.
                    const auto sep = e.payload.find('\x1f');
                    const std::string field =
                        sep == std::string::npos ? k_fields[k] : e.payload.substr(sep + 1);
                    stage.emplace_back(e.order, InputIssue{file, std::stol(e.payload), field,
                                                           fmt::format("duplicate of line {}",
                                                                       std::stol(first->payload))});
                }
            });
            for (auto& s : stage) {
                stopped.insert(s.first);
                found.push_back(std::move(s));
            }
        }
        std::sort(found.begin(), found.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& f : found) {
            issues.push_back(std::move(f.second));
        }
        // Each row is compared with at most this many earlier rows of its name (a bound for
        // pathological files; real lists have a handful of rows per name).
        constexpr std::size_t k_max_compared = 1000;
        m_names.for_each_duplicate([&](const std::vector<KeyGroups::Entry>& all) {
            std::vector<std::size_t> group;
            std::vector<ContactInput> rows;
            for (const auto& e : all) {
                if (stopped.count(e.order) == 0) {
                    group.push_back(e.order);
                    rows.push_back(from_identity_payload(e.payload));
                }
            }
            if (group.size() < 2) {
                return;
            }
            std::vector<Identity> ids;
            ids.reserve(group.size());
            for (const auto& r : rows) {
                ids.push_back(identity_of(r));
            }
            for (std::size_t j = 1; j < group.size(); ++j) {
                const std::size_t from = j > k_max_compared ? j - k_max_compared : 0;
                for (std::size_t i = from; i < j; ++i) {
                    if (contradiction(ids[i], ids[j], true)) {
                        continue;
                    }
                    same_contact.try_emplace(
                        group[i],
                        fmt::format("the same contact as line {} (same name, nothing tells "
                                    "them apart); neither is pushed",
                                    rows[j].line));
                    same_contact.insert_or_assign(
                        group[j],
                        fmt::format("the same contact as line {} (same name, nothing tells "
                                    "them apart); neither is pushed",
                                    rows[i].line));
                    break;
                }
            }
        });
    }

private:
    KeyGroups m_keys[5]; // ref, id, customer number, vendor number, e-mail
    KeyGroups m_names;
};

// The rows of a CSV file as RowBuilder makes them, one record at a time.
class CsvRows {
public:
    explicit CsvRows(const table::Source& source)
        : m_in(source.stream()), m_reader(*m_in, source.name()) {}
    csv::Reader& reader() { return m_reader; }
    // The cells of `rec` by column name.
    static std::map<std::string, std::string> cells(const std::vector<std::string>& columns,
                                                    csv::Record& rec) {
        std::map<std::string, std::string> out;
        for (std::size_t i = 0; i < columns.size() && i < rec.fields.size(); ++i) {
            if (!columns[i].empty()) {
                out.emplace(columns[i], std::move(rec.fields[i]));
            }
        }
        return out;
    }

private:
    std::unique_ptr<std::istream> m_in;
    csv::Reader m_reader;
};

// Reads and validates every row, keeping only what the checks across rows need (see
// DuplicateCheck); the rows themselves are read again by InputFile::for_each_row.
Result<InputFile, std::vector<InputIssue>> read_csv(InputFile file) {
    std::vector<InputIssue> issues;
    const std::string name = file.source->name();
    CsvRows rows(*file.source);
    csv::Reader& reader = rows.reader();
    file.interest = std::make_shared<InterestSet>();
    csv::Record rec;
    table::ColumnPositions positions;
    DuplicateCheck duplicates;
    bool header_checked = false;
    for (;;) {
        auto more = reader.next(rec);
        if (!more) {
            const auto& e = more.error();
            issues.push_back(InputIssue{name, e.line, "", e.message});
            return unexpected(std::move(issues));
        }
        if (!header_checked) {
            header_checked = true;
            file.csv_header = reader.header();
            file.csv_delimiter = reader.delimiter();
            std::vector<table::HeaderIssue> header_issues;
            file.csv_columns = table::map_header(file.csv_header, input_columns(),
                                                 "lexsync-contacts", header_issues);
            for (const auto& h : header_issues) {
                issues.push_back(
                    InputIssue{name, 1, h.header, h.message, static_cast<long>(h.index) + 1});
            }
            if (!issues.empty()) {
                return unexpected(std::move(issues));
            }
            positions = table::positions(file.csv_header, file.csv_columns);
        }
        if (!*more) {
            break;
        }
        RowBuilder b(name, rec.line, issues, &positions);
        const ContactInput row = b.build(CsvRows::cells(file.csv_columns, rec));
        file.interest->add(row);
        file.has_bank_accounts = file.has_bank_accounts || row.has_bank_account();
        duplicates.add(file.row_count++, row);
    }
    const std::size_t before = issues.size();
    duplicates.finish(name, issues, file.same_contact);
    for (std::size_t k = before; k < issues.size(); ++k) {
        if (auto it = positions.find(issues[k].field); it != positions.end()) {
            issues[k].column = it->second.first;
            issues[k].field = it->second.second;
        }
    }
    if (!issues.empty()) {
        return unexpected(std::move(issues));
    }
    return file;
}

// The row of one object of a JSON input (nullopt for anything but an object); its problems go to
// `issues`.
std::optional<ContactInput> json_row(const json::Value& item, const std::string& name, long line,
                                     std::vector<InputIssue>& issues) {
    RowBuilder b(name, line, issues);
    if (!item.IsObject()) {
        b.issue("", "expected an object");
        return std::nullopt;
    }
    std::map<std::string, std::string> cells;
    for (const auto& m : item.GetObject()) {
        const std::string given(m.name.GetString(), m.name.GetStringLength());
        const table::Column* col = table::find_column(given, input_columns());
        if (col == nullptr) {
            const std::string hint = table::did_you_mean(given, input_columns());
            b.issue(given, hint.empty() ? std::string("unknown field (see 'man lexsync-contacts')")
                                        : fmt::format("unknown field; did you mean '{}'?", hint));
            continue;
        }
        const std::string& key = col->name;
        if (m.value.IsString()) {
            cells[key] = std::string(m.value.GetString(), m.value.GetStringLength());
        } else if (m.value.IsInt64()) {
            cells[key] = std::to_string(m.value.GetInt64());
        } else if (m.value.IsBool()) {
            cells[key] = m.value.GetBool() ? "true" : "false";
        } else if (m.value.IsArray() && is_list_column(key)) {
            // Several e-mails or phone numbers of one kind: ["a@x.de", "b@x.de"].
            std::vector<std::string> values;
            for (const auto& e : m.value.GetArray()) {
                if (!e.IsString()) {
                    b.issue(key, "expected an array of strings");
                    break;
                }
                values.emplace_back(e.GetString(), e.GetStringLength());
            }
            cells[key] = join_values(values);
        } else if (!m.value.IsNull()) {
            b.issue(key, "expected a string, a whole number or true/false");
        }
    }
    return b.build(cells);
}

// Reads and validates every object of a JSON input one at a time, keeping only what the checks
// across rows need, as read_csv does; the rows are read again by InputFile::for_each_row.
Result<InputFile, std::vector<InputIssue>> read_json(InputFile file) {
    file.is_json = true;
    std::vector<InputIssue> issues;
    const std::string& name = file.source->name();
    file.interest = std::make_shared<InterestSet>();
    DuplicateCheck duplicates;
    auto read = table::for_each_json_element(
        *file.source, "", [&](const json::Value& item, std::size_t, long line) {
            if (const auto row = json_row(item, name, line, issues)) {
                file.interest->add(*row);
                file.has_bank_accounts = file.has_bank_accounts || row->has_bank_account();
                duplicates.add(file.row_count++, *row);
            }
        });
    if (!read) {
        return unexpected(
            std::vector<InputIssue>{InputIssue{name, 0, "", "not valid JSON: " + read.error()}});
    }
    if (*read != json::ArrayAt::root) {
        return unexpected(std::vector<InputIssue>{
            InputIssue{name, 1, "", "expected a JSON array of contact objects"}});
    }
    duplicates.finish(name, issues, file.same_contact);
    if (!issues.empty()) {
        return unexpected(std::move(issues));
    }
    return file;
}

// Sets obj[key] to the string `v` when it differs; returns whether it changed.
bool set_if_differs(json::Value& obj, const char* key, const std::string& v, json::Allocator& a) {
    if (v.empty()) {
        return false;
    }
    if (auto cur = json::get_string(obj, key); cur && *cur == v) {
        return false;
    }
    json::set(obj, key, json::str(v, a), a);
    return true;
}

bool contains_email(const json::Value& contact, const std::string& email) {
    const std::string want = normalize(email);
    if (const auto* emails = json::find(contact, "emailAddresses"); emails && emails->IsObject()) {
        for (const auto& cat : emails->GetObject()) {
            if (cat.value.IsArray()) {
                for (const auto& e : cat.value.GetArray()) {
                    if (e.IsString() && normalize(e.GetString()) == want) {
                        return true;
                    }
                }
            }
        }
    }
    return false;
}

// Whether the list at `path` ("phoneNumbers.fax") holds `value` (e-mails compare normalised).
bool list_contains(const json::Value& contact, const std::string& path, const std::string& value,
                   bool is_email) {
    const std::string want = is_email ? normalize(value) : value;
    if (const auto* list = json::find(contact, path); list && list->IsArray()) {
        for (const auto& e : list->GetArray()) {
            if (e.IsString() && (is_email ? normalize(e.GetString()) : e.GetString()) == want) {
                return true;
            }
        }
    }
    return false;
}

// The values of a cell (see split_values) as a JSON array of strings.
json::Value string_list(const std::string& cell, json::Allocator& a) {
    json::Value arr(rapidjson::kArrayType);
    for (const auto& v : split_values(cell)) {
        arr.PushBack(json::str(v, a), a);
    }
    return arr;
}

std::string normalize_vat(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == ' ' || c == '.' || c == '-' || c == '\t') {
            continue;
        }
        out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return out;
}

std::string digits_only(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c >= '0' && c <= '9') {
            out += c;
        }
    }
    return out.empty() ? std::string(s) : out;
}

// Street names compare without the usual abbreviation ("Hauptstr. 1" is "Hauptstraße 1").
std::string normalize_street(std::string_view s) {
    std::string out = normalize(s);
    for (const char* long_form : {"straße", "strasse"}) {
        for (auto pos = out.find(long_form); pos != std::string::npos; pos = out.find(long_form)) {
            out.replace(pos, std::string_view(long_form).size(), "str.");
        }
    }
    std::string compact;
    for (char c : out) {
        if (c != ' ' && c != '.') {
            compact += c;
        }
    }
    return compact;
}

// Whether the two addresses disagree on a part both of them give.
std::optional<std::string> address_difference(const Identity& a, const Identity& b) {
    for (auto [x, y, what] :
         {std::tuple{&a.zip, &b.zip, "postcode"}, std::tuple{&a.city, &b.city, "city"},
          std::tuple{&a.street, &b.street, "street"},
          std::tuple{&a.country, &b.country, "country"}}) {
        if (!x->empty() && !y->empty() && *x != *y) {
            return std::string("a different ") + what;
        }
    }
    return std::nullopt;
}

std::optional<std::string> email_difference(const Identity& a, const Identity& b) {
    if (a.emails.empty() || b.emails.empty()) {
        return std::nullopt;
    }
    for (const auto& e : a.emails) {
        if (std::find(b.emails.begin(), b.emails.end(), e) != b.emails.end()) {
            return std::nullopt;
        }
    }
    return std::string("a different e-mail");
}

std::string shown_address(const std::string& street, const std::string& zip,
                          const std::string& city, const std::string& country) {
    std::string out;
    const std::string place = zip.empty() ? city : city.empty() ? zip : zip + " " + city;
    for (const std::string* part : {&street, &place, &country}) {
        if (!part->empty()) {
            out += (out.empty() ? "" : ", ") + *part;
        }
    }
    return out;
}

} // namespace

const std::vector<table::Column>& input_columns() {
    // Aliases are matched ignoring case, spaces and punctuation ("E-Mail" = "email").
    static const std::vector<table::Column> k_columns = {
        {"ref", {"Referenz", "Quell-ID", "Externe ID", "External ID", "Source ID"}},
        {"id", {"lexoffice-ID", "Lexware-ID", "Kontakt-ID", "Contact ID"}},
        {"customer_number", {"Kundennummer", "Kunden-Nr.", "Kundennr", "Customer No"}},
        {"vendor_number", {"Lieferantennummer", "Lieferanten-Nr.", "Lieferantennr", "Vendor No"}},
        {"role", {"Rolle", "Kontaktart"}},
        {"company_name", {"Firma", "Firmenname", "Unternehmen", "Company", "Organisation"}},
        {"tax_number", {"Steuernummer", "St.-Nr."}},
        {"vat_id", {"USt-IdNr.", "USt-ID", "Umsatzsteuer-ID", "VAT ID", "VAT Number"}},
        {"allow_tax_free_invoices", {"Steuerfreie Rechnungen"}},
        {"salutation", {"Anrede"}},
        {"first_name", {"Vorname", "Given Name"}},
        {"last_name", {"Nachname", "Familienname", "Surname", "Family Name"}},
        {"person_email",
         {"E-Mail Ansprechpartner", "Ansprechpartner E-Mail", "Contact Person Email"}},
        {"person_phone",
         {"Telefon Ansprechpartner", "Ansprechpartner Telefon", "Contact Person Phone"}},
        {"person2_salutation", {"Anrede Ansprechpartner 2"}},
        {"person2_first_name", {"Vorname Ansprechpartner 2"}},
        {"person2_last_name", {"Nachname Ansprechpartner 2"}},
        {"person2_email", {"E-Mail Ansprechpartner 2"}},
        {"person2_phone", {"Telefon Ansprechpartner 2"}},
        {"person3_salutation", {"Anrede Ansprechpartner 3"}},
        {"person3_first_name", {"Vorname Ansprechpartner 3"}},
        {"person3_last_name", {"Nachname Ansprechpartner 3"}},
        {"person3_email", {"E-Mail Ansprechpartner 3"}},
        {"person3_phone", {"Telefon Ansprechpartner 3"}},
        {"email",
         {"E-Mail", "E-Mail-Adresse", "Mail", "Email Address", "E-Mail geschäftlich",
          "email_business"}},
        {"email_office", {"E-Mail Büro", "Office Email"}},
        {"email_private", {"E-Mail privat", "Private E-Mail", "Private Email"}},
        {"email_other", {"E-Mail sonstige", "Weitere E-Mail", "Other Email"}},
        {"phone",
         {"Telefon", "Telefonnummer", "Tel.", "Phone Number", "Telefon geschäftlich",
          "phone_business"}},
        {"phone_office", {"Telefon Büro", "Office Phone"}},
        {"mobile", {"Mobil", "Mobilnummer", "Handy", "Mobile Phone", "phone_mobile"}},
        {"phone_private", {"Telefon privat", "Private Phone"}},
        {"fax", {"Fax", "Telefax", "Faxnummer", "Fax Number"}},
        {"phone_other", {"Telefon sonstige", "Weitere Telefonnummer", "Other Phone"}},
        {"street", {"Straße", "Strasse", "Straße und Hausnummer", "Address"}},
        {"supplement", {"Adresszusatz", "Zusatz"}},
        {"zip", {"PLZ", "Postleitzahl", "Postal Code", "Postcode", "Zip Code"}},
        {"city", {"Ort", "Stadt"}},
        {"region", {"Bundesstaat", "Bundesland", "Provinz", "State", "Province"}},
        {"country", {"Land", "Ländercode", "Country Code"}},
        {"shipping_street", {"Lieferadresse Straße", "Lieferadresse Strasse", "Shipping Address"}},
        {"shipping_supplement", {"Lieferadresse Zusatz", "Lieferadresse Adresszusatz"}},
        {"shipping_zip", {"Lieferadresse PLZ", "Shipping Postal Code", "Shipping Zip Code"}},
        {"shipping_city", {"Lieferadresse Ort", "Lieferadresse Stadt"}},
        {"shipping_region",
         {"Lieferadresse Bundesstaat", "Lieferadresse Bundesland", "Shipping State"}},
        {"shipping_country", {"Lieferadresse Land", "Lieferadresse Ländercode"}},
        {"billing2_street",
         {"Rechnungsadresse 2 Straße", "Rechnungsadresse 2 Strasse", "Billing Address 2"}},
        {"billing2_supplement", {"Rechnungsadresse 2 Zusatz", "Rechnungsadresse 2 Adresszusatz"}},
        {"billing2_zip", {"Rechnungsadresse 2 PLZ", "Billing Postal Code 2", "Billing Zip Code 2"}},
        {"billing2_city", {"Rechnungsadresse 2 Ort", "Rechnungsadresse 2 Stadt"}},
        {"billing2_region",
         {"Rechnungsadresse 2 Bundesstaat", "Rechnungsadresse 2 Bundesland", "Billing State 2"}},
        {"billing2_country", {"Rechnungsadresse 2 Land", "Rechnungsadresse 2 Ländercode"}},
        {"billing3_street",
         {"Rechnungsadresse 3 Straße", "Rechnungsadresse 3 Strasse", "Billing Address 3"}},
        {"billing3_supplement", {"Rechnungsadresse 3 Zusatz", "Rechnungsadresse 3 Adresszusatz"}},
        {"billing3_zip", {"Rechnungsadresse 3 PLZ", "Billing Postal Code 3", "Billing Zip Code 3"}},
        {"billing3_city", {"Rechnungsadresse 3 Ort", "Rechnungsadresse 3 Stadt"}},
        {"billing3_region",
         {"Rechnungsadresse 3 Bundesstaat", "Rechnungsadresse 3 Bundesland", "Billing State 3"}},
        {"billing3_country", {"Rechnungsadresse 3 Land", "Rechnungsadresse 3 Ländercode"}},
        {"shipping2_street",
         {"Lieferadresse 2 Straße", "Lieferadresse 2 Strasse", "Shipping Address 2"}},
        {"shipping2_supplement", {"Lieferadresse 2 Zusatz", "Lieferadresse 2 Adresszusatz"}},
        {"shipping2_zip", {"Lieferadresse 2 PLZ", "Shipping Postal Code 2", "Shipping Zip Code 2"}},
        {"shipping2_city", {"Lieferadresse 2 Ort", "Lieferadresse 2 Stadt"}},
        {"shipping2_region",
         {"Lieferadresse 2 Bundesstaat", "Lieferadresse 2 Bundesland", "Shipping State 2"}},
        {"shipping2_country", {"Lieferadresse 2 Land", "Lieferadresse 2 Ländercode"}},
        {"shipping3_street",
         {"Lieferadresse 3 Straße", "Lieferadresse 3 Strasse", "Shipping Address 3"}},
        {"shipping3_supplement", {"Lieferadresse 3 Zusatz", "Lieferadresse 3 Adresszusatz"}},
        {"shipping3_zip", {"Lieferadresse 3 PLZ", "Shipping Postal Code 3", "Shipping Zip Code 3"}},
        {"shipping3_city", {"Lieferadresse 3 Ort", "Lieferadresse 3 Stadt"}},
        {"shipping3_region",
         {"Lieferadresse 3 Bundesstaat", "Lieferadresse 3 Bundesland", "Shipping State 3"}},
        {"shipping3_country", {"Lieferadresse 3 Land", "Lieferadresse 3 Ländercode"}},
        {"note", {"Notiz", "Bemerkung", "Anmerkung"}},
        {"buyer_reference", {"Leitweg-ID", "Käuferreferenz"}},
        {"vendor_number_at_customer", {"Lieferantennummer beim Kunden"}},
        {"bank_account_holder", {"Kontoinhaber", "Kontoinhaberin", "Account Holder"}},
        {"bank_name", {"Bank", "Bankname", "Name der Bank", "Kreditinstitut", "Bank Name"}},
        {"iban", {"Kontonummer (IBAN)", "IBAN-Nummer"}},
        {"bic", {"SWIFT", "SWIFT-BIC", "BIC/SWIFT"}},
    };
    return k_columns;
}

bool is_valid_email(std::string_view s) {
    constexpr std::string_view k_forbidden = " \t\r\n,;<>()[]\"\\:";
    const auto at = s.find('@');
    if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos ||
        s.find_first_of(k_forbidden) != std::string_view::npos) {
        return false;
    }
    const std::string_view local = s.substr(0, at);
    const std::string_view domain = s.substr(at + 1);
    // Dots separate non-empty parts on both sides ("max..muster@", "@beispiel..de" are not
    // addresses).
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
        return false;
    }
    if (domain.empty() || domain.find('.') == std::string_view::npos) {
        return false;
    }
    std::size_t start = 0;
    std::string_view last;
    for (;;) {
        const auto dot = domain.find('.', start);
        const std::string_view label =
            domain.substr(start, dot == std::string_view::npos ? domain.npos : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        for (char c : label) {
            const auto u = static_cast<unsigned char>(c);
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || u >= 0x80; // IDN in UTF-8
            if (!ok) {
                return false;
            }
        }
        last = label;
        if (dot == std::string_view::npos) {
            break;
        }
        start = dot + 1;
    }
    return last.size() >= 2;
}

std::string ContactInput::display_name() const {
    if (is_company()) {
        return company_name;
    }
    return first_name.empty() ? last_name : first_name + " " + last_name;
}

std::vector<std::pair<std::string, std::string>> ContactInput::emails_by_field() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& c : k_email_columns) {
        for (const auto& v : split_values(this->*c.value)) {
            out.emplace_back(c.column, normalize(v));
        }
    }
    if (!person_email.empty()) {
        out.emplace_back("person_email", normalize(person_email));
    }
    for (std::size_t i = 0; i < more_persons.size(); ++i) {
        if (!more_persons[i].email.empty()) {
            out.emplace_back(fmt::format("person{}_email", i + 2),
                             normalize(more_persons[i].email));
        }
    }
    return out;
}

std::vector<std::string> ContactInput::all_emails() const {
    std::vector<std::string> out;
    for (auto& [field, value] : emails_by_field()) {
        if (std::find(out.begin(), out.end(), value) == out.end()) {
            out.push_back(std::move(value));
        }
    }
    return out;
}

std::vector<std::string> split_values(std::string_view cell) {
    std::vector<std::string> out;
    for (;;) {
        const auto sep = cell.find(k_value_separator);
        std::string v = trim(cell.substr(0, sep));
        if (!v.empty()) {
            out.push_back(std::move(v));
        }
        if (sep == std::string_view::npos) {
            return out;
        }
        cell.remove_prefix(sep + 1);
    }
}

std::string join_values(const std::vector<std::string>& values) {
    std::string out;
    for (const auto& v : values) {
        if (!out.empty()) {
            out += k_value_separator;
            out += ' ';
        }
        out += v;
    }
    return out;
}

std::string beyond_write_limits(const json::Value& c) {
    std::vector<std::string> over;
    auto count = [&](const std::string& path, const std::string& what) {
        if (const auto* list = json::find(c, path); list && list->IsArray() && list->Size() > 1) {
            over.push_back(fmt::format("{} {}", list->Size(), what));
        }
    };
    count("addresses.billing", "billing addresses");
    count("addresses.shipping", "shipping addresses");
    for (const auto& col : k_email_columns) {
        count(std::string("emailAddresses.") + col.category,
              std::string(col.category) + " e-mail addresses");
    }
    for (const auto& col : k_phone_columns) {
        count(std::string("phoneNumbers.") + col.category,
              std::string(col.category) + " phone numbers");
    }
    count("company.contactPersons", "contact persons");
    return fmt::format("{}", fmt::join(over, ", "));
}

std::string ContactInput::ledger_key() const {
    if (!ref.empty()) {
        return "ref:" + ref;
    }
    if (!id.empty()) {
        return "id:" + id;
    }
    if (customer_number) {
        return fmt::format("customer:{}", *customer_number);
    }
    if (vendor_number) {
        return fmt::format("vendor:{}", *vendor_number);
    }
    if (const auto business = split_values(email); !business.empty()) {
        return "email:" + normalize(business.front());
    }
    // Rows with the same name can be different contacts: what tells them apart is in the key.
    std::string key = "name:" + normalize(display_name());
    const Identity who = identity_of(*this);
    for (const std::string* part :
         {&who.vat_id, &who.tax_number, &who.street, &who.zip, &who.city, &who.country}) {
        key += part->empty() ? std::string() : "|" + *part;
    }
    return key;
}

std::string InputIssue::to_string() const {
    std::string s = file;
    if (line > 0) {
        s += fmt::format(":{}", line);
        if (column > 0) {
            s += fmt::format(":{}", column);
        }
    }
    if (!field.empty()) {
        s += ":" + field;
    }
    return s + ": " + message;
}

std::string normalize(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

Result<InputFile, std::vector<InputIssue>> read_input(const std::string& path,
                                                      const table::ReadOptions& opts) {
    if (path != "-" && !std::filesystem::exists(path)) {
        return unexpected(std::vector<InputIssue>{{path, 0, "", "no such file"}});
    }
    std::istringstream none;
    auto source = table::Source::open(path, opts.encoding, opts.in != nullptr ? *opts.in : none);
    if (!source) {
        return unexpected(
            std::vector<InputIssue>{{path == "-" ? "stdin" : path, source.error().line, "",
                                     source.error().message, source.error().column}});
    }
    const auto& src = *source;
    std::string fmt_name = opts.format;
    if (fmt_name.empty()) {
        std::string ext = std::filesystem::path(path).extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (src->from_stdin()) {
            // By the first non-blank character.
            auto in = src->stream();
            char c = ' ';
            while (in->get(c) && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
            }
            fmt_name = *in && (c == '[' || c == '{') ? "json" : "csv";
        } else {
            fmt_name = ext == ".json" ? "json" : "csv";
        }
    }
    InputFile file;
    file.path = path;
    file.encoding = src->encoding();
    file.from_stdin = src->from_stdin();
    file.source = src;
    if (fmt_name == "json") {
        return read_json(std::move(file));
    }
    return read_csv(std::move(file));
}

void InputFile::for_each_row(
    const std::function<void(std::size_t, const ContactInput&)>& fn) const {
    const std::string& name = source->name();
    auto changed = [&] {
        return Error(ExitCode::invalid_input,
                     fmt::format("{} changed while it was read; run again", name));
    };
    if (source->changed()) {
        throw changed();
    }
    if (is_json) {
        std::vector<InputIssue> issues;
        std::size_t i = 0;
        auto read = table::for_each_json_element(
            *source, "", [&](const json::Value& item, std::size_t, long line) {
                const auto row = json_row(item, name, line, issues);
                if (!row || !issues.empty() || i >= row_count) {
                    throw changed();
                }
                fn(i++, *row);
            });
        if (!read || i != row_count) {
            throw changed();
        }
        return;
    }
    CsvRows rows(*source);
    csv::Record rec;
    std::vector<InputIssue> issues;
    std::size_t i = 0;
    for (;;) {
        auto more = rows.reader().next(rec);
        if (!more || rows.reader().header() != csv_header) {
            throw changed();
        }
        if (!*more) {
            break;
        }
        RowBuilder b(name, rec.line, issues);
        const ContactInput row = b.build(CsvRows::cells(csv_columns, rec));
        if (!issues.empty() || i >= row_count) {
            throw changed();
        }
        fn(i++, row);
    }
    if (i != row_count) {
        throw changed();
    }
}

std::vector<ContactInput> InputFile::rows() const {
    std::vector<ContactInput> out;
    out.reserve(row_count);
    for_each_row([&](std::size_t, const ContactInput& r) { out.push_back(r); });
    return out;
}

Result<InputFile, std::vector<InputIssue>> read_input(const std::filesystem::path& path,
                                                      const std::string& format) {
    table::ReadOptions opts;
    opts.format = format;
    return read_input(path.string(), opts);
}

std::vector<BankAccount> parse_bank_accounts(const json::Value& list) {
    std::vector<BankAccount> out;
    if (!list.IsArray()) {
        return out;
    }
    for (const auto& e : list.GetArray()) {
        if (!e.IsObject()) {
            continue;
        }
        BankAccount b;
        b.id = json::get_string(e, "id").value_or("");
        b.holder = json::get_string(e, "accountHolder").value_or("");
        b.bank_name = json::get_string(e, "bankName").value_or("");
        b.iban = iban::normalize(json::get_string(e, "iban").value_or(""));
        b.bic = json::get_string(e, "bic").value_or("");
        out.push_back(std::move(b));
    }
    return out;
}

std::string bank_account_body(const ContactInput& in) {
    json::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember(
        "accountHolder",
        json::str(in.bank_account_holder.empty() ? in.display_name() : in.bank_account_holder, a),
        a);
    d.AddMember("bankName", json::str(in.bank_name, a), a);
    d.AddMember("iban", json::str(in.iban, a), a);
    d.AddMember("bic", json::str(in.bic, a), a);
    return json::to_string(d);
}

bool has_iban(const std::vector<BankAccount>& accounts, const std::string& iban) {
    return std::any_of(accounts.begin(), accounts.end(),
                       [&](const BankAccount& b) { return b.iban == iban; });
}

std::string create_body(const ContactInput& in) {
    json::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("version", 0, a);
    json::Value roles(rapidjson::kObjectType);
    if (in.customer) {
        roles.AddMember("customer", json::Value(rapidjson::kObjectType), a);
    }
    if (in.vendor) {
        roles.AddMember("vendor", json::Value(rapidjson::kObjectType), a);
    }
    d.AddMember("roles", roles, a);
    if (in.is_company()) {
        json::Value company(rapidjson::kObjectType);
        company.AddMember("name", json::str(in.company_name, a), a);
        if (!in.tax_number.empty()) {
            company.AddMember("taxNumber", json::str(in.tax_number, a), a);
        }
        if (!in.vat_id.empty()) {
            company.AddMember("vatRegistrationId", json::str(in.vat_id, a), a);
        }
        if (in.allow_tax_free_invoices) {
            company.AddMember("allowTaxFreeInvoices", *in.allow_tax_free_invoices, a);
        }
        if (!in.last_name.empty()) {
            json::Value person(rapidjson::kObjectType);
            if (!in.salutation.empty()) {
                person.AddMember("salutation", json::str(in.salutation, a), a);
            }
            if (!in.first_name.empty()) {
                person.AddMember("firstName", json::str(in.first_name, a), a);
            }
            person.AddMember("lastName", json::str(in.last_name, a), a);
            person.AddMember("primary", true, a);
            if (!in.person_email.empty()) {
                person.AddMember("emailAddress", json::str(in.person_email, a), a);
            }
            if (!in.person_phone.empty()) {
                person.AddMember("phoneNumber", json::str(in.person_phone, a), a);
            }
            json::Value persons(rapidjson::kArrayType);
            persons.PushBack(person, a);
            for (const ContactPerson& p : in.more_persons) {
                json::Value more(rapidjson::kObjectType);
                for (auto [key, value] :
                     {std::pair{"salutation", &p.salutation}, std::pair{"firstName", &p.first_name},
                      std::pair{"lastName", &p.last_name}}) {
                    if (!value->empty()) {
                        more.AddMember(rapidjson::StringRef(key), json::str(*value, a), a);
                    }
                }
                more.AddMember("primary", false, a);
                if (!p.email.empty()) {
                    more.AddMember("emailAddress", json::str(p.email, a), a);
                }
                if (!p.phone.empty()) {
                    more.AddMember("phoneNumber", json::str(p.phone, a), a);
                }
                persons.PushBack(more, a);
            }
            company.AddMember("contactPersons", persons, a);
        }
        d.AddMember("company", company, a);
    } else {
        json::Value person(rapidjson::kObjectType);
        if (!in.salutation.empty()) {
            person.AddMember("salutation", json::str(in.salutation, a), a);
        }
        if (!in.first_name.empty()) {
            person.AddMember("firstName", json::str(in.first_name, a), a);
        }
        person.AddMember("lastName", json::str(in.last_name, a), a);
        d.AddMember("person", person, a);
    }
    if (in.has_address() || in.has_shipping_address()) {
        json::Value addresses(rapidjson::kObjectType);
        auto add = [&](const char* kind, const AddressParts& first,
                       const std::vector<Address>& more) {
            json::Value list(rapidjson::kArrayType);
            std::vector<AddressParts> all = {first};
            for (const Address& m : more) {
                all.push_back(address_parts(m));
            }
            for (const auto& parts : all) {
                json::Value addr(rapidjson::kObjectType);
                for (const auto& [k, v] : parts) {
                    if (!v->empty()) {
                        addr.AddMember(rapidjson::StringRef(k), json::str(*v, a), a);
                    }
                }
                list.PushBack(addr, a);
            }
            addresses.AddMember(rapidjson::StringRef(kind), list, a);
        };
        if (in.has_address()) {
            add("billing", billing_parts(in), in.more_billing);
        }
        if (in.has_shipping_address()) {
            add("shipping", shipping_parts(in), in.more_shipping);
        }
        d.AddMember("addresses", addresses, a);
    }
    if (!in.buyer_reference.empty()) {
        json::Value x(rapidjson::kObjectType);
        x.AddMember("buyerReference", json::str(in.buyer_reference, a), a);
        x.AddMember("vendorNumberAtCustomer", json::str(in.vendor_number_at_customer, a), a);
        d.AddMember("xRechnung", x, a);
    }
    for (auto [name, columns] :
         {std::pair{"emailAddresses", std::span<const ListColumn>(k_email_columns)},
          std::pair{"phoneNumbers", std::span<const ListColumn>(k_phone_columns)}}) {
        json::Value lists(rapidjson::kObjectType);
        for (const auto& c : columns) {
            if (!(in.*c.value).empty()) {
                lists.AddMember(rapidjson::StringRef(c.category), string_list(in.*c.value, a), a);
            }
        }
        if (!lists.ObjectEmpty()) {
            d.AddMember(rapidjson::StringRef(name), lists, a);
        }
    }
    if (!in.note.empty()) {
        d.AddMember("note", json::str(in.note, a), a);
    }
    return json::to_string(d);
}

namespace {

// Adds the row's roles the contact lacks.
void merge_roles(json::Document& c, const ContactInput& in, json::Allocator& a,
                 std::vector<std::string>& changed) {
    auto& roles = json::ensure_object(c, "roles", a);
    if ((in.customer && !roles.HasMember("customer")) ||
        (in.vendor && !roles.HasMember("vendor"))) {
        if (in.customer && !roles.HasMember("customer")) {
            roles.AddMember("customer", json::Value(rapidjson::kObjectType), a);
        }
        if (in.vendor && !roles.HasMember("vendor")) {
            roles.AddMember("vendor", json::Value(rapidjson::kObjectType), a);
        }
        changed.emplace_back("role");
    }
}

// Sets the salutation and names of `p` (a person contact or a company's first contact person).
void merge_names(json::Value& p, const ContactInput& in, json::Allocator& a,
                 std::vector<std::string>& changed) {
    if (set_if_differs(p, "salutation", in.salutation, a)) {
        changed.emplace_back("salutation");
    }
    if (set_if_differs(p, "firstName", in.first_name, a)) {
        changed.emplace_back("first_name");
    }
    if (set_if_differs(p, "lastName", in.last_name, a)) {
        changed.emplace_back("last_name");
    }
}

// Sets a company contact's first contact person (the row's person) and the further ones.
void merge_contact_persons(json::Value& company, const ContactInput& in, json::Allocator& a,
                           std::vector<std::string>& changed) {
    if (!company.HasMember("contactPersons") || !company["contactPersons"].IsArray()) {
        json::set(company, "contactPersons", json::Value(rapidjson::kArrayType), a);
    }
    auto& persons = company["contactPersons"];
    if (persons.Empty()) {
        json::Value p(rapidjson::kObjectType);
        p.AddMember("primary", true, a);
        persons.PushBack(p, a);
    }
    auto& p = persons[0];
    merge_names(p, in, a, changed);
    if (set_if_differs(p, "emailAddress", in.person_email, a)) {
        changed.emplace_back("person_email");
    }
    if (set_if_differs(p, "phoneNumber", in.person_phone, a)) {
        changed.emplace_back("person_phone");
    }
    for (std::size_t i = 0; i < in.more_persons.size(); ++i) {
        const auto at = static_cast<rapidjson::SizeType>(i + 1);
        if (persons.Size() <= at) {
            json::Value np(rapidjson::kObjectType);
            np.AddMember("primary", false, a);
            persons.PushBack(np, a);
        }
        const ContactPerson& from = in.more_persons[i];
        const std::string prefix = fmt::format("person{}_", i + 2);
        for (auto [key, value, column] : {std::tuple{"salutation", &from.salutation, "salutation"},
                                          std::tuple{"firstName", &from.first_name, "first_name"},
                                          std::tuple{"lastName", &from.last_name, "last_name"},
                                          std::tuple{"emailAddress", &from.email, "email"},
                                          std::tuple{"phoneNumber", &from.phone, "phone"}}) {
            if (set_if_differs(persons[at], key, *value, a)) {
                changed.push_back(prefix + column);
            }
        }
    }
}

// Sets a company's name, tax number, VAT id, tax-free flag and contact persons.
void merge_company(json::Document& c, const ContactInput& in, json::Allocator& a,
                   std::vector<std::string>& changed) {
    auto& company = json::ensure_object(c, "company", a);
    if (set_if_differs(company, "name", in.company_name, a)) {
        changed.emplace_back("company_name");
    }
    if (set_if_differs(company, "taxNumber", in.tax_number, a)) {
        changed.emplace_back("tax_number");
    }
    if (set_if_differs(company, "vatRegistrationId", in.vat_id, a)) {
        changed.emplace_back("vat_id");
    }
    if (in.allow_tax_free_invoices &&
        json::get_bool(company, "allowTaxFreeInvoices") != in.allow_tax_free_invoices) {
        json::set(company, "allowTaxFreeInvoices", json::Value(*in.allow_tax_free_invoices), a);
        changed.emplace_back("allow_tax_free_invoices");
    }
    if (!in.last_name.empty()) {
        merge_contact_persons(company, in, a, changed);
    }
}

// Sets a person contact's salutation and names.
void merge_person(json::Document& c, const ContactInput& in, json::Allocator& a,
                  std::vector<std::string>& changed) {
    auto& person = json::ensure_object(c, "person", a);
    merge_names(person, in, a, changed);
}

// Sets the address at `index` of `kind` (billing, shipping) to the row's parts; `field` names the
// change.
void merge_address(json::Document& c, const char* kind, rapidjson::SizeType index,
                   const AddressParts& parts, const std::string& field, json::Allocator& a,
                   std::vector<std::string>& changed) {
    auto& addresses = json::ensure_object(c, "addresses", a);
    if (!addresses.HasMember(kind) || !addresses[kind].IsArray()) {
        json::set(addresses, kind, json::Value(rapidjson::kArrayType), a);
    }
    auto& list = addresses[kind];
    while (list.Size() <= index) {
        list.PushBack(json::Value(rapidjson::kObjectType), a);
    }
    auto& addr = list[index];
    bool any = false;
    for (const auto& [k, v] : parts) {
        any = set_if_differs(addr, k, *v, a) || any;
    }
    if (any) {
        changed.emplace_back(field);
    }
}

// Sets the e-mail addresses and phone numbers of each kind whose values are not all there.
void merge_lists(json::Document& c, const ContactInput& in, json::Allocator& a,
                 std::vector<std::string>& changed) {
    // The business e-mails count as present in any category; the other kinds in their own. A
    // kind whose values are not all there is set to the row's values.
    const auto business = split_values(in.email);
    if (!business.empty() && !std::all_of(business.begin(), business.end(),
                                          [&](const auto& e) { return contains_email(c, e); })) {
        auto& emails = json::ensure_object(c, "emailAddresses", a);
        json::set(emails, "business", string_list(in.email, a), a);
        changed.emplace_back("email");
    }
    for (auto [name, columns, is_email] :
         {std::tuple{"emailAddresses", std::span<const ListColumn>(k_email_columns), true},
          std::tuple{"phoneNumbers", std::span<const ListColumn>(k_phone_columns), false}}) {
        for (const auto& col : columns) {
            const std::string& v = in.*col.value;
            const auto values = split_values(v);
            // Copies for the lambda: clang does not let a lambda use a structured binding.
            const std::string path = std::string(name) + "." + col.category;
            const bool email = is_email;
            if (values.empty() || (email && std::string_view(col.column) == "email") ||
                std::all_of(values.begin(), values.end(), [&](const std::string& x) {
                    return list_contains(c, path, x, email);
                })) {
                continue;
            }
            auto& lists = json::ensure_object(c, name, a);
            json::set(lists, col.category, string_list(v, a), a);
            changed.emplace_back(col.column);
        }
    }
}

} // namespace

// Merges the row into the contact in named steps; `changed` lists the row's columns that changed
// the contact, in this order.
std::vector<std::string> merge_into(json::Document& c, const ContactInput& in) {
    auto& a = c.GetAllocator();
    std::vector<std::string> changed;
    merge_roles(c, in, a, changed);
    if (in.is_company()) {
        merge_company(c, in, a, changed);
    } else {
        merge_person(c, in, a, changed);
    }
    if (in.has_address()) {
        merge_address(c, "billing", 0, billing_parts(in), "address", a, changed);
    }
    if (in.has_shipping_address()) {
        merge_address(c, "shipping", 0, shipping_parts(in), "shipping_address", a, changed);
    }
    for (auto [kind, more] :
         {std::pair{"billing", &in.more_billing}, std::pair{"shipping", &in.more_shipping}}) {
        for (std::size_t i = 0; i < more->size(); ++i) {
            merge_address(c, kind, static_cast<rapidjson::SizeType>(i + 1),
                          address_parts((*more)[i]), fmt::format("{}{}_address", kind, i + 2), a,
                          changed);
        }
    }
    if (!in.buyer_reference.empty()) {
        auto& x = json::ensure_object(c, "xRechnung", a);
        bool any = set_if_differs(x, "buyerReference", in.buyer_reference, a);
        any = set_if_differs(x, "vendorNumberAtCustomer", in.vendor_number_at_customer, a) || any;
        if (any) {
            changed.emplace_back("buyer_reference");
        }
    }
    merge_lists(c, in, a, changed);
    if (set_if_differs(c, "note", in.note, a)) {
        changed.emplace_back("note");
    }
    return changed;
}

Identity identity_of(const ContactInput& in) {
    Identity id;
    id.is_company = in.is_company();
    id.shown_name = in.display_name();
    id.name = normalize(id.shown_name);
    id.emails = in.all_emails();
    id.vat_id = normalize_vat(in.vat_id);
    id.tax_number = in.tax_number.empty() ? std::string() : digits_only(in.tax_number);
    id.street = normalize_street(in.street);
    id.zip = normalize(in.zip);
    id.city = normalize(in.city);
    id.country = normalize(in.country);
    id.shown_address = shown_address(in.street, in.zip, in.city, in.country);
    return id;
}

std::string Identity::describe() const {
    std::string out = "\"" + shown_name + "\"";
    if (!shown_address.empty()) {
        out += ", " + shown_address;
    }
    if (!emails.empty()) {
        out += ", " + emails.front();
    }
    if (!vat_id.empty()) {
        out += ", VAT id " + vat_id;
    }
    if (!tax_number.empty()) {
        out += ", tax number " + tax_number;
    }
    return out;
}

std::optional<std::string> contradiction(const Identity& a, const Identity& b, bool names_match) {
    if (a.is_company != b.is_company) {
        return std::string(a.is_company ? "a company against a person"
                                        : "a person against a company");
    }
    if (!a.vat_id.empty() && !b.vat_id.empty() && a.vat_id != b.vat_id) {
        return std::string("a different VAT id");
    }
    if (!a.tax_number.empty() && !b.tax_number.empty() && a.tax_number != b.tax_number) {
        return std::string("a different tax number");
    }
    auto other = address_difference(a, b);
    if (!other) {
        other = email_difference(a, b);
    }
    if (!other) {
        return std::nullopt;
    }
    if (names_match) {
        return other;
    }
    if (a.name != b.name) {
        return "a different name and " + *other;
    }
    return std::nullopt;
}

RemoteContact summarize(const json::Value& c) {
    RemoteContact r;
    r.id = json::get_string(c, "id").value_or("");
    r.version = json::get_int(c, "version").value_or(0);
    r.customer_number = json::get_int(c, "roles.customer.number");
    r.vendor_number = json::get_int(c, "roles.vendor.number");
    r.archived = json::get_bool(c, "archived").value_or(false);
    if (auto name = json::get_string(c, "company.name")) {
        r.is_company = true;
        r.name = normalize(*name);
    } else {
        const std::string first = json::get_string(c, "person.firstName").value_or("");
        const std::string last = json::get_string(c, "person.lastName").value_or("");
        r.name = normalize(first.empty() ? last : first + " " + last);
    }
    if (const auto* emails = json::find(c, "emailAddresses"); emails && emails->IsObject()) {
        for (const auto& cat : emails->GetObject()) {
            if (cat.value.IsArray()) {
                for (const auto& e : cat.value.GetArray()) {
                    if (e.IsString()) {
                        r.emails.push_back(normalize(e.GetString()));
                    }
                }
            }
        }
    }
    if (const auto* persons = json::find(c, "company.contactPersons");
        persons && persons->IsArray()) {
        for (const auto& p : persons->GetArray()) {
            if (auto e = json::get_string(p, "emailAddress")) {
                r.emails.push_back(normalize(*e));
            }
        }
    }
    Identity& id = r.identity;
    id.is_company = r.is_company;
    id.name = r.name;
    if (r.is_company) {
        id.shown_name = json::get_string(c, "company.name").value_or("");
    } else {
        const std::string first = json::get_string(c, "person.firstName").value_or("");
        const std::string last = json::get_string(c, "person.lastName").value_or("");
        id.shown_name = first.empty() ? last : first + " " + last;
    }
    id.emails = r.emails;
    id.vat_id = normalize_vat(json::get_string(c, "company.vatRegistrationId").value_or(""));
    const std::string tax = json::get_string(c, "company.taxNumber").value_or("");
    id.tax_number = tax.empty() ? std::string() : digits_only(tax);
    if (const auto* billing = json::find(c, "addresses.billing");
        billing && billing->IsArray() && !billing->Empty()) {
        const auto& b = (*billing)[0];
        const std::string street = json::get_string(b, "street").value_or("");
        const std::string zip = json::get_string(b, "zip").value_or("");
        const std::string city = json::get_string(b, "city").value_or("");
        const std::string country = json::get_string(b, "countryCode").value_or("");
        id.street = normalize_street(street);
        id.zip = normalize(zip);
        id.city = normalize(city);
        id.country = normalize(country);
        id.shown_address = shown_address(street, zip, city, country);
    }
    return r;
}

void Index::add(RemoteContact c) {
    const std::string id = c.id;
    if (c.customer_number) {
        m_customer[*c.customer_number] = id;
    }
    if (c.vendor_number) {
        m_vendor[*c.vendor_number] = id;
    }
    for (const auto& e : c.emails) {
        m_email.emplace(e, id);
    }
    m_name.emplace(c.name, id);
    m_all[id] = std::move(c);
}

const RemoteContact* Index::by_id(const std::string& id) const {
    auto it = m_all.find(id);
    return it == m_all.end() ? nullptr : &it->second;
}

Match Index::match(const ContactInput& in, const std::string& ledger_id) const {
    Match m;
    const Identity row = identity_of(in);
    auto decide = [&](std::set<std::string> ids, const char* rule) {
        m.rule = rule;
        const bool by_name = std::string_view(rule) == "name";
        std::vector<std::string> consistent;
        std::string refused; // the first contradicted candidate, both sides
        for (const auto& id : ids) {
            const RemoteContact* c = by_id(id);
            const auto why = c ? contradiction(row, c->identity, by_name) : std::nullopt;
            if (!why) {
                consistent.push_back(id);
            } else if (refused.empty()) {
                refused = fmt::format("lexoffice contact {} matches by {} but is another {} ({}): "
                                      "input {}; lexoffice {}",
                                      id, rule, row.is_company ? "business" : "person", *why,
                                      row.describe(), c->identity.describe());
            }
        }
        m.candidates.assign(ids.begin(), ids.end());
        if (consistent.size() == 1 && (ids.size() == 1 || std::string_view(rule) != "number")) {
            // Several contacts share the name or e-mail, one of them is this row: the others
            // are other businesses or people.
            m.kind = Match::Kind::one;
            m.id = consistent.front();
        } else if (consistent.empty()) {
            m.kind = Match::Kind::conflict;
            m.reason = refused;
        } else {
            m.kind = Match::Kind::conflict;
            m.reason = fmt::format("{} lexoffice contacts match by {}: {}", ids.size(), rule,
                                   fmt::join(ids, ", "));
        }
        return m;
    };
    if (!in.id.empty()) {
        if (by_id(in.id)) {
            return decide({in.id}, "id");
        }
        m.kind = Match::Kind::missing;
        m.rule = "id";
        m.reason = fmt::format("no lexoffice contact has id {}", in.id);
        return m;
    }
    if (!ledger_id.empty() && by_id(ledger_id)) {
        return decide({ledger_id}, "ledger");
    }
    if (in.customer_number || in.vendor_number) {
        std::set<std::string> ids;
        for (auto [num, map, what] : {std::tuple{in.customer_number, &m_customer, "customer"},
                                      std::tuple{in.vendor_number, &m_vendor, "vendor"}}) {
            if (!num) {
                continue;
            }
            auto it = map->find(*num);
            if (it == map->end()) {
                m.kind = Match::Kind::missing;
                m.rule = "number";
                m.reason = fmt::format(
                    "no lexoffice contact has {} number {} (lexoffice assigns the numbers)", what,
                    *num);
                return m;
            }
            ids.insert(it->second);
        }
        return decide(ids, "number");
    }
    auto lookup = [](const std::multimap<std::string, std::string>& map, const std::string& key) {
        std::set<std::string> ids;
        auto [b, e] = map.equal_range(key);
        for (auto it = b; it != e; ++it) {
            ids.insert(it->second);
        }
        return ids;
    };
    // Every e-mail of the row, of every kind and contact person, against every e-mail of every
    // contact (summarize()).
    std::set<std::string> by_email;
    for (const auto& e : in.all_emails()) {
        by_email.merge(lookup(m_email, e));
    }
    if (!by_email.empty()) {
        return decide(by_email, "email");
    }
    if (auto ids = lookup(m_name, normalize(in.display_name())); !ids.empty()) {
        return decide(ids, "name");
    }
    return m;
}

namespace {
constexpr std::size_t k_interest_bits = std::size_t{1} << 26; // 8 MiB
constexpr int k_interest_probes = 4;

std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

// The bit positions of one key (double hashing over two independent hashes).
template <class Fn> void probe(std::string_view kind, std::string_view key, Fn&& fn) {
    std::string k;
    k.reserve(kind.size() + 1 + key.size());
    k.append(kind).append(1, '\x1f').append(key);
    const std::uint64_t h1 = std::hash<std::string>{}(k);
    const std::uint64_t h2 = mix(h1) | 1;
    for (int i = 0; i < k_interest_probes; ++i) {
        fn((h1 + static_cast<std::uint64_t>(i) * h2) % k_interest_bits);
    }
}
} // namespace

InterestSet::InterestSet() : m_bits(k_interest_bits / 64) {}

void InterestSet::insert(std::string_view kind, std::string_view key) {
    probe(kind, key, [&](std::uint64_t b) { m_bits[b / 64] |= std::uint64_t{1} << (b % 64); });
}

bool InterestSet::contains(std::string_view kind, std::string_view key) const {
    bool all = true;
    probe(kind, key, [&](std::uint64_t b) {
        all = all && (m_bits[b / 64] & (std::uint64_t{1} << (b % 64))) != 0;
    });
    return all;
}

void InterestSet::add_id(const std::string& id) {
    insert("id", id);
}

void InterestSet::add(const ContactInput& r) {
    if (!r.id.empty()) {
        insert("id", r.id);
    }
    if (r.customer_number) {
        insert("c", std::to_string(*r.customer_number));
    }
    if (r.vendor_number) {
        insert("v", std::to_string(*r.vendor_number));
    }
    for (const auto& e : r.all_emails()) {
        insert("email", e);
    }
    insert("name", normalize(r.display_name()));
}

bool InterestSet::wants(const RemoteContact& c) const {
    if (contains("id", c.id) || contains("name", c.name) ||
        (c.customer_number && contains("c", std::to_string(*c.customer_number))) ||
        (c.vendor_number && contains("v", std::to_string(*c.vendor_number)))) {
        return true;
    }
    return std::any_of(c.emails.begin(), c.emails.end(),
                       [&](const std::string& e) { return contains("email", e); });
}

void write_back(InputFile& file, const std::map<std::size_t, Assigned>& assigned) {
    if (file.is_json) {
        if (file.source->changed()) {
            throw Error(
                ExitCode::invalid_input,
                fmt::format("{} changed while it was read; not rewritten", file.source->name()));
        }
        // Object by object: the file is read again, never held in memory.
        AtomicFile out(file.path);
        rapidjson::OStreamWrapper os(out.stream());
        rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w(os);
        w.SetIndent(' ', 2);
        w.StartArray();
        json::Document obj;
        auto& a = obj.GetAllocator();
        // Sets the field `name`, under the alias the object already uses for it if any.
        auto set_field = [&](json::Value& o, const char* name, json::Value&& v) {
            for (auto& m : o.GetObject()) {
                const auto* col = table::find_column(
                    std::string_view(m.name.GetString(), m.name.GetStringLength()),
                    input_columns());
                if (col != nullptr && col->name == name) {
                    m.value = std::move(v);
                    return;
                }
            }
            json::set(o, name, std::move(v), a);
        };
        auto read = table::for_each_json_element(
            *file.source, "", [&](const json::Value& item, std::size_t i, long) {
                const auto it = assigned.find(i);
                if (it == assigned.end()) {
                    item.Accept(w);
                    return;
                }
                const Assigned& as = it->second;
                obj.CopyFrom(item, a);
                set_field(obj, "id", json::str(as.id, a));
                if (as.customer_number) {
                    set_field(obj, "customer_number",
                              json::Value(static_cast<std::int64_t>(*as.customer_number)));
                }
                if (as.vendor_number) {
                    set_field(obj, "vendor_number",
                              json::Value(static_cast<std::int64_t>(*as.vendor_number)));
                }
                obj.Accept(w);
                obj.SetNull();
                a.Clear();
            });
        if (!read) {
            throw Error(
                ExitCode::invalid_input,
                fmt::format("{} changed while it was read; not rewritten", file.source->name()));
        }
        w.EndArray();
        out.stream() << "\n";
        out.commit();
        return;
    }
    auto column = [&](const std::string& name) {
        // The column may be there under an alias ("Kundennummer").
        auto it = std::find(file.csv_columns.begin(), file.csv_columns.end(), name);
        if (it != file.csv_columns.end()) {
            return static_cast<std::size_t>(it - file.csv_columns.begin());
        }
        file.csv_header.push_back(name);
        file.csv_columns.push_back(name);
        return file.csv_header.size() - 1;
    };
    const std::size_t id_col = column("id");
    const std::size_t cust_col = column("customer_number");
    const std::size_t vend_col = column("vendor_number");
    if (file.source->changed()) {
        throw Error(
            ExitCode::invalid_input,
            fmt::format("{} changed while it was read; not rewritten", file.source->name()));
    }
    // The file keeps its encoding; what it contained came from it, and ids and numbers are ASCII.
    // Record by record: the file is read again, never held in memory.
    AtomicFile out(file.path);
    std::ostringstream text;
    csv::Writer w(text, file.csv_delimiter);
    auto flush = [&] {
        std::string bytes = text.str();
        if (file.encoding == table::Encoding::windows_1252) {
            if (auto enc = table::encode_windows_1252(bytes)) {
                bytes = std::move(*enc);
            }
        }
        out.stream() << bytes;
        text.str({});
    };
    w.write_row(file.csv_header);
    CsvRows rows(*file.source);
    csv::Record rec;
    for (std::size_t i = 0;; ++i) {
        auto more = rows.reader().next(rec);
        if (!more) {
            throw Error(
                ExitCode::invalid_input,
                fmt::format("{} changed while it was read; not rewritten", file.source->name()));
        }
        if (!*more) {
            break;
        }
        rec.fields.resize(file.csv_header.size());
        if (auto it = assigned.find(i); it != assigned.end()) {
            const Assigned& as = it->second;
            rec.fields[id_col] = as.id;
            if (as.customer_number) {
                rec.fields[cust_col] = std::to_string(*as.customer_number);
            }
            if (as.vendor_number) {
                rec.fields[vend_col] = std::to_string(*as.vendor_number);
            }
        }
        w.write_row(rec.fields);
        if (text.tellp() > 64 * 1024) {
            flush();
        }
    }
    flush();
    out.commit();
}

} // namespace lexsync::contacts
