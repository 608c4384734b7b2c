#include <fmt/format.h>
#include <lexsync/records/transaction_spool.hpp>
#include <lexsync/util/encoding.hpp>

namespace lexsync::transactions {

namespace {

constexpr std::int64_t k_batch = 256;

// The columns of a transaction, in the order add() binds them (from ?1) and read() reads them
// (from column 1, after seq).
constexpr const char* k_columns =
    "line, booking_date, value_date, amount, currency, purpose, counterparty_name, "
    "counterparty_iban, counterparty_email, id, posting_category, tax_rate, receipt_file, "
    "receipt_number, voucher_type, fee, fee_tax_rate, fee_category, content, hold, link";

void bind_decimal(sqlite::Statement& st, int i, const std::optional<Decimal>& d) {
    if (d) {
        st.bind(i, d->units());
    } else {
        st.bind_null(i);
    }
}

std::optional<Decimal> column_decimal(const sqlite::Statement& st, int col) {
    if (st.column_is_null(col)) {
        return std::nullopt;
    }
    return Decimal::from_units(st.column_int(col));
}

// The transaction in the current row of `st` (seq, the columns of k_columns, then n and note).
TransactionInput read(const sqlite::Statement& st, const std::string& source) {
    TransactionInput t;
    t.source = source;
    t.line = static_cast<long>(st.column_int(1));
    t.booking_date = st.column_text(2);
    t.value_date = st.column_text(3);
    t.amount = Decimal::from_units(st.column_int(4));
    t.currency = st.column_text(5);
    t.purpose = st.column_text(6);
    t.counterparty_name = st.column_text(7);
    t.counterparty_iban = st.column_text(8);
    t.counterparty_email = st.column_text(9);
    t.transaction_id = st.column_text(10);
    t.posting_category = st.column_text(11);
    t.tax_rate = column_decimal(st, 12);
    t.receipt_file = st.column_text(13);
    t.receipt_number = st.column_text(14);
    t.voucher_type = st.column_text(15);
    t.fee = column_decimal(st, 16);
    t.fee_tax_rate = column_decimal(st, 17);
    t.fee_category = st.column_text(18);
    if (t.transaction_id.empty()) {
        // Stable as long as the row's content stays the same; repeats of identical rows are told
        // apart by their order.
        t.transaction_id = "h" + st.column_text(19) + "-" + std::to_string(st.column_int(22));
        t.derived_id = true;
        if (t.purpose.empty()) {
            t.purpose = t.transaction_id;
        }
    }
    return t;
}

} // namespace

TransactionSpool::TransactionSpool(std::string source) : m_db(""), m_source(std::move(source)) {
    // A scratch copy: nothing to recover after a crash, so no journal, no syncing, and one
    // transaction for its whole life, never committed. `content` is the hash a derived id is made
    // of (rows without an id), `n` its number among the rows of the same content; `dropped` marks
    // hold/release pairs that cancel.
    m_db.exec(fmt::format(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4096;"
        "CREATE TABLE tx(seq INTEGER PRIMARY KEY, line INTEGER NOT NULL, booking_date TEXT, "
        "value_date TEXT, amount INTEGER NOT NULL, currency TEXT, purpose TEXT, counterparty_name "
        "TEXT, counterparty_iban TEXT, counterparty_email TEXT, id TEXT NOT NULL, "
        "posting_category TEXT, tax_rate INTEGER, receipt_file TEXT, receipt_number TEXT, "
        "voucher_type TEXT, fee INTEGER, fee_tax_rate INTEGER, fee_category TEXT, content TEXT, "
        "hold INTEGER NOT NULL, link TEXT, dropped INTEGER NOT NULL DEFAULT 0, n INTEGER, note "
        "BLOB);"
        "CREATE INDEX tx_id ON tx(id) WHERE id <> '';"
        "CREATE INDEX tx_release ON tx(seq) WHERE hold = {};"
        "CREATE TABLE left_out(seq INTEGER PRIMARY KEY, line INTEGER NOT NULL, transaction_id "
        "TEXT, reason TEXT);"
        "CREATE INDEX left_out_order ON left_out(line, seq);"
        "BEGIN",
        static_cast<int>(Hold::release)));
}

void TransactionSpool::add(const TransactionInput& t, Hold hold, const std::string& link) {
    if (!m_add) {
        m_add = m_db.prepare(fmt::format("INSERT INTO tx({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                                         "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
                                         "?19, ?20, ?21)",
                                         k_columns));
    }
    auto& st = *m_add;
    st.reset();
    st.bind(1, static_cast<std::int64_t>(t.line));
    st.bind(2, t.booking_date).bind(3, t.value_date).bind(4, t.amount.units());
    st.bind(5, t.currency).bind(6, t.purpose).bind(7, t.counterparty_name);
    st.bind(8, t.counterparty_iban).bind(9, t.counterparty_email).bind(10, t.transaction_id);
    st.bind(11, t.posting_category);
    bind_decimal(st, 12, t.tax_rate);
    st.bind(13, t.receipt_file).bind(14, t.receipt_number).bind(15, t.voucher_type);
    bind_decimal(st, 16, t.fee);
    bind_decimal(st, 17, t.fee_tax_rate);
    st.bind(18, t.fee_category);
    if (t.transaction_id.empty()) {
        const std::string content =
            fmt::format("{}|{}|{}|{}|{}|{}", t.booking_date, t.value_date, t.amount.to_string(),
                        t.purpose, t.counterparty_name, t.counterparty_iban);
        st.bind(19, sha256_hex(content).substr(0, 20));
    } else {
        st.bind_null(19);
    }
    st.bind(20, static_cast<std::int64_t>(hold));
    st.bind(21, link);
    st.run();
    st.reset();
}

void TransactionSpool::add_left_out(const LeftOutRow& row) {
    if (!m_add_left_out) {
        m_add_left_out =
            m_db.prepare("INSERT INTO left_out(line, transaction_id, reason) VALUES (?1, ?2, ?3)");
    }
    auto& st = *m_add_left_out;
    st.reset();
    st.bind(1, static_cast<std::int64_t>(row.line)).bind(2, row.transaction_id).bind(3, row.reason);
    st.run();
    st.reset();
}

std::vector<InputIssue> TransactionSpool::finish() {
    std::vector<InputIssue> issues;
    // Hold/release pairs: each release (in file order) with the first hold of the id it links to,
    // unless that hold was taken by an earlier release. A hold in an earlier export is not in the
    // input: then the release moves the balance.
    struct Release {
        std::int64_t seq;
        long line;
        std::string id;
        std::string link;
        Decimal amount;
        Decimal delta;
    };
    std::int64_t after = 0;
    for (;;) {
        std::vector<Release> batch;
        {
            auto st = m_db.prepare("SELECT seq, line, id, link, amount, amount + COALESCE(fee, 0) "
                                   "FROM tx WHERE hold = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
            st.bind(1, static_cast<std::int64_t>(Hold::release)).bind(2, after).bind(3, k_batch);
            while (st.step()) {
                batch.push_back(Release{st.column_int(0), static_cast<long>(st.column_int(1)),
                                        st.column_text(2), st.column_text(3),
                                        Decimal::from_units(st.column_int(4)),
                                        Decimal::from_units(st.column_int(5))});
            }
        }
        if (batch.empty()) {
            break;
        }
        after = batch.back().seq;
        auto find = m_db.prepare("SELECT seq, line, id, amount, amount + COALESCE(fee, 0), dropped "
                                 "FROM tx WHERE id = ?1 AND id <> '' AND hold = ?2 ORDER BY seq "
                                 "LIMIT 1");
        auto drop = m_db.prepare("UPDATE tx SET dropped = 1 WHERE seq = ?1");
        for (const Release& r : batch) {
            find.reset();
            find.bind(1, r.link).bind(2, static_cast<std::int64_t>(Hold::hold));
            if (!find.step() || find.column_int(5) != 0) {
                continue;
            }
            const std::int64_t hold_seq = find.column_int(0);
            const long hold_line = static_cast<long>(find.column_int(1));
            const std::string hold_id = find.column_text(2);
            const Decimal hold_amount = Decimal::from_units(find.column_int(3));
            const Decimal hold_delta = Decimal::from_units(find.column_int(4));
            find.reset();
            if (hold_delta + r.delta != Decimal()) {
                issues.push_back(InputIssue{
                    m_source, r.line, "amount",
                    fmt::format("the release {} does not cancel its hold {} on line {} ({})",
                                r.amount.to_fixed(2), hold_amount.to_fixed(2), hold_line,
                                hold_id)});
                continue;
            }
            for (const std::int64_t seq : {hold_seq, r.seq}) {
                drop.reset();
                drop.bind(1, seq);
                drop.run();
            }
            add_left_out(LeftOutRow{
                hold_line, hold_id,
                fmt::format("a hold released on line {} ({}): the two cancel", r.line, r.id)});
            add_left_out(LeftOutRow{r.line, r.id,
                                    fmt::format("releases the hold on line {} ({}): the two cancel",
                                                hold_line, hold_id)});
        }
    }
    // Derived ids: numbered among the rows of the same content, in file order.
    m_db.exec("UPDATE tx SET n = d.n FROM (SELECT seq, row_number() OVER (PARTITION BY content "
              "ORDER BY seq) AS n FROM tx WHERE id = '' AND dropped = 0) AS d WHERE tx.seq = "
              "d.seq");
    // Ids given twice: every repeat names the first row with that id.
    auto dup = m_db.prepare(
        "SELECT t.line, t.id, f.line FROM (SELECT id, min(seq) AS first FROM tx WHERE id <> '' "
        "AND dropped = 0 GROUP BY id HAVING count(*) > 1) AS d JOIN tx AS t ON t.id = d.id AND "
        "t.id <> '' JOIN tx AS f ON f.seq = d.first WHERE t.dropped = 0 AND t.seq <> d.first "
        "ORDER BY t.seq");
    while (dup.step()) {
        issues.push_back(InputIssue{m_source, static_cast<long>(dup.column_int(0)),
                                    "transaction_id",
                                    fmt::format("'{}' appears twice (also on line {})",
                                                dup.column_text(1), dup.column_int(2))});
    }
    return issues;
}

std::int64_t TransactionSpool::count(const char* query) {
    auto st = m_db.prepare(query);
    return st.step() ? st.column_int(0) : 0;
}

std::int64_t TransactionSpool::size() {
    return count("SELECT count(*) FROM tx WHERE dropped = 0");
}

std::int64_t TransactionSpool::left_out_count() {
    return count("SELECT count(*) FROM left_out");
}

std::int64_t TransactionSpool::receipt_count() {
    return count("SELECT count(*) FROM tx WHERE dropped = 0 AND receipt_file <> ''");
}

std::int64_t TransactionSpool::fee_count() {
    return count("SELECT count(*) FROM tx WHERE dropped = 0 AND fee IS NOT NULL");
}

void TransactionSpool::for_each(const std::function<void(TransactionInput&)>& fn) {
    for_each([&](TransactionInput& t, std::int64_t, const std::string&) { fn(t); });
}

void TransactionSpool::for_each(
    const std::function<void(TransactionInput&, std::int64_t, const std::string&)>& fn) {
    std::int64_t after = 0;
    struct Read {
        TransactionInput t;
        std::int64_t seq;
        std::string note;
    };
    std::vector<Read> batch;
    for (;;) {
        batch.clear();
        {
            auto st = m_db.prepare(fmt::format("SELECT seq, {}, n, note FROM tx WHERE seq > ?1 "
                                               "AND dropped = 0 ORDER BY seq LIMIT ?2",
                                               k_columns));
            st.bind(1, after).bind(2, k_batch);
            while (st.step()) {
                after = st.column_int(0);
                batch.push_back(Read{read(st, m_source), after, st.column_text(23)});
            }
        }
        if (batch.empty()) {
            return;
        }
        for (auto& r : batch) {
            fn(r.t, r.seq, r.note);
        }
    }
}

void TransactionSpool::set_note(std::int64_t seq, std::string_view note) {
    if (!m_set_note) {
        m_set_note = m_db.prepare("UPDATE tx SET note = ?2 WHERE seq = ?1");
    }
    auto& st = *m_set_note;
    st.reset();
    st.bind(1, seq).bind_blob(2, note);
    st.run();
    st.reset();
}

void TransactionSpool::for_each_left_out(const std::function<void(const LeftOutRow&)>& fn) {
    std::int64_t line = -1;
    std::int64_t seq = -1;
    std::vector<LeftOutRow> batch;
    for (;;) {
        batch.clear();
        {
            auto st = m_db.prepare("SELECT line, seq, transaction_id, reason FROM left_out WHERE "
                                   "(line, seq) > (?1, ?2) ORDER BY line, seq LIMIT ?3");
            st.bind(1, line).bind(2, seq).bind(3, k_batch);
            while (st.step()) {
                line = st.column_int(0);
                seq = st.column_int(1);
                batch.push_back(
                    LeftOutRow{static_cast<long>(line), st.column_text(2), st.column_text(3)});
            }
        }
        if (batch.empty()) {
            return;
        }
        for (const auto& l : batch) {
            fn(l);
        }
    }
}

} // namespace lexsync::transactions
