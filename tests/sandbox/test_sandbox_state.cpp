// Sandbox state: persistence in a state file across restarts, and seed files with several
// organisations isolated from each other.
#include "sandbox_fixture.hpp"

#include <stdexcept>

using namespace sandbox_test;

TEST_SUITE("lexsync::sandbox::Server state") {

    TEST_CASE("a restart with the same state file keeps contacts, versions and number counters") {
        const TempPath state(".db");
        std::string id;
        {
            ServerOptions o = unlimited("empty");
            o.state_file = state.str();
            RunningServer s(o);
            auto c = s.client();
            auto res = c.Post("/v1/contacts", company_body("Bleibt GmbH"), k_json);
            REQUIRE(res);
            REQUIRE(res->status == 201);
            id = parse(res->body)["id"].GetString();
            res = c.Put(
                "/v1/contacts/" + id,
                R"({"version":1,"roles":{"customer":{}},"company":{"name":"Bleibt GmbH & Co"}})",
                k_json);
            REQUIRE(res);
            REQUIRE(res->status == 200);
        }
        {
            ServerOptions o = unlimited("demo"); // the seed is not applied to a seeded state again
            o.state_file = state.str();
            RunningServer s(o);
            auto c = s.client();
            auto res = c.Get("/v1/contacts/" + id);
            REQUIRE(res);
            REQUIRE(res->status == 200);
            const auto d = parse(res->body);
            CHECK(d["company"]["name"] == "Bleibt GmbH & Co");
            CHECK(d["version"].GetInt() == 2);
            res = c.Get("/v1/contacts");
            REQUIRE(res);
            CHECK(parse(res->body)["totalElements"].GetInt() == 1);
            res = c.Post("/v1/contacts", company_body("Zweiter Start GmbH"), k_json);
            REQUIRE(res);
            REQUIRE(res->status == 201);
            res = c.Get(std::string("/v1/contacts/") + parse(res->body)["id"].GetString());
            REQUIRE(res);
            CHECK(parse(res->body)["roles"]["customer"]["number"].GetInt() == 10002);
        }
    }

    TEST_CASE("a seed file with two organisations keeps them apart") {
        const TempPath seed(".json");
        seed.write(R"({"organizations":[
      {"id":"aaaaaaaa-0000-4000-8000-000000000001","companyName":"Alpha GmbH","taxType":"net",
       "smallBusiness":false,"apiKeys":["alpha-key-1","alpha-key-2"],
       "contacts":[{"id":"aaaaaaaa-1111-4000-8000-000000000001","roles":{"customer":{"number":10500}},
                    "company":{"name":"Kunde von Alpha"}}]},
      {"id":"bbbbbbbb-0000-4000-8000-000000000002","companyName":"Beta UG","taxType":"vatfree",
       "smallBusiness":true,"apiKeys":["beta-key"],
       "contacts":[{"roles":{"vendor":{}},"person":{"lastName":"Lieferant von Beta"}}]}]})");
        RunningServer s(unlimited(seed.str()));
        auto alpha = s.client("alpha-key-1");
        auto alpha2 = s.client("alpha-key-2");
        auto beta = s.client("beta-key");

        auto res = beta.Get("/v1/profile");
        REQUIRE(res);
        CHECK(parse(res->body)["companyName"] == "Beta UG");
        CHECK(parse(res->body)["smallBusiness"].GetBool());
        res = alpha2.Get("/v1/profile");
        REQUIRE(res);
        CHECK(parse(res->body)["companyName"] == "Alpha GmbH");

        // The demo key is not part of this seed.
        res = s.client().Get("/v1/profile");
        REQUIRE(res);
        CHECK(res->status == 401);

        res = alpha.Get("/v1/contacts");
        REQUIRE(res);
        auto d = parse(res->body);
        REQUIRE(d["totalElements"].GetInt() == 1);
        CHECK(d["content"][0]["company"]["name"] == "Kunde von Alpha");
        CHECK(d["content"][0]["roles"]["customer"]["number"].GetInt() == 10500);

        // Alpha cannot see Beta's contacts, nor read or change them by id.
        res = beta.Get("/v1/contacts");
        REQUIRE(res);
        d = parse(res->body);
        REQUIRE(d["totalElements"].GetInt() == 1);
        const std::string beta_contact = d["content"][0]["id"].GetString();
        CHECK(d["content"][0]["roles"]["vendor"]["number"].GetInt() == 70001);
        res = alpha.Get("/v1/contacts/" + beta_contact);
        REQUIRE(res);
        CHECK(res->status == 404);
        res = beta.Get("/v1/contacts/aaaaaaaa-1111-4000-8000-000000000001");
        REQUIRE(res);
        CHECK(res->status == 404);

        // Numbers continue after the seeded ones, per organisation.
        res = alpha.Post("/v1/contacts", company_body("Neu bei Alpha"), k_json);
        REQUIRE(res);
        REQUIRE(res->status == 201);
        res = alpha.Get(std::string("/v1/contacts/") + parse(res->body)["id"].GetString());
        REQUIRE(res);
        CHECK(parse(res->body)["roles"]["customer"]["number"].GetInt() == 10501);
        res = beta.Post("/v1/contacts", company_body("Neu bei Beta"), k_json);
        REQUIRE(res);
        REQUIRE(res->status == 201);
        res = beta.Get(std::string("/v1/contacts/") + parse(res->body)["id"].GetString());
        REQUIRE(res);
        CHECK(parse(res->body)["roles"]["customer"]["number"].GetInt() == 10001);
    }

    TEST_CASE("an invalid seed file is refused with a message naming the problem") {
        const TempPath seed(".json");
        seed.write(R"({"organizations":[{"id":"aaaaaaaa-0000-4000-8000-000000000001",
        "companyName":"Alpha","apiKeys":["k"],"contacts":[{"roles":{"customer":{}},"company":{}}]}]})");
        ServerOptions o = unlimited(seed.str());
        try {
            Server server(o);
            FAIL("no exception");
        } catch (const std::runtime_error& e) {
            const std::string what = e.what();
            // File, line, column and the JSON path of the problem.
            CHECK(what == seed.str() + ":2:84: $.organizations[0].contacts[0].company: missing "
                                       "required key \"name\"");
        }
        CHECK_THROWS_AS(Server(unlimited("/nonexistent/seed.json")), std::runtime_error);
    }

    TEST_CASE("the empty seed has the demo organisation without contacts") {
        RunningServer s(unlimited("empty"));
        auto c = s.client();
        auto res = c.Get("/v1/profile");
        REQUIRE(res);
        CHECK(parse(res->body)["companyName"] == "Demo Reinigung GmbH");
        res = c.Get("/v1/contacts");
        REQUIRE(res);
        const auto d = parse(res->body);
        CHECK(d["totalElements"].GetInt() == 0);
        CHECK(d["content"].Size() == 0);
        CHECK(d["first"].GetBool());
        CHECK(d["last"].GetBool());
        CHECK(d["totalPages"].GetInt() == 0);
    }
}
