// Gateway behaviour of the sandbox: authentication, rate limit, content type, unknown routes,
// reference data and profile.
#include "sandbox_fixture.hpp"

using namespace sandbox_test;

TEST_SUITE("lexsync::sandbox::Server gateway") {

    TEST_CASE("a missing or unknown bearer key is refused with 401 before anything else") {
        RunningServer s;
        auto anonymous = s.client("");
        auto res = anonymous.Get("/v1/contacts");
        REQUIRE(res);
        CHECK(res->status == 401);
        CHECK(parse(res->body)["message"] == "Unauthorized");

        auto wrong = s.client("not-a-key");
        res = wrong.Get("/v1/does-not-exist");
        REQUIRE(res);
        CHECK(res->status == 401);

        res = wrong.Post("/v1/contacts", "x", "text/plain");
        REQUIRE(res);
        CHECK(res->status == 401);
    }

    TEST_CASE("profile and ping describe the demo organisation") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Get("/v1/profile");
        REQUIRE(res);
        CHECK(res->status == 200);
        const auto p = parse(res->body);
        CHECK(p["companyName"] == "Demo Reinigung GmbH");
        CHECK(p["taxType"] == "net");
        CHECK(p["smallBusiness"].GetBool() == false);
        CHECK(std::string(p["organizationId"].GetString()).size() == 36);

        res = c.Get("/v1/ping");
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(parse(res->body)["userEmail"].IsString());
    }

    TEST_CASE("reference data are bare arrays with the documented fields") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Get("/v1/countries");
        REQUIRE(res);
        auto d = parse(res->body);
        REQUIRE(d.IsArray());
        CHECK(d.Size() >= 30);
        bool germany = false;
        for (const auto& country : d.GetArray()) {
            CHECK(country.HasMember("countryNameEN"));
            CHECK(country.HasMember("countryNameDE"));
            const std::string tax = country["taxClassification"].GetString();
            CHECK((tax == "de" || tax == "intraCommunity" || tax == "thirdPartyCountry"));
            germany = germany || std::string(country["countryCode"].GetString()) == "DE";
        }
        CHECK(germany);

        res = c.Get("/v1/posting-categories");
        REQUIRE(res);
        d = parse(res->body);
        REQUIRE(d.IsArray());
        CHECK(d.Size() >= 25);
        bool documented = false;
        bool income = false;
        bool outgo = false;
        for (const auto& cat : d.GetArray()) {
            CHECK(cat["contactRequired"].IsBool());
            CHECK(cat["splitAllowed"].IsBool());
            CHECK(cat["groupName"].IsString());
            documented = documented || std::string(cat["id"].GetString()) ==
                                           "8f8664a8-fd86-11e1-a21f-0800200c9a66";
            income = income || std::string(cat["type"].GetString()) == "income";
            outgo = outgo || std::string(cat["type"].GetString()) == "outgo";
        }
        CHECK(documented);
        CHECK(income);
        CHECK(outgo);

        res = c.Get("/v1/payment-conditions");
        REQUIRE(res);
        d = parse(res->body);
        REQUIRE(d.IsArray());
        int defaults = 0;
        for (const auto& pc : d.GetArray()) {
            defaults += pc["organizationDefault"].GetBool() ? 1 : 0;
        }
        CHECK(defaults == 1);

        res = c.Get("/v1/print-layouts");
        REQUIRE(res);
        CHECK(parse(res->body).IsArray());
    }

    TEST_CASE("unknown routes and unsupported methods answer 404") {
        RunningServer s;
        auto c = s.client();
        for (const char* path : {"/v1/invoices", "/v1/files", "/v2/contacts", "/v1/webhooks"}) {
            auto res = c.Get(path);
            REQUIRE(res);
            CHECK_MESSAGE(res->status == 404, path);
        }
        auto res = c.Delete("/v1/contacts/c0a80001-0000-4000-8000-000000000001");
        REQUIRE(res);
        CHECK(res->status == 404);
        // The contact is still there.
        res = c.Get("/v1/contacts/c0a80001-0000-4000-8000-000000000001");
        REQUIRE(res);
        CHECK(res->status == 200);

        res = c.Options("/v1/contacts");
        REQUIRE(res);
        CHECK(res->status == 404);

        res = c.Put("/v1/contacts", "{}", k_json);
        REQUIRE(res);
        CHECK(res->status == 404);
    }

    TEST_CASE("POST and PUT without a JSON content type answer 415") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Post("/v1/contacts", company_body("Ohne Typ GmbH"), "text/plain");
        REQUIRE(res);
        CHECK(res->status == 415);
        res = c.Put("/v1/contacts/c0a80001-0000-4000-8000-000000000001", "{}",
                    "application/x-www-form-urlencoded");
        REQUIRE(res);
        CHECK(res->status == 415);
        // With a charset parameter it is accepted.
        res =
            c.Post("/v1/contacts", company_body("Mit Typ GmbH"), "application/json; charset=UTF-8");
        REQUIRE(res);
        CHECK(res->status == 201);
    }

    TEST_CASE(
        "the token bucket lets a burst of 4 through and refuses the 5th without executing it") {
        const TempPath seed(".json");
        seed.write(R"({"organizations":[{"id":"11111111-2222-4333-8444-555555555555",
        "companyName":"Bucket GmbH","apiKeys":["writer-key","reader-key"]}]})");
        ServerOptions o;
        o.seed = seed.str();
        // A slow refill keeps the test independent of how fast the requests are sent.
        o.rate_per_second = 0.01;
        RunningServer s(o);
        auto writer = s.client("writer-key");
        int created = 0;
        int refused = 0;
        for (int i = 0; i < 5; ++i) {
            auto res =
                writer.Post("/v1/contacts", company_body("Burst " + std::to_string(i)), k_json);
            REQUIRE(res);
            if (res->status == 201) {
                ++created;
            } else {
                CHECK(res->status == 429);
                CHECK(parse(res->body)["message"].IsString());
                CHECK(!res->has_header("Retry-After"));
                ++refused;
            }
        }
        CHECK(created == 4);
        CHECK(refused == 1);

        // Another key of the same organisation has its own bucket and sees exactly 4 contacts.
        auto reader = s.client("reader-key");
        auto res = reader.Get("/v1/contacts");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(parse(res->body)["totalElements"].GetInt() == 4);
    }

    TEST_CASE("Retry-After is sent on 429 only when asked for") {
        ServerOptions o;
        o.rate_per_second = 0.5;
        o.burst = 1;
        o.retry_after_header = true;
        RunningServer s(o);
        auto c = s.client();
        auto res = c.Get("/v1/ping");
        REQUIRE(res);
        CHECK(res->status == 200);
        res = c.Get("/v1/ping");
        REQUIRE(res);
        CHECK(res->status == 429);
        CHECK(res->has_header("Retry-After"));
        CHECK(std::stoi(res->get_header_value("Retry-After")) >= 1);
    }

    TEST_CASE("the base URL names the bound loopback port") {
        RunningServer s;
        CHECK(s.base_url() == "http://127.0.0.1:" + std::to_string(s.port()));
    }
}
