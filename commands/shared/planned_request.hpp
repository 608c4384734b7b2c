// --- Interface ---
// The one shape of a write that a --dry-run plans but does not send, as the commands print it:
// {"method": "POST", "url": "https://…/v1/contacts", "body": {…}}. The body is the request's
// JSON, embedded as JSON; a body that is not JSON (or none) leaves "body" out.
#pragma once

#include <lexsync/util/json.hpp>
#include <string>

namespace lexsync::commands {

// The planned request `method url` with `body`, its strings allocated in `a`.
json::Value planned_request(const std::string& method, const std::string& url,
                            const std::string& body, json::Allocator& a);

} // namespace lexsync::commands
