#include "commands/sandbox/serve.hpp"

#include "sandbox/server.hpp"

#include <csignal>
#include <fstream>
#include <lexsync/error.hpp>
#include <memory>
#include <mutex>
#include <ostream>
#include <pthread.h>
#include <random>
#include <stdexcept>
#include <thread>

namespace lexsync::commands::sandbox {

namespace {

// Blocks SIGINT and SIGTERM in the calling thread (and the threads it starts) for its lifetime,
// so that they can be awaited with sigwait().
class BlockedSignals {
public:
    BlockedSignals() {
        sigemptyset(&m_set);
        sigaddset(&m_set, SIGINT);
        sigaddset(&m_set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &m_set, &m_old);
    }
    ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &m_old, nullptr); }
    BlockedSignals(const BlockedSignals&) = delete;
    BlockedSignals& operator=(const BlockedSignals&) = delete;

    // Waits for one of the blocked signals.
    void wait() const {
        int sig = 0;
        sigwait(&m_set, &sig);
    }

private:
    sigset_t m_set{};
    sigset_t m_old{};
};

void serve(const ServeOptions& options, int upload_visibility_delay_ms, Context& ctx);

} // namespace

bool is_loopback_host(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

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
        ->capture_default_str();
    cmd->add_option("--state", options->state_file,
                    "SQLite file that keeps all data across restarts (default: in memory)");
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
                    "PEM RSA private key that signs webhook callbacks (default: generated)");
    cmd->add_option("--webhook-retry-scale", options->webhook_retry_scale,
                    "Factor on the webhook retry delays (0.001: 10 s become 10 ms)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--webhook-public-key-out", options->webhook_public_key_out,
                    "Write the public key of the callback signatures (PEM) to FILE at start "
                    "(also served at GET /_sandbox/webhook-public-key)");
    cmd->add_option("--token-lifetime", options->token_lifetime,
                    "Lifetime of OAuth access tokens in seconds (0: expired at once)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_flag("--oauth-deny", options->oauth_deny,
                  "Refuse every OAuth authorization (redirect with error=access_denied)");
    cmd->add_option("--upload-visibility-delay", *upload_delay,
                    "Milliseconds during which the voucher of a new upload answers 404")
        ->check(CLI::NonNegativeNumber);
    cmd->footer(
        std::string(
            R"(Serves the lexoffice API under /v1 on loopback: profile, ping, contacts, reference data,
invoices and credit notes (totals, numbering, finalize, PDF/XRechnung documents), the voucher
list, bookkeeping vouchers, file uploads and downloads, and payments, with its authentication,
2 requests/s token bucket (burst 4), error formats and paging.
The base URL is printed alone on the first line of stdout; -v logs one line per request to
stderr. Runs until interrupted (SIGINT/SIGTERM), then exits 0.

The demo organisation "Demo Reinigung GmbH" (seeds demo and empty) accepts the API key
  )") + lexsync::sandbox::k_sandbox_api_key +
        R"(
A seed file lists organisations with their own keys and contacts (see sandbox/README.md).
The OAuth authorization server runs on the same origin as the API (/oauth2/authorize,
/oauth2/token, /oauth2/revoke): use the printed URL as oauth_base_url too. The demo seed's
client is lexsync-sandbox-client with the secret sandbox-client-secret; authorization is
granted without a consent page (add deny=1 to the authorize URL, or --oauth-deny, to refuse).

Examples:
  lexsync sandbox serve --port 8089
  lexsync sandbox serve --seed empty --state ./sandbox.db > sandbox.url &
  curl -H "Authorization: Bearer <key>" "$(head -n1 sandbox.url)/v1/profile"
  lexsync -v sandbox serve --seed ./seed.json --no-rate-limit --latency 50
)");
    cmd->callback([options, upload_delay, &ctx] { serve(*options, *upload_delay, ctx); });
}

void run_serve(const ServeOptions& options, Context& ctx) {
    serve(options, 0, ctx);
}

namespace {

void serve(const ServeOptions& options, int upload_visibility_delay_ms, Context& ctx) {
    if (!options.allow_remote && !is_loopback_host(options.host)) {
        throw Error(ExitCode::usage, "--host " + options.host +
                                         " is not a loopback address; add --allow-remote to "
                                         "serve other machines");
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
    so.oauth_deny = options.oauth_deny;
    so.webhook_key_file = options.webhook_key;
    so.webhook_retry_scale = options.webhook_retry_scale;
    if (auto spec = lexsync::sandbox::parse_fault_spec(options.faults)) {
        so.faults = *spec;
    } else {
        throw Error(ExitCode::usage, "--faults: " + spec.error());
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

    std::unique_ptr<lexsync::sandbox::Server> server;
    try {
        server = std::make_unique<lexsync::sandbox::Server>(so);
    } catch (const std::exception& e) {
        throw Error(ExitCode::invalid_input, std::string("sandbox: ") + e.what());
    }
    try {
        server->bind();
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
    const BlockedSignals signals; // before the server threads start, so they inherit the mask
    ctx.io.out << server->base_url() << std::endl; // scripts read this line: flush at once
    ctx.info("lexsync sandbox: serving " + server->base_url() + " (seed " + options.seed +
             (options.state_file.empty() ? ", in memory" : ", state " + options.state_file) +
             "); stop with Ctrl-C");
    const bool faulty = so.faults.any();
    if (faulty) {
        ctx.info("lexsync sandbox: injecting faults " + so.faults.to_string() + " with seed " +
                 std::to_string(so.fault_seed) + " (replay with --fault-seed " +
                 std::to_string(so.fault_seed) + ")");
    }
    std::thread listener([&server] { server->listen(); });
    signals.wait();
    server->stop();
    listener.join();
    if (faulty) {
        ctx.info("lexsync sandbox: faults injected: " +
                 lexsync::sandbox::describe(server->fault_counts()));
    }
    ctx.info("lexsync sandbox: stopped");
}

} // namespace

} // namespace lexsync::commands::sandbox
