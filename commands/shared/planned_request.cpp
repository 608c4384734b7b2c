#include "commands/shared/planned_request.hpp"

namespace lexsync::commands {

json::Value planned_request(const std::string& method, const std::string& url,
                            const std::string& body, json::Allocator& a) {
    json::Value req(rapidjson::kObjectType);
    req.AddMember("method", json::str(method, a), a);
    req.AddMember("url", json::str(url, a), a);
    if (auto parsed = json::parse(body)) {
        json::Value b;
        b.CopyFrom(*parsed, a);
        req.AddMember("body", b, a);
    }
    return req;
}

} // namespace lexsync::commands
