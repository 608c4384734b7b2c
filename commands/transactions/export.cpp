#include "commands/transactions/export.hpp"

#include "cli/lanes.hpp"
#include "cli/option_values.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/settle.hpp"
#include "cli/wording.hpp"
#include "commands/shared/receipts.hpp"

#include <algorithm>
#include <deque>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/formats/file_check.hpp>
#include <lexsync/records/transaction_spool.hpp>
#include <lexsync/records/transactions.hpp>
#include <lexsync/records/vouchers.hpp>
#include <lexsync/store/job_lock.hpp>
#include <lexsync/store/settle.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

namespace lexsync::commands::transactions {

using namespace lexsync::transactions;
namespace fs = std::filesystem;
namespace vch = lexsync::vouchers;

namespace {

// Ledger kinds. "finance-account" (key: the account's external reference): remote_id the
// financialAccountId, remote_version the opening balance in 1/10000. "finance-transaction" (key:
// the transaction's external reference): remote_id the financialTransactionId, remote_number the
// account's reference, remote_version what the transaction moves the balance by (amount + fee, in
// 1/10000), so that the balance lexsync sets is the opening balance plus every transaction it
// has exported, each counted once. "finance-hint" (key: the voucher id, a space and the
// transaction's reference; one hint per charge of a receipt; older ledgers keyed by the voucher
// id alone): remote_number the transaction's reference. "finance-csv" (key: the transaction's
// reference): content_hash and remote_number the bank-statement file it was (or, while pending, is
// being) written to. Receipts go through commands/shared/receipts.hpp, shared with `vouchers
// upload`, so a receipt either command uploaded is never uploaded again by the other.
constexpr const char* k_account = "finance-account";
// content_hash of a "finance-account" entry whose opening balance is not known: the account was
// found in lexoffice (an empty or rebuilt ledger) and no --opening-balance was given. It cannot be
// derived as the account's balance minus the transactions lexsync exported: the finance API lists
// no transactions of an account (only one by id, or the latest), so those of other input files
// cannot be found.
constexpr const char* k_unknown = "opening-balance-unknown";
constexpr const char* k_transaction = "finance-transaction";
constexpr const char* k_hint = "finance-hint";
constexpr const char* k_csv = "finance-csv";
using receipts::category_hash;
using receipts::k_receipt_voucher;

const std::vector<Column>& result_columns() {
    static const std::vector<Column> cols = {
        {"line", "line"},
        {"transactionId", "transactionId"},
        {"action", "action"},
        {"financialTransactionId", "financialTransactionId"},
        {"voucherNumber", "voucherNumber"},
        {"voucher", "voucher"},
        {"hint", "hint"},
        {"reason", "reason"},
    };
    return cols;
}

// One transaction and what happened to it.
struct Row {
    const TransactionInput* in = nullptr;
    std::string ref;
    std::string fee_category_id;
    // The receipt.
    fs::path receipt_path;
    std::string sha;
    file_check::FileKind kind = file_check::FileKind::pdf;
    std::unique_ptr<vch::VoucherInput> voucher; // on the heap: most rows have none
    std::int64_t seq = 0;                       // the transaction's number in the run's spool
    const vch::PostingCategory* category = nullptr;
    // Another row paid the same receipt (a split payment): the row holding its voucher.
    const Row* split_of = nullptr;
    // Outcomes.
    std::string action = "pending"; // pushed, confirmed, skipped, written, failed, unknown, planned
    std::string remote_id;          // financialTransactionId
    std::string voucher_id;
    std::string voucher_action; // created, existing, found, failed, unknown, planned, "" (none)
    std::string hint;           // sent, existing, failed, unknown, planned, "" (none)
    std::vector<std::string> reasons;
};

struct Summary {
    std::string mode;
    std::string account;
    std::string account_reference;
    std::string account_id;
    long accounts_created = 0;
    long transactions = 0;
    long left_out = 0;
    long pushed = 0;
    long skipped = 0;
    long written = 0;
    long failed = 0;
    long unknown = 0;
    long vouchers_created = 0;
    long vouchers_existing = 0;
    long vouchers_failed = 0;
    long hints_sent = 0;
    long hints_existing = 0;
    long hints_failed = 0;
    std::string balance;
    bool balance_updated = false;
    std::string out_file;

    std::string to_json() const {
        json::Document d;
        d.SetObject();
        auto& a = d.GetAllocator();
        auto str = [&](const char* k, const std::string& v) {
            d.AddMember(json::Value(k, a), v.empty() ? json::Value() : json::str(v, a), a);
        };
        auto num = [&](const char* k, long v) {
            d.AddMember(json::Value(k, a), json::Value(static_cast<int64_t>(v)), a);
        };
        str("mode", mode);
        str("account", account);
        str("accountReference", account_reference);
        str("financialAccountId", account_id);
        num("accountsCreated", accounts_created);
        num("transactions", transactions);
        num("rowsLeftOut", left_out);
        num("transactionsPushed", pushed);
        num("transactionsSkipped", skipped);
        num("transactionsWritten", written);
        num("transactionsFailed", failed);
        num("transactionsUnknown", unknown);
        num("vouchersCreated", vouchers_created);
        num("vouchersExisting", vouchers_existing);
        num("vouchersFailed", vouchers_failed);
        num("hintsSent", hints_sent);
        num("hintsExisting", hints_existing);
        num("hintsFailed", hints_failed);
        str("balance", balance);
        d.AddMember("balanceUpdated", balance_updated, a);
        str("outFile", out_file);
        return json::to_string(d);
    }
};

[[noreturn]] void invalid(Context& ctx, const std::vector<InputIssue>& issues,
                          const std::string& what) {
    for (const auto& i : issues) {
        ctx.say("lexsync: " + i.to_string());
    }
    throw Error(ExitCode::invalid_input,
                fmt::format("{} problem{} in {}; nothing was sent", issues.size(),
                            issues.size() == 1 ? "" : "s", what));
}

[[noreturn]] void usage(const std::string& message) {
    throw Error(ExitCode::usage, message);
}

// The finance endpoints are partner-only: say why and what to do instead.
[[noreturn]] void finance_unavailable(const std::string& why) {
    throw Error(
        ExitCode::config,
        fmt::format(
            "lexoffice's finance endpoints need a partner OAuth connection with the "
            "scopes finance.read, finance.write and "
            "transaction-assignment-hint.write; {}. Connect with `lexsync auth login "
            "--oauth --scopes finance.read,finance.write,"
            "transaction-assignment-hint.write,vouchers.read,vouchers.write,voucherlist.read,"
            "files.write`, or write lexoffice's bank-statement CSV for its manual "
            "import instead: --format lexoffice-csv --out FILE (receipts still go up "
            "as vouchers). Nothing was sent",
            why));
}

// Renames the issue fields of the shared voucher checks to this command's field names.
std::string input_field(const std::string& voucher_field) {
    static const std::map<std::string, std::string> k = {
        {"voucher_number", "receipt_number"},
        {"voucher_date", "booking_date"},
        {"category", "posting_category"},
        {"type", "voucher_type"},
        {"file", "receipt_file"},
        {"contact", "counterparty_name"},
    };
    auto it = k.find(voucher_field);
    return it == k.end() ? voucher_field : it->second;
}

// What setting the account's balance came to (see Exporter::send_balance).
struct BalanceOutcome {
    bool updated = false;
    std::optional<ApiError> error; // not set: the balance is what was asked
};

// A write handed to a lane, its ledger entries already marked pending: a lane sends it
// (Exporter::send), the command's thread takes its answer back (Exporter::finish), which may hand
// over the writes that waited for it (the attach after its voucher was created, a hint once its
// transaction and its voucher are both known).
struct Step {
    enum class Kind { batch, create, attach, hint, balance_read, balance };
    Kind kind = Kind::batch;
    std::vector<Row*> batch;                            // batch: its transactions
    const std::set<std::string>* was_pending = nullptr; // batch: refs sent before, unclear
    std::string account_ref;                            // batch
    Row* row = nullptr;                                 // create, attach, hint
    std::string body;                                   // batch, create, hint
    std::string number;                                 // create: the voucher number
    std::string hash;                                   // create: its categories' hash
    receipts::ReceiptFile file;                         // attach
    std::string bytes;                                  // attach: the file's content
    std::string voucher_id;                             // attach, hint
    std::string transaction_id;                         // hint
    bool look_first = false; // hint: look up the transaction's assignments before sending
    bool assigned = false;   // hint: the lookup found it assigned (nothing sent)
    std::string path;        // balance_read, balance: the account
    Decimal target;          // balance: what to set
    // balance: the account as read by a balance_read (its first attempt uses it, if it was read).
    std::shared_ptr<const Result<json::Document, ApiError>> read;
    // The answer, filled in by the lane.
    std::optional<Result<json::Document, ApiError>> answer; // batch, create, hint, balance_read
    std::optional<Result<std::string, ApiError>> attached;  // attach
    BalanceOutcome balance;                                 // balance
};

class Exporter {
public:
    Exporter(Context& ctx, std::deque<Row>& rows, Summary& summary)
        : m_ctx(ctx), m_rows(rows), m_sum(summary), m_receipts(ctx) {}

    void set_run(std::int64_t run) {
        m_run = run;
        m_receipts.set_run(run);
        m_receipts.set_numbers_query(numbers_query());
    }
    // Whether --opening-balance was given (see ensure_account).
    void set_opening_given(bool given) { m_opening_given = given; }
    bool stopped() const { return m_stopped; }
    const ApiError& stop_error() const { return m_stop_error; }

    // --- Financial account ---

