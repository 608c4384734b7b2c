// --- Interface ---
// Fault injection for the sandbox (`sandbox serve --faults SPEC --fault-seed N`): server errors
// before or after a write was executed, 429 storms, latency, connection resets and truncated
// bodies, drawn from one seeded generator so that a failing run can be replayed.
#pragma once

#include "sandbox/support.hpp"

#include <cstdint>
#include <lexsync/util/result.hpp>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace lexsync::sandbox {

// What a fault spec asks for; every rate is a probability per authenticated request.
struct FaultSpec {
    double server_error = 0;        // `5xx=`: 500/502/503/504 instead of executing
    double gateway_after_write = 0; // `504-after-write=`: a write is executed, then 504 answers
    double storm = 0;               // `429-storm=`: starts a run of `storm_length` 429 answers
    int storm_length = 8;           // `storm-length=`
    double reset = 0;               // `reset=`: executed, then the connection is reset (RST)
    double truncate = 0;            // `truncate=`: executed, the body is cut short and closed
    double slow_upload = 0;         // `slow-upload=`: a multipart upload is held before executing
    int slow_upload_ms = 2000;      // `slow-upload-ms=`
    int latency_ms = 0;             // `latency=`: added to every authenticated request
    int jitter_ms = 0;              // `jitter=`: random extra 0..N ms per request

    // True when the spec injects anything at all.
    bool any() const;
    // The canonical spec text (only the keys that differ from the defaults).
    std::string to_string() const;
};

// Parses "key=value,key=value" (keys as in FaultSpec's comments; rates from 0 to 1); an empty
// spec or "none" injects nothing. Returns a message naming the bad key or value.
Result<FaultSpec, std::string> parse_fault_spec(std::string_view spec);

// The fault chosen for one request.
struct FaultPlan {
    enum class Kind {
        none,
        server_error,        // answer `status` without executing
        storm,               // answer 429 without executing
        gateway_after_write, // execute, then answer 504
        reset,               // execute, then reset the connection after `cut` of the response
        truncate,            // execute, then send `cut` of the body under the full length
    };
    Kind kind = Kind::none;
    int status = 0;   // for server_error
    double cut = 0;   // share of the body sent before reset/truncate, in [0, 1)
    int delay_ms = 0; // latency, jitter and slow upload, waited before executing
};

// Counts of injected faults, for the log and tests.
struct FaultCounts {
    long requests = 0, server_errors = 0, storms = 0, storm_429s = 0, gateway_after_write = 0,
         resets = 0, truncations = 0, slow_uploads = 0;
};

// Draws FaultPlans from a seeded generator; thread-safe.
class FaultInjector {
public:
    FaultInjector(FaultSpec spec, std::uint64_t seed);

    // Chooses the fault for one authenticated request (always the same number of draws, so the
    // sequence depends only on the seed and the order of requests).
    FaultPlan draw(std::string_view method, std::string_view path, bool multipart);
    // The counts so far.
    FaultCounts counts() const;
    const FaultSpec& spec() const { return m_spec; }

private:
    FaultSpec m_spec;
    mutable std::mutex m_mutex;
    std::mt19937_64 m_gen;
    int m_storm_left = 0;
    FaultCounts m_counts;
};

// The answer that replaces execution (server_error, storm), or nullopt.
std::optional<ApiResponse> fault_response_before(const FaultPlan& plan, const std::string& path);

// After execution: turns the response of a write into a 504 for gateway_after_write.
void fault_rewrite_after(const FaultPlan& plan, const std::string& method, const std::string& path,
                         ApiResponse& response);

// After the response is complete: arranges the reset or truncation of `res` on the wire (for a
// reset before the status line, the connection of `req` is reset at once).
void fault_cut_response(const FaultPlan& plan, const httplib::Request& req, httplib::Response& res);

// " [fault: NAME]" for the request log, or "" for none.
std::string fault_log_tag(const FaultPlan& plan);

// "requests N, 5xx N, …" for the end-of-run summary.
std::string describe(const FaultCounts& counts);

} // namespace lexsync::sandbox
