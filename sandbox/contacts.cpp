#include "sandbox/contacts.hpp"

#include "sandbox/reference_data.hpp"
#include "sandbox/resource_util.hpp"

#include <algorithm>
#include <cctype>
#include <lexsync/util/strings.hpp>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace lexsync::sandbox::contacts {

namespace {

constexpr std::int64_t k_first_customer_number = 10001;
constexpr std::int64_t k_first_vendor_number = 70001;
constexpr std::size_t k_note_max = 1000;
constexpr std::size_t k_salutation_max = 25;
constexpr std::int64_t k_default_page_size = 25;
constexpr std::int64_t k_max_page_size = 500;
constexpr std::size_t k_filter_min = 3;
constexpr std::size_t k_filter_max = 128;

constexpr const char* k_email_categories[] = {"business", "office", "private", "other"};
constexpr const char* k_phone_categories[] = {"business", "office", "mobile",
                                              "private",  "fax",    "other"};
constexpr const char* k_roles[] = {"customer", "vendor"};

enum class Mode { create, update, seed };

// Builds the writable part of a contact from a request body, collecting issues.
class Normaliser {
public:
    Normaliser(JsonValue& out, JsonAllocator& a, std::vector<Issue>& issues, Mode mode)
        : m_out(out), m_a(a), m_issues(issues), m_mode(mode) {}

    void run(const JsonValue& in) {
        const JsonValue* company = member(in, "company");
        const JsonValue* person = member(in, "person");
        if (company && person) {
            issue("invalid_value", "company and person");
        } else if (!company && !person) {
            issue("missing_entity", "company or person");
        } else if (company) {
            normalise_company(*company);
        } else {
            normalise_person(*person);
        }
        if (const JsonValue* addresses = member(in, "addresses")) {
            normalise_addresses(*addresses);
        }
        if (const JsonValue* x = member(in, "xRechnung")) {
            normalise_xrechnung(*x);
        }
        if (const JsonValue* emails = member(in, "emailAddresses")) {
            normalise_lists(*emails, "emailAddresses", k_email_categories);
        }
        if (const JsonValue* phones = member(in, "phoneNumbers")) {
            normalise_lists(*phones, "phoneNumbers", k_phone_categories);
        }
        copy_string(in, m_out, "note", "note", k_note_max);
    }

private:
    bool limits() const { return m_mode != Mode::seed; }

    void issue(const std::string& key, const std::string& source) {
        m_issues.push_back({key, source});
    }

    // Copies string `key` of `src` to `dst`; false when it was present but invalid.
    bool copy_string(const JsonValue& src, JsonValue& dst, const char* key,
                     const std::string& source, std::size_t max_len = 0) {
        const JsonValue* v = member(src, key);
        if (!v) {
            return true;
        }
        if (!v->IsString()) {
            issue("invalid_value", source);
            return false;
        }
        const std::string_view s(v->GetString(), v->GetStringLength());
        if (max_len > 0 && utf8_length(s) > max_len) {
            issue("invalid_value", source);
            return false;
        }
        dst.AddMember(json_str(key, m_a), json_str(s, m_a), m_a);
        return true;
    }

    void copy_bool(const JsonValue& src, JsonValue& dst, const char* key,
                   const std::string& source) {
        const JsonValue* v = member(src, key);
        if (!v) {
            return;
        }
        if (!v->IsBool()) {
            issue("invalid_value", source);
            return;
        }
        dst.AddMember(json_str(key, m_a), JsonValue(v->GetBool()), m_a);
    }

    // Requires a non-blank string `key` in `obj`.
    void require_string(const JsonValue& obj, const char* key, const std::string& source) {
        const JsonValue* v = member(obj, key);
        if (!v) {
            issue("missing_entity", source);
            return;
        }
        if (v->IsString()) {
            std::string_view s(v->GetString(), v->GetStringLength());
            if (s.find_first_not_of(" \t\r\n") == std::string_view::npos) {
                issue("missing_entity", source);
            }
        }
    }

