#include "commands/sandbox/seed.hpp"

#include "cli/option_values.hpp"
#include "sandbox/seed.hpp"

#include <fstream>
#include <lexsync/api/error.hpp>
#include <memory>
#include <ostream>
#include <sstream>

namespace lexsync::commands::sandbox {

void register_seed(CLI::App& parent, Context& ctx) {
    auto options = std::make_shared<SeedOptions>();
    auto* cmd = parent.add_subcommand("seed", "Check a sandbox seed file, or print one");
    auto* check = cmd->add_option("--check", options->check,
                                  "Validate the seed FILE; every problem is named by line, "
                                  "column and JSON path")
                      ->type_name(k_file_value);
    auto* print = cmd->add_option("--print", options->print,
                                  "Print the built-in seed demo or empty (a starting point)")
                      ->check(CLI::IsMember({"demo", "empty"}));
    auto* schema =
        cmd->add_flag("--schema", options->schema, "Print the JSON Schema of seed files");
    check->excludes(print)->excludes(schema);
    print->excludes(schema);
    cmd->footer(
        R"(The seed format is described in lexsync-sandbox(1), SEED FILES; the JSON Schema is
installed as share/lexsync/sandbox-seed.schema.json.

Exit status: 0 for a usable seed, 6 when --check finds a problem.

Examples:
  lexsync sandbox seed --check ./seed.json
  lexsync sandbox seed --print demo > seed.json
  lexsync sandbox seed --schema > sandbox-seed.schema.json
)");
    cmd->callback([options, &ctx] { run_seed(*options, ctx); });
}

void run_seed(const SeedOptions& options, Context& ctx) {
    if (options.schema) {
        ctx.io.out << lexsync::sandbox::seed_schema_json();
        return;
    }
    if (!options.print.empty()) {
        ctx.io.out << lexsync::sandbox::builtin_seed_json(options.print == "demo") << "\n";
        return;
    }
    if (options.check.empty()) {
        throw Error(ExitCode::usage, "sandbox seed: give --check FILE, --print or --schema");
    }
    std::ifstream in(options.check, std::ios::binary);
    if (!in) {
        throw Error(ExitCode::invalid_input, "cannot read seed file " + options.check);
    }
    std::ostringstream text;
    text << in.rdbuf();
    const auto problems = lexsync::sandbox::check_seed_json(text.str());
    if (problems.empty()) {
        ctx.info(options.check + ": a valid seed");
        return;
    }
    for (const auto& p : problems) {
        ctx.io.err << options.check << ":" << p.line << ":" << p.column << ": " << p.path << ": "
                   << p.message << "\n";
    }
    throw Error(ExitCode::invalid_input, options.check + ": " + std::to_string(problems.size()) +
                                             (problems.size() == 1 ? " problem" : " problems") +
                                             " in the seed");
}

} // namespace lexsync::commands::sandbox
