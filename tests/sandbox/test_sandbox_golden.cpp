// Golden answers: for each endpoint family a fixed scenario of requests against a fresh sandbox,
// and the full answers (status, the headers that matter, the body byte for byte) compared with
// the checked-in files tests/sandbox/golden/<family>.golden, so that any change of an answer's
// format shows up in review. Ids, timestamps, trace ids and the port are normalised; numbers,
// key order and everything else are compared exactly. The files were written from the shared
// API reference (section 14 for number formats and error bodies) and reviewed line by line.
//
// The test only compares. scripts/update-golden.sh writes the current answers into the files
// (LEXSYNC_UPDATE_GOLDEN=1) after a deliberate change; review the diff before committing.
#include "sandbox_fixture.hpp"

#include <cstdlib>
#include <functional>
#include <map>
#include <regex>
#include <sstream>

#ifndef LEXSYNC_GOLDEN_DIR
#error "LEXSYNC_GOLDEN_DIR must name tests/sandbox/golden"
#endif

using namespace sandbox_test;

namespace {

constexpr const char* k_mueller = "c0a80001-0000-4000-8000-000000000001";

// Indents compact JSON text without parsing its numbers (so 100.00 stays 100.00).
std::string indent_json(const std::string& text) {
    std::string out;
    int depth = 0;
    bool in_string = false;
    auto newline = [&] { out += "\n" + std::string(static_cast<std::size_t>(depth) * 2, ' '); };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (in_string) {
            out += ch;
            if (ch == '\\' && i + 1 < text.size()) {
                out += text[++i];
            } else if (ch == '"') {
                in_string = false;
            }
            continue;
        }
        if (ch == '"') {
            in_string = true;
            out += ch;
        } else if ((ch == '{' || ch == '[') && i + 1 < text.size() &&
                   (text[i + 1] == '}' || text[i + 1] == ']')) {
            out += ch;
            out += text[++i];
        } else if (ch == '{' || ch == '[') {
            out += ch;
            ++depth;
            newline();
        } else if (ch == '}' || ch == ']') {
            --depth;
            newline();
            out += ch;
        } else if (ch == ',') {
            out += ch;
            newline();
        } else if (ch == ':') {
            out += ": ";
        } else {
            out += ch;
        }
    }
    return out;
}

// Records a scenario's exchanges as text, normalising what changes from run to run.
class Transcript {
public:
    // `whole_seconds`: the answers' createdDate/updatedDate always have .000 milliseconds (the
    // voucher list), so the golden file keeps that; elsewhere they are random.
    explicit Transcript(const RunningServer& s, bool whole_seconds = false)
        : m_port(std::to_string(s.port())), m_whole_seconds(whole_seconds) {}

    // One exchange: the request line (with `note`), then the answer.
    void add(const std::string& request, const httplib::Result& res) {
        REQUIRE_MESSAGE(res, request);
        m_text += "### " + request + "\n";
        m_text += "HTTP " + std::to_string(res->status) + "\n";
        for (const char* h : {"Content-Type", "Content-Disposition", "Location", "Retry-After"}) {
            if (res->has_header(h)) {
                m_text += std::string(h) + ": " + res->get_header_value(h) + "\n";
            }
        }
        const std::string type = res->get_header_value("Content-Type");
        if (type.rfind("application/json", 0) == 0 && !res->body.empty() &&
            (res->body[0] == '{' || res->body[0] == '[')) {
            m_text += indent_json(res->body) + "\n";
        } else if (!res->body.empty()) {
            m_text += "<a body that is not JSON>\n"; // rendered files differ by creation time
        }
        m_text += "\n";
    }

