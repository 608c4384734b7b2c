#include "sandbox/support.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <random>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <stdexcept>

namespace lexsync::sandbox {

std::optional<std::string> ApiRequest::param(const std::string& name) const {
    const auto it = params.find(name);
    if (it == params.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::string to_json(const JsonValue& v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

JsonValue json_str(std::string_view s, JsonAllocator& a) {
    JsonValue v;
    v.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
    return v;
}

ApiResponse json_response(int status, const JsonValue& body) {
    ApiResponse r;
    r.status = status;
    r.body = to_json(body);
    return r;
}

std::string reason_phrase(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 409:
        return "Conflict";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    default:
        return "Error";
    }
}

ApiResponse legacy_error(int status, const std::vector<Issue>& issues, const std::string& message) {
    JsonDocument d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    JsonValue list(rapidjson::kArrayType);
    for (const auto& issue : issues) {
        JsonValue item(rapidjson::kObjectType);
        item.AddMember("i18nKey", json_str(issue.i18n_key, a), a);
        item.AddMember("source", json_str(issue.source, a), a);
        item.AddMember("type", "validation_failure", a);
        item.AddMember("additionalData", JsonValue(rapidjson::kNullType), a);
        item.AddMember("args", JsonValue(rapidjson::kNullType), a);
        list.PushBack(item, a);
    }
    d.AddMember("IssueList", list, a);
    if (!message.empty()) {
        d.AddMember("message", json_str(message, a), a);
    }
    return json_response(status, d);
}

ApiResponse regular_error(int status, const std::string& path, const std::string& message) {
    JsonDocument d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("timestamp", json_str(now_timestamp(), a), a);
    d.AddMember("status", status, a);
    d.AddMember("error", json_str(reason_phrase(status), a), a);
    d.AddMember("path", json_str(path, a), a);
    d.AddMember("traceId", json_str(random_hex(12), a), a);
    d.AddMember("message", json_str(message, a), a);
    return json_response(status, d);
}

ApiResponse message_error(int status, const std::string& message) {
    JsonDocument d(rapidjson::kObjectType);
    d.AddMember("message", json_str(message, d.GetAllocator()), d.GetAllocator());
    return json_response(status, d);
}

namespace {

// True when Europe/Berlin observes summer time at `t` (EU rule: from the last Sunday of March,
// 01:00 UTC, to the last Sunday of October, 01:00 UTC).
bool berlin_dst(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year y = year_month_day(day).year();
    const sys_days march = sys_days(y / March / Sunday[last]);
    const sys_days october = sys_days(y / October / Sunday[last]);
    const auto start = march + hours(1);
    const auto end = october + hours(1);
    return t >= start && t < end;
}

} // namespace

std::string format_berlin(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const bool dst = berlin_dst(t);
    const auto local = floor<milliseconds>(t) + hours(dst ? 2 : 1);
    const auto day = floor<days>(local);
    const year_month_day ymd(day);
    const hh_mm_ss<milliseconds> tod(local - day);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ld%s",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long>(tod.hours().count()),
                  static_cast<long>(tod.minutes().count()),
                  static_cast<long>(tod.seconds().count()),
                  static_cast<long>(tod.subseconds().count()), dst ? "+02:00" : "+01:00");
    return buf;
}

std::string now_timestamp() {
    return format_berlin(std::chrono::system_clock::now());
}

namespace {

void random_bytes(unsigned char* out, std::size_t n) {
    if (RAND_bytes(out, static_cast<int>(n)) != 1) {
        // Fall back to the standard generator; ids need not be cryptographically strong.
        static thread_local std::mt19937_64 gen{std::random_device{}()};
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = static_cast<unsigned char>(gen() & 0xffU);
        }
    }
}

constexpr const char* k_hex = "0123456789abcdef";

} // namespace

std::string new_uuid() {
    std::array<unsigned char, 16> b{};
    random_bytes(b.data(), b.size());
    b[6] = static_cast<unsigned char>((b[6] & 0x0fU) | 0x40U);
    b[8] = static_cast<unsigned char>((b[8] & 0x3fU) | 0x80U);
    std::string s;
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            s += '-';
        }
        s += k_hex[b[i] >> 4];
        s += k_hex[b[i] & 0x0fU];
    }
    return s;
}

bool is_uuid(std::string_view s) {
    if (s.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return false;
            }
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

std::string random_hex(std::size_t n) {
    std::vector<unsigned char> b((n + 1) / 2);
    random_bytes(b.data(), b.size());
    std::string s;
    for (unsigned char c : b) {
        s += k_hex[c >> 4];
        s += k_hex[c & 0x0fU];
    }
    s.resize(n);
    return s;
}

std::string sha256_hex(std::string_view s) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += k_hex[md[i] >> 4];
        out += k_hex[md[i] & 0x0fU];
    }
    return out;
}

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

