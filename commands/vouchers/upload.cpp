#include "commands/vouchers/upload.hpp"

#include "cli/lanes.hpp"
#include "cli/option_values.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/settle.hpp"
#include "cli/wording.hpp"
#include "commands/shared/planned_request.hpp"
#include "commands/shared/receipts.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <fmt/format.h>
#include <fnmatch.h>
#include <fstream>
#include <functional>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/formats/file_check.hpp>
#include <lexsync/records/vouchers.hpp>
#include <lexsync/store/job_lock.hpp>
#include <lexsync/store/settle.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <lexsync/util/berlin_time.hpp>
#include <lexsync/util/date.hpp>
#include <lexsync/util/strings.hpp>
#include <map>
#include <memory>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <set>
#include <sstream>

namespace lexsync::commands::vouchers {

using namespace lexsync::vouchers;
namespace fs = std::filesystem;

namespace {

// Ledger kinds: "receipt" and "receipt-voucher" (keyed by the file's SHA-256) are shared with
// `transactions export` (see commands/shared/receipts.hpp).
//
// "inbox-voucher" (key: a voucher id) caches what a look into lexoffice found in a voucher that
// no ledger entry names: content_hash the space-separated SHA-256 of its files, so that the next
// look does not download them again. The cursor "vouchers-inbox-scan" says how far the
// vouchers of lexoffice were read once for this ledger (see lookup_scope); a ledger whose cursor
// covers less than --lookup-days asks for reads the rest once.
using receipts::category_hash;
using receipts::k_receipt;
using receipts::k_receipt_voucher;
constexpr const char* k_inbox_voucher = "inbox-voucher";
constexpr const char* k_inbox_scan_cursor = "vouchers-inbox-scan";
constexpr const char* k_scope_unchecked = "unchecked";
constexpr const char* k_scope_created_from = "created-from ";
constexpr const char* k_scope_all = "all";
constexpr const char* k_command_line = "command line";
constexpr const char* k_new_voucher = "{new voucher id}";

const std::vector<std::string>& default_globs() {
    static const std::vector<std::string> globs = {"*.pdf", "*.jpg", "*.jpeg", "*.png", "*.xml"};
    return globs;
}

const std::vector<Column>& result_columns() {
    static const std::vector<Column> cols = {
        {"path", "path"},           {"sha256", "sha256"}, {"action", "action"},
        {"voucherId", "voucherId"}, {"fileId", "fileId"}, {"reason", "reason"},
    };
    return cols;
}

// One file to upload.
struct Item {
    fs::path path;
    std::string display; // as the user named it (or found under a named directory)
    std::uintmax_t size = 0;
    std::string sha;
    file_check::FileKind kind = file_check::FileKind::pdf;
    std::string refusal; // non-empty: refused locally
    const VoucherInput* data = nullptr;
    const PostingCategory* category = nullptr;
    // A receipt with several categories: the ids of the amounts' other categories, by the name
    // or id given (see VoucherInput::other_categories()).
    std::map<std::string, std::string> category_ids;
};

// The ledger's hash of the posting categories written for `it`: category_hash() of its one
// category (as before there were several), else of all of them.
std::string categories_hash(const Item& it) {
    if (it.category_ids.empty()) {
        return category_hash(it.category->id);
    }
    std::set<std::string> ids{it.category->id};
    for (const auto& [name, id] : it.category_ids) {
        ids.insert(id);
    }
    std::string all;
    for (const auto& id : ids) {
        all += id + "\n";
    }
    return sha256_hex("categories:" + all);
}

struct Outcome;

// A write of one file handed to a lane, its ledger entry already marked pending: a lane sends it
// (Uploader::send), the command's thread takes its answer back (Uploader::finish), which may
// hand over the file's next write (the attach after the voucher was created).
struct Step {
    enum class Kind { inbox, create, attach };
    Kind kind = Kind::inbox;
    std::string bytes;      // inbox, attach: the file's content
    std::string body;       // create: the voucher
    std::string voucher_id; // attach
    std::string filename;
    std::string content_type;
    std::function<Outcome(Outcome)> then; // applied to the file's final outcome
    // The answer, filled in by the lane.
    std::optional<Result<InboxUpload, ApiError>> uploaded;
    std::optional<Result<json::Document, ApiError>> created;
    std::optional<Result<std::string, ApiError>> attached;
};

// What happened to one file, for stdout.
struct Outcome {
    // uploaded, updated, duplicate, refused, failed, unknown, planned; "pending" while a write
    // with an unclear outcome waits to be reconciled (never printed: it ends as another action)
    std::string action;
    std::string voucher_id;
    std::string file_id;
    std::string voucher_number;
    std::string reason;
    std::vector<std::string> requests; // dry run: each a JSON object {method, url, body|form}
    std::shared_ptr<Step> step;        // a write still to send: the outcome is not final yet
};

// Applies `f` to the final outcome of `o`: at once, or once its writes are answered.
Outcome then(Outcome o, std::function<Outcome(Outcome)> f) {
    if (!o.step) {
        return f(std::move(o));
    }
    if (auto before = std::move(o.step->then)) {
        o.step->then = [before = std::move(before), f = std::move(f)](Outcome x) {
            return f(before(std::move(x)));
        };
    } else {
        o.step->then = std::move(f);
    }
    return o;
}

// A not-final outcome whose write `step` is to be sent.
Outcome sending(std::shared_ptr<Step> step) {
    Outcome o;
    o.action = "sending";
    o.step = std::move(step);
    return o;
}

Outcome make(std::string action, std::string reason, std::string voucher_id = {},
             std::string file_id = {}) {
    Outcome o;
    o.action = std::move(action);
    o.reason = std::move(reason);
    o.voucher_id = std::move(voucher_id);
    o.file_id = std::move(file_id);
    return o;
}

// The day before `date` (yyyy-MM-dd); `date` itself when it cannot be read.
std::string day_before(const std::string& date) {
    std::tm tm{};
    if (std::sscanf(date.c_str(), "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) {
        return date;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_mday -= 1;
    tm.tm_hour = 12;
    const std::time_t t = ::timegm(&tm);
    std::tm out{};
    if (t == static_cast<std::time_t>(-1) || !::gmtime_r(&t, &out)) {
        return date;
    }
    return fmt::format("{:04}-{:02}-{:02}", out.tm_year + 1900, out.tm_mon + 1, out.tm_mday);
}

// The Berlin date `days` days before today (lexoffice's created dates are local).
std::string days_ago(const Clock& clock, int days) {
    return format_date(date_of_day(day_number(berlin::local_date(clock.now())) - days));
}

// The lookup scope of --lookup-days `days`, as the scan cursor keeps it: "all" (every age),
// "created-from yyyy-MM-dd" (the unchecked vouchers and those created since that day) or
// "unchecked" (0 days).
std::string lookup_scope(const Clock& clock, int days) {
    if (days == k_lookup_all) {
        return k_scope_all;
    }
    if (days == 0) {
        return k_scope_unchecked;
    }
    return k_scope_created_from + days_ago(clock, days);
}

// Whether a scan of scope `done` (the cursor; empty: none yet) read everything scope `want`
// reads. Every scan read the unchecked vouchers; the value "done" of earlier versions, which
// read the purchase types only, covers nothing more.
bool scope_covers(const std::string& done, const std::string& want) {
    if (done.empty()) {
        return false;
    }
    if (done == k_scope_all || want == k_scope_unchecked) {
        return true;
    }
    const std::string prefix = k_scope_created_from;
    return want.rfind(prefix, 0) == 0 && done.rfind(prefix, 0) == 0 &&
           done.substr(prefix.size()) <= want.substr(prefix.size());
}

bool matches_glob(const std::vector<std::string>& globs, const fs::path& relative) {
    const std::string name = relative.filename().string();
    const std::string rel = relative.generic_string();
    for (const auto& g : globs) {
        const bool with_dir = g.find('/') != std::string::npos;
        if (::fnmatch(g.c_str(), (with_dir ? rel : name).c_str(), FNM_CASEFOLD) == 0) {
            return true;
        }
    }
    return false;
}

bool hidden(const fs::path& p) {
    const std::string n = p.filename().string();
    return !n.empty() && n[0] == '.';
}

// The files named by `paths`: files as given (any extension), directories walked recursively
// (hidden entries skipped) for files matching `globs`, each file once, in name order per
// directory.
std::vector<Item> collect(const std::vector<std::string>& paths,
                          const std::vector<std::string>& globs) {
    std::vector<Item> items;
    std::set<fs::path> seen;
    auto add = [&](const fs::path& p, const std::string& display) {
        std::error_code ec;
        const fs::path canon = fs::weakly_canonical(p, ec);
        if (!seen.insert(ec ? p : canon).second) {
            return;
        }
        Item it;
        it.path = ec ? p : canon;
        it.display = display;
        items.push_back(std::move(it));
    };
    for (const auto& arg : paths) {
        const fs::path p(arg);
        std::error_code ec;
        const auto st = fs::status(p, ec);
        if (ec || !fs::exists(st)) {
            Item it;
            it.path = p;
            it.display = arg;
            it.refusal = "no such file or directory";
            items.push_back(std::move(it));
            continue;
        }
        if (!fs::is_directory(st)) {
            add(p, arg);
            continue;
        }
        std::vector<fs::path> found;
        fs::recursive_directory_iterator walk(p, fs::directory_options::skip_permission_denied, ec);
        for (auto end = fs::recursive_directory_iterator(); !ec && walk != end;
             walk.increment(ec)) {
            const auto& entry = *walk;
            if (hidden(entry.path())) {
                if (entry.is_directory(ec)) {
                    walk.disable_recursion_pending();
                }
                continue;
            }
            if (entry.is_regular_file(ec) &&
                matches_glob(globs, entry.path().lexically_relative(p))) {
                found.push_back(entry.path());
            }
        }
        std::sort(found.begin(), found.end());
        for (const auto& f : found) {
            add(f, f.string());
        }
    }
    return items;
}

// Local checks: size before reading, then type and content; fills sha and kind or refusal.
void check_item(Item& it) {
    if (!it.refusal.empty()) {
        return;
    }
    std::error_code ec;
    it.size = fs::file_size(it.path, ec);
    if (ec) {
        it.refusal = "cannot be read: " + ec.message();
        return;
    }
    if (auto bad = file_check::check_size(it.size)) {
        it.refusal = *bad;
        return;
    }
    const auto loaded = read_file(it.path);
    if (!loaded) {
        it.refusal = "cannot be read";
        return;
    }
    const std::string& content = *loaded;
    auto kind = file_check::check(it.path, content);
    if (!kind) {
        it.refusal = kind.error();
        return;
    }
    it.kind = *kind;
    it.sha = sha256_hex(content);
}

std::string form_plan(const std::string& method, const std::string& url, const Item& it,
                      bool with_type) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("method");
    w.String(method.c_str());
    w.Key("url");
    w.String(url.c_str());
    w.Key("form");
    w.StartArray();
    w.StartObject();
    w.Key("name");
    w.String("file");
    w.Key("filename");
    const std::string name = it.path.filename().string();
    w.String(name.c_str());
    w.Key("contentType");
    w.String(file_check::content_type(it.kind));
    w.Key("bytes");
    w.Uint64(it.size);
    w.EndObject();
    if (with_type) {
        w.StartObject();
        w.Key("name");
        w.String("type");
        w.Key("value");
        w.String("voucher");
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return buf.GetString();
}

std::string json_plan(const std::string& method, const std::string& url, const std::string& body) {
    json::Document d;
    return json::to_string(planned_request(method, url, body, d.GetAllocator()));
}

class Uploader {
public:
    Uploader(const UploadOptions& opts, Context& ctx, const PostingCategories& categories,
             const VoucherInput* to_data)
        : m_opts(opts), m_ctx(ctx), m_client(ctx.client()), m_categories(categories),
          m_to_data(to_data), m_receipts(ctx, opts.dry_run) {}

    void set_run(std::int64_t run_id) {
        m_run = run_id;
        m_receipts.set_run(run_id);
    }

    // What to do with `it`: a final outcome, or one whose write (o.step) is still to be sent and
    // finished.
    Outcome process(const Item& it) {
        Outcome o = process_one(it);
        if (!o.step) {
            remember(it, o);
        }
        return o;
    }

    // Sends a step's request and keeps the answer in it. Touches nothing of the run, so it may
    // run on a lane.
    static void send(ApiClient& client, Step& s) {
        switch (s.kind) {
        case Step::Kind::inbox:
            s.uploaded.emplace(
                upload_to_inbox(client, s.filename, std::move(s.bytes), s.content_type));
            break;
        case Step::Kind::create:
            s.created.emplace(receipts::ReceiptLedger::send_create(client, s.body));
            break;
        case Step::Kind::attach:
            s.attached.emplace(lexsync::vouchers::attach_file(client, s.voucher_id, s.filename,
                                                              std::move(s.bytes), s.content_type));
            break;
        }
    }

    // Takes the answer of `o`'s step back (on the command's thread): the file's outcome, or its
    // next write.
    Outcome finish(const Item& it, Outcome o) {
        Step& s = *o.step;
        Outcome next;
        switch (s.kind) {
        case Step::Kind::inbox:
            next = inbox_answered(it, std::move(*s.uploaded));
            break;
        case Step::Kind::create:
            next = created(it, std::move(*s.created));
            break;
        case Step::Kind::attach:
            next = attach_answered(it, s.voucher_id, std::move(*s.attached));
            break;
        }
        if (s.then) {
            next = then(std::move(next), std::move(s.then));
        }
        if (!next.step) {
            remember(it, next);
        }
        return next;
    }

    // `o` sent and finished here, write after write, through the run's client.
    Outcome complete(const Item& it, Outcome o) {
        while (o.step) {
            send(m_client, *o.step);
            o = finish(it, std::move(o));
        }
        return o;
    }

    bool stopped() const { return m_stopped; }
    const ApiError& stop_error() const { return m_stop_error; }

private:
    // Notes where the first file of a content went (later files of the same content are
    // duplicates of it).
    void remember(const Item& it, const Outcome& o) {
        if (!it.sha.empty() && o.action != "refused") {
            auto& first = m_seen[it.sha];
            if (first.voucher_id.empty()) {
                first.voucher_id = o.voucher_id;
                first.file_id = o.file_id;
            }
        }
    }

    // The first file of a content in this run and where it went.
    struct Seen {
        std::string display;
        std::string voucher_id;
        std::string file_id;
    };

    Outcome process_one(const Item& it) {
        if (!it.refusal.empty()) {
            return make("refused", it.refusal);
        }
        if (m_stopped) {
            return make("failed", "not attempted: the run stopped");
        }
        if (auto s = m_seen.find(it.sha); s != m_seen.end()) {
            return make("duplicate", "same content as " + s->second.display, s->second.voucher_id,
                        s->second.file_id);
        }
        m_seen.emplace(it.sha, Seen{it.display, "", ""});
        if (!m_opts.to.empty()) {
            return to_existing(it);
        }
        const receipts::ReceiptEntries ledger = m_receipts.entries(it.sha);
        const auto& receipt = ledger.receipt;
        const auto& rv = ledger.voucher;
        if (ledger.uploaded()) {
            // A receipt booked under several categories keeps them: one category for every
            // item is what a change sets.
            if (it.data && it.category && it.category_ids.empty() && ledger.voucher_made() &&
                rv->content_hash != categories_hash(it)) {
                return change_category_by_id(it, rv->remote_id);
            }
            Outcome o =
                make("duplicate",
                     fmt::format("uploaded before{}", rv ? " as voucher " + rv->remote_number
                                                         : std::string(" to the receipt inbox")),
                     receipt->remote_id, receipt->remote_number);
            if (it.data && !rv) {
                o.reason += "; to add bookkeeping data use --to " + receipt->remote_id;
            }
            return o;
        }
        // A write with an unclear outcome is looked up in lexoffice only once its request can no
        // longer be in flight; until then the file waits for the end of the run.
        if (!m_opts.dry_run && m_receipts.in_flight(ledger)) {
            return make("pending", "an earlier write of this file had no clear answer");
        }
        if (ledger.voucher_made()) {
            // The voucher exists but its file is not attached (yet): attach only.
            return attach_resume(it, *rv, receipt);
        }
        if (ledger.upload_unconfirmed() && !rv) {
            // An inbox upload whose answer was lost: lexoffice's vouchers created since then
            // tell whether it happened.
            auto found = find_in_inbox(it, receipt->updated_at.substr(0, 10));
            if (!found) {
                return found.error();
            }
            if (*found) {
                const VoucherFile& f = **found;
                m_receipts.record(k_receipt, it.sha, f.voucher_id, f.file_id, 0, it.sha);
                return make("uploaded",
                            "to the receipt inbox; confirmed in lexoffice after an unclear answer",
                            f.voucher_id, f.file_id);
            }
            m_receipts.forget(k_receipt, it.sha);
        }
        if (it.data) {
            return bookkeeping(it, ledger.creation_unconfirmed());
        }
        if (ledger.creation_unconfirmed()) {
            return make("unknown", "an earlier run's voucher for this file is unconfirmed; run "
                                   "again with the same bookkeeping data (--data) to check it "
                                   "by voucher number");
        }
        if (!receipt) {
            // Not in the ledger: an empty or lost ledger must not upload again what lexoffice
            // already holds, so the inbox is read once per ledger.
            auto found = find_in_inbox(it, {});
            if (!found) {
                return found.error();
            }
            if (*found) {
                const VoucherFile& f = **found;
                m_receipts.record(k_receipt, it.sha, f.voucher_id, f.file_id, 0, it.sha);
                return make("duplicate", "found in lexoffice (uploaded before)", f.voucher_id,
                            f.file_id);
            }
        }
        return inbox(it);
    }

public:
    // Processes `it` again after its unclear write settled (see run_upload).
    Outcome reconcile(const Item& it) {
        m_seen.erase(it.sha);
        return complete(it, process(it));
    }

    // The pending ledger entries of `it`.
    std::vector<LedgerEntry> pending_entries(const Item& it) { return m_receipts.pending(it.sha); }

    // Starts a new round of reconciliation: the next look into lexoffice lists again.
    void new_round() { m_scanned_since.reset(); }

    // The request timeout: how long a sent request may stay in flight.
    std::chrono::milliseconds timeout() const { return m_ctx.profile().request_timeout(); }

    // Notes the files of `items` that an empty or lost ledger looks for in lexoffice (inbox files
    // the ledger does not know), so that the look stops once all of them are found.
    void plan_inbox(const std::vector<Item>& items) {
        if (!m_opts.to.empty()) {
            return;
        }
        for (const auto& it : items) {
            if (it.refusal.empty() && !it.data && !m_receipts.entries(it.sha).receipt) {
                m_wanted.insert(it.sha);
            }
        }
    }

    // Prepares the number lookup for the bookkeeping data of `items`: the voucher list is read
    // for their types and the range of their voucher dates.
    void plan_numbers(const std::vector<Item>& items) {
        std::set<std::string> types;
        std::string from;
        std::string to;
        bool dated = true;
        for (const auto& it : items) {
            if (!it.data || !it.refusal.empty()) {
                continue;
            }
            types.insert(type_name(it.data->type));
            const std::string& d = it.data->voucher_date;
            if (d.empty()) {
                dated = false;
                continue;
            }
            from = from.empty() || d < from ? d : from;
            to = to.empty() || d > to ? d : to;
        }
        VoucherListQuery query;
        query.types.clear();
        for (const auto& t : types) {
            query.types += (query.types.empty() ? "" : ",") + t;
        }
        if (dated) {
            query.voucher_date_from = from;
            query.voucher_date_to = to;
        }
        m_receipts.set_numbers_query(std::move(query));
    }

private:
    StateStore& state() { return m_ctx.state(); }

    static receipts::ReceiptFile file(const Item& it) { return {it.path, it.sha, it.kind}; }

    // The voucher ids the ledger knows; the first call also takes the file hashes of the
    // vouchers looked into before (by this ledger's earlier looks) into m_inbox_files.
    // Known are the vouchers lexsync wrote or found before under any ledger kind: receipts,
    // their bookkeeping vouchers (also those of transactions export), invoices exported as
    // vouchers; their files are not downloaded.
    std::set<std::string> known_vouchers() {
        std::set<std::string> ids;
        auto st = state().db().prepare(
            "SELECT remote_id FROM ledger WHERE kind != ?1 AND remote_id != ''");
        st.bind(1, std::string(k_inbox_voucher));
        while (st.step()) {
            ids.insert(st.column_text(0));
        }
        auto cached = state().db().prepare(
            "SELECT key, content_hash, remote_number FROM ledger WHERE kind = ?1");
        cached.bind(1, std::string(k_inbox_voucher));
        while (cached.step()) {
            const std::string id = cached.column_text(0);
            std::istringstream shas(cached.column_text(1));
            std::istringstream files(cached.column_text(2));
            std::string sha;
            std::string file;
            while (!m_cache_loaded && shas >> sha) {
                files >> file;
                m_inbox_files.emplace(sha, VoucherFile{id, file, sha});
            }
            ids.insert(id);
        }
        m_cache_loaded = true;
        return ids;
    }

    // Whether every file of m_wanted has been found in lexoffice.
    bool wanted_found() const {
        return std::all_of(m_wanted.begin(), m_wanted.end(),
                           [&](const std::string& sha) { return m_inbox_files.count(sha) > 0; });
    }

    // Reads the vouchers `query` lists that the ledger does not know and hashes their files, the
    // unchecked ones first (where inbox receipts most likely are). With `until_wanted` it stops
    // once every file of m_wanted is found (m_scan_cut), leaving the others unread.
    std::optional<Outcome> scan(const VoucherListQuery& query, bool until_wanted = false) {
        const auto known = known_vouchers();
        auto listed = list_vouchers(m_client, query);
        if (!listed && listed.error().status == 403) {
            // A connection without voucherlist.read cannot look; uploads go on as before.
            if (!m_scan_refused) {
                m_ctx.warn("vouchers upload: this connection may not read the voucher list "
                           "(voucherlist.read), so receipts cannot be looked for in lexoffice");
            }
            m_scan_refused = true;
            return std::nullopt;
        }
        if (!listed) {
            fail_or_stop(listed.error());
            return make("failed",
                        "looking into lexoffice's vouchers: " + listed.error().describe());
        }
        std::stable_partition(listed->begin(), listed->end(),
                              [](const ListedVoucher& v) { return v.status == "unchecked"; });
        for (const auto& v : *listed) {
            if (known.count(v.id) || m_looked_into.count(v.id)) {
                continue; // hashed before (by an earlier run or an earlier list of this one)
            }
            if (until_wanted && wanted_found()) {
                m_scan_cut = true;
                return std::nullopt;
            }
            auto files = hash_voucher_files(m_client, m_ctx.clock, v.id);
            if (!files) {
                if (files.error().kind == ApiError::Kind::not_found) {
                    continue; // listed, but not readable (yet): holds nothing to compare
                }
                fail_or_stop(files.error());
                return make("failed", "reading voucher " + v.id + ": " + files.error().describe());
            }
            std::string shas;
            std::string ids;
            m_looked_into.insert(v.id);
            for (const auto& f : *files) {
                m_inbox_files.emplace(f.sha256, f);
                shas += (shas.empty() ? "" : " ") + f.sha256;
                ids += (ids.empty() ? "" : " ") + f.file_id;
            }
            if (!m_opts.dry_run) {
                LedgerEntry e;
                e.kind = k_inbox_voucher;
                e.key = v.id;
                e.content_hash = shas;
                e.status = "done";
                e.remote_id = v.id;
                e.remote_number = ids;
                e.run_id = m_run;
                state().mark_done(e);
            }
        }
        return std::nullopt;
    }

    // Lists and hashes what the lookup scope `scope` (see lookup_scope) selects. An inbox receipt
    // stays a bookkeeping voucher when the user completes it, with its file: unchecked, then an
    // open (later paid, …) purchase voucher, or a sales voucher for a revenue receipt. So
    // "unchecked" lists the inbox (any age); "created-from D" also the vouchers of the four
    // bookkeeping types and any status created since D; "all" lists these of any age in one list.
    // It stops once every file of m_wanted is found (m_scan_cut).
    std::optional<Outcome> scan_scope(const std::string& scope) {
        m_scan_cut = false;
        if (scope == k_scope_all) {
            return scan(VoucherListQuery{}, true);
        }
        VoucherListQuery unchecked;
        unchecked.statuses = "unchecked";
        if (auto failed = scan(unchecked, true)) {
            return failed;
        }
        if (scope.rfind(k_scope_created_from, 0) == 0 && !m_scan_refused && !m_scan_cut) {
            VoucherListQuery completed;
            completed.created_date_from = scope.substr(std::string(k_scope_created_from).size());
            return scan(completed, true);
        }
        return std::nullopt;
    }

    // Looks for the file of `it` in lexoffice: among the vouchers created since `since`
    // (yyyy-MM-dd, any status; an unclear upload of that day), or with an empty `since` among the
    // bookkeeping vouchers --lookup-days selects (see lookup_scope), once per ledger. Returns the
    // file found, nullopt when lexoffice does not hold it, or the failure as an outcome.
    Result<std::optional<VoucherFile>, Outcome> find_in_inbox(const Item& it,
                                                              const std::string& since) {
        if (since.empty()) {
            // What earlier looks of this ledger hashed answers first.
            if (!m_cache_loaded) {
                known_vouchers();
            }
            m_wanted.insert(it.sha);
            if (!m_full_scan_done && !m_inbox_files.count(it.sha)) {
                const std::string want = lookup_scope(m_ctx.clock, m_opts.lookup_days);
                if (!scope_covers(state().cursor(k_inbox_scan_cursor).value_or(""), want)) {
                    if (auto failed = scan_scope(want)) {
                        return unexpected(std::move(*failed));
                    }
                    // A look cut short (every file asked for was found) is taken up again by
                    // the next file it did not find, here or in a later run.
                    if (!m_opts.dry_run && !m_scan_refused && !m_scan_cut) {
                        state().set_cursor(k_inbox_scan_cursor, want);
                    }
                }
                m_full_scan_done = !m_scan_cut;
            }
        } else {
            // One day earlier: the ledger's date is UTC, lexoffice's created date local time.
            const std::string from = day_before(since);
            if (!m_scanned_since || from < *m_scanned_since) {
                VoucherListQuery q;
                q.created_date_from = from;
                if (auto failed = scan(q)) {
                    return unexpected(std::move(*failed));
                }
                m_scanned_since = from;
            }
        }
        if (auto f = m_inbox_files.find(it.sha); f != m_inbox_files.end()) {
            return std::optional<VoucherFile>(f->second);
        }
        if (m_scan_refused && !since.empty()) {
            // Never sent again without a look: it may be there.
            return unexpected(make("unknown",
                                   "an earlier upload of this file had no clear answer and this "
                                   "connection cannot look for it in lexoffice (voucherlist.read); "
                                   "look for it in lexoffice's inbox"));
        }
        return std::optional<VoucherFile>();
    }

    // Failures that stop the run (see receipts::stops_run).
    void fail_or_stop(const ApiError& e) {
        if (receipts::stops_run(e)) {
            m_stopped = true;
            m_stop_error = e;
        }
    }

    Outcome inbox(const Item& it) {
        if (m_opts.dry_run) {
            Outcome o = make("planned", "to the receipt inbox (creates an unchecked voucher)");
            o.requests.push_back(form_plan("POST", m_client.url("/v1/files"), it, true));
            return o;
        }
        auto bytes = receipts::ReceiptLedger::content(file(it));
        if (!bytes) {
            return make("failed", "the file changed or vanished during the run");
        }
        state().mark_pending(k_receipt, it.sha, it.sha, m_run);
        auto s = std::make_shared<Step>();
        s->kind = Step::Kind::inbox;
        s->bytes = std::move(*bytes);
        s->filename = it.path.filename().string();
        s->content_type = file_check::content_type(it.kind);
        return sending(std::move(s));
    }

    Outcome inbox_answered(const Item& it, Result<InboxUpload, ApiError> up) {
        if (up) {
            m_receipts.record(k_receipt, it.sha, up->voucher_id, up->file_id, 0, it.sha);
            return make("uploaded", "to the receipt inbox", up->voucher_id, up->file_id);
        }
        const ApiError& e = up.error();
        fail_or_stop(e);
        if (e.maybe_executed) {
            // The upload may have happened: once it can no longer be in flight, the files of the
            // vouchers created since tell.
            state().mark_pending(k_receipt, it.sha, it.sha, m_run);
            return make("pending", e.describe());
        }
        state().forget(k_receipt, it.sha);
        if (e.kind == ApiError::Kind::validation) {
            return make("refused", "lexoffice refused the file: " + e.describe());
        }
        return make("failed", e.describe());
    }

    // Finds the voucher with the item's number and type; nullopt after a failed lookup (reason in
    // `failure`).
    std::optional<std::vector<json::Document>> lookup(const VoucherInput& d, Outcome& failure,
                                                      bool fresh) {
        auto found = m_receipts.by_number(d.voucher_number, d.type, fresh);
        if (!found) {
            fail_or_stop(found.error());
            failure = make("failed", "looking up voucher number " + d.voucher_number + ": " +
                                         found.error().describe());
            return std::nullopt;
        }
        return std::move(*found);
    }

    Outcome bookkeeping(const Item& it, bool creation_unconfirmed) {
        const VoucherInput& d = *it.data;
        Outcome failure;
        auto found = lookup(d, failure, creation_unconfirmed);
        if (!found) {
            return failure;
        }
        if (!found->empty()) {
            const json::Document& v = found->front();
            const std::string id = json::get_string(v, "id").value_or("");
            const bool has_files = receipts::file_count(v) > 0;
            if (!creation_unconfirmed && !has_files && !m_opts.dry_run) {
                // A voucher with this number and no file (an earlier run stopped before the
                // attach, or its ledger is lost): the file goes there.
                m_receipts.adopt(it.sha, v, d.voucher_number, categories_hash(it), false);
                return then(attach(it, id), [number = d.voucher_number](Outcome o) {
                    o.voucher_number = number;
                    if (o.action == "uploaded") {
                        o.reason = "voucher number " + number +
                                   " found in lexoffice without a file; the file is attached now";
                    }
                    return o;
                });
            }
            if (creation_unconfirmed) {
                // Our earlier POST did create it: record it and attach the file.
                m_receipts.adopt(it.sha, v, d.voucher_number, categories_hash(it), false);
                return then(attach(it, id), [](Outcome o) {
                    o.reason = "voucher confirmed after an earlier ambiguous failure; " + o.reason;
                    return o;
                });
            }
            const auto cats = category_ids(v);
            if (it.category_ids.empty() && !cats.empty() &&
                (cats.size() != 1 || cats.front() != it.category->id)) {
                return change_category(it, v);
            }
            Outcome o = make("duplicate",
                             fmt::format("voucher number {} already exists in lexoffice ({})",
                                         d.voucher_number, type_name(d.type)),
                             id);
            o.voucher_number = d.voucher_number;
            if (!m_opts.dry_run && has_files) {
                // Found again: later runs need not look it up.
                o.file_id =
                    m_receipts.adopt(it.sha, v, d.voucher_number, categories_hash(it), true);
            }
            return o;
        }
        if (creation_unconfirmed) {
            m_receipts.forget(k_receipt_voucher, it.sha);
        }
        if (!d.complete()) {
            return make("failed", fmt::format("voucher number {} is not in lexoffice; to create "
                                              "it give a voucher date, an amount and a tax rate",
                                              d.voucher_number));
        }
        const VoucherDraft draft = d.draft(it.category->id, it.category_ids);
        const std::string body = voucher_body(draft);
        if (m_opts.dry_run) {
            Outcome o = make("planned", "create a bookkeeping voucher, then attach the file");
            o.voucher_number = d.voucher_number;
            o.requests.push_back(json_plan("POST", m_client.url("/v1/vouchers"), body));
            o.requests.push_back(form_plan(
                "POST", m_client.url(std::string("/v1/vouchers/") + k_new_voucher + "/files"), it,
                false));
            return o;
        }
        m_receipts.begin_create(it.sha, categories_hash(it));
        auto s = std::make_shared<Step>();
        s->kind = Step::Kind::create;
        s->body = body;
        return sending(std::move(s));
    }

    // The answer to the POST of the item's voucher: the attach of its file next.
    Outcome created(const Item& it, Result<json::Document, ApiError> post) {
        const VoucherInput& d = *it.data;
        const receipts::Write w = m_receipts.end_create(it.sha, d.voucher_number, d.type,
                                                        categories_hash(it), std::move(post));
        if (w.status == receipts::Write::Status::done) {
            return attach(it, w.id);
        }
        fail_or_stop(w.error);
        if (w.status == receipts::Write::Status::pending) {
            Outcome o = make("pending", w.error.describe());
            o.voucher_number = d.voucher_number;
            return o;
        }
        return make("failed", w.error.describe());
    }

    // Attaches the item's file to `voucher_id`.
    Outcome attach(const Item& it, const std::string& voucher_id) {
        if (m_opts.dry_run) {
            Outcome o = make("planned", "attach the file to voucher " + voucher_id, voucher_id);
            o.requests.push_back(form_plan(
                "POST", m_client.url("/v1/vouchers/" + voucher_id + "/files"), it, false));
            return o;
        }
        auto bytes = m_receipts.begin_attach(file(it));
        if (!bytes) {
            return changed(voucher_id);
        }
        auto s = std::make_shared<Step>();
        s->kind = Step::Kind::attach;
        s->bytes = std::move(*bytes);
        s->voucher_id = voucher_id;
        s->filename = it.path.filename().string();
        s->content_type = file_check::content_type(it.kind);
        return sending(std::move(s));
    }

    static Outcome changed(const std::string& voucher_id) {
        return make("failed",
                    "the file changed or vanished during the run; the next run attaches it",
                    voucher_id);
    }

    Outcome attach_answered(const Item& it, const std::string& voucher_id,
                            Result<std::string, ApiError> answer) {
        const receipts::Write w = m_receipts.end_attach(file(it), voucher_id, std::move(answer));
        switch (w.status) {
        case receipts::Write::Status::done: {
            const auto rv = state().get(k_receipt_voucher, it.sha);
            Outcome o =
                make("uploaded", "bookkeeping voucher with the file attached", voucher_id, w.id);
            o.voucher_number = rv ? rv->remote_number : std::string();
            return o;
        }
        case receipts::Write::Status::changed:
            return changed(voucher_id);
        case receipts::Write::Status::pending:
            fail_or_stop(w.error);
            return make("pending", w.error.describe(), voucher_id);
        case receipts::Write::Status::failed:
            break;
        }
        fail_or_stop(w.error);
        return make("failed",
                    "the voucher exists, attaching the file failed: " + w.error.describe() +
                        "; the next run attaches it",
                    voucher_id);
    }

    // The voucher of `rv` exists; attaches the file unless an earlier ambiguous attach happened.
    Outcome attach_resume(const Item& it, const LedgerEntry& rv,
                          const std::optional<LedgerEntry>& receipt) {
        if (receipt && receipt->status == "pending") {
            auto attached = m_receipts.confirm_attach(it.sha, rv);
            if (!attached) {
                fail_or_stop(attached.error());
                return make("failed",
                            "reading voucher " + rv.remote_id + ": " + attached.error().describe(),
                            rv.remote_id);
            }
            if (*attached) {
                return make("uploaded", "attach confirmed after an earlier ambiguous failure",
                            rv.remote_id, **attached);
            }
        }
        return then(attach(it, rv.remote_id), [](Outcome o) {
            if (o.action == "uploaded" || o.action == "planned") {
                o.reason = "resumed: the voucher existed, the file is attached now";
            }
            return o;
        });
    }

    // Sends `body` as PUT /v1/vouchers/{id}; on a stale version reads again and rebuilds once.
    Result<json::Document, ApiError>
    put(const std::string& id, std::string body,
        const std::function<std::string(const json::Value&)>& rebuild) {
        auto r = m_client.put_json("/v1/vouchers/" + id, body);
        if (!r && r.error().kind == ApiError::Kind::conflict) {
            auto fresh = get_voucher(m_client, m_ctx.clock, id);
            if (!fresh) {
                return unexpected(std::move(fresh).error());
            }
            r = m_client.put_json("/v1/vouchers/" + id, rebuild(*fresh));
        }
        return r;
    }

    Outcome change_category_by_id(const Item& it, const std::string& id) {
        auto v = get_voucher(m_client, m_ctx.clock, id);
        if (!v) {
            fail_or_stop(v.error());
            return make("failed", "reading voucher " + id + ": " + v.error().describe(), id);
        }
        const auto cats = category_ids(*v);
        if (cats.size() == 1 && cats.front() == it.category->id) {
            if (!m_opts.dry_run) {
                auto rv = state().get(k_receipt_voucher, it.sha);
                m_receipts.record(k_receipt_voucher, it.sha, id, rv ? rv->remote_number : "",
                                  rv ? rv->remote_version : 0, categories_hash(it));
            }
            return make("duplicate", "uploaded before", id);
        }
        return change_category(it, *v);
    }

    // Sets the posting category of every item of `v` to the item's category.
    Outcome change_category(const Item& it, const json::Value& v) {
        const std::string id = json::get_string(v, "id").value_or("");
        VoucherChange change;
        change.category_id = it.category->id;
        const std::string body = update_body(v, change);
        Outcome o;
        o.voucher_id = id;
        o.voucher_number = json::get_string(v, "voucherNumber").value_or("");
        if (m_opts.dry_run) {
            o.action = "planned";
            o.reason = "change the posting category to " + it.category->name;
            o.requests.push_back(json_plan("PUT", m_client.url("/v1/vouchers/" + id), body));
            return o;
        }
        auto r =
            put(id, body, [&](const json::Value& fresh) { return update_body(fresh, change); });
        if (r) {
            o.action = "updated";
            o.reason = "posting category changed to " + it.category->name;
            if (auto rv = state().get(k_receipt_voucher, it.sha); rv && rv->remote_id == id) {
                m_receipts.record(k_receipt_voucher, it.sha, id, rv->remote_number,
                                  rv->remote_version, categories_hash(it));
            }
            return o;
        }
        fail_or_stop(r.error());
        // A PUT that may have run is safe to compare and repeat.
        o.action = r.error().maybe_executed ? "pending" : "failed";
        o.reason = "changing the posting category: " + r.error().describe();
        return o;
    }

    // `--to`: adds the file to an existing voucher, after writing any bookkeeping changes.
    Outcome to_existing(const Item& it) {
        const std::string& id = m_opts.to;
        const receipts::ReceiptEntries ledger = m_receipts.entries(it.sha);
        const auto& receipt = ledger.receipt;
        const auto& rv = ledger.voucher;
        if (ledger.uploaded()) {
            return make("duplicate",
                        receipt->remote_id == id
                            ? std::string("already attached to this voucher")
                            : "uploaded before, to voucher " + receipt->remote_id,
                        receipt->remote_id, receipt->remote_number);
        }
        if (receipt && receipt->status == "pending") {
            if (!m_opts.dry_run && m_receipts.in_flight({receipt, std::nullopt})) {
                return make("pending", "an earlier attach of this file had no clear answer", id);
            }
            if (rv && rv->status == "done" && rv->remote_id == id) {
                return attach_resume(it, *rv, receipt);
            }
            if (!m_opts.retry_unknown) {
                return make("unknown", "an earlier upload of this file failed without a clear "
                                       "answer; check lexoffice, then run with --retry-unknown");
            }
        }
        auto v = get_voucher(m_client, m_ctx.clock, id);
        if (!v) {
            fail_or_stop(v.error());
            return make("failed", "reading voucher " + id + ": " + v.error().describe(), id);
        }
        Outcome o;
        o.voucher_id = id;
        std::string category_id;
        if (m_to_data) {
            const VoucherInput& d = *m_to_data;
            VoucherInput merged = d;
            if (m_opts.type.empty()) {
                if (auto t = parse_type(json::get_string(*v, "type").value_or(""))) {
                    merged.type = *t;
                }
            }
            std::optional<std::string> cat;
            if (!d.category.empty()) {
                auto c = m_categories.resolve(d.category, merged.type);
                if (!c) {
                    return make("failed", "category: " + c.error(), id);
                }
                cat = (*c)->id;
                category_id = (*c)->id;
            }
            VoucherDraft draft = merged.draft(category_id);
            VoucherChange change;
            change.category_id = cat;
            change.data = &draft;
            const std::string body = update_body(*v, change);
            if (m_opts.dry_run) {
                o.requests.push_back(json_plan("PUT", m_client.url("/v1/vouchers/" + id), body));
            } else {
                auto r = put(id, body,
                             [&](const json::Value& fresh) { return update_body(fresh, change); });
                if (!r) {
                    fail_or_stop(r.error());
                    return make(r.error().maybe_executed ? "pending" : "failed",
                                "updating voucher " + id + ": " + r.error().describe(), id);
                }
                auto fresh = get_voucher(m_client, m_ctx.clock, id);
                if (fresh) {
                    v = std::move(fresh);
                }
            }
        }
        const auto* files = json::find(*v, "files");
        const auto n = files && files->IsArray() ? static_cast<std::int64_t>(files->Size()) : 0;
        if (m_opts.dry_run) {
            o.requests.push_back(
                form_plan("POST", m_client.url("/v1/vouchers/" + id + "/files"), it, false));
            o.action = "planned";
            o.reason = m_to_data ? "update the voucher, then attach the file"
                                 : "attach the file to the voucher";
            return o;
        }
        m_receipts.record(k_receipt_voucher, it.sha, id,
                          json::get_string(*v, "voucherNumber").value_or(""), n,
                          category_hash(category_id));
        return then(attach(it, id), [with_data = m_to_data != nullptr](Outcome a) {
            if (a.action == "uploaded") {
                a.reason = with_data ? "voucher updated, file attached" : "file attached";
            }
            return a;
        });
    }

    const UploadOptions& m_opts;
    Context& m_ctx;
    ApiClient& m_client;
    const PostingCategories& m_categories;
    const VoucherInput* m_to_data;
    std::int64_t m_run = 0;
    std::map<std::string, Seen> m_seen; // by SHA-256, within this run
    receipts::ReceiptLedger m_receipts;
    std::multimap<std::string, VoucherFile> m_inbox_files; // by SHA-256
    std::set<std::string> m_looked_into; // voucher ids whose files this run hashed
    bool m_full_scan_done = false;
    bool m_scan_refused = false;
    bool m_scan_cut = false;     // the last look stopped once every wanted file was found
    bool m_cache_loaded = false; // m_inbox_files holds the ledger's inbox-voucher hashes
    // The SHA-256 of the files a look into lexoffice is for: the run's inbox files the ledger
    // does not know (plan_inbox) and each file asked for.
    std::set<std::string> m_wanted;
    std::optional<std::string> m_scanned_since;
    bool m_stopped = false;
    ApiError m_stop_error;
};

// A --lookup-days number: 0 to 36500 days, or nullopt.
std::optional<int> lookup_days_value(const std::string& v) {
    int n = -1;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n < 0 || n > 36500) {
        return std::nullopt;
    }
    return n;
}

bool any_bookkeeping_flag(const UploadOptions& o) {
    return !o.voucher_number.empty() || !o.date.empty() || !o.due_date.empty() || !o.type.empty() ||
           !o.amount.empty() || !o.net.empty() || !o.tax_rate.empty() || !o.category.empty() ||
           !o.contact.empty() || o.collective_contact || !o.contact_name.empty() ||
           !o.remark.empty();
}

// "voucher_number" → "--voucher-number" (and voucher_date → --date) for issues about flags.
std::string flag_name(const std::string& field) {
    if (field == "voucher_date") {
        return "--date";
    }
    std::string f = field;
    std::replace(f.begin(), f.end(), '_', '-');
    return "--" + f;
}

[[noreturn]] void invalid(Context& ctx, const std::vector<InputIssue>& issues,
                          const std::string& what) {
    for (const auto& i : issues) {
        ctx.say("lexsync: " + i.to_string());
    }
    throw Error(ExitCode::invalid_input,
                fmt::format("{} problem{} in {}; nothing was sent", issues.size(),
                            issues.size() == 1 ? "" : "s", what));
}

// The bookkeeping data of a run: from the flags (one file, or the voucher of --to) or from the
// --data sidecar.
struct BookkeepingData {
    std::vector<VoucherInput> rows;
    std::optional<VoucherInput> to_data; // the flags' data for --to
};

// Refuses option combinations that cannot work, before anything is read.
void check_command_line(const UploadOptions& opts, Context& ctx, bool flags) {
    if (flags && !opts.data.empty()) {
        invalid(ctx,
                {InputIssue{k_command_line, 0, "--data",
                            "give bookkeeping data with flags for one file or with --data, not "
                            "both"}},
                "the command line");
    }
    if (!opts.to.empty() && !opts.data.empty()) {
        invalid(ctx, {InputIssue{k_command_line, 0, "--to", "cannot be combined with --data"}},
                "the command line");
    }
    if (!opts.to.empty() && !is_uuid(opts.to)) {
        invalid(ctx,
                {InputIssue{k_command_line, 0, "--to",
                            fmt::format("'{}' is not a voucher id (UUID)", opts.to)}},
                "the command line");
    }
}

// Reads the bookkeeping data of the flags or the sidecar; refuses the run (exit 6) on a problem.
BookkeepingData read_bookkeeping(const UploadOptions& opts, Context& ctx, bool flags) {
    BookkeepingData out;
    std::vector<InputIssue> issues;
    if (flags) {
        VoucherFields f;
        f.voucher_number = opts.voucher_number;
        f.voucher_date = opts.date;
        f.due_date = opts.due_date;
        f.type = opts.type;
        f.amount = opts.amount;
        f.net = opts.net;
        f.tax_rate = opts.tax_rate;
        f.category = opts.category;
        f.contact = opts.contact;
        f.collective_contact = opts.collective_contact ? "true" : "";
        f.contact_name = opts.contact_name;
        f.remark = opts.remark;
        VoucherInput in;
        for (auto& i : parse_fields(f, k_command_line, 0, in)) {
            const bool optional_for_to =
                !opts.to.empty() &&
                i.message.rfind("missing (mandatory with bookkeeping", 0) == 0 &&
                (i.field == "voucher_number" || (i.field == "category" && in.amounts.empty()));
            if (!optional_for_to) {
                i.field = flag_name(i.field);
                issues.push_back(std::move(i));
            }
        }
        if (opts.to.empty()) {
            out.rows.push_back(std::move(in));
        } else {
            out.to_data = std::move(in);
        }
    } else if (!opts.data.empty()) {
        auto sidecar = read_sidecar(opts.data);
        if (!sidecar) {
            invalid(ctx, sidecar.error(), opts.data);
        }
        out.rows = std::move(sidecar).value();
    }
    if (!issues.empty()) {
        invalid(ctx, issues, "the command line");
    }

    return out;
}

// Gives each file its row of bookkeeping data (one file for the flags, by path for --data).
void map_data_to_files(const UploadOptions& opts, Context& ctx, bool flags,
                       std::vector<VoucherInput>& rows, std::vector<Item>& items) {
    std::vector<InputIssue> issues;
    if (flags && opts.to.empty() && !items.empty()) {
        items.front().data = &rows.front();
    } else if (!opts.data.empty()) {
        const fs::path base = fs::path(opts.data).parent_path();
        std::map<fs::path, Item*> by_path;
        for (auto& it : items) {
            by_path[it.path] = &it;
        }
        for (auto& r : rows) {
            fs::path p(r.file);
            if (p.is_relative()) {
                p = base / p;
            }
            std::error_code ec;
            if (!fs::exists(p, ec)) {
                issues.push_back(InputIssue{r.source, r.line, "file",
                                            fmt::format("no such file '{}'", p.string())});
                continue;
            }
            const fs::path canon = fs::weakly_canonical(p, ec);
            if (auto m = by_path.find(canon); m != by_path.end()) {
                m->second->data = &r;
            } else {
                ctx.warn(fmt::format("{}:{}: {} is not among the files to upload; row ignored",
                                     r.source, r.line, r.file));
            }
        }
    }
    if (!issues.empty()) {
        invalid(ctx, issues, opts.data);
    }
}

// The posting categories, fetched once when any voucher needs one, each voucher's categories
// resolved and checked against its type, contact and tax rates; refuses the run (exit 6) on a
// problem.
PostingCategories resolve_categories(const UploadOptions& opts, Context& ctx, bool flags,
                                     std::vector<Item>& items,
                                     const std::optional<VoucherInput>& to_data) {
    PostingCategories categories;
    std::vector<InputIssue> issues;
    const bool need_categories =
        std::any_of(items.begin(), items.end(),
                    [](const Item& it) { return it.data && it.refusal.empty(); }) ||
        (to_data && !to_data->category.empty());
    if (need_categories) {
        categories = value_or_throw(fetch_posting_categories(ctx.client()),
                                    "reading the posting categories");
        for (auto& it : items) {
            if (!it.data || !it.refusal.empty()) {
                continue;
            }
            const VoucherInput& d = *it.data;
            const bool cli = d.source == k_command_line;
            auto field = [&](const char* f) { return cli ? flag_name(f) : std::string(f); };
            auto c = categories.resolve(d.category, d.type);
            if (!c) {
                issues.push_back(InputIssue{d.source, d.line, field("category"), c.error()});
                continue;
            }
            it.category = *c;
            // The amounts' other categories, each resolved and checked like the first.
            std::map<std::string, const PostingCategory*> by_name{{d.category, *c}};
            for (const auto& other : d.other_categories()) {
                auto oc = categories.resolve(other, d.type);
                long line = d.line;
                for (const auto& a : d.amounts) {
                    if (a.category == other && a.line != 0) {
                        line = a.line;
                        break;
                    }
                }
                if (!oc) {
                    issues.push_back(InputIssue{d.source, line, field("category"), oc.error()});
                    continue;
                }
                by_name[other] = *oc;
                it.category_ids[other] = (*oc)->id;
            }
            for (const auto& [name, cat] : by_name) {
                if (cat->contact_required && d.contact_id.empty()) {
                    issues.push_back(InputIssue{
                        d.source, d.line, field("contact"),
                        fmt::format("posting category '{}' needs a contact, not the collective one",
                                    cat->name)});
                }
                std::set<Decimal> rates;
                for (const auto& a : d.amounts) {
                    if ((a.category.empty() ? d.category : a.category) == name) {
                        rates.insert(a.rate);
                    }
                }
                if (rates.size() > 1 && !cat->split_allowed) {
                    issues.push_back(InputIssue{
                        d.source, d.line, field("category"),
                        fmt::format("posting category '{}' allows only one tax rate per voucher",
                                    cat->name)});
                }
            }
        }
        if (!issues.empty()) {
            invalid(ctx, issues, flags ? std::string("the command line") : opts.data);
        }
    }

    return categories;
}

// Writes one record per file to stdout and counts the outcomes.
class Records {
public:
    explicit Records(Context& ctx) : m_writer(ctx.writer(result_columns())) {}

    void emit(const Item& it, const Outcome& o) {
        ++m_counts[o.action];
        auto& rec = m_rec;
        rec.SetObject();
        rec.GetAllocator().Clear(); // memory stays flat however many records
        auto& a = rec.GetAllocator();
        auto opt = [&](const std::string& s) {
            return s.empty() ? json::Value() : json::str(s, a);
        };
        rec.AddMember("path", json::str(it.display, a), a);
        rec.AddMember("sha256", opt(it.sha), a);
        rec.AddMember("action", json::str(o.action, a), a);
        rec.AddMember("voucherId", opt(o.voucher_id), a);
        rec.AddMember("fileId", opt(o.file_id), a);
        const std::string number = !o.voucher_number.empty()
                                       ? o.voucher_number
                                       : (it.data ? it.data->voucher_number : std::string());
        rec.AddMember("voucherNumber", opt(number), a);
        rec.AddMember("reason", opt(o.reason), a);
        if (!o.requests.empty()) {
            json::Value reqs(rapidjson::kArrayType);
            for (const auto& r : o.requests) {
                if (auto d = json::parse(r)) {
                    json::Value v;
                    v.CopyFrom(*d, a);
                    reqs.PushBack(v, a);
                }
            }
            rec.AddMember("requests", reqs, a);
        }
        m_writer->write(rec);
    }

    void finish() { m_writer->finish(); }
    long count(const std::string& action) const {
        const auto it = m_counts.find(action);
        return it == m_counts.end() ? 0 : it->second;
    }
    // The files not uploaded: refused, failed or unknown.
    long not_done() const { return count("refused") + count("failed") + count("unknown"); }

private:
    std::unique_ptr<RecordWriter> m_writer;
    std::map<std::string, long> m_counts;
    json::Document m_rec;
};

// The keys of `it` that another file's write in flight must not share: its content, and the
// number of its bookkeeping voucher.
std::vector<std::string> busy_keys(const Item& it) {
    std::vector<std::string> keys;
    if (!it.sha.empty()) {
        keys.push_back("sha:" + it.sha);
    }
    if (it.data && !it.data->voucher_number.empty()) {
        keys.push_back(
            fmt::format("number:{}:{}", type_name(it.data->type), it.data->voucher_number));
    }
    return keys;
}

// Every file processed in order. The writes overlap on the context's lanes (ctx.max_in_flight at
// once): each write's ledger entry is marked before its request is handed to a lane, and its
// answer is taken back here in the order the writes were handed over; a file's second write
// (the attach after its voucher was created) is handed over once the first is answered. The
// records come out in file order. A file whose content or voucher number has a write in flight
// waits for it. Files with an unclear answer go to `pending`.
void upload_items(const UploadOptions& opts, Context& ctx, Uploader& uploader,
                  const std::vector<Item>& items, Progress& progress, Records& records,
                  std::vector<std::pair<std::size_t, Outcome>>& pending) {
    std::map<std::size_t, Outcome> ready; // final outcomes waiting for an earlier file's
    std::size_t next = 0;                 // the next file whose record is due
    auto settled = [&](std::size_t i, Outcome o) {
        ready.emplace(i, std::move(o));
        for (auto r = ready.begin(); r != ready.end() && r->first == next; r = ready.begin()) {
            if (r->second.action == "pending") {
                pending.emplace_back(r->first, std::move(r->second));
            } else {
                records.emit(items[r->first], r->second);
            }
            ready.erase(r);
            ++next;
        }
    };
    if (opts.dry_run) {
        for (std::size_t i = 0; i < items.size(); ++i) {
            progress.update(i);
            settled(i, uploader.complete(items[i], uploader.process(items[i])));
        }
        return;
    }
    struct Sent {
        std::size_t i = 0;
        Outcome o;
    };
    using Slot = std::shared_ptr<Sent>;
    ClientLanes<Slot> lanes(ctx);
    std::set<std::string> busy;
    auto hand_over = [&](Slot s) {
        lanes.submit([s](ApiClient& client) {
            Uploader::send(client, *s->o.step);
            return s;
        });
    };
    auto taken = [&](Slot s) {
        s->o = uploader.finish(items[s->i], std::move(s->o));
        if (s->o.step) {
            hand_over(std::move(s));
            return;
        }
        for (const auto& k : busy_keys(items[s->i])) {
            busy.erase(k);
        }
        settled(s->i, std::move(s->o));
    };
    for (std::size_t i = 0; i < items.size(); ++i) {
        progress.update(i);
        lanes.make_room(taken);
        const auto keys = busy_keys(items[i]);
        if (std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return busy.count(k); })) {
            lanes.drain(taken);
        }
        auto s = std::make_shared<Sent>();
        s->i = i;
        s->o = uploader.process(items[i]);
        if (!s->o.step) {
            settled(i, std::move(s->o));
            continue;
        }
        busy.insert(keys.begin(), keys.end());
        hand_over(std::move(s));
    }
    lanes.drain(taken);
    lanes.close();
}

// Reconciliation: once no unclear request can still be in flight, each file of `pending` is
// looked up in lexoffice and written again only when it is not there. A few rounds, because the
// second attempt can meet a fault too. Returns the files still unclear.
std::vector<std::pair<std::size_t, Outcome>>
reconcile_pending(Context& ctx, Uploader& uploader, const std::vector<Item>& items,
                  std::vector<std::pair<std::size_t, Outcome>> pending, Records& records) {
    constexpr int k_rounds = 4;
    for (int round = 1; round <= k_rounds && !pending.empty() && !uploader.stopped(); ++round) {
        std::vector<LedgerEntry> entries;
        for (const auto& [i, o] : pending) {
            for (auto& e : uploader.pending_entries(items[i])) {
                entries.push_back(std::move(e));
            }
        }
        wait_out_unclear_writes(ctx, entries,
                                fmt::format("vouchers upload: {} had an unclear answer",
                                            counted(pending.size(), "file", "files")),
                                pending.size());
        uploader.new_round();
        std::vector<std::pair<std::size_t, Outcome>> still;
        for (auto& [i, before] : pending) {
            Outcome o = uploader.reconcile(items[i]);
            if (o.action == "pending") {
                still.emplace_back(i, std::move(o));
            } else {
                records.emit(items[i], o);
            }
        }
        pending = std::move(still);
    }
    return pending;
}

// The summary on stderr and in the ledger's run.
void summarize(const UploadOptions& opts, Context& ctx, const Records& records,
               std::int64_t run_id) {
    const auto& stats = ctx.client_stats();
    if (opts.dry_run) {
        ctx.info(fmt::format("vouchers upload (dry run): {} to upload, {} duplicate{} to skip, {} "
                             "refused, {} failed, {} unknown ({}, no writes)",
                             records.count("planned"), records.count("duplicate"),
                             records.count("duplicate") == 1 ? "" : "s", records.count("refused"),
                             records.count("failed"), records.count("unknown"),
                             counted(stats.requests, "request", "requests")));
    } else {
        ctx.info(fmt::format("vouchers upload: {} uploaded, {} updated, {} skipped as duplicate, "
                             "{} refused, {} failed, {} unknown ({}, {} rate limited)",
                             records.count("uploaded"), records.count("updated"),
                             records.count("duplicate"), records.count("refused"),
                             records.count("failed"), records.count("unknown"),
                             counted(stats.requests, "request", "requests"), stats.rate_limited));
        ctx.state().finish_run(
            run_id, records.not_done() > 0 ? "partial" : "ok",
            fmt::format(
                R"({{"uploaded":{},"updated":{},"duplicate":{},"refused":{},"failed":{},"unknown":{}}})",
                records.count("uploaded"), records.count("updated"), records.count("duplicate"),
                records.count("refused"), records.count("failed"), records.count("unknown")));
    }
}

} // namespace

