#include <fmt/format.h>
#include <lexsync/http/wrappers.hpp>
#include <lexsync/util/safe_text.hpp>
#include <mutex>
#include <vector>

namespace lexsync {

namespace {

constexpr std::size_t k_max_logged_body = 4000;

std::string body_excerpt(const std::string& body) {
    if (body.size() <= k_max_logged_body) {
        return body;
    }
    return body.substr(0, k_max_logged_body) + fmt::format("… ({} B)", body.size());
}

} // namespace

std::mutex& log_mutex() {
    static std::mutex m;
    return m;
}

AuthTransport::AuthTransport(std::unique_ptr<http::Transport> inner, BearerToken token,
                             std::string user_agent)
    : m_inner(std::move(inner)), m_token(std::move(token)), m_user_agent(std::move(user_agent)) {}

http::SendResult AuthTransport::send(const http::Request& request) {
    http::Request r = request;
    if (!m_token.empty()) {
        r.headers.set("Authorization", "Bearer " + m_token.reveal());
    }
    if (!m_user_agent.empty()) {
        r.headers.set("User-Agent", m_user_agent);
    }
    auto result = m_inner->send(r);
    // The copy holds the token in clear text: wipe it before it is freed.
    r.headers.wipe("authorization");
    return result;
}

LoggingTransport::LoggingTransport(std::unique_ptr<http::Transport> inner, std::ostream& log,
                                   Clock& clock, BearerToken token, int verbosity)
    : m_inner(std::move(inner)), m_log(log), m_clock(clock), m_token(std::move(token)),
      m_verbosity(verbosity) {}

void LoggingTransport::write(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) {
        text += terminal_text(redact(line));
        text += '\n';
    }
    // One write per block: requests in flight side by side never interleave within a block.
    std::lock_guard lock(log_mutex());
    m_log << text;
    m_log.flush();
}

http::SendResult LoggingTransport::send(const http::Request& request) {
    const std::string target = fmt::format("{} {}", http::method_name(request.method), request.url);
    std::vector<std::string> lines{"→ " + target};
    if (m_verbosity >= 2) {
        bool has_auth = false;
        for (const auto& [name, value] : request.headers.items()) {
            if (name == "authorization") {
                has_auth = true;
                lines.push_back(fmt::format("  {}: Bearer ***", name));
            } else {
                lines.push_back(fmt::format("  {}: {}", name, value));
            }
        }
        if (!has_auth && !m_token.empty()) {
            // Added further in, after this wrapper; shown so the log tells the whole request.
            lines.emplace_back("  authorization: Bearer ***");
        }
        if (m_verbosity >= 3) {
            if (!request.form.empty()) {
                for (const auto& part : request.form) {
                    lines.push_back(fmt::format("  [part {}{}: {} B]", part.name,
                                                part.filename.empty() ? "" : " " + part.filename,
                                                part.content.size()));
                }
            } else if (!request.body.empty()) {
                lines.push_back("  " + body_excerpt(request.body));
            }
        }
    }
    write(lines);
    const Clock::time_point start = m_clock.now();
    auto result = m_inner->send(request);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.now() - start).count();
    // The answer names its request: with requests in flight side by side, answers may come
    // in another order.
    lines.clear();
    if (result) {
        lines.push_back(
            fmt::format("← {} {} ms {} B ({})", result->status, ms, result->body.size(), target));
        if (m_verbosity >= 2) {
            for (const auto& [name, value] : result->headers.items()) {
                lines.push_back(fmt::format("  {}: {}", name, value));
            }
        }
        if (m_verbosity >= 3 && !result->body.empty()) {
            lines.push_back("  " + body_excerpt(result->body));
        }
    } else {
        lines.push_back(fmt::format("← error {} ms ({}): {}", ms, target, result.error().message));
    }
    write(lines);
    return result;
}

} // namespace lexsync
