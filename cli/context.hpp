// --- Interface ---
// The small injected Context every command receives instead of globals: IO streams, environment,
// clock, global options and lazily created profile, client and state store.
#pragma once

#include "cli/output.hpp"

#include <functional>
#include <future>
#include <iosfwd>
#include <lexsync/api/account.hpp>
#include <lexsync/api/client.hpp>
#include <lexsync/api/oauth.hpp>
#include <lexsync/store/config.hpp>
#include <lexsync/store/credentials.hpp>
#include <lexsync/store/state.hpp>
#include <lexsync/util/clock.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lexsync {

class Progress;

struct IOStreams {
    std::ostream& out; // data
    std::ostream& err; // people
    std::istream& in;
    bool out_is_tty = false;
    bool err_is_tty = false;
    bool in_is_tty = false;
    int terminal_width = 0;     // columns of the terminal on stdout, 0 when not a terminal
    int err_terminal_width = 0; // columns of the terminal on stderr (the progress line), or 0
    // Asks the terminal on stderr for its columns now (0 when it cannot tell), so that the
    // progress line follows a resize; without it, err_terminal_width stays as it is.
    std::function<int()> err_width_now{};
};

// Options that every command accepts.
struct GlobalOptions {
    std::string config_path;         // --config
    std::string profile;             // --profile
    std::string output;              // -o/--output
    std::string base_url;            // --base-url
    std::vector<std::string> fields; // --fields
    bool quiet = false;              // -q/--quiet
    int verbose = 0;                 // -v/--verbose (repeatable)
    bool all_profiles = false;       // --all-profiles (handled by run() before parsing)
};

class Context {
public:
    Context(IOStreams io, config::EnvLookup env, Clock& clock);

    IOStreams io;
    config::EnvLookup env;
    Clock& clock;
    GlobalOptions global;
    // Creates the innermost transport; the real one uses libcurl, tests may inject another.
    std::function<std::unique_ptr<http::Transport>(const ClientConfig&)> transport_factory;
    // Reads a secret without echo when stdin is a TTY (replaced in tests).
    std::function<std::string(const std::string& prompt)> read_secret;
    // The binary that --all-profiles starts once per profile.
    std::string executable = "/proc/self/exe";
    // Opens `url` in a browser for `auth login --oauth` (the real one runs xdg-open); returns
    // whether it could start one. Tests replace it.
    std::function<bool(const std::string& url)> open_browser;
    // Set by a command whose output already says where a refused key came from (doctor's api
    // check), so the error path does not say it again.
    bool refused_key_explained = false;
    // How many requests a command may have in flight at once (cli/main.cpp sets
    // http::k_default_in_flight; 1 sends one request at a time, as the unit tests' fakes, which
    // answer in the order stubs were added, expect).
    std::size_t max_in_flight = 1;
    // The progress line on stderr while a command shows one (cli/progress.hpp): say() erases it
    // before a message, and the client's waits for the rate limit or a retry are shown on it.
    Progress* progress = nullptr;

    // The config file path after --config / $LEXSYNC_CONFIG.
    std::filesystem::path config_file() const;
    // The loaded config file (cached); throws Error(config) with file:line:col on a bad file.
    const config::ConfigFile& config();
    // The name of the selected profile (config::selected_profile_name), also when the file
    // does not define it yet (auth login, config set).
    std::string profile_name();
    // The selected profile after precedence (cached); throws Error(config).
    const config::ResolvedProfile& profile();
    // The API token of the selected profile; throws Error(config) when there is none.
    const BearerToken& token();
    // Where token() found the key; nullopt before it was resolved.
    std::optional<credentials::Source> token_source() const { return m_token_source; }
    // The OAuth connection of the selected profile (created on first use), or nullptr when the
    // profile uses an API key ($LEXSYNC_API_KEY and api_key_command take precedence over stored
    // OAuth tokens).
    std::shared_ptr<oauth::TokenSource> oauth_source();
    // The ClientConfig for the selected profile (without creating a client).
    ClientConfig client_config();
    // Shows the client's waits on the progress line, if any (the ClientConfig's on_wait).
    WaitHook wait_hook();
    // The API client of the selected profile (created on first use).
    ApiClient& client();
    // Counters of the client's requests (and of its lanes' once they are given back).
    const ClientStats& client_stats() const { return m_stats; }
    // `n` more API clients for requests in flight side by side (lexsync/http/in_flight.hpp):
    // each its own transport stack and connection over client()'s one rate limiter, their waits
    // shown on the progress line (its methods take the stream's lock). Their requests count into
    // `stats` (one per lane), which add_stats() folds in once the lanes are closed.
    std::vector<std::unique_ptr<ApiClient>> lane_clients(std::vector<ClientStats>& stats);
    void add_stats(const ClientStats& s);
    // The lexoffice account of the selected profile's key (GET /v1/profile on first use, then
    // cached for the process); throws the request's Error when it fails.
    const Account& account();
    // Starts reading the account (GET /v1/profile) on a connection of its own over the one
    // limiter, so that a command's first reads that need no ledger go out beside it; account()
    // takes its answer (and its error, in its place). Only with requests in flight side by side
    // (max_in_flight > 1); does nothing when the account is known or already being read.
    void read_account_aside();
    // The ledger of the selected profile's account (opened on first use): one file per
    // organisation and API host in the profile's state directory (see lexsync/api/account.hpp).
    StateStore& state();

    // The output format: -o flag, else the profile's, else "table" on a TTY and "json" otherwise.
    std::string output_format();

    // A record writer for stdout (or `out`) in the chosen format, with --fields, the terminal
    // width and colour (a TTY without NO_COLOR) applied.
    std::unique_ptr<RecordWriter> writer(std::vector<Column> columns, std::ostream* out = nullptr);

    // Writes `text` for people to stderr, one line per '\n' in it, each through redact() and
    // terminal_text() (lexsync/util/safe_text.hpp): no credential and no control character of
    // server or file data reaches the terminal. Every message of a command goes through here.
    void say(const std::string& text);
    // Writes a status line to stderr unless --quiet.
    void info(const std::string& line);
    // Writes a warning to stderr (also with --quiet).
    void warn(const std::string& line);
    // Asks `question` with "[y/N]" on a terminal (stdin and stderr) and returns the answer; true
    // at once when `yes` (--yes). Without a terminal: true when `required` is false, otherwise
    // throws Error(usage) asking for --yes, so a script never blocks on a prompt or does a bulk
    // deletion it did not spell out.
    bool confirm(const std::string& question, bool yes, bool required);

private:
    std::optional<config::ConfigFile> m_config;
    std::optional<config::ResolvedProfile> m_profile;
    std::optional<BearerToken> m_token;
    std::optional<credentials::Source> m_token_source;
    std::optional<std::shared_ptr<oauth::TokenSource>> m_oauth;
    // The stack of client() or of a lane over the one limiter of this key.
    std::unique_ptr<http::Transport> make_stack(ClientConfig c, ClientStats* stats);
    // An API client over make_stack() whose requests count into `stats`.
    std::unique_ptr<ApiClient> make_client(ClientStats* stats);

    std::shared_ptr<RateLimiter> m_limiter;
    std::unique_ptr<ApiClient> m_client;
    std::optional<Account> m_account;
    ClientStats m_aside_stats;                 // the requests of read_account_aside()'s client
    std::unique_ptr<ApiClient> m_aside_client; // before m_aside: used until its read ends
    std::future<Result<Account, ApiError>> m_aside;
    std::unique_ptr<StateStore> m_state;
    ClientStats m_stats;
};

} // namespace lexsync