void register_upload(CLI::App& parent, Context& ctx) {
    auto opts = std::make_shared<UploadOptions>();
    auto* cmd = parent.add_subcommand(
        "upload",
        "Upload receipts (PDF, JPG, PNG, XML e-invoices) to lexoffice, each exactly once");
    cmd->add_option("PATH", opts->paths, "Files and directories (walked recursively)")
        ->required()
        ->type_name(k_file_value);
    cmd->add_option("--glob", opts->globs,
                    "File name pattern for directories (repeatable; default *.pdf *.jpg *.jpeg "
                    "*.png *.xml, any case)");
    cmd->add_option("--data", opts->data,
                    "Sidecar CSV or JSON with bookkeeping data per file (see man lexsync-vouchers)")
        ->type_name(k_file_value);
    cmd->add_option("--to", opts->to, "Add the file to this existing voucher (id)");
    cmd->add_option("--voucher-number", opts->voucher_number, "Voucher number (single file)");
    cmd->add_option("--date", opts->date, "Voucher date, yyyy-mm-dd or dd.mm.yyyy (single file)");
    cmd->add_option("--due-date", opts->due_date,
                    "Due date, yyyy-mm-dd or dd.mm.yyyy (single file)");
    cmd->add_option("--type", opts->type,
                    "purchaseinvoice (default), purchasecreditnote, salesinvoice or "
                    "salescreditnote")
        ->check(named_values(
            {"purchaseinvoice", "purchasecreditnote", "salesinvoice", "salescreditnote"}));
    cmd->add_option("--amount", opts->amount, "Gross amount (with --tax-rate)");
    cmd->add_option("--net", opts->net, "Net amount (with --tax-rate), instead of --amount");
    cmd->add_option("--tax-rate", opts->tax_rate, "Tax rate in percent: 0, 5, 7, 16 or 19")
        ->check(named_values({"0", "5", "7", "16", "19"}));
    cmd->add_option("--category", opts->category, "Posting category, name or id");
    cmd->add_option("--contact", opts->contact, "Contact id");
    cmd->add_flag("--collective-contact", opts->collective_contact,
                  "Book on the collective contact (the default without --contact)");
    cmd->add_option("--contact-name", opts->contact_name, "Name shown for the collective contact");
    cmd->add_option("--remark", opts->remark, "Remark");
    cmd->add_flag("--dry-run", opts->dry_run,
                  "Check everything and print the plan with its requests; send no writes");
    cmd->add_option_function<std::string>(
           "--lookup-days",
           [opts](const std::string& v) {
               opts->lookup_days = v == "all" ? k_lookup_all : *lookup_days_value(v);
           },
           "How far back an empty ledger looks for inbox receipts completed in lexoffice: the "
           "bookkeeping vouchers created in the last DAYS days (all: of any age; 0: only "
           "unchecked ones)")
        ->type_name("DAYS|all")
        ->check(CLI::Validator(
            [](std::string& v) -> std::string {
                return v == "all" || lookup_days_value(v)
                           ? std::string()
                           : "'" + v + "' is not a number of days from 0 to 36500, or all";
            },
            "", "DAYS"))
        ->default_str("all");
    cmd->add_flag("--retry-unknown", opts->retry_unknown,
                  "Kept for older scripts (unclear inbox uploads are now looked up in "
                  "lexoffice); with --to, attach again after an unclear attach elsewhere");
    cmd->footer(
        R"(Without bookkeeping data a file goes to lexoffice's receipt inbox, which creates an unchecked
voucher. With bookkeeping data (flags for one file, or --data for many) lexsync creates an open
bookkeeping voucher and attaches the file. Nothing is uploaded twice: files are recognised by
their SHA-256 and vouchers by their number. Re-running over the same folder uploads nothing.

Examples:
  lexsync vouchers upload ~/Scans --dry-run
  lexsync vouchers upload ~/Scans --data ~/Scans/bookkeeping.csv
  lexsync vouchers upload receipt.pdf --voucher-number R-2026-17 --date 2026-03-02 \
      --amount 119.00 --tax-rate 19 --category "Bürobedarf"
  lexsync vouchers upload --to 7d3c…-uuid delivery-note.pdf)");
    cmd->callback([opts, &ctx] { run_upload(*opts, ctx); });
}

