#include <fmt/format.h>
#include <lexsync/api/client.hpp>
#include <lexsync/util/http_text.hpp>
#include <lexsync/util/safe_text.hpp>
#include <lexsync/util/strings.hpp>

namespace lexsync {

namespace {

constexpr std::size_t k_max_raw_body = 300;

std::string member_string(const json::Value& obj, const char* name) {
    if (!obj.IsObject()) {
        return {};
    }
    const auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsString()) {
        return {};
    }
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

// A violation on `version` that says the field is missing rather than stale.
bool means_missing(const std::string& key) {
    return key == "NOTNULL" || key == "NOTEMPTY" || key == "NOTBLANK" || key == "missing_entity";
}

std::string raw_body_excerpt(const std::string& body) {
    std::string s;
    for (char c : body) {
        s.push_back((c == '\n' || c == '\r' || c == '\t') ? ' ' : c);
        if (s.size() >= k_max_raw_body) {
            s += "…";
            break;
        }
    }
    while (!s.empty() && s.back() == ' ') {
        s.pop_back();
    }
    return s;
}

Result<json::Document, ApiError> parse_body(const http::Response& response) {
    std::string_view body = response.body;
    while (!body.empty() && (body.front() == ' ' || body.front() == '\n' || body.front() == '\r' ||
                             body.front() == '\t')) {
        body.remove_prefix(1);
    }
    if (body.empty()) {
        json::Document doc;
        doc.SetObject();
        return doc;
    }
    auto parsed = json::parse(body);
    if (!parsed) {
        ApiError e;
        e.kind = ApiError::Kind::protocol;
        e.status = response.status;
        e.message = "the API answered with invalid JSON (" + parsed.error() + ")";
        return unexpected(std::move(e));
    }
    return std::move(parsed).value();
}

// The error with every credential out of the server's text (a proxy or server that echoes the
// Authorization header or the key): from here it goes to messages and to JSON records alike.
ApiError without_secrets(ApiError e) {
    e.message = redact(e.message);
    e.trace_id = redact(e.trace_id);
    for (auto& d : e.details) {
        d.field = redact(d.field);
        d.message = redact(d.message);
    }
    return e;
}

} // namespace

std::string escape_wildcards(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '\\' || c == '_' || c == '%') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    return out;
}

ApiError error_from_response(const http::Response& response, http::Method method) {
    ApiError e;
    e.kind = ApiError::Kind::http;
    e.status = response.status;
    e.maybe_executed = response.status >= 500 && !http::is_safe(method);
    bool version_conflict = false;

    auto parsed = json::parse(response.body);
    bool understood = false;
    if (parsed && parsed->IsObject()) {
        const json::Value& root = *parsed;
        e.trace_id = member_string(root, "traceId");
        if (e.trace_id.empty()) {
            e.trace_id = member_string(root, "requestId");
        }
        const std::string message = member_string(root, "message");
        const std::string error = member_string(root, "error");
        const auto issues = root.FindMember("IssueList");
        const auto details = root.FindMember("details");
        if (issues != root.MemberEnd() && issues->value.IsArray()) {
            // Legacy format (contacts, files, vouchers).
            for (const auto& issue : issues->value.GetArray()) {
                FieldIssue fi{member_string(issue, "source"), member_string(issue, "i18nKey")};
                if (fi.message.empty()) {
                    fi.message = member_string(issue, "type");
                }
                if (fi.field == "version" && !means_missing(fi.message)) {
                    version_conflict = true;
                }
                e.details.push_back(std::move(fi));
            }
            e.message = message.empty() ? reason_phrase(response.status) : message;
            understood = true;
        } else if (details != root.MemberEnd() && details->value.IsArray()) {
            // Regular format (all other endpoints).
            for (const auto& d : details->value.GetArray()) {
                const std::string violation = member_string(d, "violation");
                FieldIssue fi{member_string(d, "field"), member_string(d, "message")};
                if (fi.message.empty()) {
                    fi.message = violation;
                }
                if (fi.field == "version" && !means_missing(violation) &&
                    !means_missing(fi.message)) {
                    version_conflict = true;
                }
                e.details.push_back(std::move(fi));
            }
            e.message = !message.empty() ? message
                        : !error.empty() ? error
                                         : reason_phrase(response.status);
            understood = true;
        } else if (!message.empty() || !error.empty()) {
            // Bare message, or the partner shape {"error": …, "message": …}.
            e.message = !message.empty() ? message : error;
            understood = true;
        } else if (root.HasMember("i18nKey")) {
            // One-off shape seen for a missing multipart part: {"i18nKey": …, "source": …}.
            e.message = reason_phrase(response.status);
            e.details.push_back({member_string(root, "source"), member_string(root, "i18nKey")});
            understood = true;
        }
    }
    if (!understood) {
        const std::string excerpt = raw_body_excerpt(response.body);
        e.message = excerpt.empty() ? reason_phrase(response.status) : excerpt;
    }

    const int s = response.status;
    if (s == 401 || s == 403) {
        e.kind = ApiError::Kind::auth;
    } else if (s == 404) {
        e.kind = ApiError::Kind::not_found;
    } else if (s == 409 || (s == 406 && version_conflict)) {
        e.kind = ApiError::Kind::conflict;
    } else if (s == 406 || s == 400 || s == 415) {
        e.kind = ApiError::Kind::validation;
    } else if (s == 429) {
        e.kind = ApiError::Kind::rate_limited;
    }
    return without_secrets(std::move(e));
}

