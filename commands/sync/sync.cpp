#include "commands/commands.hpp"
#include "commands/sync/run.hpp"

#include <memory>

namespace lexsync::commands {

void register_sync(CLI::App& app, Context& ctx) {
    auto opts = std::make_shared<sync::SyncOptions>();
    auto* cmd = app.add_subcommand(
        "sync", "Run the profile's configured jobs (pull, export, upload) once, for cron");
    cmd->add_flag("--no-wait", opts->no_wait,
                  "When another sync of the profile is running, exit 0 with a note instead of "
                  "waiting for it");
    cmd->add_option("--only", opts->only,
                    "Run only these jobs: contacts, invoices, export, receipts")
        ->delimiter(',')
        ->check(CLI::IsMember(sync::k_jobs));
    cmd->footer(R"(Jobs come from the profile's [profiles.NAME.sync] table (see lexsync-sync(1)):
  contacts  contacts pull --out contacts_pull_out
  invoices  invoices pull --out invoices_pull_dir (incremental; from invoices_pull_from to today)
  export    invoices export invoices_export_file (each source invoice once)
  receipts  vouchers upload receipts_dirs (each receipt once)
A failing job does not stop the others; the exit code is the first failure's.

Examples:
  lexsync sync
  lexsync --quiet --profile shop sync --no-wait     # crontab: */15 * * * *
  lexsync sync --only contacts,invoices)");
    cmd->callback([opts, &ctx] { sync::run_sync(*opts, ctx); });
}

} // namespace lexsync::commands
