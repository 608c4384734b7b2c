// --- Interface ---
// The lexoffice API emulator: an HTTP server on loopback that behaves like the service described
// in the API reference (authentication, rate limit, error formats, contacts, reference data, sales
// vouchers, the voucher list, bookkeeping vouchers, files and payments).
#pragma once

#include "sandbox/faults.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lexsync::sandbox {

// The fixed API key of the demo organisation.
inline constexpr const char* k_sandbox_api_key = "sandbox-api-key-lexsync-demo";

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;              // 0 = a free port
    std::string seed = "demo"; // demo | empty | path to a JSON seed file
    std::string state_file;    // empty = in memory; a file keeps everything across restarts
    double rate_per_second = 2.0;
    int burst = 4;
    bool rate_limit = true;
    bool retry_after_header = false;
    long listing_window = 10000; // 0 = unlimited
    int latency_ms = 0;
    int latency_jitter_ms = 0;
    // After POST /v1/files, GET of the new bookkeeping voucher answers 404 for this long (the
    // service's OCR delay); 0 = visible at once.
    int upload_visibility_delay_ms = 0;
    // The sandbox's clock runs this many days ahead (negative: behind) of the real one: what it
    // creates or changes is dated so (with a state file, such records keep their dates after a
    // restart with another shift), and the voucher list's today follows it.
    int time_shift_days = 0;
    // OAuth (/oauth2/*): access-token lifetime in seconds (0 = expired at once), and whether
    // every authorization request is refused with access_denied.
    long token_lifetime_seconds = 14399;
    bool oauth_deny = false;
    // Injected faults for authenticated requests (`--faults`), drawn from `fault_seed`.
    FaultSpec faults;
    std::uint64_t fault_seed = 0;
    // Webhooks: PEM RSA private key signing the callbacks (empty = generated at start), the
    // factor applied to the retry delays of §9.13 and the callbacks' read timeout.
    std::string webhook_key_file;
    double webhook_retry_scale = 1.0;
    int webhook_timeout_ms = 5000;
    bool deliver_webhooks = true; // false: callbacks go nowhere (the fuzz target)
    // Receives one line per request (method, path, status, duration; never credentials).
    std::function<void(const std::string&)> log;
};

class Server {
public:
    // Opens the state and applies the seed unless the state file was seeded before. Throws
    // std::runtime_error on a bad seed file or unusable state file.
    explicit Server(ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds the listening socket and returns the actual port; throws std::runtime_error.
    int bind();
    // Serves requests until stop() (call bind() first).
    void listen();
    // Stops listen(); safe from any thread and from signal-driven shutdown code.
    void stop();
    // Answers `request`, the bytes of one HTTP/1.1 request as a client sends them, in-process:
    // the same parser, limits, early checks and handlers as a connection, without a socket.
    // Returns the bytes of the answer. For tests/fuzz/fuzz_sandbox; needs no bind().
    std::string answer(std::string_view request);
    // "http://127.0.0.1:PORT" (the bound host and port).
    std::string base_url() const;
    // The PEM public key that verifies the webhook callbacks' X-Lxo-Signature.
    std::string webhook_public_key() const;
    // The faults injected so far (all zero without ServerOptions::faults).
    FaultCounts fault_counts() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace lexsync::sandbox
