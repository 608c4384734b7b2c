// libFuzzer target: json::parse and the accessors on any text, and PageIterator's handling of a
// page envelope (content, totalElements, last, totalPages…) served by a fake transport.
#include "fuzz_util.hpp"

#include <lexsync/api/client.hpp>
#include <lexsync/util/json.hpp>
#include <memory>

namespace {

// Serves the fuzz input as every page; the iterator must stop on its own or on the cap below.
class PageTransport final : public lexsync::http::Transport {
public:
    explicit PageTransport(std::string body) : m_body(std::move(body)) {}
    lexsync::http::SendResult send(const lexsync::http::Request&) override {
        lexsync::http::Response r;
        r.status = 200;
        r.headers.set("Content-Type", "application/json");
        r.body = m_body;
        return r;
    }

private:
    std::string m_body;
};

void walk(const lexsync::json::Value& v, int depth) {
    if (depth > 64) {
        return;
    }
    (void)lexsync::json::number_text(v);
    for (const char* path : {"id", "version", "roles.customer.number", "totalGrossAmount",
                             "company.name", "archived", "content", "a.b.c"}) {
        (void)lexsync::json::get_string(v, path);
        (void)lexsync::json::get_int(v, path);
        (void)lexsync::json::get_bool(v, path);
        (void)lexsync::json::get_decimal(v, path);
    }
    if (v.IsArray()) {
        for (const auto& item : v.GetArray()) {
            walk(item, depth + 1);
        }
    } else if (v.IsObject()) {
        for (const auto& m : v.GetObject()) {
            walk(m.value, depth + 1);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(lexsync::fuzz::as_text(data, size));
    if (auto doc = lexsync::json::parse(text)) {
        walk(*doc, 0);
        (void)lexsync::json::to_string(*doc);
    }
    lexsync::ApiClient client("http://127.0.0.1:1", std::make_unique<PageTransport>(text));
    lexsync::PageIterator pages(client, "/v1/contacts", {}, 250);
    for (int i = 0; i < 4; ++i) {
        auto more = pages.next();
        if (!more || !*more) {
            break;
        }
        if (!pages.items().IsArray()) {
            __builtin_trap(); // next() promised an array of items
        }
        for (const auto& item : pages.items().GetArray()) {
            walk(item, 0);
        }
    }
    (void)pages.total_elements();
    (void)pages.window_capped();
    return 0;
}
