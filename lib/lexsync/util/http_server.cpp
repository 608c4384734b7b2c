#include <condition_variable>
#include <deque>
#include <lexsync/util/http_server.hpp>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <thread>
#include <vector>

namespace lexsync::http_server {

namespace {

// A thread per connection, created on demand up to `max` and then reused: slow or idle clients
// hold a thread each, so a fresh client still finds one (httplib's own pool has a fixed size,
// 8 on two cores).
class GrowingPool final : public httplib::TaskQueue {
public:
    explicit GrowingPool(std::size_t max) : m_max(max) {}
    ~GrowingPool() override = default;
    GrowingPool(const GrowingPool&) = delete;
    GrowingPool& operator=(const GrowingPool&) = delete;

    void enqueue(std::function<void()> fn) override {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(std::move(fn));
        if (m_idle >= m_jobs.size() || m_threads.size() >= m_max) {
            m_cv.notify_one();
            return;
        }
        m_threads.emplace_back([this] { work(); });
    }

    void shutdown() override {
        {
            std::lock_guard lock(m_mutex);
            m_shutdown = true;
        }
        m_cv.notify_all();
        for (auto& t : m_threads) {
            t.join();
        }
    }

private:
    void work() {
        std::unique_lock lock(m_mutex);
        for (;;) {
            ++m_idle;
            m_cv.wait(lock, [this] { return m_shutdown || !m_jobs.empty(); });
            --m_idle;
            if (m_jobs.empty()) {
                return; // shut down
            }
            auto fn = std::move(m_jobs.front());
            m_jobs.pop_front();
            lock.unlock();
            fn();
            lock.lock();
        }
    }

    std::size_t m_max;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<std::function<void()>> m_jobs;
    std::vector<std::thread> m_threads;
    std::size_t m_idle = 0;
    bool m_shutdown = false;
};

Refusal refusal(int status, const std::string& message) {
    return Refusal{status, "{\"message\":\"" + message + "\"}", "application/json"};
}

// The body framing httplib 0.11 cannot bound: it reads a chunked body, and a POST, PUT or PATCH
// body without Content-Length (until the connection ends), whole into memory, whatever
// set_payload_max_length says. Such requests are refused (411); a Content-Length above the
// limit is refused (413) before the body is read.
std::optional<Refusal> unbounded_or_too_large(const httplib::Request& req, std::size_t max_body,
                                              bool accept_chunked) {
    if (req.has_header("Transfer-Encoding")) {
        if (accept_chunked) {
            return std::nullopt;
        }
        return refusal(411, "Chunked request bodies are not accepted; send Content-Length");
    }
    if (!req.has_header("Content-Length")) {
        if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
            return refusal(411, "Content-Length required");
        }
        return std::nullopt;
    }
    const std::string value = req.get_header_value("Content-Length");
    const bool digits = !value.empty() && value.size() <= 19 &&
                        value.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) {
        return refusal(400, "Invalid Content-Length");
    }
    if (std::stoull(value) > max_body) {
        return refusal(413, "Request body larger than " + std::to_string(max_body) + " bytes");
    }
    return std::nullopt;
}

} // namespace

void answer_and_close(httplib::Response& res, const Refusal& refusal) {
    res.status = refusal.status;
    res.set_header("Connection", "close");
    auto body = std::make_shared<std::string>(refusal.body);
    // httplib closes a connection whose content provider fails: this one writes the whole answer
    // and then reports failure.
    res.set_content_provider(
        body->size(), refusal.content_type,
        [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            sink.write(body->data() + offset, length);
            return false;
        });
}

Hardening::Hardening(httplib::Server& server, Limits limits, EarlyCheck check)
    : m_listen_fd(std::make_shared<int>(-1)), m_limits(limits) {
    const std::size_t max_threads = limits.max_threads;
    server.new_task_queue = [max_threads] { return new GrowingPool(max_threads); };
    server.set_read_timeout(limits.read_timeout);
    server.set_write_timeout(limits.write_timeout);
    server.set_keep_alive_timeout(static_cast<time_t>(limits.keep_alive_timeout.count()));
    server.set_keep_alive_max_count(limits.keep_alive_max);
    server.set_payload_max_length(limits.max_body);
    server.set_tcp_nodelay(true);
    // SO_REUSEADDR only (a restart may bind while old connections linger in TIME_WAIT); no
    // SO_REUSEPORT, so a port already in use is refused instead of shared.
    auto fd = m_listen_fd;
    server.set_socket_options([fd](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        *fd = sock;
    });
    const std::size_t max_body = limits.max_body;
    const bool accept_chunked = limits.accept_chunked;
    auto refuse = [check, max_body,
                   accept_chunked](const httplib::Request& req) -> std::optional<Refusal> {
        if (auto r = unbounded_or_too_large(req, max_body, accept_chunked)) {
            return r;
        }
        return check ? check(req) : std::nullopt;
    };
    server.set_pre_routing_handler([refuse](const httplib::Request& req, httplib::Response& res) {
        if (auto r = refuse(req)) {
            answer_and_close(res, *r);
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    // httplib's own answers (a body over the limit while reading a chunked body: 413; a request
    // line it cannot parse: 400) leave the rest of the body unread: close the connection too.
    server.set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
            if (!res.body.empty() || res.has_header("Connection") ||
                (res.status != 400 && res.status != 413 && res.status != 414)) {
                return httplib::Server::HandlerResponse::Unhandled;
            }
            const std::string message = res.status == 413   ? "Request body too large"
                                        : res.status == 414 ? "Request URI too long"
                                                            : "Malformed request";
            answer_and_close(
                res, Refusal{res.status, "{\"message\":\"" + message + "\"}", "application/json"});
            return httplib::Server::HandlerResponse::Handled;
        }));
    server.set_expect_100_continue_handler(
        [refuse](const httplib::Request& req, httplib::Response& res) {
            if (auto r = refuse(req)) {
                res.set_header("Content-Length", std::to_string(r->body.size()));
                answer_and_close(res, *r);
                return r->status;
            }
            return 100;
        });
}

void Hardening::after_bind() {
    // httplib listens with a backlog of 5; listen() again on the bound socket raises it.
    if (*m_listen_fd >= 0) {
        ::listen(*m_listen_fd, m_limits.backlog);
    }
}

} // namespace lexsync::http_server
