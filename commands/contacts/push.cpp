#include "commands/contacts/push.hpp"

#include "cli/input_options.hpp"
#include "cli/lanes.hpp"
#include "cli/option_values.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/settle.hpp"
#include "cli/wording.hpp"
#include "commands/contacts/shared/bank_accounts.hpp"
#include "commands/shared/planned_request.hpp"

#include <fmt/format.h>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/records/contacts.hpp>
#include <lexsync/store/job_lock.hpp>
#include <lexsync/store/settle.hpp>
#include <map>
#include <memory>
#include <set>

namespace lexsync::commands::contacts {

using namespace lexsync::contacts;

namespace {

constexpr const char* k_kind = "contact";
// A bank account created for a contact; key "<contact id>:<IBAN>".
constexpr const char* k_bank_kind = "contact-bank-account";

// The columns of the records; with `bank_accounts` (an input with bank account columns) also
// what happened to each row's bank account.
const std::vector<Column>& result_columns(bool bank_accounts) {
    static const std::vector<Column> cols = {
        {"line", "line"},     {"action", "action"},           {"name", "name"},
        {"id", "id"},         {"customer", "customerNumber"}, {"vendor", "vendorNumber"},
        {"detail", "detail"},
    };
    static const std::vector<Column> with_bank = [] {
        std::vector<Column> c = cols;
        c.insert(c.end() - 1, Column{"bank_account", "bankAccount"});
        return c;
    }();
    return bank_accounts ? with_bank : cols;
}

// Waits until no write of `kind` that an earlier, interrupted run left unanswered can still be in
// flight, naming them `one`/`many` in the message. True when there were any.
bool wait_out_earlier_writes(Context& ctx, const char* kind, const char* one, const char* many) {
    std::vector<LedgerEntry> unsettled;
    const Clock::time_point now = ctx.clock.now();
    for (auto& e : ctx.state().entries(kind)) {
        if (!is_settled(e, now, ctx.profile().request_timeout())) {
            unsettled.push_back(std::move(e));
        }
    }
    if (!unsettled.empty()) {
        wait_out_unclear_writes(ctx, unsettled,
                                fmt::format("contacts push: {} of an interrupted run unanswered",
                                            counted(unsettled.size(), one, many)),
                                unsettled.size());
    }
    return !unsettled.empty();
}

struct Counts {
    long created = 0, updated = 0, unchanged = 0, conflicts = 0, failed = 0;
    long bank_created = 0, bank_failed = 0;
};

// What happened to one row, for stdout.
struct RowResult {
    // created, updated, unchanged, conflict, failed, unknown; pending until reconciled;
    // dry run: create, update
    std::string action;
    std::string id;
    std::string detail;
    std::vector<std::string> fields;
    std::string method, url, body; // dry run: the request that would be sent
    // The row's bank account: created, unchanged, failed, unknown, pending until settled,
    // skipped (the contact was not written); dry run: create, unchanged, unchecked. Empty when
    // the row has none.
    std::string bank_account;
    std::string bank_detail;
};

class Pusher {
public:
    Pusher(const PushOptions& opts, Context& ctx, InputFile& file)
        : m_opts(opts), m_ctx(ctx), m_file(file), m_client(ctx.client()) {}

    // Reads lexoffice's contacts into the index. With `settle`, the unclear writes of earlier
    // runs are waited out first (settle_earlier_runs()). The first page is asked for before the
    // ledger is opened, beside the account read (Context::read_account_aside()); when earlier
    // writes had to be waited out it is read again, since such a write may have landed after it.
    void load_remote(bool settle) {
        m_index = Index{};
        m_full.clear();
        std::optional<PageIterator> pages;
        pages.emplace(m_client, "/v1/contacts", Query{}, 250);
        auto more = pages->next();
        if (settle && settle_earlier_runs()) {
            pages.emplace(m_client, "/v1/contacts", Query{}, 250);
            more = pages->next();
        }
        // The rows' keys were noted when the file was read; what earlier runs created (the
        // ledger) is added here.
        InterestSet& interest = *m_file.interest;
        for (const auto& e : m_ctx.state().entries(k_kind)) {
            if (!e.remote_id.empty()) {
                interest.add_id(e.remote_id);
            }
        }
        const char* what = "reading the existing contacts";
        for (;;) {
            if (!value_or_throw(more, what)) {
                break;
            }
            for (const auto& c : pages->items().GetArray()) {
                RemoteContact r = summarize(c);
                if (interest.wants(r)) {
                    json::Document copy;
                    copy.CopyFrom(c, copy.GetAllocator());
                    m_full.emplace(r.id, std::move(copy));
                }
                m_index.add(std::move(r));
            }
            more = pages->next();
        }
        m_pages = std::max<long>(1, (static_cast<long>(m_index.size()) + 249) / 250);
        if (pages->window_capped()) {
            // Without the complete list a missing match could be a contact past the window, so
            // creating would risk a duplicate: refuse rather than guess.
            throw Error(
                ExitCode::error,
                fmt::format(
                    "the organisation has more than {} contacts, more than lexoffice lists in one "
                    "query; contacts push cannot prove a contact is new",
                    PageIterator::k_window));
        }
    }