    // Finds the account by its external reference or creates it; returns its id. `before_create`
    // is called once the account is known to be new, before its POST is sent.
    std::string ensure_account(const AccountSpec& spec,
                               const std::function<void()>& before_create = {}) {
        auto found = find_account(spec.external_reference);
        if (!found.empty()) {
            // Found, not created by this run: its opening balance is what the ledger says (a
            // pending entry: this ledger's POST created it), or --opening-balance; without either
            // it is unknown (an empty, lost or rebuilt ledger).
            if (auto e = state().get(k_account, spec.external_reference);
                !e || e->status != "done" || (m_opening_given && e->content_hash == k_unknown)) {
                record_account(spec, found, m_opening_given || e.has_value());
            }
            return found;
        }
        if (before_create) {
            before_create();
        }
        state().mark_pending(k_account, spec.external_reference, "", m_run);
        auto r = client().post_json("/v1/finance/accounts", account_body(spec));
        if (r) {
            const std::string id = json::get_string(*r, "id").value_or("");
            record_account(spec, id);
            ++m_sum.accounts_created;
            m_ctx.info(fmt::format("transactions export: created the financial account '{}' ({})",
                                   spec.name, account_type_api_name(spec.type)));
            return id;
        }
        if (r.error().maybe_executed) {
            // The POST may have created it: look again by its reference once the request can
            // no longer be in flight, and post again only when it is not there.
            for (int attempt = 1; attempt <= 3; ++attempt) {
                state().mark_pending(k_account, spec.external_reference, "", m_run);
                wait_for({*state().get(k_account, spec.external_reference)});
                found = find_account(spec.external_reference);
                if (!found.empty()) {
                    record_account(spec, found); // created by the unclear POST: spec's balance
                    ++m_sum.accounts_created;
                    return found;
                }
                r = client().post_json("/v1/finance/accounts", account_body(spec));
                if (r) {
                    const std::string id = json::get_string(*r, "id").value_or("");
                    record_account(spec, id);
                    ++m_sum.accounts_created;
                    return id;
                }
                if (!r.error().maybe_executed) {
                    break;
                }
            }
        }
        if (!r.error().maybe_executed) {
            state().forget(k_account, spec.external_reference);
        }
        throw_api_error(r.error(), "creating the financial account '" + spec.name + "'");
    }

    // --- Transactions ---

    // Calls its argument with the row of each transaction in file order.
    using EachRow = std::function<void(const std::function<void(Row&)>&)>;
    // Where push_transactions() takes the transactions from when the rows hold only some of them:
    // a row `each` hands over that is not one of the rows lives until `release` is called with
    // it, once its outcome is final (every row is released at most once; one left unclear is not).
    void set_transactions(std::size_t count, EachRow each, std::function<void(Row&)> release) {
        m_count = count;
        m_each = std::move(each);
        m_release = std::move(release);
    }

    // The transactions in batches of k_batch_size, handed over as they are read: a bounded number
    // of them is in memory at once.
    void push_transactions(const std::string& account_id, const std::string& account_ref) {
        std::set<std::string>& was_pending = m_was_pending; // outlives the batches' answers
        Progress progress(m_ctx, "transactions export", "transactions",
                          m_each ? m_count : m_rows.size());
        std::optional<Lanes> own; // without the lanes of a phase: lanes of this step
        if (m_lanes == nullptr) {
            own.emplace(*this);
        }
        Lanes& lanes = *m_lanes;
        std::vector<Row*> batch;
        std::size_t seen = 0;
        auto hand = [&] {
            lanes.make_room();
            if (m_stopped) {
                for (Row* r : batch) {
                    fail(*r, "not attempted: the run stopped");
                    release(*r);
                }
            } else {
                push_batch(batch, account_id, account_ref, m_was_pending);
            }
            batch.clear();
            progress.update(seen); // the transactions looked at and handed over so far
        };
        auto each = [&](Row& r) {
            ++seen;
            const auto e = state().get(k_transaction, r.ref);
            if (e && e->status == "done") {
                r.action = "skipped";
                r.remote_id = e->remote_id;
                r.reasons.emplace_back("exported before");
                ++m_sum.skipped;
                release(r);
                return;
            }
            if (e) {
                was_pending.insert(r.ref);
                if (!settled(*e)) {
                    // An earlier run's batch may still be in flight: sent again at the end.
                    r.action = "pending";
                    m_pending_tx.push_back(&r);
                    return;
                }
            }
            batch.push_back(&r);
            if (batch.size() == k_batch_size) {
                hand();
            }
        };
        progress.update(0);
        if (m_each) {
            m_each(each);
        } else {
            for (auto& r : m_rows) {
                each(r);
            }
        }
        if (!batch.empty()) {
            hand();
        }
        if (own) {
            lanes.drain();
        }
        progress.update(seen);
    }

    // --- Balance ---

    // Sets the account's balance: `closing`, or the opening balance plus every transaction the
    // ledger has exported to the account. On the phase's lanes when there are any.
    void update_balance(const std::string& account_id, const std::string& account_ref,
                        const std::optional<Decimal>& closing) {
        const auto target = balance_target(account_ref, closing);
        if (!target) {
            return;
        }
        m_sum.balance = target->to_fixed(2);
        auto s = std::make_shared<Step>();
        s->kind = Step::Kind::balance;
        s->path = "/v1/finance/accounts/" + account_id;
        s->target = *target;
        if (m_phase) {
            s->read = m_balance_read;
        }
        hand_over(std::move(s));
    }

private:
    // The balance to set, or nullopt (with a warning) when the ledger cannot tell it.
    std::optional<Decimal> balance_target(const std::string& account_ref,
                                          const std::optional<Decimal>& closing) {
        if (closing) {
            return *closing;
        }
        auto st = state().db().prepare(
            "SELECT COALESCE(SUM(remote_version), 0) FROM ledger WHERE kind = ? AND "
            "status = 'done' AND remote_number = ?");
        st.bind(1, std::string(k_transaction)).bind(2, account_ref);
        st.step();
        const auto opening = state().get(k_account, account_ref);
        if (opening && opening->content_hash == k_unknown) {
            // The ledger did not see the account created: setting "opening balance plus the
            // transactions the ledger knows" would overwrite lexoffice's balance with a
            // smaller sum. lexoffice keeps its balance until one is given.
            m_ctx.warn("transactions export: the account's balance is left as lexoffice has "
                       "it: this ledger did not create the account and does not know its "
                       "opening balance; set it with --balance, or give --opening-balance "
                       "when the input holds every transaction of the account");
            return std::nullopt;
        }
        return Decimal::from_units((opening ? opening->remote_version : 0) + st.column_int(0));
    }

    // PUT of `target` with the lockVersion just read. A stale version (409) or an unclear answer
    // reads again: the PUT sets an absolute balance, so repeating it cannot count anything twice.
    // Touches nothing of the run, so it may run on a lane.
    static BalanceOutcome send_balance(ApiClient& c, const std::string& path, const Decimal& target,
                                       const Result<json::Document, ApiError>* read) {
        BalanceOutcome out;
        for (int attempt = 1;; ++attempt) {
            // The account as read beforehand (first attempt), else read now.
            std::optional<Result<json::Document, ApiError>> fresh;
            const Result<json::Document, ApiError>* account =
                attempt == 1 && read != nullptr && *read ? read : nullptr;
            if (account == nullptr) {
                fresh.emplace(c.get_json(path));
                account = &*fresh;
            }
            if (!*account) {
                out.error = account->error();
                return out;
            }
            if (json::get_decimal(**account, "balance") == target) {
                return out;
            }
            auto r = c.put_json(path, balance_body(**account, target));
            if (r) {
                out.updated = true;
                return out;
            }
            const bool again =
                r.error().kind == ApiError::Kind::conflict || r.error().maybe_executed;
            if (!again || attempt >= k_rounds) {
                out.error = r.error();
                return out;
            }
            if (r.error().maybe_executed) {
                out.updated = true;
            }
        }
    }

public:
    // --- Receipts ---

    // The transactions with a receipt (each gets a voucher and a hint).
    std::size_t rows_with_receipt() const {
        return static_cast<std::size_t>(std::count_if(
            m_rows.begin(), m_rows.end(), [](const Row& r) { return r.voucher != nullptr; }));
    }

    // Calls `f(row, lanes)` for each row with a receipt, in order, its writes overlapping on
    // lanes; `what` names the rows on the progress line.
    template <class F> void each_receipt_row(const char* what, F f) {
        Progress progress(m_ctx, "transactions export", what, rows_with_receipt());
        std::size_t done = 0;
        std::optional<Lanes> own; // without the lanes of a phase: lanes of this step
        if (m_lanes == nullptr) {
            own.emplace(*this);
        }
        Lanes& lanes = *m_lanes;
        for (auto& r : m_rows) {
            if (!r.voucher) {
                continue;
            }
            progress.update(done++); // the rows handed over before this one
            lanes.make_room();
            f(r, lanes);
        }
        if (own) {
            lanes.drain();
        }
    }

    // Hands over the receipts' writes, from the first row not handed over yet; `rows` bounds how
    // many rows with a receipt this call takes (send_all hands over a few beside the POST of a new
    // account).
    void upload_receipts(std::size_t rows = std::numeric_limits<std::size_t>::max()) {
        take_numbers_ahead();
        Progress progress(m_ctx, "transactions export", "receipts", rows_with_receipt());
        std::optional<Lanes> own; // without the lanes of a phase: lanes of this step
        if (m_lanes == nullptr) {
            own.emplace(*this);
        }
        Lanes& lanes = *m_lanes;
        for (; m_receipt_at < m_rows.size() && rows > 0; ++m_receipt_at) {
            Row& r = m_rows[m_receipt_at];
            if (!r.voucher) {
                continue;
            }
            --rows;
            progress.update(m_receipts_handed++); // the rows handed over before this one
            lanes.make_room();
            upload_receipt(r);
        }
        if (own) {
            lanes.drain();
        }
    }

    // One row's receipt, on the lanes of upload_receipts().
    void upload_receipt(Row& r) {
        if (m_busy.count(r.voucher->voucher_number) > 0) {
            m_lanes->drain(); // the same voucher number in flight: its voucher comes first
        }
        if (m_stopped && r.split_of == nullptr) {
            r.voucher_action = "failed";
            r.reasons.emplace_back("receipt not uploaded: the run stopped");
            return;
        }
        if (r.split_of != nullptr) {
            return; // the voucher of another charge (see finish_receipts)
        }
        if (auto s = m_by_sha.find(r.sha); s != m_by_sha.end()) {
            r.split_of = s->second;
            return;
        }
        m_by_sha.emplace(r.sha, &r);
        voucher_for(r);
        hint_early(r); // a voucher known at once (found, or made by an earlier run)
    }

    // --- Hints ---

    // The hints not sent yet (all of them, unless send_all() sent some as soon as their
    // transaction and voucher were known), then their reconciliation.
    void send_hints() {
        if (!m_hints_checked) {
            check_assignments_first();
        }
        each_receipt_row("hints", [&](Row& r, Lanes&) {
            if (r.hint.empty()) {
                hint(r);
            }
        });
        reconcile_hints();
    }

