// --- Interface ---
// Transport wrappers that add the bearer token and user agent, and that log each attempt with
// every secret redacted.
#pragma once

#include <lexsync/http/http.hpp>
#include <lexsync/http/stack.hpp>
#include <lexsync/util/clock.hpp>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync {

// Adds `Authorization: Bearer <token>` and `User-Agent` to every request.
class AuthTransport final : public http::Transport {
public:
    AuthTransport(std::unique_ptr<http::Transport> inner, BearerToken token,
                  std::string user_agent);
    http::SendResult send(const http::Request& request) override;

private:
    std::unique_ptr<http::Transport> m_inner;
    BearerToken m_token;
    std::string m_user_agent;
};

// The lock of the request log's stream: every block of the log is written under it, and so is
// every other message to the same stream (Context::say), so no line is broken by another.
std::mutex& log_mutex();

// Writes one line per request and one per answer (naming its request) to `log`; verbosity 2 adds
// headers, 3 bodies; each request's and each answer's lines are written as one block.
// Each line goes through redact() and terminal_text() (lexsync/util/safe_text.hpp): the
// Authorization header shows as "Bearer ***", no credential appears anywhere, and no control
// character of an answer reaches the terminal.
class LoggingTransport final : public http::Transport {
public:
    LoggingTransport(std::unique_ptr<http::Transport> inner, std::ostream& log, Clock& clock,
                     BearerToken token, int verbosity = 1);
    http::SendResult send(const http::Request& request) override;

private:
    void write(const std::vector<std::string>& lines);

    std::unique_ptr<http::Transport> m_inner;
    std::ostream& m_log;
    Clock& m_clock;
    BearerToken m_token;
    int m_verbosity;
};

} // namespace lexsync
