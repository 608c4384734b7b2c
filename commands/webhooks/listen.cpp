#include "commands/webhooks/listen.hpp"

#include "cli/option_values.hpp"
#include "commands/shared/stop_signals.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <deque>
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <lexsync/api/client.hpp>
#include <lexsync/api/error.hpp>
#include <lexsync/api/webhook.hpp>
#include <lexsync/http/wrappers.hpp>
#include <lexsync/util/http_server.hpp>
#include <lexsync/util/json.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace lexsync::commands::webhooks {

namespace {

// The largest callback body accepted (lexoffice's events are about 200 bytes).
constexpr std::size_t k_max_event_bytes = 64 * 1024;

// One verified event waiting for its command and forward.
struct Job {
    webhook::Event event;
    std::string body;
    std::string signature;
};

// The transport of --forward-to: the command's own (libcurl, or the one a test injects), with
// the profile's CA bundle, plain http refused except to loopback, and the request log of -v.
// No credentials, rate limit or retries: the target is not lexoffice, and a POST is not repeated
// blindly.
std::unique_ptr<http::Transport> forward_transport(Context& ctx) {
    ClientConfig c;
    c.connect_timeout = std::chrono::seconds(5);
    c.total_timeout = std::chrono::seconds(30);
    c.ca_bundle = ctx.profile().ca_bundle;
    std::unique_ptr<http::Transport> t = ctx.transport_factory(c);
    if (ctx.global.verbose > 0) {
        t = std::make_unique<LoggingTransport>(std::move(t), ctx.io.err, ctx.clock, BearerToken{},
                                               ctx.global.verbose);
    }
    return t;
}

// True for "NAME=value" entries that carry lexsync's credentials (LEXSYNC_API_KEY,
// LEXSYNC_OAUTH_CLIENT_SECRET, …): they are not passed on to --exec commands.
bool is_secret_variable(std::string_view entry) {
    const std::string_view name = entry.substr(0, entry.find('='));
    return name == "LEXSYNC_API_KEY" ||
           (name.rfind("LEXSYNC_", 0) == 0 && (name.find("SECRET") != std::string_view::npos ||
                                               name.find("TOKEN") != std::string_view::npos ||
                                               name.find("PASSWORD") != std::string_view::npos));
}

// Runs `command` with /bin/sh, `input` on stdin and `vars` added to the environment (without
// lexsync's credentials); returns the exit status (-1 when it could not be started). The child
// inherits no descriptor but stdin, stdout and stderr: the pipe is made with O_CLOEXEC, and
// the listening and accepted sockets, the state database and the lock files are closed by
// close_range() in the child before the shell starts.
int run_command(const std::string& command, const std::string& input,
                const std::vector<std::pair<std::string, std::string>>& vars) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string entry(*e);
        if (is_secret_variable(entry)) {
            continue; // the command gets the event, not lexsync's credentials
        }
        bool replaced = false;
        for (const auto& [name, value] : vars) {
            replaced = replaced || entry.rfind(name + "=", 0) == 0;
        }
        if (!replaced) {
            env.push_back(entry);
        }
    }
    for (const auto& [name, value] : vars) {
        env.push_back(name + "=" + value);
    }
    std::vector<char*> envp;
    for (auto& e : env) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    std::string sh = "sh";
    std::string dash_c = "-c";
    std::string cmd = command;
    std::vector<char*> argv{sh.data(), dash_c.data(), cmd.data(), nullptr};

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        return -1;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(fds[0]);
    if (rc != 0) {
        close(fds[1]);
        return -1;
    }
    std::size_t off = 0;
    while (off < input.size()) {
        const ssize_t n = write(fds[1], input.data() + off, input.size() - off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            break; // the command does not read its input
        }
        off += static_cast<std::size_t>(n);
    }
    close(fds[1]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

class Listener {
public:
    Listener(const ListenOptions& opts, Context& ctx, webhook::PublicKey key,
             std::string organization_id)
        : m_opts(opts), m_ctx(ctx), m_key(std::move(key)), m_org(std::move(organization_id)),
          m_guard(ctx.state()) {
        if (!m_opts.forward_to.empty()) {
            m_forward = forward_transport(ctx);
        }
    }

    void serve() {
        // Before any thread starts, so that all inherit the mask. SIGPIPE stays pending (a command
        // that does not read its stdin); SIGINT and SIGTERM are looked for every 200 ms below.
        const StopSignals signals(StopSignals::Pipe::block);
        // lexoffice's events are a few hundred bytes; an unsigned request is refused before its
        // body is read, a signed one's body is bounded.
        http_server::Limits limits;
        limits.max_body = k_max_event_bytes;
        limits.max_threads = 64;
        http_server::Hardening hardening(
            m_http, limits,
            [this](const httplib::Request& req) -> std::optional<http_server::Refusal> {
                if (req.method != "POST" || req.has_header(webhook::k_signature_header)) {
                    return std::nullopt;
                }
                say("webhooks listen: refused (401): unsigned event");
                return http_server::Refusal{401, "{\"message\":\"unsigned event\"}\n",
                                            "application/json"};
            });
        m_http.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
            handle(req, res);
        });
        // lexoffice checks a new callback URL with HEAD; GET and HEAD answer 200.
        m_http.Get(".*", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("lexsync webhooks listen\n", "text/plain");
        });
        int port = m_opts.port;
        if (port == 0) {
            port = m_http.bind_to_any_port(m_opts.host);
        } else if (!m_http.bind_to_port(m_opts.host, port)) {
            port = -1;
        }
        if (port < 0) {
            throw Error(ExitCode::error,
                        fmt::format("webhooks listen: cannot bind to {}:{} (is the port in use?)",
                                    m_opts.host, m_opts.port));
        }
        hardening.after_bind();
        const std::string host =
            m_opts.host.find(':') != std::string::npos ? "[" + m_opts.host + "]" : m_opts.host;
        m_ctx.io.out << "http://" << host << ":" << port << std::endl; // scripts read this line
        say(fmt::format(
            "webhooks listen: receiving on http://{}:{}{}; stop with Ctrl-C", host, port,
            m_org.empty() ? " (organisation not checked)" : " for organisation " + m_org));
        std::thread worker([this] { work(); });
        std::thread listener([this] { m_http.listen_after_bind(); });
        while (!m_done && !signals.wait_for(200)) {
        }
        m_http.stop();
        listener.join();
        {
            std::lock_guard lock(m_queue_mutex);
            m_stopping = true;
        }
        m_queue_cv.notify_all();
        worker.join(); // runs what was accepted before stopping
        say(fmt::format("webhooks listen: stopped after {} event{}", m_accepted.load(),
                        m_accepted == 1 ? "" : "s"));
    }

