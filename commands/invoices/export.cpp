#include "commands/invoices/export.hpp"

#include <lexsync/error.hpp>

namespace lexsync::commands::invoices {

void register_export(CLI::App& parent, Context& ctx) {
    auto* cmd = parent.add_subcommand("export", "Create invoices in lexoffice from billing data (not available yet)");
    cmd->callback([&ctx] { run_export(ExportOptions{}, ctx); });
}

void run_export(const ExportOptions&, Context&) {
    throw Error(ExitCode::usage, "invoices export is not available yet");
}

} // namespace lexsync::commands::invoices
