#include "sandbox/support.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <lexsync/util/berlin_time.hpp>
#include <lexsync/util/http_text.hpp>
#include <lexsync/util/json.hpp>
#include <lexsync/util/json_guard.hpp>
#include <lexsync/util/strings.hpp>
#include <lexsync/util/utf8.hpp>
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

const FormPart* ApiRequest::part(const std::string& name) const {
    for (const auto& p : parts) {
        if (p.name == name) {
            return &p;
        }
    }
    return nullptr;
}

namespace {

// The tag of decimal_value() strings: control characters no API text starts with; the payload
// must also parse as a decimal before it is written as a number.
constexpr std::string_view k_decimal_tag = "\x01\x02"
                                           "dec:";

// A decimal written with a fixed number of places: the tag, one digit 0..4, then the decimal.
constexpr std::string_view k_fixed_tag = "\x01\x02"
                                         "fix:";

std::optional<Decimal> tagged_decimal(std::string_view s) {
    if (s.substr(0, k_fixed_tag.size()) == k_fixed_tag && s.size() > k_fixed_tag.size()) {
        return Decimal::parse(s.substr(k_fixed_tag.size() + 1));
    }
    if (s.substr(0, k_decimal_tag.size()) != k_decimal_tag) {
        return std::nullopt;
    }
    return Decimal::parse(s.substr(k_decimal_tag.size()));
}

// The text of a tagged decimal as to_json() writes it, or nullopt for other strings.
std::optional<std::string> tagged_text(std::string_view s) {
    if (s.substr(0, k_fixed_tag.size()) == k_fixed_tag && s.size() > k_fixed_tag.size()) {
        const int digits = s[k_fixed_tag.size()] - '0';
        const auto d = Decimal::parse(s.substr(k_fixed_tag.size() + 1));
        if (!d || digits < 0 || digits > Decimal::k_scale_digits) {
            return std::nullopt;
        }
        // At least `digits` places, never rounding a value away.
        const std::string shortest = d->to_string();
        const auto dot = shortest.find('.');
        const int needed =
            dot == std::string::npos ? 0 : static_cast<int>(shortest.size() - dot - 1);
        return d->to_fixed(std::max(digits, needed));
    }
    if (const auto d = tagged_decimal(s)) {
        return d->to_string();
    }
    return std::nullopt;
}

// A SAX handler in front of rapidjson's Writer that writes amounts as exact decimal text.
class ExactWriter {
public:
    explicit ExactWriter(rapidjson::StringBuffer& buf) : m_w(buf) {}
    bool Null() { return m_w.Null(); }
    bool Bool(bool b) { return m_w.Bool(b); }
    bool Int(int i) { return m_w.Int(i); }
    bool Uint(unsigned u) { return m_w.Uint(u); }
    bool Int64(std::int64_t i) { return m_w.Int64(i); }
    bool Uint64(std::uint64_t u) { return m_w.Uint64(u); }
    bool Double(double d) {
        const auto text = lexsync::json::number_text(JsonValue(d));
        if (!text) {
            return m_w.Null();
        }
        return m_w.RawValue(text->data(), text->size(), rapidjson::kNumberType);
    }
    bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
        return m_w.RawNumber(s, n, copy);
    }
    bool String(const char* s, rapidjson::SizeType n, bool copy) {
        if (const auto text = tagged_text(std::string_view(s, n))) {
            return m_w.RawValue(text->data(), text->size(), rapidjson::kNumberType);
        }
        return m_w.String(s, n, copy);
    }
    bool StartObject() { return m_w.StartObject(); }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) { return m_w.Key(s, n, copy); }
    bool EndObject(rapidjson::SizeType n) { return m_w.EndObject(n); }
    bool StartArray() { return m_w.StartArray(); }
    bool EndArray(rapidjson::SizeType n) { return m_w.EndArray(n); }

private:
    rapidjson::Writer<rapidjson::StringBuffer> m_w;
};

} // namespace

