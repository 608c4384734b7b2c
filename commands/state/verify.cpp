#include "commands/state/verify.hpp"

#include "cli/wording.hpp"
#include "commands/state/check.hpp"

#include <fmt/format.h>
#include <lexsync/api/error.hpp>

namespace lexsync::commands::state {

void register_verify(CLI::App& parent, Context& ctx) {
    auto* cmd = parent.add_subcommand(
        "verify", "Compare the ledger with what lexoffice holds (changes nothing)");
    cmd->footer(R"(Lists each ledger entry of invoices export and contacts push with its result:
ok, renumbered, missing, pending or unsure. Exit 0 when all are ok, 4 otherwise.

Examples:
  lexsync state verify -o table
  lexsync state verify -o ndjson | jq -c 'select(.result != "ok")')");
    cmd->callback([&ctx] { run_verify(ctx); });
}

void run_verify(Context& ctx) {
    std::vector<Document> documents;
    const Comparison cmp = compare(ctx, documents);
    auto writer = ctx.writer(finding_columns());
    std::map<std::string, long> counts;
    for (const auto& f : cmp.findings) {
        writer->write(finding_record(f));
        ++counts[f.result];
    }
    writer->finish();
    std::string others;
    for (const auto& [kind, n] : cmp.other_kinds) {
        others += fmt::format("{}{} {}", others.empty() ? "" : ", ", n, kind);
    }
    auto n = [&](const char* k) { return counts.count(k) ? counts.at(k) : 0L; };
    ctx.info(fmt::format(
        "state verify: {} compared: {} ok, {} renumbered, {} missing, {} pending, {} unsure{} ({})",
        cmp.findings.size(), n("ok"), n("renumbered"), n("missing"), n("pending"), n("unsure"),
        others.empty() ? "" : fmt::format("; not compared: {}", others),
        counted(ctx.client_stats().requests, "request", "requests")));
    if (n("ok") != static_cast<long>(cmp.findings.size())) {
        throw Error(ExitCode::partial,
                    "the ledger and lexoffice differ; `lexsync state rebuild` repairs the ledger "
                    "(lexoffice is kept as it is)");
    }
}

} // namespace lexsync::commands::state
