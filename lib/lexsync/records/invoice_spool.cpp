#include <lexsync/records/invoice_spool.hpp>
#include <stdexcept>

namespace lexsync::invoices {

namespace {

// Unsigned numbers as 7-bit groups, signed ones zig-zagged, strings with their length first.
class Out {
public:
    void u(std::uint64_t v) {
        while (v >= 0x80) {
            m_s += static_cast<char>((v & 0x7F) | 0x80);
            v >>= 7;
        }
        m_s += static_cast<char>(v);
    }
    void i(std::int64_t v) {
        u((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
    }
    void str(std::string_view s) {
        u(s.size());
        m_s.append(s);
    }
    void date(Date d) {
        i(static_cast<int>(d.year()));
        u(static_cast<unsigned>(d.month()));
        u(static_cast<unsigned>(d.day()));
    }
    void dec(Decimal d) { i(d.units()); }
    template <class T, class F> void opt(const std::optional<T>& v, F&& put) {
        u(v ? 1 : 0);
        if (v) {
            put(*v);
        }
    }
    std::string take() { return std::move(m_s); }

private:
    std::string m_s;
};

class In {
public:
    explicit In(std::string_view s) : m_s(s) {}
    std::uint64_t u() {
        std::uint64_t v = 0;
        for (int shift = 0;; shift += 7) {
            if (m_at >= m_s.size() || shift > 63) {
                throw std::runtime_error("invoice spool: damaged record");
            }
            const auto b = static_cast<unsigned char>(m_s[m_at++]);
            v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
    }
    std::int64_t i() {
        const std::uint64_t z = u();
        return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
    }
    std::string str() {
        const auto n = static_cast<std::size_t>(u());
        if (n > m_s.size() - m_at) {
            throw std::runtime_error("invoice spool: damaged record");
        }
        std::string s(m_s.substr(m_at, n));
        m_at += n;
        return s;
    }
    Date date() {
        const auto y = static_cast<int>(i());
        const auto m = static_cast<unsigned>(u());
        const auto d = static_cast<unsigned>(u());
        return Date{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
    }
    Decimal dec() { return Decimal::from_units(i()); }
    template <class T, class F> std::optional<T> opt(F&& get) {
        if (u() == 0) {
            return std::nullopt;
        }
        return get();
    }

private:
    std::string_view m_s;
    std::size_t m_at = 0;
};

constexpr std::int64_t k_batch = 256;

} // namespace

std::string encode(const Invoice& inv) {
    Out o;
    auto date = [&](Date d) { o.date(d); };
    auto dec = [&](Decimal d) { o.dec(d); };
    auto num = [&](auto v) { o.i(v); };
    o.str(inv.file);
    o.i(inv.line);
    o.str(inv.number);
    o.u(inv.kind == Kind::credit_note ? 1 : 0);
    o.str(inv.corrects);
    o.date(inv.date);
    o.opt(inv.service_date, date);
    o.opt(inv.service_end_date, date);
    o.str(inv.shipping_type);
    o.opt(inv.due_date, date);
    o.opt(inv.payment_terms, num);
    o.opt(inv.payment_discount, dec);
    o.opt(inv.payment_discount_days, num);
    const Customer& c = inv.customer;
    o.str(c.id);
    o.opt(c.number, num);
    for (const std::string* s :
         {&c.email, &c.name, &c.supplement, &c.street, &c.zip, &c.city, &c.country}) {
        o.str(*s);
    }
    o.str(inv.currency);
    o.u(static_cast<std::uint64_t>(inv.tax_type));
    o.str(inv.tax_note);
    o.u(static_cast<std::uint64_t>(inv.status));
    o.str(inv.pdf.string());
    for (const std::string* s : {&inv.title, &inv.introduction, &inv.remark, &inv.category}) {
        o.str(*s);
    }
    for (const auto* d : {&inv.total_discount, &inv.total_discount_amount, &inv.total_net,
                          &inv.total_tax, &inv.total_gross}) {
        o.opt(*d, dec);
    }
    o.u(inv.items.size());
    for (const LineItem& item : inv.items) {
        o.i(item.line);
        o.str(item.type);
        o.str(item.name);
        o.str(item.description);
        o.dec(item.quantity);
        o.str(item.unit);
        for (const auto* d : {&item.net_price, &item.gross_price, &item.tax_rate, &item.discount}) {
            o.opt(*d, dec);
        }
    }
    o.u(inv.issues.size());
    for (const InputIssue& is : inv.issues) {
        o.str(is.file);
        o.i(is.line);
        o.str(is.field);
        o.str(is.message);
        o.i(is.column);
    }
    return o.take();
}

Invoice decode(std::string_view bytes) {
    In in(bytes);
    Invoice inv;
    auto date = [&] { return in.date(); };
    auto dec = [&] { return in.dec(); };
    inv.file = in.str();
    inv.line = static_cast<long>(in.i());
    inv.number = in.str();
    inv.kind = in.u() == 1 ? Kind::credit_note : Kind::invoice;
    inv.corrects = in.str();
    inv.date = in.date();
    inv.service_date = in.opt<Date>(date);
    inv.service_end_date = in.opt<Date>(date);
    inv.shipping_type = in.str();
    inv.due_date = in.opt<Date>(date);
    inv.payment_terms = in.opt<int>([&] { return static_cast<int>(in.i()); });
    inv.payment_discount = in.opt<Decimal>(dec);
    inv.payment_discount_days = in.opt<int>([&] { return static_cast<int>(in.i()); });
    Customer& c = inv.customer;
    c.id = in.str();
    c.number = in.opt<std::int64_t>([&] { return in.i(); });
    for (std::string* s :
         {&c.email, &c.name, &c.supplement, &c.street, &c.zip, &c.city, &c.country}) {
        *s = in.str();
    }
    inv.currency = in.str();
    inv.tax_type = static_cast<TaxType>(in.u());
    inv.tax_note = in.str();
    inv.status = static_cast<Status>(in.u());
    inv.pdf = in.str();
    for (std::string* s : {&inv.title, &inv.introduction, &inv.remark, &inv.category}) {
        *s = in.str();
    }
    for (auto* d : {&inv.total_discount, &inv.total_discount_amount, &inv.total_net, &inv.total_tax,
                    &inv.total_gross}) {
        *d = in.opt<Decimal>(dec);
    }
    const auto items = in.u();
    for (std::uint64_t k = 0; k < items; ++k) {
        LineItem item;
        item.line = static_cast<long>(in.i());
        item.type = in.str();
        item.name = in.str();
        item.description = in.str();
        item.quantity = in.dec();
        item.unit = in.str();
        for (auto* d : {&item.net_price, &item.gross_price, &item.tax_rate, &item.discount}) {
            *d = in.opt<Decimal>(dec);
        }
        inv.items.push_back(std::move(item));
    }
    const auto issues = in.u();
    for (std::uint64_t k = 0; k < issues; ++k) {
        InputIssue is;
        is.file = in.str();
        is.line = static_cast<long>(in.i());
        is.field = in.str();
        is.message = in.str();
        is.column = static_cast<long>(in.i());
        inv.issues.push_back(std::move(is));
    }
    return inv;
}

Spool::Spool() : m_db("") {
    // A scratch copy: nothing to recover after a crash, so no journal, no syncing, and one
    // transaction for its whole life, never committed.
    m_db.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4096;"
              "CREATE TABLE invoice(id INTEGER PRIMARY KEY, number TEXT UNIQUE, line INTEGER "
              "NOT NULL, orphan INTEGER NOT NULL, data BLOB NOT NULL, extra BLOB);"
              "CREATE INDEX invoice_order ON invoice(line, orphan, id);"
              "BEGIN");
}

void Spool::put(const Invoice& inv, std::string_view extra) {
    auto& cached = inv.number.empty() ? m_put_orphan : m_put_numbered;
    if (!cached) {
        cached = m_db.prepare(
            inv.number.empty()
                ? "INSERT INTO invoice(number, line, orphan, data, extra) VALUES (NULL, ?1, 1, "
                  "?2, ?3)"
                : "INSERT INTO invoice(number, line, orphan, data, extra) VALUES (?4, ?1, 0, ?2, "
                  "?3) ON CONFLICT(number) DO UPDATE SET line = ?1, data = ?2, extra = ?3");
    }
    auto& st = *cached;
    st.reset();
    st.bind(1, static_cast<std::int64_t>(inv.line));
    st.bind_blob(2, encode(inv));
    st.bind_blob(3, extra);
    if (!inv.number.empty()) {
        st.bind(4, inv.number);
    }
    st.run();
    st.reset();
}

void Spool::append(const Invoice& inv) {
    auto st = m_db.prepare(
        "INSERT INTO invoice(number, line, orphan, data, extra) VALUES (NULL, 0, 0, ?1, '')");
    st.bind_blob(1, encode(inv));
    st.run();
}

std::optional<std::pair<Invoice, std::string>> Spool::find(const std::string& number) {
    if (!m_find) {
        m_find = m_db.prepare("SELECT data, extra FROM invoice WHERE number = ?1");
    }
    auto& st = *m_find;
    st.reset();
    st.bind(1, number);
    if (!st.step()) {
        return std::nullopt;
    }
    Invoice inv = decode(st.column_text(0));
    inv.columns = m_columns;
    auto found = std::make_pair(std::move(inv), st.column_text(1));
    st.reset();
    return found;
}

std::int64_t Spool::size() {
    auto st = m_db.prepare("SELECT count(*) FROM invoice");
    return st.step() ? st.column_int(0) : 0;
}

void Spool::for_each(const std::function<void(Invoice&)>& fn) {
    std::int64_t line = -1;
    std::int64_t orphan = -1;
    std::int64_t id = -1;
    std::vector<std::string> batch;
    for (;;) {
        batch.clear();
        {
            auto st = m_db.prepare("SELECT line, orphan, id, data FROM invoice WHERE (line, "
                                   "orphan, id) > (?1, ?2, ?3) ORDER BY line, orphan, id LIMIT ?4");
            st.bind(1, line).bind(2, orphan).bind(3, id).bind(4, k_batch);
            while (st.step()) {
                line = st.column_int(0);
                orphan = st.column_int(1);
                id = st.column_int(2);
                batch.push_back(st.column_text(3));
            }
        }
        if (batch.empty()) {
            return;
        }
        for (const auto& bytes : batch) {
            Invoice inv = decode(bytes);
            inv.columns = m_columns;
            fn(inv);
        }
    }
}

} // namespace lexsync::invoices
