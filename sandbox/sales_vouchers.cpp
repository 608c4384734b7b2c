#include "sandbox/sales_vouchers.hpp"

#include "sandbox/contacts.hpp"
#include "sandbox/documents.hpp"
#include "sandbox/payments.hpp"
#include "sandbox/reference_data.hpp"
#include "sandbox/resource_util.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

namespace lexsync::sandbox::sales {

namespace {

constexpr SalesType k_types[] = {
    {"invoices", "invoice", "RE", "Rechnung"},
    {"credit-notes", "creditnote", "GS", "Gutschrift"},
    {"quotations", "quotation", "AG", "Angebot"},
    {"order-confirmations", "orderconfirmation", "AB", "Auftragsbestätigung"},
};

constexpr std::size_t k_max_line_items = 300;
constexpr const char* k_default_layout = "7c2e9b3a-5d41-4f6e-9a8b-1c2d3e4f5a01";
constexpr const char* k_tax_types[] = {"net",
                                       "gross",
                                       "vatfree",
                                       "intraCommunitySupply",
                                       "constructionService13b",
                                       "externalService13b",
                                       "thirdPartyCountryService",
                                       "thirdPartyCountryDelivery",
                                       "photovoltaicEquipment"};
constexpr const char* k_shipping_types[] = {"service", "serviceperiod", "delivery",
                                            "deliveryperiod", "none"};
constexpr const char* k_item_types[] = {"custom", "material", "service", "text"};

bool is_credit(const SalesType& t) {
    return std::string_view(t.path) == "credit-notes";
}

bool is_invoice(const SalesType& t) {
    return std::string_view(t.path) == "invoices";
}

bool is_quotation(const SalesType& t) {
    return std::string_view(t.path) == "quotations";
}

template <std::size_t N> bool one_of(const std::string& v, const char* const (&set)[N]) {
    return std::any_of(std::begin(set), std::end(set), [&](const char* s) { return v == s; });
}

Decimal hundred() {
    return Decimal::from_int(100);
}

// a × b / c rounded once, half away from zero, to 2 places (c not zero).
Decimal share_2_places(Decimal a, Decimal b, Decimal c) {
    __extension__ typedef __int128 Wide;
    // a·b/c in units is a.units·b.units/c.units; a cent is 100 units.
    Wide n = Wide(a.units()) * b.units();
    Wide d = Wide(c.units()) * 100;
    if (d < 0) {
        n = -n;
        d = -d;
    }
    const bool negative = n < 0;
    const Wide m = negative ? -n : n;
    Wide q = m / d;
    if ((m % d) * 2 >= d) {
        ++q;
    }
    return Decimal::from_units(static_cast<std::int64_t>((negative ? -q : q) * 100));
}

// Collects violations while normalising a request body into the stored document.
class Checker {
public:
    explicit Checker(std::vector<Violation>& out) : m_out(out) {}

    void fail(const std::string& violation, const std::string& field, const std::string& msg) {
        m_out.push_back({violation, field, msg});
    }

    // A string of at most `max` characters (0 = unlimited); nullopt when absent or invalid.
    std::optional<std::string> text(const JsonValue& obj, const char* key, const std::string& field,
                                    std::size_t max = 0) {
        const JsonValue* v = member(obj, key);
        if (!v) {
            return std::nullopt;
        }
        if (!v->IsString()) {
            fail("INVALID", field, "muss eine Zeichenkette sein");
            return std::nullopt;
        }
        std::string s(v->GetString(), v->GetStringLength());
        if (max > 0 && utf8_length(s) > max) {
            fail("SIZE", field, "Größe muss zwischen 0 und " + std::to_string(max) + " sein");
            return std::nullopt;
        }
        return s;
    }

    // A decimal with at most `places` decimals; nullopt when absent or invalid.
    std::optional<Decimal> amount(const JsonValue& obj, const char* key, const std::string& field,
                                  int places, bool required) {
        const JsonValue* v = member(obj, key);
        if (!v) {
            if (required) {
                fail("NOTNULL", field, "darf nicht leer sein");
            }
            return std::nullopt;
        }
        const auto d = v->IsNumber() ? read_decimal(*v) : std::nullopt;
        if (!d || d->rounded(places) != *d) {
            fail("DECIMAL", field,
                 "numerischer Wert außerhalb des gültigen Bereichs (<" + std::to_string(places) +
                     " Nachkommastellen>)");
            return std::nullopt;
        }
        return d;
    }

