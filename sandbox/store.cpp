#include "sandbox/store.hpp"

#include "sandbox/support.hpp"

#include <algorithm>

namespace lexsync::sandbox {

namespace {

constexpr const char* k_schema = R"(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS organizations (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (key_hash TEXT PRIMARY KEY, org_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (
  org_id TEXT NOT NULL, name TEXT NOT NULL, next_value INTEGER NOT NULL,
  PRIMARY KEY (org_id, name));
CREATE TABLE IF NOT EXISTS resources (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
  version INTEGER NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, doc TEXT NOT NULL,
  UNIQUE (org_id, kind, id));
CREATE TABLE IF NOT EXISTS files (
  org_id TEXT NOT NULL, id TEXT NOT NULL, voucher_id TEXT NOT NULL, content_type TEXT NOT NULL,
  extension TEXT NOT NULL, data BLOB NOT NULL, xml BLOB NOT NULL, PRIMARY KEY (org_id, id));
)";

StoredResource read_resource(sqlite::Statement& st) {
    StoredResource r;
    r.id = st.column_text(0);
    r.version = st.column_int(1);
    r.created = st.column_text(2);
    r.updated = st.column_text(3);
    r.doc = st.column_text(4);
    return r;
}

} // namespace

Store::Store(const std::string& path) : m_db(path) {
    m_db.exec("PRAGMA journal_mode=WAL;");
    m_db.exec(k_schema);
}

bool Store::seeded() {
    auto st = m_db.prepare("SELECT value FROM meta WHERE key = 'seeded'");
    return st.step();
}

void Store::mark_seeded() {
    m_db.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('seeded', '1')");
}

void Store::put_organization(const std::string& org_id, const std::string& doc) {
    m_db.prepare("INSERT OR REPLACE INTO organizations (id, doc) VALUES (?, ?)")
        .bind(1, org_id)
        .bind(2, doc)
        .run();
}

std::optional<std::string> Store::organization(const std::string& org_id) {
    auto st = m_db.prepare("SELECT doc FROM organizations WHERE id = ?");
    st.bind(1, org_id);
    if (!st.step()) {
        return std::nullopt;
    }
    return st.column_text(0);
}

void Store::add_api_key(const std::string& api_key, const std::string& org_id) {
    m_db.prepare("INSERT OR REPLACE INTO api_keys (key_hash, org_id) VALUES (?, ?)")
        .bind(1, sha256_hex(api_key))
        .bind(2, org_id)
        .run();
}

std::optional<std::string> Store::organization_for_key(const std::string& api_key) {
    auto st = m_db.prepare("SELECT org_id FROM api_keys WHERE key_hash = ?");
    st.bind(1, sha256_hex(api_key));
    if (!st.step()) {
        return std::nullopt;
    }
    return st.column_text(0);
}

std::optional<StoredResource> Store::get(const std::string& org_id, const std::string& kind,
                                         const std::string& id) {
    auto st = m_db.prepare("SELECT id, version, created, updated, doc FROM resources "
                           "WHERE org_id = ? AND kind = ? AND id = ?");
    st.bind(1, org_id).bind(2, kind).bind(3, id);
    if (!st.step()) {
        return std::nullopt;
    }
    return read_resource(st);
}

std::vector<StoredResource> Store::list(const std::string& org_id, const std::string& kind) {
    auto st = m_db.prepare("SELECT id, version, created, updated, doc FROM resources "
                           "WHERE org_id = ? AND kind = ? ORDER BY seq");
    st.bind(1, org_id).bind(2, kind);
    std::vector<StoredResource> out;
    while (st.step()) {
        out.push_back(read_resource(st));
    }
    return out;
}

std::string Store::fingerprint(const std::string& org_id, const std::string& kind) {
    auto st = m_db.prepare(
        "SELECT COUNT(*), COALESCE(MAX(seq), 0), COALESCE(SUM(version), 0) FROM resources "
        "WHERE org_id = ? AND kind = ?");
    st.bind(1, org_id).bind(2, kind);
    st.step();
    return std::to_string(st.column_int(0)) + ":" + std::to_string(st.column_int(1)) + ":" +
           std::to_string(st.column_int(2));
}

void Store::put(const std::string& org_id, const std::string& kind, const StoredResource& r) {
    m_db.prepare("INSERT INTO resources (org_id, kind, id, version, created, updated, doc) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, kind, id) DO UPDATE SET "
                 "version = excluded.version, created = excluded.created, "
                 "updated = excluded.updated, doc = excluded.doc")
        .bind(1, org_id)
        .bind(2, kind)
        .bind(3, r.id)
        .bind(4, r.version)
        .bind(5, r.created)
        .bind(6, r.updated)
        .bind(7, r.doc)
        .run();
}

void Store::remove(const std::string& org_id, const std::string& kind, const std::string& id) {
    m_db.prepare("DELETE FROM resources WHERE org_id = ? AND kind = ? AND id = ?")
        .bind(1, org_id)
        .bind(2, kind)
        .bind(3, id)
        .run();
}

std::int64_t Store::next_number(const std::string& org_id, const std::string& name,
                                std::int64_t start) {
    auto st = m_db.prepare("SELECT next_value FROM counters WHERE org_id = ? AND name = ?");
    st.bind(1, org_id).bind(2, name);
    std::int64_t value = start;
    if (st.step()) {
        value = std::max(start, st.column_int(0));
    }
    m_db.prepare("INSERT OR REPLACE INTO counters (org_id, name, next_value) VALUES (?, ?, ?)")
        .bind(1, org_id)
        .bind(2, name)
        .bind(3, value + 1)
        .run();
    return value;
}

void Store::reserve_number(const std::string& org_id, const std::string& name, std::int64_t used) {
    auto st = m_db.prepare("SELECT next_value FROM counters WHERE org_id = ? AND name = ?");
    st.bind(1, org_id).bind(2, name);
    if (st.step() && st.column_int(0) > used) {
        return;
    }
    m_db.prepare("INSERT OR REPLACE INTO counters (org_id, name, next_value) VALUES (?, ?, ?)")
        .bind(1, org_id)
        .bind(2, name)
        .bind(3, used + 1)
        .run();
}

void Store::put_file(const std::string& org_id, const StoredFile& f) {
    m_db.prepare("INSERT OR REPLACE INTO files (org_id, id, voucher_id, content_type, extension, "
                 "data, xml) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(1, org_id)
        .bind(2, f.id)
        .bind(3, f.voucher_id)
        .bind(4, f.content_type)
        .bind(5, f.extension)
        .bind_blob(6, f.data)
        .bind_blob(7, f.xml)
        .run();
}

std::optional<StoredFile> Store::get_file(const std::string& org_id, const std::string& id) {
    auto st = m_db.prepare("SELECT id, voucher_id, content_type, extension, data, xml FROM files "
                           "WHERE org_id = ? AND id = ?");
    st.bind(1, org_id).bind(2, id);
    if (!st.step()) {
        return std::nullopt;
    }
    StoredFile f;
    f.id = st.column_text(0);
    f.voucher_id = st.column_text(1);
    f.content_type = st.column_text(2);
    f.extension = st.column_text(3);
    f.data = st.column_text(4);
    f.xml = st.column_text(5);
    return f;
}

void Store::delete_file(const std::string& org_id, const std::string& id) {
    m_db.prepare("DELETE FROM files WHERE org_id = ? AND id = ?").bind(1, org_id).bind(2, id).run();
}

} // namespace lexsync::sandbox
