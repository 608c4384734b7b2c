#include "commands/invoices/pull.hpp"

#include "cli/input_options.hpp"
#include "cli/lanes.hpp"
#include "cli/option_values.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "commands/invoices/shared/archive_contacts.hpp"
#include "commands/invoices/shared/archive_format.hpp"
#include "commands/invoices/shared/archive_index.hpp"
#include "commands/invoices/shared/archive_list.hpp"
#include "commands/invoices/shared/archive_store.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/date.hpp>
#include <lexsync/util/safe_name.hpp>
#include <map>
#include <memory>
#include <set>

namespace lexsync::commands::invoices {

using namespace lexsync::commands::invoices::archive;

namespace {

constexpr const char* k_kind = "archive";

const std::map<std::string, std::string>& resource_paths() {
    static const std::map<std::string, std::string> paths = {
        {"invoice", "/v1/invoices/"},
        {"creditnote", "/v1/credit-notes/"},
        {"downpaymentinvoice", "/v1/down-payment-invoices/"},
    };
    return paths;
}

const std::set<std::string>& known_statuses() {
    static const std::set<std::string> s = {
        "draft", "open", "paid", "paidoff", "voided", "overdue", "transferred", "sepadebit", "any"};
    return s;
}

const std::set<std::string>& known_formats() {
    static const std::set<std::string> s = {"csv", "csv-de", "json", "xlsx"};
    return s;
}

const std::vector<Column>& record_columns() {
    static const std::vector<Column> cols = {
        {"number", "voucherNumber"}, {"type", "voucherType"}, {"status", "voucherStatus"},
        {"action", "action"},        {"files", "files"},      {"detail", "detail"},
    };
    return cols;
}

// Removes duplicates, keeping the first occurrence.
std::vector<std::string> unique(const std::vector<std::string>& items) {
    std::vector<std::string> out;
    for (const auto& s : items) {
        if (std::find(out.begin(), out.end(), s) == out.end()) {
            out.push_back(s);
        }
    }
    return out;
}

bool is_fatal(const ApiError& e) {
    return e.kind == ApiError::Kind::network || e.kind == ApiError::Kind::rate_limited ||
           e.kind == ApiError::Kind::auth;
}

// The validated query of a run.
ListQuery make_query(const PullOptions& opts) {
    ListQuery q;
    // The same dates and messages as every other --from/--to (table::resolve_period).
    auto day = [](const char* flag, const std::string& value) {
        auto d = parse_date(value);
        if (!d) {
            throw Error(ExitCode::usage, std::string(flag) + " " + d.error());
        }
        return day_number(*d);
    };
    q.from_day = day("--from", opts.from);
    q.to_day = day("--to", opts.to);
    if (q.to_day < q.from_day) {
        throw Error(ExitCode::usage, "--to is before --from");
    }
    q.types = unique(opts.types);
    if (q.types.empty()) {
        throw Error(ExitCode::usage,
                    "--type needs at least one of invoice, creditnote, downpaymentinvoice");
    }
    for (const auto& t : q.types) {
        if (resource_paths().count(t) == 0) {
            throw Error(
                ExitCode::usage,
                fmt::format("--type '{}' is not one of invoice, creditnote, downpaymentinvoice",
                            t));
        }
    }
    q.statuses = unique(opts.statuses);
    for (const auto& s : q.statuses) {
        if (known_statuses().count(s) == 0) {
            throw Error(
                ExitCode::usage,
                fmt::format(
                    "--status '{}' is not one of draft, open, paid, paidoff, voided, overdue, "
                    "transferred, sepadebit, any",
                    s));
        }
        if ((s == "any" || s == "overdue") && q.statuses.size() > 1) {
            throw Error(ExitCode::usage,
                        fmt::format("--status {} cannot be combined with other statuses", s));
        }
    }
    if (q.statuses.size() == 1 && q.statuses[0] == "any") {
        q.statuses.clear();
    }
    q.number = opts.number;
    return q;
}

// The content hash the ledger keeps for an archived voucher: its change markers and file hashes.
std::string ledger_hash(const ArchivedVoucher& v) {
    std::string s = v.updated_date + "\n" + v.status + "\n" +
                    (v.list_open_amount ? v.list_open_amount->to_string() : std::string("-"));
    for (const auto& f : v.files) {
        s += "\n" + f.name + " " + f.sha256;
    }
    return sha256_hex(s);
}

// What happened to one voucher.
struct Item {
    ListRow row;
    std::string action; // fetched, unchanged, failed
    std::string detail;
    std::vector<std::string> files;
};

// What a lane reads for one voucher: the voucher, its PDF and XRechnung, its payments. It
// touches nothing of the run; the run's thread stores it in its turn.
struct Download {
    json::Document voucher;
    std::vector<std::pair<std::string, std::string>> files; // kind ("pdf", "xml") and bytes
    bool payments_read = false;
    std::optional<Decimal> open_amount; // from the payments endpoint
    std::string failure;                // why the voucher could not be archived
    std::optional<ApiError> fatal;      // an error that stops the run, with what it was
    std::string fatal_what;