    // A strict timestamp; nullopt when absent or invalid.
    std::optional<std::chrono::system_clock::time_point>
    timestamp(const JsonValue& obj, const char* key, const std::string& field, bool required) {
        const JsonValue* v = member(obj, key);
        if (!v) {
            if (required) {
                fail("NOTNULL", field, "darf nicht leer sein");
            }
            return std::nullopt;
        }
        const auto t = v->IsString()
                           ? parse_timestamp(std::string_view(v->GetString(), v->GetStringLength()))
                           : std::nullopt;
        if (!t) {
            fail("PATTERN", field,
                 "Ungültiges Datumsformat, erwartet yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        }
        return t;
    }

    bool ok() const { return m_out.empty(); }

private:
    std::vector<Violation>& m_out;
};

// Tax rates allowed on `date` for German net/gross documents.
std::set<std::int64_t> german_rates(std::chrono::year_month_day date) {
    using namespace std::chrono;
    const year_month_day from{year(2020), July, day(1)};
    const year_month_day to{year(2020), December, day(31)};
    if (sys_days(date) >= sys_days(from) && sys_days(date) <= sys_days(to)) {
        return {0, 5 * Decimal::k_scale, 16 * Decimal::k_scale};
    }
    return {0, 7 * Decimal::k_scale, 19 * Decimal::k_scale};
}

std::string voucher_number(const SalesType& t, std::int64_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%04lld", t.prefix, static_cast<long long>(n));
    return buf;
}

// One priced line for the totals.
struct PricedLine {
    Decimal rate;
    Decimal amount; // lineItemAmount (net for net-like tax types, gross for gross)
};

// Totals per §9.4: tax per rate group on the (discounted) group sum, rounded to 2 places.
struct Totals {
    Decimal net;
    Decimal gross;
    Decimal tax;
    Decimal discount; // total discount in the document's price basis
    struct Group {
        Decimal rate;
        Decimal net;
        Decimal tax;
    };
    std::vector<Group> groups; // by rate, highest first
};

Totals compute_totals(const std::vector<PricedLine>& lines, bool gross_prices,
                      std::optional<Decimal> discount_percent,
                      std::optional<Decimal> discount_absolute) {
    std::map<Decimal, Decimal, std::greater<>> sums;
    Decimal all{};
    for (const auto& l : lines) {
        sums[l.rate] += l.amount;
        all += l.amount;
    }
    // The total discount split over the rate groups in proportion to their sums; the last group
    // takes the rounding remainder. [U] The service's exact split is not documented.
    std::map<Decimal, Decimal, std::greater<>> discounts;
    Decimal total_discount{};
    if (discount_percent && *discount_percent > Decimal{}) {
        for (const auto& [rate, sum] : sums) {
            // Rounded once: sum and percentage have 2 decimals, so their product is exact.
            const Decimal d = (sum * *discount_percent).rounded(0) / hundred();
            discounts[rate] = d;
            total_discount += d;
        }
    } else if (discount_absolute && *discount_absolute > Decimal{} && all != Decimal{}) {
        Decimal left = *discount_absolute;
        std::size_t i = 0;
        for (const auto& [rate, sum] : sums) {
            // Rounded once (rounding the 4-place quotient again could be a cent off).
            const Decimal d =
                ++i == sums.size() ? left : share_2_places(*discount_absolute, sum, all);
            discounts[rate] = d;
            left = left - d;
        }
        total_discount = *discount_absolute;
    }
    Totals t;
    t.discount = total_discount;
    for (const auto& [rate, sum] : sums) {
        const Decimal base = sum - discounts[rate];
        Totals::Group g;
        g.rate = rate;
        if (gross_prices) {
            g.tax = (base * rate / (hundred() + rate)).rounded(2);
            g.net = base - g.tax;
        } else {
            g.net = base;
            g.tax = (base * rate / hundred()).rounded(2);
        }
        t.net += g.net;
        t.tax += g.tax;
        t.groups.push_back(g);
    }
    t.gross = t.net + t.tax;
    return t;
}

// The stored contact `id`, parsed; false when unknown.
bool load_contact(Store& store, const std::string& org_id, const std::string& id,
                  JsonDocument& out) {
    const auto r = store.get(org_id, contacts::k_kind, id);
    return r && parse_json(out, r->doc) && out.IsObject();
}

JsonDocument load_doc(const StoredResource& r) {
    JsonDocument d;
    parse_json(d, r.doc);
    return d;
}

void set_member(JsonValue& obj, const char* key, JsonValue v, JsonAllocator& a) {
    const auto it = obj.FindMember(key);
    if (it != obj.MemberEnd()) {
        it->value = v;
    } else {
        obj.AddMember(JsonValue(key, a), v, a);
    }
}

JsonValue related(const std::string& id, const std::string& number, const std::string& type,
                  JsonAllocator& a) {
    JsonValue r(rapidjson::kObjectType);
    r.AddMember("id", json_str(id, a), a);
    r.AddMember("voucherNumber", json_str(number, a), a);
    r.AddMember("voucherType", json_str(type, a), a);
    return r;
}

// The buyer reference of an XRechnung document, or "" for a regular one.
std::string buyer_reference(Store& store, const std::string& org_id, const JsonValue& doc) {
    if (member_string(doc, "electronicDocumentProfile") != "XRechnung") {
        return {};
    }
    if (const JsonValue* x = member(doc, "xRechnung")) {
        const std::string b = member_string(*x, "buyerReference");
        if (!b.empty()) {
            return b;
        }
    }
    const JsonValue* address = member(doc, "address");
    JsonDocument contact;
    if (address && load_contact(store, org_id, member_string(*address, "contactId"), contact)) {
        if (const JsonValue* x = member(contact, "xRechnung")) {
            return member_string(*x, "buyerReference");
        }
    }
    return {};
}

// Renders the document of a finalized voucher once and returns its file id.
std::string ensure_rendered(Store& store, const std::string& org_id, const SalesType& type,
                            StoredResource& r) {
    JsonDocument doc = load_doc(r);
    if (const JsonValue* files = member(doc, "files")) {
        const std::string id = member_string(*files, "documentFileId");
        if (!id.empty() && store.get_file(org_id, id)) {
            return id;
        }
    }
    const JsonDocument profile = organization_profile(store, org_id);
    const std::string company = member_string(profile, "companyName");
    StoredFile f;
    f.id = new_uuid();
    f.voucher_id = r.id;
    f.content_type = "application/pdf";
    f.extension = "pdf";
    f.data = documents::make_pdf(documents::voucher_lines(doc, company));
    const std::string buyer = buyer_reference(store, org_id, doc);
    if (!buyer.empty()) {
        f.xml = documents::make_xrechnung(doc, is_credit(type), company, buyer);
    }
    store.put_file(org_id, f);
    auto& a = doc.GetAllocator();
    JsonValue files(rapidjson::kObjectType);
    files.AddMember("documentFileId", json_str(f.id, a), a);
    set_member(doc, "files", std::move(files), a);
    r.doc = to_json(doc);
    store.put(org_id, type.path, r);
    return f.id;
}

} // namespace

const SalesType* type_for_path(std::string_view segment) {
    for (const auto& t : k_types) {
        if (segment == t.path) {
            return &t;
        }
    }
    return nullptr;
}

namespace {

// One sales voucher request, read section by section into the parts of the document to store,
// in the order the service reports its violations (create() runs the readers, then answers the
// violations or stores the document). Each reader adds what it refuses to `violations`.
struct SalesBody {
    SalesBody(Store& s, const ApiRequest& r, const SalesType& t, const JsonValue& body, bool fin)
        : store(s), req(r), type(t), in(body), finalize(fin), credit(is_credit(t)),
          invoice(is_invoice(t)), quotation(is_quotation(t)),
          profile(organization_profile(s, r.org_id)) {}