    // One row's write as planned on the run's thread, its ledger entry already written, or the
    // row's result when it needs no write.
    struct Plan {
        RowResult result;      // the outcome when `write` is false
        bool write = false;    // a request to send
        bool create = false;   // POST /v1/contacts; otherwise PUT /v1/contacts/<result.id>
        int attempt = 0;       // 1 for the PUT after a version conflict
        std::string key;       // the row's ledger key
        std::string body;      // the request body
        json::Document merged; // an update: the contact as sent
    };
    using Answer = Result<json::Document, ApiError>;

    // The row planned, sent through the run's client and finished.
    RowResult push_row(const ContactInput& row, std::int64_t run_id) {
        Plan p = plan(row, match(row), run_id);
        if (!p.write) {
            return std::move(p.result);
        }
        Answer answer = send(m_client, p);
        return finish(row, std::move(p), std::move(answer), run_id);
    }

    // The lexoffice contact `row` matches now (by id, the ledger, number, email or name).
    Match match(const ContactInput& row) { return m_index.match(row, ledger_id(row.ledger_key())); }

    // The row's write for its match `m` (match(row), taken after the last answer was finished).
    Plan plan(const ContactInput& row, const Match& m, std::int64_t run_id) {
        Plan p;
        switch (m.kind) {
        case Match::Kind::conflict:
            p.result.action = "conflict";
            p.result.detail = m.reason;
            return p;
        case Match::Kind::missing:
            p.result.action = "failed";
            p.result.detail = m.reason;
            return p;
        case Match::Kind::one:
            return plan_update(row, m.id, run_id);
        case Match::Kind::none:
            break;
        }
        return plan_create(row, run_id);
    }

    // Sends a planned write. Touches nothing of the run, so it may run on a lane.
    static Answer send(ApiClient& client, const Plan& p) {
        return p.create ? client.post_json("/v1/contacts", p.body)
                        : client.put_json("/v1/contacts/" + p.result.id, p.body);
    }

    // The row's result from the answer to its write: the ledger entry settled, a version
    // conflict sent once more with the current contact.
    RowResult finish(const ContactInput& row, Plan p, Answer answer, std::int64_t run_id) {
        return p.create ? finish_create(row, std::move(p), std::move(answer), run_id)
                        : finish_update(row, std::move(p), std::move(answer), run_id);
    }

    std::string ledger_id(const std::string& key) {
        if (auto it = m_ledger_ids.find(key); it != m_ledger_ids.end()) {
            return it->second;
        }
        if (auto e = m_ctx.state().get(k_kind, key); e && !e->remote_id.empty()) {
            return e->remote_id;
        }
        return {};
    }

    const Index& index() const { return m_index; }
    long pages() const { return m_pages; }
    const json::Document* full(const std::string& id) const {
        auto it = m_full.find(id);
        return it == m_full.end() ? nullptr : &it->second;
    }
    void remember(const std::string& id, json::Document doc) { m_full[id] = std::move(doc); }

private:
    Plan plan_update(const ContactInput& row, const std::string& id, std::int64_t run_id) {
        const RemoteContact* remote = m_index.by_id(id);
        if (remote && remote->is_company != row.is_company()) {
            Plan p;
            p.result.id = id;
            p.result.action = "conflict";
            p.result.detail = fmt::format("the input is a {}, lexoffice contact {} is a {}",
                                          row.is_company() ? "company" : "person", id,
                                          remote->is_company ? "company" : "person");
            return p;
        }
        json::Document current;
        if (const auto* f = full(id)) {
            current.CopyFrom(*f, current.GetAllocator());
        } else {
            current =
                value_or_throw(m_client.get_json("/v1/contacts/" + id), "reading contact " + id);
        }
        return plan_merge(row, id, current, run_id, 0);
    }

