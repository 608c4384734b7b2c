// --- Interface ---
// Event subscriptions and webhooks (§9.13): the /v1/event-subscriptions resource, callbacks for
// resource changes signed with the sandbox's RSA key (SHA512withRSA, base64 in X-Lxo-Signature),
// delivered on a background thread with the service's retry table on a compressed clock.
#pragma once

#include "sandbox/store.hpp"
#include "sandbox/support.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace lexsync::sandbox {

// The resource kind under which subscriptions are stored.
inline constexpr const char* k_subscription_kind = "event-subscriptions";
// The unauthenticated route that serves the public key of the callback signatures (PEM).
inline constexpr const char* k_webhook_public_key_path = "/_sandbox/webhook-public-key";

struct WebhookOptions {
    std::string key_file;     // PEM private RSA key; empty = a fresh 2048-bit key per start
    double retry_scale = 1.0; // multiplies every retry delay (0.001 turns 10 s into 10 ms)
    int read_timeout_ms = 5000;
    std::function<void(const std::string&)> log; // one line per delivery attempt
    bool deliver = true; // false: events are signed and logged but sent nowhere (fuzzing)
};

// One retry delay of the service's schedule: after attempt `attempt` (1 = the first delivery)
// failed, the seconds until the next one; nullopt when the retries are used up.
std::optional<double> retry_delay_seconds(int attempt);

// True for a known event type ("invoice.status.changed"), compared in lower case.
bool is_event_type(std::string_view type);

class Events {
public:
    // Loads or generates the signing key and starts the delivery thread. `store_mutex` is the
    // server's lock around `store`. Throws std::runtime_error for an unusable key file.
    Events(Store& store, std::mutex& store_mutex, WebhookOptions options);
    ~Events();
    Events(const Events&) = delete;
    Events& operator=(const Events&) = delete;

    // The public key of the callback signatures as PEM (SubjectPublicKeyInfo).
    const std::string& public_key_pem() const { return m_public_pem; }
    // Base64 RSA-SHA512 (PKCS#1 v1.5) signature of `body`.
    std::string sign(std::string_view body) const;

    // Serves GET k_webhook_public_key_path before authentication; nullopt for other requests.
    std::optional<ApiResponse> public_route(const std::string& method, const std::string& path);
    // Serves /v1/event-subscriptions[/{id}]; nullopt for other paths. `lock` holds the store
    // mutex and is released during the HEAD check of a new callback URL.
    std::optional<ApiResponse> route(const ApiRequest& req, std::unique_lock<std::mutex>& lock);
    // Queues a callback to every subscription of `org_id` for `event_type` (the caller holds
    // the store mutex).
    void emit(const std::string& org_id, const std::string& event_type,
              const std::string& resource_id);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::string m_public_pem;
};

} // namespace lexsync::sandbox
