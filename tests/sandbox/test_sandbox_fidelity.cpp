// The sandbox's answers byte for byte where recordings of the live API fix the format
// (shared reference lexoffice-api.md, section 14 unless another section is named): number
// formats of money, fields, statuses, error bodies, validation, downloads and timestamps.
#include "sandbox_fixture.hpp"

#include <regex>

using namespace sandbox_test;

namespace {

constexpr const char* k_mueller = "c0a80001-0000-4000-8000-000000000001";

// One line of 100.00 net at 19 %: totals 100.00 / 19.00 / 119.00.
std::string invoice_body(const std::string& items = "") {
    return R"({"voucherDate":"2026-03-02T00:00:00.000+01:00","address":{"contactId":")" +
           std::string(k_mueller) + R"("},"lineItems":)" +
           (items.empty() ? R"([{"type":"custom","name":"Reinigung","quantity":1,"unitName":"Stück",
             "unitPrice":{"currency":"EUR","netAmount":100,"taxRatePercentage":19}}])"
                          : items) +
           R"(,"totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"net"},
      "shippingConditions":{"shippingDate":"2026-03-01T00:00:00.000+01:00","shippingType":"delivery"}})";
}

std::string credit_note_body(const std::string& amount = "100") {
    return R"({"voucherDate":"2026-03-05T00:00:00.000+01:00","address":{"contactId":")" +
           std::string(k_mueller) +
           R"("},"lineItems":[{"type":"custom","name":"Gutschrift","quantity":1,"unitName":"Stück",
        "unitPrice":{"currency":"EUR","netAmount":)" +
           amount + R"(,"taxRatePercentage":19}}],
      "totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"net"}})";
}

std::string create(httplib::Client& c, const std::string& path, const std::string& body) {
    auto res = c.Post(path.c_str(), body, k_json);
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 201, res->body);
    return parse(res->body)["id"].GetString();
}

std::string get_body(httplib::Client& c, const std::string& path) {
    auto res = c.Get(path.c_str());
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 200, path << ": " << res->body);
    return res->body;
}

void contains(const std::string& body, const std::string& part) {
    CHECK_MESSAGE(body.find(part) != std::string::npos, "'" << part << "' not in " << body);
}

void lacks(const std::string& body, const std::string& part) {
    CHECK_MESSAGE(body.find(part) == std::string::npos, "'" << part << "' in " << body);
}

const char* const k_uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

} // namespace

