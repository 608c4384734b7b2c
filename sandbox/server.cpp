#include "sandbox/server.hpp"

#include "sandbox/contacts.hpp"
#include "sandbox/events.hpp"
#include "sandbox/files.hpp"
#include "sandbox/finance.hpp"
#include "sandbox/oauth.hpp"
#include "sandbox/payments.hpp"
#include "sandbox/recurring_templates.hpp"
#include "sandbox/reference_data.hpp"
#include "sandbox/resource_util.hpp"
#include "sandbox/sales_vouchers.hpp"
#include "sandbox/seed.hpp"
#include "sandbox/store.hpp"
#include "sandbox/support.hpp"
#include "sandbox/voucherlist.hpp"
#include "sandbox/vouchers.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <httplib.h>
#include <lexsync/util/http_server.hpp>
#include <lexsync/util/http_text.hpp>
#include <lexsync/util/json_guard.hpp>
#include <lexsync/util/safe_text.hpp>
#include <lexsync/util/strings.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace lexsync::sandbox {

namespace {

// The current time as an HTTP date ("Wed, 25 Nov 2026 13:00:00 GMT").
std::string http_date_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

using SteadyClock = std::chrono::steady_clock;

// A token bucket: `capacity` tokens, refilled continuously at `rate` per second; idle time never
// accumulates more than `capacity`.
struct Bucket {
    double tokens = 0;
    SteadyClock::time_point last;
};

// Parses the query part of a request target.
std::multimap<std::string, std::string> parse_query(const std::string& target) {
    std::multimap<std::string, std::string> out;
    const auto q = target.find('?');
    if (q == std::string::npos) {
        return out;
    }
    std::string_view rest(target);
    rest.remove_prefix(q + 1);
    const auto hash = rest.find('#');
    if (hash != std::string_view::npos) {
        rest = rest.substr(0, hash);
    }
    // `+` and `%20` both become a space; a malformed escape is kept.
    for (auto& [name, value] : form_pairs(rest)) {
        out.emplace(std::move(name), std::move(value));
    }
    return out;
}

bool is_json_content_type(const std::string& value) {
    const std::string v = ascii_lower(value);
    const std::string prefix = "application/json";
    if (v.compare(0, prefix.size(), prefix) != 0) {
        return false;
    }
    return v.size() == prefix.size() || v[prefix.size()] == ';' || v[prefix.size()] == ' ';
}

// A 400 for a JSON request body that no handler should see: nesting deep enough to overflow the
// parser's stack, or bytes that are not UTF-8 (stored, they would make every later listing
// invalid JSON). Contacts and bookkeeping vouchers answer in the legacy format, the rest in the
// regular one, as their handlers do for unreadable JSON. nullopt when the body may pass.
std::optional<ApiResponse> refuse_json_body(const std::string& path, const std::string& body) {
    std::string why;
    if (const auto at = lexsync::json::find_excess_nesting(body)) {
        why = "nested deeper than " + std::to_string(lexsync::json::k_max_depth) +
              " levels at offset " + std::to_string(*at);
    } else if (const auto bad = lexsync::json::find_invalid_utf8(body)) {
        why = "not valid UTF-8 at offset " + std::to_string(*bad);
    } else {
        return std::nullopt;
    }
    // [U] The service's answer to such bodies is not documented.
    if (path.compare(0, 12, "/v1/contacts") == 0 || path.compare(0, 12, "/v1/vouchers") == 0) {
        return legacy_error(400, {{"bad_request_error", "request body"}},
                            "Request body is not a valid JSON object: " + why);
    }
    return regular_error(400, path, "Malformed JSON request body: " + why);
}

ApiResponse raw_json(const std::string& body) {
    ApiResponse r;
    r.body = body;
    return r;
}

// One request's bytes in, the answer's bytes out: a connection without a socket.
class MemoryStream final : public httplib::Stream {
public:
    explicit MemoryStream(std::string_view in) : m_in(in) {}
    bool is_readable() const override { return true; }
    bool is_writable() const override { return true; }
    ssize_t read(char* ptr, size_t size) override {
        const std::size_t n = std::min(size, m_in.size());
        std::copy_n(m_in.data(), n, ptr);
        m_in.remove_prefix(n);
        return static_cast<ssize_t>(n);
    }
    ssize_t write(const char* ptr, size_t size) override {
        m_out.append(ptr, size);
        return static_cast<ssize_t>(size);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        ip = "127.0.0.1";
        port = 40000;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        ip = "127.0.0.1";
        port = 8080;
    }
    socket_t socket() const override { return INVALID_SOCKET; }
    const std::string& written() const { return m_out; }

private:
    std::string_view m_in;
    std::string m_out;
};

// httplib's server with one more way in: a request handed over as bytes.
class HttpServer final : public httplib::Server {
public:
    std::string answer(std::string_view request) {
        MemoryStream stream(request);
        bool closed = false;
        process_request(stream, true, closed, nullptr);
        return stream.written();
    }
};

} // namespace