    Store& store;
    const ApiRequest& req;
    const SalesType& type;
    const JsonValue& in;
    const bool finalize;
    const bool credit;
    const bool invoice;
    const bool quotation;
    const JsonDocument profile;
    std::vector<Violation> violations;
    Checker c{violations};
    JsonDocument out{rapidjson::kObjectType}; // the document to store
    JsonDocument::AllocatorType& a = out.GetAllocator();

    std::optional<std::chrono::system_clock::time_point> voucher_date;
    std::optional<std::chrono::system_clock::time_point> expiration_date;
    // The date the tax rates are checked against (§7.3).
    std::optional<std::chrono::system_clock::time_point> rate_date;
    JsonValue address{rapidjson::kObjectType};
    std::string contact_id;
    bool contact_xrechnung = false;
    std::string tax_type;
    JsonValue tax_conditions{rapidjson::kObjectType};
    bool gross_prices = false;
    bool taxed = false;
    JsonValue shipping{rapidjson::kObjectType};
    bool with_shipping = false;
    std::set<std::int64_t> rates = {0};
    bool any_rate = false;
    JsonValue items{rapidjson::kArrayType};
    std::vector<PricedLine> priced;
    std::optional<Decimal> discount_percent;
    std::optional<Decimal> discount_absolute;
    std::optional<std::string> language;
    std::optional<std::string> title;
    std::optional<std::string> introduction;
    std::optional<std::string> remark;
    std::optional<std::string> layout;
    std::optional<std::string> delivery_terms;
    JsonValue payment{rapidjson::kObjectType};
    std::int64_t term_days = 14;
    std::string profile_name = "NONE";
    JsonValue xrechnung{rapidjson::kNullType};
    std::optional<StoredResource> preceding;

    // Reads every section; an answer when the request is refused before validation (pursue).
    std::optional<ApiResponse> read() {
        read_dates();
        read_address();
        read_tax_conditions();
        read_shipping();
        allowed_rates();
        read_line_items();
        read_total_price();
        read_texts();
        read_payment_conditions();
        read_xrechnung();
        return read_pursue();
    }

    // Dates. Quotations need an expiration date (§9.6).
    void read_dates() {
        voucher_date = c.timestamp(in, "voucherDate", "voucherDate", true);
        if (quotation) {
            expiration_date = c.timestamp(in, "expirationDate", "expirationDate", true);
            if (voucher_date && expiration_date && *expiration_date < *voucher_date) {
                // [U] The service's check and text are not documented.
                c.fail("INVALID", "expirationDate",
                       "Das Ablaufdatum darf nicht vor dem Angebotsdatum liegen");
            }
        }
    }

    void read_address() {
        const JsonValue* in_address = member(in, "address");
        if (!in_address || !in_address->IsObject()) {
            c.fail("NOTNULL", "address", "darf nicht leer sein");
        } else if (member(*in_address, "contactId")) {
            address_from_contact(*in_address);
        } else {
            address_inline(*in_address);
        }
    }

    // The address of the contact named by contactId, with the fields sent overriding it.
    void address_from_contact(const JsonValue& in_address) {
        const std::string cid = ascii_lower(member_string(in_address, "contactId"));
        JsonDocument contact;
        if (!is_uuid(cid) || !load_contact(store, req.org_id, cid, contact)) {
            c.fail("INVALID", "address.contactId", "Kontakt existiert nicht");
            return;
        }
        contact_id = cid;
        address.AddMember("contactId", json_str(cid, a), a);
        std::string name = contact_display_name(contact);
        std::map<std::string, std::string> fields;
        if (const JsonValue* addrs = member(contact, "addresses")) {
            const JsonValue* billing = member(*addrs, "billing");
            if (billing && billing->IsArray() && !billing->Empty()) {
                for (const char* k : {"supplement", "street", "zip", "city", "countryCode"}) {
                    fields[k] = member_string((*billing)[0], k);
                }
            }
        }
        if (const JsonValue* x = member(contact, "xRechnung")) {
            const std::string buyer = member_string(*x, "buyerReference");
            contact_xrechnung =
                !buyer.empty() && !member_string(*x, "vendorNumberAtCustomer").empty();
        }
        // Fields sent override the contact's address for this document.
        if (const auto n = c.text(in_address, "name", "address.name")) {
            name = *n;
        }
        for (const char* k : {"supplement", "street", "zip", "city", "countryCode"}) {
            if (const auto v = c.text(in_address, k, std::string("address.") + k)) {
                fields[k] = *v;
            }
        }
        if (fields["countryCode"].empty()) {
            fields["countryCode"] = "DE"; // [U] a contact without address
        }
        if (!is_valid_country_code(fields["countryCode"])) {
            c.fail("INVALID", "address.countryCode", "Ungültiger Ländercode");
        }
        address.AddMember("name", json_str(name, a), a);
        for (const char* k : {"supplement", "street", "city", "zip", "countryCode"}) {
            if (!fields[k].empty()) {
                address.AddMember(json_str(k, a), json_str(fields[k], a), a);
            }
        }
    }

    // An address without a contact.
    void address_inline(const JsonValue& in_address) {
        const auto name = c.text(in_address, "name", "address.name");
        if (!name || name->find_first_not_of(" \t") == std::string::npos) {
            c.fail("NOTBLANK", "address.name", "darf nicht leer sein");
        }
        const auto cc = c.text(in_address, "countryCode", "address.countryCode");
        if (!cc) {
            c.fail("NOTNULL", "address.countryCode", "darf nicht leer sein");
        } else if (!is_valid_country_code(*cc)) {
            c.fail("INVALID", "address.countryCode", "Ungültiger Ländercode");
        }
        if (name) {
            address.AddMember("name", json_str(*name, a), a);
        }
        for (const char* k : {"supplement", "street", "city", "zip"}) {
            if (const auto v = c.text(in_address, k, std::string("address.") + k)) {
                address.AddMember(json_str(k, a), json_str(*v, a), a);
            }
        }
        if (cc) {
            address.AddMember("countryCode", json_str(*cc, a), a);
        }
    }

