// --- Interface ---
// The emulator's persistent state: organisations, their API keys (hashed), counters and resources
// stored as JSON documents per organisation and kind ("contacts", later "invoices", "vouchers",
// "files", "event-subscriptions", …) in SQLite. Not thread-safe: the server serialises access.
#pragma once

#include <cstdint>
#include <functional>
#include <lexsync/util/sqlite.hpp>
#include <optional>
#include <string>
#include <vector>

namespace lexsync::sandbox {

// One stored resource with its bookkeeping columns.
struct StoredResource {
    std::string id;
    std::int64_t version = 0;
    std::string created; // formatted timestamp
    std::string updated; // formatted timestamp
    std::string doc;     // the JSON document as served (without created/updated unless part of it)
};

// One stored file (uploads and rendered sales documents) with its bytes.
struct StoredFile {
    std::string id;
    std::string voucher_id;   // the bookkeeping or sales voucher it belongs to ("" = none)
    std::string content_type; // e.g. "application/pdf"
    std::string extension;    // e.g. "pdf"
    std::string data;         // the bytes
    std::string xml;          // an alternative e-invoice XML representation ("" = none)
};

class Store {
public:
    // Opens `path` (":memory:" or a file) and creates the schema if needed.
    explicit Store(const std::string& path);

    // True once a seed has been applied (a reopened state file is not seeded again).
    bool seeded();
    void mark_seeded();

    // Inserts or replaces an organisation (its profile fields as JSON).
    void put_organization(const std::string& org_id, const std::string& doc);
    // The organisation's JSON, or nullopt.
    std::optional<std::string> organization(const std::string& org_id);
    // Registers `api_key` (stored as a SHA-256 hash) for `org_id`.
    void add_api_key(const std::string& api_key, const std::string& org_id);
    // The organisation of `api_key`, or nullopt.
    std::optional<std::string> organization_for_key(const std::string& api_key);

    // One resource, or nullopt.
    std::optional<StoredResource> get(const std::string& org_id, const std::string& kind,
                                      const std::string& id);
    // Every resource of a kind in insertion order.
    std::vector<StoredResource> list(const std::string& org_id, const std::string& kind);
    // A value that changes whenever a resource of `kind` is created or changed (count, highest
    // sequence and sum of versions), so listings can cache what they derive from the documents.
    std::string fingerprint(const std::string& org_id, const std::string& kind);
    // Inserts or replaces a resource (a replacement keeps its insertion position).
    void put(const std::string& org_id, const std::string& kind, const StoredResource& r);
    // Removes a resource (no-op when absent).
    void remove(const std::string& org_id, const std::string& kind, const std::string& id);

    // Returns the next value of counter `name` (first value `start`) and advances it.
    std::int64_t next_number(const std::string& org_id, const std::string& name,
                             std::int64_t start);
    // Makes sure the counter's next value is above `used`.
    void reserve_number(const std::string& org_id, const std::string& name, std::int64_t used);

    // Inserts or replaces a file.
    void put_file(const std::string& org_id, const StoredFile& f);
    // One file, or nullopt.
    std::optional<StoredFile> get_file(const std::string& org_id, const std::string& id);
    // Removes a file (no-op when absent).
    void delete_file(const std::string& org_id, const std::string& id);

    // Receives (organisation, event type, resource id) of every resource change.
    using EventSink =
        std::function<void(const std::string&, const std::string&, const std::string&)>;
    // Installs the receiver of emit() (the server's webhook dispatcher).
    void set_event_sink(EventSink sink) { m_event_sink = std::move(sink); }
    // Reports a change such as ("…", "contact.created", id) after its commit; no-op without sink.
    void emit(const std::string& org_id, const std::string& event_type,
              const std::string& resource_id) {
        if (m_event_sink) {
            m_event_sink(org_id, event_type, resource_id);
        }
    }

    sqlite::Database& db() { return m_db; }

private:
    sqlite::Database m_db;
    EventSink m_event_sink;
};

} // namespace lexsync::sandbox