    // --format api once the account is known: the transactions, the receipts' vouchers and files,
    // the hints and the balance on one set of lanes (ctx.max_in_flight at once under the one
    // limiter), each write handed over as soon as what it needs is known rather than step by
    // step: the batches first, the receipts beside them (they need no transaction), a hint once
    // both its transaction and its voucher are answered, and the balance once every batch is
    // answered and every other write handed over (so that its read and PUT take no send slot
    // between two writes). What had an unclear answer is reconciled afterwards as before: the
    // balance then waits for the reconciled transactions, and the hints for their transaction
    // or voucher.
    // Returns the account's id.
    std::string send_all(const AccountSpec& spec, const std::optional<Decimal>& closing) {
        const std::string& account_ref = spec.external_reference;
        m_account_ref = account_ref;
        m_closing = closing;
        {
            Lanes lanes(*this);
            m_phase = true;
            try {
                // A new account's POST goes out beside the first receipts' vouchers, which need
                // no account.
                m_account_id = ensure_account(spec, [&] {
                    if (m_ctx.max_in_flight > 1) {
                        upload_receipts(k_beside_account);
                    }
                });
            } catch (...) {
                lanes.drain(); // the answers of what was handed over, into the ledger
                throw;
            }
            check_assignments_first();
            push_transactions(m_account_id, account_ref);
            m_batches_handed = true;
            read_balance_when_ready();
            upload_receipts();
            m_all_handed = true;
            balance_when_ready();
            lanes.drain();
            m_phase = false;
        }
        reconcile(m_account_id, account_ref);
        finish_receipts();
        if (!m_balance_handed && !m_stopped) {
            update_balance(m_account_id, account_ref, closing);
        }
        send_hints();
        return m_account_id;
    }

    // The voucher list that the receipts' look-up by number needs, read on a lane beside the
    // account's look-up (ensure_account) when a receipt will be looked up by number; taken by
    // upload_receipts().
    void read_numbers_ahead() {
        if (m_ctx.max_in_flight < 2 || m_ahead) {
            return;
        }
        const bool looks_up = std::any_of(m_rows.begin(), m_rows.end(), [&](const Row& r) {
            if (!r.voucher || r.split_of != nullptr) {
                return false;
            }
            const receipts::ReceiptEntries e = m_receipts.entries(r.sha);
            return !e.uploaded() && !e.voucher_made() && !e.creation_unconfirmed() &&
                   !m_receipts.in_flight(e);
        });
        if (!looks_up) {
            return;
        }
        m_ahead.emplace(m_ctx);
        m_ahead->submit([q = m_receipts.numbers_query()](ApiClient& c) {
            return std::make_shared<receipts::ReceiptLedger::Listed>(
                receipts::ReceiptLedger::read_numbers(c, q));
        });
    }

private:
    // The hint of one row with a receipt, unless something it needs is missing.
    void hint(Row& r) {
        if (r.voucher_id.empty()) {
            r.hint = "failed";
            r.reasons.emplace_back("no hint: the voucher is missing");
            ++m_sum.hints_failed;
            return;
        }
        const auto tx = state().get(k_transaction, r.ref);
        if (!tx || tx->status != "done") {
            r.hint = "failed";
            r.reasons.emplace_back("no hint: the transaction is not in lexoffice yet");
            ++m_sum.hints_failed;
            return;
        }
        if (m_stopped) {
            r.hint = "failed";
            r.reasons.emplace_back("hint not sent: the run stopped");
            ++m_sum.hints_failed;
            return;
        }
        hint_for(r, tx->remote_id);
    }

    // In send_all(): the hint of `r` once its transaction and its voucher are both known (called
    // when either is answered); the rest wait for send_hints().
    void hint_early(Row& r) {
        if (!m_phase || m_account_id.empty() || !r.voucher || r.split_of != nullptr ||
            !r.hint.empty() || r.voucher_id.empty() || m_stopped) {
            return;
        }
        const auto tx = state().get(k_transaction, r.ref);
        if (tx && tx->status == "done") {
            hint_for(r, tx->remote_id);
        }
    }

    // Whether a hint first asks lexoffice which vouchers its transaction is assigned to, so that
    // no hint is sent twice: when the ledger knows no hints (new, or deleted), unless this run
    // created the account (then each of its transactions is new, and no hint of an earlier run
    // can have assigned it; a hint lexoffice already has is refused and recognised as existing).
    void check_assignments_first() {
        m_check_assignments = state().count_done(k_hint) == 0 && m_sum.accounts_created == 0;
        m_hints_checked = true;
    }

    // In send_all(): the balance once every batch and voucher creation is answered (no write
    // waits for one any more, so every other write is handed over) and no transaction is left
    // unclear; the balance needs every transaction of the run.
    void balance_when_ready() {
        if (m_phase && m_all_handed && !m_balance_handed && m_sources == 0 &&
            m_pending_tx.empty() && !m_stopped) {
            m_balance_handed = true;
            update_balance(m_account_id, m_account_ref, m_closing);
        }
    }

    // In send_all(): the account is read for its balance (its lockVersion and balance, for the
    // PUT at the end) once every batch is answered, so that the PUT follows the last write
    // without a round trip of its own before it.
    void read_balance_when_ready() {
        if (m_phase && m_batches_handed && !m_balance_asked && m_batches == 0 &&
            m_pending_tx.empty() && !m_stopped) {
            m_balance_asked = true;
            auto s = std::make_shared<Step>();
            s->kind = Step::Kind::balance_read;
            s->path = "/v1/finance/accounts/" + m_account_id;
            hand_over(std::move(s));
        }
    }

    // The voucher list read by read_numbers_ahead(), handed to the receipts' look-up.
    void take_numbers_ahead() {
        if (!m_ahead) {
            return;
        }
        m_ahead->drain([&](std::shared_ptr<receipts::ReceiptLedger::Listed> l) {
            m_receipts.keep_numbers(std::move(*l));
        });
        m_ahead.reset();
    }

public:
    // --- Reconciliation ---

    // Settles the writes of this run (and of interrupted runs) whose answer was unclear: once no
    // such request can still be in flight, transactions are sent again (lexoffice skips the
    // references it knows and answers the stored record), vouchers are looked up by number and
    // attaches by the voucher's files. A few rounds, because a second attempt can meet a fault
    // too; what stays unclear is reported unknown and looked up again by the next run.
    void reconcile(const std::string& account_id, const std::string& account_ref) {
        for (int round = 1; round <= k_rounds && !m_stopped &&
                            (!m_pending_tx.empty() || !m_pending_receipts.empty());
             ++round) {
            std::vector<LedgerEntry> entries;
            for (Row* r : m_pending_tx) {
                if (auto e = state().get(k_transaction, r->ref); e && e->status == "pending") {
                    entries.push_back(*e);
                }
            }
            for (Row* r : m_pending_receipts) {
                const auto pending = m_receipts.pending(r->sha);
                entries.insert(entries.end(), pending.begin(), pending.end());
            }
            wait_for(entries, m_pending_tx.size() + m_pending_receipts.size());
            const std::vector<Row*> tx = std::move(m_pending_tx);
            m_pending_tx.clear();
            std::set<std::string> refs;
            for (Row* r : tx) {
                refs.insert(r->ref);
            }
            for (const auto& [first, last] : batches(tx.size())) {
                push_batch(std::vector<Row*>(tx.begin() + static_cast<long>(first),
                                             tx.begin() + static_cast<long>(last)),
                           account_id, account_ref, refs);
            }
            const std::vector<Row*> waiting = std::move(m_pending_receipts);
            m_pending_receipts.clear();
            for (Row* r : waiting) {
                r->reasons.clear();
                voucher_for(*r);
            }
        }
        for (Row* r : m_pending_tx) {
            r->action = "unknown";
            r->reasons.emplace_back("still unclear; the next run sends it again (lexoffice skips "
                                    "known references)");
            ++m_sum.unknown;
        }
        m_pending_tx.clear();
        for (Row* r : m_pending_receipts) {
            r->voucher_action = "unknown";
            r->reasons.emplace_back("still unclear; the next run looks it up in lexoffice");
        }
        m_pending_receipts.clear();
    }

    // Counts the receipts' outcomes, and gives the other charges of a split payment the voucher
    // of the row that holds it.
    void finish_receipts() {
        for (auto& r : m_rows) {
            if (!r.voucher) {
                continue;
            }
            if (r.split_of != nullptr) {
                r.voucher_id = r.split_of->voucher_id;
                r.voucher_action = r.voucher_id.empty() ? "failed" : "existing";
                r.reasons.push_back(
                    fmt::format("one receipt paid in several charges: the voucher of line {}",
                                r.split_of->in->line));
                continue;
            }
            if (r.voucher_action == "created") {
                ++m_sum.vouchers_created;
            } else if (r.voucher_action == "existing" || r.voucher_action == "found") {
                ++m_sum.vouchers_existing;
            } else {
                ++m_sum.vouchers_failed;
            }
        }
    }

private:
    StateStore& state() { return m_ctx.state(); }
    ApiClient& client() { return m_ctx.client(); }

    // --- Writes in flight side by side ---

    using Slot = std::shared_ptr<Step>;

    // While a phase holds one, its writes overlap on the context's lanes (ctx.max_in_flight at
    // once): each write's ledger entries are marked before it is handed to a lane, and its answer
    // is taken back on this thread in the order the writes were handed over. Without one
    // (reconciliation) each write is sent and answered at once.
    class Lanes {
    public:
        explicit Lanes(Exporter& e) : m_e(e), m_lanes(e.m_ctx) { e.m_lanes = this; }
        Lanes(const Lanes&) = delete;
        Lanes& operator=(const Lanes&) = delete;
        ~Lanes() { m_e.m_lanes = nullptr; }
        // Takes answers until another write may be handed over at once.
        void make_room() {
            m_lanes.make_room([this](Slot s) { m_e.finish(*s); });
        }
        // Takes every answer, also of the writes handed over while taking them.
        void drain() {
            m_lanes.drain([this](Slot s) { m_e.finish(*s); });
        }
        void submit(ClientLanes<Slot>::Task task) { m_lanes.submit(std::move(task)); }

    private:
        Exporter& m_e;
        ClientLanes<Slot> m_lanes;
    };

    // Sends `s` on a lane, or at once without lanes. Its ledger entries are marked already.
    void hand_over(Slot s) {
        if (s->kind == Step::Kind::create || s->kind == Step::Kind::attach) {
            m_busy.insert(s->row->voucher->voucher_number);
        }
        if (s->kind == Step::Kind::batch || s->kind == Step::Kind::create) {
            ++m_sources; // writes that others wait for (see balance_when_ready)
        }
        if (s->kind == Step::Kind::batch) {
            ++m_batches;
        }
        if (m_lanes != nullptr) {
            m_lanes->submit([s](ApiClient& c) {
                send(c, *s);
                return s;
            });
            return;
        }
        send(client(), *s);
        finish(*s);
    }

