// --- Interface ---
// One register function per noun; each adds its verbs to `app`.
#pragma once

#include "cli/context.hpp"
#include "cli/run.hpp"

#include <CLI/CLI.hpp>

namespace lexsync::commands {

void register_auth(CLI::App& app, Context& ctx);
void register_contacts(CLI::App& app, Context& ctx);
void register_invoices(CLI::App& app, Context& ctx);
void register_sandbox(CLI::App& app, Context& ctx);
void register_vouchers(CLI::App& app, Context& ctx);
void register_transactions(CLI::App& app, Context& ctx);
void register_webhooks(CLI::App& app, Context& ctx);
void register_sync(CLI::App& app, Context& ctx);
void register_state(CLI::App& app, Context& ctx);
void register_config(CLI::App& app, Context& ctx);
namespace doctor {
void register_doctor(CLI::App& app, Context& ctx);
}
namespace completion {
void register_completion(CLI::App& app, Context& ctx);
}

// Registers every noun above on `app`.
inline void register_all(CLI::App& app, Context& ctx) {
    register_auth(app, ctx);
    register_contacts(app, ctx);
    register_invoices(app, ctx);
    register_sandbox(app, ctx);
    register_vouchers(app, ctx);
    register_transactions(app, ctx);
    register_webhooks(app, ctx);
    register_sync(app, ctx);
    register_state(app, ctx);
    register_config(app, ctx);
    doctor::register_doctor(app, ctx);
    completion::register_completion(app, ctx);
}

} // namespace lexsync::commands

namespace lexsync {

// lexsync with all its commands: what the executable and the command tests run.
inline int run(int argc, char** argv, Context& ctx) {
    return run(argc, argv, ctx, commands::register_all);
}
inline int run(const std::string& command_line, Context& ctx) {
    return run(command_line, ctx, commands::register_all);
}

} // namespace lexsync
