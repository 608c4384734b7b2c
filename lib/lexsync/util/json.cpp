#include <charconv>
#include <cstdlib>
#include <fmt/format.h>
#include <lexsync/util/json.hpp>
#include <lexsync/util/json_guard.hpp>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <vector>

namespace lexsync::json {

namespace {

// One step of a dotted path: a member name, or an array index from "[n]".
struct PathStep {
    std::string_view name; // member name; empty for a pure index step
    std::optional<std::size_t> index;
};

std::vector<PathStep> split_path(std::string_view path) {
    std::vector<PathStep> steps;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t dot = path.find('.', start);
        if (dot == std::string_view::npos) {
            dot = path.size();
        }
        std::string_view seg = path.substr(start, dot - start);
        // "name[1][2]": the name, then each index as its own step.
        const std::size_t bracket = seg.find('[');
        steps.push_back(PathStep{seg.substr(0, bracket), std::nullopt});
        std::size_t pos = bracket;
        while (pos != std::string_view::npos && pos < seg.size()) {
            const std::size_t close = seg.find(']', pos);
            if (close == std::string_view::npos) {
                break;
            }
            std::size_t idx = 0;
            const auto inner = seg.substr(pos + 1, close - pos - 1);
            const auto res = std::from_chars(inner.data(), inner.data() + inner.size(), idx);
            if (res.ec != std::errc{} || res.ptr != inner.data() + inner.size()) {
                idx = static_cast<std::size_t>(-1);
            }
            steps.push_back(PathStep{{}, idx});
            pos = seg.find('[', close);
        }
        start = dot + 1;
    }
    return steps;
}

// Turns shortest round-trip text with an exponent ("1.5e-05", "1e+21") into plain digits.
std::string without_exponent(const std::string& text) {
    const auto e = text.find_first_of("eE");
    if (e == std::string::npos) {
        return text;
    }
    std::string mantissa = text.substr(0, e);
    const int exponent = std::atoi(text.c_str() + e + 1);
    bool negative = false;
    if (!mantissa.empty() && mantissa[0] == '-') {
        negative = true;
        mantissa.erase(0, 1);
    }
    std::string digits;
    int point = 0; // digits before the decimal point
    const auto dot = mantissa.find('.');
    if (dot == std::string::npos) {
        digits = mantissa;
        point = static_cast<int>(mantissa.size());
    } else {
        digits = mantissa.substr(0, dot) + mantissa.substr(dot + 1);
        point = static_cast<int>(dot);
    }
    point += exponent;
    std::string out;
    if (point <= 0) {
        out = "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
    } else if (point >= static_cast<int>(digits.size())) {
        out = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
    } else {
        out = digits.substr(0, static_cast<std::size_t>(point)) + "." +
              digits.substr(static_cast<std::size_t>(point));
    }
    // Strip leading zeros of the integer part ("00.5" cannot occur, but "0" must stay).
    while (out.size() > 1 && out[0] == '0' && out[1] != '.') {
        out.erase(0, 1);
    }
    return negative ? "-" + out : out;
}

} // namespace

Result<Document, std::string> parse(std::string_view text) {
    if (const auto at = find_unsafe_number(text)) {
        // RapidJSON 1.1's full-precision parser cannot be trusted with these (json_guard.hpp).
        return unexpected(fmt::format("offset {}: number out of range", *at));
    }
    if (const auto at = find_excess_nesting(text)) {
        return unexpected(fmt::format("offset {}: nested deeper than {} levels", *at, k_max_depth));
    }
    Document doc;
    doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
    if (doc.HasParseError()) {
        return unexpected(fmt::format("offset {}: {}", doc.GetErrorOffset(),
                                      rapidjson::GetParseError_En(doc.GetParseError())));
    }
    return doc;
}