    void normalise_company(const JsonValue& in) {
        if (!in.IsObject()) {
            issue("invalid_value", "company");
            return;
        }
        JsonValue c(rapidjson::kObjectType);
        require_string(in, "name", "company.name");
        copy_string(in, c, "name", "company.name");
        copy_string(in, c, "taxNumber", "company.taxNumber");
        copy_string(in, c, "vatRegistrationId", "company.vatRegistrationId");
        copy_bool(in, c, "allowTaxFreeInvoices", "company.allowTaxFreeInvoices");
        if (!c.HasMember("allowTaxFreeInvoices")) {
            c.AddMember("allowTaxFreeInvoices", false, m_a); // always sent (reference §14)
        }
        if (const JsonValue* persons = member(in, "contactPersons")) {
            if (!persons->IsArray()) {
                issue("invalid_value", "company.contactPersons");
            } else {
                if (limits() && persons->Size() > 1) {
                    issue("invalid_value", "company.contactPersons.size");
                }
                JsonValue list(rapidjson::kArrayType);
                for (rapidjson::SizeType i = 0; i < persons->Size(); ++i) {
                    const std::string prefix = "company.contactPersons[" + std::to_string(i) + "]";
                    const JsonValue& p = (*persons)[i];
                    if (!p.IsObject()) {
                        issue("invalid_value", prefix);
                        continue;
                    }
                    JsonValue o(rapidjson::kObjectType);
                    copy_string(p, o, "salutation", prefix + ".salutation", k_salutation_max);
                    copy_string(p, o, "firstName", prefix + ".firstName");
                    require_string(p, "lastName", prefix + ".lastName");
                    copy_string(p, o, "lastName", prefix + ".lastName");
                    copy_bool(p, o, "primary", prefix + ".primary");
                    copy_string(p, o, "emailAddress", prefix + ".emailAddress");
                    copy_string(p, o, "phoneNumber", prefix + ".phoneNumber");
                    list.PushBack(o, m_a);
                }
                c.AddMember("contactPersons", list, m_a);
            }
        }
        m_out.AddMember("company", c, m_a);
    }

    void normalise_person(const JsonValue& in) {
        if (!in.IsObject()) {
            issue("invalid_value", "person");
            return;
        }
        JsonValue p(rapidjson::kObjectType);
        copy_string(in, p, "salutation", "person.salutation", k_salutation_max);
        copy_string(in, p, "firstName", "person.firstName");
        require_string(in, "lastName", "person.lastName");
        copy_string(in, p, "lastName", "person.lastName");
        m_out.AddMember("person", p, m_a);
    }

    void normalise_addresses(const JsonValue& in) {
        if (!in.IsObject()) {
            issue("invalid_value", "addresses");
            return;
        }
        JsonValue out(rapidjson::kObjectType);
        for (const char* kind : {"billing", "shipping"}) {
            const JsonValue* list = member(in, kind);
            if (!list) {
                continue;
            }
            const std::string base = std::string("addresses.") + kind;
            if (!list->IsArray()) {
                issue("invalid_value", base);
                continue;
            }
            if (limits() && list->Size() > 1) {
                issue("invalid_value", base + ".size");
            }
            JsonValue arr(rapidjson::kArrayType);
            for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
                const std::string prefix = base + "[" + std::to_string(i) + "]";
                const JsonValue& a = (*list)[i];
                if (!a.IsObject()) {
                    issue("invalid_value", prefix);
                    continue;
                }
                JsonValue o(rapidjson::kObjectType);
                copy_string(a, o, "supplement", prefix + ".supplement");
                copy_string(a, o, "street", prefix + ".street");
                copy_string(a, o, "zip", prefix + ".zip");
                copy_string(a, o, "city", prefix + ".city");
                const JsonValue* cc = member(a, "countryCode");
                if (!cc) {
                    issue("missing_entity", prefix + ".countryCode");
                } else if (!cc->IsString() || !is_valid_country_code(std::string_view(
                                                  cc->GetString(), cc->GetStringLength()))) {
                    issue("countrycode_is_not_valid", prefix + ".countryCode");
                } else {
                    copy_string(a, o, "countryCode", prefix + ".countryCode");
                }
                arr.PushBack(o, m_a);
            }
            out.AddMember(json_str(kind, m_a), arr, m_a);
        }
        m_out.AddMember("addresses", out, m_a);
    }

    void normalise_xrechnung(const JsonValue& in) {
        if (!in.IsObject()) {
            issue("invalid_value", "xRechnung");
            return;
        }
        JsonValue x(rapidjson::kObjectType);
        copy_string(in, x, "buyerReference", "xRechnung.buyerReference");
        copy_string(in, x, "vendorNumberAtCustomer", "xRechnung.vendorNumberAtCustomer");
        const JsonValue* buyer = member(in, "buyerReference");
        const bool has_buyer = buyer && buyer->IsString() && buyer->GetStringLength() > 0;
        const JsonValue* vendor_number = member(in, "vendorNumberAtCustomer");
        const bool has_vendor_number =
            vendor_number && vendor_number->IsString() && vendor_number->GetStringLength() > 0;
        if (has_buyer && !has_vendor_number) {
            issue("missing_entity", "xRechnung.vendorNumberAtCustomer");
        }
        m_out.AddMember("xRechnung", x, m_a);
    }