    // The update of contact `id` (as lexoffice holds it: `current`) with `row`.
    Plan plan_merge(const ContactInput& row, const std::string& id, const json::Document& current,
                    std::int64_t run_id, int attempt) {
        Plan p;
        p.attempt = attempt;
        p.result.id = id;
        p.key = row.ledger_key();
        json::Document merged;
        merged.CopyFrom(current, merged.GetAllocator());
        p.result.fields = merge_into(merged, row);
        if (p.result.fields.empty()) {
            p.result.action = "unchanged";
            if (!m_opts.dry_run) {
                record_done(p.key, row, id, json::get_int(current, "version").value_or(0), run_id);
            }
            return p;
        }
        if (const std::string over = beyond_write_limits(merged); !over.empty()) {
            p.result.action = "failed";
            p.result.detail = fmt::format(
                "lexoffice contact {} would have {}: lexoffice's API writes at most one "
                "address, e-mail address and phone number per kind and one contact person; "
                "change this contact in the lexoffice web app",
                id, over);
            return p;
        }
        p.body = json::to_string(merged);
        if (m_opts.dry_run) {
            p.result.action = "update";
            p.result.method = "PUT";
            p.result.url = m_client.url("/v1/contacts/" + id);
            p.result.body = p.body;
            return p;
        }
        m_ctx.state().mark_pending(k_kind, p.key, sha256_hex(p.body), run_id);
        p.write = true;
        p.merged = std::move(merged);
        return p;
    }

    RowResult finish_update(const ContactInput& row, Plan p, Answer put, std::int64_t run_id) {
        RowResult res = std::move(p.result);
        if (put) {
            res.action = "updated";
            const std::int64_t version = json::get_int(*put, "version").value_or(0);
            record_done(p.key, row, res.id, version, run_id);
            p.merged["version"] = version;
            remember(res.id, std::move(p.merged));
            return res;
        }
        const ApiError& e = put.error();
        if (e.kind == ApiError::Kind::conflict && p.attempt == 0) {
            const json::Document current = value_or_throw(
                m_client.get_json("/v1/contacts/" + res.id), "reading contact " + res.id);
            Plan again = plan_merge(row, res.id, current, run_id, 1);
            if (!again.write) {
                return std::move(again.result);
            }
            Answer answer = send(m_client, again);
            return finish_update(row, std::move(again), std::move(answer), run_id);
        }
        fail_or_stop(e);
        res.action = e.maybe_executed && !m_stopped ? "pending" : "failed";
        res.detail = e.describe();
        return res;
    }

    Plan plan_create(const ContactInput& row, std::int64_t run_id) {
        Plan p;
        p.create = true;
        p.body = create_body(row);
        if (const std::string over = beyond_write_limits(json::parse(p.body).value());
            !over.empty()) {
            p.result.action = "failed";
            p.result.detail = fmt::format(
                "the row has {}: lexoffice's API creates contacts with at most one billing "
                "and one shipping address, one e-mail address and phone number per kind and one "
                "contact person; create it with one each and add the others in the lexoffice "
                "web app",
                over);
            return p;
        }
        if (m_opts.dry_run) {
            p.result.action = "create";
            p.result.method = "POST";
            p.result.url = m_client.url("/v1/contacts");
            p.result.body = p.body;
            return p;
        }
        p.key = row.ledger_key();
        m_ctx.state().mark_pending(k_kind, p.key, sha256_hex(p.body), run_id);
        p.write = true;
        return p;
    }

    RowResult finish_create(const ContactInput& row, Plan p, Answer post, std::int64_t run_id) {
        RowResult res = std::move(p.result);
        if (post) {
            res.action = "created";
            res.id = json::get_string(*post, "id").value_or("");
            record_done(p.key, row, res.id, json::get_int(*post, "version").value_or(1), run_id);
            m_created.push_back(res.id);
            return res;
        }
        const ApiError& e = post.error();
        fail_or_stop(e);
        if (e.maybe_executed && !m_stopped) {
            res.action = "pending";
            res.detail = e.describe();
            return res;
        }
        if (!e.maybe_executed) {
            m_ctx.state().forget(k_kind, p.key);
        }
        res.action = e.maybe_executed ? "unknown" : "failed";
        res.detail = e.describe();
        return res;
    }

    void record_done(const std::string& key, const ContactInput& row, const std::string& id,
                     std::int64_t version, std::int64_t run_id) {
        LedgerEntry e;
        e.kind = k_kind;
        e.key = key;
        e.content_hash = sha256_hex(create_body(row));
        e.status = "done";
        e.remote_id = id;
        e.remote_version = version;
        e.run_id = run_id;
        m_ctx.state().mark_done(e);
        m_ledger_ids[key] = id;
    }