    // Notes a failed request; false when the voucher cannot be archived.
    bool failed(const ApiError& e, const std::string& what, std::string failure_detail) {
        if (is_fatal(e)) {
            fatal = e;
            fatal_what = what;
        }
        failure = std::move(failure_detail);
        return false;
    }

    // Reads a file of the voucher at `path` ("…/file"); an answer in `absent` means there is none.
    bool read_file(ApiClient& client, const std::string& path, const char* accept,
                   std::initializer_list<int> absent, const char* kind, const std::string& what) {
        auto r = client.get_raw(path, accept);
        if (r) {
            files.emplace_back(kind, std::move(r->body));
            return true;
        }
        if (is_fatal(r.error()) ||
            std::find(absent.begin(), absent.end(), r.error().status) == absent.end()) {
            return failed(r.error(), what, what + ": " + r.error().describe());
        }
        return true;
    }
};

bool is_draft(const ListRow& row, const json::Value& voucher) {
    return row.status == "draft" ||
           json::get_string(voucher, "voucherStatus").value_or(row.status) == "draft";
}

Download download(ApiClient& client, const ListRow& row, bool payments) {
    Download d;
    const auto path_it = resource_paths().find(row.type);
    if (path_it == resource_paths().end()) {
        d.failure = fmt::format("unknown voucher type '{}'", row.type);
        return d;
    }
    const std::string path = path_it->second + url_encode(row.id);
    auto doc = client.get_json(path);
    if (!doc) {
        d.failed(doc.error(), "reading voucher " + row.number, doc.error().describe());
        return d;
    }
    d.voucher = std::move(doc).value();
    if (!d.voucher.IsObject()) {
        d.failure = "the voucher is not a JSON object";
        return d;
    }
    if (is_draft(row, d.voucher)) {
        return d;
    }
    if (!d.read_file(client, path + "/file", "application/pdf", {409}, "pdf",
                     "PDF of " + row.number)) {
        return d;
    }
    const std::string profile =
        json::get_string(d.voucher, "electronicDocumentProfile").value_or("");
    if ((profile == "XRechnung" || profile == "XRECHNUNG" || profile == "xrechnung") &&
        !d.read_file(client, path + "/file", "application/xml", {404, 406, 409}, "xml",
                     "XRechnung of " + row.number)) {
        return d;
    }
    if (payments) {
        auto pay = client.get_json("/v1/payments/" + url_encode(row.id));
        if (pay) {
            d.payments_read = true;
            d.open_amount = json::get_decimal(*pay, "openAmount");
        } else if (pay.error().status != 406) {
            d.failed(pay.error(), "reading the payments of " + row.number,
                     "payments: " + pay.error().describe());
        }
    }
    return d;
}

class Puller {
public:
    Puller(const PullOptions& opts, Context& ctx, ListQuery query)
        : m_opts(opts), m_ctx(ctx), m_query(std::move(query)), m_dir(opts.out) {}