    template <std::size_t N>
    void normalise_lists(const JsonValue& in, const char* name, const char* const (&cats)[N]) {
        if (!in.IsObject()) {
            issue("invalid_value", name);
            return;
        }
        JsonValue out(rapidjson::kObjectType);
        // Unknown categories are ignored like any unknown property.
        for (const char* cat : cats) {
            const JsonValue* list = member(in, cat);
            if (!list) {
                continue;
            }
            const std::string base = std::string(name) + "." + cat;
            if (!list->IsArray()) {
                issue("invalid_value", base);
                continue;
            }
            if (limits() && list->Size() > 1) {
                issue("invalid_value", base + ".size");
            }
            JsonValue arr(rapidjson::kArrayType);
            for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
                const JsonValue& v = (*list)[i];
                if (!v.IsString()) {
                    issue("invalid_value", base + "[" + std::to_string(i) + "]");
                    continue;
                }
                arr.PushBack(json_str(std::string_view(v.GetString(), v.GetStringLength()), m_a),
                             m_a);
            }
            out.AddMember(json_str(cat, m_a), arr, m_a);
        }
        m_out.AddMember(json_str(name, m_a), out, m_a);
    }

    JsonValue& m_out;
    JsonAllocator& m_a;
    std::vector<Issue>& m_issues;
    Mode m_mode;
};

// The roles requested in a body: which roles, and explicit numbers (seeds only).
struct RoleRequest {
    bool customer = false;
    bool vendor = false;
    std::optional<std::int64_t> customer_number;
    std::optional<std::int64_t> vendor_number;
};

RoleRequest parse_roles(const JsonValue& in, Mode mode, std::vector<Issue>& issues) {
    RoleRequest r;
    const auto it = in.FindMember("roles");
    if (it == in.MemberEnd() || it->value.IsNull()) {
        issues.push_back({"missing_entity", "roles.customer or roles.vendor"});
        return r;
    }
    if (!it->value.IsObject()) {
        issues.push_back({"invalid_value", "roles"});
        return r;
    }
    for (const char* role : k_roles) {
        const auto rit = it->value.FindMember(role);
        if (rit == it->value.MemberEnd() || rit->value.IsNull()) {
            continue;
        }
        const std::string source = std::string("roles.") + role;
        if (!rit->value.IsObject()) {
            issues.push_back({"invalid_value", source});
            continue;
        }
        std::optional<std::int64_t> number;
        const auto nit = rit->value.FindMember("number");
        if (nit != rit->value.MemberEnd() && !nit->value.IsNull()) {
            if (mode == Mode::create) {
                // A new role must be sent as an empty object; numbers are assigned.
                issues.push_back({"invalid_value", source + ".number"});
            } else if (mode == Mode::seed && nit->value.IsInt64()) {
                number = nit->value.GetInt64();
            }
            // On update, echoed numbers are read-only and ignored.
        }
        if (std::string_view(role) == "customer") {
            r.customer = true;
            r.customer_number = number;
        } else {
            r.vendor = true;
            r.vendor_number = number;
        }
    }
    if (!r.customer && !r.vendor) {
        issues.push_back({"missing_entity", "roles.customer or roles.vendor"});
    }
    return r;
}

// Reads an existing role number from a stored contact.
std::optional<std::int64_t> role_number(const JsonValue& doc, const char* role) {
    const auto roles = doc.FindMember("roles");
    if (roles == doc.MemberEnd() || !roles->value.IsObject()) {
        return std::nullopt;
    }
    const auto r = roles->value.FindMember(role);
    if (r == roles->value.MemberEnd() || !r->value.IsObject()) {
        return std::nullopt;
    }
    const auto n = r->value.FindMember("number");
    if (n == r->value.MemberEnd() || !n->value.IsInt64()) {
        return std::nullopt;
    }
    return n->value.GetInt64();
}

bool has_role(const JsonValue& doc, const char* role) {
    const auto roles = doc.FindMember("roles");
    return roles != doc.MemberEnd() && roles->value.IsObject() && roles->value.HasMember(role);
}

