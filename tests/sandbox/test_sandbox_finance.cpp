// The emulator's partner finance endpoints (financial accounts, transactions, assignment hints)
// behind OAuth access tokens with the finance scopes, spoken to with a plain HTTP client.
#include "sandbox_fixture.hpp"

using namespace sandbox_test;

namespace {

constexpr const char* k_client = "lexsync-sandbox-client";
constexpr const char* k_secret = "sandbox-client-secret";
constexpr const char* k_redirect = "http://127.0.0.1:5555/callback";
// RFC 7636 appendix B.
constexpr const char* k_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* k_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr const char* k_finance_scopes =
    "finance.read finance.write finance.delete transaction-assignment-hint.write vouchers.write";

// An access token with `scope` through the authorization code flow.
std::string access_token(RunningServer& s, const std::string& scope = k_finance_scopes) {
    auto c = s.client("");
    const std::string target =
        std::string("/oauth2/authorize?client_id=") + k_client +
        "&redirect_uri=" + httplib::detail::encode_query_param(k_redirect) +
        "&response_type=code&state=s&code_challenge=" + k_challenge +
        "&code_challenge_method=S256&scope=" + httplib::detail::encode_query_param(scope);
    auto res = c.Get(target);
    REQUIRE(res);
    REQUIRE(res->status == 302);
    const std::string location = res->get_header_value("Location");
    const auto q = location.find('?');
    std::multimap<std::string, std::string> params;
    httplib::detail::parse_query_text(location.substr(q + 1), params);
    const std::string code = params.find("code")->second;
    httplib::Headers h = {
        {"Authorization", httplib::make_basic_authentication_header(k_client, k_secret).second}};
    auto tok = c.Post("/oauth2/token", h,
                      "grant_type=authorization_code&code=" + code +
                          "&redirect_uri=" + httplib::detail::encode_query_param(k_redirect) +
                          "&code_verifier=" + k_verifier,
                      "application/x-www-form-urlencoded");
    REQUIRE(tok);
    REQUIRE_MESSAGE(tok->status == 200, tok->body);
    return parse(tok->body)["access_token"].GetString();
}

std::string account_json(const std::string& type = "PAYMENT_PROVIDER",
                         const std::string& ref = "acc-ref-1") {
    return R"({"type":")" + type +
           R"(","accountSystem":"lexsync","name":"Stripe","bankName":"Stripe","balance":-12.30,)"
           R"("externalReference":")" +
           ref + R"("})";
}

std::string create_account(httplib::Client& c, const std::string& ref = "acc-ref-1") {
    auto res = c.Post("/v1/finance/accounts", account_json("PAYMENT_PROVIDER", ref), k_json);
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 201, res->body);
    const auto d = parse(res->body);
    CHECK(d["version"].GetInt() == 0);
    return d["id"].GetString();
}

std::string tx(const std::string& account, const std::string& ref, const std::string& amount,
               const std::string& extra = {}) {
    return R"({"financialAccountId":")" + account +
           R"(","valueDate":"2026-03-01T00:00:00+01:00","bookingDate":"2026-03-02T00:00:00.000+01:00",)"
           R"("purpose":"Order","amount":)" +
           amount + R"(,"externalReference":")" + ref + "\"" + extra + "}";
}

} // namespace

