#include <lexsync/http/rate_limiter.hpp>
#include <lexsync/http/retry.hpp>
#include <lexsync/http/stack.hpp>
#include <lexsync/http/wrappers.hpp>
#include <lexsync/util/safe_text.hpp>
#include <openssl/crypto.h>

namespace lexsync {

BearerToken::BearerToken(std::string v) : m_value(std::move(v)) {
    remember_secret(m_value);
}

BearerToken::~BearerToken() {
    if (!m_value.empty()) {
        OPENSSL_cleanse(m_value.data(), m_value.size());
    }
}

std::shared_ptr<RateLimiter> make_client_limiter(const ClientConfig& config, Clock& clock) {
    std::filesystem::path state_file;
    if (!config.limiter_dir.empty() && !config.token.empty()) {
        state_file = limiter_file_for(config.limiter_dir, config.base_url, config.token.reveal());
    }
    return make_rate_limiter(config.rate_per_second, config.burst, clock, state_file);
}

std::unique_ptr<http::Transport> make_transport_stack(const ClientConfig& config, Clock& clock,
                                                      std::unique_ptr<http::Transport> base,
                                                      ClientStats* stats,
                                                      const AuthLayer& auth_layer) {
    std::shared_ptr<RateLimiter> limiter =
        config.limiter ? config.limiter : make_client_limiter(config, clock);

    const std::string agent =
        config.user_agent.empty() ? std::string("lexsync/" LEXSYNC_VERSION) : config.user_agent;
    std::unique_ptr<http::Transport> t = std::make_unique<AuthTransport>(
        std::move(base), auth_layer ? BearerToken{} : config.token, agent);
    t = std::make_unique<RateLimitedTransport>(std::move(t), limiter, clock, config.on_wait);
    if (auth_layer) {
        t = auth_layer(std::move(t));
    }
    if (config.log != nullptr) {
        t = std::make_unique<LoggingTransport>(std::move(t), *config.log, clock, config.token,
                                               config.log_verbosity);
    }
    RetryPolicy policy;
    policy.max_attempts = config.max_attempts;
    policy.backoff_base = config.backoff_base;
    policy.backoff_cap = config.backoff_cap;
    policy.rate_limit_wait = config.rate_limit_wait;
    return std::make_unique<RetryTransport>(std::move(t), clock, policy, limiter, stats,
                                            JitterSource{}, config.on_wait);
}

} // namespace lexsync
