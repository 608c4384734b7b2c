#include "sandbox/faults.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <cmath>
#include <csignal>
#include <dirent.h>
#include <fmt/format.h>
#include <httplib.h>
#include <lexsync/util/http_text.hpp>
#include <lexsync/util/strings.hpp>
#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <vector>

namespace lexsync::sandbox {

namespace {

std::optional<double> parse_rate(std::string_view v) {
    double d = 0;
    const auto res = std::from_chars(v.data(), v.data() + v.size(), d);
    if (res.ec != std::errc{} || res.ptr != v.data() + v.size() || !(d >= 0.0 && d <= 1.0)) {
        return std::nullopt;
    }
    return d;
}

std::optional<int> parse_ms(std::string_view v, int max) {
    int n = 0;
    const auto res = std::from_chars(v.data(), v.data() + v.size(), n);
    if (res.ec != std::errc{} || res.ptr != v.data() + v.size() || n < 0 || n > max) {
        return std::nullopt;
    }
    return n;
}

int port_of(const sockaddr_storage& a) {
    if (a.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<const sockaddr_in*>(&a)->sin_port);
    }
    if (a.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&a)->sin6_port);
    }
    return -1;
}

// The descriptor of the accepted connection that carries `req`, found by its two ports
// (httplib does not hand the socket to handlers); -1 when there is none.
int connection_fd(int local_port, int remote_port) {
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) {
        return -1;
    }
    int found = -1;
    const int own = dirfd(dir);
    while (const dirent* e = readdir(dir)) {
        int fd = -1;
        const std::string_view name(e->d_name);
        if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc{} ||
            fd == own) {
            continue;
        }
        struct stat st {};
        if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
            continue;
        }
        sockaddr_storage local{};
        sockaddr_storage peer{};
        socklen_t local_len = sizeof local;
        socklen_t peer_len = sizeof peer;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
            getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
            continue;
        }
        if (port_of(local) == local_port && port_of(peer) == remote_port) {
            found = fd;
            break;
        }
    }
    closedir(dir);
    return found;
}

// Aborts the TCP connection with a RST: SO_LINGER 0, then connect(AF_UNSPEC), which on Linux
// disconnects the socket without closing the descriptor httplib still owns.
void reset_connection(int local_port, int remote_port) {
    const int fd = connection_fd(local_port, remote_port);
    if (fd < 0) {
        return;
    }
    linger l{};
    l.l_onoff = 1;
    l.l_linger = 0;
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    (void)connect(fd, &unspec, sizeof unspec);
}

} // namespace

bool FaultSpec::any() const {
    return server_error > 0 || gateway_after_write > 0 || storm > 0 || reset > 0 || truncate > 0 ||
           slow_upload > 0 || latency_ms > 0 || jitter_ms > 0;
}

std::string FaultSpec::to_string() const {
    const FaultSpec d;
    std::vector<std::string> parts;
    auto rate = [&](const char* key, double v, double def) {
        if (v != def) {
            parts.push_back(fmt::format("{}={}", key, v));
        }
    };
    rate("5xx", server_error, d.server_error);
    rate("504-after-write", gateway_after_write, d.gateway_after_write);
    rate("429-storm", storm, d.storm);
    rate("storm-length", storm_length, d.storm_length);
    rate("reset", reset, d.reset);
    rate("truncate", truncate, d.truncate);
    rate("slow-upload", slow_upload, d.slow_upload);
    rate("slow-upload-ms", slow_upload_ms, d.slow_upload_ms);
    rate("latency", latency_ms, d.latency_ms);
    rate("jitter", jitter_ms, d.jitter_ms);
    return parts.empty() ? std::string("none") : fmt::format("{}", fmt::join(parts, ","));
}

