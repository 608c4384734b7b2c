#include "sandbox/events.hpp"

#include "sandbox/resource_util.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <httplib.h>
#include <lexsync/util/encoding.hpp>
#include <map>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdexcept>
#include <thread>
#include <vector>

namespace lexsync::sandbox {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr const char* k_collection = "/v1/event-subscriptions";

// The event types of §9.13, as resource and its events.
struct ResourceEvents {
    const char* resource;
    std::array<const char*, 4> events;
};
constexpr std::array<ResourceEvents, 13> k_event_types{{
    {"article", {"created", "changed", "deleted", nullptr}},
    {"contact", {"created", "changed", "deleted", nullptr}},
    {"credit-note", {"created", "changed", "deleted", "status.changed"}},
    {"delivery-note", {"created", "changed", "deleted", "status.changed"}},
    {"down-payment-invoice", {"created", "changed", "deleted", "status.changed"}},
    {"dunning", {"created", "changed", "deleted", nullptr}},
    {"invoice", {"created", "changed", "deleted", "status.changed"}},
    {"order-confirmation", {"created", "changed", "deleted", "status.changed"}},
    {"payment", {"changed", nullptr, nullptr, nullptr}},
    {"quotation", {"created", "changed", "deleted", "status.changed"}},
    {"recurring-template", {"created", "changed", "deleted", nullptr}},
    {"token", {"revoked", nullptr, nullptr, nullptr}},
    {"voucher", {"created", "changed", "deleted", "status.changed"}},
}};

// A callback URL split into what httplib needs.
struct CallbackUrl {
    std::string scheme; // "http" or "https"
    std::string host;   // without brackets
    std::string origin; // scheme://host[:port]
    std::string target; // path and query, at least "/"
};

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::optional<CallbackUrl> parse_callback_url(const std::string& url) {
    CallbackUrl u;
    const auto sep = url.find("://");
    if (sep == std::string::npos) {
        return std::nullopt;
    }
    u.scheme = ascii_lower(url.substr(0, sep));
    if (u.scheme != "http" && u.scheme != "https") {
        return std::nullopt;
    }
    const auto rest = url.substr(sep + 3);
    const auto end = rest.find_first_of("/?#");
    const std::string authority = rest.substr(0, end);
    std::string target = end == std::string::npos ? std::string("/") : rest.substr(end);
    if (const auto hash = target.find('#'); hash != std::string::npos) {
        target.erase(hash);
    }
    if (target.empty() || target[0] != '/') {
        target.insert(0, "/");
    }
    if (authority.empty() || authority.find('@') != std::string::npos ||
        std::any_of(authority.begin(), authority.end(),
                    [](unsigned char c) { return c <= ' ' || c >= 0x7f; })) {
        return std::nullopt;
    }
    std::string port;
    if (authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) {
            return std::nullopt;
        }
        u.host = authority.substr(1, close - 1);
        const std::string after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') {
                return std::nullopt;
            }
            port = after.substr(1);
        }
    } else {
        const auto colon = authority.find(':');
        u.host = authority.substr(0, colon);
        if (colon != std::string::npos) {
            port = authority.substr(colon + 1);
        }
    }
    if (u.host.empty()) {
        return std::nullopt;
    }
    if (!port.empty()) {
        if (port.size() > 5 || !std::all_of(port.begin(), port.end(),
                                            [](unsigned char c) { return c >= '0' && c <= '9'; })) {
            return std::nullopt;
        }
        if (std::stoi(port) < 1 || std::stoi(port) > 65535) {
            return std::nullopt;
        }
    }
    u.host = ascii_lower(u.host);
    u.origin = u.scheme + "://" +
               (u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host) +
               (port.empty() ? "" : ":" + port);
    u.target = target;
    return u;
}

// An httplib client for `u` with the service's timeouts; never follows redirects (a redirect
// target is not a subscribed URL).
httplib::Client make_client(const CallbackUrl& u, int read_timeout_ms) {
    httplib::Client c(u.origin);
    c.set_connection_timeout(std::chrono::milliseconds(read_timeout_ms));
    c.set_read_timeout(std::chrono::milliseconds(read_timeout_ms));
    c.set_write_timeout(std::chrono::milliseconds(read_timeout_ms));
    c.set_follow_location(false);
    c.set_url_encode(false);
    return c;
}

