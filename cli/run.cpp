#include "cli/run.hpp"

#include "cli/all_profiles.hpp"
#include "cli/context.hpp"
#include "cli/option_values.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <fmt/format.h>
#include <httplib.h>
#include <lexsync/api/error.hpp>
#include <lexsync/api/version.hpp>
#include <lexsync/util/suggest.hpp>
#include <sstream>
#include <vector>

namespace lexsync {

namespace {

// After a failed command: when lexoffice refused the key (401), where the key came from and what
// to do, since a key in the environment wins over the profile and `auth login` cannot help then.
void say_refused_key(Context& ctx) {
    const auto source = ctx.token_source();
    if (ctx.client_stats().unauthorized == 0 || !source || ctx.refused_key_explained) {
        return;
    }
    ctx.say("lexsync: " + credentials::refused_key_advice(*source, ctx.profile()));
}

constexpr const char* k_exit_codes_help = R"(Exit codes:
  0  ok (also when nothing matched)
  1  error: the API refused a request, or an unexpected failure
  2  usage: bad command line
  3  configuration, credentials or authentication
  4  partial failure: some items of a batch failed, the rest succeeded
  5  network or rate limit: still failing after the last retry
  6  invalid input file: nothing was sent)";

std::string version_text() {
    return version_report(
        fmt::format("  CLI11 {}\n  cpp-httplib {}\n", CLI11_VERSION, CPPHTTPLIB_VERSION));
}

// Builds the command tree on `app`; the global options bind to `ctx.global`.
void build_app(CLI::App& app, Context& ctx, RegisterCommands register_commands) {
    app.description(
        "lexsync: a scriptable, idempotent connector for the lexoffice (Lexware Office) API");
    app.footer(k_exit_codes_help);
    // Before any command is added: each inherits its parent's formatter.
    app.formatter(std::make_shared<commands::HelpFormatter>());
    app.set_version_flag("--version", [] { return version_text(); });
    app.require_subcommand(1);
    app.fallthrough();

    auto& g = ctx.global;
    app.add_option("--config", g.config_path,
                   "Config file (default $XDG_CONFIG_HOME/lexsync/config.toml)")
        ->type_name(commands::k_file_value)
        ->envname("LEXSYNC_CONFIG");
    app.add_option("--profile", g.profile, "Profile (account) to use")
        ->type_name(commands::k_profile_value)
        ->envname("LEXSYNC_PROFILE");
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
    app.add_option_function<std::size_t>(
           "--in-flight", [&ctx](const std::size_t& n) { ctx.max_in_flight = n; },
           "Requests in flight at once, all under the key's one rate limit (default 4; 1 sends "
           "one at a time, so lexoffice numbers new documents in input order)")
        ->check(CLI::Range(1, 8))
        ->type_name("N");
    app.add_flag("--all-profiles", g.all_profiles,
                 "Run the command for every profile of the config file at once (one process "
                 "each); records get a 'profile' field, exit code is the worst");

    register_commands(app, ctx);
}

// Where the arguments lead in the command tree, found the way CLI11 will parse them but without
// running anything: the deepest command named, the first word that names no command where one was
// expected, and the options that no command on the way knows.
struct Walk {
    CLI::App* app = nullptr;
    std::string path; // "lexsync invoices export"
    std::string unknown_command;
    std::vector<std::string> unknown_options;
};

const CLI::Option* find_option(CLI::App* app, const std::string& name) {
    for (CLI::App* a = app; a != nullptr; a = a->get_parent()) {
        if (const CLI::Option* o = a->get_option_no_throw(name)) {
            return o;
        }
    }
    return nullptr;
}

std::vector<std::string> option_names(CLI::App* app) {
    std::vector<std::string> names;
    for (CLI::App* a = app; a != nullptr; a = a->get_parent()) {
        for (const CLI::Option* o : a->get_options()) {
            for (const auto& l : o->get_lnames()) {
                names.push_back("--" + l);
            }
        }
    }
    return names;
}

std::vector<std::string> command_names(CLI::App* app) {
    std::vector<std::string> names;
    for (const CLI::App* s : app->get_subcommands([](CLI::App*) { return true; })) {
        names.push_back(s->get_name());
    }
    return names;
}

bool takes_positionals(const CLI::App* app) {
    return !app->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty();
}

Walk walk(CLI::App& root, const std::vector<std::string>& args) {
    Walk w{&root, "lexsync", "", {}};
    bool leaf_args = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            break;
        }
        if (a.size() > 1 && a[0] == '-') {
            const bool is_long = a.rfind("--", 0) == 0;
            const std::string name = is_long ? a.substr(0, a.find('=')) : a.substr(0, 2);
            const CLI::Option* o = find_option(w.app, name);
            if (o == nullptr) {
                if (a != "-h" && a != "--help" && a != "--help-all" && a != "--version") {
                    w.unknown_options.push_back(name);
                }
                continue;
            }
            const bool value_attached = is_long ? a.find('=') != std::string::npos : a.size() > 2;
            if (o->get_items_expected_min() > 0 && !value_attached) {
                ++i; // the option's value
            }
            continue;
        }
        if (leaf_args) {
            continue;
        }
        auto subs = w.app->get_subcommands([](CLI::App*) { return true; });
        if (subs.empty()) {
            leaf_args = true; // a positional argument of the command
            continue;
        }
        CLI::App* next = nullptr;
        for (CLI::App* s : subs) {
            if (s->check_name(a)) {
                next = s;
            }
        }
        if (next == nullptr && takes_positionals(w.app)) {
            leaf_args = true; // `completion bash` beside the hidden `completion profiles`
            continue;
        }
        if (next == nullptr) {
            w.unknown_command = a;
            return w;
        }
        w.app = next;
        w.path += " " + next->get_name();
    }
    return w;
}