    void read_tax_conditions() {
        const JsonValue* in_tax = member(in, "taxConditions");
        if (!in_tax || !in_tax->IsObject()) {
            c.fail("NOTNULL", "taxConditions", "darf nicht leer sein");
        } else {
            const auto tt = c.text(*in_tax, "taxType", "taxConditions.taxType");
            if (!tt) {
                c.fail("NOTNULL", "taxConditions.taxType", "darf nicht leer sein");
            } else if (!one_of(*tt, k_tax_types)) {
                c.fail("INVALID", "taxConditions.taxType", "Ungültiger Steuertyp '" + *tt + "'");
            } else {
                tax_type = *tt;
                tax_conditions.AddMember("taxType", json_str(*tt, a), a);
            }
            if (const auto sub = c.text(*in_tax, "taxSubType", "taxConditions.taxSubType")) {
                if (*sub != "distanceSales" && *sub != "electronicServices") {
                    c.fail("INVALID", "taxConditions.taxSubType", "Ungültiger Steuer-Subtyp");
                } else {
                    tax_conditions.AddMember("taxSubType", json_str(*sub, a), a);
                }
            }
            if (const auto note = c.text(*in_tax, "taxTypeNote", "taxConditions.taxTypeNote")) {
                tax_conditions.AddMember("taxTypeNote", json_str(*note, a), a);
            }
        }
        gross_prices = tax_type == "gross";
        taxed = tax_type == "net" || tax_type == "gross";
        if (!tax_type.empty() && !taxed && tax_type != "vatfree" && contact_id.empty()) {
            c.fail("NOTNULL", "address.contactId",
                   "Für den Steuertyp '" + tax_type + "' ist ein Kontakt erforderlich");
        }
        if (!tax_type.empty() && member_string(profile, "taxType") == "vatfree" &&
            tax_type != "vatfree") {
            c.fail("INVALID", "taxConditions.taxType",
                   "Steuerbefreite Organisationen können nur 'vatfree' verwenden");
        }
    }

    // Shipping conditions (required on invoices and order confirmations, optional on quotations)
    // and the date the tax rates are checked against (§7.3: the voucher date for quotations and
    // credit notes).
    void read_shipping() {
        rate_date = voucher_date;
        with_shipping = !credit && (!quotation || member(in, "shippingConditions"));
        if (with_shipping) {
            const JsonValue* in_ship = member(in, "shippingConditions");
            if (!in_ship || !in_ship->IsObject()) {
                c.fail("NOTNULL", "shippingConditions", "The shipping conditions must not be null");
            } else {
                const auto st = c.text(*in_ship, "shippingType", "shippingConditions.shippingType");
                if (!st) {
                    c.fail("NOTNULL", "shippingConditions.shippingType", "darf nicht leer sein");
                } else if (!one_of(*st, k_shipping_types)) {
                    c.fail("INVALID", "shippingConditions.shippingType", "Ungültige Lieferart");
                } else {
                    const bool period = *st == "serviceperiod" || *st == "deliveryperiod";
                    const auto start = c.timestamp(
                        *in_ship, "shippingDate", "shippingConditions.shippingDate", *st != "none");
                    const auto end = c.timestamp(*in_ship, "shippingEndDate",
                                                 "shippingConditions.shippingEndDate", period);
                    if (period && start && end && *end < *start) {
                        c.fail("INVALID", "shippingConditions.shippingEndDate",
                               "Das Enddatum darf nicht vor dem Startdatum liegen");
                    }
                    if (start && *st != "none") {
                        shipping.AddMember("shippingDate", json_str(format_berlin(*start), a), a);
                        rate_date = quotation ? voucher_date : start;
                    }
                    if (end && period) {
                        shipping.AddMember("shippingEndDate", json_str(format_berlin(*end), a), a);
                        rate_date = quotation ? voucher_date : end;
                    }
                    shipping.AddMember("shippingType", json_str(*st, a), a);
                }
            }
        }
    }

    // Allowed tax rates.
    void allowed_rates() {
        if (taxed) {
            if (rate_date) {
                rates = german_rates(berlin::local_date(*rate_date));
            }
            // [U] EU destination rates are accepted (not checked per country) for distance sales
            // and electronic services when the organisation taxes at destination.
            any_rate = tax_conditions.HasMember("taxSubType") &&
                       member_string(profile, "distanceSalesPrinciple") == "DESTINATION";
        }
    }

    void read_line_items() {
        const JsonValue* in_items = member(in, "lineItems");
        // A draft may have no line items yet (reference §14: `lineItems: []` answered 201).
        if (!in_items || !in_items->IsArray() || (in_items->Empty() && finalize)) {
            c.fail("NOTEMPTY", "lineItems", "darf nicht leer sein");
        } else if (in_items->Size() > k_max_line_items) {
            c.fail("SIZE", "lineItems", "Größe muss zwischen 1 und 300 sein");
        } else {
            for (rapidjson::SizeType i = 0; i < in_items->Size(); ++i) {
                read_line_item((*in_items)[i], "lineItems[" + std::to_string(i) + "]");
            }
        }
    }

