// Sales vouchers in the sandbox: invoices, credit notes, quotations and order confirmations,
// totals, numbering, finalisation, pursuing, documents and their Accept rules.
#include "sandbox_fixture.hpp"

#include <tuple>
#include <vector>

using namespace sandbox_test;

namespace {

constexpr const char* k_mueller = "c0a80001-0000-4000-8000-000000000001";
constexpr const char* k_stadtwerke = "c0a80001-0000-4000-8000-000000000012"; // XRechnung

// The §9.4 sample: 2 × 13.40 @ 50 % (19 %), 8.32 (7 %) and 5.00 (0 %), net.
// A net invoice to a one-time recipient with `items` (custom items at 1 Stück: name, net price and
// tax rate each) and `total_extra` appended inside totalPrice.
std::string net_invoice(const std::vector<std::tuple<std::string, std::string, int>>& items,
                        const std::string& total_extra) {
    std::string lines;
    for (const auto& [name, price, rate] : items) {
        lines += std::string(lines.empty() ? "" : ",") + R"({"type":"custom","name":")" + name +
                 R"(","quantity":1,"unitName":"Stück","unitPrice":{"currency":"EUR","netAmount":)" +
                 price + R"(,"taxRatePercentage":)" + std::to_string(rate) + "}}";
    }
    return R"({"voucherDate":"2026-03-02T00:00:00.000+01:00",
      "address":{"name":"Laden Nord","countryCode":"DE"},"lineItems":[)" +
           lines + R"(],"totalPrice":{"currency":"EUR")" + total_extra + R"(},
      "taxConditions":{"taxType":"net"},
      "shippingConditions":{"shippingDate":"2026-03-02T00:00:00.000+01:00",
        "shippingType":"service"}})";
}

std::string sample_invoice(const std::string& tax_type = "net",
                           const std::string& contact = k_mueller,
                           const std::string& total_extra = "") {
    const bool gross = tax_type == "gross";
    const std::string price_key = gross ? "grossAmount" : "netAmount";
    return R"({"voucherDate":"2026-03-02T00:00:00.000+01:00",
      "address":{"contactId":")" +
           contact + R"("},
      "lineItems":[
        {"type":"custom","name":"Kabelschloss","quantity":2,"unitName":"Stück",
         "unitPrice":{"currency":"EUR",")" +
           price_key + R"(":13.40,"taxRatePercentage":19},"discountPercentage":50},
        {"type":"custom","name":"Leistung","quantity":1,"unitName":"Stunde",
         "unitPrice":{"currency":"EUR",")" +
           price_key + R"(":8.32,"taxRatePercentage":7}},
        {"type":"custom","name":"Porto","quantity":1,"unitName":"Stück",
         "unitPrice":{"currency":"EUR",")" +
           price_key + R"(":5.00,"taxRatePercentage":0}},
        {"type":"text","name":"Hinweis","description":"Danke"}],
      "totalPrice":{"currency":"EUR")" +
           total_extra + R"(},
      "taxConditions":{"taxType":")" +
           tax_type + R"("},
      "shippingConditions":{"shippingDate":"2026-03-01T00:00:00.000+01:00","shippingType":"delivery"}})";
}

std::string create(httplib::Client& c, const std::string& path, const std::string& body) {
    auto res = c.Post(path.c_str(), body, k_json);
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 201, res->body);
    return parse(res->body)["id"].GetString();
}

rapidjson::Document get_json(httplib::Client& c, const std::string& path) {
    auto res = c.Get(path.c_str());
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 200, path << ": " << res->body);
    return parse(res->body);
}

// The exact JSON text of member `key` (numbers are checked as written, not as doubles).
std::string raw_member(const std::string& body, const std::string& key) {
    const auto pos = body.find("\"" + key + "\":");
    REQUIRE_MESSAGE(pos != std::string::npos, key << " in " << body);
    const auto start = pos + key.size() + 3;
    const auto end = body.find_first_of(",}]", start);
    return body.substr(start, end - start);
}

// `s` with the first `from` replaced by `to` (which must occur).
std::string with(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    REQUIRE_MESSAGE(pos != std::string::npos, from);
    return s.replace(pos, from.size(), to);
}

