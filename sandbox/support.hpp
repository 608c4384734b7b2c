// --- Interface ---
// Small building blocks of the emulator: API requests and responses independent of the HTTP
// library, the two error body formats, timestamps, ids, and the contact search matching rules.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <lexsync/util/berlin_time.hpp>
#include <lexsync/util/decimal.hpp>
#include <lexsync/util/encoding.hpp>
#include <lexsync/util/strings.hpp>
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

// One part of a multipart/form-data body.
struct FormPart {
    std::string name;
    std::string filename;
    std::string content_type;
    std::string content;
};

// One request as the routes see it, after authentication.
struct ApiRequest {
    std::string method;
    std::string path; // decoded path without query, e.g. "/v1/contacts"
    std::multimap<std::string, std::string> params; // decoded query parameters
    std::string body;
    std::string content_type;
    std::string host;            // the request's Host header, used for resourceUri/Location
    std::string org_id;          // the organisation the bearer key belongs to
    std::string accept;          // the Accept header ("" when absent)
    bool multipart = false;      // the body was multipart/form-data
    std::vector<FormPart> parts; // its parts (files and fields)

    // The first value of query parameter `name`, or nullopt.
    std::optional<std::string> param(const std::string& name) const;
    // The first multipart part named `name`, or nullptr.
    const FormPart* part(const std::string& name) const;
};

// One response: status, body (JSON unless `content_type` says otherwise) and extra headers.
struct ApiResponse {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string content_type; // empty = application/json
};

// One entry of the `details` list of a regular-format validation error.
struct Violation {
    std::string violation; // e.g. "NOTNULL"
    std::string field;     // e.g. "lineItems[0].unitPrice.taxRatePercentage"
    std::string message;
};

// One entry of a legacy `IssueList`.
struct Issue {
    std::string i18n_key; // e.g. "missing_entity"
    std::string source;   // e.g. "company.name"
};

// --- Responses ---

// A 2xx/any response with `body` serialised compactly.
ApiResponse json_response(int status, const JsonValue& body);
// Legacy format (contacts, files, vouchers): {"requestId", "IssueList":[{i18nKey, source, type}]}
// (reference §14: no top-level message, items without additionalData/args). A 400 has no
// requestId (as recorded) and carries `why` as "message", the measured texts of §4.2; other
// statuses do not send `why`.
ApiResponse legacy_error(int status, const std::vector<Issue>& issues, const std::string& why = {});
// Regular format: timestamp, status, error, path, traceId, requestId (§14), message and optional
// details.
ApiResponse regular_error(int status, const std::string& path, const std::string& message);
// Regular format 406 "Validation failed for request…" with a `details` list.
ApiResponse validation_error(const std::string& path, const std::vector<Violation>& details);
// Bare {"message": …}.
ApiResponse message_error(int status, const std::string& message);

// --- JSON ---

// Compact serialisation. Amounts are exact: values made by decimal_value() are written as their
// decimal text, and doubles (from parsed documents) as their shortest round-trip text.
std::string to_json(const JsonValue& v);
// A JSON number holding exactly `d` (a tagged string that to_json() writes as a bare number).
JsonValue decimal_value(Decimal d, JsonAllocator& a);
// A JSON number holding `d` written with at least `digits` (0..4) decimal places ("100.00"; a
// value with more places keeps them).
JsonValue fixed_value(Decimal d, int digits, JsonAllocator& a);
// Rewrites the numbers at `paths` of `v` as fixed_value(…, digits): "a.b" is member b of member
// a, "a[].b" member b of every item of array a; absent members and non-numbers are left alone.
// The live API writes money with two decimals (reference §14), which a parsed double loses.
void format_fixed(JsonValue& v, std::initializer_list<std::string_view> paths, int digits,
                  JsonAllocator& a);
// The exact decimal of a JSON number (or of a decimal_value()); nullopt for anything else or for
// more than 4 decimal places. Parse documents with rapidjson::kParseFullPrecisionFlag.
std::optional<Decimal> read_decimal(const JsonValue& v);
// Parses `text` (full precision) into `d`; false when it is not valid JSON.
bool parse_json(JsonDocument& d, std::string_view text);
// A string value copied into `a`.
JsonValue json_str(std::string_view s, JsonAllocator& a);

// --- Time and ids ---

// Formats `t` as yyyy-MM-dd'T'HH:mm:ss.SSSXXX in Europe/Berlin time (+01:00 / +02:00 by EU DST).
std::string format_berlin(std::chrono::system_clock::time_point t);
// The sandbox's current time: the real time shifted by set_time_shift (the dates it gives
// created and changed records, and today of the voucher list).
std::chrono::system_clock::time_point now();
// Shifts now() by `shift` (negative: into the past) for the whole process; the last Server
// constructed sets it (ServerOptions::time_shift_days).
void set_time_shift(std::chrono::seconds shift);
// now() in that format.
std::string now_timestamp();
// Parses the API's strict timestamp yyyy-MM-dd'T'HH:mm:ss.SSS followed by `Z` or ±hh:mm.
std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view s);
// Parses a date yyyy-MM-dd (a real calendar date).
std::optional<std::chrono::year_month_day> parse_date(std::string_view s);
// Whether `date` lies in 1900..2199, the years an instant of the store can hold (system_clock
// counts nanoseconds in 64 bits and ends in 2262). No bookkeeping date is near either end.
bool storable_date(std::chrono::year_month_day date);
// yyyy-MM-dd.
std::string format_date(std::chrono::year_month_day date);
// A random (version 4) UUID in lower case.
std::string new_uuid();
// A random hex string of `n` characters (trace ids).
std::string random_hex(std::size_t n);

// --- Search matching ---

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
