// --- Interface ---
// A thin RAII wrapper over the SQLite C API, shared by the ledger and the sandbox.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace lexsync::sqlite {

class SqliteError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Statement;

// An open database connection (":memory:" or a file). Throws SqliteError on failure: SQLite
// errors are not expected outcomes but broken state directories.
class Database {
public:
    explicit Database(const std::string& path);
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    // Runs one or more statements without results.
    void exec(std::string_view sql);
    Statement prepare(std::string_view sql);
    std::int64_t last_insert_rowid() const;
    int changes() const;
    sqlite3* handle() { return m_db; }

private:
    sqlite3* m_db = nullptr;
};

// A prepared statement; bind parameters are 1-based, columns 0-based.
class Statement {
public:
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bind_null(int index);
    Statement& bind_blob(int index, std::string_view bytes);
    // Steps once: true when a row is available.
    bool step();
    // Steps until done (for statements without results).
    void run();
    void reset();

    std::string column_text(int col) const;
    std::int64_t column_int(int col) const;
    bool column_is_null(int col) const;
    std::optional<std::string> column_optional_text(int col) const;

private:
    friend class Database;
    Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
};

// BEGIN IMMEDIATE … COMMIT, rolled back unless commit() was called.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    void commit();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

private:
    Database& m_db;
    bool m_done = false;
};

} // namespace lexsync::sqlite
