// Files and payments in the sandbox: uploads (type, size limit, magic bytes, e-invoice XML),
// downloads with Accept rules, delayed visibility of the new voucher, payment information.
#include "sandbox_fixture.hpp"

using namespace sandbox_test;

namespace {

constexpr std::size_t k_limit = 5U * 1024U * 1024U;

const std::string k_pdf = "%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n";
const std::string k_png = std::string("\x89PNG\r\n\x1a\n", 8) + "rest-of-png";
const std::string k_ubl =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- XRechnung -->
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><cbc:ID xmlns:cbc="x">1</cbc:ID></ubl:Invoice>)";
const std::string k_cii =
    R"(<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>)";

httplib::Result post_file(httplib::Client& c, const std::string& content,
                          const char* type = "voucher", const char* part = "file") {
    httplib::MultipartFormDataItems items = {
        {part, content, "upload.bin", "application/octet-stream"}};
    if (type) {
        items.push_back({"type", type, "", ""});
    }
    return c.Post("/v1/files", items);
}

} // namespace

TEST_SUITE("lexsync::sandbox::Server files and payments") {

    TEST_CASE("an upload answers 202 with the file and a new unchecked voucher") {
        RunningServer s;
        auto c = s.client();
        auto res = post_file(c, k_pdf);
        REQUIRE(res);
        REQUIRE_MESSAGE(res->status == 202, res->body);
        const auto d = parse(res->body);
        const std::string id = d["id"].GetString();
        const std::string voucher = d["voucherId"].GetString();
        res = c.Get(("/v1/vouchers/" + voucher).c_str());
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const auto v = parse(res->body);
        CHECK(v["voucherStatus"] == "unchecked");
        CHECK(v["type"] == "purchaseinvoice");
        CHECK(std::string(v["files"][0].GetString()) == id);

        res = c.Get(("/v1/files/" + id).c_str(), {{"Accept", "*/*"}});
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->body == k_pdf);
        CHECK(res->get_header_value("Content-Type") == "application/pdf");
        CHECK(res->get_header_value("Content-Disposition") == "inline; filename=" + id + ".pdf");
        res = c.Get(("/v1/files/" + id).c_str(), {{"Accept", "application/pdf"}});
        REQUIRE(res);
        CHECK(res->status == 200);
        res = c.Get(("/v1/files/" + id).c_str(), {{"Accept", "image/png"}});
        REQUIRE(res);
        CHECK(res->status == 404);
        res = c.Get(("/v1/files/" + id).c_str(), {{"Accept", "application/xml"}});
        REQUIRE(res);
        CHECK(res->status == 404);
        res = c.Get(("/v1/files/" + id).c_str(), {{"Accept", "text/plain"}});
        REQUIRE(res);
        CHECK(res->status == 406);

        // Payment information for an unchecked voucher is refused with 406.
        res = c.Get(("/v1/payments/" + voucher).c_str());
        REQUIRE(res);
        CHECK(res->status == 406);
    }

    TEST_CASE("the size limit is 5 MiB inclusive") {
        RunningServer s;
        auto c = s.client();
        std::string exact = k_pdf;
        exact.resize(k_limit, ' ');
        auto res = post_file(c, exact);
        REQUIRE(res);
        CHECK_MESSAGE(res->status == 202, res->body);
        exact.push_back(' ');
        res = post_file(c, exact);
        REQUIRE(res);
        CHECK(res->status == 406);
        CHECK(first_issue(res->body) == "file:max_file_size_exceeded");
    }

    TEST_CASE("content is checked by magic bytes; XML must be an e-invoice") {
        RunningServer s;
        auto c = s.client();
        for (const std::string& ok : {k_png, std::string("\xFF\xD8\xFF\xE0jpeg"), k_ubl, k_cii}) {
            auto res = post_file(c, ok);
            REQUIRE(res);
            CHECK_MESSAGE(res->status == 202, res->body);
        }
        for (const std::string& bad : {std::string("GIF89a...."), std::string("II*\0tiff", 8),
                                       std::string("just some text")}) {
            auto res = post_file(c, bad);
            REQUIRE(res);
            CHECK(res->status == 406);
            CHECK(first_issue(res->body) == "file:inacceptable_file_extension");
        }
        auto res = post_file(c, R"(<?xml version="1.0"?><note><to>x</to></note>)");
        REQUIRE(res);
        CHECK(res->status == 406);
        CHECK(first_issue(res->body) == "file:invalid_xrechnung");

        // An uploaded e-invoice downloads as XML.
        res = post_file(c, k_ubl);
        REQUIRE(res);
        const std::string id = parse(res->body)["id"].GetString();
        res = c.Get(("/v1/files/" + id).c_str(), {{"Accept", "application/xml"}});
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->body == k_ubl);
        CHECK(res->get_header_value("Content-Disposition") == "inline; filename=" + id + ".xml");
    }

    TEST_CASE("a missing or invalid type is a 400; a missing file part a 500") {
        RunningServer s;
        auto c = s.client();
        auto res = post_file(c, k_pdf, nullptr);
        REQUIRE(res);
        CHECK(res->status == 400);
        auto d = parse(res->body);
        CHECK(d["i18nKey"] == "bad_request_error");
        CHECK(std::string(d["source"].GetString()).find("'type'") != std::string::npos);
        CHECK(!d.HasMember("IssueList"));
        res = post_file(c, k_pdf, "attachment");
        REQUIRE(res);
        CHECK(res->status == 400);
        res = post_file(c, k_pdf, "voucher", "document");
        REQUIRE(res);
        CHECK(res->status == 500);
        // GET /v1/files has no collection route.
        res = c.Get("/v1/files");
        REQUIRE(res);
        CHECK(res->status == 404);
    }

    TEST_CASE("the new voucher stays invisible for the upload visibility delay") {
        ServerOptions o = unlimited();
        o.upload_visibility_delay_ms = 60000;
        RunningServer s(o);
        auto c = s.client();
        auto res = post_file(c, k_pdf);
        REQUIRE(res);
        REQUIRE(res->status == 202);
        const std::string voucher = parse(res->body)["voucherId"].GetString();
        res = c.Get(("/v1/vouchers/" + voucher).c_str());
        REQUIRE(res);
        CHECK(res->status == 404);
    }

    TEST_CASE("payments of bookkeeping vouchers and invoices") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Post(
            "/v1/vouchers",
            R"({"type":"purchasecreditnote","voucherNumber":"GS-9","voucherDate":"2026-06-30",
              "totalGrossAmount":10.70,"totalTaxAmount":0.70,"taxType":"gross","useCollectiveContact":true,
              "voucherItems":[{"amount":10.70,"taxAmount":0.70,"taxRatePercent":7,
              "categoryId":"efa82f43-fd85-11e1-a21f-0800200c9a66"}]})",
            k_json);
        REQUIRE(res);
        REQUIRE_MESSAGE(res->status == 201, res->body);
        const std::string id = parse(res->body)["id"].GetString();
        res = c.Get(("/v1/payments/" + id).c_str());
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const auto p = parse(res->body);
        CHECK(p["openAmount"].GetDouble() == doctest::Approx(10.70));
        CHECK(p["paymentStatus"] == "openExpense");
        CHECK(p["voucherType"] == "purchasecreditnote");
        CHECK(p["voucherStatus"] == "open");
        CHECK(p["currency"] == "EUR");
        CHECK(p["paidDate"].IsNull());
        CHECK(p["paymentItems"].IsArray());

        const std::string invoice =
            R"({"voucherDate":"2026-03-02T00:00:00.000+01:00","address":{"name":"Bar","countryCode":"DE"},
              "lineItems":[{"type":"custom","name":"X","quantity":1,"unitName":"Stk",
              "unitPrice":{"currency":"EUR","netAmount":10,"taxRatePercentage":19}}],
              "totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"net"},
              "shippingConditions":{"shippingType":"none"}})";
        res = c.Post("/v1/invoices", invoice, k_json);
        REQUIRE(res);
        const std::string draft = parse(res->body)["id"].GetString();
        res = c.Get(("/v1/payments/" + draft).c_str());
        REQUIRE(res);
        CHECK(res->status == 406);
        res = c.Post("/v1/invoices?finalize=true", invoice, k_json);
        REQUIRE(res);
        const std::string open = parse(res->body)["id"].GetString();
        res = c.Get(("/v1/payments/" + open).c_str());
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(res->body.find(R"("openAmount":11.90,)") != std::string::npos);
        CHECK(parse(res->body)["paymentStatus"] == "openRevenue");
        CHECK(parse(res->body)["voucherType"] == "invoice");

        res = c.Get("/v1/payments/c0a80001-0000-4000-8000-000000000001");
        REQUIRE(res);
        CHECK(res->status == 404);
    }
}
