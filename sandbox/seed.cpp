#include "sandbox/seed.hpp"

#include "sandbox/contacts.hpp"
#include "sandbox/oauth.hpp"
#include "sandbox/server.hpp"
#include "sandbox/support.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <lexsync/util/json_guard.hpp>
#include <lexsync/util/suggest.hpp>
#include <map>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <vector>

namespace lexsync::sandbox {

namespace {

// `.key`, or `["key"]` for keys that are not plain identifiers.
std::string json_path_key(const std::string& key) {
    const bool plain =
        !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0])) &&
        std::all_of(key.begin(), key.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
        });
    if (plain) {
        return "." + key;
    }
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.String(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
    return "[" + std::string(buf.GetString(), buf.GetSize()) + "]";
}

// The demo organisation's contacts: companies and persons, customers, vendors and both, names
// with `&`, `<`, `>`, `_` and `%`, one archived contact and one with two billing addresses (made
// "in the web app": readable, but every PUT of it fails the API's write limits).
constexpr const char* k_demo_contacts = R"JSON([
 {"id":"c0a80001-0000-4000-8000-000000000001","roles":{"customer":{}},
  "company":{"name":"Müller & Söhne GmbH","taxNumber":"21/815/08150","vatRegistrationId":"DE123456789",
   "allowTaxFreeInvoices":false,
   "contactPersons":[{"salutation":"Frau","firstName":"Sabine","lastName":"Müller","primary":true,
     "emailAddress":"sabine.mueller@mueller-soehne.example","phoneNumber":"+49 30 1234567"}]},
  "addresses":{"billing":[{"street":"Hauptstraße 12","zip":"10115","city":"Berlin","countryCode":"DE"}],
   "shipping":[{"supplement":"Lager 3","street":"Industrieweg 4","zip":"12435","city":"Berlin","countryCode":"DE"}]},
  "emailAddresses":{"business":["info@mueller-soehne.example"]},
  "phoneNumbers":{"business":["+49 30 1234560"],"fax":["+49 30 1234569"]},
  "note":"Stammkunde seit 2015, Unterhaltsreinigung 3x pro Woche"},
 {"id":"c0a80001-0000-4000-8000-000000000002","roles":{"vendor":{}},
  "company":{"name":"Schmidt <Bau> KG","taxNumber":"143/222/33333"},
  "addresses":{"billing":[{"street":"Am Bauhof 1","zip":"80331","city":"München","countryCode":"DE"}]},
  "emailAddresses":{"business":["rechnung@schmidt-bau.example"]},
  "phoneNumbers":{"business":["+49 89 555100"]}},
 {"id":"c0a80001-0000-4000-8000-000000000003","roles":{"customer":{}},
  "company":{"name":"Meyer_Partner GmbH"},
  "addresses":{"billing":[{"street":"Lindenallee 7","zip":"20095","city":"Hamburg","countryCode":"DE"}]},
  "emailAddresses":{"business":["a_b@meyer-partner.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000004","roles":{"customer":{}},
  "company":{"name":"MeyerXPartner GmbH"},
  "addresses":{"billing":[{"street":"Lindenallee 9","zip":"20095","city":"Hamburg","countryCode":"DE"}]},
  "emailAddresses":{"business":["a.b@meyerxpartner.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000005","roles":{"customer":{},"vendor":{}},
  "company":{"name":"100% Sauber GmbH","vatRegistrationId":"DE987654321"},
  "addresses":{"billing":[{"street":"Sauberweg 100","zip":"50667","city":"Köln","countryCode":"DE"}]},
  "emailAddresses":{"office":["buero@100prozent-sauber.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000006","roles":{"customer":{}},
  "person":{"salutation":"Frau","firstName":"Erika","lastName":"Mustermann"},
  "addresses":{"billing":[{"street":"Heidestraße 17","zip":"51147","city":"Köln","countryCode":"DE"}]},
  "emailAddresses":{"private":["erika.mustermann@mail.example"]},
  "phoneNumbers":{"mobile":["+49 171 2345678"]}},
 {"id":"c0a80001-0000-4000-8000-000000000007","roles":{"customer":{}},
  "person":{"salutation":"Herr","firstName":"Max","lastName":"Mustermann"},
  "addresses":{"billing":[{"street":"Heidestraße 17","zip":"51147","city":"Köln","countryCode":"DE"}]},
  "emailAddresses":{"private":["max.mustermann@mail.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000008","roles":{"customer":{},"vendor":{}},
  "company":{"name":"Glanz & Gloria Gebäudeservice OHG",
   "contactPersons":[{"firstName":"Tom","lastName":"Glanz","primary":true,"emailAddress":"tom@glanz-gloria.example"}]},
  "addresses":{"billing":[{"street":"Marktplatz 2","zip":"04109","city":"Leipzig","countryCode":"DE"}]},
  "emailAddresses":{"business":["kontakt@glanz-gloria.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000009","roles":{"vendor":{}},
  "company":{"name":"Putzteufel AG"},
  "addresses":{"billing":[{"street":"Besenstiel 5","zip":"70173","city":"Stuttgart","countryCode":"DE"}]},
  "emailAddresses":{"business":["billing@putzteufel.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000010","roles":{"customer":{}},
  "company":{"name":"Hausverwaltung Becker GmbH"},
  "addresses":{"billing":[{"street":"Rathausstraße 1","zip":"60311","city":"Frankfurt am Main","countryCode":"DE"},
                          {"street":"Postfach 1234","zip":"60001","city":"Frankfurt am Main","countryCode":"DE"}]},
  "emailAddresses":{"business":["verwaltung@becker-hv.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000011","roles":{"customer":{}},"archived":true,
  "company":{"name":"Archiv Altkunde GmbH"},
  "addresses":{"billing":[{"street":"Alte Gasse 3","zip":"01067","city":"Dresden","countryCode":"DE"}]}},
 {"id":"c0a80001-0000-4000-8000-000000000012","roles":{"customer":{}},
  "company":{"name":"Stadtwerke Musterstadt"},
  "addresses":{"billing":[{"street":"Werkstraße 10","zip":"34117","city":"Kassel","countryCode":"DE"}]},
  "xRechnung":{"buyerReference":"04011000-1234512345-35","vendorNumberAtCustomer":"70123456"},
  "emailAddresses":{"business":["eingangsrechnung@stadtwerke-musterstadt.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000013","roles":{"customer":{}},
  "company":{"name":"Zahnarztpraxis Dr. Weber"},
  "addresses":{"billing":[{"street":"Bahnhofstraße 22","zip":"28195","city":"Bremen","countryCode":"DE"}]},
  "phoneNumbers":{"office":["+49 421 998877"]}},
 {"id":"c0a80001-0000-4000-8000-000000000014","roles":{"customer":{}},
  "company":{"name":"Bäckerei Schulze e.K."},
  "addresses":{"billing":[{"street":"Brotgasse 8","zip":"90402","city":"Nürnberg","countryCode":"DE"}]},
  "emailAddresses":{"business":["schulze@baeckerei.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000015","roles":{"vendor":{}},
  "company":{"name":"Fischer Logistik GmbH"},
  "addresses":{"billing":[{"street":"Hafenstraße 40","zip":"24103","city":"Kiel","countryCode":"DE"}]},
  "emailAddresses":{"business":["invoice@fischer-logistik.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000016","roles":{"vendor":{}},
  "company":{"name":"Hoffmann IT-Service"},
  "addresses":{"billing":[{"street":"Serverweg 1","zip":"30159","city":"Hannover","countryCode":"DE"}]},
  "emailAddresses":{"business":["support@hoffmann-it.example"]},
  "phoneNumbers":{"business":["+49 511 700700"]}},
 {"id":"c0a80001-0000-4000-8000-000000000017","roles":{"customer":{}},
  "person":{"firstName":"Anna","lastName":"Schneider"},
  "addresses":{"billing":[{"street":"Rosenweg 3","zip":"45127","city":"Essen","countryCode":"DE"}]},
  "emailAddresses":{"private":["anna.schneider@mail.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000018","roles":{"vendor":{}},
  "person":{"salutation":"Herr","firstName":"Jonas","lastName":"Wagner"},
  "addresses":{"billing":[{"street":"Gartenstraße 11","zip":"53111","city":"Bonn","countryCode":"DE"}]},
  "emailAddresses":{"business":["jonas@wagner-fensterputz.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000019","roles":{"vendor":{}},
  "company":{"name":"Büro Wolf Steuerberatung"},
  "addresses":{"billing":[{"street":"Kanzleistraße 5","zip":"39104","city":"Magdeburg","countryCode":"DE"}]},
  "emailAddresses":{"business":["kanzlei@wolf-stb.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000020","roles":{"customer":{}},
  "company":{"name":"Kanzlei Zimmermann & Partner",
   "contactPersons":[{"salutation":"Herr","firstName":"Jan","lastName":"Zimmermann","primary":true,
     "emailAddress":"j.zimmermann@kanzlei-zimmermann.example"}]},
  "addresses":{"billing":[{"street":"Justizplatz 1","zip":"55116","city":"Mainz","countryCode":"DE"}]}},
 {"id":"c0a80001-0000-4000-8000-000000000021","roles":{"customer":{}},
  "company":{"name":"Alpenblick Hotel AG","vatRegistrationId":"ATU12345678"},
  "addresses":{"billing":[{"street":"Seestraße 4","zip":"6020","city":"Innsbruck","countryCode":"AT"}]},
  "emailAddresses":{"business":["buchhaltung@alpenblick.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000022","roles":{"vendor":{}},
  "company":{"name":"Reinigungsbedarf Krause GmbH"},
  "addresses":{"billing":[{"street":"Chemiepark 9","zip":"06112","city":"Halle (Saale)","countryCode":"DE"}]},
  "emailAddresses":{"business":["verkauf@krause-reinigungsbedarf.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000023","roles":{"customer":{}},
  "company":{"name":"Gemeinde Neustadt"},
  "addresses":{"billing":[{"street":"Rathausplatz 1","zip":"67433","city":"Neustadt an der Weinstraße","countryCode":"DE"}]},
  "xRechnung":{"buyerReference":"07316000-NEUSTADT-12","vendorNumberAtCustomer":"K-4711"}},
 {"id":"c0a80001-0000-4000-8000-000000000024","roles":{"customer":{}},
  "person":{"salutation":"Frau","firstName":"Lea","lastName":"Braun"},
  "addresses":{"billing":[{"street":"Ulmenweg 14","zip":"79098","city":"Freiburg","countryCode":"DE"}]}},
 {"id":"c0a80001-0000-4000-8000-000000000025","roles":{"customer":{}},
  "company":{"name":"Office Clean Zürich AG"},
  "addresses":{"billing":[{"street":"Bahnhofstrasse 50","zip":"8001","city":"Zürich","countryCode":"CH"}]},
  "emailAddresses":{"business":["finance@officeclean.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000026","roles":{"customer":{},"vendor":{}},
  "person":{"salutation":"Herr","firstName":"Klaus","lastName":"Hartmann"},
  "addresses":{"billing":[{"street":"Feldweg 2","zip":"99084","city":"Erfurt","countryCode":"DE"}]},
  "phoneNumbers":{"mobile":["+49 160 1112223"]}},
 {"id":"c0a80001-0000-4000-8000-000000000027","roles":{"customer":{}},
  "company":{"name":"Sonnenschein Kita gGmbH"},
  "addresses":{"billing":[{"street":"Spielplatzweg 6","zip":"14467","city":"Potsdam","countryCode":"DE"}]},
  "emailAddresses":{"business":["leitung@kita-sonnenschein.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000028","roles":{"customer":{}},
  "company":{"name":"Autohaus Lange GmbH"},
  "addresses":{"billing":[{"street":"Motorstraße 88","zip":"38440","city":"Wolfsburg","countryCode":"DE"}]},
  "emailAddresses":{"business":["service@autohaus-lange.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000029","roles":{"vendor":{}},
  "company":{"name":"Druckerei Koch"},
  "addresses":{"billing":[{"street":"Papiergasse 12","zip":"66111","city":"Saarbrücken","countryCode":"DE"}]},
  "emailAddresses":{"business":["auftrag@druckerei-koch.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000030","roles":{"customer":{}},
  "person":{"salutation":"Herr","firstName":"Paul","lastName":"Richter"},
  "addresses":{"billing":[{"street":"Lessingstraße 21","zip":"18055","city":"Rostock","countryCode":"DE"}]},
  "emailAddresses":{"private":["paul.richter@mail.example"]}},
 {"id":"c0a80001-0000-4000-8000-000000000031","roles":{"customer":{}},
  "company":{"name":"Nordsee Ferienwohnungen Jansen"},
  "addresses":{"billing":[{"street":"Deichstraße 1","zip":"26548","city":"Norderney","countryCode":"DE"}]},
  "emailAddresses":{"business":["vermietung@jansen-nordsee.example"]}}
])JSON";

// --- Loading ---

// A problem found while loading: the JSON path and what is wrong.
struct LoadError {
    std::string path;
    std::string message;
};

const JsonValue* member(const JsonValue& obj, const char* key) {
    const auto it = obj.FindMember(key);
    return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::string string_or(const JsonValue& obj, const char* key, const std::string& fallback) {
    const JsonValue* v = member(obj, key);
    return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : fallback;
}

std::string index_path(const std::string& base, const char* key, rapidjson::SizeType i) {
    return base + "." + key + "[" + std::to_string(i) + "]";
}

// The JSON path of a contact issue's `source` inside the contact at `base`. Sources that name
// alternatives ("company or person", "roles.customer or roles.vendor") point at the contact.
SeedProblem contact_problem(const std::string& base, const Issue& issue) {
    if (issue.source.empty()) {
        return {base, 0, 0, issue.i18n_key};
    }
    if (issue.source.find(' ') != std::string::npos) {
        return {base, 0, 0, issue.i18n_key + " (" + issue.source + ")"};
    }
    std::string path = base;
    if (issue.source.front() != '[') {
        path += ".";
    }
    path += issue.source;
    return {path, 0, 0, issue.i18n_key};
}

// Loads one organisation whose shape the schema check has accepted; throws LoadError or
// SeedError (contacts, several problems).
void apply_organization(Store& store, const JsonValue& org, const std::string& where) {
    const std::string id = string_or(org, "id", "");
    if (!is_uuid(id)) {
        throw LoadError{where + ".id", "must be a UUID"};
    }
    const std::string company_name = string_or(org, "companyName", "");
    if (company_name.empty()) {
        throw LoadError{where, "missing required key \"companyName\""};
    }
    const std::string tax_type = string_or(org, "taxType", "net");
    bool small_business = false;
    if (const JsonValue* v = member(org, "smallBusiness"); v && v->IsBool()) {
        small_business = v->GetBool();
    }
    if (store.organization(id)) {
        throw LoadError{where + ".id", "the organisation " + id + " is listed twice"};
    }

    // The profile as GET /v1/profile serves it.
    JsonDocument profile(rapidjson::kObjectType);
    auto& a = profile.GetAllocator();
    profile.AddMember("organizationId", json_str(id, a), a);
    profile.AddMember("companyName", json_str(company_name, a), a);
    JsonValue created(rapidjson::kObjectType);
    created.AddMember("userId", json_str(string_or(org, "userId", id), a), a);
    created.AddMember("userName", json_str(string_or(org, "userName", "Frau Erika Musterfrau"), a),
                      a);
    created.AddMember("userEmail",
                      json_str(string_or(org, "userEmail", "erika@demo-reinigung.example"), a), a);
    created.AddMember("date", json_str("2017-01-03T13:15:45.000+01:00", a), a);
    profile.AddMember("created", created, a);
    profile.AddMember("connectionId", json_str(string_or(org, "connectionId", id), a), a);
    JsonValue features(rapidjson::kArrayType);
    features.PushBack("cashbox", a);
    profile.AddMember("features", features, a);
    JsonValue business(rapidjson::kArrayType);
    business.PushBack("INVOICING", a).PushBack("INVOICING_PRO", a).PushBack("BOOKKEEPING", a);
    profile.AddMember("businessFeatures", business, a);
    profile.AddMember("subscriptionStatus", "active", a);
    profile.AddMember("taxType", json_str(tax_type, a), a);
    profile.AddMember("smallBusiness", small_business, a);
    const std::string principle = string_or(org, "distanceSalesPrinciple", "");
    if (!principle.empty()) {
        // Absent until the user chose one.
        profile.AddMember("distanceSalesPrinciple", json_str(principle, a), a);
    }
    store.put_organization(id, to_json(profile));

    const JsonValue* keys = member(org, "apiKeys");
    if (!keys || !keys->IsArray() || keys->Empty()) {
        throw LoadError{where + ".apiKeys", "must list at least one key"};
    }
    for (rapidjson::SizeType i = 0; i < keys->Size(); ++i) {
        const JsonValue& key = (*keys)[i];
        if (!key.IsString() || key.GetStringLength() == 0) {
            throw LoadError{index_path(where, "apiKeys", i), "must be a non-empty string"};
        }
        if (const auto owner = store.organization_for_key(key.GetString()); owner && *owner != id) {
            throw LoadError{index_path(where, "apiKeys", i),
                            "this API key is also listed for organisation " + *owner};
        }
        store.add_api_key(key.GetString(), id);
    }

    if (const JsonValue* clients = member(org, "oauthClients"); clients && clients->IsArray()) {
        for (rapidjson::SizeType i = 0; i < clients->Size(); ++i) {
            const std::string path = index_path(where, "oauthClients", i);
            try {
                oauth::seed_client(store, id, (*clients)[i], path);
            } catch (const std::runtime_error& e) {
                std::string message = e.what();
                if (message.rfind(path + ": ", 0) == 0) {
                    message.erase(0, path.size() + 2);
                }
                throw LoadError{path, message};
            }
        }
    }

    if (const JsonValue* list = member(org, "contacts"); list && list->IsArray()) {
        std::vector<SeedProblem> problems;
        for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
            const std::string path = index_path(where, "contacts", i);
            try {
                contacts::seed(store, id, (*list)[i]);
            } catch (const contacts::SeedContactError& e) {
                for (const auto& issue : e.issues()) {
                    problems.push_back(contact_problem(path, issue));
                }
            }
        }
        if (!problems.empty()) {
            throw SeedError("", std::move(problems));
        }
    }
}

// --- Checking against the schema ---

// The offsets of every value in a JSON text by JSON path (object members at their key), found
// by a SAX pass so that problems can name a line and column.
class PositionIndex {
public:
    explicit PositionIndex(const std::string& text) : m_text(text) {
        rapidjson::Reader reader;
        // A MemoryStream, not a StringStream: the reader parses strings and numbers on a local
        // copy of a StringStream, so Tell() would lag behind inside the handler. The iterative
        // parser calls the bracket handlers before it takes the bracket (hence the +1 there).
        rapidjson::MemoryStream in(text.data(), text.size());
        Handler h{*this, in};
        reader.Parse<rapidjson::kParseIterativeFlag>(in, h);
    }

    // The 1-based line and column of `path` or of its nearest recorded ancestor.
    std::pair<std::size_t, std::size_t> locate(std::string path) const {
        for (;;) {
            if (const auto it = m_offsets.find(path); it != m_offsets.end()) {
                return line_column(m_text, it->second);
            }
            const auto cut = path.find_last_of(".[");
            if (cut == std::string::npos || cut == 0) {
                return line_column(m_text, 0);
            }
            path.erase(cut);
        }
    }

    static std::pair<std::size_t, std::size_t> line_column(const std::string& text,
                                                           std::size_t offset) {
        std::size_t line = 1;
        std::size_t column = 1;
        for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
                ++column; // count characters, not UTF-8 continuation bytes
            }
        }
        return {line, column};
    }

private:
    struct Frame {
        std::string path;
        bool array = false;
        std::size_t next_index = 0;
        std::string key;
    };

    struct Handler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Handler> {
        PositionIndex& index;
        rapidjson::MemoryStream& in;
        std::vector<Frame> stack;
        std::size_t last_end = 0;
        Handler(PositionIndex& i, rapidjson::MemoryStream& s) : index(i), in(s) {}

        std::size_t token_start() const {
            std::size_t p = last_end;
            const std::string& t = index.m_text;
            while (p < t.size() && (t[p] == ' ' || t[p] == '\t' || t[p] == '\r' || t[p] == '\n' ||
                                    t[p] == ',' || t[p] == ':')) {
                ++p;
            }
            return p;
        }
        // The path of the value that starts now, recording where it starts.
        std::string value_path() {
            const std::size_t start = token_start();
            std::string path = "$";
            if (!stack.empty()) {
                Frame& f = stack.back();
                if (f.array) {
                    path = f.path + "[" + std::to_string(f.next_index++) + "]";
                    index.m_offsets.emplace(path, start);
                } else {
                    path = f.path + json_path_key(f.key);
                }
            } else {
                index.m_offsets.emplace(path, start);
            }
            return path;
        }
        bool scalar() {
            value_path();
            last_end = in.Tell();
            return true;
        }
        bool Default() { return scalar(); }
        bool RawNumber(const char*, rapidjson::SizeType, bool) { return scalar(); }
        bool String(const char*, rapidjson::SizeType, bool) { return scalar(); }
        bool StartObject() { return open(false); }
        bool StartArray() { return open(true); }
        bool open(bool array) {
            stack.push_back({value_path(), array, 0, {}});
            last_end = in.Tell() + 1;
            return true;
        }
        bool Key(const char* s, rapidjson::SizeType n, bool) {
            Frame& f = stack.back();
            f.key.assign(s, n);
            index.m_offsets.emplace(f.path + json_path_key(f.key), token_start());
            last_end = in.Tell();
            return true;
        }
        bool EndObject(rapidjson::SizeType) { return close(); }
        bool EndArray(rapidjson::SizeType) { return close(); }
        bool close() {
            stack.pop_back();
            last_end = in.Tell() + 1;
            return true;
        }
    };

    const std::string& m_text;
    std::map<std::string, std::size_t> m_offsets;
};

const char* type_name(const JsonValue& v) {
    switch (v.GetType()) {
    case rapidjson::kNullType:
        return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
        return "a boolean";
    case rapidjson::kObjectType:
        return "an object";
    case rapidjson::kArrayType:
        return "an array";
    case rapidjson::kStringType:
        return "a string";
    case rapidjson::kNumberType:
        return v.IsInt64() || v.IsUint64() ? "an integer" : "a number";
    }
    return "a value";
}

// Checks a document against the subset of JSON Schema that seed.schema.json uses: $ref to
// #/$defs, type, enum, required, properties, additionalProperties: false, items, minItems,
// minLength, maxLength, minimum and format "uuid". A null member counts as absent, as the loader
// treats it.
class SchemaChecker {
public:
    SchemaChecker(const JsonValue& schema, std::vector<SeedProblem>& out)
        : m_root(schema), m_out(out) {}

    void check(const JsonValue& schema_in, const JsonValue& v, const std::string& path) {
        const JsonValue& s = resolve(schema_in);
        if (const JsonValue* values = member(s, "enum")) {
            for (const auto& allowed : values->GetArray()) {
                if (allowed == v) {
                    return;
                }
            }
            std::string list;
            for (const auto& allowed : values->GetArray()) {
                list += (list.empty() ? "" : ", ") + to_json(allowed);
            }
            problem(path, "must be one of " + list + ", not " + to_json(v));
            return;
        }
        if (const JsonValue* type = member(s, "type"); type && type->IsString()) {
            const std::string_view t(type->GetString(), type->GetStringLength());
            const bool ok = (t == "object" && v.IsObject()) || (t == "array" && v.IsArray()) ||
                            (t == "string" && v.IsString()) || (t == "boolean" && v.IsBool()) ||
                            (t == "integer" && (v.IsInt64() || v.IsUint64())) ||
                            (t == "number" && v.IsNumber()) || (t == "null" && v.IsNull());
            if (!ok) {
                const bool vowel = t == "object" || t == "array" || t == "integer";
                problem(path, std::string("must be ") + (vowel ? "an " : "a ") + std::string(t) +
                                  ", not " + type_name(v));
                return;
            }
        }
        if (v.IsString()) {
            const std::string_view text(v.GetString(), v.GetStringLength());
            const std::size_t n = utf8_length(text);
            if (const JsonValue* m = member(s, "minLength"); m && n < m->GetUint()) {
                problem(path, m->GetUint() == 1 ? "must not be empty"
                                                : "must have at least " +
                                                      std::to_string(m->GetUint()) + " characters");
            }
            if (const JsonValue* m = member(s, "maxLength"); m && n > m->GetUint()) {
                problem(path, "must have at most " + std::to_string(m->GetUint()) +
                                  " characters, not " + std::to_string(n));
            }
            if (const JsonValue* f = member(s, "format");
                f && std::string_view(f->GetString()) == "uuid" && !is_uuid(text)) {
                problem(path, "must be a UUID (8-4-4-4-12 hex digits), not \"" + std::string(text) +
                                  "\"");
            }
        }
        if (v.IsNumber()) {
            if (const JsonValue* m = member(s, "minimum"); m && v.GetDouble() < m->GetDouble()) {
                problem(path, "must be at least " + to_json(*m));
            }
        }
        if (v.IsArray()) {
            if (const JsonValue* m = member(s, "minItems"); m && v.Size() < m->GetUint()) {
                problem(path, "must list at least " + std::to_string(m->GetUint()) +
                                  (m->GetUint() == 1 ? " item" : " items"));
            }
            if (const JsonValue* items = member(s, "items")) {
                for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
                    check(*items, v[i], path + "[" + std::to_string(i) + "]");
                }
            }
        }
        if (v.IsObject()) {
            check_object(s, v, path);
        }
    }

private:
    void check_object(const JsonValue& s, const JsonValue& v, const std::string& path) {
        const JsonValue* props = member(s, "properties");
        if (const JsonValue* required = member(s, "required")) {
            for (const auto& key : required->GetArray()) {
                if (!member(v, key.GetString())) {
                    problem(path, std::string("missing required key \"") + key.GetString() + "\"");
                }
            }
        }
        const JsonValue* additional = member(s, "additionalProperties");
        const bool closed = additional && additional->IsFalse();
        for (const auto& m : v.GetObject()) {
            const std::string key(m.name.GetString(), m.name.GetStringLength());
            const std::string child = path + json_path_key(key);
            const JsonValue* sub = props ? member(*props, key.c_str()) : nullptr;
            if (sub && key.find('\0') == std::string::npos) {
                if (!m.value.IsNull()) {
                    check(*sub, m.value, child);
                }
            } else if (closed) {
                problem(child, "unknown key \"" + key + "\"" + suggestion(key, props));
            }
        }
    }

    // "; did you mean \"company\"?" for a key close to a known one, else "".
    static std::string suggestion(const std::string& key, const JsonValue* props) {
        if (!props) {
            return {};
        }
        std::string best;
        std::size_t best_distance = 3; // at most two edits
        for (const auto& p : props->GetObject()) {
            const std::string_view name(p.name.GetString(), p.name.GetStringLength());
            const std::size_t d = edit_distance(key, name);
            if (d < best_distance && d < name.size()) {
                best_distance = d;
                best = std::string(name);
            }
        }
        if (best.empty()) {
            std::string known;
            for (const auto& p : props->GetObject()) {
                known += (known.empty() ? "" : ", ") + std::string(p.name.GetString());
            }
            return "; known keys: " + known;
        }
        return "; did you mean \"" + best + "\"?";
    }

    const JsonValue& resolve(const JsonValue& s) const {
        const JsonValue* current = &s;
        for (int depth = 0; depth < 16; ++depth) {
            const JsonValue* ref = member(*current, "$ref");
            if (!ref) {
                break;
            }
            const std::string_view target(ref->GetString(), ref->GetStringLength());
            const std::string_view prefix = "#/$defs/";
            const JsonValue* defs = member(m_root, "$defs");
            const JsonValue* next =
                defs && target.substr(0, prefix.size()) == prefix
                    ? member(*defs, std::string(target.substr(prefix.size())).c_str())
                    : nullptr;
            if (!next) {
                throw std::logic_error("seed schema: unresolvable $ref " + std::string(target));
            }
            current = next;
        }
        return *current;
    }

    void problem(const std::string& path, std::string message) {
        m_out.push_back({path, 0, 0, std::move(message)});
    }

    const JsonValue& m_root;
    std::vector<SeedProblem>& m_out;
};

// Parses `text` into `d` and checks it against the schema; the problems carry no positions yet.
std::vector<SeedProblem> check_structure(const std::string& text, JsonDocument& d) {
    if (const auto at = lexsync::json::find_excess_nesting(text)) {
        const auto [line, column] = PositionIndex::line_column(text, *at);
        return {
            {"$", line, column,
             "JSON nested deeper than " + std::to_string(lexsync::json::k_max_depth) + " levels"}};
    }
    d.Parse<rapidjson::kParseIterativeFlag>(text.c_str(), text.size());
    if (d.HasParseError()) {
        const auto [line, column] = PositionIndex::line_column(text, d.GetErrorOffset());
        return {{"$", line, column,
                 std::string("invalid JSON: ") + rapidjson::GetParseError_En(d.GetParseError())}};
    }
    JsonDocument schema;
    schema.Parse(seed_schema_json());
    if (schema.HasParseError()) {
        throw std::logic_error("seed schema: invalid JSON");
    }
    std::vector<SeedProblem> problems;
    SchemaChecker(schema, problems).check(schema, d, "$");
    return problems;
}

// Fills in the line and column of problems that have none.
void locate(std::vector<SeedProblem>& problems, const std::string& text) {
    const PositionIndex index(text);
    for (auto& p : problems) {
        if (p.line == 0) {
            std::tie(p.line, p.column) = index.locate(p.path);
        }
    }
}

// Loads a schema-checked document into `store` inside one transaction; throws SeedError
// (without origin or positions).
void load(Store& store, const JsonDocument& d) {
    sqlite::Transaction tx(store.db());
    const auto& orgs = d["organizations"];
    for (rapidjson::SizeType i = 0; i < orgs.Size(); ++i) {
        try {
            apply_organization(store, orgs[i], index_path("$", "organizations", i));
        } catch (const LoadError& e) {
            throw SeedError("", {{e.path, 0, 0, e.message}});
        }
    }
    store.mark_seeded();
    tx.commit();
}

// "ORIGIN:LINE:COL: PATH: MESSAGE" lines.
std::string describe(const std::string& origin, const std::vector<SeedProblem>& problems) {
    std::string out;
    for (const auto& p : problems) {
        if (!out.empty()) {
            out += "\n";
        }
        if (!origin.empty()) {
            out += origin + ":";
            if (p.line > 0) {
                out += std::to_string(p.line) + ":" + std::to_string(p.column) + ":";
            }
            out += " ";
        }
        out += p.path + ": " + p.message;
    }
    return out;
}

} // namespace

SeedError::SeedError(const std::string& origin, std::vector<SeedProblem> problems)
    : std::runtime_error(describe(origin, problems)), m_problems(std::move(problems)) {}

std::string builtin_seed_json(bool with_contacts) {
    std::string s = R"({"organizations":[{"id":")";
    s += k_demo_org_id;
    s += R"(","companyName":"Demo Reinigung GmbH","taxType":"net","smallBusiness":false,)";
    s += R"("userName":"Frau Erika Musterfrau","userEmail":"erika@demo-reinigung.example",)";
    s += R"("apiKeys":[")";
    s += k_sandbox_api_key;
    s += R"("],"oauthClients":[{"clientId":")";
    s += oauth::k_demo_client_id;
    s += R"(","clientSecret":")";
    s += oauth::k_demo_client_secret;
    s += R"("}],"contacts":)";
    s += with_contacts ? k_demo_contacts : "[]";
    s += "}]}";
    return s;
}

void apply_seed_json(Store& store, const std::string& text, const std::string& origin) {
    JsonDocument d;
    auto problems = check_structure(text, d);
    if (problems.empty()) {
        try {
            load(store, d);
            return;
        } catch (const SeedError& e) {
            problems = e.problems();
        }
    }
    locate(problems, text);
    throw SeedError(origin, std::move(problems));
}

std::vector<SeedProblem> check_seed_json(const std::string& text) {
    JsonDocument d;
    auto problems = check_structure(text, d);
    if (problems.empty()) {
        Store scratch(":memory:");
        oauth::ensure_schema(scratch);
        try {
            load(scratch, d);
        } catch (const SeedError& e) {
            problems = e.problems();
        }
    }
    locate(problems, text);
    return problems;
}

void apply_seed(Store& store, const std::string& spec) {
    if (spec == "demo" || spec == "empty") {
        apply_seed_json(store, builtin_seed_json(spec == "demo"), "seed " + spec);
        return;
    }
    std::ifstream in(spec, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read seed file " + spec);
    }
    std::ostringstream text;
    text << in.rdbuf();
    apply_seed_json(store, text.str(), spec);
}

} // namespace lexsync::sandbox
