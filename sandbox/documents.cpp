#include "sandbox/documents.hpp"

#include "sandbox/resource_util.hpp"

#include <cstdio>
#include <lexsync/util/strings.hpp>

namespace lexsync::sandbox::documents {

namespace {

// UTF-8 to Windows-1252 (Latin-1 range; other characters become '?').
std::string to_latin1(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if ((c & 0xe0U) == 0xc0U && i + 1 < s.size()) {
            const unsigned cp = ((c & 0x1fU) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3fU);
            out += cp < 0x100 ? static_cast<char>(cp) : '?';
            ++i;
        } else {
            // Skip the continuation bytes of a longer sequence.
            while (i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xc0U) == 0x80U) {
                ++i;
            }
            out += c == 0xe2 ? '-' : '?';
        }
    }
    return out;
}

std::string pdf_string(const std::string& text) {
    std::string out = "(";
    for (char c : to_latin1(text)) {
        if (c == '(' || c == ')' || c == '\\') {
            out += '\\';
        }
        if (c == '\n' || c == '\r') {
            c = ' ';
        }
        out += c;
    }
    return out + ")";
}

std::string amount_text(const JsonValue* v) {
    if (!v) {
        return "0.00";
    }
    const auto d = read_decimal(*v);
    return d ? d->to_fixed(2) : "0.00";
}

std::string date_part(const std::string& timestamp) {
    return timestamp.substr(0, 10);
}

} // namespace

std::string make_pdf(const std::vector<std::string>& lines) {
    std::string content = "BT\n/F1 11 Tf\n14 TL\n50 790 Td\n";
    for (const auto& line : lines) {
        content += pdf_string(line) + " Tj T*\n";
    }
    content += "ET\n";
    std::vector<std::string> objects = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R "
        ">> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "endstream",
    };
    std::string pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const std::size_t xref = pdf.size();
    pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (const auto off : offsets) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%010zu 00000 n \n", off);
        pdf += buf;
    }
    pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
           " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return pdf;
}

std::vector<std::string> voucher_lines(const JsonValue& v, const std::string& company) {
    std::vector<std::string> lines;
    lines.push_back(company);
    lines.emplace_back("");
    const JsonValue* address = member(v, "address");
    if (address) {
        for (const char* key : {"name", "supplement", "street"}) {
            const std::string s = member_string(*address, key);
            if (!s.empty()) {
                lines.push_back(s);
            }
        }
        const std::string city =
            member_string(*address, "zip") + " " + member_string(*address, "city");
        if (city != " ") {
            lines.push_back(city);
        }
        lines.push_back(member_string(*address, "countryCode"));
    }
    lines.emplace_back("");
    lines.push_back(member_string(v, "title") + " " + member_string(v, "voucherNumber"));
    lines.push_back("Datum: " + date_part(member_string(v, "voucherDate")));
    if (const std::string due = member_string(v, "dueDate"); !due.empty()) {
        lines.push_back("Fällig am: " + date_part(due));
    }
    lines.emplace_back("");
    if (const JsonValue* items = member(v, "lineItems"); items && items->IsArray()) {
        for (const auto& item : items->GetArray()) {
            std::string line = member_string(item, "name");
            if (const JsonValue* amount = member(item, "lineItemAmount")) {
                line += "  " + amount_text(amount) + " EUR";
            }
            lines.push_back(line);
        }
    }
    lines.emplace_back("");
    if (const JsonValue* total = member(v, "totalPrice")) {
        lines.push_back("Netto: " + amount_text(member(*total, "totalNetAmount")) + " EUR");
        lines.push_back("Steuer: " + amount_text(member(*total, "totalTaxAmount")) + " EUR");
        lines.push_back("Gesamt: " + amount_text(member(*total, "totalGrossAmount")) + " EUR");
    }
    return lines;
}

