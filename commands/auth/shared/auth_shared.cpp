#include "commands/auth/shared/auth_shared.hpp"

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include <istream>
#include <lexsync/api/error.hpp>
#include <lexsync/util/safe_text.hpp>
#include <lexsync/util/strings.hpp>
#include <termios.h>
#include <unistd.h>

namespace lexsync::commands::auth {

namespace {

// Restores the terminal settings it saved, however the read ends.
class EchoOff {
public:
    explicit EchoOff(int fd) : m_fd(fd) {
        if (::tcgetattr(fd, &m_saved) == 0) {
            termios quiet = m_saved;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            quiet.c_lflag |= ECHONL;
            m_active = ::tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
        }
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;
    ~EchoOff() {
        if (m_active) {
            ::tcsetattr(m_fd, TCSAFLUSH, &m_saved);
        }
    }
    bool active() const { return m_active; }

private:
    int m_fd;
    termios m_saved{};
    bool m_active = false;
};

} // namespace

config::ResolvedProfile resolve_profile(Context& ctx, const std::string& name, bool allow_missing) {
    config::ConfigFile file = ctx.config();
    if (allow_missing && file.profiles.count(name) == 0) {
        config::ProfileSettings empty;
        empty.name = name;
        file.profiles.emplace(name, empty);
    }
    config::Overrides o;
    o.profile = name;
    if (!ctx.global.base_url.empty()) {
        o.base_url = ctx.global.base_url;
    }
    if (!ctx.global.output.empty()) {
        o.output = ctx.global.output;
    }
    auto resolved = config::resolve(file, o, ctx.env);
    if (!resolved) {
        throw Error(ExitCode::config, resolved.error().message);
    }
    if (allow_missing && ctx.config().profiles.count(name) == 0) {
        resolved->defined_in_file = false;
    }
    return std::move(resolved).value();
}

ClientConfig client_config_for(Context& ctx, const config::ResolvedProfile& p,
                               const BearerToken& token) {
    ClientConfig c;
    c.base_url = p.base_url;
    c.token = token;
    c.rate_per_second = p.rate_limit;
    c.burst = p.rate_burst;
    c.limiter_dir = p.limiter_dir;
    c.rate_limit_wait =
        std::chrono::milliseconds(static_cast<long>(p.rate_limit_wait_seconds * 1000));
    c.ca_bundle = p.ca_bundle;
    c.total_timeout = p.request_timeout();
    if (ctx.global.verbose > 0) {
        c.log = &ctx.io.err;
    }
    return c;
}

Result<json::Document, ApiError> fetch_profile(Context& ctx, const config::ResolvedProfile& profile,
                                               const BearerToken& token) {
    const ClientConfig c = client_config_for(ctx, profile, token);
    auto stack = make_transport_stack(c, ctx.clock, ctx.transport_factory(c));
    ApiClient client(c.base_url, std::move(stack));
    return client.get_json("/v1/profile");
}

Result<json::Document, ApiError> fetch_profile_oauth(Context& ctx,
                                                     const config::ResolvedProfile& profile,
                                                     std::shared_ptr<oauth::TokenSource> source) {
    ClientConfig c = client_config_for(ctx, profile, source->tokens().access_token);
    c.log_verbosity = std::max(1, ctx.global.verbose);
    auto stack = oauth::make_oauth_stack(c, ctx.clock, ctx.transport_factory(c), std::move(source));
    ApiClient client(c.base_url, std::move(stack));
    return client.get_json("/v1/profile");
}

void note_account(Context& ctx, const config::ResolvedProfile& profile, const json::Value& org) {
    auto account = account_from_profile(org, profile.base_url);
    if (!account) {
        return;
    }
    std::optional<Account> before;
    try {
        before = remember_account(profile.state_dir, profile.name, *account);
    } catch (const std::exception& e) {
        ctx.warn(fmt::format("could not record the organisation of profile '{}': {}", profile.name,
                             e.what()));
        return;
    }
    if (before) {
        ctx.warn(fmt::format(
            "profile '{}' worked on another lexoffice organisation before ({} {}, {}); this key "
            "belongs to {} {}. Each organisation has its own ledger: what was exported to the "
            "other one is not skipped here, lexsync looks every item up in this organisation",
            profile.name, before->company_name, before->organization_id, before->base_url,
            account->company_name, account->organization_id));
    }
}

std::string read_secret_from_terminal(const std::string& prompt, std::ostream& err) {
    err << prompt << std::flush;
    EchoOff echo_off(STDIN_FILENO);
    std::string line;
    char c = 0;
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0 || c == '\n') {
            break;
        }
        line += c;
    }
    c = 0;
    if (!echo_off.active()) {
        err << "\n";
    }
    return line;
}

BearerToken read_api_key(Context& ctx, bool from_stdin) {
    std::string raw;
    if (from_stdin) {
        std::getline(ctx.io.in, raw);
    } else if (ctx.read_secret) {
        raw = ctx.read_secret("Paste your lexoffice API key (input is hidden): ");
    } else {
        raw = read_secret_from_terminal("Paste your lexoffice API key (input is hidden): ",
                                        ctx.io.err);
    }
    std::string key = trim(raw);
    wipe_secret(raw);
    if (key.empty()) {
        throw Error(ExitCode::config,
                    from_stdin ? "no API key on standard input (expected it on the first line)"
                               : "no API key entered");
    }
    for (char ch : key) {
        const auto u = static_cast<unsigned char>(ch);
        if (u <= 0x20 || u == 0x7f) {
            wipe_secret(key);
            throw Error(ExitCode::config,
                        "the API key contains spaces or control characters; paste only the key");
        }
    }
    BearerToken token(key);
    wipe_secret(key);
    return token;
}

const char* source_name(credentials::Source s) {
    switch (s) {
    case credentials::Source::environment:
        return "env";
    case credentials::Source::command:
        return "command";
    case credentials::Source::file:
        return "file";
    case credentials::Source::none:
        break;
    }
    return "none";
}

} // namespace lexsync::commands::auth
