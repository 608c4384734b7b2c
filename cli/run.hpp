// --- Interface ---
// The entry point's parser: global options, help, "did you mean", --all-profiles, and the
// exit-code table. The commands themselves are handed in, so cli/ knows none of them.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace lexsync {

class Context;

// Adds every command to `app` (commands::register_all).
using RegisterCommands = void (*)(CLI::App& app, Context& ctx);

// Parses `argc/argv` and runs the command; returns the exit code. Never throws.
int run(int argc, char** argv, Context& ctx, RegisterCommands register_commands);
// The same for a command-line string (tests).
int run(const std::string& command_line, Context& ctx, RegisterCommands register_commands);

} // namespace lexsync
