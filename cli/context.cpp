#include "cli/context.hpp"

#include "cli/progress.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <iostream>
#include <lexsync/api/error.hpp>
#include <lexsync/http/wrappers.hpp>
#include <lexsync/util/safe_text.hpp>
#include <mutex>

namespace lexsync {

Context::Context(IOStreams io_, config::EnvLookup env_, Clock& clock_)
    : io(io_), env(std::move(env_)), clock(clock_) {
    transport_factory = [](const ClientConfig& c) { return make_curl_transport(c); };
}

std::filesystem::path Context::config_file() const {
    std::optional<std::string> flag;
    if (!global.config_path.empty()) {
        flag = global.config_path;
    }
    return config::config_path(flag, env);
}

std::string Context::profile_name() {
    return config::selected_profile_name(config(), global.profile, env);
}

const config::ConfigFile& Context::config() {
    if (!m_config) {
        auto loaded = config::load(config_file());
        if (!loaded) {
            throw Error(ExitCode::config, loaded.error().message);
        }
        m_config = std::move(loaded).value();
    }
    return *m_config;
}

const config::ResolvedProfile& Context::profile() {
    if (!m_profile) {
        config::Overrides o;
        if (!global.profile.empty()) {
            o.profile = global.profile;
        }
        if (!global.base_url.empty()) {
            o.base_url = global.base_url;
        }
        if (!global.output.empty()) {
            o.output = global.output;
        }
        auto resolved = config::resolve(config(), o, env);
        if (!resolved) {
            throw Error(ExitCode::config, resolved.error().message);
        }
        m_profile = std::move(resolved).value();
    }
    return *m_profile;
}

const BearerToken& Context::token() {
    if (!m_token) {
        auto t = credentials::resolve_token(profile(), env);
        if (!t) {
            throw Error(ExitCode::config, t.error().message);
        }
        if (t->second == credentials::Source::none || t->first.empty()) {
            throw Error(
                ExitCode::config,
                fmt::format("no API key for profile '{}': run 'lexsync auth login --profile {}' "
                            "or set LEXSYNC_API_KEY",
                            profile().name, profile().name));
        }
        m_token = t->first;
        m_token_source = t->second;
    }
    return *m_token;
}

std::shared_ptr<oauth::TokenSource> Context::oauth_source() {
    if (!m_oauth) {
        // token() resolves the key once per process (an api_key_command runs once).
        (void)token();
        std::shared_ptr<oauth::TokenSource> source;
        if (m_token_source == credentials::Source::file) {
            auto stored = credentials::load_oauth(config::credentials_path(profile().config_file),
                                                  profile().name);
            if (!stored) {
                throw Error(ExitCode::config, stored.error().message);
            }
            if (*stored) {
                const ClientConfig base = client_config();
                source = oauth::make_token_source(
                    profile(), env, std::move(**stored),
                    [this, base] { return transport_factory(base); }, clock);
            }
        }
        m_oauth = source;
    }
    return *m_oauth;
}

ClientConfig Context::client_config() {
    const auto& p = profile();
    ClientConfig c;
    c.base_url = p.base_url;
    c.token = token();
    c.rate_per_second = p.rate_limit;
    c.burst = p.rate_burst;
    c.limiter_dir = p.limiter_dir;
    c.rate_limit_wait =
        std::chrono::milliseconds(static_cast<long>(p.rate_limit_wait_seconds * 1000));
    c.ca_bundle = p.ca_bundle;
    c.total_timeout = p.request_timeout();
    if (global.verbose > 0) {
        c.log = &io.err;
        c.log_verbosity = global.verbose;
    }
    c.on_wait = wait_hook();
    return c;
}

WaitHook Context::wait_hook() {
    return [this](WaitReason reason, Clock::duration d) {
        if (progress != nullptr) {
            progress->waiting(reason, d);
        }
    };
}

std::unique_ptr<http::Transport> Context::make_stack(ClientConfig c, ClientStats* stats) {
    auto source = oauth_source();
    if (!m_limiter) {
        m_limiter =
            source ? oauth::make_oauth_limiter(c, clock, *source) : make_client_limiter(c, clock);
    }
    c.limiter = m_limiter;
    return source ? oauth::make_oauth_stack(c, clock, transport_factory(c), source, stats)
                  : make_transport_stack(c, clock, transport_factory(c), stats);
}

std::unique_ptr<ApiClient> Context::make_client(ClientStats* stats) {
    ClientConfig c = client_config();
    const std::string base_url = c.base_url;
    return std::make_unique<ApiClient>(base_url, make_stack(std::move(c), stats));
}

ApiClient& Context::client() {
    if (!m_client) {
        m_client = make_client(&m_stats);
    }
    return *m_client;
}

std::vector<std::unique_ptr<ApiClient>> Context::lane_clients(std::vector<ClientStats>& stats) {
    std::vector<std::unique_ptr<ApiClient>> lanes;
    for (auto& s : stats) {
        lanes.push_back(make_client(&s));
    }
    return lanes;
}

void Context::add_stats(const ClientStats& s) {
    m_stats += s;
}

// One GET /v1/profile per run, dry runs included, is kept on purpose. The organisation it
// names picks the ledger, and a dry run reads the ledger too (its plan shows what was exported
// before). A cached organisation id (per key fingerprint and host) would be right against
// lexoffice, where a key belongs to one organisation, but it cannot be checked without this very
// request, and OAuth tokens rotate, so there is no stable fingerprint to key it on; a wrong one
// would skip writes that the account never received. Commands that need the organisation for
// something else (webhooks listen) take it from here, so no run reads the profile twice.
const Account& Context::account() {
    if (!m_account) {
        const char* what = "reading the account (GET /v1/profile) the ledger belongs to";
        if (m_aside.valid()) {
            auto got = m_aside.get();
            m_aside_client.reset();
            add_stats(m_aside_stats);
            m_account = value_or_throw(std::move(got), what);
        } else {
            m_account = value_or_throw(fetch_account(client()), what);
        }
    }
    return *m_account;
}

void Context::read_account_aside() {
    if (m_account || m_aside.valid() || max_in_flight < 2) {
        return;
    }
    client(); // the limiter and the client the command reads with exist before the thread starts
    m_aside_client = make_client(&m_aside_stats);
    m_aside =
        std::async(std::launch::async, [c = m_aside_client.get()] { return fetch_account(*c); });
}

StateStore& Context::state() {
    if (!m_state) {
        const Account& a = account();
        const auto& dir = profile().state_dir;
        std::error_code ec;
        const bool fresh = !std::filesystem::exists(ledger_file(dir, a), ec);
        m_state = open_account_state(dir, a);
        if (fresh && std::filesystem::exists(dir / "state.db", ec)) {
            // The ledger of lexsync before ledgers were bound to an account. It names no
            // organisation and may hold entries of several (a re-connected profile, a shared
            // state directory), so it is never taken over: an entry of another account would
            // skip a write this one never received. The new ledger is filled from lexoffice,
            // as every empty ledger is.
            info(fmt::format("{} was written by an earlier lexsync and names no lexoffice "
                             "account, so it is not used; {} starts empty and is filled from "
                             "lexoffice (lookups before writes, or 'lexsync state rebuild')",
                             (dir / "state.db").string(), ledger_file(dir, a).string()));
        }
        remember_account(profile().state_dir, profile().name, a);
    }
    return *m_state;
}

std::string Context::output_format() {
    if (!global.output.empty()) {
        return global.output;
    }
    // A broken config must not stop output selection for commands that need no profile.
    try {
        if (!profile().output.empty()) {
            return profile().output;
        }
    } catch (const Error&) {
    }
    return io.out_is_tty ? "table" : "json";
}

std::unique_ptr<RecordWriter> Context::writer(std::vector<Column> columns, std::ostream* out) {
    WriterOptions o;
    o.fields = global.fields;
    const bool to_terminal = out == nullptr && io.out_is_tty;
    if (to_terminal) {
        o.width = io.terminal_width;
        if (auto cols = env("COLUMNS"); o.width <= 0 && cols) {
            o.width = std::atoi(cols->c_str());
        }
        o.color = !env("NO_COLOR").has_value();
    }
    return make_record_writer(output_format(), out ? *out : io.out, std::move(columns), o);
}

void Context::say(const std::string& text) {
    std::string_view rest = text;
    if (!rest.empty() && rest.back() == '\n') {
        rest.remove_suffix(1);
    }
    std::string out;
    while (true) {
        const std::size_t end = std::min(rest.find('\n'), rest.size());
        out += terminal_text(redact(rest.substr(0, end)));
        out += '\n';
        if (end == rest.size()) {
            break;
        }
        rest.remove_prefix(end + 1);
    }
    if (progress != nullptr) {
        progress->clear();
    }
    // The request log writes to the same stream, from lanes too.
    std::lock_guard lock(log_mutex());
    io.err << out;
}

void Context::info(const std::string& line) {
    if (!global.quiet) {
        say(line);
    }
}

void Context::warn(const std::string& line) {
    say("lexsync: warning: " + line);
}

bool Context::confirm(const std::string& question, bool yes, bool required) {
    if (yes) {
        return true;
    }
    if (!io.in_is_tty || !io.err_is_tty) {
        if (required) {
            throw Error(ExitCode::usage, question + " Not on a terminal: give --yes to confirm.");
        }
        return true;
    }
    io.err << question << " [y/N] " << std::flush;
    std::string answer;
    std::getline(io.in, answer);
    const bool ok = answer == "y" || answer == "Y" || answer == "yes" || answer == "Yes" ||
                    answer == "j" || answer == "J" || answer == "ja";
    if (!ok) {
        io.err << "Nothing done.\n";
    }
    return ok;
}

} // namespace lexsync
