#include "commands/sandbox/serve.hpp"

#include "cli/option_values.hpp"
#include "commands/shared/stop_signals.hpp"
#include "sandbox/server.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <lexsync/api/error.hpp>
#include <lexsync/http/curl_transport.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <memory>
#include <mutex>
#include <ostream>
#include <random>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace lexsync::commands::sandbox {

namespace {

void serve(const ServeOptions& options, int upload_visibility_delay_ms, Context& ctx);

// Writes all of `text` to `fd`; false on an error.
bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// Points `fd` at `path` (appending, created 0600) or at /dev/null when `path` is empty.
void redirect(int fd, const std::string& path, int flags) {
    const int target = path.empty() ? ::open("/dev/null", flags)
                                    : ::open(path.c_str(), flags | O_CREAT | O_APPEND, 0600);
    if (target < 0) {
        throw Error(ExitCode::error, "sandbox: cannot open " + (path.empty() ? "/dev/null" : path));
    }
    ::dup2(target, fd);
    ::close(target);
}

// Forks for --daemon. Returns in the child (which then serves, with `ready_fd` set to the write
// end of a pipe); in the parent waits until the child reports the base URL on that pipe, prints
// it and returns false, or throws the child's exit status when it ended without being ready.
bool fork_daemon(ServeOptions& options, Context& ctx) {
    int fds[2];
    if (::pipe(fds) != 0) {
        throw Error(ExitCode::error, "sandbox: cannot create a pipe");
    }
    ctx.io.out.flush();
    ctx.io.err.flush();
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw Error(ExitCode::error, "sandbox: cannot fork");
    }
    if (pid == 0) {
        ::close(fds[0]);
        ::setsid(); // no terminal, its own process group: a Ctrl-C of the caller does not reach it
        redirect(STDIN_FILENO, "", O_RDONLY);
        // The caller's $(...) ends when stdout closes: the server never writes there.
        redirect(STDOUT_FILENO, "", O_WRONLY);
        if (options.ready_fd >= 0) {
            ::close(options.ready_fd); // the parent reports readiness on it
        }
        options.ready_fd = fds[1];
        return true;
    }
    ::close(fds[1]);
    std::string url;
    char buf[256];
    for (;;) {
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        url.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    if (!url.empty() && url.back() == '\n') {
        ctx.io.out << url << std::flush;
        if (options.ready_fd >= 0) {
            write_all(options.ready_fd, url);
            ::close(options.ready_fd);
        }
        return false;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    throw Error(code == 0 ? ExitCode::error : static_cast<ExitCode>(code),
                "sandbox: the server did not start (its error is above)");
}

} // namespace

void register_serve(CLI::App& parent, Context& ctx) {
    auto options = std::make_shared<ServeOptions>();
    auto upload_delay = std::make_shared<int>(0);
    auto* cmd = parent.add_subcommand("serve", "Run the local lexoffice API emulator");
    cmd->add_option("--host", options->host, "Address to bind (loopback unless --allow-remote)")
        ->capture_default_str();
    cmd->add_option("--port", options->port, "Port to bind; 0 picks a free port")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    cmd->add_flag("--allow-remote", options->allow_remote,
                  "Allow a --host that is not a loopback address");
    cmd->add_option("--seed", options->seed, "demo, empty, or a JSON seed file")
        ->type_name(k_file_value)
        ->check(named_values({"demo", "empty"}))
        ->capture_default_str();
    cmd->add_option("--state", options->state_file,
                    "SQLite file that keeps all data across restarts (default: in memory)")
        ->type_name(k_file_value);
    cmd->add_option("--rate-limit", options->rate_limit, "Requests per second per API key")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--burst", options->burst, "Token bucket capacity per API key")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    cmd->add_flag("--no-rate-limit", options->no_rate_limit, "Never answer 429");
    cmd->add_flag("--retry-after", options->retry_after,
                  "Send a Retry-After header with 429 (the live API sends none)");
    cmd->add_option("--listing-window", options->listing_window,
                    "Cap of totalElements in listings; 0 = unlimited")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--latency", options->latency_ms, "Added delay per request in milliseconds")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--latency-jitter", options->latency_jitter_ms,
                    "Random extra delay per request, 0 to N milliseconds")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--faults", options->faults,
                    "Inject faults into authenticated requests, e.g. "
                    "5xx=0.05,504-after-write=0.05,429-storm=0.02,reset=0.02,truncate=0.02");
    cmd->add_option("--fault-seed", options->fault_seed,
                    "Seed of the fault generator (default: random, printed on stderr)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--webhook-key", options->webhook_key,
                    "PEM RSA private key that signs webhook callbacks (default: generated)")
        ->type_name(k_file_value);
    cmd->add_option("--webhook-retry-scale", options->webhook_retry_scale,
                    "Factor on the webhook retry delays (0.001: 10 s become 10 ms)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--webhook-public-key-out", options->webhook_public_key_out,
                    "Write the public key of the callback signatures (PEM) to FILE at start "
                    "(also served at GET /_sandbox/webhook-public-key)")
        ->type_name(k_file_value);
    cmd->add_option("--token-lifetime", options->token_lifetime,
                    "Lifetime of OAuth access tokens in seconds (0: expired at once)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--time-shift", options->time_shift_days,
                    "Run the sandbox's clock DAYS days ahead (negative: behind): the created and "
                    "changed dates of records, today of the voucher list")
        ->type_name("DAYS")
        ->check(CLI::Range(-36500, 36500))
        ->capture_default_str();
    cmd->add_flag("--oauth-deny", options->oauth_deny,
                  "Refuse every OAuth authorization (redirect with error=access_denied)");
    cmd->add_option("--upload-visibility-delay", *upload_delay,
                    "Milliseconds during which the voucher of a new upload answers 404")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--port-file", options->port_file,
                    "Once listening, write the port number to FILE (atomically; removed at exit)")
        ->type_name(k_file_value);
    cmd->add_option("--pid-file", options->pid_file,
                    "Once listening, write the process id to FILE (atomically; removed at exit)")
        ->type_name(k_file_value);
    cmd->add_option("--ready-fd", options->ready_fd,
                    "Once listening, write the base URL to file descriptor N and close it")
        ->check(CLI::Range(0, 1 << 20));
    cmd->add_flag("--daemon", options->daemon,
                  "Run in the background: print the base URL once listening and return "
                  "(exit status of the server if it cannot start)");
    cmd->add_option("--log-file", options->log_file,
                    "With --daemon: append the server's stderr (-v request log) to FILE")
        ->type_name(k_file_value);
    cmd->footer(
        std::string(
            R"(Serves the lexoffice API under /v1 on loopback: profile, ping, contacts, reference data,
invoices and credit notes (totals, numbering, finalize, PDF/XRechnung documents), the voucher
list, bookkeeping vouchers, file uploads and downloads, and payments, with its authentication,
2 requests/s token bucket (burst 4), error formats and paging.
The base URL is printed alone on the first line of stdout once the port accepts connections
(also --port-file, --pid-file, --ready-fd); GET /_sandbox/health answers 200 without a key.
-v logs one line per request to stderr. Runs until SIGINT/SIGTERM, then finishes the requests
in progress, removes its port and pid files and exits 0.

The demo organisation "Demo Reinigung GmbH" (seeds demo and empty) accepts the API key
  )") + lexsync::sandbox::k_sandbox_api_key +
        R"X(
A seed file lists organisations with their own keys and contacts (lexsync-sandbox(1), SEED
FILES; check one with lexsync sandbox seed --check FILE).
The OAuth authorization server runs on the same origin as the API (/oauth2/authorize,
/oauth2/token, /oauth2/revoke): use the printed URL as oauth_base_url too. The demo seed's
client is lexsync-sandbox-client with the secret sandbox-client-secret; authorization is
granted without a consent page (add deny=1 to the authorize URL, or --oauth-deny, to refuse).

Examples:
  lexsync sandbox serve --port 8089
  url=$(lexsync sandbox serve --daemon --pid-file sandbox.pid --log-file sandbox.log)
  curl -H "Authorization: Bearer <key>" "$url/v1/profile"; kill "$(cat sandbox.pid)"
  lexsync -v sandbox serve --seed ./seed.json --no-rate-limit --latency 50
)X");
    cmd->callback([options, upload_delay, &ctx] { serve(*options, *upload_delay, ctx); });
}

