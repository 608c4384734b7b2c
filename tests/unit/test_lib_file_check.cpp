#include <doctest/doctest.h>
#include <lexsync/formats/file_check.hpp>
#include <string>

using namespace lexsync::file_check;

namespace {

const std::string k_pdf = "%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n";
const std::string k_png = std::string("\x89PNG\r\n\x1A\n", 8) + "rest";
const std::string k_jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "rest";

const std::string k_ubl = R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- XRechnung -->
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>RE-1 &amp; more</cbc:ID>
  <cbc:Note><![CDATA[a < b]]></cbc:Note>
  <cbc:IssueDate>2026-03-02</cbc:IssueDate>
</Invoice>
)";

const std::string k_cii =
    "\xEF\xBB\xBF<rsm:CrossIndustryInvoice "
    "xmlns:rsm='urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100'>"
    "<rsm:ExchangedDocument/></rsm:CrossIndustryInvoice>";

} // namespace

TEST_SUITE("lexsync::file_check") {
    TEST_CASE("the size limit is 5 MiB inclusive and an empty file is refused") {
        CHECK_FALSE(check_size(5'242'880).has_value());
        CHECK(check_size(5'242'881).has_value());
        CHECK(check_size(0).has_value());
        std::string big = k_pdf;
        big.resize(5'242'880, ' ');
        CHECK(check("big.pdf", big).has_value());
        big.push_back(' ');
        auto r = check("big.pdf", big);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().find("5242881 bytes") != std::string::npos);
    }

    TEST_CASE("magic bytes tell the file kinds apart") {
        CHECK(sniff(k_pdf) == FileKind::pdf);
        CHECK(sniff(k_png) == FileKind::png);
        CHECK(sniff(k_jpeg) == FileKind::jpeg);
        CHECK(sniff("  <x/>") == FileKind::xml);
        CHECK(sniff("GIF89a") == std::nullopt);
        CHECK(sniff("junk before the header %PDF-1.7") == FileKind::pdf);
    }

    TEST_CASE("the content must match the extension, in any case") {
        CHECK(check("Scan.PDF", k_pdf).value() == FileKind::pdf);
        CHECK(check("photo.JPEG", k_jpeg).value() == FileKind::jpeg);
        CHECK(check("photo.jpg", k_jpeg).value() == FileKind::jpeg);
        auto r = check("receipt.pdf", k_png);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().find("looks like PNG") != std::string::npos);
        CHECK_FALSE(check("notes.pdf", "hello").has_value());
    }

    TEST_CASE("other file types are refused") {
        auto r = check("anim.gif", "GIF89a....");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().find("'.gif'") != std::string::npos);
        CHECK_FALSE(check("README", "text").has_value());
    }

    TEST_CASE("UBL invoices, UBL credit notes and CII invoices are e-invoices") {
        CHECK(detect_e_invoice(k_ubl).value() == EInvoice::ubl_invoice);
        CHECK(detect_e_invoice(k_cii).value() == EInvoice::cii);
        CHECK(
            detect_e_invoice(
                R"(<ubl:CreditNote xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"></ubl:CreditNote>)")
                .value() == EInvoice::ubl_credit_note);
        CHECK(check("x.xml", k_ubl).value() == FileKind::xml);
    }

    TEST_CASE("XML that is no e-invoice is refused with the reason") {
        auto order = detect_e_invoice(R"(<?xml version="1.0"?><Order xmlns="urn:x"/>)");
        REQUIRE_FALSE(order.has_value());
        CHECK(order.error().find("<Order>") != std::string::npos);
        auto wrong_ns = detect_e_invoice(R"(<Invoice xmlns="urn:example:invoice"/>)");
        REQUIRE_FALSE(wrong_ns.has_value());
        CHECK(wrong_ns.error().find("namespace") != std::string::npos);
    }

    TEST_CASE("XML that is not well-formed is refused with its line") {
        auto r = detect_e_invoice("<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:"
                                  "Invoice-2\">\n<a>\n</b>\n</Invoice>");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().find("line 3") != std::string::npos);
        CHECK(r.error().find("</b>") != std::string::npos);
        CHECK_FALSE(detect_e_invoice("<a>").has_value());
        CHECK_FALSE(detect_e_invoice("<a></a><b/>").has_value());
        CHECK_FALSE(detect_e_invoice("<a x=1/>").has_value());
        CHECK_FALSE(detect_e_invoice("<a x='1' x='2'/>").has_value());
        CHECK_FALSE(detect_e_invoice("<a>fish & chips</a>").has_value());
        CHECK_FALSE(detect_e_invoice("<a></a> trailing").has_value());
        CHECK_FALSE(detect_e_invoice("").has_value());
    }
}