// Assembles a stored contact in the order the service serialises it.
void assemble(JsonDocument& doc, const std::string& id, const std::string& org_id,
              std::int64_t version, std::optional<std::int64_t> customer_number,
              std::optional<std::int64_t> vendor_number, bool customer, bool vendor,
              const JsonValue& body, bool archived) {
    auto& a = doc.GetAllocator();
    doc.SetObject();
    doc.AddMember("id", json_str(id, a), a);
    doc.AddMember("organizationId", json_str(org_id, a), a);
    doc.AddMember("version", version, a);
    JsonValue roles(rapidjson::kObjectType);
    if (customer) {
        JsonValue c(rapidjson::kObjectType);
        c.AddMember("number", *customer_number, a);
        roles.AddMember("customer", c, a);
    }
    if (vendor) {
        JsonValue v(rapidjson::kObjectType);
        v.AddMember("number", *vendor_number, a);
        roles.AddMember("vendor", v, a);
    }
    doc.AddMember("roles", roles, a);
    for (const auto& m : body.GetObject()) {
        doc.AddMember(JsonValue(m.name, a), JsonValue(m.value, a), a);
    }
    doc.AddMember("archived", archived, a);
}

// Parses a request body as a JSON object or answers 400.
std::optional<ApiResponse> parse_body(const ApiRequest& req, JsonDocument& in) {
    in.Parse(req.body.c_str(), req.body.size());
    if (in.HasParseError() || !in.IsObject()) {
        // [U] The exact 400 body for unreadable JSON is not documented.
        return legacy_error(400, {{"bad_request_error", "request body"}},
                            "Request body is not a valid JSON object");
    }
    return std::nullopt;
}

// Searchable names: the company name, or the person's name in both orders.
std::vector<std::string> names_of(const JsonValue& doc) {
    std::vector<std::string> out;
    const auto company = doc.FindMember("company");
    if (company != doc.MemberEnd() && company->value.IsObject()) {
        out.push_back(member_string(company->value, "name"));
        return out;
    }
    const auto person = doc.FindMember("person");
    if (person != doc.MemberEnd() && person->value.IsObject()) {
        const std::string first = member_string(person->value, "firstName");
        const std::string last = member_string(person->value, "lastName");
        // [U] How the service composes a person's name for search is not documented.
        out.push_back(first.empty() ? last : first + " " + last);
        out.push_back(first.empty() ? last : last + " " + first);
    }
    return out;
}

std::string sort_key(const JsonValue& doc) {
    const auto company = doc.FindMember("company");
    if (company != doc.MemberEnd() && company->value.IsObject()) {
        return fold_case(member_string(company->value, "name"));
    }
    const auto person = doc.FindMember("person");
    if (person != doc.MemberEnd() && person->value.IsObject()) {
        return fold_case(member_string(person->value, "lastName") + " " +
                         member_string(person->value, "firstName"));
    }
    return {};
}

// Every e-mail address of a contact, including its contact persons' (since 2024-04-22).
std::vector<std::string> emails_of(const JsonValue& doc) {
    std::vector<std::string> out;
    const auto emails = doc.FindMember("emailAddresses");
    if (emails != doc.MemberEnd() && emails->value.IsObject()) {
        for (const auto& cat : emails->value.GetObject()) {
            if (cat.value.IsArray()) {
                for (const auto& e : cat.value.GetArray()) {
                    if (e.IsString()) {
                        out.emplace_back(e.GetString(), e.GetStringLength());
                    }
                }
            }
        }
    }
    const auto company = doc.FindMember("company");
    if (company != doc.MemberEnd() && company->value.IsObject()) {
        const auto persons = company->value.FindMember("contactPersons");
        if (persons != company->value.MemberEnd() && persons->value.IsArray()) {
            for (const auto& p : persons->value.GetArray()) {
                const std::string e = member_string(p, "emailAddress");
                if (!e.empty()) {
                    out.push_back(e);
                }
            }
        }
    }
    return out;
}

bool any_matches(const std::vector<std::string>& texts, const std::string& pattern) {
    // Clients send search strings HTML-escaped (§4.4); the stored text is compared in that form.
    return std::any_of(texts.begin(), texts.end(), [&](const std::string& t) {
        return like_contains(html_escape(t), pattern);
    });
}

ApiResponse bad_query(const std::string& source, const std::string& message) {
    return legacy_error(400, {{"invalid_value", source}}, message);
}

} // namespace

