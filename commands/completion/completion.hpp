// --- Interface ---
// `lexsync completion bash|zsh|fish|json`: shell completion scripts generated from the command
// tree itself, so they cannot drift from the real commands and flags. `json` prints the tree
// (used by the documentation tests). The scripts complete the values of options too: a fixed set,
// file or directory names, or the profiles of the config file (`completion profiles`, hidden); and
// so do the positional arguments (the shell of `completion`, the keys of `config get`, the event
// types of `webhooks subscribe`).
#pragma once

#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace lexsync::commands::completion {

// One command of the tree: its path ("contacts push"), description, flags, positional arguments
// and subcommands.
struct Node {
    std::vector<std::string> path;
    std::string description;
    struct Flag {
        std::vector<std::string> names; // "--dry-run", "-o"
        std::string description;
        bool takes_value = false;
        // What its value completes to: "file", "dir", "profile" (the config's profiles, asked
        // at completion time), "choice" (only `choices`) or "text" (nothing); empty without a
        // value. A file option may name `choices` too (built-in names besides files).
        std::string value;
        std::vector<std::string> choices;
    };
    std::vector<Flag> flags;
    // The positional arguments, in order; their values complete like a flag's ("file", "dir",
    // "profile", "choice" or "text"). The last one may take several words (`repeats`).
    struct Positional {
        std::string name; // "SHELL", "key"
        std::string description;
        std::string value;
        std::vector<std::string> choices;
        bool repeats = false;
    };
    std::vector<Positional> positionals;
    std::vector<Node> children;
};

// Walks `app` (the root) into a Node tree, leaving out hidden commands and the help flags.
Node command_tree(const CLI::App& app);

// The completion script for `shell` ("bash", "zsh", "fish") or the tree as JSON ("json").
std::string render(const Node& root, const std::string& shell);

// Adds `completion` to `app`.
void register_completion(CLI::App& app, Context& ctx);

} // namespace lexsync::commands::completion
