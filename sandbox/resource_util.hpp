// --- Interface ---
// Helpers shared by the contact, voucher, file and payment resources: JSON member access, action
// results, the organisation's profile, Accept negotiation and the page envelope.
#pragma once

#include "sandbox/store.hpp"
#include "sandbox/support.hpp"

#include <lexsync/util/strings.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lexsync::sandbox {

// The member `key` of an object, or nullptr when absent, null or `obj` is no object.
const JsonValue* member(const JsonValue& obj, const char* key);
// The string member `key`, or "" when absent or not a string.
std::string member_string(const JsonValue& obj, const char* key);

// An action result {id, resourceUri, createdDate, updatedDate, version} for
// http://{host}/v1/{collection}/{id}, with a Location header when `location`.
ApiResponse action_result(int status, const ApiRequest& req, const std::string& collection,
                          const StoredResource& r, bool location);

// The organisation's profile as served by /v1/profile (an empty object when unknown).
JsonDocument organization_profile(Store& store, const std::string& org_id);

// The media types of an Accept header, lower case, parameters dropped ("*/*" when empty).
std::vector<std::string> accepted_types(const std::string& accept);

// A Spring page envelope around `content` (already sliced) with an optional sort descriptor.
JsonDocument page_envelope(JsonValue& content, JsonAllocator& a, std::int64_t page,
                           std::int64_t size, std::int64_t total, const char* sort_property,
                           bool ascending);

// The display name of a contact: company name or "first last".
std::string contact_display_name(const JsonValue& contact);

} // namespace lexsync::sandbox