ApiResponse create(Store& store, const ApiRequest& req) {
    JsonDocument in;
    if (auto bad = parse_body(req, in)) {
        return *bad;
    }
    std::vector<Issue> issues;
    const auto version = in.FindMember("version");
    if (version == in.MemberEnd() || version->value.IsNull()) {
        issues.push_back({"missing_entity", "version"});
    } else if (!version->value.IsInt64() || version->value.GetInt64() != 0) {
        issues.push_back({"invalid_value", "version"});
    }
    const RoleRequest roles = parse_roles(in, Mode::create, issues);
    JsonDocument scratch;
    JsonValue body(rapidjson::kObjectType);
    Normaliser(body, scratch.GetAllocator(), issues, Mode::create).run(in);
    if (!issues.empty()) {
        return legacy_error(406, issues);
    }

    sqlite::Transaction tx(store.db());
    std::optional<std::int64_t> customer_number;
    std::optional<std::int64_t> vendor_number;
    if (roles.customer) {
        customer_number = store.next_number(req.org_id, "customer", k_first_customer_number);
    }
    if (roles.vendor) {
        vendor_number = store.next_number(req.org_id, "vendor", k_first_vendor_number);
    }
    StoredResource r;
    r.id = new_uuid();
    r.version = 1;
    r.created = now_timestamp();
    r.updated = r.created;
    JsonDocument doc;
    assemble(doc, r.id, req.org_id, r.version, customer_number, vendor_number, roles.customer,
             roles.vendor, body, false);
    r.doc = to_json(doc);
    store.put(req.org_id, k_kind, r);
    tx.commit();
    store.emit(req.org_id, "contact.created", r.id);
    // [U] Two SDK test suites saw 201 for contacts, one expected 200; 201 matches the other
    // creation endpoints and any client accepting 2xx.
    return action_result(201, req, "contacts", r, true);
}

ApiResponse get(Store& store, const ApiRequest& req, const std::string& id) {
    const auto r = store.get(req.org_id, k_kind, id);
    if (!r) {
        return regular_error(404, req.path, "Contact not found");
    }
    ApiResponse res;
    res.body = r->doc;
    return res;
}

ApiResponse update(Store& store, const ApiRequest& req, const std::string& id) {
    const auto existing = store.get(req.org_id, k_kind, id);
    if (!existing) {
        return regular_error(404, req.path, "Contact not found");
    }
    JsonDocument in;
    if (auto bad = parse_body(req, in)) {
        return *bad;
    }
    std::vector<Issue> issues;
    std::optional<std::int64_t> sent_version;
    const auto version = in.FindMember("version");
    if (version == in.MemberEnd() || version->value.IsNull()) {
        // A forgotten version is a missing field, not a conflict.
        issues.push_back({"missing_entity", "version"});
    } else if (!version->value.IsInt64()) {
        issues.push_back({"invalid_value", "version"});
    } else {
        sent_version = version->value.GetInt64();
    }
    const RoleRequest roles = parse_roles(in, Mode::update, issues);
    JsonDocument scratch;
    JsonValue body(rapidjson::kObjectType);
    Normaliser(body, scratch.GetAllocator(), issues, Mode::update).run(in);
    if (!issues.empty()) {
        return legacy_error(406, issues);
    }
    if (*sent_version != existing->version) {
        // Measured: contacts answer a stale version with 406, not the documented 409.
        return legacy_error(406, {{"invalid_value", "version"}});
    }

    JsonDocument old;
    old.Parse(existing->doc.c_str(), existing->doc.size());
    bool archived = false;
    if (old.HasMember("archived") && old["archived"].IsBool()) {
        archived = old["archived"].GetBool(); // read-only: a sent value is ignored
    }
    sqlite::Transaction tx(store.db());
    std::optional<std::int64_t> customer_number = role_number(old, "customer");
    std::optional<std::int64_t> vendor_number = role_number(old, "vendor");
    // [U] Removing a role is accepted (roles are replaced like everything else); a role added
    // later gets a new number.
    if (roles.customer && !customer_number) {
        customer_number = store.next_number(req.org_id, "customer", k_first_customer_number);
    }
    if (roles.vendor && !vendor_number) {
        vendor_number = store.next_number(req.org_id, "vendor", k_first_vendor_number);
    }
    StoredResource r = *existing;
    r.version = existing->version + 1;
    r.updated = now_timestamp();
    JsonDocument doc;
    assemble(doc, r.id, req.org_id, r.version, customer_number, vendor_number, roles.customer,
             roles.vendor, body, archived);
    r.doc = to_json(doc);
    store.put(req.org_id, k_kind, r);
    tx.commit();
    store.emit(req.org_id, "contact.changed", r.id);
    return action_result(200, req, "contacts", r, false);
}