    // One line item `it` at field path `f`.
    void read_line_item(const JsonValue& it, const std::string& f) {
        if (!it.IsObject()) {
            c.fail("INVALID", f, "ungültige Position");
            return;
        }
        if (quotation && member(it, "subItems")) {
            // [U] Alternative sub-items of quotations are not emulated; refused rather than
            // dropped.
            c.fail("INVALID", f + ".subItems", "Alternativpositionen werden nicht unterstützt");
            return;
        }
        JsonValue item(rapidjson::kObjectType);
        const auto t = c.text(it, "type", f + ".type");
        if (!t) {
            c.fail("NOTNULL", f + ".type", "darf nicht leer sein");
            return;
        }
        if (!one_of(*t, k_item_types)) {
            c.fail("INVALID", f + ".type", "Ungültiger Positionstyp '" + *t + "'");
            return;
        }
        const auto name = c.text(it, "name", f + ".name", 255);
        const auto description = c.text(it, "description", f + ".description", 2000);
        if (*t == "text") {
            if (!name && !description) {
                c.fail("NOTBLANK", f + ".name", "darf nicht leer sein");
            }
            item.AddMember("type", "text", a);
            if (name) {
                item.AddMember("name", json_str(*name, a), a);
            }
            if (description) {
                item.AddMember("description", json_str(*description, a), a);
            }
            items.PushBack(item, a);
            return;
        }
        if (!name || name->find_first_not_of(" \t") == std::string::npos) {
            c.fail("NOTBLANK", f + ".name", "darf nicht leer sein");
        }
        std::string article_id;
        if (*t == "material" || *t == "service") {
            article_id = ascii_lower(member_string(it, "id"));
            if (!is_uuid(article_id)) {
                c.fail("NOTNULL", f + ".id", "darf nicht leer sein");
            }
        }
        const auto quantity = c.amount(it, "quantity", f + ".quantity", 4, true);
        const auto unit = c.text(it, "unitName", f + ".unitName");
        if (!unit || unit->empty()) {
            c.fail("NOTBLANK", f + ".unitName", "darf nicht leer sein");
        }
        const auto discount =
            c.amount(it, "discountPercentage", f + ".discountPercentage", 2, false);
        if (discount && (*discount < Decimal{} || *discount > hundred())) {
            c.fail("RANGE", f + ".discountPercentage", "muss zwischen 0 und 100 liegen");
        }
        const JsonValue* price = member(it, "unitPrice");
        if (!price || !price->IsObject()) {
            c.fail("NOTNULL", f + ".unitPrice", "darf nicht leer sein");
            return;
        }
        const std::string pf = f + ".unitPrice";
        const auto currency = c.text(*price, "currency", pf + ".currency");
        if (currency && *currency != "EUR") {
            c.fail("INVALID", pf + ".currency", "Nur EUR wird unterstützt");
        }
        const auto rate = c.amount(*price, "taxRatePercentage", pf + ".taxRatePercentage", 2, true);
        const auto net =
            c.amount(*price, "netAmount", pf + ".netAmount", 4, !gross_prices && !tax_type.empty());
        const auto gross = c.amount(*price, "grossAmount", pf + ".grossAmount", 4, gross_prices);
        if (rate && !tax_type.empty()) {
            const bool allowed = any_rate ? (*rate >= Decimal{} && *rate <= hundred())
                                          : rates.count(rate->units()) > 0;
            if (!allowed) {
                c.fail("INVALID", pf + ".taxRatePercentage",
                       "Der Steuersatz " + rate->to_string() +
                           " ist für das Leistungsdatum nicht gültig");
            }
        }
        if (!c.ok() || !rate || !quantity || !(gross_prices ? gross : net)) {
            return;
        }
        Decimal unit_net{};
        Decimal unit_gross{};
        if (gross_prices) {
            unit_gross = *gross;
            unit_net = *gross * hundred() / (hundred() + *rate);
        } else {
            unit_net = *net;
            unit_gross = *net * (hundred() + *rate) / hundred();
        }
        const Decimal basis = gross_prices ? unit_gross : unit_net;
        const Decimal factor = (hundred() - discount.value_or(Decimal{})) / hundred();
        const Decimal line_amount = (*quantity * basis * factor).rounded(2);
        // Optional quotation items do not count into the totals (§11 item 23).
        const JsonValue* optional_flag = member(it, "optional");
        const bool optional_item =
            quotation && optional_flag && optional_flag->IsBool() && optional_flag->GetBool();
        if (!optional_item) {
            priced.push_back({*rate, line_amount});
        }
        if (!article_id.empty()) {
            item.AddMember("id", json_str(article_id, a), a);
        }
        item.AddMember("type", json_str(*t, a), a);
        item.AddMember("name", json_str(*name, a), a);
        if (description) {
            item.AddMember("description", json_str(*description, a), a);
        }
        item.AddMember("quantity", decimal_value(*quantity, a), a);
        item.AddMember("unitName", json_str(*unit, a), a);
        JsonValue up(rapidjson::kObjectType);
        up.AddMember("currency", "EUR", a);
        up.AddMember("netAmount", decimal_value(unit_net, a), a);
        up.AddMember("grossAmount", decimal_value(unit_gross, a), a);
        up.AddMember("taxRatePercentage", decimal_value(*rate, a), a);
        item.AddMember("unitPrice", up, a);
        item.AddMember("discountPercentage", decimal_value(discount.value_or(Decimal{}), a), a);
        item.AddMember("lineItemAmount", decimal_value(line_amount, a), a);
        if (optional_item) {
            item.AddMember("optional", true, a);
        }
        items.PushBack(item, a);
    }

    void read_total_price() {
        const JsonValue* in_total = member(in, "totalPrice");
        if (!in_total || !in_total->IsObject()) {
            c.fail("NOTNULL", "totalPrice", "darf nicht leer sein");
        } else {
            const auto currency = c.text(*in_total, "currency", "totalPrice.currency");
            if (!currency) {
                c.fail("NOTNULL", "totalPrice.currency", "darf nicht leer sein");
            } else if (*currency != "EUR") {
                c.fail("INVALID", "totalPrice.currency", "Nur EUR wird unterstützt");
            }
            discount_percent = c.amount(*in_total, "totalDiscountPercentage",
                                        "totalPrice.totalDiscountPercentage", 2, false);
            discount_absolute = c.amount(*in_total, "totalDiscountAbsolute",
                                         "totalPrice.totalDiscountAbsolute", 2, false);
            if (discount_percent &&
                (*discount_percent < Decimal{} || *discount_percent > hundred())) {
                c.fail("RANGE", "totalPrice.totalDiscountPercentage",
                       "muss zwischen 0 und 100 liegen");
            }
            if (discount_absolute && *discount_absolute < Decimal{}) {
                c.fail("RANGE", "totalPrice.totalDiscountAbsolute", "darf nicht negativ sein");
            }
            if (discount_percent && discount_absolute && *discount_percent > Decimal{} &&
                *discount_absolute > Decimal{}) {
                // [U] Both kinds of total discount at once are refused.
                c.fail("INVALID", "totalPrice",
                       "totalDiscountAbsolute und totalDiscountPercentage schließen sich aus");
            }
        }
    }

