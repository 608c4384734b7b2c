#include <charconv>
#include <curl/curl.h>
#include <fmt/format.h>
#include <lexsync/http/curl_transport.hpp>
#include <lexsync/http/stack.hpp>

namespace lexsync {

namespace {

using http::TransportError;
using Kind = http::TransportError::Kind;

struct UrlParts {
    std::string scheme;
    std::string host;
};

std::optional<UrlParts> split_url(const std::string& url) {
    CURLU* h = curl_url();
    if (h == nullptr) {
        return std::nullopt;
    }
    std::optional<UrlParts> out;
    if (curl_url_set(h, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
        char* scheme = nullptr;
        char* host = nullptr;
        if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
            out = UrlParts{scheme, host};
        }
        curl_free(scheme);
        curl_free(host);
    }
    curl_url_cleanup(h);
    return out;
}

bool is_ipv4_loopback(std::string_view host) {
    int octets = 0;
    int first = -1;
    std::size_t pos = 0;
    while (pos <= host.size()) {
        std::size_t dot = host.find('.', pos);
        if (dot == std::string_view::npos) {
            dot = host.size();
        }
        const auto part = host.substr(pos, dot - pos);
        int value = -1;
        const auto res = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || res.ec != std::errc{} || res.ptr != part.data() + part.size() ||
            value < 0 || value > 255) {
            return false;
        }
        if (first < 0) {
            first = value;
        }
        ++octets;
        pos = dot + 1;
    }
    return octets == 4 && first == 127;
}

Kind kind_of(CURLcode code, bool request_started) {
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return Kind::resolve;
    case CURLE_COULDNT_CONNECT:
    case CURLE_PROXY:
        return Kind::connect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
        return Kind::tls;
    case CURLE_OPERATION_TIMEDOUT:
        // Timed out before the request went out (connect or handshake): it was not sent.
        return request_started ? Kind::timeout : Kind::connect;
    case CURLE_SEND_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
        return request_started ? Kind::send : Kind::connect;
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
        return Kind::receive;
    default:
        return Kind::other;
    }
}

const char* kind_text(Kind k) {
    switch (k) {
    case Kind::resolve:
        return "could not resolve host";
    case Kind::connect:
        return "could not connect";
    case Kind::tls:
        return "TLS failure";
    case Kind::timeout:
        return "timed out waiting for the answer";
    case Kind::send:
        return "failed sending the request";
    case Kind::receive:
        return "connection lost while reading the answer";
    case Kind::other:
        break;
    }
    return "request failed";
}

// Where the answer goes, and how much of it is accepted.
struct BodySink {
    std::string* body = nullptr;
    std::size_t max = 0;
    bool exceeded = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<BodySink*>(user);
    const std::size_t n = size * count;
    if (sink->body->size() + n > sink->max) {
        sink->exceeded = true;
        return 0; // libcurl stops the transfer with CURLE_WRITE_ERROR
    }
    sink->body->append(data, n);
    return n;
}

// Headers of one answer beyond this many bytes end the transfer (libcurl bounds a single line).
constexpr std::size_t k_max_header_bytes = 256 * 1024;

struct HeaderSink {
    http::Response* response = nullptr;
    std::size_t bytes = 0;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<HeaderSink*>(user);
    auto* response = sink->response;
    sink->bytes += size * count;
    if (sink->bytes > k_max_header_bytes) {
        return 0;
    }
    std::string_view line(data, size * count);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
        line.remove_suffix(1);
    }
    if (line.substr(0, 5) == "HTTP/") {
        // A new status line (after 1xx or a proxy CONNECT): only the final answer's headers count.
        response->headers = http::Headers{};
        return size * count;
    }
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && colon > 0) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        response->headers.add(std::string(line.substr(0, colon)), std::string(value));
    }
    return size * count;
}

struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct MimeDeleter {
    void operator()(curl_mime* m) const { curl_mime_free(m); }
};