private:
    void say(const std::string& line) {
        std::lock_guard lock(m_log_mutex);
        m_ctx.info(line);
    }

    void refuse(httplib::Response& res, int status, const std::string& reason) {
        res.status = status;
        res.set_content(fmt::format("{{\"message\":\"{}\"}}\n", reason), "application/json");
        say("webhooks listen: refused (" + std::to_string(status) + "): " + reason);
    }

    void handle(const httplib::Request& req, httplib::Response& res) {
        // The signature covers the raw bytes; nothing is parsed before it is checked.
        const std::string signature = req.get_header_value(webhook::k_signature_header);
        if (signature.empty()) {
            return refuse(res, 401, "unsigned event");
        }
        if (!m_key.verify(req.body, signature)) {
            return refuse(res, 401, "invalid signature");
        }
        auto event = webhook::parse_event(req.body);
        if (!event) {
            return refuse(res, 400, "invalid event: " + event.error());
        }
        if (!m_org.empty() && event->organization_id != m_org) {
            return refuse(res, 422, "event of another organisation");
        }
        if (m_done) {
            return refuse(res, 503, "the listener is stopping");
        }
        // Acknowledged only once the event is queued on disk: a crash after the 200 loses nothing
        // (the restart runs it), and a crash before it makes the sender deliver it again.
        switch (m_guard.admit(*event, req.body, signature)) {
        case webhook::ReplayGuard::Admission::replay:
            return refuse(res, 409,
                          fmt::format("replayed event {} {} {}", event->event_type,
                                      event->resource_id, event->event_date));
        case webhook::ReplayGuard::Admission::already_queued:
            res.status = 200;
            res.set_content("{}", "application/json");
            say(fmt::format("webhooks listen: {} {} (delivered again, already queued)",
                            event->event_type, event->resource_id));
            return;
        case webhook::ReplayGuard::Admission::queued:
            break;
        }
        res.status = 200;
        res.set_content("{}", "application/json");
        const long n = ++m_accepted;
        say(fmt::format("webhooks listen: {} {}", event->event_type, event->resource_id));
        {
            std::lock_guard lock(m_queue_mutex);
            ++m_queued;
        }
        m_queue_cv.notify_all();
        if (m_opts.max_events > 0 && n >= m_opts.max_events) {
            m_done = true;
        }
    }

    // Runs the queued events, oldest first, also those left by an earlier run; an event leaves
    // the queue once its forward and command have run (a crash meanwhile runs it again).
    void work() {
        for (;;) {
            auto queued = m_guard.next_queued();
            if (!queued) {
                std::unique_lock lock(m_queue_mutex);
                if (m_stopping) {
                    return;
                }
                m_queue_cv.wait(lock, [this] { return m_stopping || m_queued > 0; });
                m_queued = 0;
                continue;
            }
            auto event = webhook::parse_event(queued->body);
            if (event) {
                run_job(Job{*event, queued->body, queued->signature});
            }
            m_guard.done(queued->id);
        }
    }

    void run_job(const Job& job) {
        if (!m_opts.forward_to.empty()) {
            forward(job);
        }
        if (!m_opts.exec.empty()) {
            const int rc = run_command(m_opts.exec, webhook::to_json(job.event) + "\n",
                                       {{"LEXSYNC_EVENT_TYPE", job.event.event_type},
                                        {"LEXSYNC_RESOURCE_ID", job.event.resource_id},
                                        {"LEXSYNC_ORGANIZATION_ID", job.event.organization_id},
                                        {"LEXSYNC_EVENT_DATE", job.event.event_date}});
            if (rc != 0) {
                std::lock_guard lock(m_log_mutex);
                m_ctx.warn(fmt::format("webhooks listen: --exec exited {} for {} {}", rc,
                                       job.event.event_type, job.event.resource_id));
            }
        }
    }

    // Relays the raw body and its signature, once.
    void forward(const Job& job) {
        http::Request request;
        request.method = http::Method::post;
        request.url = m_opts.forward_to;
        request.headers.set("Content-Type", "application/json");
        request.headers.set("User-Agent", "lexsync/" LEXSYNC_VERSION);
        request.headers.set(webhook::k_signature_header, job.signature);
        request.body = job.body;
        const auto res = m_forward->send(request);
        if (!res || !res->ok()) {
            std::lock_guard lock(m_log_mutex);
            m_ctx.warn(fmt::format("webhooks listen: --forward-to {} {}", m_opts.forward_to,
                                   res ? fmt::format("answered {}", res->status)
                                       : "failed: " + res.error().message));
        }
    }

    const ListenOptions& m_opts;
    Context& m_ctx;
    webhook::PublicKey m_key;
    std::string m_org;
    webhook::ReplayGuard m_guard;
    std::unique_ptr<http::Transport> m_forward; // for --forward-to
    httplib::Server m_http;
    std::mutex m_log_mutex;
    std::mutex m_queue_mutex;
    std::condition_variable m_queue_cv;
    long m_queued = 0; // events queued since the worker last looked
    bool m_stopping = false;
    std::atomic<bool> m_done{false};
    std::atomic<long> m_accepted{0};
};

} // namespace

