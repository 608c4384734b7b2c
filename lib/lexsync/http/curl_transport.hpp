// --- Interface ---
// The libcurl transport: one reused connection (TLS sessions and DNS answers shared by every
// transport of the process), TLS verification always on, plain http only to loopback hosts. The
// only file that includes <curl/curl.h> is its implementation.
#pragma once

#include <chrono>
#include <filesystem>
#include <lexsync/http/http.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

namespace lexsync {

struct CurlOptions {
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds total_timeout{60'000}; // a Request's own timeout overrides it
    std::optional<std::filesystem::path> ca_bundle;  // extra CA file; none: the system store
};

// True for "localhost", "[::1]"/"::1" and any 127.0.0.0/8 address (where plain http is allowed).
bool is_loopback_host(std::string_view host);

// The version of the libcurl lexsync runs with and its TLS backend, e.g. "libcurl 7.88.1
// (OpenSSL/3.0.19)".
std::string curl_library_version();

// Sends requests with one libcurl easy handle, serialised by a mutex so connections are reused.
class CurlTransport final : public http::Transport {
public:
    explicit CurlTransport(CurlOptions options = {});
    ~CurlTransport() override;
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;

    http::SendResult send(const http::Request& request) override;

private:
    struct Handle;
    std::unique_ptr<Handle> m_handle;
    CurlOptions m_options;
    std::mutex m_mutex;
};

} // namespace lexsync