    // Texts, language, layout.
    void read_texts() {
        language = c.text(in, "language", "language");
        if (language && *language != "de" && *language != "en") {
            c.fail("INVALID", "language", "Ungültige Sprache");
        }
        title = c.text(in, "title", "title", 25);
        introduction = c.text(in, "introduction", "introduction", 2000);
        remark = c.text(in, "remark", "remark", 2000);
        layout = c.text(in, "printLayoutId", "printLayoutId");
        // Delivery terms: order confirmations (and delivery notes) only (§9.6).
        delivery_terms = type.path == std::string_view("order-confirmations")
                             ? c.text(in, "deliveryTerms", "deliveryTerms", 255)
                             : std::nullopt;
    }

    void read_payment_conditions() {
        if (!credit) {
            const JsonValue* in_pay = member(in, "paymentConditions");
            if (in_pay && in_pay->IsObject()) {
                const JsonValue* d = member(*in_pay, "paymentTermDuration");
                if (d && (!d->IsInt64() || d->GetInt64() < 0)) {
                    c.fail("INVALID", "paymentConditions.paymentTermDuration", "ungültige Dauer");
                } else if (d) {
                    term_days = d->GetInt64();
                }
                const auto label =
                    c.text(*in_pay, "paymentTermLabel", "paymentConditions.paymentTermLabel");
                payment.AddMember(
                    "paymentTermLabel",
                    json_str(label.value_or("Zahlbar innerhalb von " + std::to_string(term_days) +
                                            " Tagen ohne Abzug."),
                             a),
                    a);
                payment.AddMember("paymentTermDuration", term_days, a);
                if (const JsonValue* dc = member(*in_pay, "paymentDiscountConditions")) {
                    JsonValue copy(rapidjson::kObjectType);
                    const auto pct = c.amount(*dc, "discountPercentage",
                                              "paymentConditions.paymentDiscountConditions."
                                              "discountPercentage",
                                              2, false);
                    const JsonValue* range = member(*dc, "discountRange");
                    // [U] The ranges are not documented; the emulator takes a percentage from 0 to
                    // 100 and a whole number of days from 0 to the payment term.
                    if (pct && (*pct < Decimal{} || *pct > hundred())) {
                        c.fail("RANGE",
                               "paymentConditions.paymentDiscountConditions.discountPercentage",
                               "muss zwischen 0 und 100 liegen");
                    } else if (pct) {
                        copy.AddMember("discountPercentage", decimal_value(*pct, a), a);
                    }
                    if (range && (!range->IsInt64() || range->GetInt64() < 0 ||
                                  range->GetInt64() > term_days)) {
                        c.fail("INVALID",
                               "paymentConditions.paymentDiscountConditions.discountRange",
                               "ungültige Dauer");
                    } else if (range) {
                        copy.AddMember("discountRange", range->GetInt64(), a);
                    }
                    payment.AddMember("paymentDiscountConditions", copy, a);
                }
            } else {
                // The organisation's default payment condition.
                payment.AddMember("paymentTermLabel", "Zahlbar innerhalb von 14 Tagen ohne Abzug.",
                                  a);
                payment.AddMember("paymentTermLabelTemplate",
                                  "Zahlbar innerhalb von {paymentRange} Tagen ohne Abzug.", a);
                payment.AddMember("paymentTermDuration", 14, a);
            }
        }
    }

    void read_xrechnung() {
        if (const JsonValue* x = member(in, "xRechnung"); x && x->IsObject() && invoice) {
            const JsonValue* b = member(*x, "buyerReference");
            if (b && b->IsString()) {
                const std::string ref(b->GetString(), b->GetStringLength());
                if (!ref.empty() && !contact_xrechnung) {
                    c.fail("INVALID", "xRechnung.buyerReference",
                           "Der Kontakt ist nicht für XRechnung eingerichtet");
                }
                if (ref.empty()) {
                    contact_xrechnung = false; // an empty string forces a standard invoice
                } else {
                    xrechnung.SetObject();
                    xrechnung.AddMember("buyerReference", json_str(ref, a), a);
                }
            }
        }
        if (contact_xrechnung && tax_type == "net" && invoice) {
            profile_name = "XRechnung";
        }
    }

    // Pursue: a credit note for an invoice (precedingSalesVoucherId).
    std::optional<ApiResponse> read_pursue() {
        if (const auto pid = req.param("precedingSalesVoucherId")) {
            const std::string id = ascii_lower(*pid);
            if (credit && is_uuid(id)) {
                preceding = store.get(req.org_id, "invoices", id);
            }
            if (!preceding) {
                return regular_error(406, req.path,
                                     "The preceding sales voucher cannot be pursued to a " +
                                         std::string(type.voucher_type));
            }
            const JsonDocument p = load_doc(*preceding);
            if (member_string(p, "voucherStatus") == "draft") {
                return regular_error(
                    406, req.path,
                    "The preceding sales voucher is in status 'draft' and cannot be "
                    "pursued");
            }
            if (const JsonValue* rel = member(p, "relatedVouchers"); rel && rel->IsArray()) {
                for (const auto& r : rel->GetArray()) {
                    if (member_string(r, "voucherType") == "creditnote") {
                        return regular_error(406, req.path,
                                             "The invoice already has a credit note");
                    }
                }
            }
        }

        return std::nullopt;
    }