struct Server::Impl {
    explicit Impl(ServerOptions o)
        : options(std::move(o)),
          store(options.state_file.empty() ? std::string(":memory:") : options.state_file) {
        if (options.burst < 1) {
            throw std::runtime_error("burst must be at least 1");
        }
        if (options.rate_limit && !(options.rate_per_second > 0)) {
            throw std::runtime_error("rate limit must be above 0 requests per second");
        }
        oauth::ensure_schema(store);
        if (!store.seeded()) {
            apply_seed(store, options.seed);
        }
        store.set_event_sink([this](const std::string& org, const std::string& type,
                                    const std::string& id) { events.emit(org, type, id); });
        const auto handler = [this](const httplib::Request& req, httplib::Response& res) {
            handle(req, res);
        };
        http.Get(".*", handler);
        http.Post(".*", handler);
        http.Put(".*", handler);
        http.Delete(".*", handler);
        http.Patch(".*", handler);
        http.Options(".*", handler);
        http_server::Limits limits;
        // Uploads up to the service's 5 MB file limit and a little above (answered 406 as the
        // service does); anything larger is refused before it is read.
        limits.max_body = 16U << 20;
        // HTTP/1.1 clients that stream a body send it chunked, and lexoffice's gateway takes
        // that [U]; refuse_early() admits such a body only with a valid credential.
        limits.accept_chunked = true;
        hardening = std::make_unique<http_server::Hardening>(
            http, limits, [this](const httplib::Request& req) { return refuse_early(req); });
        if (options.faults.any()) {
            faults = std::make_unique<FaultInjector>(options.faults, options.fault_seed);
        }
    }

    // The API key or access token of a request ("Bearer …"), or "".
    static std::string bearer_key(const httplib::Request& hreq) {
        const std::string auth = hreq.get_header_value("Authorization");
        std::string key;
        if (auth.size() > 7 && ascii_lower(auth.substr(0, 7)) == "bearer ") {
            key = auth.substr(7);
            key.erase(0, key.find_first_not_of(' '));
        }
        return key;
    }

    // Runs before a request's body is read: a large or chunked body without a valid credential is
    // answered 401 at once (and the connection closed), so nobody can make the sandbox read a
    // large body unauthenticated. Small bodies are read and answered by process() as usual: an
    // early answer ends the connection, which a client still sending sees as a reset instead of
    // the 401. The OAuth endpoints authenticate in their form bodies (bounded by the body limit).
    std::optional<http_server::Refusal> refuse_early(const httplib::Request& hreq) {
        constexpr std::size_t k_small_body = 64 * 1024;
        const std::string length = hreq.get_header_value("Content-Length");
        const bool large_body =
            hreq.has_header("Transfer-Encoding") ||
            (!length.empty() && (length.size() > 9 || std::stoul(length) > k_small_body));
        if (!large_body || hreq.path.compare(0, 8, "/oauth2/") == 0) {
            return std::nullopt;
        }
        const std::string key = bearer_key(hreq);
        {
            std::lock_guard lock(mutex);
            if (!key.empty() &&
                (store.organization_for_key(key) || oauth::access_token(store, key))) {
                return std::nullopt;
            }
        }
        if (options.log) {
            options.log(terminal_text(hreq.method + " " + hreq.target) +
                        " 401 (before reading the body)");
        }
        return http_server::Refusal{401, message_error(401, "Unauthorized").body,
                                    "application/json"};
    }

