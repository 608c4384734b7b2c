// The state store: one SQLite file per profile (state.db in the state directory).
//
// The schema version is SQLite's `PRAGMA user_version`; each entry of k_migrations moves the
// database one version up inside a transaction. Journal mode is WAL with synchronous=FULL, so a
// committed mark_pending() is on disk before the request it announces is sent.
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fmt/format.h>
#include <lexsync/store/settle.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <openssl/evp.h>
#include <stdexcept>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace lexsync {

namespace {

// Schema migrations; entry i moves the schema from version i to i + 1. Never edit an entry that
// has shipped: append a new one.
constexpr std::array<const char*, 2> k_migrations = {
    R"sql(
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    summary TEXT
);
CREATE TABLE ledger (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    content_hash TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    remote_id TEXT NOT NULL DEFAULT '',
    remote_version INTEGER NOT NULL DEFAULT 0,
    remote_number TEXT NOT NULL DEFAULT '',
    run_id INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX ledger_status ON ledger (kind, status);
CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
)sql",
    // The lexoffice account the ledger belongs to (one row).
    R"sql(
CREATE TABLE account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    organization_id TEXT NOT NULL,
    base_url TEXT NOT NULL,
    company_name TEXT NOT NULL DEFAULT '',
    bound_at TEXT NOT NULL
);
)sql",
};

constexpr const char* k_now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

constexpr const char* k_entry_columns =
    "kind, key, content_hash, status, remote_id, remote_version, remote_number, run_id, updated_at";

LedgerEntry read_entry(const sqlite::Statement& st) {
    LedgerEntry e;
    e.kind = st.column_text(0);
    e.key = st.column_text(1);
    e.content_hash = st.column_text(2);
    e.status = st.column_text(3);
    e.remote_id = st.column_text(4);
    e.remote_version = st.column_int(5);
    e.remote_number = st.column_text(6);
    e.run_id = st.column_int(7);
    e.updated_at = st.column_text(8);
    return e;
}

// Creates the directory of `db_file` with 0700 and the file itself with 0600 before SQLite
// opens it (SQLite would use 0644 minus umask).
sqlite::Database open_private(const std::filesystem::path& db_file) {
    const auto dir = db_file.parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
        try {
            create_private_directories(dir);
        } catch (const std::runtime_error& e) {
            throw sqlite::SqliteError(e.what());
        }
    }
    const int fd = ::open(db_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw sqlite::SqliteError(
            fmt::format("cannot open {}: {}", db_file.string(), std::strerror(errno)));
    }
    ::close(fd);
    return sqlite::Database(db_file.string());
}

void migrate(sqlite::Database& db, const std::filesystem::path& db_file) {
    auto read_version = [&] {
        auto st = db.prepare("PRAGMA user_version");
        st.step();
        return st.column_int(0);
    };
    const auto latest = static_cast<std::int64_t>(k_migrations.size());
    if (read_version() > latest) {
        throw sqlite::SqliteError(fmt::format(
            "{} has schema version {}, newer than this lexsync understands ({}); upgrade lexsync",
            db_file.string(), read_version(), latest));
    }
    while (true) {
        sqlite::Transaction tx(db);
        // Read inside the write transaction: a concurrent process may have migrated meanwhile.
        const auto version = read_version();
        if (version >= latest) {
            break;
        }
        db.exec(k_migrations[static_cast<std::size_t>(version)]);
        db.exec(fmt::format("PRAGMA user_version = {}", version + 1));
        tx.commit();
    }
}