    // A refused key, 429s beyond the wait bound, or a server that cannot be reached at all stop
    // the run: the rest would fail too. A lost answer (a reset, truncation or 5xx after sending)
    // stops nothing: that row is pending and the run goes on.
    void fail_or_stop(const ApiError& e) {
        if (e.kind == ApiError::Kind::auth || e.kind == ApiError::Kind::rate_limited ||
            (e.kind == ApiError::Kind::network && !e.maybe_executed)) {
            m_stopped = true;
            m_stop_error = e;
        }
    }

public:
    // Settles the rows whose write was sent but whose answer was lost: once none of those
    // requests can still be in flight (is_settled: each ledger mark is older than the request
    // timeout), the contacts are listed again and each pending row is matched again. A row whose
    // write arrived is confirmed (created/updated, without a second write); one whose write did not
    // arrive is sent again. A few rounds at most; what is still open after them stays "unknown" for
    // the next run.
    void reconcile_pending(const std::map<std::size_t, ContactInput>& rows,
                           std::vector<RowResult>& results, std::int64_t run_id) {
        constexpr int k_rounds = 3;
        for (int round = 0; round < k_rounds && !m_stopped; ++round) {
            std::vector<std::size_t> pending;
            std::vector<LedgerEntry> marks;
            for (std::size_t i = 0; i < results.size(); ++i) {
                if (results[i].action == "pending") {
                    pending.push_back(i);
                    if (auto e = m_ctx.state().get(k_kind, rows.at(i).ledger_key())) {
                        marks.push_back(std::move(*e));
                    }
                }
            }
            if (pending.empty()) {
                return;
            }
            wait_out_unclear_writes(
                m_ctx, marks,
                fmt::format("contacts push: {} lost", counted(pending.size(), "answer", "answers")),
                pending.size());
            load_remote(false);
            for (std::size_t i : pending) {
                const bool was_create = results[i].id.empty();
                RowResult again = push_row(rows.at(i), run_id);
                if (again.action == "unchanged") {
                    // The lost write had arrived.
                    again.action = was_create ? "created" : "updated";
                    again.detail = "confirmed in lexoffice after a lost answer";
                    if (was_create) {
                        m_created.push_back(again.id);
                    }
                } else if (again.action == "created" || again.action == "updated") {
                    again.detail = "sent again: the lost write had not arrived";
                }
                results[i] = std::move(again);
            }
        }
        for (auto& r : results) {
            if (r.action == "pending") {
                r.action = "unknown";
                r.detail += "; not settled in this run, the next run will check again";
            }
        }
    }

    // Waits until none of the writes of an earlier, interrupted run can still be in flight:
    // listing the contacts earlier could miss a contact that such a write is still creating, and
    // create it a second time. True when there were any.
    bool settle_earlier_runs() { return wait_out_earlier_writes(m_ctx, k_kind, "write", "writes"); }

    bool stopped() const { return m_stopped; }
    const ApiError& stop_error() const { return m_stop_error; }
    const std::vector<std::string>& created() const { return m_created; }

private:
    const PushOptions& m_opts;
    Context& m_ctx;
    InputFile& m_file;
    ApiClient& m_client;
    Index m_index;
    std::map<std::string, json::Document> m_full;
    std::map<std::string, std::string> m_ledger_ids; // recorded in this run
    std::vector<std::string> m_created;
    long m_pages = 1;
    bool m_stopped = false;
    ApiError m_stop_error;
};

} // namespace

void register_push(CLI::App& parent, Context& ctx) {
    auto opts = std::make_shared<PushOptions>();
    auto* cmd = parent.add_subcommand(
        "push", "Create or update customers and vendors from a CSV or JSON file");
    cmd->add_option("FILE", opts->file,
                    "Contacts as CSV or JSON, - for stdin (see man lexsync-contacts)")
        ->required()
        ->type_name(k_file_value);
    cmd->add_option("--format", opts->format, "Input format (default: by extension)")
        ->check(CLI::IsMember({"csv", "json"}));
    add_encoding_option(cmd, opts->encoding);
    cmd->add_flag("--dry-run", opts->dry_run,
                  "Print the plan (create/update/unchanged/conflict); send no writes");
    cmd->add_flag("--write-back", opts->write_back,
                  "Rewrite FILE atomically with lexoffice's ids and numbers");
    cmd->footer(
        R"(Rows are matched to existing contacts by id, by what an earlier push created, by customer or
vendor number, by e-mail, then by exact name. A match is accepted only when the rest of the row
agrees (no other VAT id, tax number, or name and address); otherwise, or when two contacts fit,
the row is a conflict and the contact is left alone. A lost answer makes a row pending; it is
checked in lexoffice before the run ends. Re-running the same push sends no writes.

Examples:
  lexsync contacts push customers.csv --dry-run
  lexsync contacts push customers.csv --write-back)");
    cmd->callback([opts, &ctx] { run_push(*opts, ctx); });
}

namespace {

// One `contacts push`, step by step: run() calls the steps in order.
struct PushRun {
    PushRun(const PushOptions& o, Context& c) : opts(o), ctx(c) {}

    // A push keeps a short result per row until its record is written.
    struct Kept {
        long line = 0;
        std::string ref;
        std::string name;
    };