    // Sends a write and keeps its answer. Touches nothing of the run, so it may run on a lane.
    static void send(ApiClient& c, Step& s) {
        switch (s.kind) {
        case Step::Kind::batch:
            s.answer.emplace(c.post_json("/v1/finance/transactions", s.body));
            break;
        case Step::Kind::create:
            s.answer.emplace(receipts::ReceiptLedger::send_create(c, s.body));
            break;
        case Step::Kind::attach:
            s.attached.emplace(
                receipts::ReceiptLedger::send_attach(c, s.file, s.voucher_id, std::move(s.bytes)));
            break;
        case Step::Kind::hint:
            // A ledger that does not know its hints asks lexoffice's assignments first.
            s.assigned =
                s.look_first && assigned(c, s.voucher_id, s.transaction_id).value_or(false);
            if (!s.assigned) {
                s.answer.emplace(c.post_json("/v1/transaction-assignment-hint", s.body));
            }
            break;
        case Step::Kind::balance_read:
            s.answer.emplace(c.get_json(s.path));
            break;
        case Step::Kind::balance:
            s.balance = send_balance(c, s.path, s.target, s.read.get());
            break;
        }
    }

    // Takes a write's answer back (this thread: ledger, rows and summary).
    void finish(Step& s) {
        switch (s.kind) {
        case Step::Kind::batch:
            batch_answered(s.batch, s.account_ref, *s.was_pending, std::move(*s.answer));
            for (Row* r : s.batch) {
                if (r->action != "pending") {
                    release(*r);
                }
            }
            break;
        case Step::Kind::create:
            created(*s.row, s.number, s.hash, std::move(*s.answer));
            break;
        case Step::Kind::attach:
            attached(*s.row, s.voucher_id, std::move(*s.attached));
            break;
        case Step::Kind::hint:
            if (s.assigned) {
                hint_existing(*s.row, "the transaction is assigned to the voucher in lexoffice");
            } else {
                hint_answered(*s.row, s.transaction_id, std::move(*s.answer));
            }
            break;
        case Step::Kind::balance_read:
            m_balance_read =
                std::make_shared<const Result<json::Document, ApiError>>(std::move(*s.answer));
            break;
        case Step::Kind::balance:
            m_sum.balance_updated = m_sum.balance_updated || s.balance.updated;
            if (s.balance.error) {
                warn_balance(*s.balance.error);
            }
            break;
        }
        if (s.kind == Step::Kind::create || s.kind == Step::Kind::attach) {
            m_busy.erase(m_busy.find(s.row->voucher->voucher_number));
        }
        if (s.kind == Step::Kind::batch) {
            --m_batches;
            read_balance_when_ready();
        }
        if (s.kind == Step::Kind::batch || s.kind == Step::Kind::create) {
            --m_sources;
            balance_when_ready();
        }
    }

    // Network failures that did not send the request, rate-limit and auth failures after every
    // retry stop the run; an unclear answer to a write does not (it is reconciled).
    void stop_on(const ApiError& e) {
        if (receipts::stops_run(e)) {
            if (!m_stopped) {
                m_stopped = true;
                m_stop_error = e;
            }
        }
    }

    // The transaction of `r` has its final outcome (see set_transactions).
    void release(Row& r) {
        if (m_release) {
            m_release(r);
        }
    }

    void fail(Row& r, const std::string& reason) {
        r.action = "failed";
        r.reasons.push_back(reason);
        ++m_sum.failed;
    }

    void warn_balance(const ApiError& e) {
        stop_on(e);
        m_balance_failed = true;
        m_ctx.warn("transactions export: the account balance was not updated: " + e.describe() +
                   "; the next run sets it");
    }

public:
    bool balance_failed() const { return m_balance_failed; }

private:
    // GET /v1/finance/accounts?externalReference=…: the id, or "" when there is none. A 401/403
    // or a missing route means the credential cannot use the finance endpoints.
    std::string find_account(const std::string& ref) {
        auto r = client().get_json("/v1/finance/accounts", {{"externalReference", ref}});
        if (!r) {
            const ApiError& e = r.error();
            if (e.status == 403 || e.status == 404) {
                finance_unavailable("lexoffice refused this connection (" + e.describe() + ")");
            }
            throw_api_error(e, "looking up the financial account");
        }
        if (!r->IsArray()) {
            throw Error(ExitCode::error, "looking up the financial account: the answer is not an "
                                         "array");
        }
        for (const auto& a : r->GetArray()) {
            if (json::get_string(a, "externalReference").value_or("") == ref) {
                if (json::get_bool(a, "deactivated").value_or(false)) {
                    throw Error(ExitCode::error,
                                "the financial account with reference " + ref +
                                    " is deactivated in lexoffice; nothing was sent");
                }
                return json::get_string(a, "financialAccountId").value_or("");
            }
        }
        return {};
    }

    // Records the account `id`; `opening_known` false marks its opening balance unknown.
    void record_account(const AccountSpec& spec, const std::string& id, bool opening_known = true) {
        LedgerEntry e;
        e.kind = k_account;
        e.key = spec.external_reference;
        e.content_hash = opening_known ? "" : k_unknown;
        e.status = "done";
        e.remote_id = id;
        e.remote_version = spec.balance.units();
        e.run_id = m_run;
        state().mark_done(e);
    }

    void record_transaction(const Row& r, const std::string& id, const std::string& account_ref) {
        LedgerEntry e;
        e.kind = k_transaction;
        e.key = r.ref;
        e.status = "done";
        e.remote_id = id;
        e.remote_number = account_ref;
        e.remote_version = r.in->balance_delta().units();
        e.run_id = m_run;
        state().mark_done(e);
    }

    void push_batch(const std::vector<Row*>& batch, const std::string& account_id,
                    const std::string& account_ref, const std::set<std::string>& was_pending) {
        std::vector<TransactionItem> items;
        for (Row* r : batch) {
            items.push_back(TransactionItem{r->in, r->ref, r->fee_category_id});
        }
        const std::string body = transactions_body(items, account_id);
        for (Row* r : batch) {
            state().mark_pending(k_transaction, r->ref, sha256_hex(r->ref), m_run);
        }
        auto s = std::make_shared<Step>();
        s->kind = Step::Kind::batch;
        s->batch = batch;
        s->was_pending = &was_pending;
        s->account_ref = account_ref;
        s->body = body;
        hand_over(std::move(s));
    }

    // The answer to a batch of transactions.
    void batch_answered(const std::vector<Row*>& batch, const std::string& account_ref,
                        const std::set<std::string>& was_pending,
                        Result<json::Document, ApiError> res) {
        if (!res) {
            const ApiError& e = res.error();
            if (e.status == 403) {
                finance_unavailable("lexoffice refused the transactions (" + e.describe() + ")");
            }
            stop_on(e);
            for (Row* r : batch) {
                if (e.maybe_executed) {
                    // The batch may have been stored. Sending it again is safe once it can no
                    // longer be in flight: lexoffice skips every transaction whose
                    // externalReference it knows and answers the existing record (§10.2).
                    state().mark_pending(k_transaction, r->ref, sha256_hex(r->ref), m_run);
                    r->action = "pending";
                    r->reasons.clear();
                    r->reasons.push_back(e.describe());
                    m_pending_tx.push_back(r);
                } else {
                    state().forget(k_transaction, r->ref);
                    fail(*r, e.describe());
                }
            }
            return;
        }
        std::map<std::string, std::string> ids; // externalReference → financialTransactionId
        if (res->IsArray()) {
            for (const auto& t : res->GetArray()) {
                ids[json::get_string(t, "externalReference").value_or("")] =
                    json::get_string(t, "financialTransactionId").value_or("");
            }
        }
        for (Row* r : batch) {
            auto it = ids.find(r->ref);
            if (it == ids.end() || it->second.empty()) {
                r->action = "unknown";
                r->reasons.emplace_back("lexoffice's answer did not list this transaction; the "
                                        "next run sends it again");
                ++m_sum.unknown;
                continue;
            }
            const bool confirm = was_pending.count(r->ref) > 0;
            if (confirm) {
                // An earlier attempt had an unclear outcome: read the record back.
                auto check = client().get_json("/v1/finance/transactions/" + it->second);
                if (!check) {
                    stop_on(check.error());
                    r->action = "unknown";
                    r->reasons.push_back("could not read it back: " + check.error().describe());
                    ++m_sum.unknown;
                    continue;
                }
            }
            record_transaction(*r, it->second, account_ref);
            r->remote_id = it->second;
            r->action = confirm ? "confirmed" : "pushed";
            if (confirm) {
                r->reasons.clear();
                r->reasons.emplace_back("an earlier attempt had no clear answer; confirmed once");
            }
            ++m_sum.pushed;
            hint_early(*r);
        }
    }

    // --- Vouchers (through the receipts module shared with `vouchers upload`) ---

    static receipts::ReceiptFile file(const Row& r) { return {r.receipt_path, r.sha, r.kind}; }

    void voucher_failed(Row& r, const std::string& reason) {
        r.voucher_action = "failed";
        r.reasons.push_back(reason);
    }

    void voucher_for(Row& r) {
        const receipts::ReceiptEntries ledger = m_receipts.entries(r.sha);
        if (ledger.uploaded()) {
            r.voucher_id = ledger.receipt->remote_id;
            r.voucher_action = "existing";
            return;
        }
        if (m_receipts.in_flight(ledger)) {
            // An earlier write may still be in flight: looked up at the end of the run.
            pending_receipt(r, "an earlier write of this receipt had no clear answer");
            return;
        }
        if (ledger.voucher_made()) {
            const LedgerEntry& rv = *ledger.voucher;
            r.voucher_id = rv.remote_id;
            if (ledger.upload_unconfirmed()) {
                // An earlier attach had no clear answer: the voucher's files tell.
                auto attached = m_receipts.confirm_attach(r.sha, rv);
                if (!attached) {
                    stop_on(attached.error());
                    voucher_failed(r, "reading voucher: " + attached.error().describe());
                    return;
                }
                if (*attached) {
                    r.voucher_action = "created";
                    return;
                }
            }
            attach(r, rv.remote_id);
            return;
        }
        // Vouchers reconcile by number: one already in lexoffice is used, not made again.
        const std::string& number = r.voucher->voucher_number;
        const std::string hash = category_hash(r.category->id);
        auto found = m_receipts.by_number(number, r.voucher->type, ledger.creation_unconfirmed());
        if (!found) {
            stop_on(found.error());
            voucher_failed(r,
                           "looking up voucher number " + number + ": " + found.error().describe());
            return;
        }
        if (!found->empty()) {
            const json::Document& v = found->front();
            r.voucher_id = json::get_string(v, "id").value_or("");
            const bool attach_now = ledger.creation_unconfirmed() || receipts::file_count(v) == 0;
            m_receipts.adopt(r.sha, v, number, hash, !attach_now);
            if (attach_now) {
                attach(r, r.voucher_id); // our earlier, unconfirmed POST did create it
            } else {
                r.voucher_action = "found";
                r.reasons.push_back("voucher number " + number +
                                    " already in lexoffice with a file; used as it is");
            }
            return;
        }
        if (ledger.creation_unconfirmed()) {
            m_receipts.forget(k_receipt_voucher, r.sha);
        }
        const std::string body = vch::voucher_body(r.voucher->draft(r.category->id));
        m_receipts.begin_create(r.sha, hash);
        auto s = std::make_shared<Step>();
        s->kind = Step::Kind::create;
        s->row = &r;
        s->body = body;
        s->number = number;
        s->hash = hash;
        hand_over(std::move(s));
    }

