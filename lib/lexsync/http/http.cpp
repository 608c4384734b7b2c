#include <algorithm>
#include <cctype>
#include <lexsync/http/http.hpp>
#include <lexsync/util/safe_text.hpp>
#include <lexsync/util/strings.hpp>

namespace lexsync::http {

const char* method_name(Method m) {
    switch (m) {
    case Method::get:
        return "GET";
    case Method::post:
        return "POST";
    case Method::put:
        return "PUT";
    case Method::del:
        return "DELETE";
    case Method::head:
        return "HEAD";
    }
    return "GET";
}

bool expects_json(const Request& request) {
    const auto accept = request.headers.get("accept");
    return !accept || ascii_lower(*accept).find("application/json") != std::string::npos;
}

std::size_t max_answer_bytes(const Request& request) {
    return expects_json(request) ? k_max_json_answer_bytes : k_max_document_answer_bytes;
}

void Headers::set(std::string name, std::string value) {
    erase(name);
    m_items.emplace_back(ascii_lower(name), std::move(value));
}

void Headers::add(std::string name, std::string value) {
    m_items.emplace_back(ascii_lower(name), std::move(value));
}

std::optional<std::string> Headers::get(std::string_view name) const {
    const std::string key = ascii_lower(name);
    for (const auto& [k, v] : m_items) {
        if (k == key) {
            return v;
        }
    }
    return std::nullopt;
}

void Headers::erase(std::string_view name) {
    const std::string key = ascii_lower(name);
    std::erase_if(m_items, [&](const auto& item) { return item.first == key; });
}

void Headers::wipe(std::string_view name) {
    const std::string key = ascii_lower(name);
    for (auto& [k, v] : m_items) {
        if (k == key) {
            wipe_secret(v);
        }
    }
}

} // namespace lexsync::http