ApiResponse list(Store& store, const ApiRequest& req, long listing_window) {
    std::int64_t page = 0;
    std::int64_t size = k_default_page_size;
    if (const auto p = req.param("page")) {
        const auto v = parse_int(*p);
        if (!v) {
            return bad_query("page", "parameter 'page' is invalid");
        }
        page = std::max<std::int64_t>(0, *v); // [U] negative pages read as the first page
    }
    if (const auto s = req.param("size")) {
        const auto v = parse_int(*s);
        if (!v) {
            return bad_query("size", "parameter 'size' is invalid");
        }
        if (*v > k_max_page_size) {
            return bad_query("size", "parameter 'size' exceeds the limit");
        }
        size = *v < 1 ? k_default_page_size : *v;
    }
    const auto email = req.param("email");
    const auto name = req.param("name");
    for (const auto& [key, value] : {std::pair{"email", email}, std::pair{"name", name}}) {
        if (value) {
            const std::size_t len = utf8_length(*value);
            if (len < k_filter_min || len > k_filter_max) {
                // Measured: the message names a size range although only the minimum is usual.
                return bad_query(key, "size must be between 3 and 128");
            }
        }
    }
    std::optional<std::int64_t> number;
    if (const auto n = req.param("number")) {
        number = parse_int(*n);
        if (!number) {
            return bad_query("number", "parameter 'number' is invalid");
        }
    }
    std::optional<bool> customer;
    std::optional<bool> vendor;
    for (auto [key, target] : {std::pair{"customer", &customer}, std::pair{"vendor", &vendor}}) {
        if (const auto v = req.param(key)) {
            const std::string l = ascii_lower(*v);
            if (l != "true" && l != "false") {
                return bad_query(key, std::string("parameter '") + key + "' is invalid");
            }
            *target = l == "true";
        }
    }

    // What filtering and sorting need of each contact, derived once per change of the
    // organisation's contacts (large seeds would otherwise be parsed again for every page).
    struct Row {
        std::string key;
        std::string id;
        bool customer = false;
        bool vendor = false;
        std::optional<std::int64_t> customer_number;
        std::optional<std::int64_t> vendor_number;
        std::vector<std::string> names;
        std::vector<std::string> emails;
        std::string doc;
    };
    struct Cache {
        const Store* store = nullptr;
        std::string org;
        std::string fingerprint;
        std::vector<Row> rows; // sorted by name, then id
    };
    static Cache cache;
    static std::mutex cache_mutex; // several servers may run in one process (tests)
    std::lock_guard cache_lock(cache_mutex);
    const std::string fingerprint = store.fingerprint(req.org_id, k_kind);
    if (cache.store != &store || cache.org != req.org_id || cache.fingerprint != fingerprint) {
        cache = Cache{&store, req.org_id, fingerprint, {}};
        for (auto& r : store.list(req.org_id, k_kind)) {
            JsonDocument doc;
            doc.Parse(r.doc.c_str(), r.doc.size());
            if (doc.HasParseError() || !doc.IsObject()) {
                continue;
            }
            cache.rows.push_back({sort_key(doc), r.id, has_role(doc, "customer"),
                                  has_role(doc, "vendor"), role_number(doc, "customer"),
                                  role_number(doc, "vendor"), names_of(doc), emails_of(doc),
                                  std::move(r.doc)});
        }
        std::sort(cache.rows.begin(), cache.rows.end(), [](const Row& x, const Row& y) {
            return x.key != y.key ? x.key < y.key : x.id < y.id;
        });
    }
    std::vector<const Row*> rows;
    for (const auto& r : cache.rows) {
        if ((customer && r.customer != *customer) || (vendor && r.vendor != *vendor)) {
            continue;
        }
        if (number && r.customer_number != number && r.vendor_number != number) {
            continue;
        }
        if ((name && !any_matches(r.names, *name)) || (email && !any_matches(r.emails, *email))) {
            continue;
        }
        rows.push_back(&r);
    }

    // [U] The live service caps totalElements at 10,000 (a search-index window) and refuses pages
    // that start beyond it; `listing_window` 0 switches the cap off.
    std::int64_t total = static_cast<std::int64_t>(rows.size());
    if (listing_window > 0) {
        if (page * size >= listing_window && page > 0) {
            return bad_query("page", "Maximum search window size exceeded");
        }
        total = std::min<std::int64_t>(total, listing_window);
    }
    const std::int64_t begin = std::min(total, page * size);
    const std::int64_t end = std::min(total, begin + size);
    const std::int64_t total_pages = (total + size - 1) / size;

    JsonDocument d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    JsonValue content(rapidjson::kArrayType);
    for (std::int64_t i = begin; i < end; ++i) {
        JsonDocument item(&a);
        const std::string& text = rows[static_cast<std::size_t>(i)]->doc;
        item.Parse(text.c_str(), text.size());
        content.PushBack(item.Move(), a);
    }
    d.AddMember("content", content, a);
    d.AddMember("first", page == 0, a);
    d.AddMember("last", page >= total_pages - 1, a);
    d.AddMember("totalPages", total_pages, a);
    d.AddMember("totalElements", total, a);
    d.AddMember("numberOfElements", end - begin, a);
    d.AddMember("size", size, a);
    d.AddMember("number", page, a);
    JsonValue sort(rapidjson::kArrayType);
    JsonValue by_name(rapidjson::kObjectType);
    by_name.AddMember("property", "name", a);
    by_name.AddMember("direction", "ASC", a);
    by_name.AddMember("ignoreCase", false, a);
    by_name.AddMember("nullHandling", "NATIVE", a);
    by_name.AddMember("ascending", true, a);
    sort.PushBack(by_name, a);
    d.AddMember("sort", sort, a);
    return json_response(200, d);
}