    const PushOptions& opts;
    Context& ctx;
    std::optional<InputFile> file;
    std::optional<JobLock> lock; // one push per profile at a time
    std::optional<Pusher> pusher;
    std::int64_t run_id = 0;
    std::unique_ptr<RecordWriter> writer;
    Counts counts;
    // The numbers lexoffice assigned to new contacts (write-back only).
    std::map<std::string, std::pair<std::optional<std::int64_t>, std::optional<std::int64_t>>>
        numbers;
    std::map<std::size_t, Assigned> assigned;
    json::Document rec;
    std::vector<Kept> kept;
    std::vector<RowResult> results;
    std::map<std::size_t, ContactInput> pending_rows; // the full row while its write is pending
    bool bank = false;           // the input has bank accounts (an iban column with values)
    bool bank_unchecked = false; // dry run: the profile cannot read them, so they are not checked
    std::string bank_stop;       // why no further bank account is written in this run

    void run() {
        read_file();
        start();
        push_rows();
        if (!opts.dry_run) {
            settle_pending();
            push_bank_accounts();
        }
        read_assigned_numbers();
        write_kept_records();
        finish();
    }

    // The input file, every row validated; nothing is sent when a row is wrong.
    void read_file() {
        table::ReadOptions read_opts;
        read_opts.format = opts.format;
        read_opts.encoding = encoding_option(opts.encoding);
        read_opts.in = &ctx.io.in;
        if (opts.file == "-" && opts.write_back) {
            throw Error(ExitCode::usage, "--write-back needs a file, not stdin (-)");
        }
        auto input = read_input(opts.file, read_opts);
        if (!input) {
            for (const auto& issue : input.error()) {
                ctx.say("lexsync: " + issue.to_string());
            }
            throw Error(ExitCode::invalid_input,
                        fmt::format("{} problem{} in {}; nothing was sent", input.error().size(),
                                    input.error().size() == 1 ? "" : "s",
                                    opts.file == "-" ? "stdin" : opts.file));
        }
        file.emplace(std::move(input).value());
    }

    // The lock, earlier runs settled, lexoffice's contacts loaded, the run begun, the output open.
    void start() {
        check_bank_access();
        // One push per profile at a time: a concurrent one would not see our half-made contacts.
        if (!opts.dry_run) {
            lock.emplace(ctx.profile().state_dir, "contacts-push", [&] {
                ctx.info(
                    "contacts push: waiting for another contacts push of this profile to finish");
            });
        }
        // The account (which picks the ledger) is read beside the first page of the contacts.
        ctx.read_account_aside();
        pusher.emplace(opts, ctx, *file);
        pusher->load_remote(!opts.dry_run);
        run_id = opts.dry_run ? 0 : ctx.state().begin_run("contacts push");
        writer = ctx.writer(result_columns(bank));
    }

    // Bank accounts need a partner connection that may read and write them: checked before
    // anything is sent, so that no contact is written whose account could not follow. A dry run
    // only warns.
    void check_bank_access() {
        bank = file->has_bank_accounts;
        if (!bank) {
            return;
        }
        const std::string why = bank_accounts_problem(ctx, true);
        if (why.empty()) {
            return;
        }
        if (!opts.dry_run) {
            throw Error(ExitCode::config, bank_accounts_refusal("contacts push", why, true));
        }
        ctx.warn(fmt::format("contacts push: {}; a push would stop here, and this dry run does "
                             "not check the bank accounts",
                             why));
        bank_unchecked = true;
    }

    // Counts one row's bank account for the summary.
    void count_bank(const RowResult& r) {
        if (r.bank_account == "created" || r.bank_account == "create") {
            ++counts.bank_created;
        } else if (r.bank_account == "failed" || r.bank_account == "unknown") {
            ++counts.bank_failed;
        }
    }

    static std::string bank_path(const std::string& contact_id) {
        return "/v1/contacts/" + contact_id + "/bankaccounts";
    }

    // A dry run's plan for the row's bank account (after the contact's plan in `r`): create
    // when the contact is new or has no account with the IBAN.
    void plan_bank_account(const ContactInput& row, RowResult& r) {
        if (r.action != "create" && r.action != "update" && r.action != "unchanged") {
            r.bank_account = "skipped";
            return;
        }
        if (r.id.empty()) {
            r.bank_account = "create";
            return;
        }
        if (bank_unchecked) {
            r.bank_account = "unchecked";
            return;
        }
        auto list = ctx.client().get_json(bank_path(r.id));
        if (!list) {
            r.bank_account = "unchecked";
            r.bank_detail = list.error().describe();
            return;
        }
        r.bank_account = has_iban(parse_bank_accounts(*list), row.iban) ? "unchanged" : "create";
    }