std::string make_xrechnung(const JsonValue& v, bool credit, const std::string& seller,
                           const std::string& buyer_reference) {
    const std::string root = credit ? "CreditNote" : "Invoice";
    const JsonValue* address = member(v, "address");
    const JsonValue* total = member(v, "totalPrice");
    const JsonValue empty(rapidjson::kObjectType);
    const JsonValue& addr = address ? *address : empty;
    const JsonValue& tot = total ? *total : empty;
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    x += "<ubl:" + root + " xmlns:ubl=\"urn:oasis:names:specification:ubl:schema:xsd:" + root +
         "-2\" xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:"
         "CommonAggregateComponents-2\" "
         "xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">\n";
    x += "  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:"
         "xrechnung_3.0</cbc:CustomizationID>\n";
    x += "  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>\n";
    x += "  <cbc:ID>" + xml_escape(member_string(v, "voucherNumber")) + "</cbc:ID>\n";
    x += "  <cbc:IssueDate>" + date_part(member_string(v, "voucherDate")) + "</cbc:IssueDate>\n";
    if (const std::string due = member_string(v, "dueDate"); !due.empty() && !credit) {
        x += "  <cbc:DueDate>" + date_part(due) + "</cbc:DueDate>\n";
    }
    x += credit ? "  <cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>\n"
                : "  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n";
    x += "  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>\n";
    x += "  <cbc:BuyerReference>" + xml_escape(buyer_reference) + "</cbc:BuyerReference>\n";
    x += "  <cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity><cbc:RegistrationName>" +
         xml_escape(seller) +
         "</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party></"
         "cac:AccountingSupplierParty>\n";
    x += "  <cac:AccountingCustomerParty><cac:Party><cac:PostalAddress><cbc:StreetName>" +
         xml_escape(member_string(addr, "street")) + "</cbc:StreetName><cbc:CityName>" +
         xml_escape(member_string(addr, "city")) + "</cbc:CityName><cbc:PostalZone>" +
         xml_escape(member_string(addr, "zip")) +
         "</cbc:PostalZone><cac:Country><cbc:IdentificationCode>" +
         xml_escape(member_string(addr, "countryCode")) +
         "</cbc:IdentificationCode></cac:Country></cac:PostalAddress><cac:PartyLegalEntity>"
         "<cbc:RegistrationName>" +
         xml_escape(member_string(addr, "name")) +
         "</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party></"
         "cac:AccountingCustomerParty>\n";
    x += "  <cac:TaxTotal><cbc:TaxAmount currencyID=\"EUR\">" +
         amount_text(member(tot, "totalTaxAmount")) + "</cbc:TaxAmount></cac:TaxTotal>\n";
    x += "  <cac:LegalMonetaryTotal><cbc:TaxExclusiveAmount currencyID=\"EUR\">" +
         amount_text(member(tot, "totalNetAmount")) +
         "</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount currencyID=\"EUR\">" +
         amount_text(member(tot, "totalGrossAmount")) +
         "</cbc:TaxInclusiveAmount><cbc:PayableAmount currencyID=\"EUR\">" +
         amount_text(member(tot, "totalGrossAmount")) +
         "</cbc:PayableAmount></cac:LegalMonetaryTotal>\n";
    const std::string line_tag = credit ? "CreditNoteLine" : "InvoiceLine";
    const std::string qty_tag = credit ? "CreditedQuantity" : "InvoicedQuantity";
    int n = 0;
    if (const JsonValue* items = member(v, "lineItems"); items && items->IsArray()) {
        for (const auto& item : items->GetArray()) {
            if (member_string(item, "type") == "text") {
                continue;
            }
            const JsonValue* qty = member(item, "quantity");
            const auto q = qty ? read_decimal(*qty) : std::nullopt;
            x += "  <cac:" + line_tag + "><cbc:ID>" + std::to_string(++n) +
                 "</cbc:ID><cbc:" + qty_tag + " unitCode=\"H87\">" + (q ? q->to_string() : "0") +
                 "</cbc:" + qty_tag + "><cbc:LineExtensionAmount currencyID=\"EUR\">" +
                 amount_text(member(item, "lineItemAmount")) +
                 "</cbc:LineExtensionAmount><cac:Item><cbc:Name>" +
                 xml_escape(member_string(item, "name")) +
                 "</cbc:Name></cac:Item></cac:" + line_tag + ">\n";
        }
    }
    x += "</ubl:" + root + ">\n";
    return x;
}

} // namespace lexsync::sandbox::documents