bool is_bank_accounts_path(const std::string& path) {
    const std::string prefix = "/v1/contacts/";
    if (path.compare(0, prefix.size(), prefix) != 0) {
        return false;
    }
    const std::string rest = path.substr(prefix.size());
    const auto slash = rest.find('/');
    return slash != std::string::npos && slash > 0 &&
           rest.compare(slash, 13, "/bankaccounts") == 0 &&
           (rest.size() == slash + 13 || rest[slash + 13] == '/');
}

ApiResponse bank_accounts(Store& store, const ApiRequest& req, const std::string& contact_id,
                          const std::string& account_id) {
    const auto contact = store.get(req.org_id, k_kind, contact_id);
    if (!contact) {
        return regular_error(404, req.path, "Contact not found");
    }
    auto of_contact = [&](const StoredResource& r) {
        JsonDocument d;
        d.Parse(r.doc.c_str(), r.doc.size());
        return member_string(d, "contactId") == contact_id;
    };
    // The bank account as served: without the contactId the sandbox keeps with it.
    auto served = [](const StoredResource& r) {
        JsonDocument d;
        d.Parse(r.doc.c_str(), r.doc.size());
        d.RemoveMember("contactId");
        return to_json(d);
    };
    if (req.method == "GET" && account_id.empty()) {
        std::string body = "[";
        for (const auto& r : store.list(req.org_id, k_bank_accounts_kind)) {
            if (of_contact(r)) {
                body += (body.size() > 1 ? "," : "") + served(r);
            }
        }
        ApiResponse res;
        res.body = body + "]";
        return res;
    }
    if (req.method == "GET") {
        const auto r = store.get(req.org_id, k_bank_accounts_kind, account_id);
        if (!r || !of_contact(*r)) {
            return regular_error(404, req.path, "Bank account not found");
        }
        ApiResponse res;
        res.body = served(*r);
        return res;
    }
    const bool post = req.method == "POST" && account_id.empty();
    const bool put = req.method == "PUT" && !account_id.empty();
    const bool del = req.method == "DELETE" && !account_id.empty();
    if (!post && !put && !del) {
        return regular_error(404, req.path, "No route found for " + req.method + " " + req.path);
    }
    std::optional<StoredResource> existing;
    if (!post) {
        existing = store.get(req.org_id, k_bank_accounts_kind, account_id);
        if (!existing || !of_contact(*existing)) {
            return regular_error(404, req.path, "Bank account not found");
        }
    }
    if (del) {
        // 204 without a body (§2, §9.2).
        store.remove(req.org_id, k_bank_accounts_kind, account_id);
        ApiResponse res;
        res.status = 204;
        return res;
    }
    JsonDocument in;
    if (auto bad = parse_body(req, in)) {
        return *bad;
    }
    // All four data fields are required (§9.2); `version` is ignored on POST and required on PUT,
    // where it is the contact's version (§5.2).
    std::vector<Issue> issues;
    for (const char* key : {"accountHolder", "bankName", "iban", "bic"}) {
        if (member_string(in, key).empty()) {
            issues.push_back({"missing_entity", key});
        }
    }
    if (put) {
        const auto version = in.FindMember("version");
        if (version == in.MemberEnd() || version->value.IsNull()) {
            issues.push_back({"missing_entity", "version"});
        } else if (!version->value.IsInt64()) {
            issues.push_back({"invalid_value", "version"});
        } else if (issues.empty() && version->value.GetInt64() != contact->version) {
            // [U] The documented answer to a stale version is 409; contacts are measured to
            // answer 406 naming `version` (§5.2), and a bank account uses its contact's version,
            // so it answers as its contact does. Clients that follow §5.2 treat both as a conflict.
            issues.push_back({"invalid_value", "version"});
        }
    }
    if (!issues.empty()) {
        return legacy_error(406, issues);
    }
    StoredResource r;
    r.id = put ? existing->id : new_uuid();
    // [D] A bank account carries the contact's version; [U] whether writing one changes the
    // contact's version is not known: the sandbox leaves the contact as it is.
    r.version = contact->version;
    r.created = put ? existing->created : now_timestamp();
    r.updated = now_timestamp();
    JsonDocument doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    doc.AddMember("id", json_str(r.id, a), a);
    for (const char* key : {"accountHolder", "bankName", "iban", "bic"}) {
        doc.AddMember(rapidjson::StringRef(key), json_str(member_string(in, key), a), a);
    }
    doc.AddMember("version", r.version, a);
    // Kept for the listing, not served: the stored document names its contact.
    JsonDocument stored;
    stored.CopyFrom(doc, stored.GetAllocator());
    stored.AddMember("contactId", json_str(contact_id, stored.GetAllocator()),
                     stored.GetAllocator());
    r.doc = to_json(stored);
    store.put(req.org_id, k_bank_accounts_kind, r);
    JsonDocument result(rapidjson::kObjectType);
    auto& ra = result.GetAllocator();
    const std::string uri =
        "http://" + req.host + "/v1/contacts/" + contact_id + "/bankaccounts/" + r.id;
    result.AddMember("id", json_str(r.id, ra), ra);
    result.AddMember("resourceUri", json_str(uri, ra), ra);
    result.AddMember("createdDate", json_str(r.created, ra), ra);
    result.AddMember("updatedDate", json_str(r.updated, ra), ra);
    result.AddMember("version", r.version, ra);
    if (put) {
        return json_response(200, result);
    }
    ApiResponse res = json_response(201, result);
    res.headers.emplace_back("Location", uri);
    return res;
}