TEST_SUITE("lexsync sandbox finance") {
    TEST_CASE("API keys get 403 on every finance route; tokens need the finance scopes") {
        RunningServer s;
        auto key = s.client();
        for (const char* path : {"/v1/finance/accounts?externalReference=x",
                                 "/v1/finance/transactions/latest-transaction"}) {
            auto res = key.Get(path);
            REQUIRE(res);
            CHECK(res->status == 403);
            CHECK(std::string(parse(res->body)["message"].GetString()).find("partner OAuth") !=
                  std::string::npos);
        }
        auto hint = key.Post("/v1/transaction-assignment-hint", "{}", k_json);
        REQUIRE(hint);
        CHECK(hint->status == 403);

        auto read_only = s.client(access_token(s, "finance.read"));
        auto list = read_only.Get("/v1/finance/accounts?externalReference=x");
        REQUIRE(list);
        CHECK(list->status == 200);
        CHECK(list->body == "[]");
        auto post = read_only.Post("/v1/finance/accounts", account_json(), k_json);
        REQUIRE(post);
        CHECK(post->status == 403);
        auto no_hint = read_only.Post("/v1/transaction-assignment-hint", "{}", k_json);
        REQUIRE(no_hint);
        CHECK(no_hint->status == 403);
    }

    TEST_CASE("accounts: create, find by reference or IBAN, PUT with lockVersion, delete") {
        RunningServer s;
        auto c = s.client(access_token(s));
        const std::string id = create_account(c);
        auto again = c.Post("/v1/finance/accounts", account_json(), k_json);
        REQUIRE(again);
        CHECK(again->status == 406); // [U] the reference is taken

        auto found = c.Get("/v1/finance/accounts?externalReference=acc-ref-1");
        REQUIRE(found);
        auto arr = parse(found->body);
        REQUIRE(arr.IsArray());
        REQUIRE(arr.Size() == 1);
        CHECK(std::string(arr[0]["financialAccountId"].GetString()) == id);
        CHECK(arr[0]["lockVersion"].GetInt() == 0);
        // "##.00" (reference §10.1, §14).
        CHECK(found->body.find("\"balance\":-12.30,") != std::string::npos);

        auto bad_giro = c.Post("/v1/finance/accounts", account_json("GIRO", "g"), k_json);
        REQUIRE(bad_giro);
        CHECK(bad_giro->status == 406); // iban and bic are required
        auto both = c.Get("/v1/finance/accounts?externalReference=a&iban=b");
        REQUIRE(both);
        CHECK(both->status == 400);

        const std::string put = R"({"name":"Stripe EUR","balance":100.05,"lockVersion":0,)"
                                R"("type":"GIRO","externalReference":"changed"})";
        auto ok = c.Put("/v1/finance/accounts/" + id, put, k_json);
        REQUIRE(ok);
        REQUIRE_MESSAGE(ok->status == 200, ok->body);
        auto stale = c.Put("/v1/finance/accounts/" + id, put, k_json);
        REQUIRE(stale);
        CHECK(stale->status == 409);
        auto now = parse(c.Get("/v1/finance/accounts/" + id)->body);
        CHECK(now["lockVersion"].GetInt() == 1);
        CHECK(std::string(now["name"].GetString()) == "Stripe EUR");
        CHECK(std::string(now["type"].GetString()) == "PAYMENT_PROVIDER"); // immutable
        CHECK(std::string(now["externalReference"].GetString()) == "acc-ref-1");
        CHECK(now["balance"].GetDouble() == doctest::Approx(100.05));

        auto del = c.Delete("/v1/finance/accounts/" + id);
        REQUIRE(del);
        CHECK(del->status == 204);
        CHECK(c.Get("/v1/finance/accounts/" + id)->status == 404);
    }

    TEST_CASE("transactions: batches of at most 25, all or nothing, known references skipped") {
        RunningServer s;
        auto c = s.client(access_token(s));
        const std::string acc = create_account(c);
        std::string batch = "[";
        for (int i = 0; i < 26; ++i) {
            batch += (i ? "," : "") + tx(acc, "r" + std::to_string(i), "1.10");
        }
        auto too_many = c.Post("/v1/finance/transactions", batch + "]", k_json);
        REQUIRE(too_many);
        CHECK(too_many->status == 406);

        // One invalid item refuses the whole batch.
        auto mixed = c.Post("/v1/finance/transactions",
                            "[" + tx(acc, "a", "5.00") + "," + tx(acc, "b", "1.001") + "]", k_json);
        REQUIRE(mixed);
        CHECK(mixed->status == 406);
        CHECK(mixed->body.find("[1].amount") != std::string::npos);

        const std::string fee = R"(,"feeAmount":-0.30,"feeTaxRatePercentage":0,)"
                                R"("feePostingCategoryId":"efa82f52-fd85-11e1-a21f-0800200c9a66")";
        auto created =
            c.Post("/v1/finance/transactions",
                   "[" + tx(acc, "a", "5.00", fee) + "," + tx(acc, "b", "-2.50") + "]", k_json);
        REQUIRE(created);
        REQUIRE_MESSAGE(created->status == 201, created->body);
        auto first = parse(created->body);
        REQUIRE(first.Size() == 2);
        const std::string id_a = first[0]["financialTransactionId"].GetString();
        CHECK(std::string(first[0]["amountAsString"].GetString()) == "5,00");
        CHECK(created->body.find("\"amount\":5.00,") != std::string::npos);
        CHECK(created->body.find("\"feeAmount\":-0.30,") != std::string::npos);
        CHECK(std::string(first[0]["transactionDate"].GetString()) ==
              "2026-03-01T00:00:00.000+01:00");

        // Sending "a" again returns the existing record; "c" is new.
        auto resend =
            c.Post("/v1/finance/transactions",
                   "[" + tx(acc, "a", "5.00", fee) + "," + tx(acc, "c", "7.00") + "]", k_json);
        REQUIRE(resend);
        REQUIRE(resend->status == 201);
        auto second = parse(resend->body);
        CHECK(std::string(second[0]["financialTransactionId"].GetString()) == id_a);

        // The balance is never recomputed.
        auto account = parse(c.Get("/v1/finance/accounts/" + acc)->body);
        CHECK(account["balance"].GetDouble() == doctest::Approx(-12.3));

        auto one = c.Get("/v1/finance/transactions/" + id_a);
        REQUIRE(one);
        CHECK(one->status == 200);
        CHECK(one->body.find("\"amount\":5.00,") != std::string::npos);
        auto assignments = c.Get("/v1/finance/transactions/" + id_a + "/assignments");
        REQUIRE(assignments);
        CHECK(assignments->body == "[]");
        auto latest =
            c.Get("/v1/finance/transactions/latest-transaction?financialAccountId=" + acc);
        REQUIRE(latest);
        CHECK(latest->status == 200);
        CHECK(c.Delete("/v1/finance/transactions/" + id_a)->status == 204);
        CHECK(c.Get("/v1/finance/transactions/" + id_a)->status == 404);
    }

    TEST_CASE("fee fields: payment-provider accounts only, together, with the sign rule") {
        RunningServer s;
        auto c = s.client(access_token(s));
        const std::string acc = create_account(c);
        auto wrong_sign = c.Post(
            "/v1/finance/transactions",
            "[" +
                tx(acc, "x", "5.00",
                   R"(,"feeAmount":0.30,"feeTaxRatePercentage":0,"feePostingCategoryId":"efa82f52-fd85-11e1-a21f-0800200c9a66")") +
                "]",
            k_json);
        REQUIRE(wrong_sign);
        CHECK(wrong_sign->status == 406);
        auto partial = c.Post("/v1/finance/transactions",
                              "[" + tx(acc, "y", "5.00", R"(,"feeAmount":-0.30)") + "]", k_json);
        REQUIRE(partial);
        CHECK(partial->status == 406);
        auto card = c.Post("/v1/finance/accounts",
                           R"({"type":"CREDITCARD","accountSystem":"s","name":"K","bankName":"B",)"
                           R"("balance":0,"provider":"VISA","creditCardNumber":"4711",)"
                           R"("externalReference":"card"})",
                           k_json);
        REQUIRE(card);
        REQUIRE(card->status == 201);
        const std::string card_id = parse(card->body)["id"].GetString();
        auto card_fee = c.Post(
            "/v1/finance/transactions",
            "[" +
                tx(card_id, "z", "5.00",
                   R"(,"feeAmount":-0.30,"feeTaxRatePercentage":0,"feePostingCategoryId":"efa82f52-fd85-11e1-a21f-0800200c9a66")") +
                "]",
            k_json);
        REQUIRE(card_fee);
        CHECK(card_fee->status == 406);
    }

    TEST_CASE("assignment hints: echoed, one per voucher and transaction") {
        RunningServer s;
        auto c = s.client(access_token(s));
        auto v = c.Post(
            "/v1/vouchers",
            R"({"type":"purchaseinvoice","voucherNumber":"H-1","voucherDate":"2026-03-01",)"
            R"("totalGrossAmount":11.90,"totalTaxAmount":1.90,"taxType":"gross",)"
            R"("useCollectiveContact":true,"voucherItems":[{"amount":11.90,"taxAmount":1.90,)"
            R"("taxRatePercent":19,"categoryId":"efa82f43-fd85-11e1-a21f-0800200c9a66"}]})",
            k_json);
        REQUIRE(v);
        REQUIRE_MESSAGE(v->status == 201, v->body);
        const std::string voucher = parse(v->body)["id"].GetString();
        const std::string body =
            R"({"voucherId":")" + voucher + R"(","externalReference":"ref-1"})";
        auto h = c.Post("/v1/transaction-assignment-hint", body, k_json);
        REQUIRE(h);
        CHECK(h->status == 201);
        CHECK(h->body == body);
        auto second = c.Post("/v1/transaction-assignment-hint", body, k_json);
        REQUIRE(second);
        CHECK(second->status == 409);
        // A receipt paid in two charges: a hint for the second charge's transaction.
        auto other =
            c.Post("/v1/transaction-assignment-hint",
                   R"({"voucherId":")" + voucher + R"(","externalReference":"ref-2"})", k_json);
        REQUIRE(other);
        CHECK(other->status == 201);
        auto both =
            c.Post("/v1/transaction-assignment-hint",
                   R"({"voucherId":")" + voucher + R"(","externalReference":"r","endToEndId":"e"})",
                   k_json);
        REQUIRE(both);
        CHECK(both->status == 406);
        auto unknown = c.Post("/v1/transaction-assignment-hint",
                              R"({"voucherId":"aaaaaaaa-0000-4000-8000-000000000009",)"
                              R"("externalReference":"r"})",
                              k_json);
        REQUIRE(unknown);
        CHECK(unknown->status == 406);
    }
}

