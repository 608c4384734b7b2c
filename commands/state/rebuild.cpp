#include "commands/state/rebuild.hpp"

#include "cli/input_options.hpp"
#include "cli/wording.hpp"
#include "commands/invoices/shared/ledger.hpp"
#include "commands/state/check.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <lexsync/api/error.hpp>
#include <lexsync/util/date.hpp>
#include <lexsync/util/json.hpp>
#include <set>
#include <sstream>

namespace lexsync::commands::state {

namespace {

namespace ledger = invoices::shared;

// A document of the period whose remark names a source invoice.
struct Claim {
    const Document* doc = nullptr;
    std::string number; // lexoffice's voucher number as read
    std::string status;
};

} // namespace

std::string number_in_ref_line(const std::string& ref_text, std::string line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
        line.pop_back();
    }
    const auto ph = ref_text.find("{number}");
    if (ph == std::string::npos) {
        return "";
    }
    const std::string prefix = ref_text.substr(0, ph);
    const std::string suffix = ref_text.substr(ph + 8);
    if (line.size() <= prefix.size() + suffix.size() ||
        line.compare(0, prefix.size(), prefix) != 0 ||
        line.compare(line.size() - suffix.size(), suffix.size(), suffix) != 0) {
        return "";
    }
    std::string number = line.substr(prefix.size(), line.size() - prefix.size() - suffix.size());
    if (number.front() == ' ' || number.back() == ' ') {
        return "";
    }
    return number;
}

void register_rebuild(CLI::App& parent, Context& ctx) {
    auto opts = std::make_shared<RebuildOptions>();
    auto* cmd = parent.add_subcommand(
        "rebuild", "Repair the ledger from what lexoffice holds (lexoffice is not changed)");
    cmd->add_option(
        "--from", opts->from,
        "Also read the unrecorded invoices dated from this day (yyyy-mm-dd or dd.mm.yyyy)");
    cmd->add_option("--to", opts->to, "... up to this day");
    add_period_options(cmd, opts->month, opts->period);
    cmd->add_option("--ref-text", opts->ref_text,
                    "The remark line invoices export wrote ({number} is the source number)")
        ->capture_default_str();
    cmd->add_flag("--dry-run", opts->dry_run, "Show what would change in the ledger");
    cmd->footer(
        R"(Forgets entries whose document or contact lexoffice no longer holds, records changed
voucher numbers and, for a period, records the invoices and credit notes whose remark carries
the reference line of a source invoice (one request per document the ledger does not know).
Every writing command also does this lookup by itself before it writes; rebuild only makes the
next run cheap again.

Examples:
  lexsync state rebuild --dry-run
  lexsync state rebuild --month 2026-10)");
    cmd->callback([&ctx, opts] { run_rebuild(ctx, *opts); });
}

