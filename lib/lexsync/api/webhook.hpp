// --- Interface ---
// Receiving lexoffice webhooks (§9.13): the X-Lxo-Signature check (base64 RSA PKCS#1 v1.5
// SHA-512 over the raw body bytes), the callback payload, and replay detection on
// (eventType, resourceId, eventDate) kept in the profile's state database.
#pragma once

#include <filesystem>
#include <lexsync/store/state.hpp>
#include <lexsync/util/result.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync::webhook {

// The header that carries the signature.
inline constexpr const char* k_signature_header = "X-Lxo-Signature";

// One callback payload: only a pointer to the changed resource.
struct Event {
    std::string organization_id;
    std::string event_type; // e.g. "invoice.status.changed"
    std::string resource_id;
    std::string event_date; // as sent, e.g. "2023-04-11T12:30:00.000+02:00"
};

// Every event type of the API (§9.13), e.g. "contact.created", "invoice.status.changed".
const std::vector<std::string>& event_types();
// True for one of event_types() (compared in lower case).
bool is_event_type(std::string_view type);

// An RSA public key loaded from PEM.
class PublicKey {
public:
    PublicKey();
    ~PublicKey();
    PublicKey(PublicKey&& other) noexcept;
    PublicKey& operator=(PublicKey&& other) noexcept;
    PublicKey(const PublicKey&) = delete;
    PublicKey& operator=(const PublicKey&) = delete;

    // Parses a PEM public key ("BEGIN PUBLIC KEY"); the error names the problem.
    static Result<PublicKey, std::string> from_pem(std::string_view pem);
    // Reads and parses a PEM file; the error names the file.
    static Result<PublicKey, std::string> from_file(const std::filesystem::path& file);

    // True when `signature_base64` is a valid SHA512withRSA signature of exactly `body`.
    bool verify(std::string_view body, std::string_view signature_base64) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// Parses a callback body; the error says which member is missing or not a string.
Result<Event, std::string> parse_event(std::string_view body);

// The canonical JSON of `e` (compact, members in the service's order) for command input.
std::string to_json(const Event& e);

// Remembers the events already accepted, in the table `webhook_events` of a state database, so
// that a replay is refused even after a restart. Thread-safe.
// Accepted events also wait in the table `webhook_queue` until their command has run, so that an
// event acknowledged before a crash still runs after the restart.
class ReplayGuard {
public:
    explicit ReplayGuard(StateStore& state);
    // Records `e` and returns true the first time; false for a replay.
    bool first_time(const Event& e);
    // True when `e` was recorded before (without recording it).
    bool seen(const Event& e);

    enum class Admission {
        queued,         // new: recorded and queued (committed to disk)
        already_queued, // delivered again while still waiting: acknowledge, do not queue twice
        replay,         // accepted and processed before
    };
    // Records `e` and queues its raw `body` and `signature` in one transaction.
    Admission admit(const Event& e, std::string_view body, std::string_view signature);

    struct Queued {
        std::int64_t id = 0;
        std::string body;
        std::string signature;
    };
    // The oldest queued event not yet done, or nullopt.
    std::optional<Queued> next_queued();
    // Removes a queued event once its command (and forward) has run.
    void done(std::int64_t id);

private:
    StateStore& m_state;
    std::mutex m_mutex;
};

} // namespace lexsync::webhook