    // The answer to the POST of a receipt's voucher: the attach of its file next.
    void created(Row& r, const std::string& number, const std::string& hash,
                 Result<json::Document, ApiError> post) {
        const receipts::Write w =
            m_receipts.end_create(r.sha, number, r.voucher->type, hash, std::move(post));
        stop_on(w.error);
        if (w.status == receipts::Write::Status::pending) {
            // Never post twice: the number is looked up once the POST can no longer be in flight.
            pending_receipt(r, "creating the voucher: " + w.error.describe());
            return;
        }
        if (w.status != receipts::Write::Status::done) {
            voucher_failed(r, "creating the voucher: " + w.error.describe());
            return;
        }
        attach(r, w.id);
        hint_early(r);
    }

    void attach(Row& r, const std::string& voucher_id) {
        r.voucher_id = voucher_id;
        auto bytes = m_receipts.begin_attach(file(r));
        if (!bytes) {
            receipt_changed(r);
            return;
        }
        auto s = std::make_shared<Step>();
        s->kind = Step::Kind::attach;
        s->row = &r;
        s->file = file(r);
        s->bytes = std::move(*bytes);
        s->voucher_id = voucher_id;
        hand_over(std::move(s));
    }

    void receipt_changed(Row& r) {
        voucher_failed(r, "the receipt changed or vanished during the run; the next run "
                          "attaches it");
    }

    // The answer to the attach of a receipt's file.
    void attached(Row& r, const std::string& voucher_id, Result<std::string, ApiError> answer) {
        const receipts::Write w = m_receipts.end_attach(file(r), voucher_id, std::move(answer));
        switch (w.status) {
        case receipts::Write::Status::done:
            r.voucher_action = "created";
            return;
        case receipts::Write::Status::changed:
            receipt_changed(r);
            return;
        case receipts::Write::Status::pending:
            // The voucher's files tell, once the attach can no longer be in flight.
            stop_on(w.error);
            pending_receipt(r, "attaching the receipt: " + w.error.describe());
            return;
        case receipts::Write::Status::failed:
            break;
        }
        stop_on(w.error);
        voucher_failed(r, "attaching the receipt: " + w.error.describe() +
                              "; the next run attaches it");
    }

    // The ledger key of the hint of `r`: the voucher and the transaction (one hint per charge).
    static std::string hint_key(const Row& r) { return r.voucher_id + " " + r.ref; }

    void record_hint(const Row& r) {
        LedgerEntry e;
        e.kind = k_hint;
        e.key = hint_key(r);
        e.content_hash = sha256_hex(r.ref);
        e.status = "done";
        e.remote_number = r.ref;
        e.run_id = m_run;
        state().mark_done(e);
    }

    void hint_existing(Row& r, const std::string& why) {
        record_hint(r);
        r.hint = "existing";
        if (!why.empty()) {
            r.reasons.push_back(why);
        }
        ++m_sum.hints_existing;
    }

    // True when lexoffice has assigned transaction `transaction_id` to the voucher of `r`
    // (GET /v1/finance/transactions/{id}/assignments); nullopt when that cannot be read.
    std::optional<bool> assigned(const Row& r, const std::string& transaction_id) {
        return assigned(client(), r.voucher_id, transaction_id);
    }
    // The same through `c` (any thread: touches nothing of the run).
    static std::optional<bool> assigned(ApiClient& c, const std::string& voucher_id,
                                        const std::string& transaction_id) {
        if (transaction_id.empty()) {
            return std::nullopt;
        }
        auto a = c.get_json("/v1/finance/transactions/" + transaction_id + "/assignments");
        if (!a || !a->IsArray()) {
            return std::nullopt;
        }
        for (const auto& x : a->GetArray()) {
            if (json::get_string(x, "id").value_or("") == voucher_id) {
                return true;
            }
        }
        return false;
    }

    // A refused hint: lexoffice takes one hint per voucher and transaction and answers a second
    // with 409 (or 406). Recognised by the status and a lookup, never by the message: the
    // transaction already assigned to the voucher, or the voucher readable (then the request was
    // well formed and only the existing hint is left to refuse it).
    bool refused_as_existing(Row& r, const ApiError& e, const std::string& transaction_id) {
        if (e.status == 409) {
            return true;
        }
        if (e.status != 406) {
            return false;
        }
        if (assigned(r, transaction_id).value_or(false)) {
            return true;
        }
        auto v = vch::get_voucher(client(), m_ctx.clock, r.voucher_id, 1);
        return v.has_value();
    }

    void hint_for(Row& r, const std::string& transaction_id) {
        if (const auto h = state().get(k_hint, hint_key(r)); h && h->status == "done") {
            r.hint = "existing";
            ++m_sum.hints_existing;
            return;
        }
        if (const auto h = state().get(k_hint, r.voucher_id); h && h->status == "done") {
            // Ledgers before hints per charge: keyed by the voucher alone.
            if (h->remote_number == r.ref) {
                r.hint = "existing";
                ++m_sum.hints_existing;
                return;
            }
        }
        const auto pending = state().get(k_hint, hint_key(r));
        if (pending && !settled(*pending)) {
            r.hint = "pending";
            m_pending_hints.emplace_back(&r, transaction_id);
            return;
        }
        // Marked before the lane looks (when it must) and sends: a lookup that finds the
        // assignment records the hint as existing instead.
        state().mark_pending(k_hint, hint_key(r), sha256_hex(r.ref), m_run);
        auto s = std::make_shared<Step>();
        s->kind = Step::Kind::hint;
        s->row = &r;
        s->body = hint_body(r.voucher_id, r.ref);
        s->voucher_id = r.voucher_id;
        s->transaction_id = transaction_id;
        s->look_first = m_check_assignments || pending;
        r.hint = "sending"; // until its answer is taken
        hand_over(std::move(s));
    }

    // The answer to a hint.
    void hint_answered(Row& r, const std::string& transaction_id,
                       Result<json::Document, ApiError> res) {
        if (res) {
            record_hint(r);
            r.hint = "sent";
            ++m_sum.hints_sent;
            return;
        }
        const ApiError& e = res.error();
        if (refused_as_existing(r, e, transaction_id)) {
            hint_existing(r, "");
            return;
        }
        if (e.status == 403) {
            finance_unavailable("lexoffice refused the assignment hint (" + e.describe() + ")");
        }
        stop_on(e);
        if (e.maybe_executed) {
            // Sent again once it can no longer be in flight; a second hint is refused as
            // existing.
            state().mark_pending(k_hint, hint_key(r), sha256_hex(r.ref), m_run);
            r.hint = "pending";
            r.reasons.push_back("hint: " + e.describe());
            m_pending_hints.emplace_back(&r, transaction_id);
            return;
        }
        state().forget(k_hint, hint_key(r));
        r.hint = "failed";
        r.reasons.push_back("hint: " + e.describe());
        ++m_sum.hints_failed;
    }

    void reconcile_hints() {
        for (int round = 1; round <= k_rounds && !m_stopped && !m_pending_hints.empty(); ++round) {
            std::vector<LedgerEntry> entries;
            for (const auto& [r, tx] : m_pending_hints) {
                if (auto e = state().get(k_hint, hint_key(*r)); e && e->status == "pending") {
                    entries.push_back(*e);
                }
            }
            wait_for(entries, m_pending_hints.size());
            const auto hints = std::move(m_pending_hints);
            m_pending_hints.clear();
            for (const auto& [r, tx] : hints) {
                hint_for(*r, tx);
            }
        }
        for (const auto& [r, tx] : m_pending_hints) {
            r->hint = "unknown";
            r->reasons.emplace_back("the hint is still unclear; the next run sends it again");
            ++m_sum.hints_failed;
        }
        m_pending_hints.clear();
    }

    // --- Waiting for unclear writes ---

    std::chrono::milliseconds timeout() const { return m_ctx.profile().request_timeout(); }

    // True when the pending `e` can no longer be in flight.
    bool settled(const LedgerEntry& e) const { return is_settled(e, m_ctx.clock.now(), timeout()); }

    // Waits until no request of `entries` can still be in flight, telling about `n` writes.
    void wait_for(const std::vector<LedgerEntry>& entries, std::size_t n = 1) {
        wait_out_unclear_writes(m_ctx, entries,
                                fmt::format("transactions export: {} had an unclear answer",
                                            counted(n, "write", "writes")),
                                n);
    }

    void pending_receipt(Row& r, const std::string& why) {
        r.voucher_action = "pending";
        r.reasons.push_back(why);
        m_pending_receipts.push_back(&r);
    }

    // The voucher list query for the receipts' numbers: their types and voucher dates.
    vch::VoucherListQuery numbers_query() const {
        vch::VoucherListQuery q;
        std::set<std::string> types;
        std::string from;
        std::string to;
        for (const auto& r : m_rows) {
            if (!r.voucher) {
                continue;
            }
            types.insert(vch::type_name(r.voucher->type));
            const std::string& d = r.voucher->voucher_date;
            from = from.empty() || d < from ? d : from;
            to = to.empty() || d > to ? d : to;
        }
        q.types.clear();
        for (const auto& t : types) {
            q.types += (q.types.empty() ? "" : ",") + t;
        }
        q.voucher_date_from = from;
        q.voucher_date_to = to;
        return q;
    }