    void handle(const httplib::Request& req, httplib::Response& res) {
        const auto start = SteadyClock::now();
        simulate_latency();
        FaultPlan fault; // chosen in process() once the request is authenticated
        ApiResponse r = process(req, fault);
        fault_rewrite_after(fault, req.method, req.path, r);
        res.status = r.status;
        res.set_header("Date", http_date_now()); // as the service's gateway does (RFC 7231)
        for (const auto& [name, value] : r.headers) {
            res.set_header(name, value);
        }
        const bool is_json =
            r.content_type.empty() || r.content_type.find("json") != std::string::npos;
        if (is_json && json::find_invalid_utf8(r.body)) {
            // Error answers echo the request's path and parameters, which may hold any bytes: an
            // answer stays UTF-8 JSON (U+FFFD per invalid byte, lexsync's rule for its own output).
            r.body = json_output_text(r.body);
        }
        if (!r.body.empty()) {
            res.set_content(r.body, r.content_type.empty() ? std::string("application/json")
                                                           : r.content_type);
        }
        fault_cut_response(fault, req, res);
        if (options.log) {
            const auto ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start)
                    .count();
            // The target carries only the path and query; credentials live in headers. It may hold
            // any byte the client sent: the log shows control characters, never acts on them.
            options.log(terminal_text(req.method + " " + req.target) + " " +
                        std::to_string(r.status) + " " + std::to_string(ms) + "ms" +
                        fault_log_tag(fault));
        }
    }

    void simulate_latency() {
        int ms = options.latency_ms;
        if (options.latency_jitter_ms > 0) {
            static thread_local std::mt19937 gen{std::random_device{}()};
            ms += std::uniform_int_distribution<int>(0, options.latency_jitter_ms)(gen);
        }
        if (ms > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        }
    }

    // Takes one token for `key`; false (and the seconds until one is available) when empty.
    bool take_token(const std::string& key, double& wait_seconds) {
        const auto now = SteadyClock::now();
        auto [it, inserted] = buckets.try_emplace(key);
        Bucket& b = it->second;
        if (inserted) {
            b.tokens = options.burst;
        } else {
            const double elapsed = std::chrono::duration<double>(now - b.last).count();
            b.tokens =
                std::min<double>(options.burst, b.tokens + elapsed * options.rate_per_second);
        }
        b.last = now;
        if (b.tokens >= 1.0) {
            b.tokens -= 1.0;
            return true;
        }
        wait_seconds = (1.0 - b.tokens) / options.rate_per_second;
        return false;
    }

    ApiResponse process(const httplib::Request& hreq, FaultPlan& fault) {
        if (auto r = events.public_route(hreq.method, hreq.path)) {
            return *r; // the webhook public key needs no authentication
        }
        if (hreq.path == "/_sandbox/health" && (hreq.method == "GET" || hreq.method == "HEAD")) {
            // For readiness probes: no key, no rate limit, no faults, no state lock.
            return raw_json(R"({"status":"ok"})");
        }
        // The OAuth authorization server on the same origin (its own limits; none emulated).
        if (hreq.path.compare(0, 8, "/oauth2/") == 0) {
            std::lock_guard oauth_lock(mutex);
            oauth::OAuthRequest o{hreq.method,
                                  hreq.path,
                                  parse_query(hreq.target),
                                  hreq.body,
                                  hreq.get_header_value("Content-Type"),
                                  hreq.get_header_value("Authorization")};
            oauth::Options oo{options.token_lifetime_seconds, options.oauth_deny};
            if (auto r = oauth::handle(store, oo, o)) {
                return *r;
            }
            return regular_error(404, hreq.path, "No route found for " + hreq.path);
        }
        // 1. Authentication comes first: no key, no bucket.
        const std::string key = bearer_key(hreq);
        std::unique_lock lock(mutex);
        std::optional<std::string> org;
        std::optional<oauth::Grant> grant; // set for OAuth access tokens (scoped)
        if (!key.empty()) {
            org = store.organization_for_key(key);
            if (!org && (grant = oauth::access_token(store, key))) {
                org = grant->org_id;
            }
        }
        if (!org) {
            return message_error(401, "Unauthorized");
        }
        // 2. Rate limit per key; a refused request is not executed.
        if (options.rate_limit) {
            double wait = 0;
            if (!take_token(key, wait)) {
                ApiResponse r = message_error(429, "Rate limit exceeded");
                if (options.retry_after_header) {
                    r.headers.emplace_back("Retry-After",
                                           std::to_string(static_cast<long>(std::ceil(wait))));
                }
                return r;
            }
        }
        // Injected faults (--faults) touch only authenticated requests.
        if (faults) {
            fault = faults->draw(hreq.method, hreq.path, hreq.is_multipart_form_data());
            if (fault.delay_ms > 0) {
                lock.unlock();
                std::this_thread::sleep_for(std::chrono::milliseconds(fault.delay_ms));
                lock.lock();
            }
            if (auto r = fault_response_before(fault, hreq.path)) {
                return *r;
            }
        }
        // An OAuth token without the endpoint's scope (§1.4); static API keys have full access.
        if (grant && !oauth::scope_allows(hreq.method, hreq.path, grant->scopes)) {
            return regular_error(403, hreq.path,
                                 "Access denied: the access token lacks the scope " +
                                     oauth::required_scopes_text(hreq.method, hreq.path));
        }
        // [U] Partner-only routes (finance, assignment hints) refuse static API keys.
        if (!grant && finance::partner_only(hreq.path)) {
            return finance::api_key_refused(hreq.path);
        }
        if (!grant && contacts::is_bank_accounts_path(hreq.path)) {
            return regular_error(403, hreq.path,
                                 "Access denied: contact bank accounts need a partner OAuth access "
                                 "token with the scope contacts.bankaccounts.read (reading) or "
                                 "contacts.bankaccounts.write (writing); API keys cannot use them");
        }
        if (!hreq.body.empty() && is_json_content_type(hreq.get_header_value("Content-Type"))) {
            if (auto r = refuse_json_body(hreq.path, hreq.body)) {
                return *r;
            }
        }
        // 3. Route.
        ApiRequest req;
        req.method = hreq.method == "HEAD" ? "GET" : hreq.method;
        req.path = hreq.path;
        if (req.path.size() > 1 && req.path.back() == '/') {
            req.path.pop_back();
        }
        req.params = parse_query(hreq.target);
        req.body = hreq.body;
        req.content_type = hreq.get_header_value("Content-Type");
        req.accept = hreq.get_header_value("Accept");
        req.multipart = hreq.is_multipart_form_data();
        for (const auto& [name, part] : hreq.files) {
            req.parts.push_back({part.name, part.filename, part.content_type, part.content});
        }
        req.host = hreq.get_header_value("Host");
        if (req.host.empty()) {
            req.host = host_port();
        }
        req.org_id = *org;
        try {
            if (auto r = events.route(req, lock)) {
                return *r;
            }
            return route(req);
        } catch (const std::exception&) {
            return regular_error(500, req.path, "Internal server error");
        }
    }

    // True when `accept` admits a JSON answer (absent, */*, application/*, application/json).
    static bool accepts_json(const std::string& accept) {
        for (const auto& t : accepted_types(accept)) {
            if (t == "*/*" || t == "application/*" || t == "application/json") {
                return true;
            }
        }
        return false;
    }

    // Downloads negotiate their own media types (/v1/files/{id}, /v1/{type}/{id}/file).
    static bool is_download(const std::string& p) {
        const bool file = p.size() > 5 && p.compare(p.size() - 5, 5, "/file") == 0;
        return file ||
               (p.compare(0, 10, "/v1/files/") == 0 && p.find('/', 10) == std::string::npos);
    }

    ApiResponse route(const ApiRequest& req) {
        const bool get = req.method == "GET";
        const std::string& p = req.path;
        if (!is_download(p) && !accepts_json(req.accept)) {
            // Recorded: Accept: application/xml on /v1/profile answers 406 (reference §14 and
            // §2: "unsupported Accept").
            return regular_error(406, p, "Could not find acceptable representation");
        }
        if (p == "/v1/profile" && get) {
            const auto doc = store.organization(req.org_id);
            return doc ? raw_json(*doc) : regular_error(404, p, "Not Found");
        }
        if (p == "/v1/ping" && get) {
            // [U] Only the path and the userEmail field are known.
            JsonDocument profile;
            const auto doc = store.organization(req.org_id);
            profile.Parse(doc ? doc->c_str() : "{}");
            JsonDocument d(rapidjson::kObjectType);
            std::string email;
            if (profile.IsObject() && profile.HasMember("created") &&
                profile["created"].HasMember("userEmail")) {
                email = profile["created"]["userEmail"].GetString();
            }
            d.AddMember("userEmail", json_str(email, d.GetAllocator()), d.GetAllocator());
            return json_response(200, d);
        }
        if (get && p == "/v1/countries") {
            return raw_json(countries_json());
        }
        if (get && p == "/v1/payment-conditions") {
            return raw_json(payment_conditions_json());
        }
        if (get && p == "/v1/posting-categories") {
            return raw_json(posting_categories_json());
        }
        if (get && p == "/v1/print-layouts") {
            return raw_json(print_layouts_json());
        }
        if (p == "/v1/contacts") {
            if (get) {
                return contacts::list(store, req, options.listing_window);
            }
            if (req.method == "POST") {
                if (!is_json_content_type(req.content_type)) {
                    return unsupported_media_type(req);
                }
                return contacts::create(store, req);
            }
        }
        if (contacts::is_bank_accounts_path(p)) {
            // /v1/contacts/{id}/bankaccounts[/{bankAccountId}]
            const std::string rest = p.substr(13);
            const auto slash = rest.find('/');
            const std::string after = rest.substr(slash + 13);
            if (after.empty() || after.find('/', 1) == std::string::npos) {
                if ((req.method == "POST" || req.method == "PUT") &&
                    !is_json_content_type(req.content_type)) {
                    return unsupported_media_type(req);
                }
                return contacts::bank_accounts(store, req, ascii_lower(rest.substr(0, slash)),
                                               after.empty() ? std::string()
                                                             : ascii_lower(after.substr(1)));
            }
        }
        const std::string prefix = "/v1/contacts/";
        if (p.compare(0, prefix.size(), prefix) == 0) {
            std::string id = p.substr(prefix.size());
            if (id.find('/') == std::string::npos && !id.empty()) {
                id = ascii_lower(id);
                if (get) {
                    return contacts::get(store, req, id);
                }
                if (req.method == "PUT") {
                    if (!is_json_content_type(req.content_type)) {
                        return unsupported_media_type(req);
                    }
                    return contacts::update(store, req, id);
                }
            }
        }
        if (auto r = finance::route(store, req)) {
            return *r;
        }
        if (auto r = recurring_templates::route(req)) {
            return *r;
        }
        if (auto r = route_vouchers(req)) {
            return *r;
        }
        // Unknown routes and unsupported methods on known paths (e.g. DELETE /v1/contacts/{id},
        // GET /v1/invoices, GET /v1/files, /v1/vouchers/{id}/document, DELETE /v1/vouchers/{id},
        // OPTIONS) answer 404, as measured on the live API.
        return regular_error(404, p, "No route found for " + req.method + " " + p);
    }

    // Sales vouchers, voucher list, bookkeeping vouchers, files and payments; nullopt = no route.
    std::optional<ApiResponse> route_vouchers(const ApiRequest& req) {
        const bool get = req.method == "GET";
        const bool post = req.method == "POST";
        const bool put = req.method == "PUT";
        // Path segments after /v1.
        std::vector<std::string> seg;
        if (req.path.compare(0, 4, "/v1/") != 0) {
            return std::nullopt;
        }
        std::size_t pos = 4;
        while (pos <= req.path.size()) {
            const auto slash = req.path.find('/', pos);
            seg.push_back(
                req.path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos));
            if (slash == std::string::npos) {
                break;
            }
            pos = slash + 1;
        }
        if (seg.empty() ||
            std::any_of(seg.begin(), seg.end(), [](const std::string& x) { return x.empty(); })) {
            return std::nullopt;
        }
        const std::string& family = seg[0];
        const std::string id = seg.size() > 1 ? ascii_lower(seg[1]) : std::string();

        if (const sales::SalesType* type = sales::type_for_path(family)) {
            if (seg.size() == 1 && post) {
                if (!is_json_content_type(req.content_type)) {
                    return unsupported_media_type(req);
                }
                return sales::create(store, req, *type);
            }
            if (seg.size() == 2 && get) {
                return sales::get(store, req, *type, id);
            }
            if (seg.size() == 3 && get && seg[2] == "file") {
                return sales::file(store, req, *type, id);
            }
            if (seg.size() == 3 && get && seg[2] == "document") {
                return sales::document(store, req, *type, id);
            }
            return std::nullopt;
        }
        // Other sales voucher types: ids of this sandbox never belong to them. [U] Creating
        // delivery notes and dunnings is not emulated.
        if ((family == "delivery-notes" || family == "dunnings" ||
             family == "down-payment-invoices") &&
            get && seg.size() >= 2 && seg.size() <= 3 &&
            (seg.size() == 2 || seg[2] == "file" || seg[2] == "document")) {
            return regular_error(404, req.path, "Resource not found");
        }
        if (family == "voucherlist" && seg.size() == 1 && get) {
            return voucherlist::list(store, req, options.listing_window);
        }
        if (family == "vouchers") {
            if (seg.size() == 1 && get) {
                return vouchers::find_by_number(store, req);
            }
            if (seg.size() == 1 && post) {
                if (!is_json_content_type(req.content_type)) {
                    return unsupported_media_type(req);
                }
                return vouchers::create(store, req);
            }
            if (seg.size() == 2 && get) {
                return vouchers::get(store, req, id);
            }
            if (seg.size() == 2 && put) {
                if (!is_json_content_type(req.content_type)) {
                    return unsupported_media_type(req);
                }
                return vouchers::update(store, req, id);
            }
            if (seg.size() == 3 && post && seg[2] == "files") {
                if (!req.multipart) {
                    return unsupported_media_type(req);
                }
                return files::attach(store, req, id);
            }
            return std::nullopt;
        }
        if (family == "files") {
            if (seg.size() == 1 && post) {
                if (!req.multipart) {
                    return unsupported_media_type(req);
                }
                return files::upload(store, req, options.upload_visibility_delay_ms);
            }
            if (seg.size() == 2 && get) {
                return files::download(store, req, id);
            }
            return std::nullopt;
        }
        if (family == "payments" && seg.size() == 2 && get) {
            return payments::get(store, req, id);
        }
        return std::nullopt;
    }

    static ApiResponse unsupported_media_type(const ApiRequest& req) {
        return regular_error(415, req.path,
                             "Content type '" + req.content_type + "' not supported");
    }

    std::string host_port() const {
        std::string h = options.host;
        if (h == "0.0.0.0" || h.empty()) {
            h = "127.0.0.1";
        } else if (h == "::") {
            h = "::1";
        }
        if (h.find(':') != std::string::npos) {
            h = "[" + h + "]";
        }
        return h + ":" + std::to_string(port);
    }

    ServerOptions options;
    Store store;
    std::mutex mutex; // guards store and buckets
    Events events{store, mutex,
                  WebhookOptions{options.webhook_key_file, options.webhook_retry_scale,
                                 options.webhook_timeout_ms, options.log,
                                 options.deliver_webhooks}};
    std::map<std::string, Bucket> buckets;
    std::unique_ptr<FaultInjector> faults; // null without --faults
    HttpServer http;
    std::unique_ptr<http_server::Hardening> hardening;
    int port = 0;
    std::mutex lifecycle_mutex; // orders stop() against the start of listen()
    bool stopped = false;
    std::atomic<bool> listening{false};
};