void run_serve(const ServeOptions& options, Context& ctx) {
    serve(options, 0, ctx);
}

namespace {

void serve(const ServeOptions& given, int upload_visibility_delay_ms, Context& ctx) {
    ServeOptions options = given;
    if (!options.allow_remote && !is_loopback_host(options.host)) {
        throw Error(ExitCode::usage, "--host " + options.host +
                                         " is not a loopback address; add --allow-remote to "
                                         "serve other machines");
    }
    if (options.ready_fd >= 0 && ::fcntl(options.ready_fd, F_GETFD) < 0) {
        throw Error(ExitCode::usage,
                    "--ready-fd " + std::to_string(options.ready_fd) + " is not an open file");
    }
    if (!options.log_file.empty() && !options.daemon) {
        throw Error(ExitCode::usage, "--log-file needs --daemon");
    }
    lexsync::sandbox::ServerOptions so;
    so.host = options.host;
    so.port = options.port;
    so.seed = options.seed;
    so.state_file = options.state_file;
    so.rate_per_second = options.rate_limit;
    so.burst = options.burst;
    so.rate_limit = !options.no_rate_limit;
    so.retry_after_header = options.retry_after;
    so.listing_window = options.listing_window;
    so.latency_ms = options.latency_ms;
    so.latency_jitter_ms = options.latency_jitter_ms;
    so.upload_visibility_delay_ms = upload_visibility_delay_ms;
    so.token_lifetime_seconds = options.token_lifetime;
    so.time_shift_days = options.time_shift_days;
    so.oauth_deny = options.oauth_deny;
    so.webhook_key_file = options.webhook_key;
    so.webhook_retry_scale = options.webhook_retry_scale;
    if (auto spec = lexsync::sandbox::parse_fault_spec(options.faults)) {
        so.faults = *spec;
    } else {
        throw Error(ExitCode::usage, "--faults: " + spec.error());
    }
    // Fork before any thread exists (the server starts its webhook worker when constructed).
    if (options.daemon && !fork_daemon(options, ctx)) {
        return;
    }
    so.fault_seed = options.fault_seed >= 0 ? static_cast<std::uint64_t>(options.fault_seed)
                                            : std::random_device{}();
    auto log_mutex = std::make_shared<std::mutex>();
    if (ctx.global.verbose > 0) {
        std::ostream& err = ctx.io.err;
        so.log = [&err, log_mutex](const std::string& line) {
            std::lock_guard lock(*log_mutex);
            err << "sandbox: " << line << std::endl;
        };
    }
    // Blocked in every thread, so that SIGINT/SIGTERM reach only the sigwait() below and the
    // server shuts down cleanly; threads inherit the mask, hence before the server exists.
    const StopSignals signals;

    std::unique_ptr<lexsync::sandbox::Server> server;
    try {
        server = std::make_unique<lexsync::sandbox::Server>(so);
    } catch (const std::exception& e) {
        throw Error(ExitCode::invalid_input, std::string("sandbox: ") + e.what());
    }
    int port = 0;
    try {
        port = server->bind(); // listening from here on: connections wait in the backlog
    } catch (const std::exception& e) {
        throw Error(ExitCode::error, std::string("sandbox: ") + e.what());
    }

    if (!options.webhook_public_key_out.empty()) {
        std::ofstream pem(options.webhook_public_key_out, std::ios::binary | std::ios::trunc);
        pem << server->webhook_public_key();
        if (!pem.flush()) {
            throw Error(ExitCode::error, "sandbox: cannot write " + options.webhook_public_key_out);
        }
    }
    // Ready signals, each written whole (atomically renamed files, one write to the fd).
    try {
        if (!options.pid_file.empty()) {
            write_file_atomically(options.pid_file, std::to_string(::getpid()) + "\n");
        }
        if (!options.port_file.empty()) {
            write_file_atomically(options.port_file, std::to_string(port) + "\n");
        }
    } catch (const std::exception& e) {
        throw Error(ExitCode::error, std::string("sandbox: ") + e.what());
    }
    ctx.io.out << server->base_url() << std::endl; // scripts read this line: flush at once
    if (options.ready_fd >= 0) {
        write_all(options.ready_fd, server->base_url() + "\n");
        ::close(options.ready_fd);
    }
    ctx.info("lexsync sandbox: serving " + server->base_url() + " (seed " + options.seed +
             (options.state_file.empty() ? ", in memory" : ", state " + options.state_file) +
             "); stop with " +
             (options.daemon ? "kill -TERM " + std::to_string(::getpid()) : std::string("Ctrl-C")));
    const bool faulty = so.faults.any();
    if (faulty) {
        ctx.info("lexsync sandbox: injecting faults " + so.faults.to_string() + " with seed " +
                 std::to_string(so.fault_seed) + " (replay with --fault-seed " +
                 std::to_string(so.fault_seed) + ")");
    }
    if (options.daemon) {
        ctx.io.err.flush();
        redirect(STDERR_FILENO, options.log_file, O_WRONLY);
    }
    std::thread listener([&server] { server->listen(); });
    signals.wait();
    server->stop();
    listener.join();
    if (faulty) {
        ctx.info("lexsync sandbox: faults injected: " +
                 lexsync::sandbox::describe(server->fault_counts()));
    }
    // A stale port or pid file would point the next script at a server that is gone.
    std::error_code ec;
    for (const auto& file : {options.port_file, options.pid_file}) {
        if (!file.empty()) {
            std::filesystem::remove(file, ec);
        }
    }
    server.reset(); // waits for the webhook worker
    ctx.info("lexsync sandbox: stopped");
}

} // namespace

} // namespace lexsync::commands::sandbox