Result<FaultSpec, std::string> parse_fault_spec(std::string_view spec) {
    FaultSpec out;
    spec = trim_view(spec);
    if (spec.empty() || spec == "none") {
        return out;
    }
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        const std::string_view item = trim_view(spec.substr(0, comma));
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        if (item.empty()) {
            continue;
        }
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            return unexpected(fmt::format("'{}': expected key=value", item));
        }
        const std::string_view key = trim_view(item.substr(0, eq));
        const std::string_view value = trim_view(item.substr(eq + 1));
        double* rate = nullptr;
        int* ms = nullptr;
        int max = 600'000;
        if (key == "5xx") {
            rate = &out.server_error;
        } else if (key == "504-after-write") {
            rate = &out.gateway_after_write;
        } else if (key == "429-storm") {
            rate = &out.storm;
        } else if (key == "reset") {
            rate = &out.reset;
        } else if (key == "truncate") {
            rate = &out.truncate;
        } else if (key == "slow-upload") {
            rate = &out.slow_upload;
        } else if (key == "storm-length") {
            ms = &out.storm_length;
            max = 10'000;
        } else if (key == "slow-upload-ms") {
            ms = &out.slow_upload_ms;
        } else if (key == "latency") {
            ms = &out.latency_ms;
        } else if (key == "jitter") {
            ms = &out.jitter_ms;
        } else {
            return unexpected(fmt::format(
                "unknown fault '{}' (known: 5xx, 504-after-write, 429-storm, storm-length, reset, "
                "truncate, slow-upload, slow-upload-ms, latency, jitter)",
                key));
        }
        if (rate != nullptr) {
            const auto v = parse_rate(value);
            if (!v) {
                return unexpected(
                    fmt::format("{}={}: expected a probability from 0 to 1", key, value));
            }
            *rate = *v;
        } else {
            const auto v = parse_ms(value, max);
            if (!v || (ms == &out.storm_length && *v < 1)) {
                return unexpected(fmt::format("{}={}: expected a whole number from {} to {}", key,
                                              value, ms == &out.storm_length ? 1 : 0, max));
            }
            *ms = *v;
        }
    }
    return out;
}

FaultInjector::FaultInjector(FaultSpec spec, std::uint64_t seed) : m_spec(spec), m_gen(seed) {
    // httplib (as packaged) writes without MSG_NOSIGNAL: a write to a connection this injector
    // reset must fail with EPIPE instead of ending the process.
    std::signal(SIGPIPE, SIG_IGN);
}

FaultPlan FaultInjector::draw(std::string_view method, std::string_view path, bool multipart) {
    std::lock_guard lock(m_mutex);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    double u[9];
    for (double& x : u) {
        x = uniform(m_gen);
    }
    const bool write = method != "GET" && method != "HEAD";
    (void)path;
    ++m_counts.requests;
    FaultPlan plan;
    plan.delay_ms = m_spec.latency_ms + static_cast<int>(std::floor(u[8] * (m_spec.jitter_ms + 1)));
    if (multipart && u[7] < m_spec.slow_upload) {
        plan.delay_ms += m_spec.slow_upload_ms;
        ++m_counts.slow_uploads;
    }
    if (m_storm_left > 0 || u[0] < m_spec.storm) {
        if (m_storm_left == 0) {
            m_storm_left = m_spec.storm_length;
            ++m_counts.storms;
        }
        --m_storm_left;
        ++m_counts.storm_429s;
        plan.kind = FaultPlan::Kind::storm;
        return plan;
    }
    if (u[1] < m_spec.server_error) {
        static constexpr int k_statuses[] = {500, 502, 503, 504};
        plan.kind = FaultPlan::Kind::server_error;
        plan.status = k_statuses[std::min(3, static_cast<int>(u[2] * 4))];
        ++m_counts.server_errors;
    } else if (write && u[3] < m_spec.gateway_after_write) {
        plan.kind = FaultPlan::Kind::gateway_after_write;
        ++m_counts.gateway_after_write;
    } else if (u[4] < m_spec.reset) {
        plan.kind = FaultPlan::Kind::reset;
        plan.cut = u[6];
        ++m_counts.resets;
    } else if (u[5] < m_spec.truncate) {
        plan.kind = FaultPlan::Kind::truncate;
        plan.cut = u[6];
        ++m_counts.truncations;
    }
    return plan;
}

