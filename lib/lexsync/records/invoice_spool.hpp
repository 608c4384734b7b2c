// --- Interface ---
// Invoices on disk: a Spool is a private temporary SQLite database (in $SQLITE_TMPDIR or $TMPDIR,
// else /var/tmp or /tmp; deleted when it is closed) that holds the invoices of one input, so that
// a command keeps memory flat in their number. read_invoices(path, opts, spool) fills it: the rows
// of one invoice that follow each other are built in memory, and a number that reappears after
// another one is continued from the spool. Callers may add their own tables to db() (which is
// inside one transaction for the spool's whole life).
#pragma once

#include <cstdint>
#include <functional>
#include <lexsync/records/invoices.hpp>
#include <lexsync/util/sqlite.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace lexsync::invoices {

// `inv` as bytes and back: everything but `columns` (shared by the invoices of one file; the
// reader of the bytes attaches them again).
std::string encode(const Invoice& inv);
Invoice decode(std::string_view bytes);

class Spool {
public:
    Spool();
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;

    // Stores `inv` with `extra` bytes (the reader's state of it); an invoice with the same
    // non-empty number is replaced.
    void put(const Invoice& inv, std::string_view extra = {});
    // Stores `inv` after the others, whatever its number (invoices that were not read from rows).
    // A spool is filled either by put() or by append().
    void append(const Invoice& inv);
    // The invoice stored with `number` and its extra bytes, if any.
    std::optional<std::pair<Invoice, std::string>> find(const std::string& number);
    // How many invoices it holds.
    std::int64_t size();
    // Calls `fn` with each invoice in file order (by first line; on one line those with a number
    // first, each in the order they were first stored; appended ones in their order), `columns`
    // attached. Reads a batch at a time, so `fn` may write to db().
    void for_each(const std::function<void(Invoice&)>& fn);
    // Where the invoices' columns are (CSV input), attached to every invoice read back.
    void set_columns(std::shared_ptr<const ColumnPositions> columns) {
        m_columns = std::move(columns);
    }
    const std::shared_ptr<const ColumnPositions>& columns() const { return m_columns; }

    sqlite::Database& db() { return m_db; }

private:
    sqlite::Database m_db;
    std::optional<sqlite::Statement> m_put_orphan;
    std::optional<sqlite::Statement> m_put_numbered;
    std::optional<sqlite::Statement> m_find;
    std::shared_ptr<const ColumnPositions> m_columns;
};

} // namespace lexsync::invoices