    void run() {
        m_dir.lock();
        // The account (which picks the ledger, needed only once the list is read) is read beside
        // the voucher list.
        m_ctx.read_account_aside();
        ApiClient& client = m_ctx.client();
        Progress listing(m_ctx, "invoices pull", "vouchers listed");
        auto listed = list_vouchers(client, m_query,
                                    [&](long n) { listing.update(static_cast<std::size_t>(n)); });
        listing.finish();
        if (!listed) {
            throw_api_error(listed.error(), "reading the voucher list");
        }
        ListOutcome list = std::move(listed).value();

        // Decide from what is stored which vouchers changed.
        std::vector<std::optional<ArchivedVoucher>> stored(list.rows.size());
        std::set<std::string> contact_ids;
        long to_fetch = 0;
        for (std::size_t i = 0; i < list.rows.size(); ++i) {
            const ListRow& row = list.rows[i];
            stored[i] = m_dir.load(row.id);
            if (!unchanged(row, stored[i])) {
                ++to_fetch;
                contact_ids.insert(row.contact_id);
            }
        }

        std::map<std::string, ContactInfo> contacts;
        if (to_fetch > 0) {
            auto resolved = resolve_contacts(client, contact_ids, [&](const std::string& id) {
                m_ctx.warn(fmt::format(
                    "contact {} was not found; the index shows the name on the voucher", id));
            });
            if (!resolved) {
                throw_api_error(resolved.error(), "reading contacts");
            }
            contacts = std::move(resolved).value();
        }

        const std::int64_t run_id = m_ctx.state().begin_run("invoices pull");
        auto writer = m_ctx.writer(record_columns());
        std::vector<IndexRow> index_rows;
        Decimal list_total;
        Progress progress(m_ctx, "invoices pull", "vouchers", list.rows.size());
        // The vouchers' reads overlap on the context's lanes; each voucher is stored, entered in
        // the ledger and written out here, in list order.
        struct Slot {
            std::size_t i = 0;
            std::optional<Download> download; // none: unchanged
        };
        ClientLanes<std::shared_ptr<Slot>> lanes(m_ctx);
        auto taken = [&](std::shared_ptr<Slot> s) {
            const ListRow& row = list.rows[s->i];
            progress.update(s->i + 1, row.number);
            Item item;
            item.row = row;
            if (!s->download) {
                item.action = "unchanged";
                for (const auto& f : stored[s->i]->files) {
                    item.files.push_back(f.name);
                }
                index_rows.push_back(index_row(*stored[s->i]));
                ++m_unchanged;
            } else if (auto fetched =
                           archive(row, contacts, std::move(*s->download), item, run_id)) {
                index_rows.push_back(index_row(*fetched));
                ++m_fetched;
            } else {
                index_rows.push_back(stored[s->i] ? index_row(*stored[s->i]) : index_row(row));
                ++m_failed;
            }
            write_record(*writer, item);
        };
        try {
            for (std::size_t i = 0; i < list.rows.size(); ++i) {
                const ListRow& row = list.rows[i];
                const Decimal amount = row.total_amount.value_or(Decimal());
                list_total += reduces_revenue(row.type) ? -amount : amount;
                lanes.make_room(taken);
                auto slot = std::make_shared<Slot>();
                slot->i = i;
                if (unchanged(row, stored[i])) {
                    lanes.put(std::move(slot));
                } else {
                    lanes.submit([slot, &row, payments = m_opts.payments](ApiClient& lane) {
                        slot->download = download(lane, row, payments);
                        return slot;
                    });
                }
            }
            lanes.drain(taken);
        } catch (...) {
            lanes.close();
            progress.finish();
            writer->finish();
            m_ctx.state().finish_run(run_id, "failed", "{}");
            throw;
        }
        lanes.close();
        progress.finish();
        writer->finish();

        Index index = make_index(format_date(date_of_day(m_query.from_day)),
                                 format_date(date_of_day(m_query.to_day)), std::move(index_rows));
        const std::vector<std::string> written = write_index(index);
        const std::string status = m_failed > 0 || !list.capped_days.empty() ? "partial" : "ok";
        m_ctx.state().finish_run(
            run_id, status,
            fmt::format(R"({{"vouchers":{},"fetched":{},"unchanged":{},"failed":{}}})",
                        list.rows.size(), m_fetched, m_unchanged, m_failed));

        if (index.totals.gross != list_total) {
            m_ctx.warn(fmt::format("the index's gross total {} differs from the voucher list's {}",
                                   plain_amount(index.totals.gross), plain_amount(list_total)));
        }
        const long n = static_cast<long>(list.rows.size());
        m_ctx.info(fmt::format(
            "invoices pull: {} voucher{} ({} fetched, {} unchanged{}), {} file{} written, {} "
            "request{}",
            n, n == 1 ? "" : "s", m_fetched, m_unchanged,
            m_failed > 0 ? fmt::format(", {} failed", m_failed) : std::string(),
            m_dir.files_written(), m_dir.files_written() == 1 ? "" : "s",
            m_ctx.client_stats().requests, m_ctx.client_stats().requests == 1 ? "" : "s"));
        m_ctx.info(fmt::format("totals {} to {}: net {}, tax {}, gross {}, open {}", index.from,
                               index.to, plain_amount(index.totals.net),
                               plain_amount(index.totals.tax), plain_amount(index.totals.gross),
                               plain_amount(index.totals.open_amount)));
        m_ctx.info(fmt::format("index: {}", fmt::join(written, ", ")));

        if (!list.capped_days.empty()) {
            throw Error(
                ExitCode::partial,
                fmt::format(
                    "lexoffice lists at most {} vouchers per query and {} has more on a single day "
                    "({}); narrow it with --type or --status to get the rest",
                    PageIterator::k_window, fmt::join(list.capped_days, ", "),
                    list.capped_days.size() == 1 ? "that day" : "those days"));
        }
        if (m_failed > 0) {
            throw Error(ExitCode::partial,
                        fmt::format("{} of {} voucher{} could not be archived; run again to retry",
                                    m_failed, n, n == 1 ? "" : "s"));
        }
    }

private:
    // True when `stored` is the voucher `row` describes and all its files are still there.
    bool unchanged(const ListRow& row, const std::optional<ArchivedVoucher>& stored) const {
        if (m_opts.refetch || !stored || stored->updated_date != row.updated_date ||
            stored->status != row.status || stored->type != row.type ||
            stored->list_open_amount != row.open_amount) {
            return false;
        }
        return std::all_of(stored->files.begin(), stored->files.end(),
                           [&](const ArchivedFile& f) { return m_dir.has_file(f.name); });
    }

