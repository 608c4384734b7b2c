// --- Interface ---
// Settings shared by lexsync's two HTTP servers (the sandbox and `webhooks listen`), so that slow,
// idle or hostile clients cannot starve them or exhaust their memory. cpp-httplib 0.11 (Debian 12)
// defaults to 8 worker threads, a listen backlog of 5, SO_REUSEPORT (a second server on the same
// port shares it) and Nagle's algorithm (40 ms per answer on a kept-alive connection).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <httplib.h>
#include <memory>
#include <optional>
#include <string>

namespace lexsync::http_server {

struct Limits {
    std::size_t max_body = 1 << 20; // a larger request body is answered 413 without reading it
    std::size_t max_threads = 256;  // connections served at once; more wait for a free thread
    std::chrono::seconds read_timeout{5};
    std::chrono::seconds write_timeout{5};
    std::chrono::seconds keep_alive_timeout{2}; // idle time allowed between two requests
    std::size_t keep_alive_max = 10'000;        // requests per connection
    int backlog = 1024;                         // pending connections (capped by somaxconn)
    // Chunked request bodies: refused (411) unless set; when set they pass only what the
    // EarlyCheck lets through (the sandbox: a valid credential), and httplib still answers 413
    // once such a body grows past max_body.
    bool accept_chunked = false;
};

// An early answer: refuses a request before its body is read.
struct Refusal {
    int status = 400;
    std::string body;
    std::string content_type = "application/json";
};

// Decides from the request line and headers alone (the body is not read yet) whether a request
// is refused; nullopt lets it through.
using EarlyCheck = std::function<std::optional<Refusal>(const httplib::Request&)>;

// Applies `limits` to `server` (threads, timeouts, keep-alive, TCP_NODELAY, the body limit, no
// SO_REUSEPORT) and installs `check` (may be empty) together with the body-size check before any
// body is read, also for "Expect: 100-continue". A refused request's connection is closed after
// the answer, since its unread body would otherwise be read as the next request. Call before
// binding; call after_bind() once bound.
class Hardening {
public:
    Hardening(httplib::Server& server, Limits limits, EarlyCheck check = {});
    // Raises the listen backlog of the bound socket to Limits::backlog.
    void after_bind();

private:
    std::shared_ptr<int> m_listen_fd;
    Limits m_limits;
};

// Sets `res` to `refusal`, written so that the server closes the connection afterwards.
void answer_and_close(httplib::Response& res, const Refusal& refusal);

} // namespace lexsync::http_server