    // The text with ids numbered by first appearance, volatile timestamps, trace ids and the
    // port replaced.
    std::string normalised() const {
        std::string s = m_text;
        s = std::regex_replace(s, std::regex("127\\.0\\.0\\.1:" + m_port), "127.0.0.1:PORT");
        s = std::regex_replace(s, std::regex(R"("traceId": "[0-9a-f]+")"),
                               R"("traceId": "<traceId>")");
        // Timestamps of when something happened (not the dates the requests chose).
        const std::regex moment(
            R"xx("(createdDate|updatedDate|timestamp|lastModifiedDate|eventDate|paidDate|postingDate)": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?([+-]\d\d:\d\d|Z)")xx");
        std::string out;
        auto begin = std::sregex_iterator(s.begin(), s.end(), moment);
        std::size_t last = 0;
        for (auto it = begin; it != std::sregex_iterator(); ++it) {
            const auto& m = *it;
            out += s.substr(last, static_cast<std::size_t>(m.position()) - last);
            const std::string key = m[1];
            const bool fixed_date = key == "paidDate" || key == "postingDate";
            if (fixed_date) {
                out += m.str(); // derived from the voucher date: deterministic
            } else {
                const bool keep = m_whole_seconds && (key == "createdDate" || key == "updatedDate");
                out += "\"" + key + "\": \"<time" + (keep ? m.str(2) : std::string()) + ">\"";
            }
            last = static_cast<std::size_t>(m.position() + m.length());
        }
        out += s.substr(last);
        // Ids in order of appearance.
        const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        std::map<std::string, int> ids;
        std::string result;
        last = 0;
        for (auto it = std::sregex_iterator(out.begin(), out.end(), uuid);
             it != std::sregex_iterator(); ++it) {
            const auto& m = *it;
            result += out.substr(last, static_cast<std::size_t>(m.position()) - last);
            const auto [pos, fresh] = ids.emplace(m.str(), static_cast<int>(ids.size()) + 1);
            result += "<id" + std::to_string(pos->second) + ">";
            last = static_cast<std::size_t>(m.position() + m.length());
        }
        result += out.substr(last);
        return result;
    }

private:
    std::string m_port;
    bool m_whole_seconds = false;
    std::string m_text;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Compares the transcript with golden/<family>.golden (or writes it in update mode).
void compare(const std::string& family, const Transcript& t) {
    const std::string path = std::string(LEXSYNC_GOLDEN_DIR) + "/" + family + ".golden";
    const std::string actual = t.normalised();
    const char* update = std::getenv("LEXSYNC_UPDATE_GOLDEN");
    if (update && std::string(update) == "1") {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << actual;
        MESSAGE("wrote " << path);
    }
    const std::string expected = read_file(path);
    if (expected == actual) {
        return;
    }
    // The first differing line, for the failure message.
    std::istringstream e(expected);
    std::istringstream a(actual);
    std::string el;
    std::string al;
    int line = 0;
    while (true) {
        ++line;
        const bool more_e = static_cast<bool>(std::getline(e, el));
        const bool more_a = static_cast<bool>(std::getline(a, al));
        if (!more_e && !more_a) {
            break;
        }
        if (el != al || more_e != more_a) {
            FAIL_CHECK(family << ".golden:" << line << ": expected '" << (more_e ? el : "<end>")
                              << "', got '" << (more_a ? al : "<end>")
                              << "' (scripts/update-golden.sh rewrites the files)");
            return;
        }
    }
}

std::string invoice_body(const std::string& items) {
    return R"({"voucherDate":"2026-03-02T00:00:00.000+01:00","address":{"contactId":")" +
           std::string(k_mueller) + R"("},"lineItems":)" + items +
           R"(,"totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"net"},)"
           R"("shippingConditions":{"shippingDate":"2026-03-01T00:00:00.000+01:00",)"
           R"("shippingType":"delivery"}})";
}

const std::string k_items =
    R"([{"type":"custom","name":"Unterhaltsreinigung","quantity":2,"unitName":"Stunde",)"
    R"("unitPrice":{"currency":"EUR","netAmount":13.40,"taxRatePercentage":19},)"
    R"("discountPercentage":50},{"type":"custom","name":"Material","quantity":1,)"
    R"("unitName":"Stück","unitPrice":{"currency":"EUR","netAmount":8.32,"taxRatePercentage":7}}])";

const std::string k_credit_note =
    R"({"voucherDate":"2026-03-05T00:00:00.000+01:00","address":{"contactId":")" +
    std::string(k_mueller) +
    R"("},"lineItems":[{"type":"custom","name":"Gutschrift","quantity":1,"unitName":"Stück",)"
    R"("unitPrice":{"currency":"EUR","netAmount":10,"taxRatePercentage":19}}],)"
    R"("totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"net"}})";

const std::string k_voucher =
    R"({"type":"salesinvoice","voucherNumber":"2026-0042","voucherDate":"2026-06-30",)"
    R"("totalGrossAmount":119.00,"totalTaxAmount":19.00,"taxType":"gross",)"
    R"("useCollectiveContact":true,"contactName":"Barverkauf","voucherItems":[{"amount":119.00,)"
    R"("taxAmount":19.00,"taxRatePercent":19,"categoryId":"8f8664a8-fd86-11e1-a21f-0800200c9a66"}]})";

std::string id_of(const httplib::Result& res) {
    REQUIRE(res);
    const auto d = parse(res->body);
    REQUIRE_MESSAGE(d.HasMember("id"), res->body);
    return d["id"].GetString();
}

} // namespace

