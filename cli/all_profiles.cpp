// --all-profiles. Each profile runs in a child process of the same binary with
// `--profile NAME -o ndjson <arguments>` (the -o only when none was given, or json/ndjson was),
// stdin from /dev/null and stdout/stderr into unlinked temporary files, so that a chatty child
// can never block on a full pipe. The children start from a clean environment: every LEXSYNC_*
// variable except LEXSYNC_CONFIG and LEXSYNC_RATE_LIMIT_WAIT is left out, so an exported API key,
// base URL, state directory or OAuth setting cannot send every profile to one account; each
// child's settings come from its profile. The records are merged textually (a leading "profile"
// member is inserted into each NDJSON object), so numbers keep the exact text the child wrote.
#include "cli/all_profiles.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <lexsync/api/error.hpp>
#include <lexsync/util/json.hpp>
#include <spawn.h>
#include <sstream>
#include <string_view>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace lexsync {

namespace {

using SteadyClock = std::chrono::steady_clock;

// A temporary file that is unlinked at once and closed on destruction.
class TempFd {
public:
    TempFd() {
        const char* dir = std::getenv("TMPDIR");
        std::string path = std::string(dir && *dir ? dir : "/tmp") + "/lexsync-all.XXXXXX";
        m_fd = ::mkstemp(path.data());
        if (m_fd < 0) {
            throw Error(ExitCode::error,
                        fmt::format("cannot create a temporary file: {}", std::strerror(errno)));
        }
        ::unlink(path.c_str());
    }
    TempFd(const TempFd&) = delete;
    TempFd& operator=(const TempFd&) = delete;
    ~TempFd() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    int fd() const { return m_fd; }
    std::string read_all() const {
        std::string out;
        ::lseek(m_fd, 0, SEEK_SET);
        char buf[65536];
        for (;;) {
            const ssize_t n = ::read(m_fd, buf, sizeof buf);
            if (n > 0) {
                out.append(buf, static_cast<std::size_t>(n));
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else {
                break;
            }
        }
        return out;
    }

private:
    int m_fd = -1;
};

struct Child {
    std::string profile;
    pid_t pid = -1;
    int exit_code = 1;
    SteadyClock::time_point start;
    SteadyClock::time_point end;
    std::unique_ptr<TempFd> out;
    std::unique_ptr<TempFd> err;
};

// The value of option `names` in `args` (either "--name value" or "--name=value"; "-oX" for a
// short option), or nullopt.
std::optional<std::string> option_value(const std::vector<std::string>& args,
                                        const std::vector<std::string>& names) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--") {
            break;
        }
        for (const auto& n : names) {
            if (args[i] == n && i + 1 < args.size()) {
                return args[i + 1];
            }
            if (n.size() > 2 && n[1] == '-' && args[i].rfind(n + "=", 0) == 0) {
                return args[i].substr(n.size() + 1);
            }
            if (n.size() == 2 && args[i].size() > 2 && args[i].rfind(n, 0) == 0 &&
                args[i][1] != '-') {
                return args[i].substr(2);
            }
        }
    }
    return std::nullopt;
}

std::string json_quote(const std::string& s) {
    json::Document d;
    return json::to_string(
        json::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), d.GetAllocator()));
}

// The lines of `text` if each non-empty one is a JSON object; nullopt otherwise.
std::optional<std::vector<std::string>> ndjson_objects(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
            line.pop_back();
        }
        if (line.empty()) {
            continue;
        }
        auto parsed = json::parse(line);
        if (!parsed || !parsed->IsObject() || line.front() != '{') {
            return std::nullopt;
        }
        lines.push_back(line);
    }
    return lines;
}

std::string with_profile(const std::string& object_line, const std::string& profile) {
    std::string rest = object_line.substr(1);
    std::size_t i = 0;
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) {
        ++i;
    }
    const bool empty = i < rest.size() && rest[i] == '}';
    return "{\"profile\":" + json_quote(profile) + (empty ? "" : ",") + rest;
}

} // namespace

bool passed_to_profile_children(std::string_view entry) {
    if (entry.rfind("LEXSYNC_", 0) != 0) {
        return true;
    }
    const std::string_view name = entry.substr(0, entry.find('='));
    return name == "LEXSYNC_CONFIG" || name == "LEXSYNC_RATE_LIMIT_WAIT";
}