void run_rebuild(Context& ctx, const RebuildOptions& opts) {
    if (!opts.ref_text.empty() && opts.ref_text.find("{number}") == std::string::npos) {
        throw Error(ExitCode::usage, "--ref-text must contain {number}");
    }
    const bool with_period =
        !opts.from.empty() || !opts.to.empty() || !opts.month.empty() || !opts.period.empty();
    table::Period period;
    if (with_period) {
        period = period_option(opts.from, opts.to, opts.month, opts.period, ctx);
    }
    std::vector<Document> documents;
    Comparison cmp = compare(ctx, documents);
    StateStore& st = ctx.state();
    const auto run_id = opts.dry_run ? 0 : st.begin_run("state rebuild");

    std::vector<Finding> out;
    for (auto& f : cmp.findings) {
        if (f.result == "missing") {
            f.result = opts.dry_run ? "forget" : "forgotten";
            if (!opts.dry_run) {
                st.forget(f.kind, f.key);
            }
        } else if (f.result == "renumbered") {
            f.result = opts.dry_run ? "update" : "updated";
            if (!opts.dry_run) {
                LedgerEntry e = f.entry;
                e.remote_number = f.number;
                st.mark_done(e);
            }
        }
        out.push_back(std::move(f));
    }

    // The period's sales documents the ledger does not attribute: whose are they?
    long read = 0;
    if (with_period && !opts.ref_text.empty()) {
        const std::string from = period.from ? format_date(*period.from) : "0000-00-00";
        const std::string to = period.to ? format_date(*period.to) : "9999-99-99";
        std::map<std::string, std::vector<Claim>> claims; // source number → documents
        for (const auto& d : documents) {
            if ((d.type != "invoice" && d.type != "creditnote") || d.voucher_date < from ||
                d.voucher_date > to) {
                continue;
            }
            if (ledger::source_of(st, d.id)) {
                continue; // the ledger knows whose document this is
            }
            auto doc = ctx.client().get_json(
                (d.type == "creditnote" ? "/v1/credit-notes/" : "/v1/invoices/") + d.id);
            ++read;
            if (!doc) {
                if (doc.error().kind == ApiError::Kind::not_found) {
                    continue; // deleted since it was listed
                }
                throw_api_error(doc.error(), "state rebuild: reading " + d.id);
            }
            std::istringstream remark(json::get_string(*doc, "remark").value_or(""));
            std::set<std::string> numbers;
            for (std::string line; std::getline(remark, line);) {
                if (auto n = number_in_ref_line(opts.ref_text, line); !n.empty()) {
                    numbers.insert(n);
                }
            }
            if (numbers.size() != 1) {
                continue; // none, or a document that names several sources: not one of ours
            }
            claims[*numbers.begin()].push_back(
                {&d, json::get_string(*doc, "voucherNumber").value_or(""),
                 json::get_string(*doc, "voucherStatus").value_or(d.status)});
        }
        for (const auto& [number, docs] : claims) {
            const std::string key = ledger::ledger_key("invoice", number);
            Finding f;
            f.kind = ledger::k_ledger_kind;
            f.key = key;
            const auto entry = st.get(ledger::k_ledger_kind, key);
            f.ledger = entry ? entry->status : "";
            f.id = docs.front().doc->id;
            f.number = docs.front().number;
            f.status = docs.front().status;
            const bool held_elsewhere =
                entry && entry->status == "done" && !entry->remote_id.empty() &&
                std::none_of(out.begin(), out.end(), [&](const Finding& o) {
                    return o.key == key && (o.result == "forgotten" || o.result == "forget");
                });
            if (docs.size() > 1 || held_elsewhere) {
                f.result = "unsure";
                f.detail = fmt::format(
                    "{} documents in lexoffice carry the reference of {}; resolve by hand",
                    docs.size() + (held_elsewhere ? 1 : 0), number);
                out.push_back(std::move(f));
                continue;
            }
            f.result = opts.dry_run ? "record" : "recorded";
            f.detail = "found in lexoffice by its reference line";
            if (!opts.dry_run) {
                LedgerEntry e;
                e.kind = ledger::k_ledger_kind;
                e.key = key;
                e.content_hash = ""; // unknown: the next export takes the source as it is then
                e.status = "done";
                e.remote_id = f.id;
                e.remote_version = 1;
                e.remote_number = f.number;
                e.run_id = run_id;
                st.mark_done(e);
                ledger::ExportExtra extra;
                extra.kind = docs.front().doc->type == "creditnote" ? "credit-note" : "invoice";
                extra.status = f.status;
                ledger::write_extra(st, key, extra);
            }
            out.push_back(std::move(f));
        }
    }

    auto writer = ctx.writer(finding_columns());
    std::map<std::string, long> counts;
    for (const auto& f : out) {
        writer->write(finding_record(f));
        ++counts[f.result];
    }
    writer->finish();
    std::string summary;
    for (const auto& [result, n] : counts) {
        summary += fmt::format("{}{} {}", summary.empty() ? "" : ", ", n, result);
    }
    if (!opts.dry_run) {
        st.finish_run(run_id, counts.count("unsure") ? "partial" : "ok", "{}");
    }
    ctx.info(fmt::format("state rebuild{}: {}; {} read ({})", opts.dry_run ? " (dry run)" : "",
                         summary.empty() ? std::string("nothing in the ledger") : summary,
                         counted(read, "document", "documents"),
                         counted(ctx.client_stats().requests, "request", "requests")));
}

} // namespace lexsync::commands::state