struct PkeyDeleter {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Pkey load_or_generate_key(const std::string& key_file) {
    if (key_file.empty()) {
        Pkey key(EVP_RSA_gen(2048));
        if (!key) {
            throw std::runtime_error("cannot generate the webhook signing key");
        }
        return key;
    }
    BIO* bio = BIO_new_file(key_file.c_str(), "r");
    if (bio == nullptr) {
        throw std::runtime_error("cannot read the webhook key file " + key_file);
    }
    Pkey key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
        throw std::runtime_error(key_file + " holds no PEM RSA private key");
    }
    return key;
}

std::string public_pem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio == nullptr || PEM_write_bio_PUBKEY(bio, key) != 1) {
        BIO_free(bio);
        throw std::runtime_error("cannot write the webhook public key");
    }
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return pem;
}

// One callback to deliver.
struct Delivery {
    std::string org_id;
    std::string subscription_id;
    std::string url;
    std::string body;
    std::string signature;
    int attempt = 1;
};

} // namespace

std::optional<double> retry_delay_seconds(int attempt) {
    // Phase 1: 10, 20, 40, 80, 160 s. Phase 2: a 30-minute pause, then 20 retries every 2 hours.
    // [U] The docs do not say whether the pause counts as the first interval of phase 2; here the
    // first phase-2 retry comes 30 minutes after the last phase-1 retry and the other 19 every
    // two hours after it: 25 retries, 26 attempts in all.
    if (attempt >= 1 && attempt <= 5) {
        return 10.0 * static_cast<double>(1 << (attempt - 1));
    }
    if (attempt == 6) {
        return 1800.0;
    }
    if (attempt >= 7 && attempt <= 25) {
        return 7200.0;
    }
    return std::nullopt;
}

bool is_event_type(std::string_view type) {
    const std::string t = ascii_lower(type);
    for (const auto& r : k_event_types) {
        for (const char* e : r.events) {
            if (e != nullptr && t == std::string(r.resource) + "." + e) {
                return true;
            }
        }
    }
    return false;
}

struct Events::Impl {
    Impl(Store& s, std::mutex& m, WebhookOptions o)
        : store(s), store_mutex(m), options(std::move(o)),
          key(load_or_generate_key(options.key_file)) {
        if (!(options.retry_scale >= 0)) {
            throw std::runtime_error("the webhook retry scale must not be negative");
        }
        worker = std::thread([this] { run(); });
    }

    ~Impl() {
        {
            std::lock_guard lock(queue_mutex);
            stopping = true;
        }
        queue_cv.notify_all();
        worker.join();
    }

    void log(const std::string& line) const {
        if (options.log) {
            options.log("webhook: " + line);
        }
    }

    void enqueue(Delivery d, SteadyClock::time_point due) {
        if (!options.deliver) {
            log("not delivered (delivery off): " + d.url);
            return;
        }
        {
            std::lock_guard lock(queue_mutex);
            queue.emplace(due, std::move(d));
        }
        queue_cv.notify_all();
    }

    void run() {
        std::unique_lock lock(queue_mutex);
        while (!stopping) {
            if (queue.empty()) {
                queue_cv.wait(lock);
                continue;
            }
            const auto due = queue.begin()->first;
            if (SteadyClock::now() < due) {
                queue_cv.wait_until(lock, due);
                continue;
            }
            Delivery d = std::move(queue.begin()->second);
            queue.erase(queue.begin());
            lock.unlock();
            deliver(std::move(d));
            lock.lock();
        }
    }

    bool subscription_exists(const Delivery& d) {
        std::lock_guard lock(store_mutex);
        return store.get(d.org_id, k_subscription_kind, d.subscription_id).has_value();
    }

    void remove_subscription(const std::string& org_id, const std::string& id) {
        store.db()
            .prepare("DELETE FROM resources WHERE org_id = ? AND kind = ? AND id = ?")
            .bind(1, org_id)
            .bind(2, k_subscription_kind)
            .bind(3, id)
            .run();
    }