    // The bank accounts of the rows whose contact is written, each after its contact: created
    // once. A row whose account lexsync created before (the ledger) sends nothing; otherwise the
    // contact's accounts are listed and an account is created only when none has the row's
    // IBAN. A lost answer is looked up again once no request can still be in flight.
    void push_bank_accounts() {
        if (!bank || pusher->stopped()) {
            return;
        }
        // The unclear writes of an interrupted run: none may still be in flight when the
        // accounts are listed, or an account on its way would be created twice.
        wait_out_earlier_writes(ctx, k_bank_kind, "bank account write", "bank account writes");
        std::map<std::size_t, ContactInput> unclear;
        file->for_each_row([&](std::size_t i, const ContactInput& row) {
            if (!row.has_bank_account()) {
                return;
            }
            RowResult& r = results[i];
            if (r.id.empty() ||
                (r.action != "created" && r.action != "updated" && r.action != "unchanged")) {
                r.bank_account = "skipped";
                r.bank_detail = "the contact was not written";
                return;
            }
            if (!bank_stop.empty()) {
                r.bank_account = "failed";
                r.bank_detail = "not attempted: " + bank_stop;
                return;
            }
            push_bank_account(row, r, false);
            if (r.bank_account == "pending") {
                unclear.emplace(i, row);
            }
        });
        if (!unclear.empty()) {
            std::vector<LedgerEntry> marks;
            for (const auto& [i, row] : unclear) {
                if (auto e = ctx.state().get(k_bank_kind, results[i].id + ":" + row.iban)) {
                    marks.push_back(std::move(*e));
                }
            }
            wait_out_unclear_writes(
                ctx, marks,
                fmt::format("contacts push: {} lost",
                            counted(unclear.size(), "bank account answer", "bank account answers")),
                unclear.size());
            for (const auto& [i, row] : unclear) {
                RowResult& r = results[i];
                push_bank_account(row, r, true);
                if (r.bank_account == "pending") {
                    r.bank_account = "unknown";
                    r.bank_detail += "; not settled in this run, the next run will check again";
                }
            }
        }
        for (const auto& r : results) {
            count_bank(r);
        }
    }

    // One row's bank account (its contact `r.id` written); `again` after a lost answer.
    void push_bank_account(const ContactInput& row, RowResult& r, bool again) {
        const std::string key = r.id + ":" + row.iban;
        if (!again) {
            if (auto e = ctx.state().get(k_bank_kind, key); e && e->status == "done") {
                r.bank_account = "unchanged";
                return;
            }
        }
        auto list = ctx.client().get_json(bank_path(r.id));
        if (!list) {
            bank_failed(r, list.error());
            return;
        }
        for (const auto& account : parse_bank_accounts(*list)) {
            if (account.iban == row.iban) {
                record_bank(key, account.id);
                r.bank_account = again ? "created" : "unchanged";
                r.bank_detail = again ? "confirmed in lexoffice after a lost answer" : "";
                return;
            }
        }
        const std::string body = bank_account_body(row);
        ctx.state().mark_pending(k_bank_kind, key, sha256_hex(body), run_id);
        auto post = ctx.client().post_json(bank_path(r.id), body);
        if (post) {
            record_bank(key, json::get_string(*post, "id").value_or(""));
            r.bank_account = "created";
            r.bank_detail = again ? "sent again: the lost write had not arrived" : "";
            return;
        }
        const ApiError& e = post.error();
        if (e.maybe_executed) {
            r.bank_account = "pending";
            r.bank_detail = e.describe();
            return;
        }
        ctx.state().forget(k_bank_kind, key);
        bank_failed(r, e);
    }

    void record_bank(const std::string& key, const std::string& account_id) {
        LedgerEntry e;
        e.kind = k_bank_kind;
        e.key = key;
        e.status = "done";
        e.remote_id = account_id;
        e.run_id = run_id;
        ctx.state().mark_done(e);
    }

    // A refused request stops the bank accounts of the rest of the run (they would be refused
    // too), as do 429s beyond the wait bound and an unreachable server.
    void bank_failed(RowResult& r, const ApiError& e) {
        r.bank_account = "failed";
        if (e.kind == ApiError::Kind::auth) {
            bank_stop = fmt::format("lexoffice refused the bank accounts ({}); they need a "
                                    "partner OAuth connection with the scopes "
                                    "contacts.bankaccounts.read and contacts.bankaccounts.write",
                                    e.describe());
            r.bank_detail = bank_stop;
            return;
        }
        if (e.kind == ApiError::Kind::rate_limited || e.kind == ApiError::Kind::network) {
            bank_stop = e.describe();
        }
        r.bank_detail = e.describe();
    }

    // Counts one row's outcome for the summary.
    void count(const RowResult& r) {
        if (r.action == "created" || r.action == "create") {
            ++counts.created;
        } else if (r.action == "updated" || r.action == "update") {
            ++counts.updated;
        } else if (r.action == "unchanged") {
            ++counts.unchanged;
        } else if (r.action == "conflict") {
            ++counts.conflicts;
        } else {
            ++counts.failed;
        }
    }