bool take_all_profiles_flag(std::vector<std::string>& args) {
    bool found = false;
    for (auto it = args.begin(); it != args.end();) {
        if (*it == "--") {
            break;
        }
        if (*it == "--all-profiles") {
            it = args.erase(it);
            found = true;
        } else {
            ++it;
        }
    }
    return found;
}

int worst_exit_code(int a, int b) {
    auto rank = [](int c) { return c == 0 ? 0 : c == static_cast<int>(ExitCode::partial) ? 1 : 2; };
    if (rank(a) != rank(b)) {
        return rank(a) > rank(b) ? a : b;
    }
    return std::max(a, b);
}

std::string merge_profile_outputs(const std::vector<std::pair<std::string, std::string>>& outputs,
                                  const std::string& format) {
    std::vector<std::string> records;
    bool all_records = format == "json" || format == "ndjson";
    std::vector<std::vector<std::string>> per_profile;
    if (all_records) {
        for (const auto& [profile, text] : outputs) {
            auto lines = ndjson_objects(text);
            if (!lines) {
                all_records = false;
                break;
            }
            for (const auto& l : *lines) {
                records.push_back(with_profile(l, profile));
            }
        }
    }
    std::string out;
    if (all_records && format == "ndjson") {
        for (const auto& r : records) {
            out += r + "\n";
        }
        return out;
    }
    if (all_records) {
        if (records.empty()) {
            return "[]\n";
        }
        out = "[\n  ";
        for (std::size_t i = 0; i < records.size(); ++i) {
            out += (i == 0 ? "" : ",\n  ") + records[i];
        }
        return out + "\n]\n";
    }
    for (const auto& [profile, text] : outputs) {
        if (text.empty()) {
            continue;
        }
        out += "# profile: " + profile + "\n" + text;
        if (text.back() != '\n') {
            out += "\n";
        }
    }
    return out;
}

namespace {

// The environment of the profiles' processes: lexsync's settings and credentials are left out
// (each profile uses its own), and a person is told which (unless `quiet`).
std::vector<char*> child_environment(Context& ctx, bool quiet) {
    std::vector<char*> child_env;
    std::vector<std::string> left_out;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string_view entry(*e);
        if (passed_to_profile_children(entry)) {
            child_env.push_back(*e);
        } else if (entry.find('=') + 1 < entry.size()) {
            left_out.emplace_back(entry.substr(0, entry.find('=')));
        }
    }
    child_env.push_back(nullptr);
    if (!left_out.empty() && !quiet) {
        std::string list;
        for (const auto& n : left_out) {
            list += (list.empty() ? "" : ", ") + n;
        }
        ctx.io.err << fmt::format("--all-profiles: not passed to the profiles: {} (each profile "
                                  "uses its own settings and credentials)\n",
                                  list);
    }

    return child_env;
}

// The command line of one profile's process: `args` under --profile `profile`, writing NDJSON
// when the parent merges records.
std::vector<std::string> child_arguments(const Context& ctx, const std::vector<std::string>& args,
                                         const std::string& profile, bool records) {
    std::vector<std::string> argv_s = {ctx.executable, "--profile", profile};
    if (records) {
        // The children write NDJSON; the parent merges it into the requested format.
        argv_s.insert(argv_s.end(), {"-o", "ndjson"});
    }
    for (std::size_t k = 0; k < args.size(); ++k) {
        const std::string& a = args[k];
        if (records && (a == "-o" || a == "--output") && k + 1 < args.size()) {
            ++k; // replaced by -o ndjson
            continue;
        }
        if (records && (a.rfind("--output=", 0) == 0 ||
                        (a.rfind("-o", 0) == 0 && a.size() > 2 && a[1] == 'o'))) {
            continue;
        }
        argv_s.push_back(a);
    }
    return argv_s;
}

