// --- Interface ---
// The text of HTTP, shared by the client and the sandbox: URL encoding (RFC 3986),
// application/x-www-form-urlencoded forms and queries, HTTP dates, and the reason phrases of status
// codes.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lexsync {

// URL-encodes `s` (RFC 3986 unreserved kept, space as %20).
std::string url_encode(std::string_view s);

// Decodes one application/x-www-form-urlencoded component: `+` and %20 are a space, %XX in
// either case is its byte, a broken escape stays as it is.
std::string form_decode(std::string_view s);
// Encodes pairs as application/x-www-form-urlencoded (url_encode() for names and values).
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& pairs);
// The decoded name-value pairs of a form body or query string ("a=1&b=2"), in order: empty
// pairs are skipped, a name without `=` has an empty value.
std::vector<std::pair<std::string, std::string>> form_pairs(std::string_view s);

// Parses an HTTP date in the IMF-fixdate form RFC 9110 requires senders to use ("Sun, 06 Nov 1994
// 08:49:37 GMT"); nullopt for anything else.
std::optional<std::time_t> parse_http_date(std::string_view s);

// The RFC 9110 reason phrase of `status` ("HTTP error" for a status it does not know).
const char* reason_phrase(int status);

} // namespace lexsync