bool has_subcommands(CLI::App* app) {
    return !app->get_subcommands([](CLI::App*) { return true; }).empty();
}

int unknown_command(const Walk& w, Context& ctx) {
    ctx.io.err << "lexsync: unknown command '" << w.unknown_command << "' for '" << w.path << "'"
               << did_you_mean(w.unknown_command, command_names(w.app)) << "\n"
               << "Run '" << w.path << " --help' for the list of commands.\n";
    return static_cast<int>(ExitCode::usage);
}

int run_app(std::vector<std::string> args, Context& ctx, RegisterCommands register_commands) {
    CLI::App app{"lexsync", "lexsync"};
    build_app(app, ctx, register_commands);
    const bool wants_help = std::any_of(args.begin(), args.end(), [](const std::string& a) {
        return a == "-h" || a == "--help" || a == "--help-all";
    });

    // Like gh and rclone: bare `lexsync`, `lexsync help [command…]` and a noun without its verb
    // show the help of that command (exit 0); `lexsync version` is `lexsync --version`; a
    // mistyped command or option gets "did you mean".
    if (args.empty()) {
        ctx.io.out << app.help();
        return 0;
    }
    if (args.size() == 1 && args[0] == "version") {
        ctx.io.out << version_text();
        return 0;
    }
    if (args[0] == "help") {
        const Walk w = walk(app, {args.begin() + 1, args.end()});
        if (!w.unknown_command.empty()) {
            return unknown_command(w, ctx);
        }
        ctx.io.out << w.app->help(w.app == &app ? "" : w.path.substr(0, w.path.rfind(' ')));
        return 0;
    }
    if (!wants_help) {
        const Walk w = walk(app, args);
        if (!w.unknown_command.empty()) {
            return unknown_command(w, ctx);
        }
        if (!w.unknown_options.empty()) {
            const auto names = option_names(w.app);
            ctx.io.err << "lexsync: unknown option '" << w.unknown_options[0] << "' for '" << w.path
                       << "'" << did_you_mean(w.unknown_options[0], names) << "\n"
                       << "Run '" << w.path << " --help' for its options.\n";
            return static_cast<int>(ExitCode::usage);
        }
        if (w.app != &app && has_subcommands(w.app) && !takes_positionals(w.app)) {
            ctx.io.out << w.app->help(w.path.substr(0, w.path.rfind(' ')));
            return 0;
        }
    }
    if (!wants_help && take_all_profiles_flag(args)) {
        try {
            return run_all_profiles(args, ctx);
        } catch (const Error& e) {
            ctx.say(std::string("lexsync: error: ") + e.what());
            return static_cast<int>(e.code());
        } catch (const std::exception& e) {
            ctx.say(std::string("lexsync: error: ") + e.what());
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
        ctx.say(std::string("lexsync: error: ") + e.what());
        say_refused_key(ctx);
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        ctx.say(std::string("lexsync: error: ") + e.what());
        return static_cast<int>(ExitCode::error);
    }
}

} // namespace

int run(int argc, char** argv, Context& ctx, RegisterCommands register_commands) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        args.emplace_back(argv[i]);
    }
    return run_app(std::move(args), ctx, register_commands);
}

int run(const std::string& command_line, Context& ctx, RegisterCommands register_commands) {
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
    return run_app(std::move(args), ctx, register_commands);
}

} // namespace lexsync