// Switches `db` to WAL. Two processes opening a new database at once race for this switch, and
// SQLite answers the loser "database is locked" without waiting, so wait and try again here.
void use_wal(sqlite::Database& db) {
    for (int attempt = 0;; ++attempt) {
        try {
            bool wal = false;
            {
                // Finalised before the switch: an open statement keeps a read transaction.
                auto st = db.prepare("PRAGMA journal_mode");
                wal = st.step() && st.column_text(0) == "wal";
            }
            if (!wal) {
                db.exec("PRAGMA journal_mode = WAL");
            }
            return;
        } catch (const sqlite::SqliteError&) {
            if (attempt >= 300) {
                throw;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
}

} // namespace

StateStore::StateStore(const std::filesystem::path& db_file) : m_db(open_private(db_file)) {
    use_wal(m_db);
    m_db.exec("PRAGMA synchronous = FULL");
    m_db.exec("PRAGMA foreign_keys = ON");
    migrate(m_db, db_file);
}

std::int64_t StateStore::begin_run(const std::string& command) {
    sqlite::Transaction tx(m_db);
    m_db
        .prepare(fmt::format(
            "INSERT INTO runs (command, started_at, status) VALUES (?1, {}, 'running')", k_now))
        .bind(1, command)
        .run();
    const auto id = m_db.last_insert_rowid();
    tx.commit();
    return id;
}

void StateStore::finish_run(std::int64_t run_id, const std::string& status,
                            const std::string& summary_json) {
    sqlite::Transaction tx(m_db);
    m_db
        .prepare(fmt::format(
            "UPDATE runs SET finished_at = {}, status = ?2, summary = ?3 WHERE id = ?1", k_now))
        .bind(1, run_id)
        .bind(2, status)
        .bind(3, summary_json)
        .run();
    tx.commit();
}

std::optional<LedgerEntry> StateStore::get(const std::string& kind, const std::string& key) {
    auto st = m_db.prepare(
        fmt::format("SELECT {} FROM ledger WHERE kind = ?1 AND key = ?2", k_entry_columns));
    st.bind(1, kind).bind(2, key);
    if (!st.step()) {
        return std::nullopt;
    }
    return read_entry(st);
}

void StateStore::mark_pending(const std::string& kind, const std::string& key,
                              const std::string& content_hash, std::int64_t run_id) {
    // An update of a known item keeps its remote id, version and number for reconciliation.
    sqlite::Transaction tx(m_db);
    m_db.prepare(fmt::format(R"sql(
INSERT INTO ledger (kind, key, content_hash, status, run_id, updated_at)
VALUES (?1, ?2, ?3, 'pending', ?4, {0})
ON CONFLICT (kind, key) DO UPDATE SET
    content_hash = excluded.content_hash, status = 'pending', run_id = excluded.run_id,
    updated_at = excluded.updated_at)sql",
                             k_now))
        .bind(1, kind)
        .bind(2, key)
        .bind(3, content_hash)
        .bind(4, run_id)
        .run();
    tx.commit();
}

void StateStore::mark_done(const LedgerEntry& entry) {
    sqlite::Transaction tx(m_db);
    m_db.prepare(fmt::format(R"sql(
INSERT INTO ledger (kind, key, content_hash, status, remote_id, remote_version, remote_number, run_id,
                    updated_at)
VALUES (?1, ?2, ?3, 'done', ?4, ?5, ?6, ?7, {0})
ON CONFLICT (kind, key) DO UPDATE SET
    content_hash = excluded.content_hash, status = 'done', remote_id = excluded.remote_id,
    remote_version = excluded.remote_version, remote_number = excluded.remote_number,
    run_id = excluded.run_id, updated_at = excluded.updated_at)sql",
                             k_now))
        .bind(1, entry.kind)
        .bind(2, entry.key)
        .bind(3, entry.content_hash)
        .bind(4, entry.remote_id)
        .bind(5, entry.remote_version)
        .bind(6, entry.remote_number)
        .bind(7, entry.run_id)
        .run();
    tx.commit();
}

void StateStore::forget(const std::string& kind, const std::string& key) {
    sqlite::Transaction tx(m_db);
    m_db.prepare("DELETE FROM ledger WHERE kind = ?1 AND key = ?2")
        .bind(1, kind)
        .bind(2, key)
        .run();
    tx.commit();
}

std::vector<LedgerEntry> StateStore::pending(const std::string& kind) {
    auto st = m_db.prepare(fmt::format(
        "SELECT {} FROM ledger WHERE kind = ?1 AND status = 'pending' ORDER BY updated_at, key",
        k_entry_columns));
    st.bind(1, kind);
    std::vector<LedgerEntry> out;
    while (st.step()) {
        out.push_back(read_entry(st));
    }
    return out;
}

std::int64_t StateStore::count_done(const std::string& kind) {
    auto st = m_db.prepare("SELECT COUNT(*) FROM ledger WHERE kind = ?1 AND status = 'done'");
    st.bind(1, kind);
    st.step();
    return st.column_int(0);
}