void register_listen(CLI::App& parent, Context& ctx) {
    auto opts = std::make_shared<ListenOptions>();
    auto* cmd = parent.add_subcommand(
        "listen", "Receive callbacks, verify their signatures, run a command per event");
    cmd->add_option("--host", opts->host, "Address to bind")->capture_default_str();
    cmd->add_option("--port", opts->port, "Port to bind; 0 picks a free one (printed on stdout)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    cmd->add_option("--exec", opts->exec,
                    "Shell command per verified event: event JSON on stdin, LEXSYNC_EVENT_TYPE, "
                    "LEXSYNC_RESOURCE_ID, LEXSYNC_ORGANIZATION_ID, LEXSYNC_EVENT_DATE set");
    cmd->add_option("--public-key", opts->public_key,
                    "PEM public key of the signatures (default: the profile's webhook_public_key)")
        ->type_name(k_file_value);
    cmd->add_option("--forward-to", opts->forward_to,
                    "Relay verified events (raw body and X-Lxo-Signature) to this URL");
    cmd->add_option("--organization-id", opts->organization_id,
                    "Accept only events of this organisation (default: the profile's, when an "
                    "API key is available)");
    cmd->add_option("--max-events", opts->max_events,
                    "Stop after this many accepted events (0: run until interrupted)")
        ->check(CLI::NonNegativeNumber);
    cmd->footer(R"(Answers: 200 accepted once queued in the profile's state (the command runs
afterwards, one event at a time; queued events survive a restart), 401 unsigned or wrongly
signed, 413 body above 64 KiB, 400 not an event, 422 another organisation, 409 replayed
(same eventType, resourceId and eventDate as an accepted event, remembered in the profile's
state across restarts). The base URL is printed alone on the first line of stdout.

Examples:
  lexsync webhooks listen --port 8080 --exec 'jq -r .resourceId >> changed-ids.txt'
  lexsync webhooks listen --port 8080 --public-key lexoffice.pub --forward-to http://127.0.0.1:3000/hooks)");
    cmd->callback([opts, &ctx] { run_listen(*opts, ctx); });
}