    // Stores the validated document, its payments and the link to the pursued invoice, and
    // emits the events.
    ApiResponse store_document() {
        const Totals totals =
            compute_totals(priced, gross_prices, discount_percent, discount_absolute);

        sqlite::Transaction tx(store.db());
        StoredResource r;
        r.id = new_uuid();
        r.version = 1;
        r.created = now_timestamp();
        r.updated = r.created;
        const std::string number =
            voucher_number(type, store.next_number(req.org_id, type.voucher_type, 1));
        const std::string status = finalize ? (preceding ? "paidoff" : "open") : "draft";
        const std::string date_text = format_berlin(*voucher_date);

        JsonDocument pdoc;
        if (preceding) {
            pdoc = load_doc(*preceding);
        }
        add_document_members(r, number, status, date_text, totals, pdoc);
        r.doc = to_json(out);
        store.put(req.org_id, type.path, r);

        if (finalize) {
            if (preceding) {
                // Linked and finalized: the credit note settles itself and lowers the invoice.
                payments::settle(store, req.org_id, r.id, date_text);
                const Decimal left =
                    payments::add_item(store, req.org_id, preceding->id, "partPaymentCreditNote",
                                       date_text, totals.gross);
                if (left == Decimal{}) {
                    // An invoice fully offset by its credit note is paid: paidoff belongs to credit
                    // notes (reference §14).
                    set_member(pdoc, "voucherStatus", json_str("paid", pdoc.GetAllocator()),
                               pdoc.GetAllocator());
                }
            } else if (invoice || credit) {
                // Quotations and order confirmations have no payment state.
                payments::open(store, req.org_id, r.id, totals.gross);
            }
        }
        if (preceding) {
            auto& pa = pdoc.GetAllocator();
            JsonValue* prel = nullptr;
            if (pdoc.HasMember("relatedVouchers") && pdoc["relatedVouchers"].IsArray()) {
                prel = &pdoc["relatedVouchers"];
            } else {
                set_member(pdoc, "relatedVouchers", JsonValue(rapidjson::kArrayType), pa);
                prel = &pdoc["relatedVouchers"];
            }
            prel->PushBack(related(r.id, number, type.voucher_type, pa), pa);
            preceding->version += 1;
            preceding->updated = now_timestamp();
            set_member(pdoc, "version", JsonValue(preceding->version), pa);
            set_member(pdoc, "updatedDate", json_str(preceding->updated, pa), pa);
            preceding->doc = to_json(pdoc);
            store.put(req.org_id, "invoices", *preceding);
        }
        tx.commit();
        // Webhook events: "invoices" → "invoice.created", "credit-notes" → "credit-note.created".
        store.emit(req.org_id,
                   std::string(type.path).substr(0, std::strlen(type.path) - 1) + ".created", r.id);
        if (preceding) {
            store.emit(req.org_id, "invoice.changed", preceding->id);
            if (member_string(pdoc, "voucherStatus") == "paid") {
                store.emit(req.org_id, "invoice.status.changed", preceding->id);
            }
        }
        return action_result(201, req, type.path, r, true);
    }