std::string to_string(const Value& v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

std::string to_pretty_string(const Value& v) {
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

const Value* find(const Value& v, std::string_view dotted_path) {
    const Value* cur = &v;
    for (const auto& step : split_path(dotted_path)) {
        if (step.index) {
            if (!cur->IsArray() || *step.index >= cur->Size()) {
                return nullptr;
            }
            cur = &(*cur)[static_cast<rapidjson::SizeType>(*step.index)];
            continue;
        }
        if (step.name.empty()) {
            return nullptr;
        }
        if (cur->IsObject()) {
            const auto it =
                cur->FindMember(Value(rapidjson::StringRef(step.name.data(), step.name.size())));
            if (it == cur->MemberEnd()) {
                return nullptr;
            }
            cur = &it->value;
        } else if (cur->IsArray()) {
            // "items.0.name" addresses array elements too.
            std::size_t idx = 0;
            const auto res =
                std::from_chars(step.name.data(), step.name.data() + step.name.size(), idx);
            if (res.ec != std::errc{} || res.ptr != step.name.data() + step.name.size() ||
                idx >= cur->Size()) {
                return nullptr;
            }
            cur = &(*cur)[static_cast<rapidjson::SizeType>(idx)];
        } else {
            return nullptr;
        }
    }
    return cur->IsNull() ? nullptr : cur;
}

std::optional<std::string> get_string(const Value& v, std::string_view dotted_path) {
    const Value* f = find(v, dotted_path);
    if (f == nullptr || !f->IsString()) {
        return std::nullopt;
    }
    return std::string(f->GetString(), f->GetStringLength());
}

std::optional<std::int64_t> get_int(const Value& v, std::string_view dotted_path) {
    const Value* f = find(v, dotted_path);
    if (f == nullptr || !f->IsInt64()) {
        return std::nullopt;
    }
    return f->GetInt64();
}

std::optional<bool> get_bool(const Value& v, std::string_view dotted_path) {
    const Value* f = find(v, dotted_path);
    if (f == nullptr || !f->IsBool()) {
        return std::nullopt;
    }
    return f->GetBool();
}

std::optional<Decimal> get_decimal(const Value& v, std::string_view dotted_path) {
    const Value* f = find(v, dotted_path);
    if (f == nullptr) {
        return std::nullopt;
    }
    if (f->IsNumber()) {
        const auto text = number_text(*f);
        return text ? Decimal::parse(*text) : std::nullopt;
    }
    if (f->IsString()) {
        // Some samples send amounts as strings ("12.50"); finance "…AsString" fields use a
        // German decimal comma ("1.234,56"). Accept both, surrounding blanks trimmed.
        std::string_view s(f->GetString(), f->GetStringLength());
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
            s.remove_prefix(1);
        }
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
            s.remove_suffix(1);
        }
        if (auto d = Decimal::parse(s)) {
            return d;
        }
        if (s.find(',') != std::string_view::npos) {
            return Decimal::parse(s, true);
        }
    }
    return std::nullopt;
}

std::optional<std::string> number_text(const Value& v) {
    if (v.IsInt64()) {
        return std::to_string(v.GetInt64());
    }
    if (v.IsUint64()) {
        return std::to_string(v.GetUint64());
    }
    if (!v.IsNumber()) {
        return std::nullopt;
    }
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, v.GetDouble());
    if (res.ec != std::errc{}) {
        return std::nullopt;
    }
    return without_exponent(std::string(buf, res.ptr));
}

Value str(std::string_view s, Allocator& a) {
    return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

void set(Value& obj, std::string_view key, Value value, Allocator& a) {
    if (!obj.IsObject()) {
        obj.SetObject();
    }
    const auto it = obj.FindMember(Value(rapidjson::StringRef(key.data(), key.size())));
    if (it != obj.MemberEnd()) {
        it->value = std::move(value);
        return;
    }
    obj.AddMember(str(key, a), std::move(value), a);
}

Value& ensure_object(Value& root, std::string_view dotted_path, Allocator& a) {
    if (!root.IsObject()) {
        root.SetObject();
    }
    Value* cur = &root;
    std::size_t start = 0;
    while (start <= dotted_path.size()) {
        std::size_t dot = dotted_path.find('.', start);
        if (dot == std::string_view::npos) {
            dot = dotted_path.size();
        }
        const std::string_view name = dotted_path.substr(start, dot - start);
        start = dot + 1;
        if (name.empty()) {
            continue;
        }
        auto it = cur->FindMember(Value(rapidjson::StringRef(name.data(), name.size())));
        if (it == cur->MemberEnd()) {
            cur->AddMember(str(name, a), Value(rapidjson::kObjectType), a);
            cur = &(cur->MemberEnd() - 1)->value;
            continue;
        }
        if (!it->value.IsObject()) {
            it->value.SetObject();
        }
        cur = &it->value;
    }
    return *cur;
}

std::vector<long> array_object_lines(std::string_view text) {
    std::vector<long> lines;
    long line = 1;
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (c == '\n') {
            ++line;
        }
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (c == '{' && depth == 1) {
                lines.push_back(line);
            }
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return lines;
}

} // namespace lexsync::json