ApiError error_from_transport(const http::TransportError& t, http::Method method) {
    ApiError e;
    e.kind = ApiError::Kind::network;
    e.status = 0;
    e.message = t.message.empty() ? std::string("network error") : t.message;
    e.maybe_executed = !http::is_safe(method) && !t.not_sent();
    return without_secrets(std::move(e));
}

ApiClient::ApiClient(std::string base_url, std::unique_ptr<http::Transport> transport)
    : m_base_url(std::move(base_url)), m_transport(std::move(transport)) {
    while (!m_base_url.empty() && m_base_url.back() == '/') {
        m_base_url.pop_back();
    }
}

std::string ApiClient::url(std::string_view path, const Query& query) const {
    std::string out;
    if (path.starts_with("https://") || path.starts_with("http://")) {
        // Absolute URLs (a `resourceUri`) are used as they are.
        out = std::string(path);
    } else {
        out = m_base_url;
        if (!path.empty() && path.front() != '/') {
            out.push_back('/');
        }
        out += path;
    }
    char sep = out.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [key, value] : query) {
        out.push_back(sep);
        sep = '&';
        out += url_encode(key);
        out.push_back('=');
        out += url_encode(value);
    }
    return out;
}

Result<http::Response, ApiError> ApiClient::send(http::Request request) {
    auto result = m_transport->send(request);
    if (!result) {
        return unexpected(error_from_transport(result.error(), request.method));
    }
    if (!result->ok()) {
        return unexpected(error_from_response(*result, request.method));
    }
    return std::move(result).value();
}

Result<json::Document, ApiError> ApiClient::get_json(std::string_view path, const Query& query) {
    http::Request r;
    r.method = http::Method::get;
    r.url = url(path, query);
    r.headers.set("Accept", "application/json");
    auto response = send(std::move(r));
    if (!response) {
        return unexpected(std::move(response).error());
    }
    return parse_body(*response);
}

Result<http::Response, ApiError> ApiClient::get_raw(std::string_view path, std::string_view accept,
                                                    const Query& query) {
    http::Request r;
    r.method = http::Method::get;
    r.url = url(path, query);
    r.headers.set("Accept", std::string(accept));
    return send(std::move(r));
}

Result<json::Document, ApiError> ApiClient::post_json(std::string_view path, std::string body,
                                                      const Query& query) {
    http::Request r;
    r.method = http::Method::post;
    r.url = url(path, query);
    r.headers.set("Accept", "application/json");
    r.headers.set("Content-Type", "application/json");
    r.body = std::move(body);
    auto response = send(std::move(r));
    if (!response) {
        return unexpected(std::move(response).error());
    }
    return parse_body(*response);
}

Result<json::Document, ApiError> ApiClient::put_json(std::string_view path, std::string body) {
    http::Request r;
    r.method = http::Method::put;
    r.url = url(path);
    r.headers.set("Accept", "application/json");
    r.headers.set("Content-Type", "application/json");
    r.body = std::move(body);
    auto response = send(std::move(r));
    if (!response) {
        return unexpected(std::move(response).error());
    }
    return parse_body(*response);
}

Result<json::Document, ApiError> ApiClient::post_form(std::string_view path,
                                                      std::vector<http::FormPart> parts) {
    http::Request r;
    r.method = http::Method::post;
    r.url = url(path);
    r.headers.set("Accept", "application/json");
    r.form = std::move(parts);
    auto response = send(std::move(r));
    if (!response) {
        return unexpected(std::move(response).error());
    }
    return parse_body(*response);
}

Result<Ok, ApiError> ApiClient::del(std::string_view path) {
    http::Request r;
    r.method = http::Method::del;
    r.url = url(path);
    r.headers.set("Accept", "application/json");
    auto response = send(std::move(r));
    if (!response) {
        return unexpected(std::move(response).error());
    }
    return Ok{};
}

} // namespace lexsync
