// --- Interface ---
// The transactions of one input on disk: a TransactionSpool is a private temporary SQLite
// database (in $SQLITE_TMPDIR or $TMPDIR, else /var/tmp or /tmp; deleted when it is closed), so
// that `transactions export` keeps memory flat in the number of transactions. read_input(path,
// mapping, type, spool) fills it row by row; finish() then does what needs every row: hold and
// release pairs that cancel are left out, ids are derived for rows without one (numbered in file
// order), and ids that appear twice are found. for_each() reads the transactions back in file
// order, a batch at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <lexsync/records/transactions.hpp>
#include <lexsync/util/sqlite.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync::transactions {

class TransactionSpool {
public:
    // What a row is to the mapping's [holds] rule.
    enum class Hold { none, hold, release };

    // `source` names the input (TransactionInput::source of every row read back).
    explicit TransactionSpool(std::string source = {});
    TransactionSpool(const TransactionSpool&) = delete;
    TransactionSpool& operator=(const TransactionSpool&) = delete;

    // Stores `t` after the others; `link` is a release's link cell (the hold's transaction id).
    void add(const TransactionInput& t, Hold hold = Hold::none, const std::string& link = {});
    // Stores a row the mapping leaves out.
    void add_left_out(const LeftOutRow& row);
    // After the last add(): leaves out the hold/release pairs that cancel, derives the ids of rows
    // without one and checks that ids are unique. Returns the issues found (in file order: the
    // releases that do not cancel their hold, then the ids that appear twice).
    std::vector<InputIssue> finish();

    // How many transactions it holds (without those left out).
    std::int64_t size();
    // How many rows were left out (by the filters, or as hold/release pairs).
    std::int64_t left_out_count();
    // How many transactions carry a receipt, and how many a fee.
    std::int64_t receipt_count();
    std::int64_t fee_count();

    // Calls `fn` with each transaction in file order, reading a batch at a time (so `fn` may call
    // set_note()).
    void for_each(const std::function<void(TransactionInput&)>& fn);
    // The same with each transaction's number in the spool and its note.
    void for_each(const std::function<void(TransactionInput&, std::int64_t seq,
                                           const std::string& note)>& fn);
    // Keeps `note` (a caller's bytes: what became of the transaction) with transaction `seq`.
    void set_note(std::int64_t seq, std::string_view note);
    // Calls `fn` with each left-out row, by line.
    void for_each_left_out(const std::function<void(const LeftOutRow&)>& fn);

private:
    // The one number `query` selects.
    std::int64_t count(const char* query);

    sqlite::Database m_db;
    std::string m_source;
    std::optional<sqlite::Statement> m_add;
    std::optional<sqlite::Statement> m_add_left_out;
    std::optional<sqlite::Statement> m_set_note;
};

} // namespace lexsync::transactions