namespace {

// Decodes UTF-8 leniently (invalid bytes become code points 0xDC80+byte).
std::u32string decode_utf8(std::string_view s) {
    std::u32string out;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        int extra = 0;
        char32_t cp = 0;
        if (c < 0x80) {
            cp = c;
        } else if ((c & 0xe0U) == 0xc0U) {
            extra = 1;
            cp = c & 0x1fU;
        } else if ((c & 0xf0U) == 0xe0U) {
            extra = 2;
            cp = c & 0x0fU;
        } else if ((c & 0xf8U) == 0xf0U) {
            extra = 3;
            cp = c & 0x07U;
        } else {
            out += static_cast<char32_t>(0xdc80U + c);
            ++i;
            continue;
        }
        if (i + static_cast<std::size_t>(extra) >= s.size()) {
            out += static_cast<char32_t>(0xdc80U + c);
            ++i;
            continue;
        }
        bool ok = true;
        for (int k = 1; k <= extra; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            if ((cc & 0xc0U) != 0x80U) {
                ok = false;
                break;
            }
            cp = (cp << 6) | (cc & 0x3fU);
        }
        if (!ok) {
            out += static_cast<char32_t>(0xdc80U + c);
            ++i;
            continue;
        }
        out += cp;
        i += static_cast<std::size_t>(extra) + 1;
    }
    return out;
}

char32_t fold(char32_t c) {
    if (c >= U'A' && c <= U'Z') {
        return c + 32;
    }
    // Latin-1 upper-case letters (À…Þ without ×).
    if (c >= 0xc0 && c <= 0xde && c != 0xd7) {
        return c + 32;
    }
    return c;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp >= 0xdc80 && cp <= 0xdcff) {
        out += static_cast<char>(cp - 0xdc80);
    } else if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

// One token of a LIKE pattern.
struct Token {
    enum class Kind { literal, one, any } kind;
    char32_t ch = 0;
};

} // namespace

std::size_t utf8_length(std::string_view s) {
    return decode_utf8(s).size();
}

std::string fold_case(std::string_view s) {
    std::string out;
    for (char32_t c : decode_utf8(s)) {
        append_utf8(out, fold(c));
    }
    return out;
}

bool like_contains(std::string_view text, std::string_view pattern) {
    // [U] The service is documented to support `_`, `%` and `\` with substring semantics and to
    // compare case-insensitively; the exact collation is not documented.
    std::vector<Token> tokens{{Token::Kind::any, 0}};
    const std::u32string p = decode_utf8(pattern);
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p[i] == U'\\' && i + 1 < p.size()) {
            tokens.push_back({Token::Kind::literal, fold(p[++i])});
        } else if (p[i] == U'_') {
            tokens.push_back({Token::Kind::one, 0});
        } else if (p[i] == U'%') {
            tokens.push_back({Token::Kind::any, 0});
        } else {
            tokens.push_back({Token::Kind::literal, fold(p[i])});
        }
    }
    tokens.push_back({Token::Kind::any, 0});
    std::u32string t = decode_utf8(text);
    for (auto& c : t) {
        c = fold(c);
    }
    // match[j]: tokens[0..j) match the text prefix consumed so far.
    std::vector<char> match(tokens.size() + 1, 0);
    match[0] = 1;
    for (std::size_t j = 0; j < tokens.size(); ++j) {
        match[j + 1] = match[j] && tokens[j].kind == Token::Kind::any;
    }
    for (char32_t c : t) {
        std::vector<char> next(tokens.size() + 1, 0);
        for (std::size_t j = 0; j < tokens.size(); ++j) {
            const Token& tok = tokens[j];
            if (tok.kind == Token::Kind::any) {
                next[j + 1] = next[j + 1] || match[j + 1] || next[j];
            } else if (match[j] && (tok.kind == Token::Kind::one || tok.ch == c)) {
                next[j + 1] = 1;
            }
        }
        // Epsilon moves through `%` tokens.
        for (std::size_t j = 0; j < tokens.size(); ++j) {
            if (tokens[j].kind == Token::Kind::any && next[j]) {
                next[j + 1] = 1;
            }
        }
        match.swap(next);
    }
    return match[tokens.size()] != 0;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
    if (s.empty()) {
        return std::nullopt;
    }
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

} // namespace lexsync::sandbox
