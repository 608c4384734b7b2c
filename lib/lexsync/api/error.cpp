#include <fmt/format.h>
#include <lexsync/api/error.hpp>

namespace lexsync {

std::string ApiError::describe() const {
    std::string out = message.empty() ? std::string("request failed") : message;
    if (status != 0) {
        out += fmt::format(" (HTTP {})", status);
    }
    if (!details.empty()) {
        out += ": ";
        bool first = true;
        for (const auto& d : details) {
            if (!first) {
                out += "; ";
            }
            first = false;
            if (d.field.empty()) {
                out += d.message;
            } else {
                out += d.field + ": " + d.message;
            }
        }
    }
    return out;
}

ExitCode ApiError::exit_code() const {
    switch (kind) {
    case Kind::auth:
        return ExitCode::config;
    case Kind::network:
    case Kind::rate_limited:
        return ExitCode::network;
    default:
        return ExitCode::error;
    }
}

void throw_api_error(const ApiError& e, const std::string& context) {
    const std::string text = context.empty() ? e.describe() : context + ": " + e.describe();
    throw Error(e.exit_code(), text);
}

} // namespace lexsync