    static constexpr int k_rounds = 4;
    // Rows with a receipt handed over beside the POST of a new account.
    static constexpr std::size_t k_beside_account = 2;
    Context& m_ctx;
    std::deque<Row>& m_rows;
    std::size_t m_count = 0; // see set_transactions
    EachRow m_each;
    std::function<void(Row&)> m_release;
    Summary& m_sum;
    std::int64_t m_run = 0;
    std::vector<Row*> m_pending_tx;
    std::vector<Row*> m_pending_receipts;
    std::vector<std::pair<Row*, std::string>> m_pending_hints; // with the transaction's id
    receipts::ReceiptLedger m_receipts;
    bool m_check_assignments = false;
    bool m_hints_checked = false; // m_check_assignments is set
    Lanes* m_lanes = nullptr;     // the phase's lanes, if any (see Lanes)
    // send_all(): its phase is on; every batch and receipt is handed over; the balance is; the
    // batches and voucher creations not yet answered; what the balance is set for.
    bool m_phase = false;
    bool m_all_handed = false;
    bool m_balance_handed = false;
    std::size_t m_sources = 0;
    // send_all(): every batch is handed over; those not yet answered; the account read for its
    // balance is asked for, and its answer.
    bool m_batches_handed = false;
    std::size_t m_batches = 0;
    bool m_balance_asked = false;
    std::shared_ptr<const Result<json::Document, ApiError>> m_balance_read;
    // upload_receipts(): the next row to look at, the rows with a receipt handed over, and the
    // first row of each receipt in this run.
    std::size_t m_receipt_at = 0;
    std::size_t m_receipts_handed = 0;
    std::map<std::string, Row*> m_by_sha;
    std::string m_account_id;
    std::string m_account_ref;
    std::optional<Decimal> m_closing;
    std::set<std::string> m_was_pending; // references sent before whose outcome was unclear
    // The voucher list read ahead (read_numbers_ahead).
    std::optional<ClientLanes<std::shared_ptr<receipts::ReceiptLedger::Listed>>> m_ahead;
    std::multiset<std::string> m_busy; // voucher numbers with a write in flight
    bool m_stopped = false;
    bool m_opening_given = false;
    bool m_balance_failed = false;
    ApiError m_stop_error;
};

// Writes the transactions not yet written to `out` as lexoffice's bank-statement CSV, a
// transaction at a time. `each(fn)` calls fn with the row of each transaction in file order and
// keeps what fn made of it.
template <class EachRow>
void write_csv(const ExportOptions& opts, Context& ctx, const EachRow& each,
               const std::string& account_name, Summary& sum, std::int64_t run) {
    StateStore& st = ctx.state();
    const fs::path out = fs::absolute(opts.out);
    std::map<std::string, std::set<std::string>> files_read; // earlier files → their references
    std::size_t todo = 0; // the rows left pending: written to `out`
    each([&](Row& r) {
        auto e = st.get(k_csv, r.ref);
        if (e && e->status == "pending") {
            // Interrupted between writing a file and recording it: the file tells.
            auto& refs = files_read[e->content_hash];
            if (refs.empty()) {
                if (auto got = read_statement_references(e->content_hash)) {
                    refs.insert(got->begin(), got->end());
                }
            }
            if (refs.count(r.ref)) {
                LedgerEntry d = *e;
                d.remote_number = e->content_hash;
                st.mark_done(d);
                e = d;
            }
        }
        if (e && e->status == "done") {
            r.action = "skipped";
            r.reasons.push_back("written before to " + e->remote_number);
            ++sum.skipped;
            return;
        }
        r.action = "pending";
        ++todo;
    });
    if (todo == 0) {
        ctx.info("transactions export: no new transactions to write; every transaction was "
                 "written to an earlier file, so no file was written");
        return;
    }
    std::error_code ec;
    if (fs::exists(out, ec)) {
        throw Error(ExitCode::usage,
                    fmt::format("{} exists; name a new file for the {} transactions not written "
                                "yet (lexoffice's import does no duplicate check, so lexsync "
                                "never writes a transaction twice)",
                                opts.out, todo));
    }
    AtomicFile file(out);
    bool header = true;
    each([&](Row& r) {
        if (r.action == "pending") {
            st.mark_pending(k_csv, r.ref, out.string(), run);
            write_statement(file.stream(), statement_rows(*r.in, r.ref, account_name), header);
            header = false;
        }
    });
    file.commit();
    each([&](Row& r) {
        if (r.action != "pending") {
            return;
        }
        LedgerEntry e;
        e.kind = k_csv;
        e.key = r.ref;
        e.content_hash = out.string();
        e.remote_number = out.string();
        e.run_id = run;
        st.mark_done(e);
        r.action = "written";
        ++sum.written;
    });
    sum.out_file = out.string();
    ctx.info(fmt::format("transactions export: wrote {} transaction{} to {} ({} written to earlier "
                         "files skipped); import it once in lexoffice (Finanzen > Bank > "
                         "Umsätze importieren): its import does no duplicate check",
                         todo, todo == 1 ? "" : "s", opts.out, sum.skipped));
}

} // namespace

void register_export(CLI::App& parent, Context& ctx) {
    auto opts = std::make_shared<ExportOptions>();
    auto* cmd = parent.add_subcommand(
        "export", "Export provider transactions, receipts and assignment hints into lexoffice");
    cmd->add_option("FILE", opts->file, "Transactions as CSV or JSON (.json)")
        ->required()
        ->type_name(k_file_value);
    cmd->add_option("--account", opts->account,
                    "Name of the financial account (found by a reference derived from it, or "
                    "created)")
        ->required();
    cmd->add_option("--account-type", opts->account_type,
                    "creditcard, giro or payment-provider (default: the mapping's, else "
                    "creditcard)")
        ->check(named_values({"creditcard", "giro", "payment-provider"}));
    cmd->add_option(
           "--mapping", opts->mapping,
           "Column mapping: generic, pleo-custom, stripe-balance, stripe-balance-history, "
           "paypal-de, "
           "revolut-business, "
           "amex-de, sparkasse-csv-camt, volksbank-umsatzanzeige, camt053, mt940 or a TOML file "
           "(default: the profile's transactions_mapping, else camt053 or mt940 for a bank "
           "statement by its content, else generic)")
        ->type_name(k_file_value)
        ->check(named_values(builtin_mapping_names()));
    cmd->add_option("--format", opts->format,
                    "api (partner finance endpoints, default) or lexoffice-csv (bank-statement CSV "
                    "for lexoffice's manual import)")
        ->check(named_values({"api", "lexoffice-csv"}));
    cmd->add_option("--out", opts->out,
                    "The bank-statement CSV to write (with --format "
                    "lexoffice-csv; must not exist)")
        ->type_name(k_file_value);
    cmd->add_option("--summary-json", opts->summary_json,
                    "Also write the run summary as JSON to this file")
        ->type_name(k_file_value);
    cmd->add_option("--receipts", opts->receipts_dir,
                    "Directory the receipt files are relative to (default: FILE's directory)")
        ->type_name(k_dir_value);
    cmd->add_option("--balance", opts->balance,
                    "The account's closing balance to set (default: opening balance plus every "
                    "transaction exported)");
    cmd->add_option("--opening-balance", opts->opening_balance,
                    "Balance a newly created account starts from (default 0), or one found "
                    "in lexoffice with an empty ledger");
    cmd->add_option("--account-system", opts->account_system,
                    "accountSystem issued by Lexware (default: the profile's "
                    "finance_account_system, else lexsync)");
    cmd->add_option("--bank-name", opts->bank_name,
                    "Bank or provider name of a new account (default: the account name)");
    cmd->add_option("--account-holder", opts->account_holder, "Account holder of a new account");
    cmd->add_option("--iban", opts->iban, "IBAN of a new giro account");
    cmd->add_option("--bic", opts->bic, "BIC of a new giro account");
    cmd->add_option("--card-provider", opts->card_provider,
                    "VISA, MASTERCARD, AMEX or DINERSCLUB (new credit card accounts)")
        ->check(named_values({"VISA", "MASTERCARD", "AMEX", "DINERSCLUB"}));
    cmd->add_option("--card-number", opts->card_number,
                    "Card number of a new credit card account (a masked one will do)");
    cmd->add_flag("--dry-run", opts->dry_run,
                  "Check the input and the posting categories, print the plan; send no writes");
    cmd->footer(
        R"(Each transaction goes into the financial account once (stable external references derived from
the provider's ids), in batches of at most 25; each receipt becomes a bookkeeping voucher with its
posting category, tax rate and receipt number, and gets one assignment hint so lexoffice proposes
it for the transaction. Re-runs and interrupted runs add nothing twice.

The finance endpoints need a partner OAuth connection (auth login --oauth). With an API key, write
lexoffice's bank-statement CSV instead (--format lexoffice-csv --out FILE): each run writes only
the transactions no earlier file had; receipts still go up as vouchers, without hints.

stdout: one record per transaction. stderr and --summary-json: the run summary.

Examples:
  lexsync transactions export --account "Stripe" --mapping stripe-balance balance.csv
  lexsync transactions export --account "Firmenkarte" --account-type creditcard \
      --card-provider VISA --card-number "**** 4711" --mapping pleo-custom pleo.csv
  lexsync transactions export --account "PayPal" --mapping paypal-de --format lexoffice-csv \
      --out paypal-2026-03.csv Download.CSV)");
    cmd->callback([opts, &ctx] { run_export(*opts, ctx); });
}

namespace {

// One `transactions export`, step by step: run() calls the steps in order.
struct ExportRun {
    ExportRun(const ExportOptions& o, Context& c) : opts(o), ctx(c) {}

    const ExportOptions& opts;
    Context& ctx;
    bool csv_mode = false;
    std::optional<Mapping> mapping;
    AccountType type = AccountType::creditcard;
    std::optional<Decimal> closing; // --balance
    Decimal opening;                // --opening-balance
    // The input's transactions and left-out rows, on disk.
    std::optional<TransactionSpool> spool;
    // The transactions in memory: only those with a receipt (their checks need each other: a
    // receipt paid in several charges is one voucher, and each gets a hint); the others are read
    // from the spool when they are needed, and what became of them is kept there.
    std::deque<TransactionInput> inputs;
    // A transaction without a receipt while the exporter has it (see Exporter::set_transactions).
    struct Held {
        TransactionInput in;
        Row row;
    };
    std::map<std::int64_t, std::unique_ptr<Held>> held; // by spool number
    std::string account_ref;
    fs::path receipts_base;
    std::deque<Row> rows; // one per transaction in `inputs`; Row::in points into it
    std::vector<InputIssue> issues;
    vch::PostingCategories categories; // Row::category points into it
    Summary sum;
    std::string left_out_note;
    std::optional<JobLock> lock; // one export per profile at a time
    std::int64_t run_id = 0;
    std::optional<Exporter> exporter; // created once the lock is held

