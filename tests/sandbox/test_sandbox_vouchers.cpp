// Bookkeeping vouchers in the sandbox: validation in the legacy format, dates, versions, PUT
// semantics for status and files, and the voucherNumber lookup.
#include "sandbox_fixture.hpp"

#include <chrono>
#include <cstdio>

using namespace sandbox_test;

namespace {

constexpr const char* k_revenue = "8f8664a8-fd86-11e1-a21f-0800200c9a66"; // income
constexpr const char* k_office = "efa82f43-fd85-11e1-a21f-0800200c9a66";  // outgo
constexpr const char* k_mueller = "c0a80001-0000-4000-8000-000000000001"; // customer
constexpr const char* k_schmidt = "c0a80001-0000-4000-8000-000000000002"; // vendor only

std::string body(
    const std::string& items =
        R"([{"amount":119.00,"taxAmount":19.00,"taxRatePercent":19,"categoryId":"8f8664a8-fd86-11e1-a21f-0800200c9a66"}])",
    const std::string& totals = R"("totalGrossAmount":119.00,"totalTaxAmount":19.00)",
    const std::string& extra = R"("useCollectiveContact":true)") {
    return R"({"type":"salesinvoice","voucherNumber":"2026-0042","voucherDate":"2026-06-30",)" +
           totals + R"(,"taxType":"gross",)" + extra + R"(,"voucherItems":)" + items + "}";
}

std::string with(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    REQUIRE_MESSAGE(pos != std::string::npos, from);
    return s.replace(pos, from.size(), to);
}

std::string upload(httplib::Client& c, const std::string& content, std::string* voucher = nullptr) {
    httplib::MultipartFormDataItems items = {{"file", content, "beleg.pdf", "application/pdf"},
                                             {"type", "voucher", "", ""}};
    auto res = c.Post("/v1/files", items);
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 202, res->body);
    const auto d = parse(res->body);
    if (voucher) {
        *voucher = d["voucherId"].GetString();
    }
    return d["id"].GetString();
}

const std::string k_pdf = "%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n";

} // namespace

