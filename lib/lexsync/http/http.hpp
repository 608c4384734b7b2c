// --- Interface ---
// The one-method transport interface and the values that cross it.
// Behaviour (auth, rate limit, retries, logging) is added by wrappers in lib/lexsync/*.hpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <lexsync/util/result.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lexsync::http {

enum class Method { get, post, put, del, head };

// Returns "GET", "POST", …
const char* method_name(Method m);

// True for methods that may be repeated without changing anything on the server.
inline bool is_safe(Method m) {
    return m == Method::get || m == Method::head;
}

// Case-insensitive header map (names are stored lower-case).
class Headers {
public:
    void set(std::string name, std::string value);
    void add(std::string name, std::string value); // keeps earlier values
    std::optional<std::string> get(std::string_view name) const;
    bool has(std::string_view name) const { return get(name).has_value(); }
    void erase(std::string_view name);
    // Overwrites the values of `name` (a copy's Authorization) before their memory is released,
    // and empties them.
    void wipe(std::string_view name);
    const std::vector<std::pair<std::string, std::string>>& items() const { return m_items; }

private:
    std::vector<std::pair<std::string, std::string>> m_items;
};

// One part of a multipart/form-data body.
struct FormPart {
    std::string name;
    std::string content;      // raw bytes
    std::string filename;     // empty for a plain field
    std::string content_type; // empty for a plain field
};

struct Request {
    Method method = Method::get;
    std::string url; // absolute URL including the query string
    Headers headers;
    std::string body;                                 // raw body (JSON); ignored when `form` is set
    std::vector<FormPart> form;                       // multipart/form-data parts; replayable
    std::optional<std::chrono::milliseconds> timeout; // overrides the transport's total timeout
};

struct Response {
    int status = 0;
    Headers headers;
    std::string body;
    bool ok() const { return status >= 200 && status < 300; }
};

// Why a request got no HTTP answer.
struct TransportError {
    enum class Kind {
        resolve, // DNS failure: the request was not sent
        connect, // connection refused/unreachable/connect timeout: not sent
        tls,     // TLS handshake or certificate failure: not sent
        timeout, // total timeout after sending: may have been executed
        send,    // failure while sending: may have been executed
        receive, // connection lost while reading the answer: may have been executed
        other,
    };
    Kind kind = Kind::other;
    std::string message;

    // True when the server provably did not receive the request.
    bool not_sent() const {
        return kind == Kind::resolve || kind == Kind::connect || kind == Kind::tls;
    }
};

using SendResult = Result<Response, TransportError>;

// The largest answer a transport accepts, by kind: JSON (a page of 250 documents is well below
// 1 MiB) and documents (PDFs and uploaded files; lexoffice accepts files up to 5 MB). A larger
// answer ends the request with a TransportError instead of exhausting memory.
inline constexpr std::size_t k_max_json_answer_bytes = std::size_t{32} << 20;
inline constexpr std::size_t k_max_document_answer_bytes = std::size_t{100} << 20;

// True when `request` asks for JSON (Accept: application/json, or no Accept header).
bool expects_json(const Request& request);
// The answer limit for `request`'s kind.
std::size_t max_answer_bytes(const Request& request);

// Sends one request and returns the server's answer, whatever its status, or why there was none.
class Transport {
public:
    virtual ~Transport() = default;
    virtual SendResult send(const Request& request) = 0;
};

} // namespace lexsync::http