void run_listen(const ListenOptions& opts, Context& ctx) {
    std::filesystem::path key_file = opts.public_key;
    if (key_file.empty()) {
        if (const auto& p = ctx.profile().webhook_public_key) {
            key_file = *p;
        }
    }
    if (key_file.empty()) {
        throw Error(ExitCode::config, "webhooks listen: no public key; pass --public-key FILE or "
                                      "set webhook_public_key in the profile");
    }
    auto key = webhook::PublicKey::from_file(key_file);
    if (!key) {
        throw Error(ExitCode::config, "webhooks listen: " + key.error());
    }
    if (!opts.forward_to.empty() && opts.forward_to.rfind("http://", 0) != 0 &&
        opts.forward_to.rfind("https://", 0) != 0) {
        throw Error(ExitCode::usage, "--forward-to must be an http:// or https:// URL");
    }
    std::string org = opts.organization_id;
    if (org.empty()) {
        // The profile's organisation, when its credentials can tell: the account the ledger
        // below is opened for, so that one GET /v1/profile serves both.
        try {
            org = ctx.account().organization_id;
        } catch (const Error&) {
            // no credentials: the organisation is not checked
        }
        if (org.empty()) {
            ctx.warn("webhooks listen: the profile's organisation is unknown; events of any "
                     "organisation are accepted (use --organization-id)");
        }
    }
    Listener listener(opts, ctx, std::move(key).value(), org);
    listener.serve();
}

} // namespace lexsync::commands::webhooks