Server::Server(ServerOptions options) : m_impl(std::make_unique<Impl>(std::move(options))) {
    set_time_shift(std::chrono::hours(24) * m_impl->options.time_shift_days);
}

Server::~Server() {
    stop();
}

int Server::bind() {
    auto& impl = *m_impl;
    if (impl.options.port == 0) {
        impl.port = impl.http.bind_to_any_port(impl.options.host);
        if (impl.port < 0) {
            throw std::runtime_error("cannot bind to " + impl.options.host);
        }
    } else {
        if (!impl.http.bind_to_port(impl.options.host, impl.options.port)) {
            throw std::runtime_error("cannot bind to " + impl.options.host + ":" +
                                     std::to_string(impl.options.port));
        }
        impl.port = impl.options.port;
    }
    impl.hardening->after_bind();
    return impl.port;
}

void Server::listen() {
    auto& impl = *m_impl;
    {
        std::lock_guard lock(impl.lifecycle_mutex);
        if (impl.stopped) {
            return;
        }
        impl.listening = true;
    }
    impl.http.listen_after_bind();
    impl.listening = false;
}

void Server::stop() {
    auto& impl = *m_impl;
    {
        std::lock_guard lock(impl.lifecycle_mutex);
        impl.stopped = true;
    }
    // httplib ignores stop() until its accept loop runs: wait for it when listen() has begun.
    while (impl.listening && !impl.http.is_running()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    impl.http.stop();
}

std::string Server::answer(std::string_view request) {
    return m_impl->http.answer(request);
}

FaultCounts Server::fault_counts() const {
    return m_impl->faults ? m_impl->faults->counts() : FaultCounts{};
}

std::string Server::webhook_public_key() const {
    return m_impl->events.public_key_pem();
}

std::string Server::base_url() const {
    return "http://" + m_impl->host_port();
}

} // namespace lexsync::sandbox