    // Fails the run for errors that would hit every further request too.
    // Stores what a lane read for `row` (files, voucher, ledger entry); nullopt when it failed.
    // An error that stops the run is thrown here, in the voucher's turn.
    std::optional<ArchivedVoucher> archive(const ListRow& row,
                                           const std::map<std::string, ContactInfo>& contacts,
                                           Download d, Item& item, std::int64_t run_id) {
        if (d.fatal) {
            throw_api_error(*d.fatal, d.fatal_what);
        }
        ArchivedVoucher v;
        v.id = row.id;
        v.type = row.type;
        v.status = row.status;
        v.number = row.number;
        v.updated_date = row.updated_date;
        v.list_open_amount = row.open_amount;
        v.voucher = std::move(d.voucher);
        if (d.failure.empty() || !d.files.empty()) {
            const auto contact = contacts.find(row.contact_id);
            if (!row.contact_id.empty() && contact != contacts.end()) {
                v.customer_name = contact->second.name;
                v.customer_number = contact->second.number;
                v.vat_id = contact->second.vat_id;
            } else {
                v.customer_name =
                    json::get_string(v.voucher, "address.name").value_or(row.contact_name);
            }
            const std::string stem =
                safe_file_name(row.number, k_safe_name_max - 12, safe_file_name(row.id));
            for (const auto& [kind, bytes] : d.files) {
                add_file(v, item, kind, stem, bytes);
            }
        }
        if (!d.failure.empty()) {
            item.action = "failed";
            item.detail = std::move(d.failure);
            return std::nullopt;
        }
        item.action = "fetched";
        if (!is_draft(row, v.voucher)) {
            if (!m_opts.payments) {
                v.open_amount = row.open_amount;
            } else if (d.payments_read) {
                v.open_amount = d.open_amount;
            }
        }
        m_dir.save(v);

        LedgerEntry e;
        e.kind = k_kind;
        e.key = v.id;
        e.content_hash = ledger_hash(v);
        e.status = "done";
        e.remote_id = v.id;
        e.remote_version = json::get_int(v.voucher, "version").value_or(0);
        e.remote_number = v.number;
        e.run_id = run_id;
        m_ctx.state().mark_done(e);
        return v;
    }

