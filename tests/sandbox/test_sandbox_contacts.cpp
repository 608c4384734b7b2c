// Contacts in the sandbox: create, read, full-replacement update, optimistic locking,
// validation bodies, filters, paging and the listing window.
#include "sandbox_fixture.hpp"

#include <set>

using namespace sandbox_test;

namespace {

constexpr const char* k_mueller = "c0a80001-0000-4000-8000-000000000001";
constexpr const char* k_becker = "c0a80001-0000-4000-8000-000000000010";

// Names of the contacts in a page body.
std::set<std::string> names(const std::string& body) {
    std::set<std::string> out;
    const auto d = parse(body);
    for (const auto& c : d["content"].GetArray()) {
        if (c.HasMember("company")) {
            out.insert(c["company"]["name"].GetString());
        } else {
            out.insert(c["person"]["lastName"].GetString());
        }
    }
    return out;
}

std::string create_id(httplib::Client& c, const std::string& body) {
    auto res = c.Post("/v1/contacts", body, k_json);
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 201, res->body);
    return parse(res->body)["id"].GetString();
}

} // namespace

TEST_SUITE("lexsync::sandbox::Server contacts") {

    TEST_CASE("creating a contact answers 201 with an action result, Location and numbers") {
        RunningServer s(unlimited("empty"));
        auto c = s.client();
        auto res = c.Post("/v1/contacts",
                          R"({"version":0,"roles":{"customer":{},"vendor":{}},
                          "company":{"name":"Neu GmbH","contactPersons":[{"lastName":"Neu"}]},
                          "addresses":{"billing":[{"street":"A 1","zip":"10115","city":"Berlin","countryCode":"DE"}]},
                          "emailAddresses":{"business":["neu@neu.example"]},
                          "note":"hallo"})",
                          k_json);
        REQUIRE(res);
        REQUIRE_MESSAGE(res->status == 201, res->body);
        const auto r = parse(res->body);
        const std::string id = r["id"].GetString();
        CHECK(r["version"].GetInt() == 1);
        CHECK(std::string(r["resourceUri"].GetString()) ==
              "http://127.0.0.1:" + std::to_string(s.port()) + "/v1/contacts/" + id);
        CHECK(res->get_header_value("Location") == r["resourceUri"].GetString());
        const std::string created = r["createdDate"].GetString();
        // yyyy-MM-ddTHH:mm:ss.SSS+0X:00 in Berlin time
        REQUIRE(created.size() == 29);
        CHECK(created[10] == 'T');
        CHECK(created[19] == '.');
        CHECK((created.substr(23) == "+01:00" || created.substr(23) == "+02:00"));
        CHECK(r["updatedDate"] == r["createdDate"]);

        res = c.Get("/v1/contacts/" + id);
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const auto got = parse(res->body);
        CHECK(got["version"].GetInt() == 1);
        CHECK(got["roles"]["customer"]["number"].GetInt() == 10001);
        CHECK(got["roles"]["vendor"]["number"].GetInt() == 70001);
        CHECK(got["company"]["name"] == "Neu GmbH");
        CHECK(got["archived"].GetBool() == false);
        CHECK(got["note"] == "hallo");

        // Numbers continue per role.
        const std::string second = create_id(c, company_body("Zweite GmbH"));
        res = c.Get("/v1/contacts/" + second);
        REQUIRE(res);
        CHECK(parse(res->body)["roles"]["customer"]["number"].GetInt() == 10002);
        CHECK(!parse(res->body)["roles"].HasMember("vendor"));
    }

    TEST_CASE("an unknown contact id answers 404") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Get("/v1/contacts/00000000-0000-4000-8000-000000000000");
        REQUIRE(res);
        CHECK(res->status == 404);
        res = c.Put("/v1/contacts/00000000-0000-4000-8000-000000000000", company_body("X"), k_json);
        REQUIRE(res);
        CHECK(res->status == 404);
    }

    TEST_CASE("validation failures answer 406 in the legacy IssueList format") {
        RunningServer s(unlimited("empty"));
        auto c = s.client();
        const auto post = [&](const std::string& body) {
            auto res = c.Post("/v1/contacts", body, k_json);
            REQUIRE(res);
            CHECK_MESSAGE(res->status == 406, body << " -> " << res->body);
            return res->body;
        };
        std::string body = post(R"({"version":0,"roles":{"customer":{}},"company":{}})");
        CHECK(first_issue(body) == "company.name:missing_entity");
        const auto d = parse(body);
        CHECK(d["IssueList"][0]["type"] == "validation_failure");
        // Recorded items carry only i18nKey, source and type (reference §14).
        CHECK(d["IssueList"][0].MemberCount() == 3);
        CHECK(!d.HasMember("message"));
        CHECK(d["requestId"].IsString());

        CHECK(has_issue(post(R"({"version":0,"company":{"name":"A"}})"),
                        "roles.customer or roles.vendor:missing_entity"));
        CHECK(has_issue(post(R"({"version":0,"roles":{},"company":{"name":"A"}})"),
                        "roles.customer or roles.vendor:missing_entity"));
        CHECK(has_issue(
            post(R"({"version":0,"roles":{"customer":{"number":10500}},"company":{"name":"A"}})"),
            "roles.customer.number:invalid_value"));
        CHECK(has_issue(post(R"({"version":0,"roles":{"customer":{}}})"),
                        "company or person:missing_entity"));
        CHECK(has_issue(
            post(
                R"({"version":0,"roles":{"customer":{}},"company":{"name":"A"},"person":{"lastName":"B"}})"),
            "company and person:invalid_value"));
        CHECK(has_issue(post(R"({"version":0,"roles":{"customer":{}},"person":{"firstName":"B"}})"),
                        "person.lastName:missing_entity"));
        CHECK(has_issue(post(R"({"version":1,"roles":{"customer":{}},"company":{"name":"A"}})"),
                        "version:invalid_value"));
        CHECK(has_issue(post(R"({"roles":{"customer":{}},"company":{"name":"A"}})"),
                        "version:missing_entity"));
        CHECK(has_issue(post(R"({"version":0,"roles":{"customer":{}},"company":{"name":"A"},
                            "addresses":{"billing":[{"countryCode":"DE"},{"countryCode":"AT"}]}})"),
                        "addresses.billing.size:invalid_value"));
        CHECK(has_issue(post(R"({"version":0,"roles":{"customer":{}},"company":{"name":"A"},
                            "addresses":{"shipping":[{"city":"X"}]}})"),
                        "addresses.shipping[0].countryCode:missing_entity"));
        CHECK(has_issue(post(R"({"version":0,"roles":{"customer":{}},"company":{"name":"A"},
                            "addresses":{"billing":[{"countryCode":"XX"}]}})"),
                        "addresses.billing[0].countryCode:countrycode_is_not_valid"));
        CHECK(has_issue(post(R"({"version":0,"roles":{"customer":{}},"company":{"name":"A"},
                            "emailAddresses":{"business":["a@x.de","b@x.de"]}})"),
                        "emailAddresses.business.size:invalid_value"));
        CHECK(has_issue(post(R"({"version":0,"roles":{"customer":{}},"company":{"name":"A"},
                            "phoneNumbers":{"mobile":["1","2"]}})"),
                        "phoneNumbers.mobile.size:invalid_value"));
        CHECK(has_issue(post(R"({"version":0,"roles":{"customer":{}},"company":{"name":"A",
                            "contactPersons":[{"lastName":"A"},{"lastName":"B"}]}})"),
                        "company.contactPersons.size:invalid_value"));
        CHECK(has_issue(post(R"({"version":0,"roles":{"customer":{}},"company":{"name":"A",
                            "contactPersons":[{"firstName":"A"}]}})"),
                        "company.contactPersons[0].lastName:missing_entity"));
        CHECK(has_issue(
            post(R"({"version":0,"roles":{"customer":{}},"company":{"name":"A"},"note":")" +
                 std::string(1001, 'n') + R"("})"),
            "note:invalid_value"));
        CHECK(has_issue(
            post(R"({"version":0,"roles":{"customer":{}},"person":{"lastName":"A","salutation":")" +
                 std::string(26, 's') + R"("}})"),
            "person.salutation:invalid_value"));
        CHECK(has_issue(post(R"({"version":0,"roles":{"customer":{}},"company":{"name":"A"},
                            "xRechnung":{"buyerReference":"04011000-1234512345-35"}})"),
                        "xRechnung.vendorNumberAtCustomer:missing_entity"));

        // Nothing was created.
        auto res = c.Get("/v1/contacts");
        REQUIRE(res);
        CHECK(parse(res->body)["totalElements"].GetInt() == 0);

        // Unreadable JSON is a bad request.
        res = c.Post("/v1/contacts", "{not json", k_json);
        REQUIRE(res);
        CHECK(res->status == 400);
    }

    TEST_CASE(
        "an update needs the current version, replaces the object and increments the version") {
        RunningServer s(unlimited("empty"));
        auto c = s.client();
        const std::string id = create_id(
            c,
            R"({"version":0,"roles":{"customer":{}},"company":{"name":"Alt GmbH","taxNumber":"1/2"},
              "note":"bleibt nicht","emailAddresses":{"business":["alt@alt.example"]}})");

        // Stale version: 406 naming version, no change.
        auto res =
            c.Put("/v1/contacts/" + id,
                  R"({"version":7,"roles":{"customer":{}},"company":{"name":"Neu GmbH"}})", k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
        CHECK(first_issue(res->body) == "version:invalid_value");

        // Missing version: a missing field, not a conflict.
        res = c.Put("/v1/contacts/" + id,
                    R"({"roles":{"customer":{}},"company":{"name":"Neu GmbH"}})", k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
        CHECK(first_issue(res->body) == "version:missing_entity");

        res = c.Get("/v1/contacts/" + id);
        REQUIRE(res);
        CHECK(parse(res->body)["company"]["name"] == "Alt GmbH");
        CHECK(parse(res->body)["version"].GetInt() == 1);

        // Read-only fields are ignored; omitted fields are emptied; a new role gets a number.
        res = c.Put("/v1/contacts/" + id,
                    R"({"id":"ignored","organizationId":"ignored","version":1,"archived":true,
                    "roles":{"customer":{"number":99999},"vendor":{}},"company":{"name":"Neu GmbH"}})",
                    k_json);
        REQUIRE(res);
        REQUIRE_MESSAGE(res->status == 200, res->body);
        const auto r = parse(res->body);
        CHECK(r["id"] == id);
        CHECK(r["version"].GetInt() == 2);
        CHECK(std::string(r["updatedDate"].GetString()) >=
              std::string(r["createdDate"].GetString()));

        res = c.Get("/v1/contacts/" + id);
        REQUIRE(res);
        const auto got = parse(res->body);
        CHECK(got["version"].GetInt() == 2);
        CHECK(got["company"]["name"] == "Neu GmbH");
        CHECK(!got["company"].HasMember("taxNumber"));
        CHECK(!got.HasMember("note"));
        CHECK(!got.HasMember("emailAddresses"));
        CHECK(got["archived"].GetBool() == false);
        CHECK(got["roles"]["customer"]["number"].GetInt() == 10001);
        CHECK(got["roles"]["vendor"]["number"].GetInt() == 70001);
        CHECK(std::string(got["organizationId"].GetString()) != "ignored");

        // The old version is now stale.
        res = c.Put("/v1/contacts/" + id,
                    R"({"version":1,"roles":{"customer":{}},"company":{"name":"X"}})", k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
        CHECK(first_issue(res->body) == "version:invalid_value");
    }

    TEST_CASE(
        "a contact made with more addresses than the API allows can be read but not updated") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Get(std::string("/v1/contacts/") + k_becker);
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(parse(res->body)["addresses"]["billing"].Size() == 2);
        res = c.Put(std::string("/v1/contacts/") + k_becker, res->body, k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
        CHECK(has_issue(res->body, "addresses.billing.size:invalid_value"));
    }

    TEST_CASE("a chunked request body is accepted") {
        RunningServer s(unlimited("empty"));
        auto c = s.client();
        const std::string body = company_body("Chunk & Co KG");
        auto res = c.Post(
            "/v1/contacts", httplib::Headers{},
            [&](std::size_t offset, httplib::DataSink& sink) {
                if (offset < body.size()) {
                    // Two chunks.
                    const std::size_t half = body.size() / 2;
                    const std::size_t n = offset == 0 ? half : body.size() - offset;
                    sink.write(body.data() + offset, n);
                } else {
                    sink.done();
                }
                return true;
            },
            k_json);
        REQUIRE(res);
        CHECK_MESSAGE(res->status == 201, res->body);
    }

    TEST_CASE("the demo seed lists contacts by name with a Spring page envelope") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Get("/v1/contacts");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const auto d = parse(res->body);
        const int total = d["totalElements"].GetInt();
        CHECK(total >= 30);
        CHECK(d["content"].Size() == 25);
        CHECK(d["size"].GetInt() == 25);
        CHECK(d["number"].GetInt() == 0);
        CHECK(d["first"].GetBool());
        CHECK(!d["last"].GetBool());
        CHECK(d["numberOfElements"].GetInt() == 25);
        CHECK(d["totalPages"].GetInt() == (total + 24) / 25);
        CHECK(d["sort"][0]["property"] == "name");
        CHECK(d["sort"][0]["direction"] == "ASC");

        res = c.Get("/v1/contacts?page=1");
        REQUIRE(res);
        const auto p1 = parse(res->body);
        CHECK(p1["numberOfElements"].GetInt() == total - 25);
        CHECK(p1["last"].GetBool());
        CHECK(!p1["first"].GetBool());

        // The archived contact is listed with archived: true.
        res = c.Get("/v1/contacts?name=Archiv");
        REQUIRE(res);
        const auto a = parse(res->body);
        REQUIRE(a["content"].Size() == 1);
        CHECK(a["content"][0]["archived"].GetBool());
    }

    TEST_CASE("page sizes up to 500 are accepted, larger ones refused, smaller than 1 defaulted") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Get("/v1/contacts?size=500");
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(parse(res->body)["size"].GetInt() == 500);
        res = c.Get("/v1/contacts?size=501");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK(res->body.find("parameter 'size' exceeds the limit") != std::string::npos);
        res = c.Get("/v1/contacts?size=0");
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(parse(res->body)["size"].GetInt() == 25);
        res = c.Get("/v1/contacts?page=abc");
        REQUIRE(res);
        CHECK(res->status == 400);
    }

    TEST_CASE("filters: name, email, number, customer and vendor") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Get("/v1/contacts?name=Mu");
        REQUIRE(res);
        CHECK(res->status == 400);
        res = c.Get("/v1/contacts?email=ab");
        REQUIRE(res);
        CHECK(res->status == 400);
        res = c.Get("/v1/contacts?number=abc");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK(first_issue(res->body) == "number:invalid_value");

        // Case-insensitive substring.
        res = c.Get("/v1/contacts?name=putzTEUFEL");
        REQUIRE(res);
        CHECK(names(res->body) == std::set<std::string>{"Putzteufel AG"});

        // Numbers: the first customer of the demo seed is 10001, the first vendor 70001.
        res = c.Get("/v1/contacts?number=10001");
        REQUIRE(res);
        CHECK(names(res->body) == std::set<std::string>{"Müller & Söhne GmbH"});
        res = c.Get("/v1/contacts?number=70001");
        REQUIRE(res);
        CHECK(names(res->body) == std::set<std::string>{"Schmidt <Bau> KG"});

        // Roles.
        res = c.Get("/v1/contacts?customer=true&vendor=true&size=100");
        REQUIRE(res);
        const auto both = names(res->body);
        CHECK(both.count("100% Sauber GmbH") == 1);
        CHECK(both.count("Putzteufel AG") == 0);
        res = c.Get("/v1/contacts?customer=false&size=100");
        REQUIRE(res);
        const auto vendors_only = names(res->body);
        CHECK(vendors_only.count("Putzteufel AG") == 1);
        CHECK(vendors_only.count("100% Sauber GmbH") == 0);
        res = c.Get("/v1/contacts?vendor=maybe");
        REQUIRE(res);
        CHECK(res->status == 400);

        // E-mail also matches contact persons' addresses.
        res = c.Get("/v1/contacts?email=sabine.mueller");
        REQUIRE(res);
        CHECK(names(res->body) == std::set<std::string>{"Müller & Söhne GmbH"});
    }

    TEST_CASE("name and email filters compare against HTML-escaped text") {
        RunningServer s;
        auto c = s.client();
        // name=Müller &amp; Söhne GmbH, URL-encoded.
        auto res = c.Get("/v1/contacts?name=M%C3%BCller%20%26amp%3B%20S%C3%B6hne%20GmbH");
        REQUIRE(res);
        CHECK(names(res->body) == std::set<std::string>{"Müller & Söhne GmbH"});
        // The raw ampersand does not match.
        res = c.Get("/v1/contacts?name=M%C3%BCller%20%26%20S%C3%B6hne");
        REQUIRE(res);
        CHECK(parse(res->body)["totalElements"].GetInt() == 0);
        // `<` and `>` likewise.
        res = c.Get("/v1/contacts?name=Schmidt%20%26lt%3BBau%26gt%3B");
        REQUIRE(res);
        CHECK(names(res->body) == std::set<std::string>{"Schmidt <Bau> KG"});
        res = c.Get("/v1/contacts?name=Schmidt%20%3CBau%3E");
        REQUIRE(res);
        CHECK(parse(res->body)["totalElements"].GetInt() == 0);
    }

    TEST_CASE("wildcards and plus decoding in filters") {
        RunningServer s;
        auto c = s.client();
        // `_` matches any one character, `\_` only an underscore.
        auto res = c.Get("/v1/contacts?name=Meyer_Partner");
        REQUIRE(res);
        CHECK(names(res->body) ==
              std::set<std::string>{"Meyer_Partner GmbH", "MeyerXPartner GmbH"});
        res = c.Get("/v1/contacts?name=Meyer%5C_Partner");
        REQUIRE(res);
        CHECK(names(res->body) == std::set<std::string>{"Meyer_Partner GmbH"});
        // `%` matches any run; `\%` a literal percent sign.
        res = c.Get("/v1/contacts?name=Putz%25AG");
        REQUIRE(res);
        CHECK(names(res->body) == std::set<std::string>{"Putzteufel AG"});
        res = c.Get("/v1/contacts?name=100%5C%25");
        REQUIRE(res);
        CHECK(names(res->body) == std::set<std::string>{"100% Sauber GmbH"});
        // a_b@ matches a.b@ too.
        res = c.Get("/v1/contacts?email=a_b@");
        REQUIRE(res);
        CHECK(names(res->body) ==
              std::set<std::string>{"Meyer_Partner GmbH", "MeyerXPartner GmbH"});
        // `+` and `%20` both decode to a space.
        res = c.Get("/v1/contacts?name=Erika+Mustermann");
        REQUIRE(res);
        CHECK(names(res->body) == std::set<std::string>{"Mustermann"});
        res = c.Get("/v1/contacts?name=Erika%20Mustermann");
        REQUIRE(res);
        CHECK(names(res->body) == std::set<std::string>{"Mustermann"});
    }

    TEST_CASE("totalElements is capped at the listing window and deeper pages are refused") {
        ServerOptions o = unlimited();
        o.listing_window = 10;
        RunningServer s(o);
        auto c = s.client();
        auto res = c.Get("/v1/contacts?size=4");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const auto d = parse(res->body);
        CHECK(d["totalElements"].GetInt() == 10);
        CHECK(d["totalPages"].GetInt() == 3);
        res = c.Get("/v1/contacts?size=4&page=2");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(parse(res->body)["numberOfElements"].GetInt() == 2);
        CHECK(parse(res->body)["last"].GetBool());
        res = c.Get("/v1/contacts?size=4&page=3");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK(res->body.find("Maximum search window size exceeded") != std::string::npos);
    }

    TEST_CASE("GET of a seeded contact returns the stable demo object") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Get(std::string("/v1/contacts/") + k_mueller);
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const auto d = parse(res->body);
        CHECK(d["id"] == k_mueller);
        CHECK(d["company"]["contactPersons"][0]["lastName"] == "Müller");
        CHECK(d["addresses"]["billing"][0]["countryCode"] == "DE");
        CHECK(d["version"].GetInt() == 1);
    }

    TEST_CASE("a seeded contact keeps every e-mail, phone number and contact person, in order, "
              "is found by each address and cannot be written back") {
        const TempPath seed(".json");
        seed.write(R"({"organizations":[{"id":"11111111-2222-4333-8444-555555555555",
          "companyName":"Listen GmbH","apiKeys":["lists-key"],"contacts":[
          {"id":"22222222-0000-4000-8000-000000000001","version":2,"roles":{"customer":{"number":10001}},
           "company":{"name":"Multi GmbH","contactPersons":[
             {"lastName":"Eins","primary":true,"emailAddress":"eins@multi.example"},
             {"lastName":"Zwei","primary":false,"emailAddress":"zwei@multi.example"}]},
           "emailAddresses":{"business":["info@multi.example","sales@multi.example"]},
           "phoneNumbers":{"mobile":["0171 1","0171 2"],"fax":["030 9"]}}]}]})");
        ServerOptions o = unlimited(seed.str());
        RunningServer s(o);
        auto c = s.client("lists-key");
        auto res = c.Get("/v1/contacts/22222222-0000-4000-8000-000000000001");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const std::string read = res->body;
        const auto d = parse(read);
        REQUIRE(d["emailAddresses"]["business"].Size() == 2);
        CHECK(d["emailAddresses"]["business"][0] == "info@multi.example");
        CHECK(d["emailAddresses"]["business"][1] == "sales@multi.example");
        REQUIRE(d["phoneNumbers"]["mobile"].Size() == 2);
        CHECK(d["phoneNumbers"]["mobile"][1] == "0171 2");
        CHECK(d["phoneNumbers"]["fax"][0] == "030 9");
        REQUIRE(d["company"]["contactPersons"].Size() == 2);
        CHECK(d["company"]["contactPersons"][1]["lastName"] == "Zwei");
        CHECK(d["company"]["contactPersons"][1]["emailAddress"] == "zwei@multi.example");
        // The listing carries the same lists.
        res = c.Get("/v1/contacts");
        REQUIRE(res);
        const auto page = parse(res->body);
        REQUIRE(page["content"].Size() == 1);
        CHECK(page["content"][0]["emailAddresses"]["business"].Size() == 2);
        CHECK(page["content"][0]["company"]["contactPersons"].Size() == 2);
        // The e-mail filter finds the contact by its second address and by its second contact
        // person's.
        for (const char* email : {"sales@multi.example", "zwei@multi.example"}) {
            res = c.Get(std::string("/v1/contacts?email=") + email);
            REQUIRE(res);
            CHECK_MESSAGE(parse(res->body)["totalElements"].GetInt() == 1, email);
        }
        // Written back as read, every list beyond the API's limits is refused.
        res = c.Put("/v1/contacts/22222222-0000-4000-8000-000000000001", read, k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
        CHECK(has_issue(res->body, "emailAddresses.business.size:invalid_value"));
        CHECK(has_issue(res->body, "phoneNumbers.mobile.size:invalid_value"));
        CHECK(has_issue(res->body, "company.contactPersons.size:invalid_value"));
        CHECK_FALSE(has_issue(res->body, "phoneNumbers.fax.size:invalid_value"));
    }
}