// Starts the process of `c` with `argv_s` and `env`, its output into temporary files; a process
// that cannot start counts as failed.
void spawn_child(Context& ctx, Child& c, std::vector<std::string>& argv_s,
                 std::vector<char*>& env) {
    std::vector<char*> argv;
    for (auto& s : argv_s) {
        argv.push_back(s.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, c.out->fd(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, c.err->fd(), STDERR_FILENO);
    c.start = SteadyClock::now();
    const int rc =
        ::posix_spawn(&c.pid, ctx.executable.c_str(), &actions, nullptr, argv.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        c.pid = -1;
        c.exit_code = static_cast<int>(ExitCode::error);
        c.end = c.start;
        ctx.warn(fmt::format("profile '{}': cannot start {}: {}", c.profile, ctx.executable,
                             std::strerror(rc)));
    }
}

// Waits for every started child, one waiter each, so that each duration ends when its own
// process does.
void wait_for_children(std::vector<Child>& children) {
    std::vector<std::thread> waiters;
    for (auto& c : children) {
        if (c.pid < 0) {
            continue;
        }
        waiters.emplace_back([&c] {
            int status = 0;
            while (::waitpid(c.pid, &status, 0) < 0) {
                if (errno != EINTR) {
                    break;
                }
            }
            c.end = SteadyClock::now();
            c.exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
                          : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                                : 1;
        });
    }
    for (auto& w : waiters) {
        w.join();
    }
}

// One line per profile (exit code and duration; only failures with --quiet) and the totals.
void report_children(Context& ctx, const std::vector<Child>& children, double wall, bool quiet) {
    std::size_t width = 0;
    for (const auto& c : children) {
        width = std::max(width, c.profile.size());
    }
    std::size_t failed = 0;
    for (const auto& c : children) {
        if (c.exit_code != 0) {
            ++failed;
        }
        if (!quiet || c.exit_code != 0) {
            ctx.io.err << fmt::format("profile {:<{}}  exit {}  {:.1f} s\n", c.profile, width,
                                      c.exit_code,
                                      std::chrono::duration<double>(c.end - c.start).count());
        }
    }
    if (!quiet || failed > 0) {
        ctx.io.err << fmt::format("--all-profiles: {} profiles, {} failed, {:.1f} s wall time\n",
                                  children.size(), failed, wall);
    }
}

} // namespace

int run_all_profiles(const std::vector<std::string>& args, Context& ctx) {
    if (option_value(args, {"--profile"}) ||
        std::find(args.begin(), args.end(), "--profile") != args.end()) {
        throw Error(ExitCode::usage, "--all-profiles and --profile exclude each other");
    }
    if (option_value(args, {"--base-url"})) {
        throw Error(ExitCode::usage,
                    "--all-profiles and --base-url exclude each other (each profile has its own)");
    }
    if (auto config = option_value(args, {"--config"})) {
        ctx.global.config_path = *config;
    }
    std::vector<std::string> names;
    for (const auto& [name, unused] : ctx.config().profiles) {
        names.push_back(name);
    }
    if (names.empty()) {
        throw Error(ExitCode::config, fmt::format("--all-profiles: {} defines no profiles",
                                                  ctx.config_file().string()));
    }
    const auto requested = option_value(args, {"-o", "--output"});
    const std::string format = requested.value_or("json");
    const bool records = format == "json" || format == "ndjson";
    const bool quiet = std::find(args.begin(), args.end(), "-q") != args.end() ||
                       std::find(args.begin(), args.end(), "--quiet") != args.end();

    std::vector<char*> child_env = child_environment(ctx, quiet);

    std::vector<Child> children(names.size());
    const auto started = SteadyClock::now();
    for (std::size_t i = 0; i < names.size(); ++i) {
        Child& c = children[i];
        c.profile = names[i];
        c.out = std::make_unique<TempFd>();
        c.err = std::make_unique<TempFd>();
        std::vector<std::string> argv_s = child_arguments(ctx, args, c.profile, records);
        spawn_child(ctx, c, argv_s, child_env);
    }
    wait_for_children(children);
    const double wall = std::chrono::duration<double>(SteadyClock::now() - started).count();

    std::vector<std::pair<std::string, std::string>> outputs;
    int worst = 0;
    for (auto& c : children) {
        outputs.emplace_back(c.profile, c.out->read_all());
        const std::string err = c.err->read_all();
        std::istringstream lines(err);
        std::string line;
        while (std::getline(lines, line)) {
            ctx.say("[" + c.profile + "] " + line);
        }
        worst = worst_exit_code(worst, c.exit_code);
    }
    ctx.io.out << merge_profile_outputs(outputs, format);
    ctx.io.out.flush();

    report_children(ctx, children, wall, quiet);
    return worst;
}

} // namespace lexsync