    void add_file(ArchivedVoucher& v, Item& item, const std::string& kind, const std::string& stem,
                  const std::string& bytes) {
        const Placement p = m_dir.place(v.id, stem, kind, bytes);
        if (!p.displaced.empty()) {
            m_ctx.warn(
                fmt::format("{}: the {} lexoffice sends now differs from {}; kept it and wrote {}",
                            v.number, kind == "pdf" ? "PDF" : "XML", p.displaced, p.name));
        }
        if (!p.displaced.empty()) {
            item.detail += fmt::format("{}{} differs from lexoffice's; new version {}",
                                       item.detail.empty() ? "" : "; ", p.displaced, p.name);
        }
        v.files.push_back({kind, p.name, sha256_hex(bytes), bytes.size()});
        item.files.push_back(p.name);
    }

    void write_record(RecordWriter& writer, const Item& item) {
        json::Document rec;
        rec.SetObject();
        rec.GetAllocator().Clear(); // memory stays flat however many records
        auto& a = rec.GetAllocator();
        rec.AddMember("voucherNumber", json::str(item.row.number, a), a);
        rec.AddMember("voucherType", json::str(item.row.type, a), a);
        rec.AddMember("voucherStatus", json::str(item.row.status, a), a);
        rec.AddMember("voucherDate", json::str(item.row.voucher_date, a), a);
        rec.AddMember("id", json::str(item.row.id, a), a);
        rec.AddMember("action", json::str(item.action, a), a);
        json::Value files(rapidjson::kArrayType);
        for (const auto& f : item.files) {
            files.PushBack(json::str(f, a), a);
        }
        rec.AddMember("files", files, a);
        if (!item.detail.empty()) {
            rec.AddMember("detail", json::str(item.detail, a), a);
        }
        writer.write(rec);
    }

    std::vector<std::string> write_index(const Index& index) {
        std::vector<std::string> written;
        const auto formats = unique(m_opts.formats);
        for (const auto& f : formats) {
            std::string name;
            if (f == "csv") {
                name = "index.csv";
                m_dir.write(name, index_csv(index));
            } else if (f == "csv-de") {
                name = "index-de.csv";
                m_dir.write(name, index_csv_de(index));
            } else if (f == "json") {
                name = "index.json";
                m_dir.write(name, index_json(index));
            } else if (f == "xlsx") {
                name = "index.xlsx";
                m_dir.write(name, index_xlsx(index));
            }
            written.push_back((m_dir.root() / name).string());
        }
        return written;
    }