    void run() {
        read_options();
        read_rows();
        join_split_payments();
        reject_if_invalid();
        check_credential();
        if (!csv_mode && !opts.dry_run) {
            // The account (which picks the ledger) is read beside the posting categories.
            ctx.read_account_aside();
            resolve_categories();
            check_new_account();
        } else {
            check_new_account();
            resolve_categories();
        }
        start_summary();
        if (opts.dry_run) {
            plan();
            return;
        }
        begin_writes();
        if (csv_mode) {
            export_csv();
        } else {
            export_api();
        }
        write_records();
        write_summary();
        finish();
    }

    // The command line: format and output, the mapping, the account type and the amounts.
    void read_options() {
        if (opts.account.empty()) {
            usage("--account must name the financial account");
        }
        csv_mode = opts.format == "lexoffice-csv";
        if (!csv_mode && opts.format != "api") {
            usage("--format must be api or lexoffice-csv");
        }
        if (csv_mode && opts.out.empty()) {
            usage("--format lexoffice-csv needs --out FILE");
        }
        if (!csv_mode && !opts.out.empty()) {
            usage("--out goes with --format lexoffice-csv");
        }
        const auto& profile = ctx.profile();
        const std::string mapping_name = !opts.mapping.empty() ? opts.mapping
                                         : profile.transactions_mapping
                                             ? *profile.transactions_mapping
                                             : statement_mapping_for(opts.file).value_or("generic");
        auto loaded = load_mapping(mapping_name);
        if (!loaded) {
            throw Error(ExitCode::invalid_input, loaded.error());
        }
        mapping = std::move(loaded).value();
        type = mapping->account_type.value_or(AccountType::creditcard);
        if (!opts.account_type.empty()) {
            auto t = parse_account_type(opts.account_type);
            if (!t) {
                usage("--account-type must be creditcard, giro or payment-provider");
            }
            type = *t;
        }
        std::vector<InputIssue> flag_issues;
        auto amount_flag = [&](const std::string& flag,
                               const std::string& v) -> std::optional<Decimal> {
            if (v.empty()) {
                return std::nullopt;
            }
            auto d = Decimal::parse(v);
            if (!d || d->rounded(2) != *d) {
                flag_issues.push_back(InputIssue{"command line", 0, flag,
                                                 "'" + v + "' is not an amount like -123.45"});
                return std::nullopt;
            }
            return d;
        };
        closing = amount_flag("--balance", opts.balance);
        opening = amount_flag("--opening-balance", opts.opening_balance).value_or(Decimal());
        if (!flag_issues.empty()) {
            invalid(ctx, flag_issues, "the command line");
        }
    }

    // The input file read through the mapping: one row per transaction, its receipt checked.
    void read_rows() {
        spool.emplace(opts.file);
        const auto found = read_input(opts.file, *mapping, type, *spool);
        if (!found.empty()) {
            invalid(ctx, found, opts.file);
        }
        account_ref = account_reference(ctx.profile().name, opts.account);
        receipts_base = !opts.receipts_dir.empty() ? fs::path(opts.receipts_dir)
                                                   : fs::path(opts.file).parent_path();
        spool->for_each([&](TransactionInput& t, std::int64_t seq, const std::string&) {
            if (!t.has_receipt()) {
                return;
            }
            const TransactionInput& in = inputs.emplace_back(std::move(t));
            Row& r = rows.emplace_back();
            r.seq = seq;
            r.in = &in;
            r.ref = transaction_reference(account_ref, in.transaction_id);
            check_receipt(r);
        });
    }

    // Calls `fn` with the row of each transaction in file order: the row in `rows`, or for a
    // transaction without a receipt one made for the call: planned (a dry run), as the exporter
    // left it (still held), or with the outcome its note in the spool keeps.
    // With `keep`, the outcome fn gives a transaction without a receipt is kept in the spool.
    template <class F> void for_each_row(F fn, bool keep = false) {
        auto kept = rows.begin();
        spool->for_each([&](TransactionInput& t, std::int64_t seq, const std::string& note) {
            if (t.has_receipt()) {
                fn(*kept++);
                return;
            }
            if (auto h = held.find(seq); h != held.end()) {
                fn(h->second->row);
                return;
            }
            Row r;
            r.in = &t;
            r.seq = seq;
            r.ref = transaction_reference(account_ref, t.transaction_id);
            r.action = opts.dry_run ? "planned" : "pending";
            if (!note.empty()) {
                // See outcome().
                const auto a = note.find('\n');
                const auto b = note.find('\n', a + 1);
                r.action = note.substr(0, a);
                r.remote_id = note.substr(a + 1, b - a - 1);
                if (b + 1 < note.size()) {
                    r.reasons.push_back(note.substr(b + 1));
                }
            }
            fn(r);
            if (keep) {
                spool->set_note(seq, outcome(r));
            }
        });
    }

    // The exporter's transactions (Exporter::set_transactions): the rows with a receipt, and the
    // others held while the exporter has them, their fee category resolved again.
    void hand_transactions() {
        auto each = [this](const std::function<void(Row&)>& fn) {
            auto kept = rows.begin();
            spool->for_each([&](TransactionInput& t, std::int64_t seq, const std::string&) {
                if (t.has_receipt()) {
                    fn(*kept++);
                    return;
                }
                auto h = std::make_unique<Held>();
                h->in = std::move(t);
                Row& r = h->row;
                r.in = &h->in;
                r.seq = seq;
                r.ref = transaction_reference(account_ref, r.in->transaction_id);
                if (r.in->fee) {
                    if (auto c = categories.find(r.in->fee_category)) {
                        r.fee_category_id = (*c)->id;
                    }
                }
                Row& handed = held.emplace(seq, std::move(h)).first->second->row;
                fn(handed); // may release it
            });
        };
        exporter->set_transactions(static_cast<std::size_t>(sum.transactions), each,
                                   [this](Row& r) { release(r); });
    }

    // The note in the spool of what became of the transaction of `r`: action,
    // financialTransactionId and reason, a line each (read back by for_each_row()).
    static std::string outcome(const Row& r) {
        std::string reason;
        for (const auto& s : r.reasons) {
            reason += (reason.empty() ? "" : "; ") + s;
        }
        return r.action + "\n" + r.remote_id + "\n" + reason;
    }

    // Keeps the final outcome of a held transaction in the spool and lets the row go.
    void release(Row& r) {
        auto h = held.find(r.seq);
        if (r.in->has_receipt() || h == held.end()) {
            return;
        }
        spool->set_note(r.seq, outcome(r));
        held.erase(h);
    }

    // A row's receipt file: there, not too large, readable, of a known kind; then its voucher.
    void check_receipt(Row& r) {
        const TransactionInput& t = *r.in;
        r.receipt_path = fs::path(t.receipt_file).is_relative() ? receipts_base / t.receipt_file
                                                                : fs::path(t.receipt_file);
        std::error_code ec;
        const auto size = fs::file_size(r.receipt_path, ec);
        if (ec) {
            issues.push_back(InputIssue{t.source, t.line, "receipt_file",
                                        fmt::format("no such file '{}'", r.receipt_path.string())});
            return;
        }
        if (auto bad = file_check::check_size(size)) {
            issues.push_back(InputIssue{t.source, t.line, "receipt_file", *bad});
            return;
        }
        auto bytes = read_file(r.receipt_path);
        if (!bytes) {
            issues.push_back(InputIssue{t.source, t.line, "receipt_file", "cannot be read"});
            return;
        }
        auto kind = file_check::check(r.receipt_path, *bytes);
        if (!kind) {
            issues.push_back(InputIssue{t.source, t.line, "receipt_file", kind.error()});
            return;
        }
        r.kind = *kind;
        r.sha = sha256_hex(*bytes);
        read_voucher(r);
    }

    // The receipt's bookkeeping data through the checks of `vouchers upload`.
    void read_voucher(Row& r) {
        const TransactionInput& t = *r.in;
        vch::VoucherFields f;
        f.file = t.receipt_file;
        f.voucher_number = t.receipt_number;
        f.voucher_date = t.booking_date.empty() ? t.value_date : t.booking_date;
        f.type = !t.voucher_type.empty()
                     ? t.voucher_type
                     : (t.amount < Decimal() ? "purchaseinvoice" : "salesinvoice");
        const Decimal gross = t.amount < Decimal() ? -t.amount : t.amount;
        f.amount = gross.to_string();
        f.tax_rate = t.tax_rate ? t.tax_rate->to_string() : std::string();
        f.category = t.posting_category;
        f.contact_name = t.counterparty_name;
        f.collective_contact = "true";
        f.remark = opts.account + ": " + t.purpose + " (" + t.transaction_id + ")";
        vch::VoucherInput v;
        auto found = vch::parse_fields(f, t.source, t.line, v);
        for (auto& issue : found) {
            issue.field = input_field(issue.field);
            // Missing receipt number, category and tax rate were reported by read_input.
            if (issue.message.rfind("missing", 0) == 0) {
                continue;
            }
            issues.push_back(std::move(issue));
        }
        if (found.empty()) {
            r.voucher = std::make_unique<vch::VoucherInput>(std::move(v));
        }
    }

    // A receipt paid in several charges (a split payment) is one voucher with the receipt's
    // total, held by its first charge; every charge gets its own hint.
    void join_split_payments() {
        std::map<std::string, Row*> receipt_rows;
        for (auto& r : rows) {
            if (!r.voucher) {
                continue;
            }
            auto [first, fresh] = receipt_rows.emplace(r.sha, &r);
            if (fresh) {
                continue;
            }
            Row& head = *first->second;
            const TransactionInput& t = *r.in;
            auto differs = [&](const char* field, const std::string& mine,
                               const std::string& theirs) {
                issues.push_back(InputIssue{
                    t.source, t.line, field,
                    fmt::format("the receipt {} is also paid on line {} with {} '{}', here '{}'; "
                                "one receipt is one voucher",
                                t.receipt_file, head.in->line, field, theirs, mine)});
            };
            if (r.voucher->voucher_number != head.voucher->voucher_number) {
                differs("receipt_number", r.voucher->voucher_number, head.voucher->voucher_number);
            } else if (t.posting_category != head.in->posting_category) {
                differs("posting_category", t.posting_category, head.in->posting_category);
            } else if (r.voucher->type != head.voucher->type) {
                differs("voucher_type", vch::type_name(r.voucher->type),
                        vch::type_name(head.voucher->type));
            } else {
                for (const auto& a : r.voucher->amounts) {
                    head.voucher->amounts.push_back(a);
                }
                r.split_of = &head;
            }
        }
    }

    // Stops with every problem found in the input so far.
    void reject_if_invalid() {
        if (!issues.empty()) {
            invalid(ctx, issues, opts.file);
        }
    }