SeedContactError::SeedContactError(std::vector<Issue> issues)
    : std::runtime_error([&issues] {
          std::string what = "invalid seed contact";
          for (const auto& i : issues) {
              what += "; " + i.source + ": " + i.i18n_key;
          }
          return what;
      }()),
      m_issues(std::move(issues)) {}

void seed(Store& store, const std::string& org_id, const JsonValue& contact) {
    if (!contact.IsObject()) {
        throw SeedContactError(std::vector<Issue>{{"invalid_value", ""}});
    }
    std::vector<Issue> issues;
    const RoleRequest roles = parse_roles(contact, Mode::seed, issues);
    JsonDocument scratch;
    JsonValue body(rapidjson::kObjectType);
    Normaliser(body, scratch.GetAllocator(), issues, Mode::seed).run(contact);
    std::string id = member_string(contact, "id");
    if (!id.empty() && !is_uuid(id)) {
        issues.push_back({"invalid_value", "id"});
    }
    if (!issues.empty()) {
        throw SeedContactError(std::move(issues));
    }
    id = id.empty() ? new_uuid() : ascii_lower(id);
    std::optional<std::int64_t> customer_number = roles.customer_number;
    std::optional<std::int64_t> vendor_number = roles.vendor_number;
    if (roles.customer) {
        if (customer_number) {
            store.reserve_number(org_id, "customer", *customer_number);
        } else {
            customer_number = store.next_number(org_id, "customer", k_first_customer_number);
        }
    }
    if (roles.vendor) {
        if (vendor_number) {
            store.reserve_number(org_id, "vendor", *vendor_number);
        } else {
            vendor_number = store.next_number(org_id, "vendor", k_first_vendor_number);
        }
    }
    std::int64_t version = 1;
    if (contact.HasMember("version") && contact["version"].IsInt64() &&
        contact["version"].GetInt64() > 0) {
        version = contact["version"].GetInt64();
    }
    const bool archived = contact.HasMember("archived") && contact["archived"].IsBool() &&
                          contact["archived"].GetBool();
    StoredResource r;
    r.id = id;
    r.version = version;
    r.created = now_timestamp();
    r.updated = r.created;
    JsonDocument doc;
    assemble(doc, r.id, org_id, r.version, customer_number, vendor_number, roles.customer,
             roles.vendor, body, archived);
    r.doc = to_json(doc);
    store.put(org_id, k_kind, r);
}

} // namespace lexsync::sandbox::contacts
