#include "commands/commands.hpp"
#include "commands/state/rebuild.hpp"
#include "commands/state/verify.hpp"

namespace lexsync::commands {

void register_state(CLI::App& app, Context& ctx) {
    auto* state = app.add_subcommand(
        "state", "Compare the local ledger with lexoffice and repair it from there");
    state->require_subcommand(1);
    state::register_verify(*state, ctx);
    state::register_rebuild(*state, ctx);
}

} // namespace lexsync::commands