    const PullOptions& m_opts;
    Context& m_ctx;
    ListQuery m_query;
    ArchiveDir m_dir;
    long m_fetched = 0;
    long m_unchanged = 0;
    long m_failed = 0;
};

} // namespace

void register_pull(CLI::App& parent, Context& ctx) {
    auto opts = std::make_shared<PullOptions>();
    auto* cmd = parent.add_subcommand(
        "pull", "Archive a period's invoices, credit notes and down-payment invoices "
                "(PDF, XRechnung XML, voucher JSON, index) in a directory");
    cmd->add_option("--from", opts->from, "First voucher date (yyyy-mm-dd or dd.mm.yyyy)")
        ->type_name("DATE");
    cmd->add_option("--to", opts->to, "Last voucher date, inclusive (yyyy-mm-dd or dd.mm.yyyy)")
        ->type_name("DATE");
    add_period_options(cmd, opts->month, opts->period);
    cmd->add_option("--type", opts->types,
                    "Voucher types, comma-separated: invoice, creditnote, downpaymentinvoice")
        ->type_name("TYPE")
        ->check(named_values({"invoice", "creditnote", "downpaymentinvoice"}))
        ->delimiter(',')
        ->capture_default_str();
    cmd->add_option(
           "--status", opts->statuses,
           "Voucher statuses, comma-separated: draft, open, paid, paidoff, voided, overdue, any "
           "(default any)")
        ->type_name("STATUS")
        ->check(named_values({"draft", "open", "paid", "paidoff", "voided", "overdue", "any"}))
        ->delimiter(',');
    cmd->add_option("--number", opts->number, "Only the voucher with this number")
        ->type_name("NUMBER");
    cmd->add_option("--out", opts->out,
                    "Archive directory (created when missing); {profile}, {from}, {to} and "
                    "{month} are replaced by the profile name, the period's first and last day "
                    "and its month")
        ->type_name("DIR")
        ->required();
    cmd->add_option("--format", opts->formats,
                    "Index formats, comma-separated: csv, csv-de, json, xlsx")
        ->type_name("FORMAT")
        ->delimiter(',')
        ->check(CLI::IsMember(known_formats()))
        ->capture_default_str();
    cmd->add_flag("--refetch", opts->refetch, "Fetch every voucher again, even the unchanged ones");
    cmd->add_flag("--payments", opts->payments,
                  "Read each finalised voucher's open amount from its payments (one request more "
                  "per voucher) instead of the voucher list");
    cmd->footer(R"(Examples:
  lexsync invoices pull --from 2024-03-01 --to 2024-03-31 --out archive/2024-03
  lexsync invoices pull --from 2024-01-01 --to 2024-12-31 --type invoice --status open,paid \
      --format csv-de,xlsx --out archive/2024 -o table
  lexsync invoices pull --from 2024-03-01 --to 2024-03-31 --number RE0042 --out archive/2024-03
  lexsync --all-profiles invoices pull --period last-month --out 'archive/{profile}/{month}')");
    cmd->callback([opts, &ctx] { run_pull(*opts, ctx); });
}

void run_pull(const PullOptions& given, Context& ctx) {
    if (given.out.empty()) {
        throw Error(ExitCode::usage, "--out needs a directory");
    }
    const auto period = period_option(given.from, given.to, given.month, given.period, ctx);
    if (!period.from || !period.to) {
        throw Error(ExitCode::usage, "give the period: --from and --to, --month or --period");
    }
    PullOptions opts = given;
    opts.from = format_date(*period.from);
    opts.to = format_date(*period.to);
    opts.out = expand_path_pattern(given.out, "--out", ctx.profile().name, period);
    ListQuery query = make_query(opts);
    for (const auto& f : opts.formats) {
        if (known_formats().count(f) == 0) {
            throw Error(ExitCode::usage,
                        fmt::format("--format '{}' is not one of csv, csv-de, json, xlsx", f));
        }
    }
    Puller puller(opts, ctx, std::move(query));
    puller.run();
}

} // namespace lexsync::commands::invoices