std::optional<std::pair<std::string, std::string>> StateStore::bound_account() {
    auto st = m_db.prepare("SELECT organization_id, base_url FROM account WHERE id = 1");
    if (!st.step()) {
        return std::nullopt;
    }
    return std::make_pair(st.column_text(0), st.column_text(1));
}

void StateStore::bind_account(const std::string& organization_id, const std::string& base_url,
                              const std::string& company_name) {
    sqlite::Transaction tx(m_db);
    m_db.prepare(fmt::format(R"sql(
INSERT INTO account (id, organization_id, base_url, company_name, bound_at)
VALUES (1, ?1, ?2, ?3, {0})
ON CONFLICT (id) DO UPDATE SET base_url = excluded.base_url,
    company_name = excluded.company_name
WHERE organization_id = excluded.organization_id)sql",
                             k_now))
        .bind(1, organization_id)
        .bind(2, base_url)
        .bind(3, company_name)
        .run();
    tx.commit();
}

std::vector<LedgerEntry> StateStore::entries(const std::string& kind) {
    auto st = m_db.prepare(
        fmt::format("SELECT {} FROM ledger WHERE kind = ?1 ORDER BY key", k_entry_columns));
    st.bind(1, kind);
    std::vector<LedgerEntry> out;
    while (st.step()) {
        out.push_back(read_entry(st));
    }
    return out;
}

std::optional<std::string> StateStore::cursor(const std::string& name) {
    auto st = m_db.prepare("SELECT value FROM cursors WHERE name = ?1");
    st.bind(1, name);
    if (!st.step()) {
        return std::nullopt;
    }
    return st.column_text(0);
}

void StateStore::set_cursor(const std::string& name, const std::string& value) {
    sqlite::Transaction tx(m_db);
    m_db.prepare("INSERT INTO cursors (name, value) VALUES (?1, ?2) "
                 "ON CONFLICT (name) DO UPDATE SET value = excluded.value")
        .bind(1, name)
        .bind(2, value)
        .run();
    tx.commit();
}

Clock::time_point settled_at(const LedgerEntry& entry, std::chrono::milliseconds timeout) {
    // updated_at is strftime('%Y-%m-%dT%H:%M:%fZ'): UTC with milliseconds.
    std::tm tm{};
    int millis = 0;
    double seconds = 0;
    if (std::sscanf(entry.updated_at.c_str(), "%4d-%2d-%2dT%2d:%2d:%lfZ", &tm.tm_year, &tm.tm_mon,
                    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &seconds) != 6 ||
        seconds < 0 || seconds >= 61) {
        return Clock::time_point{};
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_sec = static_cast<int>(seconds);
    millis = static_cast<int>((seconds - tm.tm_sec) * 1000);
    const std::time_t t = ::timegm(&tm);
    if (t == static_cast<std::time_t>(-1)) {
        return Clock::time_point{};
    }
    return std::chrono::time_point_cast<Clock::duration>(std::chrono::system_clock::from_time_t(t) +
                                                         std::chrono::milliseconds(millis) +
                                                         timeout + std::chrono::seconds(1));
}

bool is_settled(const LedgerEntry& entry, Clock::time_point now,
                std::chrono::milliseconds timeout) {
    return entry.status != "pending" || settled_at(entry, timeout) <= now;
}

Clock::time_point settled_at(const std::vector<LedgerEntry>& entries,
                             std::chrono::milliseconds timeout) {
    Clock::time_point latest{};
    for (const auto& e : entries) {
        latest = std::max(latest, settled_at(e, timeout));
    }
    return latest;
}

Clock::duration wait_until_settled(Clock& clock, const std::vector<LedgerEntry>& entries,
                                   std::chrono::milliseconds timeout, const SettleNotice& notice) {
    const Clock::time_point latest = settled_at(entries, timeout);
    const auto now = clock.now();
    const auto left = latest > now ? latest - now : Clock::duration::zero();
    if (notice) {
        notice(left);
    }
    if (left > Clock::duration::zero()) {
        clock.sleep_for(left);
    }
    return left;
}

} // namespace lexsync
