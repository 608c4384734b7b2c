// --- Interface ---
// Small building blocks of the emulator: API requests and responses independent of the HTTP
// library, the two error body formats, timestamps, ids, and the contact search matching rules.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <rapidjson/document.h>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lexsync::sandbox {

using JsonDocument = rapidjson::Document;
using JsonValue = rapidjson::Value;
using JsonAllocator = rapidjson::Document::AllocatorType;

// One request as the routes see it, after authentication.
struct ApiRequest {
    std::string method;
    std::string path; // decoded path without query, e.g. "/v1/contacts"
    std::multimap<std::string, std::string> params; // decoded query parameters
    std::string body;
    std::string content_type;
    std::string host;   // the request's Host header, used for resourceUri/Location
    std::string org_id; // the organisation the bearer key belongs to

    // The first value of query parameter `name`, or nullopt.
    std::optional<std::string> param(const std::string& name) const;
};

// One response: status, JSON body and extra headers.
struct ApiResponse {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

// One entry of a legacy `IssueList`.
struct Issue {
    std::string i18n_key; // e.g. "missing_entity"
    std::string source;   // e.g. "company.name"
};

// --- Responses ---

// A 2xx/any response with `body` serialised compactly.
ApiResponse json_response(int status, const JsonValue& body);
// Legacy format (contacts, files, vouchers): {"IssueList":[…]}, plus "message" when given.
ApiResponse legacy_error(int status, const std::vector<Issue>& issues,
                         const std::string& message = {});
// Regular format: timestamp, status, error, path, traceId, message and optional details.
ApiResponse regular_error(int status, const std::string& path, const std::string& message);
// Bare {"message": …}.
ApiResponse message_error(int status, const std::string& message);
// The reason phrase of an HTTP status ("Not Acceptable").
std::string reason_phrase(int status);

// --- JSON ---

// Compact serialisation.
std::string to_json(const JsonValue& v);
// A string value copied into `a`.
JsonValue json_str(std::string_view s, JsonAllocator& a);

// --- Time and ids ---

// Formats `t` as yyyy-MM-dd'T'HH:mm:ss.SSSXXX in Europe/Berlin time (+01:00 / +02:00 by EU DST).
std::string format_berlin(std::chrono::system_clock::time_point t);
// The current time in that format.
std::string now_timestamp();
// A random (version 4) UUID in lower case.
std::string new_uuid();
// True for a UUID in canonical 8-4-4-4-12 hex form (any case).
bool is_uuid(std::string_view s);
// A random hex string of `n` characters (trace ids).
std::string random_hex(std::size_t n);
// Lower-case hex SHA-256 of `s` (API keys are stored hashed).
std::string sha256_hex(std::string_view s);

// --- Search matching ---

// HTML-escapes `&`, `<`, `>` the way the service stores searchable text.
std::string html_escape(std::string_view s);
// True when `pattern` occurs in `text` as an SQL LIKE pattern: `_` one character, `%` any run,
// `\` escapes the next character; case-insensitive (ASCII and Latin-1 letters), matched per UTF-8
// code point, anywhere in the text (substring).
bool like_contains(std::string_view text, std::string_view pattern);
// Case-folded text for sorting.
std::string fold_case(std::string_view s);
// Number of UTF-8 code points in `s`.
std::size_t utf8_length(std::string_view s);

// Parses a non-negative or negative decimal integer strictly (no spaces, no sign but '-').
std::optional<std::int64_t> parse_int(std::string_view s);

} // namespace lexsync::sandbox