    void deliver(Delivery d) {
        // Only a URL that is subscribed right now is ever called.
        if (!subscription_exists(d)) {
            log("subscription " + d.subscription_id + " is gone; callback dropped");
            return;
        }
        const auto url = parse_callback_url(d.url);
        if (!url) {
            return;
        }
        auto client = make_client(*url, options.read_timeout_ms);
        httplib::Headers headers{{"X-Lxo-Signature", d.signature}};
        const auto res = client.Post(url->target, headers, d.body, "application/json");
        const int status = res ? res->status : 0;
        log("POST " + d.url + " attempt " + std::to_string(d.attempt) + " → " +
            (res ? std::to_string(status)
                 : std::string("no answer (") + httplib::to_string(res.error()) + ")"));
        if (status == 200 || status == 201 || status == 202 || status == 204) {
            return;
        }
        if (status == 410) {
            std::lock_guard lock(store_mutex);
            remove_subscription(d.org_id, d.subscription_id);
            log("subscription " + d.subscription_id + " removed (410 Gone)");
            return;
        }
        const bool retryable = status == 0 || status == 401 || status == 403 || status == 404 ||
                               status == 429 || status >= 500;
        if (!retryable) {
            return; // redirects and other 4xx are not retried
        }
        if (const auto delay = retry_delay_seconds(d.attempt)) {
            const auto wait = std::chrono::duration_cast<SteadyClock::duration>(
                std::chrono::duration<double>(*delay * options.retry_scale));
            ++d.attempt;
            enqueue(std::move(d), SteadyClock::now() + wait);
            return;
        }
        if (status == 404) {
            std::lock_guard lock(store_mutex);
            remove_subscription(d.org_id, d.subscription_id);
            log("subscription " + d.subscription_id + " removed (404 after the last retry)");
        }
    }

    Store& store;
    std::mutex& store_mutex;
    WebhookOptions options;
    Pkey key;
    std::mutex queue_mutex;
    std::condition_variable queue_cv;
    std::multimap<SteadyClock::time_point, Delivery> queue;
    bool stopping = false;
    std::thread worker;
};

Events::Events(Store& store, std::mutex& store_mutex, WebhookOptions options)
    : m_impl(std::make_unique<Impl>(store, store_mutex, std::move(options))),
      m_public_pem(public_pem(m_impl->key.get())) {}

Events::~Events() = default;

std::string Events::sign(std::string_view body) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::string sig;
    std::size_t len = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(body.data());
    if (ctx != nullptr &&
        EVP_DigestSignInit(ctx, nullptr, EVP_sha512(), nullptr, m_impl->key.get()) == 1 &&
        EVP_DigestSign(ctx, nullptr, &len, data, body.size()) == 1) {
        sig.resize(len);
        if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                           body.size()) != 1) {
            len = 0;
        }
    }
    EVP_MD_CTX_free(ctx);
    if (len == 0) {
        throw std::runtime_error("cannot sign the webhook body");
    }
    return base64_encode(std::string_view(sig).substr(0, len));
}

std::optional<ApiResponse> Events::public_route(const std::string& method,
                                                const std::string& path) {
    if (path != k_webhook_public_key_path || (method != "GET" && method != "HEAD")) {
        return std::nullopt;
    }
    ApiResponse r;
    r.body = m_public_pem;
    r.content_type = "application/x-pem-file";
    return r;
}