    // The credential: API keys do not reach the partner finance endpoints (§10); [U] whether a
    // Public API key can be granted finance scopes is unconfirmed, so lexsync does not try. A dry
    // run only warns.
    void check_credential() {
        if (!csv_mode && !ctx.oauth_source()) {
            if (!opts.dry_run) {
                finance_unavailable("this profile uses an API key");
            }
            ctx.warn("transactions export: this profile uses an API key; the finance endpoints "
                     "need a partner OAuth connection (or use --format lexoffice-csv --out FILE)");
        }
    }

    // A new account needs its type's details; checked before anything is sent.
    void check_new_account() {
        if (!csv_mode && !opts.dry_run) {
            const auto known = ctx.state().get(k_account, account_ref);
            if (!known || known->status != "done") {
                if (type == AccountType::creditcard &&
                    (opts.card_provider.empty() || opts.card_number.empty())) {
                    usage("creating the credit card account '" + opts.account +
                          "' needs --card-provider and --card-number (or --account-type)");
                }
                if (type == AccountType::giro && (opts.iban.empty() || opts.bic.empty())) {
                    usage("creating the giro account '" + opts.account +
                          "' needs --iban and --bic");
                }
            }
        }
        if (!opts.card_provider.empty()) {
            const std::string p = opts.card_provider;
            if (p != "VISA" && p != "MASTERCARD" && p != "AMEX" && p != "DINERSCLUB") {
                usage("--card-provider must be VISA, MASTERCARD, AMEX or DINERSCLUB");
            }
        }
    }

    // The posting categories of receipts and fees, fetched once when any row needs one.
    void resolve_categories() {
        const bool need_categories = (!csv_mode && spool->fee_count() > 0) ||
                                     std::any_of(rows.begin(), rows.end(), [&](const Row& r) {
                                         return r.voucher != nullptr;
                                     });
        if (!need_categories) {
            return;
        }
        categories = value_or_throw(vch::fetch_posting_categories(ctx.client()),
                                    "reading the posting categories");
        for_each_row([&](Row& r) {
            const TransactionInput& t = *r.in;
            if (r.voucher) {
                auto c = categories.resolve(t.posting_category, r.voucher->type);
                if (!c) {
                    issues.push_back(InputIssue{t.source, t.line, "posting_category", c.error()});
                } else {
                    r.category = *c;
                    if ((*c)->contact_required) {
                        issues.push_back(InputIssue{
                            t.source, t.line, "posting_category",
                            fmt::format("posting category '{}' needs a contact; receipts are "
                                        "booked on the collective contact",
                                        (*c)->name)});
                    }
                }
            }
            if (t.fee && !csv_mode) {
                auto c = categories.find(t.fee_category);
                if (!c) {
                    issues.push_back(InputIssue{t.source, t.line, "fee_category", c.error()});
                } else {
                    r.fee_category_id = (*c)->id;
                }
            }
        });
        reject_if_invalid();
    }

    // The summary's fixed fields and the note on rows the mapping leaves out.
    void start_summary() {
        sum.mode = csv_mode ? "lexoffice-csv" : "api";
        sum.account = opts.account;
        sum.account_reference = account_ref;
        sum.transactions = static_cast<long>(spool->size());
        sum.left_out = static_cast<long>(spool->left_out_count());
        // Said with the run's last line: how many source rows the mapping leaves out.
        left_out_note = sum.left_out == 0
                            ? std::string()
                            : fmt::format("; {} left out by the mapping (records marked left-out)",
                                          counted(sum.left_out, "row", "rows"));
    }

    // One record per transaction, then one per row the mapping leaves out.
    void write_records() {
        auto writer = ctx.writer(result_columns());
        json::Document rec;
        for_each_row([&](const Row& r) {
            rec.SetObject();
            rec.GetAllocator().Clear(); // memory stays flat however many records
            auto& a = rec.GetAllocator();
            auto opt = [&](const std::string& s) {
                return s.empty() ? json::Value() : json::str(s, a);
            };
            std::string reason;
            for (const auto& s : r.reasons) {
                reason += (reason.empty() ? "" : "; ") + s;
            }
            rec.AddMember("line", static_cast<std::int64_t>(r.in->line), a);
            rec.AddMember("transactionId", json::str(r.in->transaction_id, a), a);
            rec.AddMember("externalReference", json::str(r.ref, a), a);
            rec.AddMember("action", json::str(r.action, a), a);
            rec.AddMember("financialTransactionId", opt(r.remote_id), a);
            rec.AddMember("voucherNumber", opt(r.voucher ? r.voucher->voucher_number : ""), a);
            rec.AddMember("voucherId", opt(r.voucher_id), a);
            rec.AddMember("voucher", opt(r.voucher_action), a);
            rec.AddMember("hint", opt(r.hint), a);
            rec.AddMember("reason", opt(reason), a);
            writer->write(rec);
        });
        // Every source row is accounted for: the rows the mapping leaves out, with why.
        spool->for_each_left_out([&](const LeftOutRow& l) {
            rec.SetObject();
            rec.GetAllocator().Clear();
            auto& a = rec.GetAllocator();
            rec.AddMember("line", static_cast<std::int64_t>(l.line), a);
            rec.AddMember("transactionId", json::str(l.transaction_id, a), a);
            rec.AddMember("externalReference", json::Value(), a);
            rec.AddMember("action", json::str("left-out", a), a);
            rec.AddMember("financialTransactionId", json::Value(), a);
            rec.AddMember("voucherNumber", json::Value(), a);
            rec.AddMember("voucherId", json::Value(), a);
            rec.AddMember("voucher", json::Value(), a);
            rec.AddMember("hint", json::Value(), a);
            rec.AddMember("reason", json::str(l.reason, a), a);
            writer->write(rec);
        });
        writer->finish();
    }

    // The summary file, when --summary-json names one.
    void write_summary() {
        if (!opts.summary_json.empty()) {
            write_file_atomically(opts.summary_json, sum.to_json() + "\n");
        }
    }

    // A dry run: every row planned, records and summary written, nothing sent.
    void plan() {
        long receipts = 0;
        for (auto& r : rows) {
            r.action = "planned";
            if (r.voucher) {
                r.voucher_action = "planned";
                r.hint = csv_mode ? "" : "planned";
                ++receipts;
            }
        }
        write_records();
        write_summary();
        ctx.info(fmt::format("transactions export (dry run): {} transactions, {} receipts, account "
                             "'{}' (reference {}), mapping {}{}; nothing was sent",
                             sum.transactions, receipts, opts.account, account_ref, mapping->name,
                             left_out_note));
    }

    // Before any write: the profile's export lock, the run in the ledger and the exporter.
    void begin_writes() {
        lock.emplace(ctx.profile().state_dir, "transactions-export", [&] {
            ctx.info(
                "transactions export: waiting for another transactions export of this profile");
        });
        run_id = ctx.state().begin_run("transactions export");
        exporter.emplace(ctx, rows, sum);
        exporter->set_run(run_id);
        hand_transactions();
    }

    // --format lexoffice-csv: the bank-statement file, then the receipts as vouchers.
    void export_csv() {
        write_csv(
            opts, ctx, [this](const auto& fn) { for_each_row(fn, true); }, opts.account, sum,
            run_id);
        exporter->upload_receipts();
        exporter->reconcile({}, {});
        exporter->finish_receipts();
        if (std::any_of(rows.begin(), rows.end(),
                        [](const Row& r) { return r.voucher != nullptr; })) {
            ctx.info("transactions export: no assignment hints: lexoffice knows no reference for "
                     "transactions imported from CSV; assign the vouchers after the import");
        }
    }

    // --format api: the account, the transactions, the receipts, the balance and the hints.
    void export_api() {
        const auto& profile = ctx.profile();
        AccountSpec spec;
        spec.type = type;
        spec.account_system = !opts.account_system.empty()     ? opts.account_system
                              : profile.finance_account_system ? *profile.finance_account_system
                                                               : std::string("lexsync");
        spec.name = opts.account;
        spec.bank_name = opts.bank_name.empty() ? opts.account : opts.bank_name;
        spec.account_holder = opts.account_holder;
        spec.balance = opening;
        exporter->set_opening_given(!opts.opening_balance.empty());
        spec.iban = opts.iban;
        spec.bic = opts.bic;
        spec.card_provider = opts.card_provider;
        spec.card_number = opts.card_number;
        spec.external_reference = account_ref;
        exporter->read_numbers_ahead(); // beside the account's look-up
        sum.account_id = exporter->send_all(spec, closing);
    }

    // The run's last line, the run closed in the ledger, and the exit code for what failed.
    void finish() {
        const bool bad = sum.failed + sum.unknown + sum.vouchers_failed + sum.hints_failed > 0 ||
                         exporter->balance_failed();
        const auto& stats = ctx.client_stats();
        if (csv_mode) {
            ctx.info(fmt::format("transactions export: {} written, {} skipped (written before); "
                                 "vouchers {} created, {} existing, {} failed ({}){}",
                                 sum.written, sum.skipped, sum.vouchers_created,
                                 sum.vouchers_existing, sum.vouchers_failed,
                                 counted(stats.requests, "request", "requests"), left_out_note));
        } else {
            ctx.info(fmt::format(
                "transactions export: account '{}' {}; transactions {} pushed, {} skipped "
                "(exported before), {} failed, {} unknown; vouchers {} created, {} existing, {} "
                "failed; hints {} sent, {} existing, {} failed; balance {}{} ({}, {} rate "
                "limited){}",
                opts.account, sum.accounts_created ? "created" : "found", sum.pushed, sum.skipped,
                sum.failed, sum.unknown, sum.vouchers_created, sum.vouchers_existing,
                sum.vouchers_failed, sum.hints_sent, sum.hints_existing, sum.hints_failed,
                sum.balance.empty() ? "-" : sum.balance, sum.balance_updated ? " (updated)" : "",
                counted(stats.requests, "request", "requests"), stats.rate_limited, left_out_note));
        }
        ctx.state().finish_run(run_id, bad ? "partial" : "ok", sum.to_json());
        if (exporter->stopped()) {
            throw_api_error(exporter->stop_error(), "transactions export stopped");
        }
        if (bad) {
            throw Error(ExitCode::partial, "some transactions, vouchers or hints were not "
                                           "exported (see the records marked failed or unknown); "
                                           "the next run retries them");
        }
    }
};

} // namespace

void run_export(const ExportOptions& opts, Context& ctx) {
    ExportRun(opts, ctx).run();
}

} // namespace lexsync::commands::transactions