FaultCounts FaultInjector::counts() const {
    std::lock_guard lock(m_mutex);
    return m_counts;
}

std::optional<ApiResponse> fault_response_before(const FaultPlan& plan, const std::string& path) {
    switch (plan.kind) {
    case FaultPlan::Kind::storm:
        return message_error(429, "Rate limit exceeded");
    case FaultPlan::Kind::server_error:
        if (plan.status == 502 || plan.status == 504) {
            // What a gateway in front of the service answers: not the service's JSON shapes.
            ApiResponse r;
            r.status = plan.status;
            r.content_type = "text/html";
            r.body = fmt::format("<html><body><h1>{} {}</h1></body></html>\n", plan.status,
                                 reason_phrase(plan.status));
            return r;
        }
        return regular_error(plan.status, path, reason_phrase(plan.status));
    default:
        return std::nullopt;
    }
}

void fault_rewrite_after(const FaultPlan& plan, const std::string& method, const std::string& path,
                         ApiResponse& response) {
    (void)path;
    if (plan.kind != FaultPlan::Kind::gateway_after_write || method == "GET" || method == "HEAD") {
        return;
    }
    // The write went through; the gateway gave up waiting for the answer.
    response = ApiResponse{};
    response.status = 504;
    response.content_type = "text/html";
    response.body = "<html><body><h1>504 Gateway Time-out</h1></body></html>\n";
}

void fault_cut_response(const FaultPlan& plan, const httplib::Request& req,
                        httplib::Response& res) {
    const bool reset = plan.kind == FaultPlan::Kind::reset;
    if (!reset && plan.kind != FaultPlan::Kind::truncate) {
        return;
    }
    const int local_port = req.local_port;
    const int remote_port = req.remote_port;
    if (reset && plan.cut < 0.25) {
        // Executed, and not one byte of the answer: reset before the status line.
        reset_connection(local_port, remote_port);
        return;
    }
    auto body = std::make_shared<std::string>(std::move(res.body));
    res.body.clear();
    std::string content_type = res.get_header_value("Content-Type");
    if (content_type.empty()) {
        content_type = "application/json";
    }
    res.headers.erase("Content-Type");
    const std::size_t declared = std::max<std::size_t>(body->size(), 1);
    const auto sent = std::min(
        body->size(), static_cast<std::size_t>(static_cast<double>(body->size()) * plan.cut));
    res.set_content_provider(
        declared, content_type,
        [body, sent, reset, local_port, remote_port](std::size_t offset, std::size_t,
                                                     httplib::DataSink& sink) {
            if (offset < sent) {
                sink.write(body->data() + offset, sent - offset);
            }
            if (reset) {
                reset_connection(local_port, remote_port);
            }
            return false; // httplib closes the connection short of the declared length
        });
}

std::string fault_log_tag(const FaultPlan& plan) {
    switch (plan.kind) {
    case FaultPlan::Kind::none:
        return plan.delay_ms > 0 ? fmt::format(" [fault: +{}ms]", plan.delay_ms) : std::string();
    case FaultPlan::Kind::server_error:
        return fmt::format(" [fault: {}]", plan.status);
    case FaultPlan::Kind::storm:
        return " [fault: 429-storm]";
    case FaultPlan::Kind::gateway_after_write:
        return " [fault: 504-after-write]";
    case FaultPlan::Kind::reset:
        return plan.cut < 0.25 ? " [fault: reset before answer]" : " [fault: reset in body]";
    case FaultPlan::Kind::truncate:
        return " [fault: truncate]";
    }
    return {};
}

std::string describe(const FaultCounts& c) {
    return fmt::format("{} requests: {} 5xx, {} storms ({} 429), {} 504 after write, {} resets, "
                       "{} truncated, {} slow uploads",
                       c.requests, c.server_errors, c.storms, c.storm_429s, c.gateway_after_write,
                       c.resets, c.truncations, c.slow_uploads);
}

} // namespace lexsync::sandbox
