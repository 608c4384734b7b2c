// --- Interface ---
// The transport stack of one API client: its settings (ClientConfig), the credential it sends
// (BearerToken), its request counters, and the one builder that stacks retry, logging, the rate
// limiter and authentication over the libcurl transport (or a test's fake).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <lexsync/http/http.hpp>
#include <lexsync/util/clock.hpp>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

namespace lexsync {

class RateLimiter;

// A bearer token (or any other credential) that is wiped from memory when destroyed and never
// printed: making one remembers its value for redact() (lexsync/util/safe_text.hpp), so no message
// repeats it, whoever echoes it.
class BearerToken {
public:
    BearerToken() = default;
    explicit BearerToken(std::string v);
    BearerToken(const BearerToken&) = default;
    BearerToken& operator=(const BearerToken&) = default;
    ~BearerToken();
    const std::string& reveal() const { return m_value; }
    bool empty() const { return m_value.empty(); }

private:
    std::string m_value;
};

// Request counters of one client (for summaries and benchmarks).
struct ClientStats {
    long requests = 0;     // requests handed to the transport (including retries)
    long retries = 0;      // of which were retries
    long rate_limited = 0; // 429 answers seen
    long unauthorized = 0; // 401 answers seen

    // Adds every count of `other` (the lanes' stats into the run's).
    ClientStats& operator+=(const ClientStats& other) {
        requests += other.requests;
        retries += other.retries;
        rate_limited += other.rate_limited;
        unauthorized += other.unauthorized;
        return *this;
    }
};
// A new count belongs in operator+= above too.
static_assert(sizeof(ClientStats) == 4 * sizeof(long), "ClientStats::operator+= adds every field");

struct ClientConfig {
    std::string base_url = "https://api.lexware.io";
    BearerToken token;
    double rate_per_second = 2.0; // token bucket refill
    int burst = 2;                // local bucket capacity (the API's is about 4)
    // Directory holding the limiter state shared by all lexsync processes on one key and host;
    // empty means the limit is only shared within this process.
    std::filesystem::path limiter_dir;
    // How long one request waits out 429 answers in all before the 429 is an error.
    std::chrono::milliseconds rate_limit_wait{900'000};
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds total_timeout{60'000};
    std::optional<std::filesystem::path> ca_bundle;
    int max_attempts = 6; // per request, including the first
    std::chrono::milliseconds backoff_base{500};
    std::chrono::milliseconds backoff_cap{30'000};
    std::ostream* log = nullptr; // verbose request log (redacted); nullptr for none
    int log_verbosity = 1;       // 1 lines, 2 headers, 3 bodies
    std::string user_agent;      // default "lexsync/<version>"
    WaitHook on_wait;            // told before each wait for the limiter or a retry
    // The limiter of several stacks on one key (requests in flight side by side draw from one
    // budget); none: the stack makes its own (make_client_limiter).
    std::shared_ptr<RateLimiter> limiter;
};

// The rate limiter for `config`'s key and host: shared through a file in config.limiter_dir
// with every lexsync process on them, in-process only without one.
std::shared_ptr<RateLimiter> make_client_limiter(const ClientConfig& config, Clock& clock);

// A layer that authenticates each attempt itself (OAuth: a token that may be refreshed between
// attempts), put between the rate limiter and the log.
using AuthLayer =
    std::function<std::unique_ptr<http::Transport>(std::unique_ptr<http::Transport> inner)>;

// Builds the full stack: retry (outermost) → logging → `auth_layer` (if any) → rate limit →
// auth/user agent → `base`, so that every attempt is rate limited and logged. The limiter is
// config.limiter, else make_client_limiter's. With an `auth_layer` the auth layer below sends the
// user agent only; config.token is then just what the log masks.
// `base` is usually a CurlTransport; tests pass a fake.
std::unique_ptr<http::Transport> make_transport_stack(const ClientConfig& config, Clock& clock,
                                                      std::unique_ptr<http::Transport> base,
                                                      ClientStats* stats = nullptr,
                                                      const AuthLayer& auth_layer = {});

// Creates the libcurl transport configured from `config` (timeouts, CA bundle, proxy from env).
std::unique_ptr<http::Transport> make_curl_transport(const ClientConfig& config);

} // namespace lexsync
