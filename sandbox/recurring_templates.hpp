// --- Interface ---
// Recurring templates (reference §9.12): read-only in the API; templates are made in the web app,
// which the sandbox has not, so every organisation has none. The list answers an empty page with
// the documented paging and sort parameters, a single template 404.
#pragma once

#include "sandbox/support.hpp"

#include <optional>

namespace lexsync::sandbox::recurring_templates {

// GET /v1/recurring-templates[/{id}]; nullopt for other requests.
std::optional<ApiResponse> route(const ApiRequest& req);

} // namespace lexsync::sandbox::recurring_templates