TEST_SUITE("lexsync::sandbox answers as recorded from the live API") {
    TEST_CASE("invoices write money and tax-group rates with two decimals") {
        RunningServer s;
        auto c = s.client();
        const std::string id = create(c, "/v1/invoices?finalize=true", invoice_body());
        const std::string body = get_body(c, "/v1/invoices/" + id);
        contains(body, R"("lineItemAmount":100.00)");
        contains(body, R"("totalPrice":{"currency":"EUR","totalNetAmount":100.00,)"
                       R"("totalGrossAmount":119.00,"totalTaxAmount":19.00})");
        contains(
            body,
            R"("taxAmounts":[{"taxRatePercentage":19.00,"taxAmount":19.00,"netAmount":100.00}])");
        // The unit price's rate stays an integer on invoices.
        contains(body, R"("netAmount":100,"grossAmount":119,"taxRatePercentage":19})");
    }

    TEST_CASE("credit notes write the unit price's tax rate with one decimal") {
        RunningServer s;
        auto c = s.client();
        const std::string id = create(c, "/v1/credit-notes", credit_note_body("10"));
        const std::string body = get_body(c, "/v1/credit-notes/" + id);
        contains(body, R"("netAmount":10,"grossAmount":11.9,"taxRatePercentage":19.0})");
        contains(body, R"("totalNetAmount":10.00,"totalGrossAmount":11.90,"totalTaxAmount":1.90})");
    }

    TEST_CASE("invoices carry closingInvoice and leave out a null xRechnung") {
        RunningServer s;
        auto c = s.client();
        const std::string id = create(c, "/v1/invoices", invoice_body());
        const std::string body = get_body(c, "/v1/invoices/" + id);
        contains(body, R"("closingInvoice":false)");
        lacks(body, R"("xRechnung")");
    }

    TEST_CASE("a draft invoice may have no line items; a finalized one may not") {
        RunningServer s;
        auto c = s.client();
        const std::string id = create(c, "/v1/invoices", invoice_body("[]"));
        const std::string body = get_body(c, "/v1/invoices/" + id);
        contains(body, R"("lineItems":[])");
        contains(body, R"("totalNetAmount":0.00)");
        auto res = c.Post("/v1/invoices?finalize=true", invoice_body("[]"), k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
    }

    TEST_CASE("an invoice fully offset by its credit note is paid everywhere") {
        RunningServer s;
        auto c = s.client();
        const std::string inv = create(c, "/v1/invoices?finalize=true", invoice_body());
        const std::string gs = create(
            c, "/v1/credit-notes?finalize=true&precedingSalesVoucherId=" + inv, credit_note_body());
        contains(get_body(c, "/v1/invoices/" + inv), R"("voucherStatus":"paid")");
        contains(get_body(c, "/v1/credit-notes/" + gs), R"("voucherStatus":"paidoff")");
        const std::string pay = get_body(c, "/v1/payments/" + inv);
        contains(pay, R"({"openAmount":0.00,"currency":"EUR","paymentStatus":"balanced",)"
                      R"("voucherType":"invoice","voucherStatus":"paid","paidDate":")");
        contains(pay, R"("amount":119.00,"currency":"EUR"})");
        const std::string list =
            get_body(c, "/v1/voucherlist?voucherType=invoice&voucherStatus=paid");
        contains(list,
                 "\"id\":\"" + inv + "\",\"voucherType\":\"invoice\",\"voucherStatus\":\"paid\"");
        contains(list, R"("totalAmount":119.00,"openAmount":0.00,"currency":"EUR")");
    }

    TEST_CASE("voucher list rows have .000 milliseconds and two-decimal amounts") {
        RunningServer s;
        auto c = s.client();
        create(c, "/v1/invoices?finalize=true", invoice_body());
        const std::string list =
            get_body(c, "/v1/voucherlist?voucherType=invoice&voucherStatus=open");
        const std::regex row(R"("voucherDate":"2026-03-02T00:00:00\.000\+01:00",)"
                             R"("createdDate":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0[12]:00",)"
                             R"("updatedDate":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0[12]:00",)"
                             R"("dueDate":"2026-03-16T00:00:00\.000\+01:00")");
        CHECK_MESSAGE(std::regex_search(list, row), list);
        contains(list, R"("totalAmount":119.00,"openAmount":119.00,"currency":"EUR")");
        // §4.1/§14: the sort entry's keys and their order; no `descending`.
        contains(list, R"("sort":[{"property":"voucherdate","direction":"DESC","ignoreCase":false,)"
                       R"("nullHandling":"NATIVE","ascending":false}])");
    }

    TEST_CASE("contacts: sort entry keys in the recorded order, allowTaxFreeInvoices always") {
        RunningServer s;
        auto c = s.client();
        const std::string list = get_body(c, "/v1/contacts?size=1");
        contains(list, R"("sort":[{"property":"name","direction":"ASC","ignoreCase":false,)"
                       R"("nullHandling":"NATIVE","ascending":true}])");
        lacks(list, "descending");
        const std::string id = create(c, "/v1/contacts", company_body("Ohne Flag GmbH"));
        contains(get_body(c, "/v1/contacts/" + id),
                 R"("company":{"name":"Ohne Flag GmbH","allowTaxFreeInvoices":false})");
    }

    TEST_CASE("legacy error bodies: requestId first, items with i18nKey, source, type only") {
        RunningServer s;
        auto c = s.client();
        auto res =
            c.Post("/v1/contacts", R"({"version":0,"roles":{"customer":{}},"company":{}})", k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
        const std::regex legacy(std::string(R"(\{"requestId":")") + k_uuid +
                                R"(","IssueList":\[\{"i18nKey":"missing_entity",)"
                                R"("source":"company.name","type":"validation_failure"\}\]\})");
        CHECK_MESSAGE(std::regex_match(res->body, legacy), res->body);
    }

    // Recorded: a 400 legacy body without requestId. Not recorded: where its text goes; the
    // sandbox keeps the measured text as a trailing `message` (see legacy_error in support.cpp).
    TEST_CASE("400 legacy bodies: no requestId, IssueList, then the measured text as message") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Get("/v1/vouchers");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK(res->body == R"({"IssueList":[{"i18nKey":"missing_entity","source":"voucherNumber",)"
                           R"("type":"validation_failure"}],)"
                           R"("message":"voucherNumber parameter is required"})");
        res = c.Get("/v1/contacts?size=1000");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK(res->body == R"({"IssueList":[{"i18nKey":"invalid_value","source":"size",)"
                           R"("type":"validation_failure"}],)"
                           R"("message":"parameter 'size' exceeds the limit"})");
    }

    TEST_CASE("regular error bodies carry requestId next to traceId") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Get("/v1/invoices/00000000-0000-4000-8000-000000000000");
        REQUIRE(res);
        CHECK(res->status == 404);
        const std::regex regular(
            std::string(R"(\{"timestamp":"[^"]+","status":404,"error":"Not Found",)"
                        R"("path":"/v1/invoices/00000000-0000-4000-8000-000000000000",)"
                        R"("traceId":"[0-9a-f]{12}","requestId":")") +
            k_uuid + R"(","message":"[^"]+"\})");
        CHECK_MESSAGE(std::regex_match(res->body, regular), res->body);
    }

    TEST_CASE("a voucher PUT that echoes the unchanged voucherStatus is refused (§5.3)") {
        RunningServer s;
        auto c = s.client();
        const std::string body =
            R"({"type":"salesinvoice","voucherNumber":"2026-0042","voucherDate":"2026-06-30",)"
            R"("totalGrossAmount":119.00,"totalTaxAmount":19.00,"taxType":"gross",)"
            R"("useCollectiveContact":true,"voucherItems":[{"amount":119.00,"taxAmount":19.00,)"
            R"("taxRatePercent":19,"categoryId":"8f8664a8-fd86-11e1-a21f-0800200c9a66"}]})";
        const std::string id = create(c, "/v1/vouchers", body);
        const std::string got = get_body(c, "/v1/vouchers/" + id);
        contains(got, R"("totalGrossAmount":119.00,"totalTaxAmount":19.00)");
        contains(got, R"({"amount":119.00,"taxAmount":19.00,"taxRatePercent":19,)");
        std::string put = body;
        put.insert(1, R"("version":1,"voucherStatus":"open",)");
        auto res = c.Put(("/v1/vouchers/" + id).c_str(), put, k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
        CHECK(first_issue(res->body) == "voucherStatus:invalid_value");
        put = body;
        put.insert(1, R"("version":1,)");
        res = c.Put(("/v1/vouchers/" + id).c_str(), put, k_json);
        REQUIRE(res);
        CHECK_MESSAGE(res->status == 200, res->body);
    }

    TEST_CASE("an unsupported Accept on a JSON endpoint answers 406") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Get("/v1/profile", {{"Accept", "application/xml"}});
        REQUIRE(res);
        CHECK(res->status == 406);
        for (const char* accept : {"application/json", "*/*", "application/json;charset=UTF-8"}) {
            res = c.Get("/v1/profile", {{"Accept", accept}});
            REQUIRE(res);
            CHECK_MESSAGE(res->status == 200, accept);
        }
    }

    TEST_CASE(
        "a rendered invoice's file: real name with ';', base64 for Accept: application/json") {
        RunningServer s;
        auto c = s.client();
        const std::string id = create(c, "/v1/invoices?finalize=true", invoice_body());
        auto res = c.Get(("/v1/invoices/" + id + "/file").c_str(), {{"Accept", "*/*"}});
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(res->get_header_value("Content-Disposition") ==
              "inline; filename=Rechnung_RE0001.pdf;");
        const std::string pdf = res->body;
        const std::string file_id =
            parse(get_body(c, "/v1/invoices/" + id + "/document"))["documentFileId"].GetString();
        res = c.Get(("/v1/files/" + file_id).c_str(), {{"Accept", "*/*"}});
        REQUIRE(res);
        CHECK(res->body == pdf);
        CHECK(res->get_header_value("Content-Disposition") ==
              "inline; filename=Rechnung_RE0001.pdf;");
        res = c.Get(("/v1/files/" + file_id).c_str(), {{"Accept", "application/json"}});
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->get_header_value("Content-Length") == std::to_string(res->body.size()));
        // "%PDF-" is "JVBERi0" in base64; the length is that of the encoded file. The text is
        // bare, not a quoted JSON string: the recorded Content-Length is the base64 length.
        CHECK(res->body.rfind("JVBERi0", 0) == 0);
        CHECK(res->body.find_first_of("\"\n") == std::string::npos);
        CHECK(res->body.size() == 4 * ((pdf.size() + 2) / 3));
    }
}