    // Writes the record of one row and notes what write-back needs.
    void emit(std::size_t i, long line, const std::string& ref, const std::string& name,
              const RowResult& r) {
        Assigned as;
        as.id = r.id;
        if (const RemoteContact* remote = pusher->index().by_id(r.id)) {
            as.customer_number = remote->customer_number;
            as.vendor_number = remote->vendor_number;
        }
        if (auto it = numbers.find(r.id); it != numbers.end()) {
            as.customer_number = it->second.first;
            as.vendor_number = it->second.second;
        }
        if (!r.id.empty() && opts.write_back) {
            assigned[i] = as;
        }
        rec.SetObject();
        rec.GetAllocator().Clear(); // memory stays flat however many records
        auto& a = rec.GetAllocator();
        rec.AddMember("line", static_cast<std::int64_t>(line), a);
        if (!ref.empty()) {
            rec.AddMember("ref", json::str(ref, a), a);
        }
        rec.AddMember("action", json::str(r.action, a), a);
        rec.AddMember("name", json::str(name, a), a);
        rec.AddMember("id", r.id.empty() ? json::Value() : json::str(r.id, a), a);
        rec.AddMember("customerNumber",
                      as.customer_number ? json::Value(*as.customer_number) : json::Value(), a);
        rec.AddMember("vendorNumber",
                      as.vendor_number ? json::Value(*as.vendor_number) : json::Value(), a);
        if (!r.fields.empty()) {
            json::Value fields(rapidjson::kArrayType);
            for (const auto& f : r.fields) {
                fields.PushBack(json::str(f, a), a);
            }
            rec.AddMember("fields", fields, a);
        }
        if (bank) {
            rec.AddMember("bankAccount",
                          r.bank_account.empty() ? json::Value() : json::str(r.bank_account, a), a);
        }
        std::string detail = r.detail;
        if (!r.bank_detail.empty()) {
            detail += (detail.empty() ? "" : "; ") + std::string("bank account: ") + r.bank_detail;
        }
        if (!detail.empty()) {
            rec.AddMember("detail", json::str(detail, a), a);
        }
        if (!r.method.empty()) {
            rec.AddMember("request", planned_request(r.method, r.url, r.body, a), a);
        }
        writer->write(rec);
    }

    // Every row pushed (or planned) in file order. A dry run writes each row's record as soon as
    // it is planned. A push keeps a short result per row (the full row only while its write is
    // pending) until lost answers are settled and the assigned numbers are known. Its writes
    // overlap on the context's lanes (ctx.max_in_flight at once): each row's ledger entry is
    // written before its request is handed to a lane, and its result is taken back here in file
    // order; a row whose contact or ledger key has a write in flight waits for it.
    void push_rows() {
        Progress progress(ctx, "contacts push", "contacts", file->row_count);
        struct Row {
            std::size_t i = 0;
            ContactInput row;
            Pusher::Plan plan;
            std::optional<Pusher::Answer> answer;
        };
        using Slot = std::shared_ptr<Row>;
        std::optional<ClientLanes<Slot>> lanes;
        if (!opts.dry_run) {
            lanes.emplace(ctx);
        }
        std::set<std::string> busy; // ledger keys and contact ids with a write in flight
        auto taken = [&](Slot s) {
            RowResult r;
            if (s->answer) {
                busy.erase(s->plan.key);
                busy.erase(s->plan.result.id);
                r = pusher->finish(s->row, std::move(s->plan), std::move(*s->answer), run_id);
            } else {
                r = std::move(s->plan.result);
            }
            keep(s->i, s->row, std::move(r));
            progress.update(s->i + 1);
        };
        file->for_each_row([&](std::size_t i, const ContactInput& row) {
            // The row's match, taken once unless answers are finished after it: a drained answer
            // can add a created contact or a ledger id and so change the match.
            std::optional<Match> m;
            if (lanes) {
                lanes->make_room(taken);
                m = pusher->match(row);
                const bool contact_busy = m->kind == Match::Kind::one && busy.count(m->id) > 0;
                if (busy.count(row.ledger_key()) > 0 || contact_busy) {
                    lanes->drain(taken);
                    m.reset();
                }
            }
            auto s = std::make_shared<Row>();
            s->i = i;
            if (pusher->stopped()) {
                s->plan.result = RowResult{
                    "failed", "", "not attempted: the run stopped", {}, "", "", "", "", ""};
            } else if (auto same = file->same_contact.find(i); same != file->same_contact.end()) {
                s->plan.result = RowResult{"conflict", "", same->second, {}, "", "", "", "", ""};
            } else {
                s->plan = pusher->plan(row, m ? *m : pusher->match(row), run_id);
            }
            if (!lanes) {
                if (bank && row.has_bank_account()) {
                    plan_bank_account(row, s->plan.result);
                    count_bank(s->plan.result);
                }
                count(s->plan.result);
                emit(i, row.line, row.ref, row.display_name(), s->plan.result);
                progress.update(i + 1);
            } else if (s->plan.write) {
                s->row = row;
                busy.insert(s->plan.key);
                if (!s->plan.result.id.empty()) {
                    busy.insert(s->plan.result.id);
                }
                lanes->submit([s](ApiClient& client) {
                    s->answer = Pusher::send(client, s->plan);
                    return s;
                });
            } else {
                s->row = row;
                lanes->put(std::move(s));
            }
        });
        if (lanes) {
            lanes->drain(taken);
            lanes->close();
        }
        progress.finish();
    }