// The TLS sessions and DNS answers every CurlTransport of the process shares: a fresh connection
// (every write gets one) resumes the TLS session of an earlier one instead of a full handshake.
// Each kind of data has its own lock, since the lanes' transports use it from several threads.
// Made once and never freed: easy handles may still use it while the process ends.
class Share {
public:
    static CURLSH* get() {
        static Share* const share = new Share();
        return share->m_share;
    }

private:
    Share() : m_share(curl_share_init()) {
        if (m_share == nullptr) {
            return;
        }
        curl_share_setopt(m_share, CURLSHOPT_LOCKFUNC, lock);
        curl_share_setopt(m_share, CURLSHOPT_UNLOCKFUNC, unlock);
        curl_share_setopt(m_share, CURLSHOPT_USERDATA, this);
        curl_share_setopt(m_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
        curl_share_setopt(m_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    }

    std::mutex& mutex_for(curl_lock_data data) {
        switch (data) {
        case CURL_LOCK_DATA_SSL_SESSION:
            return m_ssl;
        case CURL_LOCK_DATA_DNS:
            return m_dns;
        default:
            return m_share_data;
        }
    }
    static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
        static_cast<Share*>(self)->mutex_for(data).lock();
    }
    static void unlock(CURL*, curl_lock_data data, void* self) {
        static_cast<Share*>(self)->mutex_for(data).unlock();
    }

    CURLSH* m_share;
    std::mutex m_ssl;
    std::mutex m_dns;
    std::mutex m_share_data; // the share's own state
};

// The parts of `request`'s URL, refused unless it is https, or plain http to loopback.
Result<UrlParts, TransportError> checked_url(const http::Request& request) {
    auto parts = split_url(request.url);
    if (!parts) {
        return unexpected(TransportError{Kind::other, "invalid URL: " + request.url});
    }
    if (parts->scheme == "http") {
        if (!is_loopback_host(parts->host)) {
            return unexpected(TransportError{
                Kind::other,
                fmt::format("refusing plain http to {}: TLS (https://) is required for every host "
                            "except loopback (127.0.0.1, localhost, [::1])",
                            parts->host)});
        }
    } else if (parts->scheme != "https") {
        return unexpected(
            TransportError{Kind::other, "unsupported URL scheme '" + parts->scheme + "'"});
    }
    return std::move(*parts);
}

// The connection options of one request: TLS verification, proxies, timeouts, compression, and
// no silent repetition of a write.
void set_connection_options(CURL* c, const http::Request& request, const CurlOptions& options,
                            bool loopback) {
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (!http::is_safe(request.method)) {
        // libcurl silently sends a request again when a reused connection closes before any byte
        // of the answer arrives; for a write the server may already have executed, that is a
        // duplicate nobody sees (found by the soak test: reset after an executed POST). A write
        // on a fresh connection is never repeated by libcurl; the caller reconciles instead.
        curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
    }
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (options.ca_bundle) {
        curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_bundle->c_str());
    }
    if (loopback) {
        // Proxies from the environment apply to remote hosts only.
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    }
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    const auto total = request.timeout.value_or(options.total_timeout);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
}

// The header lines of `request` for libcurl: no Expect: 100-continue, and no Content-Type of
// its own for a multipart body (libcurl writes it with the boundary).
std::unique_ptr<curl_slist, SlistDeleter> header_list(const http::Request& request) {
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto add_header = [&](const std::string& line) {
        curl_slist* next = curl_slist_append(headers.get(), line.c_str());
        if (next != nullptr) {
            headers.release();
            headers.reset(next);
        }
    };
    const bool multipart = !request.form.empty();
    for (const auto& [name, value] : request.headers.items()) {
        if (multipart && name == "content-type") {
            continue;
        }
        add_header(value.empty() ? name + ";" : name + ": " + value);
    }
    add_header("Expect:");
    return headers;
}

// The multipart body of `request`, or none.
std::unique_ptr<curl_mime, MimeDeleter> mime_body(CURL* c, const http::Request& request) {
    std::unique_ptr<curl_mime, MimeDeleter> mime;
    if (request.form.empty()) {
        return mime;
    }
    mime.reset(curl_mime_init(c));
    for (const auto& part : request.form) {
        curl_mimepart* p = curl_mime_addpart(mime.get());
        curl_mime_name(p, part.name.c_str());
        curl_mime_data(p, part.content.data(), part.content.size());
        if (!part.filename.empty()) {
            curl_mime_filename(p, part.filename.c_str());
        }
        if (!part.content_type.empty()) {
            curl_mime_type(p, part.content_type.c_str());
        }
    }
    return mime;
}

