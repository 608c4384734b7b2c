// --- Interface ---
// One typed error for every way an API call can fail, plus the exit-code table.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace lexsync {

// The documented exit codes (README "Exit codes", `lexsync --help`).
enum class ExitCode : int {
    ok = 0,
    error = 1,         // the API refused a request, or an unexpected failure
    usage = 2,         // bad command line
    config = 3,        // configuration, credentials or authentication
    partial = 4,       // a batch finished with some items failed
    network = 5,       // network or rate limit still failing after the last retry
    invalid_input = 6, // an input file is invalid; nothing was sent
};

// One field-level problem reported by the API or found in local input.
struct FieldIssue {
    std::string field;   // e.g. "company.name" or "lineItems[0].unitPrice"
    std::string message; // e.g. "missing_entity" or "darf nicht leer sein"
};

// What went wrong with a request: an HTTP error status, a transport failure, or a bad body.
struct ApiError {
    enum class Kind {
        http,         // the server answered with a non-2xx status
        network,      // no usable answer (connection, timeout, TLS)
        protocol,     // the answer could not be understood (bad JSON, unexpected shape)
        auth,         // 401/403
        not_found,    // 404
        conflict,     // 409, or a 406 naming `version` (stale optimistic lock)
        validation,   // 406 or 400 with field details
        rate_limited, // 429 still after the last retry
    };
    Kind kind = Kind::http;
    int status = 0;      // HTTP status, 0 when there was none
    std::string message; // human readable, never contains secrets
    std::vector<FieldIssue> details;
    std::string trace_id;
    // True when a write may have been executed although it failed (timeout, 5xx after sending).
    bool maybe_executed = false;

    // Renders "message (status 406): field: reason; …" for people.
    std::string describe() const;
    // The exit code this error maps to.
    ExitCode exit_code() const;
};

// The exception the command layer throws; only `run()` catches it.
class Error : public std::runtime_error {
public:
    Error(ExitCode code, const std::string& message) : std::runtime_error(message), m_code(code) {}
    ExitCode code() const { return m_code; }

private:
    ExitCode m_code;
};

// Throws an Error built from `e` (with `context` in front of the message).
[[noreturn]] void throw_api_error(const ApiError& e, const std::string& context = {});

// Returns the value of `r` or throws the Error its ApiError maps to.
template <class R> decltype(auto) value_or_throw(R&& r, const std::string& context = {}) {
    if (!r) {
        throw_api_error(r.error(), context);
    }
    return std::forward<R>(r).value();
}

} // namespace lexsync