TEST_SUITE("lexsync::sandbox golden answers") {
    TEST_CASE("profile, ping and the gateway's errors") {
        ServerOptions o = unlimited();
        o.rate_limit = true;
        o.burst = 2;
        o.rate_per_second = 0.001; // two requests, then 429 for the rest of the test
        RunningServer s(o);
        Transcript t(s);
        auto c = s.client();
        t.add("GET /v1/profile", c.Get("/v1/profile"));
        t.add("GET /v1/ping", c.Get("/v1/ping"));
        t.add("GET /v1/ping (bucket empty)", c.Get("/v1/ping"));
        auto anonymous = s.client("");
        t.add("GET /v1/profile without a key", anonymous.Get("/v1/profile"));
        t.add("GET /_sandbox/health without a key", anonymous.Get("/_sandbox/health"));
        compare("profile", t);
    }

    TEST_CASE("reference data") {
        RunningServer s;
        Transcript t(s);
        auto c = s.client();
        t.add("GET /v1/payment-conditions", c.Get("/v1/payment-conditions"));
        t.add("GET /v1/print-layouts", c.Get("/v1/print-layouts"));
        t.add("GET /v1/profile (Accept: application/xml)",
              c.Get("/v1/profile", {{"Accept", "application/xml"}}));
        compare("reference-data", t);
    }

    TEST_CASE("contacts") {
        RunningServer s;
        Transcript t(s);
        auto c = s.client();
        t.add("GET /v1/contacts?size=2", c.Get("/v1/contacts?size=2"));
        t.add("GET /v1/contacts/{Müller}",
              c.Get((std::string("/v1/contacts/") + k_mueller).c_str()));
        auto res = c.Post("/v1/contacts", company_body("Golden GmbH"), k_json);
        t.add("POST /v1/contacts", res);
        const std::string id = id_of(res);
        t.add("GET /v1/contacts/{new}", c.Get(("/v1/contacts/" + id).c_str()));
        t.add("PUT /v1/contacts/{new} with a stale version",
              c.Put(("/v1/contacts/" + id).c_str(),
                    R"({"version":0,"roles":{"customer":{}},"company":{"name":"X"}})", k_json));
        t.add("POST /v1/contacts without a name",
              c.Post("/v1/contacts", R"({"version":0,"roles":{"customer":{}},"company":{}})",
                     k_json));
        t.add("POST /v1/contacts as text/plain", c.Post("/v1/contacts", "{}", "text/plain"));
        compare("contacts", t);
    }

    TEST_CASE("invoices") {
        RunningServer s;
        Transcript t(s);
        auto c = s.client();
        auto res = c.Post("/v1/invoices?finalize=true", invoice_body(k_items), k_json);
        t.add("POST /v1/invoices?finalize=true", res);
        const std::string id = id_of(res);
        t.add("GET /v1/invoices/{id}", c.Get(("/v1/invoices/" + id).c_str()));
        t.add("GET /v1/invoices/{id}/file (Accept: */*)",
              c.Get(("/v1/invoices/" + id + "/file").c_str(), {{"Accept", "*/*"}}));
        t.add("GET /v1/invoices/{id}/document",
              c.Get(("/v1/invoices/" + id + "/document").c_str()));
        res = c.Post("/v1/invoices", invoice_body("[]"), k_json);
        t.add("POST /v1/invoices (draft without line items)", res);
        const std::string draft = id_of(res);
        t.add("GET /v1/invoices/{draft}", c.Get(("/v1/invoices/" + draft).c_str()));
        t.add("GET /v1/invoices/{draft}/file", c.Get(("/v1/invoices/" + draft + "/file").c_str()));
        t.add("POST /v1/invoices without shipping conditions",
              c.Post("/v1/invoices",
                     R"({"voucherDate":"2026-03-02T00:00:00.000+01:00","address":{"name":"A",)"
                     R"("countryCode":"DE"},"lineItems":[],"totalPrice":{"currency":"EUR"},)"
                     R"("taxConditions":{"taxType":"net"}})",
                     k_json));
        t.add("GET /v1/invoices (no such route)", c.Get("/v1/invoices"));
        compare("invoices", t);
    }

    TEST_CASE("credit notes and payments") {
        RunningServer s;
        Transcript t(s);
        auto c = s.client();
        const std::string inv =
            id_of(c.Post("/v1/invoices?finalize=true", invoice_body(k_items), k_json));
        t.add("GET /v1/payments/{invoice}", c.Get(("/v1/payments/" + inv).c_str()));
        auto res = c.Post(("/v1/credit-notes?finalize=true&precedingSalesVoucherId=" + inv).c_str(),
                          k_credit_note, k_json);
        t.add("POST /v1/credit-notes?finalize=true&precedingSalesVoucherId={invoice}", res);
        const std::string gs = id_of(res);
        t.add("GET /v1/credit-notes/{id}", c.Get(("/v1/credit-notes/" + gs).c_str()));
        t.add("GET /v1/payments/{invoice}", c.Get(("/v1/payments/" + inv).c_str()));
        t.add("GET /v1/payments/{credit note}", c.Get(("/v1/payments/" + gs).c_str()));
        const std::string draft = id_of(c.Post("/v1/invoices", invoice_body(k_items), k_json));
        t.add("GET /v1/payments/{draft}", c.Get(("/v1/payments/" + draft).c_str()));
        compare("credit-notes-payments", t);
    }

    TEST_CASE("voucher list") {
        RunningServer s;
        Transcript t(s, true);
        auto c = s.client();
        c.Post("/v1/invoices?finalize=true", invoice_body(k_items), k_json);
        c.Post("/v1/vouchers", k_voucher, k_json);
        t.add("GET /v1/voucherlist?voucherType=any&voucherStatus=any",
              c.Get("/v1/voucherlist?voucherType=any&voucherStatus=any"));
        t.add("GET /v1/voucherlist?voucherType=invoice&voucherStatus=overdue",
              c.Get("/v1/voucherlist?voucherType=invoice&voucherStatus=overdue"));
        t.add("GET /v1/voucherlist?voucherType=invoice",
              c.Get("/v1/voucherlist?voucherType=invoice"));
        t.add("GET /v1/voucherlist?voucherType=dunning&voucherStatus=any",
              c.Get("/v1/voucherlist?voucherType=dunning&voucherStatus=any"));
        compare("voucherlist", t);
    }

    TEST_CASE("bookkeeping vouchers") {
        RunningServer s;
        Transcript t(s);
        auto c = s.client();
        auto res = c.Post("/v1/vouchers", k_voucher, k_json);
        t.add("POST /v1/vouchers", res);
        const std::string id = id_of(res);
        t.add("GET /v1/vouchers/{id}", c.Get(("/v1/vouchers/" + id).c_str()));
        t.add("GET /v1/vouchers?voucherNumber=2026-0042",
              c.Get("/v1/vouchers?voucherNumber=2026-0042"));
        std::string put = k_voucher;
        put.insert(1, R"("version":1,"voucherStatus":"open",)");
        t.add("PUT /v1/vouchers/{id} echoing voucherStatus",
              c.Put(("/v1/vouchers/" + id).c_str(), put, k_json));
        put = k_voucher;
        put.insert(1, R"("version":1,)");
        t.add("PUT /v1/vouchers/{id}", c.Put(("/v1/vouchers/" + id).c_str(), put, k_json));
        t.add("PUT /v1/vouchers/{id} with a stale version",
              c.Put(("/v1/vouchers/" + id).c_str(), put, k_json));
        t.add("GET /v1/vouchers (no voucherNumber)", c.Get("/v1/vouchers"));
        compare("vouchers", t);
    }

    TEST_CASE("files") {
        RunningServer s;
        Transcript t(s);
        auto c = s.client();
        const std::string pdf = "%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n";
        httplib::MultipartFormDataItems items = {{"file", pdf, "beleg.pdf", "application/pdf"},
                                                 {"type", "voucher", "", ""}};
        auto res = c.Post("/v1/files", items);
        t.add("POST /v1/files", res);
        const auto d = parse(res->body);
        const std::string file = d["id"].GetString();
        const std::string voucher = d["voucherId"].GetString();
        t.add("GET /v1/files/{id} (Accept: */*)",
              c.Get(("/v1/files/" + file).c_str(), {{"Accept", "*/*"}}));
        t.add("GET /v1/files/{id} (Accept: image/png)",
              c.Get(("/v1/files/" + file).c_str(), {{"Accept", "image/png"}}));
        t.add("GET /v1/vouchers/{voucherId}", c.Get(("/v1/vouchers/" + voucher).c_str()));
        httplib::MultipartFormDataItems gif = {{"file", "GIF89a...", "x.gif", "image/gif"},
                                               {"type", "voucher", "", ""}};
        t.add("POST /v1/files (a GIF)", c.Post("/v1/files", gif));
        compare("files", t);
    }

    TEST_CASE("event subscriptions") {
        RunningServer s;
        Transcript t(s);
        auto c = s.client();
        t.add("GET /v1/event-subscriptions", c.Get("/v1/event-subscriptions"));
        t.add("GET /v1/event-subscriptions/{unknown}",
              c.Get("/v1/event-subscriptions/00000000-0000-4000-8000-000000000000"));
        t.add("POST /v1/event-subscriptions (callback not reachable)",
              c.Post(
                  "/v1/event-subscriptions",
                  R"({"eventType":"invoice.created","callbackUrl":"https://invalid.invalid/hook"})",
                  k_json));
        compare("event-subscriptions", t);
    }
}
