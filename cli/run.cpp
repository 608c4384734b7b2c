#include "cli/all_profiles.hpp"
#include "cli/context.hpp"
#include "commands/commands.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <fmt/format.h>
#include <httplib.h>
#include <lexsync/error.hpp>
#include <lexsync/version.hpp>
#include <sstream>
#include <vector>

namespace lexsync {

namespace {

constexpr const char* k_exit_codes_help = R"(Exit codes:
  0  ok (also when nothing matched)
  1  error: the API refused a request, or an unexpected failure
  2  usage: bad command line
  3  configuration, credentials or authentication
  4  partial failure: some items of a batch failed, the rest succeeded
  5  network or rate limit: still failing after the last retry
  6  invalid input file: nothing was sent)";

// Builds the command tree on `app`; the global options bind to `ctx.global`.
void build_app(CLI::App& app, Context& ctx) {
    app.description(
        "lexsync: a scriptable, idempotent connector for the lexoffice (Lexware Office) API");
    app.footer(k_exit_codes_help);
    app.set_version_flag("--version", [] {
        return version_report(
            fmt::format("  CLI11 {}\n  cpp-httplib {}\n", CLI11_VERSION, CPPHTTPLIB_VERSION));
    });
    app.require_subcommand(1);
    app.fallthrough();

    auto& g = ctx.global;
    app.add_option("--config", g.config_path,
                   "Config file (default $XDG_CONFIG_HOME/lexsync/config.toml)")
        ->envname("LEXSYNC_CONFIG");
    app.add_option("--profile", g.profile, "Profile (account) to use")->envname("LEXSYNC_PROFILE");
    app.add_option("-o,--output", g.output, "Output format: json, ndjson, csv, table")
        ->check(CLI::IsMember({"json", "ndjson", "csv", "table"}));
    app.add_option("--base-url", g.base_url, "API base URL (overrides the profile; e.g. a sandbox)")
        ->envname("LEXSYNC_BASE_URL");
    app.add_option("--fields", g.fields,
                   "Only these fields, in this order (comma-separated column names or JSON paths)")
        ->delimiter(',');
    app.add_flag("-q,--quiet", g.quiet, "Print nothing on stderr but errors and warnings");
    app.add_flag("-v,--verbose", g.verbose,
                 "Log requests to stderr (secrets redacted); repeat for more");
    app.add_flag("--all-profiles", g.all_profiles,
                 "Run the command for every profile of the config file at once (one process "
                 "each); records get a 'profile' field, exit code is the worst");

    commands::register_all(app, ctx);
}

int run_app(std::vector<std::string> args, Context& ctx) {
    CLI::App app{"lexsync", "lexsync"};
    build_app(app, ctx);
    const bool wants_help = std::any_of(args.begin(), args.end(), [](const std::string& a) {
        return a == "-h" || a == "--help" || a == "--help-all";
    });
    if (!wants_help && take_all_profiles_flag(args)) {
        try {
            return run_all_profiles(args, ctx);
        } catch (const Error& e) {
            ctx.io.err << "lexsync: error: " << e.what() << "\n";
            return static_cast<int>(e.code());
        } catch (const std::exception& e) {
            ctx.io.err << "lexsync: error: " << e.what() << "\n";
            return static_cast<int>(ExitCode::error);
        }
    }
    try {
        // CLI11's vector overload expects the arguments reversed.
        std::reverse(args.begin(), args.end());
        app.parse(args);
        return 0;
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e, ctx.io.out, ctx.io.err);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e, ctx.io.out, ctx.io.err);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e, ctx.io.out, ctx.io.err);
    } catch (const CLI::ParseError& e) {
        app.exit(e, ctx.io.err, ctx.io.err);
        return static_cast<int>(ExitCode::usage);
    } catch (const Error& e) {
        ctx.io.err << "lexsync: error: " << e.what() << "\n";
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        ctx.io.err << "lexsync: error: " << e.what() << "\n";
        return static_cast<int>(ExitCode::error);
    }
}

} // namespace

int run(int argc, char** argv, Context& ctx) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        args.emplace_back(argv[i]);
    }
    return run_app(std::move(args), ctx);
}

int run(const std::string& command_line, Context& ctx) {
    // Split like a shell would for simple quoting ('…' and "…").
    std::vector<std::string> args;
    std::string cur;
    bool in_word = false;
    char quote = 0;
    for (char c : command_line) {
        if (quote) {
            if (c == quote) {
                quote = 0;
            } else {
                cur += c;
            }
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) {
                args.push_back(cur);
                cur.clear();
                in_word = false;
            }
        } else {
            cur += c;
            in_word = true;
        }
    }
    if (in_word) {
        args.push_back(cur);
    }
    return run_app(std::move(args), ctx);
}

} // namespace lexsync