TEST_SUITE("sandbox contact bank accounts") {
    TEST_CASE("partner tokens list and add a contact's bank accounts; API keys get 403") {
        RunningServer s;
        const std::string contact = "/v1/contacts/c0a80001-0000-4000-8000-000000000010";
        const std::string body = R"({"accountHolder":"Hausverwaltung Becker GmbH",)"
                                 R"("bankName":"Musterbank","iban":"DE89370400440532013000",)"
                                 R"("bic":"COBADEFFXXX"})";
        auto key = s.client();
        auto refused = key.Get(contact + "/bankaccounts");
        REQUIRE(refused);
        CHECK(refused->status == 403);
        CHECK(refused->body.find("contacts.bankaccounts.read") != std::string::npos);

        auto read_only = s.client(access_token(s, "contacts.bankaccounts.read"));
        auto empty = read_only.Get(contact + "/bankaccounts");
        REQUIRE(empty);
        CHECK(empty->status == 200);
        CHECK(empty->body == "[]");
        auto no_write = read_only.Post(contact + "/bankaccounts", body, k_json);
        REQUIRE(no_write);
        CHECK(no_write->status == 403);

        auto c =
            s.client(access_token(s, "contacts.bankaccounts.read contacts.bankaccounts.write"));
        auto missing =
            c.Post(contact + "/bankaccounts", R"({"iban":"DE89370400440532013000"})", k_json);
        REQUIRE(missing);
        CHECK(missing->status == 406);
        CHECK(missing->body.find("accountHolder") != std::string::npos);
        CHECK(missing->body.find("bankName") != std::string::npos);
        CHECK(missing->body.find("\"bic\"") != std::string::npos);
        auto created = c.Post(contact + "/bankaccounts", body, k_json);
        REQUIRE(created);
        REQUIRE_MESSAGE(created->status == 201, created->body);
        const std::string id = parse(created->body)["id"].GetString();
        auto list = c.Get(contact + "/bankaccounts");
        REQUIRE(list);
        const auto all = parse(list->body);
        REQUIRE(all.IsArray());
        REQUIRE(all.Size() == 1);
        CHECK(std::string(all[0]["id"].GetString()) == id);
        CHECK(std::string(all[0]["iban"].GetString()) == "DE89370400440532013000");
        CHECK(std::string(all[0]["bic"].GetString()) == "COBADEFFXXX");
        CHECK(std::string(all[0]["accountHolder"].GetString()) == "Hausverwaltung Becker GmbH");
        CHECK(std::string(all[0]["bankName"].GetString()) == "Musterbank");
        CHECK_FALSE(all[0].HasMember("contactId"));
        auto one = c.Get(contact + "/bankaccounts/" + id);
        REQUIRE(one);
        CHECK(one->status == 200);
        // Another contact's list stays empty; an unknown contact is 404.
        auto other = c.Get("/v1/contacts/c0a80001-0000-4000-8000-000000000011/bankaccounts");
        REQUIRE(other);
        CHECK(other->body == "[]");
        auto unknown = c.Get("/v1/contacts/00000000-0000-4000-8000-000000000000/bankaccounts");
        REQUIRE(unknown);
        CHECK(unknown->status == 404);
    }

    TEST_CASE("a bank account is replaced with its contact's version and deleted with 204") {
        RunningServer s;
        const std::string contact = "/v1/contacts/c0a80001-0000-4000-8000-000000000010";
        auto c =
            s.client(access_token(s, "contacts.bankaccounts.read contacts.bankaccounts.write"));
        auto created = c.Post(contact + "/bankaccounts",
                              R"({"accountHolder":"Becker","bankName":"Musterbank",)"
                              R"("iban":"DE89370400440532013000","bic":"COBADEFFXXX"})",
                              k_json);
        REQUIRE(created);
        REQUIRE(created->status == 201);
        const std::string id = parse(created->body)["id"].GetString();
        const std::string one = contact + "/bankaccounts/" + id;
        const auto version = parse(c.Get(one)->body)["version"].GetInt64();

        const std::string fields = R"("accountHolder":"Becker GmbH","bankName":"Sparkasse",)"
                                   R"("iban":"DE02120300000000202051","bic":"BYLADEM1001")";
        // PUT replaces all four fields and needs the contact's current version.
        auto no_version = c.Put(one, "{" + fields + "}", k_json);
        REQUIRE(no_version);
        CHECK(no_version->status == 406);
        CHECK(no_version->body.find("version") != std::string::npos);
        auto stale =
            c.Put(one, "{" + fields + R"(,"version":)" + std::to_string(version + 7) + "}", k_json);
        REQUIRE(stale);
        CHECK(stale->status == 406);
        CHECK(stale->body.find("invalid_value") != std::string::npos);
        auto partial = c.Put(
            one, R"({"iban":"DE02120300000000202051","version":)" + std::to_string(version) + "}",
            k_json);
        REQUIRE(partial);
        CHECK(partial->status == 406);
        CHECK(partial->body.find("bankName") != std::string::npos);
        auto replaced =
            c.Put(one, "{" + fields + R"(,"version":)" + std::to_string(version) + "}", k_json);
        REQUIRE(replaced);
        REQUIRE_MESSAGE(replaced->status == 200, replaced->body);
        CHECK(std::string(parse(replaced->body)["id"].GetString()) == id);
        const auto after = parse(c.Get(one)->body);
        CHECK(std::string(after["iban"].GetString()) == "DE02120300000000202051");
        CHECK(std::string(after["bankName"].GetString()) == "Sparkasse");
        CHECK(std::string(after["accountHolder"].GetString()) == "Becker GmbH");
        CHECK(std::string(after["bic"].GetString()) == "BYLADEM1001");
        // Through another contact the account is not there.
        auto elsewhere =
            c.Delete("/v1/contacts/c0a80001-0000-4000-8000-000000000011/bankaccounts/" + id);
        REQUIRE(elsewhere);
        CHECK(elsewhere->status == 404);

        auto deleted = c.Delete(one);
        REQUIRE(deleted);
        CHECK(deleted->status == 204);
        CHECK(deleted->body.empty());
        CHECK(c.Get(one)->status == 404);
        CHECK(c.Get(contact + "/bankaccounts")->body == "[]");
        CHECK(c.Delete(one)->status == 404);
        // A read-only token may not delete.
        auto ro = s.client(access_token(s, "contacts.bankaccounts.read"));
        CHECK(ro.Delete(contact + "/bankaccounts/" + id)->status == 403);
    }
}