// The method of `request` and its body (`mime` for a multipart one).
void set_method(CURL* c, const http::Request& request, curl_mime* mime) {
    auto set_body = [&]() {
        if (mime != nullptr) {
            curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
        } else {
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(request.body.size()));
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
        }
    };
    switch (request.method) {
    case http::Method::get:
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        break;
    case http::Method::head:
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        break;
    case http::Method::post:
        set_body();
        break;
    case http::Method::put:
        set_body();
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
        break;
    case http::Method::del:
        if (mime != nullptr || !request.body.empty()) {
            set_body();
        }
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
        break;
    }
}

} // namespace

struct CurlTransport::Handle {
    CURL* curl = nullptr;
    char error_buffer[CURL_ERROR_SIZE] = {};
};

bool is_loopback_host(std::string_view host) {
    if (host == "localhost" || host == "[::1]" || host == "::1") {
        return true;
    }
    return is_ipv4_loopback(host);
}

CurlTransport::CurlTransport(CurlOptions options)
    : m_handle(std::make_unique<Handle>()), m_options(std::move(options)) {
    m_handle->curl = curl_easy_init();
}

CurlTransport::~CurlTransport() {
    if (m_handle->curl != nullptr) {
        curl_easy_cleanup(m_handle->curl);
    }
}

http::SendResult CurlTransport::send(const http::Request& request) {
    const auto checked = checked_url(request);
    if (!checked) {
        return unexpected(checked.error());
    }
    const UrlParts* parts = &*checked;

    std::lock_guard lock(m_mutex);
    CURL* c = m_handle->curl;
    if (c == nullptr) {
        return unexpected(TransportError{Kind::other, "libcurl could not be initialised"});
    }
    // Reset keeps the connection cache, so the next request reuses the open connection.
    curl_easy_reset(c);
    m_handle->error_buffer[0] = '\0';

    http::Response response;
    set_connection_options(c, request, m_options, is_loopback_host(parts->host));
    if (CURLSH* share = Share::get()) {
        curl_easy_setopt(c, CURLOPT_SHARE, share);
    }
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, m_handle->error_buffer);
    BodySink body_sink{&response.body, http::max_answer_bytes(request)};
    HeaderSink header_sink{&response};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body_sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &header_sink);
    // A Content-Length above the limit is refused before the body is read.
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(body_sink.max));

    const auto headers = header_list(request);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    const auto mime = mime_body(c, request);
    set_method(c, request, mime.get());

    const CURLcode code = curl_easy_perform(c);
    // Unhook pointers to locals before they go out of scope.
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);

    if (body_sink.exceeded || code == CURLE_FILESIZE_EXCEEDED) {
        // Not retried (Kind::other): the same answer would come again.
        return unexpected(TransportError{
            Kind::other,
            fmt::format("{} {}: the answer is larger than {} MiB, the limit for {}",
                        http::method_name(request.method), parts->host, body_sink.max >> 20,
                        http::expects_json(request) ? "JSON answers" : "documents")});
    }
    if (header_sink.bytes > k_max_header_bytes) {
        return unexpected(
            TransportError{Kind::other, fmt::format("{} {}: the answer's headers exceed {} KiB",
                                                    http::method_name(request.method), parts->host,
                                                    k_max_header_bytes >> 10)});
    }
    if (code != CURLE_OK) {
        curl_off_t pretransfer = 0;
        curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
        const Kind kind = kind_of(code, pretransfer > 0);
        const std::string detail = m_handle->error_buffer[0] != '\0'
                                       ? std::string(m_handle->error_buffer)
                                       : std::string(curl_easy_strerror(code));
        return unexpected(
            TransportError{kind, fmt::format("{} {}: {}: {}", http::method_name(request.method),
                                             parts->host, kind_text(kind), detail)});
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
}

std::unique_ptr<http::Transport> make_curl_transport(const ClientConfig& config) {
    CurlOptions o;
    o.connect_timeout = config.connect_timeout;
    o.total_timeout = config.total_timeout;
    o.ca_bundle = config.ca_bundle;
    return std::make_unique<CurlTransport>(std::move(o));
}

std::string curl_library_version() {
    const curl_version_info_data* v = curl_version_info(CURLVERSION_NOW);
    return fmt::format("libcurl {} ({})", v->version, v->ssl_version ? v->ssl_version : "no TLS");
}

} // namespace lexsync