std::string to_json(const JsonValue& v) {
    rapidjson::StringBuffer buf;
    ExactWriter w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

JsonValue decimal_value(Decimal d, JsonAllocator& a) {
    return json_str(std::string(k_decimal_tag) + d.to_string(), a);
}

JsonValue fixed_value(Decimal d, int digits, JsonAllocator& a) {
    return json_str(std::string(k_fixed_tag) + static_cast<char>('0' + digits) + d.to_string(), a);
}

namespace {

void format_path(JsonValue& v, std::string_view path, int digits, JsonAllocator& a) {
    const auto dot = path.find('.');
    std::string_view head = path.substr(0, dot);
    const std::string_view rest =
        dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    const bool each = head.size() > 2 && head.substr(head.size() - 2) == "[]";
    if (each) {
        head.remove_suffix(2);
    }
    if (!v.IsObject()) {
        return;
    }
    const auto it = v.FindMember(JsonValue(
        rapidjson::StringRef(head.data(), static_cast<rapidjson::SizeType>(head.size()))));
    if (it == v.MemberEnd()) {
        return;
    }
    auto apply = [&](JsonValue& target) {
        if (!rest.empty()) {
            format_path(target, rest, digits, a);
        } else if (const auto d = read_decimal(target)) {
            target = fixed_value(*d, digits, a);
        }
    };
    if (each) {
        if (it->value.IsArray()) {
            for (auto& item : it->value.GetArray()) {
                apply(item);
            }
        }
    } else {
        apply(it->value);
    }
}

} // namespace

void format_fixed(JsonValue& v, std::initializer_list<std::string_view> paths, int digits,
                  JsonAllocator& a) {
    for (const auto path : paths) {
        format_path(v, path, digits, a);
    }
}

std::optional<Decimal> read_decimal(const JsonValue& v) {
    if (v.IsString()) {
        return tagged_decimal(std::string_view(v.GetString(), v.GetStringLength()));
    }
    const auto text = lexsync::json::number_text(v);
    return text ? Decimal::parse(*text) : std::nullopt;
}

bool parse_json(JsonDocument& d, std::string_view text) {
    const auto scan = lexsync::json::GuardScan::of(text);
    if (scan.unsafe_number() || scan.excess_nesting()) {
        // Numbers RapidJSON 1.1's full-precision parser misreads, nesting that would overflow the
        // stack (json_guard.hpp): not JSON here.
        d.SetNull();
        return false;
    }
    d.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
    return !d.HasParseError();
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

ApiResponse legacy_error(int status, const std::vector<Issue>& issues, const std::string& why) {
    JsonDocument d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    // Recorded (reference §14): legacy bodies begin with requestId, except that a 400 legacy
    // body was seen without one; 400 answers leave it out.
    if (status != 400) {
        d.AddMember("requestId", json_str(new_uuid(), a), a);
    }
    JsonValue list(rapidjson::kArrayType);
    for (const auto& issue : issues) {
        JsonValue item(rapidjson::kObjectType);
        item.AddMember("i18nKey", json_str(issue.i18n_key, a), a);
        item.AddMember("source", json_str(issue.source, a), a);
        item.AddMember("type", "validation_failure", a);
        list.PushBack(item, a);
    }
    d.AddMember("IssueList", list, a);
    if (status == 400 && !why.empty()) {
        // [U] The recorded legacy bodies without a top-level message are 406/409/500 answers;
        // no recording shows where a 400's text goes. The sandbox keeps the texts measured on
        // the live API (reference §4.2 "parameter 'size' exceeds the limit", §9.8
        // "voucherNumber parameter is required") as a trailing `message`, so that a user sees
        // why a query was refused. Clients tolerate the extra key: they read IssueList first
        // (reference §6.3) and ignore unknown keys (@elbstack/lexoffice-client-js builds its
        // legacy error classes from IssueList alone). Pinned by test_sandbox_fidelity
        // ("400 legacy bodies") and golden/vouchers.golden.
        d.AddMember("message", json_str(why, a), a);
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
    d.AddMember("requestId", json_str(new_uuid(), a), a);
    d.AddMember("message", json_str(message, a), a);
    return json_response(status, d);
}

ApiResponse validation_error(const std::string& path, const std::vector<Violation>& details) {
    JsonDocument d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("timestamp", json_str(now_timestamp(), a), a);
    d.AddMember("status", 406, a);
    d.AddMember("error", json_str(reason_phrase(406), a), a);
    d.AddMember("path", json_str(path, a), a);
    d.AddMember("traceId", json_str(random_hex(12), a), a);
    d.AddMember("requestId", json_str(new_uuid(), a), a);
    d.AddMember(
        "message",
        json_str("Validation failed for request. Please see details list for specific causes.", a),
        a);
    JsonValue list(rapidjson::kArrayType);
    for (const auto& v : details) {
        JsonValue item(rapidjson::kObjectType);
        item.AddMember("violation", json_str(v.violation, a), a);
        item.AddMember("field", json_str(v.field, a), a);
        item.AddMember("message", json_str(v.message, a), a);
        list.PushBack(item, a);
    }
    d.AddMember("details", list, a);
    return json_response(406, d);
}

ApiResponse message_error(int status, const std::string& message) {
    JsonDocument d(rapidjson::kObjectType);
    d.AddMember("message", json_str(message, d.GetAllocator()), d.GetAllocator());
    return json_response(status, d);
}

std::string format_berlin(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const bool dst = berlin::summer_time(t);
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

namespace {

std::atomic<std::int64_t> g_time_shift_seconds{0};

} // namespace

std::chrono::system_clock::time_point now() {
    return std::chrono::system_clock::now() + std::chrono::seconds(g_time_shift_seconds.load());
}

void set_time_shift(std::chrono::seconds shift) {
    g_time_shift_seconds.store(shift.count());
}

std::string now_timestamp() {
    return format_berlin(now());
}

namespace {

std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) {
        return std::nullopt;
    }
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return std::nullopt;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

} // namespace

std::optional<std::chrono::year_month_day> parse_date(std::string_view s) {
    using namespace std::chrono;
    if (s.size() < 10 || s[4] != '-' || s[7] != '-') {
        return std::nullopt;
    }
    const auto y = digits(s, 0, 4);
    const auto m = digits(s, 5, 2);
    const auto d = digits(s, 8, 2);
    if (!y || !m || !d) {
        return std::nullopt;
    }
    const year_month_day ymd{year(*y), month(static_cast<unsigned>(*m)),
                             day(static_cast<unsigned>(*d))};
    if (!ymd.ok() || s.size() != 10) {
        return std::nullopt;
    }
    return ymd;
}

std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view s) {
    using namespace std::chrono;
    // yyyy-MM-ddTHH:mm:ss.SSS + (Z | ±hh:mm)
    if (s.size() < 24 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.') {
        return std::nullopt;
    }
    const auto date = parse_date(s.substr(0, 10));
    const auto hh = digits(s, 11, 2);
    const auto mm = digits(s, 14, 2);
    const auto ss = digits(s, 17, 2);
    const auto ms = digits(s, 20, 3);
    if (!date || !hh || !mm || !ss || !ms || *hh > 23 || *mm > 59 || *ss > 59) {
        return std::nullopt;
    }
    if (!storable_date(*date)) {
        return std::nullopt;
    }
    int offset_minutes = 0;
    const std::string_view zone = s.substr(23);
    if (zone == "Z") {
        offset_minutes = 0;
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        const auto oh = digits(zone, 1, 2);
        const auto om = digits(zone, 4, 2);
        if (!oh || !om || *oh > 18 || *om > 59) {
            return std::nullopt;
        }
        offset_minutes = (*oh * 60 + *om) * (zone[0] == '-' ? -1 : 1);
    } else {
        return std::nullopt;
    }
    return sys_days(*date) + hours(*hh) + minutes(*mm) + seconds(*ss) + milliseconds(*ms) -
           minutes(offset_minutes);
}

bool storable_date(std::chrono::year_month_day date) {
    // Found by fuzz_sandbox: a voucherDate in 4052.
    return date.year() >= std::chrono::year(1900) && date.year() <= std::chrono::year(2199);
}

std::string format_date(std::chrono::year_month_day date) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    return buf;
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

namespace {

// Decodes UTF-8 leniently: each byte of an ill-formed sequence becomes code point 0xDC80+byte.
std::u32string decode_utf8(std::string_view s) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8::sequence_length(s, i);
        if (n == 0) {
            out += static_cast<char32_t>(0xdc80U + static_cast<unsigned char>(s[i]));
            ++i;
            continue;
        }
        out += utf8::decode(s, i, n);
        i += n;
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

// Encodes `cp`; the code points decode_utf8() made of ill-formed bytes become those bytes again.
void append_utf8(std::string& out, char32_t cp) {
    if (cp >= 0xdc80 && cp <= 0xdcff) {
        out += static_cast<char>(cp - 0xdc80);
    } else {
        utf8::append(out, cp);
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
