// A program of its own on the installed lexsync client library: lists the customers of a
// lexoffice account and creates a draft invoice for the first one, through the same transport
// stack as the lexsync command (rate limit, retries of safe requests, error mapping).
//
//   LEXSYNC_API_KEY=... [LEXSYNC_BASE_URL=http://127.0.0.1:8080] ./lexsync-library-example
#include <cstdlib>
#include <iostream>
#include <lexsync/api/client.hpp>
#include <lexsync/util/clock.hpp>
#include <lexsync/util/json.hpp>
#include <string>

namespace {

int fail(const std::string& what, const lexsync::ApiError& e) {
    std::cerr << "lexsync-library-example: " << what << ": " << e.message << '\n';
    return 1;
}

} // namespace

int main() {
    const char* key = std::getenv("LEXSYNC_API_KEY");
    if (key == nullptr || *key == '\0') {
        std::cerr << "lexsync-library-example: set LEXSYNC_API_KEY\n";
        return 2;
    }
    lexsync::ClientConfig config; // 2 requests/s, the public API's base URL
    config.token = lexsync::BearerToken(key);
    if (const char* base = std::getenv("LEXSYNC_BASE_URL")) {
        config.base_url = base;
    }
    lexsync::SystemClock clock;
    lexsync::ApiClient client(
        config.base_url,
        lexsync::make_transport_stack(config, clock, lexsync::make_curl_transport(config)));

    // Every customer, 250 per request.
    std::string first_id;
    std::string first_name;
    lexsync::PageIterator customers(client, "/v1/contacts", {{"customer", "true"}});
    const auto listed = customers.for_each([&](const lexsync::json::Value& contact) {
        const std::string id = lexsync::json::get_string(contact, "id").value_or("");
        std::string name = lexsync::json::get_string(contact, "company.name").value_or("");
        if (name.empty()) {
            name = lexsync::json::get_string(contact, "person.firstName").value_or("") + " " +
                   lexsync::json::get_string(contact, "person.lastName").value_or("");
        }
        std::cout << id << '\t' << name << '\n';
        if (first_id.empty()) {
            first_id = id;
            first_name = name;
        }
    });
    if (!listed) {
        return fail("listing the customers", listed.error());
    }
    std::cout << *listed << " customers\n";
    if (first_id.empty()) {
        return 0;
    }

    // A draft invoice for the first one: one line of 2 hours at 80.00 EUR net, 19 % VAT.
    const std::string body = R"({"voucherDate":"2026-10-30T00:00:00.000+01:00",)"
                             R"("address":{"contactId":")" +
                             first_id +
                             R"("},"lineItems":[{"type":"custom","name":"Consulting",)"
                             R"("quantity":2,"unitName":"Stunde","unitPrice":{"currency":"EUR",)"
                             R"("netAmount":80.00,"taxRatePercentage":19}}],)"
                             R"("totalPrice":{"currency":"EUR"},)"
                             R"("taxConditions":{"taxType":"net"},)"
                             R"("shippingConditions":{"shippingType":"none"}})";
    const auto created = client.post_json("/v1/invoices", body);
    if (!created) {
        return fail("creating the invoice", created.error());
    }
    const std::string id = lexsync::json::get_string(*created, "id").value_or("");
    const auto invoice = client.get_json("/v1/invoices/" + id);
    if (!invoice) {
        return fail("reading the invoice", invoice.error());
    }
    std::cout << "draft invoice " << id << " for " << first_name << ": "
              << lexsync::json::get_decimal(*invoice, "totalPrice.totalGrossAmount")
                     .value_or(lexsync::Decimal{})
                     .to_fixed(2)
              << " EUR gross\n";
    return 0;
}