    // Keeps row `i`'s result (and the row while its write is pending).
    void keep(std::size_t i, const ContactInput& row, RowResult r) {
        if (r.action == "pending") {
            pending_rows.emplace(i, row);
        }
        kept.push_back(Kept{row.line, row.ref, row.display_name()});
        results.push_back(std::move(r));
    }

    // The writes whose answer was lost, settled; then every row counted.
    void settle_pending() {
        pusher->reconcile_pending(pending_rows, results, run_id);
        pending_rows.clear();
        for (const auto& r : results) {
            count(r);
        }
    }

    // The numbers lexoffice assigned to new contacts: one GET each, or one listing when that is
    // fewer requests.
    void read_assigned_numbers() {
        auto remember_numbers = [&](const json::Value& c) {
            numbers[json::get_string(c, "id").value_or("")] = {
                json::get_int(c, "roles.customer.number"), json::get_int(c, "roles.vendor.number")};
        };
        if (opts.write_back && !pusher->created().empty() && !pusher->stopped()) {
            if (static_cast<long>(pusher->created().size()) <= pusher->pages()) {
                for (const auto& id : pusher->created()) {
                    if (auto c = ctx.client().get_json("/v1/contacts/" + id)) {
                        remember_numbers(*c);
                    }
                }
            } else {
                PageIterator pages(ctx.client(), "/v1/contacts", {}, 250);
                (void)pages.for_each(remember_numbers);
            }
        }
    }

    // The records a push kept back, now with their numbers; then the output closed.
    void write_kept_records() {
        for (std::size_t i = 0; i < results.size(); ++i) {
            emit(i, kept[i].line, kept[i].ref, kept[i].name, results[i]);
        }
        writer->finish();
    }

    // Write-back, the summary line, the run closed in the ledger, and the exit code.
    void finish() {
        if (opts.write_back && !opts.dry_run) {
            write_back(*file, assigned);
        }
        const auto& stats = ctx.client_stats();
        const std::string summary = fmt::format(
            "{}: {} {}, {} {}, {} unchanged, {} conflict{}, {} failed ({}, {} rate limited)",
            opts.dry_run ? "contacts push (dry run)" : "contacts push", counts.created,
            opts.dry_run ? "to create" : "created", counts.updated,
            opts.dry_run ? "to update" : "updated", counts.unchanged, counts.conflicts,
            counts.conflicts == 1 ? "" : "s", counts.failed,
            counted(stats.requests, "request", "requests"), stats.rate_limited);
        ctx.info(summary);
        if (bank) {
            ctx.info(fmt::format("{}: {} {}, {} failed",
                                 opts.dry_run ? "contacts push (dry run)" : "contacts push",
                                 counted(counts.bank_created, "bank account", "bank accounts"),
                                 opts.dry_run ? "to create" : "created", counts.bank_failed));
        }
        if (!opts.dry_run) {
            const bool bad = counts.failed + counts.conflicts + counts.bank_failed > 0;
            ctx.state().finish_run(
                run_id, bad ? "partial" : "ok",
                fmt::format(
                    R"({{"created":{},"updated":{},"unchanged":{},"conflicts":{},"failed":{}}})",
                    counts.created, counts.updated, counts.unchanged, counts.conflicts,
                    counts.failed));
        }
        if (pusher->stopped()) {
            throw_api_error(pusher->stop_error(), "contacts push stopped");
        }
        if (counts.failed + counts.conflicts == 0 && counts.bank_failed > 0) {
            throw Error(ExitCode::partial,
                        fmt::format("{} not created (see the rows whose bank_account is failed "
                                    "or unknown)",
                                    counted(counts.bank_failed, "bank account", "bank accounts")));
        }
        if (counts.failed + counts.conflicts > 0) {
            throw Error(ExitCode::partial,
                        fmt::format("{} of {} rows not pushed (see the rows marked conflict, "
                                    "failed or unknown)",
                                    counts.failed + counts.conflicts, file->row_count));
        }
    }
};

} // namespace

void run_push(const PushOptions& opts, Context& ctx) {
    PushRun(opts, ctx).run();
}

} // namespace lexsync::commands::contacts
