#include <algorithm>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/records/contacts.hpp>
#include <unistd.h>

using namespace lexsync;
using namespace lexsync::contacts;

namespace {

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        path =
            std::filesystem::temp_directory_path() /
            ("lexsync-contacts-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    static int& counter() {
        static int n = 0;
        return n;
    }
    std::filesystem::path write(const std::string& name, const std::string& content) const {
        std::ofstream(path / name, std::ios::binary) << content;
        return path / name;
    }
};

std::vector<std::string> messages(const std::vector<InputIssue>& issues) {
    std::vector<std::string> out;
    for (const auto& i : issues) {
        out.push_back(i.to_string());
    }
    return out;
}

json::Document parse(const std::string& s) {
    auto d = json::parse(s);
    REQUIRE(d.has_value());
    return std::move(d).value();
}

} // namespace

TEST_SUITE("lexsync::contacts") {
    TEST_CASE("a valid CSV file gives one row per record with its line") {
        TempDir dir;
        auto file = dir.write(
            "c.csv",
            "ref,role,company_name,email,street,city,country\n"
            "a,customer,\"Müller & Söhne GmbH\",info@mueller.example,\"Weg 1\nHof 2\",Köln,DE\n"
            "b,vendor,Beta AG,,,,\n");
        auto in = read_input(file);
        REQUIRE(in.has_value());
        REQUIRE(in->rows().size() == 2);
        CHECK(in->rows()[0].line == 2);
        CHECK(in->rows()[0].company_name == "Müller & Söhne GmbH");
        CHECK(in->rows()[0].customer);
        CHECK_FALSE(in->rows()[0].vendor);
        CHECK(in->rows()[1].line == 4);
        CHECK(in->rows()[1].vendor);
    }

    TEST_CASE("a cell protected against spreadsheet formulas reads without its apostrophe") {
        TempDir dir;
        // As lexsync's CSV output writes them: a ' before + = - @; other apostrophes stay.
        auto file = dir.write("c.csv", "role,company_name,phone,fax,note\n"
                                       "customer,'=Sum AG,'+49 30 1234,'-12,'Ecke' Laden\n");
        auto in = read_input(file);
        REQUIRE(in.has_value());
        const auto rows = in->rows();
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].company_name == "=Sum AG");
        CHECK(rows[0].phone == "+49 30 1234");
        CHECK(rows[0].fax == "'-12"); // -12 is a plain number, never protected
        CHECK(rows[0].note == "'Ecke' Laden");
    }

    TEST_CASE("every problem is reported with file, line and field") {
        TempDir dir;
        auto file = dir.write("bad.csv", "role,company_name,last_name,email,country,note\n"
                                         "customer,,,x@y.de,DE,\n"
                                         "customer,A GmbH,,broken,de,\n"
                                         "both,B GmbH,,b@b.example,,\n"
                                         "both,B GmbH,,b@b.example,,\n");
        auto in = read_input(file);
        REQUIRE_FALSE(in.has_value());
        const auto m = messages(in.error());
        const std::string f = file.string();
        CHECK(
            std::find(m.begin(), m.end(),
                      f + ":2:2:company_name: missing name: a company needs company_name, a person "
                          "last_name") != m.end());
        CHECK(std::find(m.begin(), m.end(),
                        f + ":3:4:email: 'broken' is not a valid e-mail address") != m.end());
        CHECK(std::find(m.begin(), m.end(),
                        f + ":3:5:country: 'de' is not a country code lexoffice knows; did you "
                            "mean 'DE'?") != m.end());
        CHECK(std::find(m.begin(), m.end(), f + ":5:4:email: duplicate of line 4") != m.end());
    }

    TEST_CASE("country codes are checked against the list lexoffice accepts") {
        TempDir dir;
        auto file = dir.write("cc.csv", "role,company_name,city,country\n"
                                        "customer,A GmbH,London,UK\n"
                                        "customer,B GmbH,Ort,XX\n"
                                        "customer,C GmbH,Athen,EL\n"
                                        "customer,D GmbH,Pristina,XK\n"
                                        "customer,E GmbH,Las Palmas,ES_CN\n"
                                        "customer,F GmbH,Ort,ES_XX\n");
        auto in = read_input(file);
        REQUIRE_FALSE(in.has_value());
        const auto m = messages(in.error());
        const std::string f = file.string();
        CHECK(m.size() == 4);
        CHECK(std::find(m.begin(), m.end(),
                        f + ":2:4:country: 'UK' is not a country code lexoffice knows; did you "
                            "mean 'GB'?") != m.end());
        CHECK(std::find(m.begin(), m.end(),
                        f + ":3:4:country: 'XX' is not a country code lexoffice knows (ISO "
                            "3166-1 alpha-2 such as DE, or ES_CN, GR_69, …)") != m.end());
        CHECK(std::find(m.begin(), m.end(),
                        f + ":4:4:country: 'EL' is not a country code lexoffice knows; did you "
                            "mean 'GR'?") != m.end());
        CHECK(std::find_if(m.begin(), m.end(), [&](const std::string& s) {
                  return s.rfind(f + ":7:4:country: 'ES_XX'", 0) == 0;
              }) != m.end());
    }

    TEST_CASE("unknown columns are refused at the header") {
        TempDir dir;
        auto in = read_input(dir.write("c.csv", "role,company_name,colour\ncustomer,A,blue\n"));
        REQUIRE_FALSE(in.has_value());
        CHECK(in.error().at(0).line == 1);
        CHECK(in.error().at(0).field == "colour");
    }

    TEST_CASE("JSON input reports the line where each object starts") {
        TempDir dir;
        auto file =
            dir.write("c.json", "[\n  {\"role\": \"customer\", \"company_name\": \"A GmbH\"},\n"
                                "  {\n    \"role\": \"vendor\",\n    \"email\": \"x\"\n  }\n]\n");
        auto in = read_input(file);
        REQUIRE_FALSE(in.has_value());
        const auto m = messages(in.error());
        CHECK(std::find(m.begin(), m.end(),
                        file.string() + ":3:email: 'x' is not a valid e-mail address") != m.end());
    }

    TEST_CASE("the create body has version 0, empty roles and the documented shape") {
        ContactInput in;
        in.customer = true;
        in.company_name = "A GmbH";
        in.last_name = "Muster";
        in.email = "a@b.de";
        in.country = "DE";
        in.city = "Berlin";
        auto d = parse(create_body(in));
        CHECK(json::get_int(d, "version") == 0);
        CHECK(d["roles"]["customer"].ObjectEmpty());
        CHECK_FALSE(d["roles"].HasMember("vendor"));
        CHECK(json::get_string(d, "company.name") == "A GmbH");
        CHECK(json::get_string(d["company"]["contactPersons"][0], "lastName") == "Muster");
        CHECK(json::get_string(d["addresses"]["billing"][0], "countryCode") == "DE");
        CHECK(std::string(d["emailAddresses"]["business"][0].GetString()) == "a@b.de");
        CHECK_FALSE(d.HasMember("person"));
    }

    TEST_CASE("contact person, e-mail and phone kinds, shipping address and region columns") {
        TempDir dir;
        // German headers (aliases) in CSV, the documented keys in JSON: the same row.
        auto csv = dir.write(
            "de.csv",
            "Rolle;Firma;Nachname;E-Mail Ansprechpartner;Telefon Ansprechpartner;E-Mail privat;"
            "E-Mail Büro;E-Mail sonstige;Telefon Büro;Telefon privat;Fax;Telefon sonstige;Ort;"
            "Bundesstaat;Land;Lieferadresse Straße;Lieferadresse Zusatz;Lieferadresse PLZ;"
            "Lieferadresse Ort;Lieferadresse Bundesstaat;Lieferadresse Land\n"
            "Kunde;Acme Inc.;Doe;john@acme.example;+1 1;p@example.org;o@acme.example;"
            "x@acme.example;+1 2;+1 3;+1 4;+1 5;Springfield;IL;US;9 Dock Rd;Gate 2;60601;Chicago;"
            "IL;US\n");
        auto json_file =
            dir.write("en.json",
                      R"([{"role":"customer","company_name":"Acme Inc.","last_name":"Doe",
                 "person_email":"john@acme.example","person_phone":"+1 1",
                 "email_private":"p@example.org","email_office":"o@acme.example",
                 "email_other":"x@acme.example","phone_office":"+1 2","phone_private":"+1 3",
                 "fax":"+1 4","phone_other":"+1 5","city":"Springfield","region":"IL",
                 "country":"US","shipping_street":"9 Dock Rd","shipping_supplement":"Gate 2",
                 "shipping_zip":"60601","shipping_city":"Chicago","shipping_region":"IL",
                 "shipping_country":"US"}])");
        for (const auto& file : {csv, json_file}) {
            CAPTURE(file);
            auto in = read_input(file);
            REQUIRE(in.has_value());
            REQUIRE(in->rows().size() == 1);
            const auto rows = in->rows();
            const auto& r = rows[0];
            CHECK(r.city == "Springfield, IL");
            CHECK(r.shipping_city == "Chicago, IL");
            auto d = parse(create_body(r));
            const auto& p = d["company"]["contactPersons"][0];
            CHECK(json::get_string(p, "emailAddress") == "john@acme.example");
            CHECK(json::get_string(p, "phoneNumber") == "+1 1");
            CHECK_FALSE(d["emailAddresses"].HasMember("business"));
            CHECK(std::string(d["emailAddresses"]["private"][0].GetString()) == "p@example.org");
            CHECK(std::string(d["emailAddresses"]["office"][0].GetString()) == "o@acme.example");
            CHECK(std::string(d["emailAddresses"]["other"][0].GetString()) == "x@acme.example");
            CHECK(std::string(d["phoneNumbers"]["office"][0].GetString()) == "+1 2");
            CHECK(std::string(d["phoneNumbers"]["private"][0].GetString()) == "+1 3");
            CHECK(std::string(d["phoneNumbers"]["fax"][0].GetString()) == "+1 4");
            CHECK(std::string(d["phoneNumbers"]["other"][0].GetString()) == "+1 5");
            CHECK(json::get_string(d["addresses"]["billing"][0], "city") == "Springfield, IL");
            const auto& ship = d["addresses"]["shipping"][0];
            CHECK(json::get_string(ship, "street") == "9 Dock Rd");
            CHECK(json::get_string(ship, "supplement") == "Gate 2");
            CHECK(json::get_string(ship, "zip") == "60601");
            CHECK(json::get_string(ship, "city") == "Chicago, IL");
            CHECK(json::get_string(ship, "countryCode") == "US");
            // What was created merges back without a change; a new fax number is one change.
            auto stored = parse(create_body(r));
            CHECK(merge_into(stored, r).empty());
            auto changed_row = r;
            changed_row.fax = "+1 9";
            CHECK(merge_into(stored, changed_row) == std::vector<std::string>{"fax"});
            CHECK(std::string(stored["phoneNumbers"]["fax"][0].GetString()) == "+1 9");
        }
    }

    TEST_CASE("the new columns are validated like the old ones") {
        TempDir dir;
        auto file = dir.write("bad.csv",
                              "role,company_name,first_name,last_name,person_email,email_private,"
                              "shipping_city,shipping_country\n"
                              "customer,A GmbH,,,a@a.example,,,\n"
                              "customer,,Jo,Weber,jo@example.org,,,\n"
                              "customer,B GmbH,,Muster,b@b..de,max@beispiel..de,,\n"
                              "customer,C GmbH,,,,,London,\n"
                              "customer,D GmbH,,,,,London,UK\n");
        auto in = read_input(file);
        REQUIRE_FALSE(in.has_value());
        const auto m = messages(in.error());
        const std::string f = file.string();
        auto has = [&](const std::string& prefix) {
            return std::find_if(m.begin(), m.end(), [&](const std::string& s) {
                       return s.rfind(f + prefix, 0) == 0;
                   }) != m.end();
        };
        CHECK(has(":2:5:person_email: the contact person needs a last_name"));
        CHECK(has(":3:5:person_email: only a company's contact person"));
        CHECK(has(":4:5:person_email: 'b@b..de' is not a valid e-mail address"));
        CHECK(has(":4:6:email_private: 'max@beispiel..de' is not a valid e-mail address"));
        CHECK(has(":5:8:shipping_country: missing"));
        CHECK(has(":6:8:shipping_country: 'UK' is not a country code lexoffice knows; did you "
                  "mean 'GB'?"));
        CHECK(m.size() == 6);
    }

    TEST_CASE("merging an input that lexoffice already reflects changes nothing") {
        auto c = parse(R"({"id":"1","version":3,"roles":{"customer":{"number":10001}},
            "company":{"name":"A GmbH","contactPersons":[{"lastName":"Muster","primary":true}]},
            "addresses":{"billing":[{"street":"Weg 1","zip":"10115","city":"Berlin","countryCode":"DE"}]},
            "emailAddresses":{"office":["A@B.de"]},"note":"x"})");
        ContactInput in;
        in.customer = true;
        in.company_name = "A GmbH";
        in.last_name = "Muster";
        in.email = "a@b.de";
        in.city = "Berlin";
        in.country = "DE";
        CHECK(merge_into(c, in).empty());
    }

    TEST_CASE("a second billing address: the same one merges to nothing, a new one is beyond "
              "the write limits") {
        auto c = parse(R"({"id":"1","version":3,"roles":{"customer":{}},"company":{"name":"B"},
            "addresses":{"billing":[{"street":"Weg 1","zip":"10115","city":"Berlin","countryCode":"DE"},
                                    {"street":"Postfach 9","zip":"10001","city":"Berlin","countryCode":"DE"}]}})");
        ContactInput in;
        in.customer = true;
        in.company_name = "B";
        in.street = "Weg 1";
        in.country = "DE";
        in.more_billing.push_back(Address{"Postfach 9", "", "10001", "Berlin", "DE"});
        CHECK(merge_into(c, in).empty());
        in.more_billing[0].street = "Postfach 10";
        CHECK(merge_into(c, in) == std::vector<std::string>{"billing2_address"});
        CHECK(beyond_write_limits(c) == "2 billing addresses");
        const auto body = parse(create_body(in));
        REQUIRE(body["addresses"]["billing"].Size() == 2);
        CHECK(json::get_string(body["addresses"]["billing"][1], "street") == "Postfach 10");
        CHECK(json::get_string(body["addresses"]["billing"][1], "zip") == "10001");
        CHECK(beyond_write_limits(body) == "2 billing addresses");
    }

    TEST_CASE("German headers of the numbered address columns read as the documented ones") {
        TempDir dir;
        const std::string en_header =
            "role,company_name,street,zip,city,country,billing2_street,billing2_supplement,"
            "billing2_zip,billing2_city,billing2_region,billing2_country,billing3_street,"
            "billing3_zip,billing3_city,billing3_country,shipping_street,shipping_city,"
            "shipping_country,shipping2_street,shipping2_supplement,shipping2_zip,shipping2_city,"
            "shipping2_region,shipping2_country,shipping3_street,shipping3_zip,shipping3_city,"
            "shipping3_country\n";
        const std::string de_header =
            "Rolle,Firma,Straße,PLZ,Ort,Land,Rechnungsadresse 2 Straße,"
            "Rechnungsadresse 2 Zusatz,Rechnungsadresse 2 PLZ,Rechnungsadresse 2 Ort,"
            "Rechnungsadresse 2 Bundesstaat,Rechnungsadresse 2 Land,Rechnungsadresse 3 Strasse,"
            "Rechnungsadresse 3 PLZ,Rechnungsadresse 3 Stadt,Rechnungsadresse 3 Ländercode,"
            "Lieferadresse Straße,Lieferadresse Ort,Lieferadresse Land,Lieferadresse 2 Straße,"
            "Lieferadresse 2 Adresszusatz,Lieferadresse 2 PLZ,Lieferadresse 2 Ort,"
            "Lieferadresse 2 Bundesland,Lieferadresse 2 Land,Lieferadresse 3 Straße,"
            "Lieferadresse 3 PLZ,Lieferadresse 3 Ort,Lieferadresse 3 Land\n";
        const std::string row = "Kunde,B GmbH,Weg 1,10115,Berlin,DE,Postfach 9,Zusatz 2,10001,"
                                "Berlin,BE,DE,Postfach 10,10002,Potsdam,DE,Dock 1,Hamburg,DE,"
                                "Dock 2,Tor 2,60601,Chicago,IL,US,Dock 3,1010,Wien,AT\n";
        auto en = read_input(dir.write("en.csv", en_header + row));
        auto de = read_input(dir.write("de.csv", de_header + row));
        REQUIRE(en.has_value());
        REQUIRE(de.has_value());
        const auto en_rows = en->rows();
        const auto de_rows = de->rows();
        REQUIRE(de_rows.size() == 1);
        const auto& r = de_rows[0];
        REQUIRE(r.more_billing.size() == 2);
        REQUIRE(r.more_shipping.size() == 2);
        CHECK(r.more_billing[0].street == "Postfach 9");
        CHECK(r.more_billing[0].supplement == "Zusatz 2");
        CHECK(r.more_billing[0].city == "Berlin, BE");
        CHECK(r.more_billing[1].city == "Potsdam");
        CHECK(r.more_shipping[0].supplement == "Tor 2");
        CHECK(r.more_shipping[0].city == "Chicago, IL");
        CHECK(r.more_shipping[1].country == "AT");
        // The same request body as the file with the documented headers.
        CHECK(create_body(r) == create_body(en_rows[0]));
    }

    TEST_CASE("bank account columns: German headers, normalised IBAN and BIC, the POST body") {
        TempDir dir;
        auto de = dir.write("de.csv", "Rolle;Firma;Kontoinhaber;Bank;IBAN;BIC\n"
                                      "Kunde;A GmbH;;Commerzbank;de89 3704 0044 0532 0130 00;"
                                      "cobadeffxxx\n"
                                      "Kunde;B GmbH;Erika Muster;;;\n");
        auto in = read_input(de);
        REQUIRE_FALSE(in.has_value());
        // A holder without an IBAN is an issue; the rest of the first row is right.
        const auto m = messages(in.error());
        REQUIRE(m.size() == 1);
        CHECK(m[0] == de.string() + ":3:5:IBAN: missing: a bank account needs an IBAN");

        auto ok = dir.write("ok.csv", "Rolle;Firma;Kontoinhaber;Bank;IBAN;BIC\n"
                                      "Kunde;A GmbH;;Commerzbank;de89 3704 0044 0532 0130 00;"
                                      "cobadeffxxx\n"
                                      "Kunde;B GmbH;;;;\n");
        auto file = read_input(ok);
        REQUIRE(file.has_value());
        CHECK(file->has_bank_accounts);
        const auto rows = file->rows();
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].iban == "DE89370400440532013000");
        CHECK(rows[0].bic == "COBADEFFXXX");
        CHECK(rows[0].has_bank_account());
        CHECK_FALSE(rows[1].has_bank_account());
        // The holder defaults to the contact's name.
        auto body = parse(bank_account_body(rows[0]));
        CHECK(json::get_string(body, "accountHolder") == "A GmbH");
        CHECK(json::get_string(body, "bankName") == "Commerzbank");
        CHECK(json::get_string(body, "iban") == "DE89370400440532013000");
        CHECK(json::get_string(body, "bic") == "COBADEFFXXX");
        CHECK(body.MemberCount() == 4);
        // The bank account is not part of the contact's body: a row only adding an account
        // leaves the contact unchanged.
        auto without = rows[0];
        without.iban.clear();
        CHECK(create_body(rows[0]) == create_body(without));
        auto stored = parse(create_body(rows[0]));
        CHECK(merge_into(stored, rows[0]).empty());
    }

    TEST_CASE("bank account columns are checked: IBAN checksum and length, BIC, bank name") {
        TempDir dir;
        auto file =
            dir.write("bad.csv", "role,company_name,bank_account_holder,bank_name,iban,bic\n"
                                 "customer,A GmbH,,Bank A,DE89370400440532013001,COBADEFFXXX\n"
                                 "customer,B GmbH,,Bank B,AT61190430023457320,COBADEFF\n"
                                 "customer,C GmbH,,Bank C,CH9300762011623852957,COBA\n"
                                 "customer,D GmbH,,,DE89370400440532013000,\n"
                                 "customer,E GmbH,,Bank E,ZZ12,COBADEFF\n");
        auto in = read_input(file);
        REQUIRE_FALSE(in.has_value());
        const auto m = messages(in.error());
        const std::string f = file.string();
        CHECK(
            m ==
            std::vector<std::string>{
                f + ":2:5:iban: 'DE89370400440532013001' is not a valid IBAN: its check "
                    "digits do not match (a typo?)",
                f + ":3:5:iban: 'AT61190430023457320' is not an IBAN of AT: those have 20 "
                    "characters, this one 19",
                f + ":4:6:bic: 'COBA' is not a BIC: 8 or 11 letters and digits, the first "
                    "six letters (COBADEFFXXX)",
                f + ":5:6:bic: missing: lexoffice needs the BIC with an IBAN",
                f + ":5:4:bank_name: missing: lexoffice needs the bank's name with an IBAN",
                f + ":6:5:iban: 'ZZ12' is not an IBAN: IBANs have 15 to 34 characters, this one 4",
            });
    }

    TEST_CASE("parse_bank_accounts reads a listing; has_iban compares normalised IBANs") {
        auto list = parse(
            R"([{"id":"b1","accountHolder":"A","bankName":"X","iban":"DE89 3704 0044 0532 0130 00","bic":"COBADEFFXXX","version":2},
                              {"id":"b2","accountHolder":"A","bankName":"Y","iban":"AT611904300234573201","bic":"BKAUATWW"}, 7])");
        const auto accounts = parse_bank_accounts(list);
        REQUIRE(accounts.size() == 2);
        CHECK(accounts[0].id == "b1");
        CHECK(accounts[0].iban == "DE89370400440532013000");
        CHECK(accounts[1].bank_name == "Y");
        CHECK(has_iban(accounts, "DE89370400440532013000"));
        CHECK_FALSE(has_iban(accounts, "CH9300762011623852957"));
        CHECK(parse_bank_accounts(parse("{}")).empty());
    }

    TEST_CASE("merging keeps what the input does not mention and adds roles") {
        auto c = parse(R"({"id":"1","version":3,"roles":{"customer":{"number":10001}},
            "company":{"name":"A GmbH"},"phoneNumbers":{"business":["030 1"]},"note":"old"})");
        ContactInput in;
        in.vendor = true;
        in.company_name = "A GmbH";
        in.note = "new";
        const auto changed = merge_into(c, in);
        CHECK(changed == std::vector<std::string>{"role", "note"});
        CHECK(c["roles"].HasMember("customer"));
        CHECK(c["roles"].HasMember("vendor"));
        CHECK(json::get_string(c, "note") == "new");
        CHECK(std::string(c["phoneNumbers"]["business"][0].GetString()) == "030 1");
        CHECK(json::get_int(c, "version") == 3);
    }

    TEST_CASE("matching prefers id, ledger, number, e-mail, then name, and reports conflicts") {
        Index index;
        auto add = [&](const std::string& json_text) { index.add(summarize(parse(json_text))); };
        add(R"({"id":"c1","version":1,"roles":{"customer":{"number":10001}},"company":{"name":"Alpha GmbH"},
                "emailAddresses":{"business":["info@alpha.example"]}})");
        add(R"({"id":"c2","version":1,"roles":{"vendor":{"number":70001}},"company":{"name":"Beta AG"}})");
        add(R"({"id":"c3","version":1,"roles":{"customer":{}},"company":{"name":"Beta AG"}})");
        add(R"({"id":"c4","version":1,"roles":{"customer":{}},"person":{"firstName":"Jo","lastName":"Weber"}})");

        ContactInput by_email;
        by_email.company_name = "Alpha Renamed";
        by_email.email = "INFO@alpha.example";
        CHECK(index.match(by_email, "").id == "c1");
        CHECK(index.match(by_email, "").rule == "email");

        ContactInput by_name;
        by_name.company_name = "Beta AG";
        const auto conflict = index.match(by_name, "");
        CHECK(conflict.kind == Match::Kind::conflict);
        CHECK(conflict.candidates.size() == 2);
        // What an earlier run created wins over a name that is no longer unique.
        CHECK(index.match(by_name, "c3").id == "c3");

        ContactInput by_number;
        by_number.company_name = "Whatever";
        by_number.vendor_number = 70001;
        CHECK(index.match(by_number, "").id == "c2");
        by_number.vendor_number = 79999;
        CHECK(index.match(by_number, "").kind == Match::Kind::missing);

        ContactInput person;
        person.first_name = "jo";
        person.last_name = "WEBER";
        CHECK(index.match(person, "").id == "c4");

        ContactInput fresh;
        fresh.company_name = "Gamma GmbH";
        CHECK(index.match(fresh, "").kind == Match::Kind::none);
    }

    TEST_CASE("a match that the rest of the row contradicts is a conflict, never a merge") {
        Index index;
        index.add(summarize(parse(
            R"({"id":"k1","version":1,"roles":{"customer":{"number":10001}},
                "company":{"name":"Alpha GmbH","vatRegistrationId":"DE123456789"},
                "addresses":{"billing":[{"street":"Hauptstraße 1","zip":"50667","city":"Köln",
                                         "countryCode":"DE"}]},
                "emailAddresses":{"business":["info@alpha.example"]}})")));

        // Same number, another VAT id: another business.
        ContactInput vat;
        vat.company_name = "Alpha GmbH";
        vat.customer_number = 10001;
        vat.vat_id = "DE 999 999 999";
        auto m = index.match(vat, "");
        CHECK(m.kind == Match::Kind::conflict);
        CHECK(m.reason.find("a different VAT id") != std::string::npos);
        CHECK(m.reason.find("DE999999999") != std::string::npos);
        CHECK(m.reason.find("DE123456789") != std::string::npos);

        // Same e-mail (in another case), another name and address: another business.
        ContactInput mail;
        mail.company_name = "Omega AG";
        mail.email = "Info@Alpha.example";
        mail.zip = "20095";
        mail.city = "Hamburg";
        m = index.match(mail, "");
        CHECK(m.kind == Match::Kind::conflict);
        CHECK(m.reason.find("Omega AG") != std::string::npos);
        CHECK(m.reason.find("Alpha GmbH") != std::string::npos);

        // Same name, another address: the name alone does not decide.
        ContactInput name;
        name.company_name = "alpha gmbh";
        name.city = "Berlin";
        CHECK(index.match(name, "").kind == Match::Kind::conflict);

        // A rename by number, a move by e-mail, an abbreviated street: the same contact.
        ContactInput renamed;
        renamed.company_name = "Alpha Holding GmbH";
        renamed.customer_number = 10001;
        renamed.city = "Köln";
        CHECK(index.match(renamed, "").id == "k1");
        ContactInput moved;
        moved.company_name = "Alpha GmbH";
        moved.email = "info@alpha.example";
        moved.city = "Bonn";
        CHECK(index.match(moved, "").id == "k1");
        ContactInput street;
        street.company_name = "Alpha GmbH";
        street.street = "Hauptstr. 1";
        street.zip = "50667";
        CHECK(index.match(street, "").id == "k1");
    }

    TEST_CASE("of several contacts with one name, the one the row agrees with is the match") {
        Index index;
        index.add(summarize(parse(
            R"({"id":"p1","version":1,"roles":{"customer":{}},"person":{"firstName":"Thomas","lastName":"Müller"},
                "addresses":{"billing":[{"zip":"10115","city":"Berlin","countryCode":"DE"}]}})")));
        index.add(summarize(parse(
            R"({"id":"p2","version":1,"roles":{"customer":{}},"person":{"firstName":"Thomas","lastName":"Müller"},
                "addresses":{"billing":[{"zip":"80331","city":"München","countryCode":"DE"}]}})")));
        ContactInput berlin;
        berlin.first_name = "Thomas";
        berlin.last_name = "Müller";
        berlin.zip = "10115";
        berlin.city = "Berlin";
        CHECK(index.match(berlin, "").id == "p1");
        ContactInput hamburg = berlin;
        hamburg.zip = "20095";
        hamburg.city = "Hamburg";
        CHECK(index.match(hamburg, "").kind == Match::Kind::conflict);
        ContactInput bare;
        bare.first_name = "Thomas";
        bare.last_name = "Müller";
        const auto two = index.match(bare, "");
        CHECK(two.kind == Match::Kind::conflict);
        CHECK(two.candidates.size() == 2);
    }

    TEST_CASE("same names in one file: only rows that nothing tells apart are flagged") {
        TempDir dir;
        auto in = read_input(dir.write("same.csv", "role,first_name,last_name,zip,city,country\n"
                                                   "customer,Thomas,Müller,10115,Berlin,DE\n"
                                                   "customer,Thomas,Müller,80331,München,DE\n"
                                                   "customer,Anna,Schmidt,,,\n"
                                                   "customer,Anna,Schmidt,,,\n"
                                                   "customer,Jo,Weber,,,\n"));
        REQUIRE(in.has_value());
        CHECK(in->same_contact.size() == 2);
        CHECK(in->same_contact.count(2) == 1);
        CHECK(in->same_contact.count(3) == 1);
        CHECK(in->same_contact.at(3).find("line 4") != std::string::npos);
        // Two people of one name have two ledger keys.
        CHECK(in->rows()[0].ledger_key() != in->rows()[1].ledger_key());
    }

    TEST_CASE("write-back rewrites a CSV file with ids and numbers, appending columns") {
        TempDir dir;
        auto file = dir.write("c.csv", "role;company_name\ncustomer;A GmbH\nvendor;B AG\n");
        auto in = read_input(file);
        REQUIRE(in.has_value());
        write_back(*in, {{0, Assigned{"id-a", 10001, std::nullopt}},
                         {1, Assigned{"id-b", std::nullopt, 70001}}});
        std::ifstream f(file);
        std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        CHECK(text == "role;company_name;id;customer_number;vendor_number\n"
                      "customer;A GmbH;id-a;10001;\n"
                      "vendor;B AG;id-b;;70001\n");
    }

    TEST_CASE("German headers and values, Windows-1252, blank rows; write-back keeps all three") {
        TempDir dir;
        auto file = dir.write("kunden.csv", "Rolle;Firma;Vorname;Nachname;E-Mail;Stra\xDF"
                                            "e;PLZ;Ort;Land;Kundennummer\r\n"
                                            "Kunde;M\xFCller GmbH;;;info@mueller.example;"
                                            "Hauptstra\xDF"
                                            "e 1;10115;Berlin;DE;\r\n"
                                            "Lieferant;;Jonas;Weber;;;;;;\r\n"
                                            ";;;;;;;;;\r\n");
        auto in = read_input(file);
        REQUIRE_MESSAGE(in.has_value(), (in ? "" : messages(in.error()).front()));
        REQUIRE(in->rows().size() == 2);
        CHECK(in->encoding == lexsync::table::Encoding::windows_1252);
        CHECK(in->rows()[0].company_name == "Müller GmbH");
        CHECK(in->rows()[0].street == "Hauptstraße 1");
        CHECK(in->rows()[0].customer);
        CHECK(in->rows()[1].vendor);
        CHECK(in->rows()[1].last_name == "Weber");
        write_back(*in, {{0, Assigned{"id-a", 10001, std::nullopt}}});
        std::ifstream f(file, std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(f)), {});
        // The existing Kundennummer column is filled; no second customer_number column.
        CHECK(text == "Rolle;Firma;Vorname;Nachname;E-Mail;Stra\xDF"
                      "e;PLZ;Ort;Land;Kundennummer;id;vendor_number\n"
                      "Kunde;M\xFCller GmbH;;;info@mueller.example;Hauptstra\xDF"
                      "e 1;10115;Berlin;DE;10001;id-a;\n"
                      "Lieferant;;Jonas;Weber;;;;;;;;\n");
    }

    TEST_CASE("an unknown header gets a did-you-mean with its column") {
        TempDir dir;
        auto file = dir.write("c.csv", "role,company_name,emial\ncustomer,A,a@b.example\n");
        auto in = read_input(file);
        REQUIRE_FALSE(in.has_value());
        CHECK(messages(in.error()).front() ==
              file.string() + ":1:3:emial: unknown column; did you mean 'email'? (see 'man "
                              "lexsync-contacts')");
    }

    TEST_CASE("e-mail syntax as lexoffice takes it") {
        for (const char* ok : {"max@beispiel.de", "max.muster+rechnung@mail.beispiel.de",
                               "info@m\xC3\xBCller.de", "a@b-c.example"}) {
            CHECK_MESSAGE(is_valid_email(ok), ok);
        }
        for (const char* bad :
             {"max@beispiel..de", "max..muster@beispiel.de", ".max@beispiel.de", "max.@beispiel.de",
              "max@beispiel", "max@beispiel.d", "max@-beispiel.de", "max@beispiel-.de",
              "max@.beispiel.de", "max@beispiel.de.", "max@bei_spiel.de", "max muster@beispiel.de",
              "max@@beispiel.de", "@beispiel.de", "max@", "a@b.de;c@d.de"}) {
            CHECK_MESSAGE(!is_valid_email(bad), bad);
        }
    }

    TEST_CASE("several values in one cell: split at ';', trimmed, joined with '; '") {
        CHECK(split_values("a@x.de; b@x.de") == std::vector<std::string>{"a@x.de", "b@x.de"});
        CHECK(split_values(" a@x.de ;b@x.de;; ") == std::vector<std::string>{"a@x.de", "b@x.de"});
        CHECK(split_values("+49 30 1234") == std::vector<std::string>{"+49 30 1234"});
        CHECK(split_values(" ; ").empty());
        CHECK(split_values("").empty());
        CHECK(join_values({"a@x.de", "b@x.de"}) == "a@x.de; b@x.de");
        CHECK(join_values({"030 1"}) == "030 1");
        CHECK(join_values({}).empty());
        CHECK(split_values(join_values({"+49 30 1", "+49 30 2", "x@y.de"})) ==
              std::vector<std::string>{"+49 30 1", "+49 30 2", "x@y.de"});
    }

    TEST_CASE("multi-valued cells and further contact persons are read and checked value by "
              "value") {
        TempDir dir;
        auto file =
            dir.write("multi.csv", "role,company_name,last_name,email,mobile,person2_last_name,"
                                   "person2_email,person3_first_name\n"
                                   "customer,A GmbH,Muster,a@a.example;b@a.example ,0171 1; 0171 2,"
                                   "Beispiel,beispiel@a.example,\n");
        auto in = read_input(file);
        REQUIRE(in.has_value());
        const auto rows = in->rows();
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].email == "a@a.example; b@a.example");
        CHECK(rows[0].mobile == "0171 1; 0171 2");
        REQUIRE(rows[0].more_persons.size() == 1);
        CHECK(rows[0].more_persons[0].last_name == "Beispiel");
        CHECK(rows[0].more_persons[0].email == "beispiel@a.example");
        CHECK(rows[0].all_emails() ==
              std::vector<std::string>{"a@a.example", "b@a.example", "beispiel@a.example"});

        auto bad =
            dir.write("bad.csv", "role,company_name,first_name,last_name,email_office,email_other,"
                                 "person2_first_name,person2_last_name,person2_email\n"
                                 "customer,A GmbH,,Muster,ok@a.example; x@a..de,\"a@a.example, "
                                 "b@a.example\",,,\n"
                                 "customer,B GmbH,,Muster,,,Eva,,eva@b..de\n"
                                 "customer,,Jo,Weber,,,,Second,\n");
        auto r = read_input(bad);
        REQUIRE_FALSE(r.has_value());
        const auto m = messages(r.error());
        const std::string f = bad.string();
        auto has = [&](const std::string& text) {
            return std::find(m.begin(), m.end(), f + text) != m.end();
        };
        CHECK(has(":2:5:email_office: 'x@a..de' is not a valid e-mail address"));
        CHECK(has(":2:6:email_other: 'a@a.example, b@a.example' is not a valid e-mail address "
                  "(separate several addresses with ';')"));
        CHECK(has(":3:8:person2_last_name: missing: the contact person needs a last name"));
        CHECK(has(":3:9:person2_email: 'eva@b..de' is not a valid e-mail address"));
        CHECK(has(":4:8:person2_last_name: only a company has contact persons (set "
                  "company_name)"));
        CHECK(m.size() == 5);
    }

    TEST_CASE("the create body carries every value and contact person; they are beyond the API's "
              "write limits") {
        ContactInput in;
        in.customer = true;
        in.company_name = "A GmbH";
        in.last_name = "Muster";
        in.email = "a@a.example; b@a.example";
        in.email_private = "p@a.example";
        in.phone = "030 1; 030 2";
        in.more_persons.push_back({"Frau", "Eva", "Beispiel", "eva@a.example", "030 3"});
        const auto d = parse(create_body(in));
        REQUIRE(d["emailAddresses"]["business"].Size() == 2);
        CHECK(std::string(d["emailAddresses"]["business"][1].GetString()) == "b@a.example");
        CHECK(d["emailAddresses"]["private"].Size() == 1);
        CHECK(d["phoneNumbers"]["business"].Size() == 2);
        const auto& persons = d["company"]["contactPersons"];
        REQUIRE(persons.Size() == 2);
        CHECK(persons[0]["primary"].GetBool());
        CHECK_FALSE(persons[1]["primary"].GetBool());
        CHECK(std::string(persons[1]["salutation"].GetString()) == "Frau");
        CHECK(std::string(persons[1]["firstName"].GetString()) == "Eva");
        CHECK(std::string(persons[1]["lastName"].GetString()) == "Beispiel");
        CHECK(std::string(persons[1]["emailAddress"].GetString()) == "eva@a.example");
        CHECK(std::string(persons[1]["phoneNumber"].GetString()) == "030 3");
        CHECK(beyond_write_limits(d) ==
              "2 business e-mail addresses, 2 business phone numbers, 2 contact persons");

        ContactInput one;
        one.customer = true;
        one.last_name = "Muster";
        one.email = "m@a.example";
        CHECK(beyond_write_limits(parse(create_body(one))).empty());
    }

    TEST_CASE("merging several values: unchanged when all are there, else the kind is set") {
        const std::string remote = R"({"id":"1","version":3,"roles":{"customer":{}},
            "company":{"name":"A GmbH","contactPersons":[{"lastName":"Muster","primary":true},
              {"lastName":"Beispiel","emailAddress":"eva@a.example","primary":false}]},
            "emailAddresses":{"business":["a@a.example","b@a.example"]},
            "phoneNumbers":{"mobile":["0171 1","0171 2"]}})";
        ContactInput in;
        in.customer = true;
        in.company_name = "A GmbH";
        in.last_name = "Muster";
        in.email = "B@a.example; a@a.example";
        in.mobile = "0171 2; 0171 1";
        in.more_persons.push_back({"", "", "Beispiel", "eva@a.example", ""});
        auto c = parse(remote);
        CHECK(merge_into(c, in).empty());

        in.email = "a@a.example; c@a.example";
        in.mobile = "0171 1; 0171 3";
        in.more_persons[0].phone = "030 9";
        in.more_persons.push_back({"", "Max", "Dritter", "", ""});
        c = parse(remote);
        CHECK(merge_into(c, in) == std::vector<std::string>{"person2_phone", "person3_first_name",
                                                            "person3_last_name", "email",
                                                            "mobile"});
        CHECK(c["emailAddresses"]["business"].Size() == 2);
        CHECK(std::string(c["emailAddresses"]["business"][1].GetString()) == "c@a.example");
        CHECK(std::string(c["phoneNumbers"]["mobile"][1].GetString()) == "0171 3");
        const auto& persons = c["company"]["contactPersons"];
        REQUIRE(persons.Size() == 3);
        CHECK(std::string(persons[1]["phoneNumber"].GetString()) == "030 9");
        CHECK(std::string(persons[2]["lastName"].GetString()) == "Dritter");
        CHECK_FALSE(persons[2]["primary"].GetBool());
    }

    TEST_CASE("matching by e-mail: every e-mail of every kind and contact person, both sides") {
        Index index;
        index.add(summarize(parse(R"({"id":"c1","version":1,"roles":{"customer":{}},
            "company":{"name":"Alpha GmbH","contactPersons":[
              {"lastName":"Muster","emailAddress":"muster@alpha.example"},
              {"lastName":"Zweite","emailAddress":"zweite@alpha.example"}]},
            "emailAddresses":{"business":["info@alpha.example","sales@alpha.example"],
                              "other":["misc@alpha.example"]}})")));
        index.add(summarize(parse(R"({"id":"c2","version":1,"roles":{"customer":{}},
            "company":{"name":"Weber KG"},"emailAddresses":{"private":["jo@weber.example"]}})")));
        auto match_of = [&](auto&& set) {
            ContactInput in;
            in.customer = true;
            in.company_name = "Alpha Renamed";
            set(in);
            const Match m = index.match(in, "");
            return m.kind == Match::Kind::one && m.rule == "email" ? m.id : m.reason;
        };
        // The row's second business address is the contact's second business address.
        CHECK(match_of([](ContactInput& in) {
                  in.email = "new@alpha.example; SALES@alpha.example";
              }) == "c1");
        // Another kind on the row, another kind in lexoffice.
        CHECK(match_of([](ContactInput& in) { in.email_office = "misc@alpha.example"; }) == "c1");
        // The second contact person's address, in lexoffice and in the row.
        CHECK(match_of([](ContactInput& in) { in.email_private = "zweite@alpha.example"; }) ==
              "c1");
        CHECK(match_of([](ContactInput& in) {
                  in.last_name = "Muster";
                  in.more_persons.push_back({"", "", "Zweite", "zweite@alpha.example", ""});
              }) == "c1");
        // A row whose addresses name two contacts is a conflict, not a guess.
        ContactInput both;
        both.customer = true;
        both.company_name = "Alpha GmbH";
        both.email = "info@alpha.example; jo@weber.example";
        CHECK(index.match(both, "").kind == Match::Kind::conflict);
    }

    TEST_CASE("two rows sharing any e-mail of any kind are duplicates, named by its column") {
        TempDir dir;
        auto file = dir.write("dup.csv",
                              "ref,role,company_name,last_name,email,email_other,person2_last_name,"
                              "person2_email\n"
                              "a,customer,A GmbH,,a@a.example; shared@x.example,,,\n"
                              "b,customer,B GmbH,,b@b.example,SHARED@x.example,,\n"
                              "c,customer,C GmbH,Muster,c@c.example,,Zweite,a@a.example\n"
                              "d,customer,D GmbH,,d@d.example,d@d.example,,\n");
        auto in = read_input(file);
        REQUIRE_FALSE(in.has_value());
        const auto m = messages(in.error());
        const std::string f = file.string();
        CHECK(m == std::vector<std::string>{f + ":3:6:email_other: duplicate of line 2",
                                            f + ":4:8:person2_email: duplicate of line 2"});
    }

    TEST_CASE("JSON input takes an array of strings for an e-mail or phone column") {
        TempDir dir;
        auto in = read_input(dir.write("c.json", R"([
  {"role": "customer", "company_name": "A GmbH", "email": ["a@a.example", "b@a.example"],
   "mobile": ["0171 1"], "note": "x"},
  {"role": "customer", "company_name": "B GmbH", "email": ["b@b.example", 7]},
  {"role": "customer", "company_name": "C GmbH", "note": ["x"]}
])"));
        REQUIRE_FALSE(in.has_value());
        const auto m = messages(in.error());
        CHECK(m.size() == 2);
        CHECK(m[0].find(":4:email: expected an array of strings") != std::string::npos);
        CHECK(m[1].find(":5:note: expected a string, a whole number or true/false") !=
              std::string::npos);
        auto ok = read_input(dir.write("ok.json", R"([{"role": "customer", "company_name":
            "A GmbH", "email": ["a@a.example", "b@a.example"], "mobile": ["0171 1"]}])"));
        REQUIRE(ok.has_value());
        CHECK(ok->rows()[0].email == "a@a.example; b@a.example");
        CHECK(ok->rows()[0].mobile == "0171 1");
    }
}
