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
#include <utility>
#include <vector>

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

    // One exchange: the request line (with `note`), then the answer. `text_body`: a body that
    // is not JSON is still compared as text (it does not change from run to run).
    void add(const std::string& request, const httplib::Result& res, bool text_body = false) {
        REQUIRE_MESSAGE(res, request);
        m_text += "### " + request + "\n";
        m_text += "HTTP " + std::to_string(res->status) + "\n";
        for (const char* h : {"Content-Type", "Content-Disposition", "Location", "Retry-After",
                              "Cache-Control", "WWW-Authenticate"}) {
            if (res->has_header(h)) {
                m_text += std::string(h) + ": " + res->get_header_value(h) + "\n";
            }
        }
        const std::string type = res->get_header_value("Content-Type");
        if (type.rfind("application/json", 0) == 0 && !res->body.empty() &&
            (res->body[0] == '{' || res->body[0] == '[')) {
            m_text += indent_json(res->body) + "\n";
        } else if (!res->body.empty() && text_body) {
            m_text += res->body + "\n";
        } else if (!res->body.empty()) {
            m_text += "<a body that is not JSON>\n"; // rendered files differ by creation time
        }
        m_text += "\n";
    }

    // Replaces every match of `pattern` (ECMAScript) with `replacement` before the ids are
    // numbered: for secrets that change from run to run (OAuth codes and tokens).
    void mask(const std::string& pattern, const std::string& replacement) {
        m_masks.emplace_back(pattern, replacement);
    }

    // The text with ids numbered by first appearance, volatile timestamps, trace ids, masked
    // values and the port replaced.
    std::string normalised() const {
        std::string s = m_text;
        for (const auto& [pattern, replacement] : m_masks) {
            s = std::regex_replace(s, std::regex(pattern), replacement);
        }
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
    std::vector<std::pair<std::string, std::string>> m_masks;
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

// The sandbox's demo partner client (seed) and an RFC 7636 appendix B verifier/challenge pair.
constexpr const char* k_client = "lexsync-sandbox-client";
constexpr const char* k_secret = "sandbox-client-secret";
constexpr const char* k_redirect = "http://127.0.0.1:5555/callback";
constexpr const char* k_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* k_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

std::string authorize_target(const std::string& scope) {
    return std::string("/oauth2/authorize?client_id=") + k_client +
           "&redirect_uri=" + httplib::detail::encode_query_param(k_redirect) +
           "&response_type=code&state=golden&code_challenge=" + k_challenge +
           "&code_challenge_method=S256&scope=" + httplib::detail::encode_query_param(scope);
}

// The `code` parameter of an authorization redirect.
std::string code_of(const httplib::Result& res) {
    REQUIRE(res);
    REQUIRE_MESSAGE(res->status == 302, res->body);
    const std::string location = res->get_header_value("Location");
    std::multimap<std::string, std::string> params;
    httplib::detail::parse_query_text(location.substr(location.find('?') + 1), params);
    REQUIRE(params.count("code") == 1);
    return params.find("code")->second;
}

httplib::Headers client_auth(const std::string& secret = k_secret) {
    return {{"Authorization", httplib::make_basic_authentication_header(k_client, secret).second}};
}

std::string code_exchange(const std::string& code) {
    return "grant_type=authorization_code&code=" + code +
           "&redirect_uri=" + httplib::detail::encode_query_param(k_redirect) +
           "&code_verifier=" + k_verifier;
}

constexpr const char* k_form = "application/x-www-form-urlencoded";

// Masks the OAuth secrets of a transcript (codes and tokens are random).
void mask_oauth(Transcript& t) {
    t.mask(R"(code=[A-Za-z0-9_.~%-]+)", "code=<code>");
    // The access token is a JWT (reference §1.3): its fixed header stays visible.
    t.mask(R"("access_token": "(eyJ[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")",
           R"("access_token": "$1.<claims>.<signature>")");
    t.mask(R"("refresh_token": "[^"]+")", R"("refresh_token": "<refresh token>")");
}

// An access token with `scope` through the authorization code flow.
std::string access_token(RunningServer& s, const std::string& scope) {
    auto c = s.client("");
    auto tok = c.Post("/oauth2/token", client_auth(),
                      code_exchange(code_of(c.Get(authorize_target(scope)))), k_form);
    REQUIRE(tok);
    REQUIRE_MESSAGE(tok->status == 200, tok->body);
    return parse(tok->body)["access_token"].GetString();
}

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
        t.add("GET /v1/posting-categories", c.Get("/v1/posting-categories"));
        t.add("GET /v1/countries", c.Get("/v1/countries"));
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
        t.add("GET /v1/files/{id} (Accept: application/json)",
              c.Get(("/v1/files/" + file).c_str(), {{"Accept", "application/json"}}), true);
        httplib::MultipartFormDataItems attach = {{"file", pdf, "anhang.pdf", "application/pdf"}};
        t.add("POST /v1/vouchers/{voucherId}/files",
              c.Post(("/v1/vouchers/" + voucher + "/files").c_str(), attach));
        t.add("POST /v1/files without a type part", c.Post("/v1/files", attach));
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
        // A callback URL that answers the HEAD check: the sandbox's own health endpoint.
        const std::string hook = s.base_url() + "/_sandbox/health";
        const std::string body =
            R"({"eventType":"Invoice.Status.Changed","callbackUrl":")" + hook + R"("})";
        auto res = c.Post("/v1/event-subscriptions", body, k_json);
        t.add("POST /v1/event-subscriptions", res);
        const std::string id = id_of(res);
        t.add("POST /v1/event-subscriptions (the same again)",
              c.Post("/v1/event-subscriptions", body, k_json));
        t.add("POST /v1/event-subscriptions without callbackUrl",
              c.Post("/v1/event-subscriptions", R"({"eventType":"contact.changed"})", k_json));
        t.add("GET /v1/event-subscriptions", c.Get("/v1/event-subscriptions"));
        t.add("GET /v1/event-subscriptions/{id}", c.Get(("/v1/event-subscriptions/" + id).c_str()));
        t.add("DELETE /v1/event-subscriptions/{id}",
              c.Delete(("/v1/event-subscriptions/" + id).c_str()));
        t.add("GET /v1/event-subscriptions/{id} after DELETE",
              c.Get(("/v1/event-subscriptions/" + id).c_str()));
        auto anonymous = s.client("");
        t.add("GET /_sandbox/webhook-public-key without a key",
              anonymous.Get("/_sandbox/webhook-public-key"));
        compare("event-subscriptions", t);
    }

    TEST_CASE("other sales voucher types") {
        RunningServer s;
        Transcript t(s);
        auto c = s.client();
        const std::string unknown = "00000000-0000-4000-8000-000000000000";
        for (const char* type : {"quotations", "order-confirmations", "delivery-notes", "dunnings",
                                 "down-payment-invoices"}) {
            const std::string path = std::string("/v1/") + type + "/" + unknown;
            t.add("GET " + std::string("/v1/") + type + "/{unknown}", c.Get(path.c_str()));
        }
        t.add("GET /v1/down-payment-invoices/{unknown}/file",
              c.Get(("/v1/down-payment-invoices/" + unknown + "/file").c_str()));
        compare("other-sales-vouchers", t);
    }

    TEST_CASE("quotations and order confirmations") {
        RunningServer s;
        Transcript t(s);
        auto c = s.client();
        std::string quotation = invoice_body(k_items);
        quotation.insert(1, R"("expirationDate":"2026-04-01T00:00:00.000+02:00",)");
        auto res = c.Post("/v1/quotations?finalize=true", quotation, k_json);
        t.add("POST /v1/quotations?finalize=true", res);
        const std::string q = id_of(res);
        t.add("GET /v1/quotations/{id}", c.Get(("/v1/quotations/" + q).c_str()));
        t.add("POST /v1/quotations without expirationDate",
              c.Post("/v1/quotations", invoice_body(k_items), k_json));
        res = c.Post("/v1/order-confirmations?finalize=true", invoice_body(k_items), k_json);
        t.add("POST /v1/order-confirmations?finalize=true", res);
        const std::string oc = id_of(res);
        t.add("GET /v1/order-confirmations/{id}", c.Get(("/v1/order-confirmations/" + oc).c_str()));
        t.add("GET /v1/order-confirmations/{id}/document",
              c.Get(("/v1/order-confirmations/" + oc + "/document").c_str()));
        t.add("GET /v1/quotations/{id}/file (Accept: */*)",
              c.Get(("/v1/quotations/" + q + "/file").c_str(), {{"Accept", "*/*"}}));
        compare("quotations-order-confirmations", t);
    }

    TEST_CASE("recurring templates") {
        RunningServer s;
        Transcript t(s);
        auto c = s.client();
        t.add("GET /v1/recurring-templates", c.Get("/v1/recurring-templates"));
        t.add("GET /v1/recurring-templates?page=0&size=1&sort=nextExecutionDate,ASC",
              c.Get("/v1/recurring-templates?page=0&size=1&sort=nextExecutionDate,ASC"));
        t.add("GET /v1/recurring-templates?size=251", c.Get("/v1/recurring-templates?size=251"));
        t.add("GET /v1/recurring-templates?sort=title,ASC",
              c.Get("/v1/recurring-templates?sort=title,ASC"));
        t.add("GET /v1/recurring-templates/{unknown}",
              c.Get("/v1/recurring-templates/00000000-0000-4000-8000-000000000000"));
        compare("recurring-templates", t);
    }

    TEST_CASE("OAuth authorization server") {
        RunningServer s;
        Transcript t(s);
        mask_oauth(t);
        auto c = s.client("");
        auto res = c.Get(authorize_target("profile.read finance.read"));
        t.add("GET /oauth2/authorize", res);
        const std::string code = code_of(res);
        t.add("GET /oauth2/authorize without PKCE",
              c.Get((std::string("/oauth2/authorize?client_id=") + k_client +
                     "&redirect_uri=" + httplib::detail::encode_query_param(k_redirect) +
                     "&response_type=code&state=golden")
                        .c_str()));
        t.add("GET /oauth2/authorize for an unknown client",
              c.Get("/oauth2/authorize?client_id=nobody&response_type=code"));
        t.add("POST /oauth2/token with a wrong client secret",
              c.Post("/oauth2/token", client_auth("wrong"), code_exchange(code), k_form));
        t.add("POST /oauth2/token (the code of the failed exchange)",
              c.Post("/oauth2/token", client_auth(), code_exchange(code), k_form));
        const std::string once = code_of(c.Get(authorize_target("profile.read finance.read")));
        res = c.Post("/oauth2/token", client_auth(), code_exchange(once), k_form);
        t.add("POST /oauth2/token (authorization_code)", res);
        REQUIRE_MESSAGE(res->status == 200, res->body);
        const std::string first_access = parse(res->body)["access_token"].GetString();
        t.add("POST /oauth2/token (the same code again)",
              c.Post("/oauth2/token", client_auth(), code_exchange(once), k_form));
        t.add("GET /v1/profile with the token of the code used twice",
              s.client(first_access).Get("/v1/profile"));
        const std::string fresh = code_of(c.Get(authorize_target("profile.read finance.read")));
        res = c.Post("/oauth2/token", client_auth(), code_exchange(fresh), k_form);
        t.add("POST /oauth2/token (authorization_code, a new code)", res);
        REQUIRE_MESSAGE(res->status == 200, res->body);
        const std::string refresh = parse(res->body)["refresh_token"].GetString();
        const std::string access = parse(res->body)["access_token"].GetString();
        auto api = s.client(access);
        t.add("GET /v1/profile with the access token", api.Get("/v1/profile"));
        t.add("GET /v1/contacts with the access token (scope missing)", api.Get("/v1/contacts"));
        res = c.Post("/oauth2/token", client_auth(),
                     "grant_type=refresh_token&refresh_token=" + refresh, k_form);
        t.add("POST /oauth2/token (refresh_token)", res);
        const std::string rotated = parse(res->body)["refresh_token"].GetString();
        t.add("POST /oauth2/token (the used refresh token again)",
              c.Post("/oauth2/token", client_auth(),
                     "grant_type=refresh_token&refresh_token=" + refresh, k_form));
        t.add("POST /oauth2/token (unknown grant type)",
              c.Post("/oauth2/token", client_auth(), "grant_type=password", k_form));
        t.add("POST /oauth2/revoke",
              c.Post("/oauth2/revoke", client_auth(), "token=" + rotated, k_form));
        t.add("POST /oauth2/token (the revoked refresh token)",
              c.Post("/oauth2/token", client_auth(),
                     "grant_type=refresh_token&refresh_token=" + rotated, k_form));
        t.add("GET /oauth2/token", c.Get("/oauth2/token"));
        compare("oauth", t);
    }

    TEST_CASE("finance: accounts, transactions, assignment hints") {
        RunningServer s;
        Transcript t(s);
        auto key = s.client();
        t.add("GET /v1/finance/accounts with an API key", key.Get("/v1/finance/accounts"));
        const std::string voucher = id_of(key.Post("/v1/vouchers", k_voucher, k_json));
        auto c = s.client(access_token(
            s, "finance.read finance.write finance.delete transaction-assignment-hint.write"));
        auto res = c.Post(
            "/v1/finance/accounts",
            R"({"type":"GIRO","accountSystem":"lexsync","name":"Geschäftskonto",)"
            R"("bankName":"Beispielbank","accountHolder":"Müller GmbH","balance":1250.5,)"
            R"("iban":"DE02120300000000202051","bic":"BYLADEM1001","externalReference":"giro-1"})",
            k_json);
        t.add("POST /v1/finance/accounts", res);
        const std::string account = id_of(res);
        t.add("POST /v1/finance/accounts (GIRO without iban)",
              c.Post("/v1/finance/accounts",
                     R"({"type":"GIRO","accountSystem":"lexsync","name":"X","bankName":"Y",)"
                     R"("balance":0})",
                     k_json));
        t.add("GET /v1/finance/accounts?externalReference=giro-1",
              c.Get("/v1/finance/accounts?externalReference=giro-1"));
        t.add("GET /v1/finance/accounts?iban=DE00000000000000000000",
              c.Get("/v1/finance/accounts?iban=DE00000000000000000000"));
        t.add("GET /v1/finance/accounts/{id}", c.Get(("/v1/finance/accounts/" + account).c_str()));
        const std::string put =
            R"({"name":"Geschäftskonto","bankName":"Beispielbank","balance":1131.5,)"
            R"("lockVersion":0})";
        t.add("PUT /v1/finance/accounts/{id}",
              c.Put(("/v1/finance/accounts/" + account).c_str(), put, k_json));
        t.add("PUT /v1/finance/accounts/{id} with a stale lockVersion",
              c.Put(("/v1/finance/accounts/" + account).c_str(), put, k_json));
        const std::string tx =
            R"([{"financialAccountId":")" + account +
            R"(","valueDate":"2026-06-30T00:00:00+02:00","bookingDate":"2026-06-30T00:00:00+02:00",)"
            R"("purpose":"Rechnung 2026-0042","amount":-119,"recipientOrSenderName":"Barverkauf",)"
            R"("externalReference":"tx-1"}])";
        res = c.Post("/v1/finance/transactions", tx, k_json);
        t.add("POST /v1/finance/transactions", res);
        const std::string transaction = parse(res->body)[0]["financialTransactionId"].GetString();
        t.add("POST /v1/finance/transactions (known externalReference)",
              c.Post("/v1/finance/transactions", tx, k_json));
        t.add("POST /v1/finance/transactions (not an array)",
              c.Post("/v1/finance/transactions", R"({"amount":1})", k_json));
        t.add("GET /v1/finance/transactions/{id}",
              c.Get(("/v1/finance/transactions/" + transaction).c_str()));
        t.add("GET /v1/finance/transactions/latest-transaction?financialAccountId={account}",
              c.Get(("/v1/finance/transactions/latest-transaction?financialAccountId=" + account)
                        .c_str()));
        const std::string hint = R"({"voucherId":")" + voucher + R"(","externalReference":"tx-1"})";
        t.add("POST /v1/transaction-assignment-hint",
              c.Post("/v1/transaction-assignment-hint", hint, k_json));
        t.add("POST /v1/transaction-assignment-hint (the same again)",
              c.Post("/v1/transaction-assignment-hint", hint, k_json));
        t.add("GET /v1/transaction-assignment-hint (a sandbox extension: every hint)",
              c.Get("/v1/transaction-assignment-hint"));
        t.add("GET /v1/finance/transactions/{id}/assignments",
              c.Get(("/v1/finance/transactions/" + transaction + "/assignments").c_str()));
        t.add("DELETE /v1/finance/transactions/{id}",
              c.Delete(("/v1/finance/transactions/" + transaction).c_str()));
        t.add("GET /v1/finance/transactions/{id} after DELETE",
              c.Get(("/v1/finance/transactions/" + transaction).c_str()));
        t.add("DELETE /v1/finance/accounts/{id}",
              c.Delete(("/v1/finance/accounts/" + account).c_str()));
        t.add("GET /v1/finance/accounts/{id} after DELETE",
              c.Get(("/v1/finance/accounts/" + account).c_str()));
        compare("finance", t);
    }
}