    // The members of the stored document, in the service's order.
    void add_document_members(const StoredResource& r, const std::string& number,
                              const std::string& status, const std::string& date_text,
                              const Totals& totals, const JsonDocument& pdoc) {
        out.AddMember("id", json_str(r.id, a), a);
        out.AddMember("organizationId", json_str(req.org_id, a), a);
        out.AddMember("createdDate", json_str(r.created, a), a);
        out.AddMember("updatedDate", json_str(r.updated, a), a);
        out.AddMember("version", r.version, a);
        out.AddMember("language", json_str(language.value_or("de"), a), a);
        out.AddMember("archived", false, a);
        out.AddMember("voucherStatus", json_str(status, a), a);
        out.AddMember("voucherNumber", json_str(number, a), a);
        out.AddMember("voucherDate", json_str(date_text, a), a);
        if (expiration_date) {
            out.AddMember("expirationDate", json_str(format_berlin(*expiration_date), a), a);
        }
        if (finalize && invoice) {
            out.AddMember("dueDate",
                          json_str(format_berlin(*voucher_date + std::chrono::days(term_days)), a),
                          a);
        }
        out.AddMember("address", address, a);
        if (invoice && xrechnung.IsObject()) {
            out.AddMember("xRechnung", xrechnung, a); // absent, not null, without a buyer reference
        }
        out.AddMember("electronicDocumentProfile", json_str(profile_name, a), a);
        out.AddMember("lineItems", items, a);
        JsonValue total(rapidjson::kObjectType);
        total.AddMember("currency", "EUR", a);
        total.AddMember("totalNetAmount", decimal_value(totals.net, a), a);
        total.AddMember("totalGrossAmount", decimal_value(totals.gross, a), a);
        total.AddMember("totalTaxAmount", decimal_value(totals.tax, a), a);
        if (totals.discount > Decimal{}) {
            total.AddMember("totalDiscountAbsolute", decimal_value(totals.discount, a), a);
        }
        if (discount_percent && *discount_percent > Decimal{}) {
            total.AddMember("totalDiscountPercentage", decimal_value(*discount_percent, a), a);
        }
        out.AddMember("totalPrice", total, a);
        JsonValue tax_amounts(rapidjson::kArrayType);
        for (const auto& g : totals.groups) {
            JsonValue t(rapidjson::kObjectType);
            t.AddMember("taxRatePercentage", decimal_value(g.rate, a), a);
            t.AddMember("taxAmount", decimal_value(g.tax, a), a);
            t.AddMember("netAmount", decimal_value(g.net, a), a);
            tax_amounts.PushBack(t, a);
        }
        out.AddMember("taxAmounts", tax_amounts, a);
        out.AddMember("taxConditions", tax_conditions, a);
        if (!credit) {
            out.AddMember("paymentConditions", payment, a);
        }
        if (with_shipping) {
            out.AddMember("shippingConditions", shipping, a);
        }
        if (delivery_terms) {
            out.AddMember("deliveryTerms", json_str(*delivery_terms, a), a);
        }
        if (invoice) {
            out.AddMember("closingInvoice", false, a); // an ordinary invoice (reference §14)
        }
        JsonValue rel(rapidjson::kArrayType);
        if (preceding) {
            rel.PushBack(related(preceding->id, member_string(pdoc, "voucherNumber"), "invoice", a),
                         a);
        }
        out.AddMember("relatedVouchers", rel, a);
        if (finalize) {
            out.AddMember("printLayoutId",
                          json_str(layout.value_or(std::string(k_default_layout)), a), a);
        }
        out.AddMember("title", json_str(title.value_or(std::string(type.label)), a), a);
        const char* default_introduction =
            credit      ? "Wir erlauben uns, Ihnen folgende Gutschrift auszustellen."
            : quotation ? "Gerne unterbreiten wir Ihnen folgendes Angebot."
            : invoice   ? "Unsere Lieferungen/Leistungen stellen wir Ihnen wie folgt in Rechnung."
                        : "Hiermit bestätigen wir Ihren Auftrag wie folgt.";
        out.AddMember("introduction", json_str(introduction.value_or(default_introduction), a), a);
        out.AddMember("remark",
                      json_str(remark.value_or("Vielen Dank für die gute Zusammenarbeit."), a), a);
    }
};

} // namespace

ApiResponse create(Store& store, const ApiRequest& req, const SalesType& type) {
    JsonDocument in;
    if (!parse_json(in, req.body) || !in.IsObject()) {
        // [U] The body of an unreadable JSON request is not documented.
        return regular_error(400, req.path, "Malformed JSON request body");
    }
    bool finalize = false;
    if (const auto f = req.param("finalize")) {
        const std::string l = ascii_lower(*f);
        if (l != "true" && l != "false") {
            return regular_error(400, req.path,
                                 "Invalid value '" + *f +
                                     "' received for request parameter "
                                     "'finalize'");
        }
        finalize = l == "true";
    }
    SalesBody b(store, req, type, in, finalize);
    if (auto refused = b.read()) {
        return std::move(*refused);
    }
    if (!b.violations.empty()) {
        return validation_error(req.path, b.violations);
    }
    return b.store_document();
}

ApiResponse get(Store& store, const ApiRequest& req, const SalesType& type, const std::string& id) {
    const auto r = store.get(req.org_id, type.path, id);
    if (!r) {
        return regular_error(404, req.path, "Resource not found");
    }
    // Number formats as recorded from the live API (reference §14): computed money and the tax
    // groups' rates with two decimals; the unit price's rate an integer on invoices ("19") and
    // with one decimal on the other types ("19.0").
    JsonDocument doc = load_doc(*r);
    auto& a = doc.GetAllocator();
    format_fixed(doc,
                 {"lineItems[].lineItemAmount", "totalPrice.totalNetAmount",
                  "totalPrice.totalGrossAmount", "totalPrice.totalTaxAmount",
                  "totalPrice.totalDiscountAbsolute", "taxAmounts[].netAmount",
                  "taxAmounts[].taxAmount", "taxAmounts[].taxRatePercentage"},
                 2, a);
    if (!is_invoice(type)) {
        // "a float on credit notes and other sales vouchers" (§14).
        format_fixed(doc, {"lineItems[].unitPrice.taxRatePercentage"}, 1, a);
    }
    return json_response(200, doc);
}

ApiResponse file(Store& store, const ApiRequest& req, const SalesType& type,
                 const std::string& id) {
    auto r = store.get(req.org_id, type.path, id);
    if (!r) {
        return regular_error(404, req.path, "Resource not found");
    }
    JsonDocument doc = load_doc(*r);
    if (member_string(doc, "voucherStatus") == "draft") {
        return regular_error(409, req.path,
                             std::string(type.label) + " " + r->id +
                                 " is in status 'draft' and therefore cannot be downloaded");
    }
    const bool xrechnung = member_string(doc, "electronicDocumentProfile") == "XRechnung";
    // Accept rules of §9.4: the first acceptable media type decides.
    enum class Pick { none, pdf, xml };
    Pick pick = Pick::none;
    bool wanted_xml = false;
    for (const auto& t : accepted_types(req.accept)) {
        if (t == "*/*" || t == "application/*") {
            pick = xrechnung ? Pick::xml : Pick::pdf;
        } else if (t == "application/pdf") {
            pick = Pick::pdf;
        } else if (t == "application/xml" || t == "text/xml") {
            wanted_xml = true;
            if (xrechnung) {
                pick = Pick::xml;
            }
        }
        if (pick != Pick::none) {
            break;
        }
    }
    if (pick == Pick::none) {
        return wanted_xml ? regular_error(404, req.path, "No XML representation available")
                          : regular_error(406, req.path, "Requested media type not supported");
    }
    sqlite::Transaction tx(store.db());
    const std::string file_id = ensure_rendered(store, req.org_id, type, *r);
    tx.commit();
    const auto f = store.get_file(req.org_id, file_id);
    if (!f) {
        return regular_error(500, req.path, "Internal server error");
    }
    ApiResponse res;
    const std::string number = member_string(doc, "voucherNumber");
    if (pick == Pick::xml && !f->xml.empty()) {
        res.body = f->xml;
        res.content_type = "application/xml";
        res.headers.emplace_back("Content-Disposition",
                                 "inline; filename=" + std::string(type.label) + "_" + number +
                                     ".xml;");
    } else {
        res.body = f->data;
        res.content_type = "application/pdf";
        res.headers.emplace_back("Content-Disposition",
                                 "inline; filename=" + std::string(type.label) + "_" + number +
                                     ".pdf;"); // trailing ';' as recorded (reference §14)
    }
    return res;
}

ApiResponse document(Store& store, const ApiRequest& req, const SalesType& type,
                     const std::string& id) {
    auto r = store.get(req.org_id, type.path, id);
    if (!r) {
        return regular_error(404, req.path, "Resource not found");
    }
    if (member_string(load_doc(*r), "voucherStatus") == "draft") {
        return regular_error(406, req.path,
                             "Requesting PDF document is not possible in state draft");
    }
    sqlite::Transaction tx(store.db());
    const std::string file_id = ensure_rendered(store, req.org_id, type, *r);
    tx.commit();
    JsonDocument d(rapidjson::kObjectType);
    d.AddMember("documentFileId", json_str(file_id, d.GetAllocator()), d.GetAllocator());
    return json_response(200, d);
}

} // namespace lexsync::sandbox::sales
