#include "sandbox/seed.hpp"

#include "sandbox/contacts.hpp"
#include "sandbox/oauth.hpp"
#include "sandbox/server.hpp"
#include "sandbox/support.hpp"

#include <fstream>
#include <lexsync/json_guard.hpp>
#include <sstream>
#include <stdexcept>

namespace lexsync::sandbox {

namespace {

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

const JsonValue* member(const JsonValue& obj, const char* key) {
    const auto it = obj.FindMember(key);
    return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::string string_or(const JsonValue& obj, const char* key, const std::string& fallback) {
    const JsonValue* v = member(obj, key);
    return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : fallback;
}

void apply_organization(Store& store, const JsonValue& org, const std::string& where) {
    if (!org.IsObject()) {
        throw std::runtime_error(where + ": not a JSON object");
    }
    const std::string id = string_or(org, "id", "");
    if (!is_uuid(id)) {
        throw std::runtime_error(where + ": \"id\" must be a UUID");
    }
    const std::string company_name = string_or(org, "companyName", "");
    if (company_name.empty()) {
        throw std::runtime_error(where + ": \"companyName\" is required");
    }
    const std::string tax_type = string_or(org, "taxType", "net");
    if (tax_type != "net" && tax_type != "gross" && tax_type != "vatfree") {
        throw std::runtime_error(where + ": \"taxType\" must be net, gross or vatfree");
    }
    bool small_business = false;
    if (const JsonValue* v = member(org, "smallBusiness")) {
        if (!v->IsBool()) {
            throw std::runtime_error(where + ": \"smallBusiness\" must be true or false");
        }
        small_business = v->GetBool();
    }
    const JsonValue* keys = member(org, "apiKeys");
    if (!keys || !keys->IsArray() || keys->Empty()) {
        throw std::runtime_error(where + ": \"apiKeys\" must list at least one key");
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

    for (const auto& key : keys->GetArray()) {
        if (!key.IsString() || key.GetStringLength() == 0) {
            throw std::runtime_error(where + ": every API key must be a non-empty string");
        }
        if (const auto owner = store.organization_for_key(key.GetString()); owner && *owner != id) {
            throw std::runtime_error(where + ": an API key is listed for two organisations");
        }
        store.add_api_key(key.GetString(), id);
    }

    if (const JsonValue* clients = member(org, "oauthClients")) {
        if (!clients->IsArray()) {
            throw std::runtime_error(where + ": \"oauthClients\" must be an array");
        }
        for (rapidjson::SizeType i = 0; i < clients->Size(); ++i) {
            oauth::seed_client(store, id, (*clients)[i],
                               where + ": oauthClients[" + std::to_string(i) + "]");
        }
    }

    if (const JsonValue* list = member(org, "contacts")) {
        if (!list->IsArray()) {
            throw std::runtime_error(where + ": \"contacts\" must be an array");
        }
        for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
            try {
                contacts::seed(store, id, (*list)[i]);
            } catch (const std::runtime_error& e) {
                throw std::runtime_error(where + ": contacts[" + std::to_string(i) +
                                         "]: " + e.what());
            }
        }
    }
}

} // namespace

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
    if (const auto at = lexsync::json::find_excess_nesting(text)) {
        throw std::runtime_error(origin + ": JSON nested deeper than " +
                                 std::to_string(lexsync::json::k_max_depth) + " levels at offset " +
                                 std::to_string(*at));
    }
    JsonDocument d;
    d.Parse(text.c_str(), text.size());
    if (d.HasParseError()) {
        throw std::runtime_error(origin + ": invalid JSON at offset " +
                                 std::to_string(d.GetErrorOffset()));
    }
    if (!d.IsObject() || !d.HasMember("organizations") || !d["organizations"].IsArray() ||
        d["organizations"].Empty()) {
        throw std::runtime_error(origin + ": expected {\"organizations\": [ … ]}");
    }
    sqlite::Transaction tx(store.db());
    const auto& orgs = d["organizations"];
    for (rapidjson::SizeType i = 0; i < orgs.Size(); ++i) {
        apply_organization(store, orgs[i], origin + ": organizations[" + std::to_string(i) + "]");
    }
    store.mark_seeded();
    tx.commit();
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