std::optional<ApiResponse> Events::route(const ApiRequest& req,
                                         std::unique_lock<std::mutex>& lock) {
    const std::string collection = k_collection;
    const std::string& p = req.path;
    std::string id;
    if (p == collection) {
        // the collection
    } else if (p.compare(0, collection.size() + 1, collection + "/") == 0) {
        id = ascii_lower(p.substr(collection.size() + 1));
        if (id.empty() || id.find('/') != std::string::npos) {
            return std::nullopt;
        }
    } else {
        return std::nullopt;
    }
    Store& store = m_impl->store;
    if (id.empty() && req.method == "GET") {
        JsonDocument d(rapidjson::kObjectType);
        auto& a = d.GetAllocator();
        JsonValue content(rapidjson::kArrayType);
        for (const auto& r : store.list(req.org_id, k_subscription_kind)) {
            JsonDocument one;
            parse_json(one, r.doc);
            content.PushBack(JsonValue(one, a), a);
        }
        d.AddMember("content", content, a);
        return json_response(200, d);
    }
    if (!id.empty() && (req.method == "GET" || req.method == "DELETE")) {
        if (!store.get(req.org_id, k_subscription_kind, id)) {
            return regular_error(404, p, "Event subscription not found");
        }
        if (req.method == "GET") {
            ApiResponse r;
            r.body = store.get(req.org_id, k_subscription_kind, id)->doc;
            return r;
        }
        m_impl->remove_subscription(req.org_id, id);
        ApiResponse r;
        r.status = 204;
        return r;
    }
    if (!id.empty() || req.method != "POST") {
        return std::nullopt;
    }
    // POST: validate, refuse duplicates, check the URL with HEAD, store.
    const std::string ct = ascii_lower(req.content_type);
    if (ct.rfind("application/json", 0) != 0) {
        return regular_error(415, p, "Content type '" + req.content_type + "' not supported");
    }
    JsonDocument in;
    if (!parse_json(in, req.body) || !in.IsObject()) {
        return regular_error(400, p, "Malformed JSON request body");
    }
    std::vector<Violation> violations;
    const std::string event_type = ascii_lower(member_string(in, "eventType"));
    const std::string callback = member_string(in, "callbackUrl");
    if (event_type.empty()) {
        violations.push_back({"NOTNULL", "eventType", "darf nicht leer sein"});
    } else if (!is_event_type(event_type)) {
        // [U] The service's answer to an unknown event type is not documented.
        violations.push_back({"INVALID", "eventType", "unknown event type"});
    }
    std::optional<CallbackUrl> url;
    if (callback.empty()) {
        violations.push_back({"NOTNULL", "callbackUrl", "darf nicht leer sein"});
    } else {
        url = parse_callback_url(callback);
        // The service requires https. The sandbox also accepts http to loopback addresses so
        // that tests can receive callbacks without TLS; http to any other host is refused.
        if (!url || (url->scheme == "http" && !is_loopback(url->host))) {
            violations.push_back(
                {"PATTERN", "callbackUrl",
                 "must be an https URL (the sandbox also accepts http://127.0.0.1 and localhost)"});
        }
    }
    if (!violations.empty()) {
        return validation_error(p, violations);
    }
    const auto duplicate = [&] {
        for (const auto& r : store.list(req.org_id, k_subscription_kind)) {
            JsonDocument d;
            parse_json(d, r.doc);
            if (member_string(d, "eventType") == event_type &&
                member_string(d, "callbackUrl") == callback) {
                return true;
            }
        }
        return false;
    };
    if (duplicate()) {
        return regular_error(409, p,
                             "An event subscription for this event type and callback "
                             "URL exists already");
    }
    // The HEAD check runs without the state lock: the URL may even be this sandbox.
    lock.unlock();
    auto client = make_client(*url, m_impl->options.read_timeout_ms);
    const auto head = client.Head(url->target);
    lock.lock();
    m_impl->log("HEAD " + callback + " → " +
                (head ? std::to_string(head->status) : httplib::to_string(head.error())));
    // [U] What the check accepts is not documented: any HTTP answer below 500 passes here
    // (receivers often answer HEAD with 404 or 405), no answer or a 5xx fails.
    if (!head || head->status >= 500) {
        return regular_error(406, p, "The callback URL " + callback + " is not reachable");
    }
    if (duplicate()) {
        return regular_error(409, p,
                             "An event subscription for this event type and callback "
                             "URL exists already");
    }
    StoredResource r;
    r.id = new_uuid();
    r.version = 0;
    r.created = now_timestamp();
    r.updated = r.created;
    JsonDocument doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    doc.AddMember("subscriptionId", json_str(r.id, a), a);
    doc.AddMember("organizationId", json_str(req.org_id, a), a);
    doc.AddMember("createdDate", json_str(r.created, a), a);
    doc.AddMember("eventType", json_str(event_type, a), a);
    doc.AddMember("callbackUrl", json_str(callback, a), a);
    r.doc = to_json(doc);
    store.put(req.org_id, k_subscription_kind, r);
    return action_result(201, req, "event-subscriptions", r, true);
}

void Events::emit(const std::string& org_id, const std::string& event_type,
                  const std::string& resource_id) {
    std::vector<StoredResource> subs;
    for (auto& r : m_impl->store.list(org_id, k_subscription_kind)) {
        JsonDocument d;
        parse_json(d, r.doc);
        if (member_string(d, "eventType") == event_type) {
            subs.push_back(std::move(r));
        }
    }
    if (subs.empty()) {
        return;
    }
    JsonDocument body(rapidjson::kObjectType);
    auto& a = body.GetAllocator();
    body.AddMember("organizationId", json_str(org_id, a), a);
    body.AddMember("eventType", json_str(event_type, a), a);
    body.AddMember("resourceId", json_str(resource_id, a), a);
    body.AddMember("eventDate", json_str(now_timestamp(), a), a);
    const std::string text = to_json(body); // compact, as the service sends it
    const std::string signature = sign(text);
    for (const auto& r : subs) {
        JsonDocument d;
        parse_json(d, r.doc);
        Delivery delivery;
        delivery.org_id = org_id;
        delivery.subscription_id = r.id;
        delivery.url = member_string(d, "callbackUrl");
        delivery.body = text;
        delivery.signature = signature;
        m_impl->enqueue(std::move(delivery), SteadyClock::now());
    }
}

} // namespace lexsync::sandbox