TEST_SUITE("lexsync::sandbox::Server bookkeeping vouchers") {

    TEST_CASE("a voucher is created with version 1, dates as timestamps and amounts intact") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Post("/v1/vouchers", body(), k_json);
        REQUIRE(res);
        REQUIRE_MESSAGE(res->status == 201, res->body);
        const auto r = parse(res->body);
        CHECK(r["version"].GetInt() == 1);
        const std::string id = r["id"].GetString();
        CHECK(res->get_header_value("Location") == r["resourceUri"].GetString());
        res = c.Get(("/v1/vouchers/" + id).c_str());
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const auto v = parse(res->body);
        CHECK(v["voucherDate"] == "2026-06-30T00:00:00.000+02:00");
        CHECK(v["dueDate"] == "2026-06-30T00:00:00.000+02:00"); // defaults to voucherDate
        CHECK(v["voucherStatus"] == "open");
        CHECK(v["contactId"].IsNull());
        CHECK(res->body.find(R"("totalGrossAmount":119.00,)") != std::string::npos);
        CHECK(v["voucherItems"][0]["taxRatePercent"].GetInt() == 19);
        CHECK(v["files"].IsArray());
        CHECK(v["version"].GetInt() == 1);
    }

    TEST_CASE("validation: totals, tax amounts, rates, categories, contacts, status") {
        RunningServer s;
        auto c = s.client();
        const auto expect = [&](const std::string& b, const std::string& issue) {
            auto res = c.Post("/v1/vouchers", b, k_json);
            REQUIRE(res);
            CHECK_MESSAGE(res->status == 406, res->body);
            CHECK_MESSAGE(has_issue(res->body, issue), issue << " in " << res->body);
        };
        expect(body(R"([{"amount":119.00,"taxAmount":19.00,"taxRatePercent":19,"categoryId":")" +
                        std::string(k_revenue) + R"("}])",
                    R"("totalGrossAmount":120.00,"totalTaxAmount":19.00)"),
               "totalGrossAmount:invalid_total_amount");
        expect(body(R"([{"amount":119.00,"taxAmount":10.00,"taxRatePercent":19,"categoryId":")" +
                        std::string(k_revenue) + R"("}])",
                    R"("totalGrossAmount":119.00,"totalTaxAmount":10.00)"),
               "voucherItems[0].taxAmount:invalid_taxamount");
        expect(with(body(), R"("taxRatePercent":19)", R"("taxRatePercent":17)"),
               "voucherItems[0].taxRatePercent:invalid_value");
        // An outgo category on a sales voucher, an unknown category.
        expect(with(body(), k_revenue, k_office), "voucherItems[0].categoryId:invalid_value");
        expect(with(body(), k_revenue, "00000000-0000-4000-8000-000000000000"),
               "voucherItems[0].categoryId:invalid_value");
        // Contacts: unknown, and a vendor-only contact on a sales voucher.
        expect(body(R"([{"amount":119.00,"taxAmount":19.00,"taxRatePercent":19,"categoryId":")" +
                        std::string(k_revenue) + R"("}])",
                    R"("totalGrossAmount":119.00,"totalTaxAmount":19.00)",
                    R"("contactId":"c0a80001-0000-4000-8000-000000009999")"),
               "contactId:invalid_value");
        expect(body(R"([{"amount":119.00,"taxAmount":19.00,"taxRatePercent":19,"categoryId":")" +
                        std::string(k_revenue) + R"("}])",
                    R"("totalGrossAmount":119.00,"totalTaxAmount":19.00)",
                    std::string(R"("contactId":")") + k_schmidt + "\""),
               "contactId:invalid_value");
        expect(with(body(), R"("voucherDate":"2026-06-30")", R"("voucherDate":"30.06.2026")"),
               "voucherDate:invalid_value");
        // A year beyond the store's clock (found by fuzz_sandbox) is refused, not wrapped around.
        expect(with(body(), R"("voucherDate":"2026-06-30")", R"("voucherDate":"4052-06-30")"),
               "voucherDate:invalid_value");
        expect(with(body(), R"("voucherNumber":"2026-0042",)", ""), "voucherNumber:missing_entity");
        expect(with(body(), R"("type":"salesinvoice")", R"("type":"invoice")"),
               "type:invalid_value");
        expect(with(body(), R"("type":"salesinvoice")",
                    R"("type":"salesinvoice","voucherStatus":"paid")"),
               "voucherStatus:invalid_value");
        expect(with(with(body(), R"("type":"salesinvoice")",
                         R"("type":"salesinvoice","voucherStatus":"unchecked")"),
                    R"("taxType":"gross")", R"("taxType":"net")"),
               "taxType:invalid_value");

        // Net vouchers: amount is net, gross total adds the tax; a customer contact is fine.
        auto res =
            c.Post("/v1/vouchers",
                   R"({"type":"purchaseinvoice","voucherNumber":"ER-1","voucherDate":"2026-06-30",
              "totalGrossAmount":107.00,"totalTaxAmount":7.00,"taxType":"net","useCollectiveContact":true,
              "voucherItems":[{"amount":100.00,"taxAmount":7.00,"taxRatePercent":7,"categoryId":")" +
                       std::string(k_office) + R"("}]})",
                   k_json);
        REQUIRE(res);
        CHECK_MESSAGE(res->status == 201, res->body);
        res = c.Post(
            "/v1/vouchers",
            body(R"([{"amount":119.00,"taxAmount":19.00,"taxRatePercent":19,"categoryId":")" +
                     std::string(k_revenue) + R"("}])",
                 R"("totalGrossAmount":119.00,"totalTaxAmount":19.00)",
                 std::string(R"("contactId":")") + k_mueller + "\""),
            k_json);
        REQUIRE(res);
        CHECK_MESSAGE(res->status == 201, res->body);
        // An unchecked voucher needs none of the booking fields.
        res = c.Post("/v1/vouchers", R"({"type":"purchaseinvoice","voucherStatus":"unchecked"})",
                     k_json);
        REQUIRE(res);
        CHECK_MESSAGE(res->status == 201, res->body);
    }

    TEST_CASE(
        "PUT needs the current version, allows only unchecked to open, deletes omitted files") {
        RunningServer s;
        auto c = s.client();
        std::string voucher;
        const std::string first = upload(c, k_pdf, &voucher);
        auto res = c.Get(("/v1/vouchers/" + voucher).c_str());
        REQUIRE(res);
        REQUIRE(res->status == 200);
        auto v = parse(res->body);
        CHECK(v["voucherStatus"] == "unchecked");
        CHECK(v["type"] == "purchaseinvoice");
        REQUIRE(v["files"].Size() == 1);
        CHECK(std::string(v["files"][0].GetString()) == first);

        // A second file through /vouchers/{id}/files (new version).
        httplib::MultipartFormDataItems items = {{"file", k_pdf, "zwei.pdf", "application/pdf"}};
        res = c.Post(("/v1/vouchers/" + voucher + "/files").c_str(), items);
        REQUIRE(res);
        REQUIRE_MESSAGE(res->status == 202, res->body);
        const std::string second = parse(res->body)["id"].GetString();
        CHECK(!parse(res->body).HasMember("voucherId"));

        const std::string complete =
            R"({"type":"purchaseinvoice","voucherStatus":"open","voucherNumber":"ER-7",
              "voucherDate":"2026-06-30T00:00:00.000+02:00","totalGrossAmount":119.00,
              "totalTaxAmount":19.00,"taxType":"gross","useCollectiveContact":true,
              "voucherItems":[{"amount":119.00,"taxAmount":19.00,"taxRatePercent":19,
              "categoryId":")" +
            std::string(k_office) + R"("}],"files":[")" + second + R"("],"version":)";
        // Stale version → 409.
        res = c.Put(("/v1/vouchers/" + voucher).c_str(), complete + "1}", k_json);
        REQUIRE(res);
        CHECK(res->status == 409);
        CHECK(has_issue(res->body, "version:invalid_value"));
        // No version → 406.
        res =
            c.Put(("/v1/vouchers/" + voucher).c_str(),
                  complete.substr(0, complete.size() - std::string(R"(,"version":)").size()) + "}",
                  k_json);
        REQUIRE(res);
        CHECK(res->status == 406);

        res = c.Put(("/v1/vouchers/" + voucher).c_str(), complete + "2}", k_json);
        REQUIRE(res);
        REQUIRE_MESSAGE(res->status == 200, res->body);
        CHECK(parse(res->body)["version"].GetInt() == 3);
        v = parse(c.Get(("/v1/vouchers/" + voucher).c_str())->body);
        CHECK(v["voucherStatus"] == "open");
        REQUIRE(v["files"].Size() == 1);
        CHECK(std::string(v["files"][0].GetString()) == second);
        // The omitted file is gone for good.
        res = c.Get(("/v1/files/" + first).c_str());
        REQUIRE(res);
        CHECK(res->status == 404);
        res = c.Get(("/v1/files/" + second).c_str());
        REQUIRE(res);
        CHECK(res->status == 200);

        // Back to unchecked is refused.
        res = c.Put(("/v1/vouchers/" + voucher).c_str(),
                    with(complete, R"("voucherStatus":"open")", R"("voucherStatus":"unchecked")") +
                        "3}",
                    k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
        CHECK(has_issue(res->body, "voucherStatus:invalid_value"));
    }

    TEST_CASE("GET /v1/vouchers needs voucherNumber and returns a page of full vouchers") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Get("/v1/vouchers");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK(parse(res->body)["message"] == "voucherNumber parameter is required");
        REQUIRE(c.Post("/v1/vouchers", body(), k_json)->status == 201);
        REQUIRE(c.Post("/v1/vouchers", with(body(), "2026-0042", "2026-0043"), k_json)->status ==
                201);
        res = c.Get("/v1/vouchers?voucherNumber=2026-0042");
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const auto page = parse(res->body);
        REQUIRE(page["content"].Size() == 1);
        CHECK(page["content"][0]["voucherNumber"] == "2026-0042");
        CHECK(page["content"][0]["voucherItems"].IsArray());
        CHECK(page["totalElements"].GetInt() == 1);
        res = c.Get("/v1/vouchers?voucherNumber=2026-00");
        REQUIRE(res);
        CHECK(parse(res->body)["totalElements"].GetInt() == 0);
    }

    TEST_CASE("routes vouchers do not have answer 404") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Post("/v1/vouchers", body(), k_json);
        REQUIRE(res);
        const std::string id = parse(res->body)["id"].GetString();
        for (const std::string& path :
             {"/v1/vouchers/" + id + "/document", "/v1/vouchers/" + id + "/file",
              "/v1/vouchers/" + id + "/files",
              std::string("/v1/vouchers/c0a80001-0000-4000-8000-000000000001")}) {
            res = c.Get(path.c_str());
            REQUIRE(res);
            CHECK_MESSAGE(res->status == 404, path);
        }
        res = c.Delete(("/v1/vouchers/" + id).c_str());
        REQUIRE(res);
        CHECK(res->status == 404);
        res = c.Get(("/v1/vouchers/" + id).c_str());
        REQUIRE(res);
        CHECK(res->status == 200);
    }

    TEST_CASE("an inbox voucher completed as revenue keeps its file and is listed as a sales "
              "invoice; with a time shift it is created in the past") {
        auto options = unlimited("empty");
        options.time_shift_days = -120;
        RunningServer shifted(options);
        std::string voucher;
        auto sc = shifted.client();
        const std::string file = upload(sc, k_pdf, &voucher);
        auto v = parse(sc.Get(("/v1/vouchers/" + voucher).c_str())->body);
        const std::string complete =
            R"({"type":"salesinvoice","voucherStatus":"open","voucherNumber":"AR-7",
              "voucherDate":"2026-06-30","totalGrossAmount":119.00,"totalTaxAmount":19.00,
              "taxType":"gross","useCollectiveContact":true,
              "voucherItems":[{"amount":119.00,"taxAmount":19.00,"taxRatePercent":19,
              "categoryId":")" +
            std::string(k_revenue) + R"("}],"files":[")" + file + R"("],"version":1})";
        auto res = sc.Put(("/v1/vouchers/" + voucher).c_str(), complete, k_json);
        REQUIRE(res);
        REQUIRE_MESSAGE(res->status == 200, res->body);
        v = parse(sc.Get(("/v1/vouchers/" + voucher).c_str())->body);
        CHECK(v["type"] == "salesinvoice");
        REQUIRE(v["files"].Size() == 1);
        CHECK(std::string(v["files"][0].GetString()) == file);
        res = sc.Get(("/v1/files/" + file).c_str());
        REQUIRE(res);
        CHECK(res->status == 200);

        // Listed as a sales invoice, not as a purchase one; created about 120 days ago (one day
        // of margin for the local date).
        auto day = [](int days_ago) {
            const auto d = std::chrono::year_month_day(
                std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) -
                std::chrono::days(days_ago));
            char buf[16];
            std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                          static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
            return std::string(buf);
        };
        auto count = [&](const std::string& query) {
            auto r = sc.Get(("/v1/voucherlist?" + query).c_str());
            REQUIRE(r);
            REQUIRE_MESSAGE(r->status == 200, r->body);
            return parse(r->body)["totalElements"].GetInt();
        };
        CHECK(count("voucherType=salesinvoice&voucherStatus=open") == 1);
        CHECK(count("voucherType=purchaseinvoice,purchasecreditnote&voucherStatus=any") == 0);
        CHECK(count("voucherType=salesinvoice&voucherStatus=any&createdDateFrom=" + day(121)) == 1);
        CHECK(count("voucherType=salesinvoice&voucherStatus=any&createdDateFrom=" + day(119)) == 0);
        CHECK(count("voucherType=any&voucherStatus=any&createdDateFrom=" + day(90)) == 0);
    }
}
