// --- Interface ---
// The API client the commands use: builds URLs, sends through the wrapper stack, and turns every
// non-2xx answer or transport failure into one ApiError.
#pragma once

#include <chrono>
#include <filesystem>
#include <lexsync/api/error.hpp>
#include <lexsync/http/http.hpp>
#include <lexsync/http/stack.hpp>
#include <lexsync/util/clock.hpp>
#include <lexsync/util/http_text.hpp>
#include <lexsync/util/json.hpp>
#include <lexsync/util/result.hpp>
#include <lexsync/util/strings.hpp>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lexsync {

// Query parameters as raw values; the client URL-encodes them (spaces as %20).
using Query = std::vector<std::pair<std::string, std::string>>;

// Turns a non-2xx response into an ApiError, reading the API's three error body shapes
// (legacy IssueList, regular with details, bare message).
ApiError error_from_response(const http::Response& response, http::Method method);
// Turns a transport failure into an ApiError (`maybe_executed` set for writes that may have run).
ApiError error_from_transport(const http::TransportError& e, http::Method method);

class ApiClient {
public:
    ApiClient(std::string base_url, std::unique_ptr<http::Transport> transport);

    // Absolute URL of `path` ("/v1/contacts") with `query` encoded.
    std::string url(std::string_view path, const Query& query = {}) const;

    // GET with Accept: application/json; parses the body.
    Result<json::Document, ApiError> get_json(std::string_view path, const Query& query = {});
    // GET of a binary representation (`accept` e.g. "*/*" or "application/pdf").
    Result<http::Response, ApiError> get_raw(std::string_view path, std::string_view accept = "*/*",
                                             const Query& query = {});
    // POST with a JSON body; parses the (action result) body, empty object for an empty body.
    Result<json::Document, ApiError> post_json(std::string_view path, std::string body,
                                               const Query& query = {});
    // PUT with a JSON body; parses the (action result) body.
    Result<json::Document, ApiError> put_json(std::string_view path, std::string body);
    // POST multipart/form-data; parses the body.
    Result<json::Document, ApiError> post_form(std::string_view path,
                                               std::vector<http::FormPart> parts);
    // DELETE; success for any 2xx.
    Result<Ok, ApiError> del(std::string_view path);

    // Sends `request` (its url relative to nothing: must be absolute) and maps errors.
    Result<http::Response, ApiError> send(http::Request request);

    const std::string& base_url() const { return m_base_url; }

private:
    std::string m_base_url;
    std::unique_ptr<http::Transport> m_transport;
};

// HTML-escapes &, < and > as the API stores them; for the search filters of contacts, vouchers
// and voucherlist only (the client URL-encodes afterwards).
inline std::string search_term(std::string_view s) {
    return html_escape(s);
}

// Escapes the SQL-like wildcards `_`, `%` and `\` of the contacts name/email filters, so that the
// text matches literally.
std::string escape_wildcards(std::string_view s);

// One page-by-page walk over a paged endpoint (page from 0, size up to 250). Only for the
// endpoints that answer the Spring page envelope.
class PageIterator {
public:
    PageIterator(ApiClient& client, std::string path, Query query, int page_size = 250);

    // Fetches the next page into `page`; returns false after the last page.
    Result<bool, ApiError> next();
    // Items of the current page (the `content` array).
    const json::Value& items() const;
    // totalElements as reported by the first page.
    long total_elements() const { return m_total_elements; }
    // True when the listing reached the API's 10,000-result window: the caller must narrow the
    // query (date windows) to see the rest.
    bool window_capped() const { return m_window_capped; }

    // Calls `fn` for each item of every page; stops at the first error.
    template <class Fn> Result<long, ApiError> for_each(Fn&& fn) {
        long n = 0;
        for (;;) {
            auto more = next();
            if (!more) {
                return unexpected(std::move(more).error());
            }
            if (!*more) {
                return n;
            }
            for (const auto& item : items().GetArray()) {
                fn(item);
                ++n;
            }
        }
    }

    static constexpr long k_window = 10'000;
    // More elements than any account plausibly holds: a listing that claims or reaches this many
    // is a broken server or proxy, and paging stops with a protocol error instead of going on.
    static constexpr long k_max_plausible_elements = 10'000'000;

private:
    ApiClient& m_client;
    std::string m_path;
    Query m_query;
    int m_page_size;
    int m_page = 0;
    bool m_done = false;
    long m_total_elements = -1;
    long m_max_total_elements = -1; // the largest totalElements of any page so far
    bool m_window_capped = false;
    json::Document m_doc;
};

} // namespace lexsync