void run_upload(const UploadOptions& opts, Context& ctx) {
    const bool flags = any_bookkeeping_flag(opts);
    check_command_line(opts, ctx, flags);
    std::vector<Item> items =
        collect(opts.paths, opts.globs.empty() ? default_globs() : opts.globs);
    if ((flags || !opts.to.empty()) && items.size() != 1) {
        invalid(ctx,
                {InputIssue{k_command_line, 0, opts.to.empty() ? "--voucher-number" : "--to",
                            fmt::format("bookkeeping flags and --to describe one file, {} were "
                                        "given; use --data for several",
                                        items.size())}},
                "the command line");
    }

    BookkeepingData data = read_bookkeeping(opts, ctx, flags);
    map_data_to_files(opts, ctx, flags, data.rows, items);

    // Local checks.
    for (auto& it : items) {
        check_item(it);
    }
    // The account (which picks the ledger) is read beside the posting categories.
    ctx.read_account_aside();
    PostingCategories categories = resolve_categories(opts, ctx, flags, items, data.to_data);

    // One upload per profile at a time: a concurrent one would not see our half-made vouchers.
    std::optional<JobLock> lock;
    if (!opts.dry_run) {
        lock.emplace(ctx.profile().state_dir, "vouchers-upload", [&] {
            ctx.info("vouchers upload: waiting for another vouchers upload of this profile to "
                     "finish");
        });
    }
    const std::int64_t run_id = opts.dry_run ? 0 : ctx.state().begin_run("vouchers upload");
    Uploader uploader(opts, ctx, categories, data.to_data ? &*data.to_data : nullptr);
    uploader.set_run(run_id);

    uploader.plan_numbers(items);
    uploader.plan_inbox(items);

    Records records(ctx);
    // Files whose write had an unclear answer wait for the end of the run.
    std::vector<std::pair<std::size_t, Outcome>> pending;
    Progress progress(ctx, "vouchers upload", "receipts", items.size());
    upload_items(opts, ctx, uploader, items, progress, records, pending);
    pending = reconcile_pending(ctx, uploader, items, std::move(pending), records);
    for (auto& [i, o] : pending) {
        o.action = "unknown";
        o.reason += "; the outcome is still unclear, the next run looks it up in lexoffice";
        records.emit(items[i], o);
    }
    progress.finish();
    records.finish();
    summarize(opts, ctx, records, run_id);
    if (uploader.stopped()) {
        throw_api_error(uploader.stop_error(), "vouchers upload stopped");
    }
    if (const long bad = records.not_done(); bad > 0) {
        throw Error(ExitCode::partial,
                    fmt::format("{} of {} files not uploaded (see the files marked refused, "
                                "failed or unknown)",
                                bad, items.size()));
    }
}

} // namespace lexsync::commands::vouchers