const std::string k_mueller_address = R"({"contactId":")" + std::string(k_mueller) + R"("})";

std::string credit_note_body() {
    return R"({"voucherDate":"2026-03-05T00:00:00.000+01:00","address":{"contactId":")" +
           std::string(k_mueller) + R"("},
      "lineItems":[{"type":"custom","name":"Gutschrift","quantity":1,"unitName":"Stück",
        "unitPrice":{"currency":"EUR","netAmount":10,"taxRatePercentage":19}}],
      "totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"net"}})";
}

} // namespace

TEST_SUITE("lexsync::sandbox::Server sales vouchers") {

    TEST_CASE("net invoice totals follow the documented sample exactly") {
        RunningServer s;
        auto c = s.client();
        const std::string id = create(c, "/v1/invoices", sample_invoice());
        auto res = c.Get(("/v1/invoices/" + id).c_str());
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const auto inv = parse(res->body);
        CHECK(inv["voucherStatus"] == "draft");
        CHECK(!inv.HasMember("dueDate"));
        CHECK(!inv.HasMember("printLayoutId"));
        CHECK(inv["version"].GetInt() == 1);
        CHECK(inv["address"]["name"] == "Müller & Söhne GmbH");
        CHECK(inv["address"]["city"] == "Berlin");
        CHECK(inv["voucherDate"] == "2026-03-02T00:00:00.000+01:00");
        CHECK(raw_member(res->body, "totalNetAmount") == "26.72");
        CHECK(raw_member(res->body, "totalGrossAmount") == "29.85");
        CHECK(raw_member(res->body, "totalTaxAmount") == "3.13");
        const auto& taxes = inv["taxAmounts"];
        REQUIRE(taxes.Size() == 3);
        CHECK(raw_member(res->body, "taxRatePercentage") == "19"); // the unit price's, first
        CHECK(taxes[0]["taxRatePercentage"].GetDouble() == 19);    // written 19.00 (§14)
        CHECK(taxes[0]["taxAmount"].GetDouble() == doctest::Approx(2.55));
        CHECK(taxes[0]["netAmount"].GetDouble() == doctest::Approx(13.40));
        CHECK(taxes[1]["taxAmount"].GetDouble() == doctest::Approx(0.58));
        CHECK(taxes[2]["taxAmount"].GetDouble() == 0);
        const auto& first = inv["lineItems"][0];
        CHECK(first["lineItemAmount"].GetDouble() == doctest::Approx(13.40));
        // 13.4 net at 19 % comes back unrounded as 15.946.
        CHECK(raw_member(res->body, "grossAmount") == "15.946");
        CHECK(inv["lineItems"][3]["type"] == "text");
    }

    TEST_CASE("gross invoices derive net per tax group; total discounts apply on top") {
        RunningServer s;
        auto c = s.client();
        std::string id = create(c, "/v1/invoices", sample_invoice("gross"));
        auto inv = get_json(c, "/v1/invoices/" + id);
        // Gross groups: 13.40 @19 → tax 2.14; 8.32 @7 → tax 0.54; 5.00 @0.
        CHECK(inv["totalPrice"]["totalGrossAmount"].GetDouble() == doctest::Approx(26.72));
        CHECK(inv["totalPrice"]["totalTaxAmount"].GetDouble() == doctest::Approx(2.68));
        CHECK(inv["totalPrice"]["totalNetAmount"].GetDouble() == doctest::Approx(24.04));
        CHECK(inv["lineItems"][0]["unitPrice"]["netAmount"].GetDouble() ==
              doctest::Approx(11.2605));

        id = create(c, "/v1/invoices",
                    sample_invoice("net", k_mueller, R"(,"totalDiscountPercentage":10)"));
        inv = get_json(c, "/v1/invoices/" + id);
        // 13.40 → 12.06 (tax 2.29), 8.32 → 7.49 (tax 0.52), 5.00 → 4.50.
        CHECK(inv["totalPrice"]["totalNetAmount"].GetDouble() == doctest::Approx(24.05));
        CHECK(inv["totalPrice"]["totalTaxAmount"].GetDouble() == doctest::Approx(2.81));
        CHECK(inv["totalPrice"]["totalGrossAmount"].GetDouble() == doctest::Approx(26.86));
        CHECK(inv["totalPrice"]["totalDiscountPercentage"].GetDouble() == doctest::Approx(10));

        id = create(c, "/v1/invoices",
                    sample_invoice("net", k_mueller, R"(,"totalDiscountAbsolute":2.67)"));
        inv = get_json(c, "/v1/invoices/" + id);
        CHECK(inv["totalPrice"]["totalNetAmount"].GetDouble() == doctest::Approx(24.05));
        CHECK(inv["totalPrice"]["totalDiscountAbsolute"].GetDouble() == doctest::Approx(2.67));
    }

    TEST_CASE("a total discount in percent is rounded once per tax group") {
        RunningServer s;
        auto c = s.client();
        // 24.99 less 0.5 %: 0.12495 off is 0.12 (rounding to 4 places first would give 0.13).
        const std::string id =
            create(c, "/v1/invoices",
                   net_invoice({{"A", "24.99", 19}}, R"(,"totalDiscountPercentage":0.5)"));
        auto res = c.Get(("/v1/invoices/" + id).c_str());
        REQUIRE(res);
        CHECK(raw_member(res->body, "totalNetAmount") == "24.87");
        CHECK(raw_member(res->body, "totalTaxAmount") == "4.73");
        CHECK(raw_member(res->body, "totalGrossAmount") == "29.60");
        CHECK(raw_member(res->body, "totalDiscountAbsolute") == "0.12");
    }

    TEST_CASE("a total discount amount is split over the tax groups, each share rounded once") {
        RunningServer s;
        auto c = s.client();
        // 1.00 off 1.03 @19 % and 21.86 @7 %: the 19 % share is 1.00 × 1.03 / 22.89 = 0.044998,
        // 0.04 (0.0450 and then 0.05 if the 4-place quotient were rounded again); 0.96 is left.
        const std::string id = create(c, "/v1/invoices",
                                      net_invoice({{"A", "1.03", 19}, {"B", "21.86", 7}},
                                                  R"(,"totalDiscountAbsolute":1.00)"));
        auto res = c.Get(("/v1/invoices/" + id).c_str());
        REQUIRE(res);
        const auto inv = parse(res->body);
        const auto& taxes = inv["taxAmounts"];
        REQUIRE(taxes.Size() == 2);
        CHECK(taxes[0]["taxRatePercentage"].GetDouble() == 19);
        CHECK(taxes[0]["netAmount"].GetDouble() == doctest::Approx(0.99));
        CHECK(taxes[0]["taxAmount"].GetDouble() == doctest::Approx(0.19));
        CHECK(taxes[1]["netAmount"].GetDouble() == doctest::Approx(20.90));
        CHECK(taxes[1]["taxAmount"].GetDouble() == doctest::Approx(1.46));
        CHECK(raw_member(res->body, "totalNetAmount") == "21.89");
        CHECK(raw_member(res->body, "totalTaxAmount") == "1.65");
        CHECK(raw_member(res->body, "totalGrossAmount") == "23.54");
        CHECK(raw_member(res->body, "totalDiscountAbsolute") == "1.00");
    }

    TEST_CASE("payment discount conditions are echoed, and refused outside their ranges") {
        RunningServer s;
        auto c = s.client();
        const std::string pay =
            R"(,"paymentConditions":{"paymentTermLabel":"Zahlbar innerhalb von 30 Tagen",
              "paymentTermDuration":30,
              "paymentDiscountConditions":{"discountPercentage":2.5,"discountRange":10}}})";
        const std::string base = sample_invoice();
        const std::string body = base.substr(0, base.size() - 1) + pay;
        const std::string id = create(c, "/v1/invoices", body);
        auto inv = get_json(c, "/v1/invoices/" + id);
        const auto& pc = inv["paymentConditions"];
        CHECK(pc["paymentTermDuration"].GetInt() == 30);
        CHECK(pc["paymentDiscountConditions"]["discountPercentage"].GetDouble() ==
              doctest::Approx(2.5));
        CHECK(pc["paymentDiscountConditions"]["discountRange"].GetInt() == 10);
        // The payment discount does not change the totals.
        CHECK(inv["totalPrice"]["totalGrossAmount"].GetDouble() == doctest::Approx(29.85));

        for (const auto& change :
             {std::pair<std::string, std::string>{R"("discountPercentage":2.5)",
                                                  R"("discountPercentage":101)"},
              {R"("discountRange":10)", R"("discountRange":31)"},
              {R"("discountRange":10)", R"("discountRange":-1)"}}) {
            // Not a structured binding: CHECK_MESSAGE's lambda could not use it under clang.
            auto r = c.Post("/v1/invoices", with(body, change.first, change.second), k_json);
            REQUIRE(r);
            CHECK_MESSAGE(r->status == 406,
                          change.first << " → " << change.second << ": " << r->body);
            CHECK(r->body.find("paymentDiscountConditions") != std::string::npos);
        }
    }

    TEST_CASE("numbers are assigned per type at creation, drafts included") {
        RunningServer s;
        auto c = s.client();
        const std::string a = create(c, "/v1/invoices", sample_invoice());
        const std::string b = create(c, "/v1/invoices?finalize=true", sample_invoice());
        const std::string g = create(c, "/v1/credit-notes", credit_note_body());
        CHECK(get_json(c, "/v1/invoices/" + a)["voucherNumber"] == "RE0001");
        CHECK(get_json(c, "/v1/invoices/" + b)["voucherNumber"] == "RE0002");
        CHECK(get_json(c, "/v1/credit-notes/" + g)["voucherNumber"] == "GS0001");
        // An invoice id through another type's path is a plain 404.
        auto res = c.Get(("/v1/credit-notes/" + a).c_str());
        REQUIRE(res);
        CHECK(res->status == 404);
        res = c.Get(("/v1/quotations/" + a).c_str());
        REQUIRE(res);
        CHECK(res->status == 404);
    }

    TEST_CASE("creation answers 201 with an action result and Location; finalize opens") {
        RunningServer s;
        auto c = s.client();
        auto res = c.Post("/v1/invoices?finalize=true", sample_invoice(), k_json);
        REQUIRE(res);
        REQUIRE(res->status == 201);
        const auto r = parse(res->body);
        const std::string id = r["id"].GetString();
        CHECK(r["version"].GetInt() == 1);
        CHECK(res->get_header_value("Location") ==
              "http://127.0.0.1:" + std::to_string(s.port()) + "/v1/invoices/" + id);
        const auto inv = get_json(c, "/v1/invoices/" + id);
        CHECK(inv["voucherStatus"] == "open");
        // Default payment term 14 days.
        CHECK(inv["dueDate"] == "2026-03-16T00:00:00.000+01:00");
        CHECK(inv["printLayoutId"].IsString());
    }

    TEST_CASE("read-only fields in the body are ignored") {
        RunningServer s;
        auto c = s.client();
        std::string body = sample_invoice();
        body.insert(
            1, R"("id":"11111111-1111-4111-8111-111111111111","voucherStatus":"paid",)"
               R"("voucherNumber":"X1","taxAmounts":[{"taxRatePercentage":19,"taxAmount":99}],)");
        const std::string id = create(c, "/v1/invoices", body);
        const auto inv = get_json(c, "/v1/invoices/" + id);
        CHECK(inv["voucherStatus"] == "draft");
        CHECK(inv["voucherNumber"] == "RE0001");
        CHECK(std::string(inv["id"].GetString()) == id);
        CHECK(inv["taxAmounts"][0]["taxAmount"].GetDouble() == doctest::Approx(2.55));
    }

    TEST_CASE("validation failures answer 406 in the regular format with details") {
        RunningServer s;
        auto c = s.client();
        const auto expect_field = [&](const std::string& body, const std::string& field) {
            auto res = c.Post("/v1/invoices", body, k_json);
            REQUIRE(res);
            CHECK_MESSAGE(res->status == 406, res->body);
            const auto d = parse(res->body);
            CHECK(d["status"].GetInt() == 406);
            CHECK(d.HasMember("traceId"));
            bool found = false;
            for (const auto& v : d["details"].GetArray()) {
                found = found || std::string(v["field"].GetString()) == field;
            }
            CHECK_MESSAGE(found, field << " in " << res->body);
        };
        const std::string b = sample_invoice();
        expect_field(with(b, "2026-03-02T00:00:00.000+01:00", "2026-03-02T00:00:00"),
                     "voucherDate");
        expect_field(with(b, R"("currency":"EUR"})", R"("currency":"USD"})"),
                     "totalPrice.currency");
        expect_field(with(b, R"("taxType":"net")", R"("taxType":"bogus")"),
                     "taxConditions.taxType");
        // 16 % is not valid in 2026 ...
        expect_field(with(b, R"("taxRatePercentage":19)", R"("taxRatePercentage":16)"),
                     "lineItems[0].unitPrice.taxRatePercentage");
        // ... but it is for a delivery in the second half of 2020.
        const std::string b2020 =
            with(with(with(b, R"("taxRatePercentage":19)", R"("taxRatePercentage":16)"),
                      R"("taxRatePercentage":7)", R"("taxRatePercentage":5)"),
                 "2026-03-01T00:00:00.000+01:00", "2020-09-01T00:00:00.000+02:00");
        auto res = c.Post("/v1/invoices", b2020, k_json);
        REQUIRE(res);
        CHECK_MESSAGE(res->status == 201, res->body);

        // Shipping conditions are required for invoices, with an end date for periods.
        expect_field(with(b, R"("shippingConditions")", R"("unknownConditions")"),
                     "shippingConditions");
        expect_field(with(b, R"("shippingType":"delivery")", R"("shippingType":"serviceperiod")"),
                     "shippingConditions.shippingEndDate");
        // Unknown contact, one-time address without name.
        expect_field(sample_invoice("net", "c0a80001-0000-4000-8000-000000009999"),
                     "address.contactId");
        const std::string one_time = with(b, k_mueller_address, R"({"countryCode":"DE"})");
        expect_field(one_time, "address.name");
        // Vat-free types other than vatfree need a contact.
        expect_field(with(with(b, k_mueller_address, R"({"name":"X","countryCode":"AT"})"),
                          R"("taxType":"net")", R"("taxType":"intraCommunitySupply")"),
                     "address.contactId");
        // More than 300 line items.
        std::string many = R"({"voucherDate":"2026-03-02T00:00:00.000+01:00",
          "address":{"name":"X","countryCode":"DE"},"lineItems":[)";
        for (int i = 0; i < 301; ++i) {
            many += std::string(i ? "," : "") + R"({"type":"text","name":"t"})";
        }
        many += R"(],"totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"net"},
          "shippingConditions":{"shippingType":"none"}})";
        expect_field(many, "lineItems");
    }

    TEST_CASE("a one-time address creates no contact and needs name and country") {
        RunningServer s;
        auto c = s.client();
        const std::string b = with(
            sample_invoice(), k_mueller_address,
            R"({"name":"Laufkundschaft","street":"Weg 1","zip":"10115","city":"Berlin","countryCode":"DE"})");
        const std::string id = create(c, "/v1/invoices", b);
        const auto inv = get_json(c, "/v1/invoices/" + id);
        CHECK(inv["address"]["name"] == "Laufkundschaft");
        CHECK(!inv["address"].HasMember("contactId"));
    }

    TEST_CASE("documents: 409 for drafts, real PDF bytes and the Accept rules") {
        RunningServer s;
        auto c = s.client();
        const std::string draft = create(c, "/v1/invoices", sample_invoice());
        auto res = c.Get(("/v1/invoices/" + draft + "/file").c_str(), {{"Accept", "*/*"}});
        REQUIRE(res);
        CHECK(res->status == 409);
        CHECK(parse(res->body)["message"].GetString() != std::string());
        res = c.Get(("/v1/invoices/" + draft + "/document").c_str());
        REQUIRE(res);
        CHECK(res->status == 406);

        const std::string open = create(c, "/v1/invoices?finalize=true", sample_invoice());
        res = c.Get(("/v1/invoices/" + open + "/file").c_str(), {{"Accept", "*/*"}});
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(res->body.rfind("%PDF-", 0) == 0);
        CHECK(res->body.find("%%EOF") != std::string::npos);
        CHECK(res->body.find("RE0002") != std::string::npos);
        CHECK(res->body.find("29.85") != std::string::npos);
        CHECK(res->get_header_value("Content-Type") == "application/pdf");
        CHECK(res->get_header_value("Content-Disposition") ==
              "inline; filename=Rechnung_RE0002.pdf;");
        CHECK(res->get_header_value("Content-Length") == std::to_string(res->body.size()));
        const std::string pdf = res->body;

        res = c.Get(("/v1/invoices/" + open + "/file").c_str(), {{"Accept", "application/pdf"}});
        REQUIRE(res);
        CHECK(res->status == 200);
        res = c.Get(("/v1/invoices/" + open + "/file").c_str(), {{"Accept", "application/xml"}});
        REQUIRE(res);
        CHECK(res->status == 404);
        res = c.Get(("/v1/invoices/" + open + "/file").c_str(), {{"Accept", "application/json"}});
        REQUIRE(res);
        CHECK(res->status == 406);

        // The document id downloads the same bytes through /v1/files.
        res = c.Get(("/v1/invoices/" + open + "/document").c_str());
        REQUIRE(res);
        REQUIRE(res->status == 200);
        const std::string file_id = parse(res->body)["documentFileId"].GetString();
        res = c.Get(("/v1/files/" + file_id).c_str(), {{"Accept", "*/*"}});
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->body == pdf);
        // The rendered document keeps its real name (reference §14, §1.5).
        CHECK(res->get_header_value("Content-Disposition") ==
              "inline; filename=Rechnung_RE0002.pdf;");
    }

    TEST_CASE("XRechnung invoices give XML for */* and application/xml, PDF for application/pdf") {
        RunningServer s;
        auto c = s.client();
        const std::string id =
            create(c, "/v1/invoices?finalize=true", sample_invoice("net", k_stadtwerke));
        CHECK(get_json(c, "/v1/invoices/" + id)["electronicDocumentProfile"] == "XRechnung");
        for (const char* accept : {"*/*", "application/xml"}) {
            auto res = c.Get(("/v1/invoices/" + id + "/file").c_str(), {{"Accept", accept}});
            REQUIRE(res);
            REQUIRE(res->status == 200);
            CHECK(res->get_header_value("Content-Type") == "application/xml");
            CHECK(res->body.rfind("<?xml", 0) == 0);
            CHECK(res->body.find("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2") !=
                  std::string::npos);
            CHECK(res->body.find("04011000-1234512345-35") != std::string::npos);
        }
        auto res = c.Get(("/v1/invoices/" + id + "/file").c_str(), {{"Accept", "application/pdf"}});
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->body.rfind("%PDF-", 0) == 0);
        // An empty buyer reference forces a standard invoice.
        std::string plain = sample_invoice("net", k_stadtwerke);
        plain.insert(1, R"("xRechnung":{"buyerReference":""},)");
        const std::string regular = create(c, "/v1/invoices", plain);
        CHECK(get_json(c, "/v1/invoices/" + regular)["electronicDocumentProfile"] == "NONE");
        // A buyer reference for a contact without XRechnung data is refused.
        std::string wrong = sample_invoice();
        wrong.insert(1, R"("xRechnung":{"buyerReference":"123"},)");
        res = c.Post("/v1/invoices", wrong, k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
    }

    TEST_CASE("a credit note pursued from an open invoice is paidoff and lowers the invoice") {
        RunningServer s;
        auto c = s.client();
        const std::string inv = create(c, "/v1/invoices?finalize=true", sample_invoice());
        const std::string draft_inv = create(c, "/v1/invoices", sample_invoice());
        auto res =
            c.Post(("/v1/credit-notes?finalize=true&precedingSalesVoucherId=" + draft_inv).c_str(),
                   credit_note_body(), k_json);
        REQUIRE(res);
        CHECK(res->status == 406);

        const std::string gs = create(
            c, "/v1/credit-notes?finalize=true&precedingSalesVoucherId=" + inv, credit_note_body());
        const auto note = get_json(c, "/v1/credit-notes/" + gs);
        CHECK(note["voucherStatus"] == "paidoff");
        REQUIRE(note["relatedVouchers"].Size() == 1);
        CHECK(std::string(note["relatedVouchers"][0]["id"].GetString()) == inv);
        CHECK(note["relatedVouchers"][0]["voucherType"] == "invoice");
        const auto invoice = get_json(c, "/v1/invoices/" + inv);
        REQUIRE(invoice["relatedVouchers"].Size() == 1);
        CHECK(std::string(invoice["relatedVouchers"][0]["id"].GetString()) == gs);
        CHECK(invoice["relatedVouchers"][0]["voucherNumber"] == "GS0001");
        CHECK(invoice["version"].GetInt() == 2);

        // 29.85 − 11.90 = 17.95 still open.
        const auto pay = get_json(c, "/v1/payments/" + inv);
        CHECK(pay["openAmount"].GetDouble() == doctest::Approx(17.95));
        CHECK(pay["paymentStatus"] == "openRevenue");
        CHECK(pay["paymentItems"][0]["paymentItemType"] == "partPaymentCreditNote");
        const auto note_pay = get_json(c, "/v1/payments/" + gs);
        CHECK(note_pay["paymentStatus"] == "balanced");
        CHECK(note_pay["voucherStatus"] == "paidoff");
        CHECK(note_pay["paidDate"].IsString());

        // Only one credit note per invoice.
        res = c.Post(("/v1/credit-notes?precedingSalesVoucherId=" + inv).c_str(),
                     credit_note_body(), k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
    }

    TEST_CASE("routes sales vouchers do not have answer 404") {
        RunningServer s;
        auto c = s.client();
        const std::string id = create(c, "/v1/invoices", sample_invoice());
        for (const char* path :
             {"/v1/invoices", "/v1/credit-notes", "/v1/quotations", "/v1/order-confirmations"}) {
            auto res = c.Get(path);
            REQUIRE(res);
            CHECK_MESSAGE(res->status == 404, path);
        }
        auto res = c.Post(("/v1/invoices/" + id + "/actions/finalize").c_str(), "{}", k_json);
        REQUIRE(res);
        CHECK(res->status == 404);
        res = c.Put(("/v1/invoices/" + id).c_str(), sample_invoice(), k_json);
        REQUIRE(res);
        CHECK(res->status == 404);
        res = c.Delete(("/v1/invoices/" + id).c_str());
        REQUIRE(res);
        CHECK(res->status == 404);
        res = c.Post("/v1/invoices", sample_invoice(), "text/plain");
        REQUIRE(res);
        CHECK(res->status == 415);
    }

    TEST_CASE(
        "quotations: expirationDate required, optional items outside the totals, AG numbers") {
        RunningServer s;
        auto c = s.client();
        const std::string items =
            R"("lineItems":[{"type":"custom","name":"Grundreinigung","quantity":1,)"
            R"("unitName":"Pauschal","unitPrice":{"currency":"EUR","netAmount":100,)"
            R"("taxRatePercentage":19}},{"type":"custom","name":"Fensterreinigung","quantity":1,)"
            R"("unitName":"Pauschal","unitPrice":{"currency":"EUR","netAmount":50,)"
            R"("taxRatePercentage":19},"optional":true}],)";
        const std::string head =
            R"({"voucherDate":"2026-03-02T00:00:00.000+01:00",)"
            R"("address":{"contactId":")" +
            std::string(k_mueller) + R"("},)" + items +
            R"("totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"net"})";
        auto res = c.Post("/v1/quotations?finalize=true", head + "}", k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
        CHECK(res->body.find(R"("field":"expirationDate")") != std::string::npos);

        const std::string id =
            create(c, "/v1/quotations?finalize=true",
                   head + R"(,"expirationDate":"2026-04-01T00:00:00.000+02:00"})");
        auto got = c.Get(("/v1/quotations/" + id).c_str());
        REQUIRE(got);
        REQUIRE(got->status == 200);
        const auto d = parse(got->body);
        CHECK(std::string(d["voucherNumber"].GetString()) == "AG0001");
        CHECK(std::string(d["voucherStatus"].GetString()) == "open");
        CHECK(std::string(d["expirationDate"].GetString()) == "2026-04-01T00:00:00.000+02:00");
        CHECK(std::string(d["title"].GetString()) == "Angebot");
        CHECK(d["lineItems"][1]["optional"].GetBool());
        CHECK(!d.HasMember("dueDate"));
        CHECK(!d.HasMember("closingInvoice"));
        CHECK(!d.HasMember("shippingConditions"));
        // The optional item is not counted; the unit price rate is written as "19.0" (§14).
        CHECK(raw_member(got->body, "totalNetAmount") == "100.00");
        CHECK(raw_member(got->body, "totalGrossAmount") == "119.00");
        CHECK(got->body.find(R"("taxRatePercentage":19.0})") != std::string::npos);
        // Rendered like the other types; the voucher list shows it; no payment information.
        auto file = c.Get(("/v1/quotations/" + id + "/file").c_str(), {{"Accept", "*/*"}});
        REQUIRE(file);
        CHECK(file->status == 200);
        CHECK(file->get_header_value("Content-Disposition") ==
              "inline; filename=Angebot_AG0001.pdf;");
        auto list = c.Get("/v1/voucherlist?voucherType=quotation&voucherStatus=open");
        REQUIRE(list);
        const auto l = parse(list->body);
        REQUIRE(l["content"].Size() == 1);
        CHECK(std::string(l["content"][0]["id"].GetString()) == id);
        CHECK(l["content"][0]["openAmount"].IsNull());
        auto pay = c.Get(("/v1/payments/" + id).c_str());
        REQUIRE(pay);
        CHECK(pay->status == 404);
        // The id is a quotation's only.
        CHECK(c.Get(("/v1/invoices/" + id).c_str())->status == 404);
        // Alternative sub-items are refused, not dropped.
        std::string sub = head + R"(,"expirationDate":"2026-04-01T00:00:00.000+02:00"})";
        sub.replace(sub.find(R"("optional":true)"), 15,
                    R"("subItems":[{"type":"custom","name":"X"}])");
        res = c.Post("/v1/quotations", sub, k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
    }

    TEST_CASE("order confirmations: shippingConditions required, deliveryTerms, AB numbers") {
        RunningServer s;
        auto c = s.client();
        std::string body = sample_invoice();
        const std::string shipping =
            R"(,
      "shippingConditions":{"shippingDate":"2026-03-01T00:00:00.000+01:00","shippingType":"delivery"}})";
        const auto at = body.rfind(shipping);
        REQUIRE(at != std::string::npos);
        auto res = c.Post("/v1/order-confirmations", body.substr(0, at) + "}", k_json);
        REQUIRE(res);
        CHECK(res->status == 406);
        CHECK(res->body.find(R"("field":"shippingConditions")") != std::string::npos);
        body.insert(body.size() - 1, R"(,"deliveryTerms":"frei Haus")");
        const std::string id = create(c, "/v1/order-confirmations?finalize=true", body);
        const auto d = get_json(c, "/v1/order-confirmations/" + id);
        CHECK(std::string(d["voucherNumber"].GetString()) == "AB0001");
        CHECK(std::string(d["voucherStatus"].GetString()) == "open");
        CHECK(std::string(d["deliveryTerms"].GetString()) == "frei Haus");
        CHECK(std::string(d["title"].GetString()) == "Auftragsbestätigung");
        CHECK(d["shippingConditions"]["shippingType"] == "delivery");
        CHECK(!d.HasMember("dueDate"));
        CHECK(d["totalPrice"]["totalGrossAmount"].GetDouble() == doctest::Approx(29.85));
        auto doc = c.Get(("/v1/order-confirmations/" + id + "/document").c_str());
        REQUIRE(doc);
        CHECK(doc->status == 200);
        auto list = c.Get("/v1/voucherlist?voucherType=orderconfirmation&voucherStatus=any");
        REQUIRE(list);
        CHECK(parse(list->body)["content"].Size() == 1);
    }
}
