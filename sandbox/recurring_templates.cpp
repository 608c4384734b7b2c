#include "sandbox/recurring_templates.hpp"

#include "sandbox/resource_util.hpp"

#include <string>

namespace lexsync::sandbox::recurring_templates {

namespace {

constexpr const char* k_path = "/v1/recurring-templates";
constexpr std::int64_t k_default_size = 25;
constexpr std::int64_t k_max_size = 250; // documented maximum (§4.2)

ApiResponse bad(const ApiRequest& req, const std::string& message) {
    return regular_error(400, req.path, message);
}

// GET /v1/recurring-templates?page=&size=&sort=: an empty page.
ApiResponse list(const ApiRequest& req) {
    std::int64_t page = 0;
    std::int64_t size = k_default_size;
    if (const auto p = req.param("page")) {
        const auto v = parse_int(*p);
        if (!v || *v < 0) {
            return bad(req, "Invalid value '" + *p + "' received for request parameter 'page'");
        }
        page = *v;
    }
    if (const auto s = req.param("size")) {
        const auto v = parse_int(*s);
        if (!v) {
            return bad(req, "Invalid value '" + *s + "' received for request parameter 'size'");
        }
        // [U] Measured for the voucher list, assumed alike here.
        if (*v > k_max_size) {
            return bad(req, "parameter 'size' must be equal or lower than 250");
        }
        size = *v < 1 ? k_default_size : *v;
    }
    // Default createdDate DESC; sortable by createdDate, updatedDate, nextExecutionDate and
    // lastExecutionDate with ,ASC or ,DESC (§4.3).
    std::string property = "createdDate";
    bool ascending = false;
    if (const auto s = req.param("sort")) {
        const auto comma = s->find(',');
        property = s->substr(0, comma);
        const std::string direction =
            comma == std::string::npos ? "DESC" : ascii_lower(s->substr(comma + 1));
        const bool known = property == "createdDate" || property == "updatedDate" ||
                           property == "nextExecutionDate" || property == "lastExecutionDate";
        if (!known || (comma != std::string::npos && direction != "asc" && direction != "desc")) {
            return bad(req, "parameter 'sort' is invalid"); // [U] text as for the voucher list
        }
        ascending = direction == "asc";
    }
    JsonDocument d;
    auto& a = d.GetAllocator();
    JsonValue content(rapidjson::kArrayType);
    const JsonDocument out = page_envelope(content, a, page, size, 0, property.c_str(), ascending);
    return json_response(200, out);
}

} // namespace

std::optional<ApiResponse> route(const ApiRequest& req) {
    const std::string& p = req.path;
    const std::string collection = k_path;
    if (req.method != "GET" || p.compare(0, collection.size(), collection) != 0) {
        return std::nullopt;
    }
    if (p.size() == collection.size()) {
        return list(req);
    }
    if (p[collection.size()] == '/' && p.find('/', collection.size() + 1) == std::string::npos) {
        return regular_error(404, p, "Resource not found");
    }
    return std::nullopt;
}

} // namespace lexsync::sandbox::recurring_templates
