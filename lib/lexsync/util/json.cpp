#include <charconv>
#include <cstdlib>
#include <fmt/format.h>
#include <lexsync/util/json.hpp>
#include <lexsync/util/json_guard.hpp>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
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

// parse()'s message for what a GuardScan found, or nullopt.
std::optional<std::string> guard_problem(const GuardScan& scan) {
    if (const auto& at = scan.unsafe_number()) {
        // RapidJSON 1.1's full-precision parser cannot be trusted with these (json_guard.hpp).
        return fmt::format("offset {}: number out of range", *at);
    }
    if (const auto& at = scan.excess_nesting()) {
        return fmt::format("offset {}: nested deeper than {} levels", *at, k_max_depth);
    }
    return std::nullopt;
}

// A RapidJSON input stream over a std::istream that counts lines.
class LineCountingStream {
public:
    using Ch = char;
    explicit LineCountingStream(std::istream& in) : m_buf(in.rdbuf()) {}
    Ch Peek() const {
        const auto c = m_buf->sgetc();
        return c == std::char_traits<char>::eof() ? '\0' : static_cast<Ch>(c);
    }
    Ch Take() {
        const auto c = m_buf->sbumpc();
        if (c == std::char_traits<char>::eof()) {
            return '\0';
        }
        ++m_count;
        m_line += c == '\n' ? 1 : 0;
        return static_cast<Ch>(c);
    }
    std::size_t Tell() const { return m_count; }
    long line() const { return m_line; }
    // Not an output stream (RapidJSON asks for these names only when parsing in place).
    Ch* PutBegin() { return nullptr; }
    void Put(Ch) {}
    void Flush() {}
    std::size_t PutEnd(Ch*) { return 0; }

private:
    std::streambuf* m_buf;
    std::size_t m_count = 0;
    long m_line = 1;
};

// The SAX handler of for_each_element: finds the array, builds each of its elements as a Value (as
// a Document would, members and duplicates in order) and hands it on.
class ElementHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ElementHandler> {
public:
    ElementHandler(const LineCountingStream& in, std::string_view key,
                   const std::function<void(const Value&, std::size_t, long)>& fn)
        : m_in(in), m_key(key), m_fn(fn) {}

    ArrayAt found() const { return m_found; }

    bool Null() { return scalar(Value()); }
    bool Bool(bool b) { return scalar(Value(b)); }
    bool Int(int i) { return scalar(Value(i)); }
    bool Uint(unsigned u) { return scalar(Value(u)); }
    bool Int64(std::int64_t i) { return scalar(Value(i)); }
    bool Uint64(std::uint64_t u) { return scalar(Value(u)); }
    bool Double(double d) { return scalar(Value(d)); }
    bool String(const char* s, rapidjson::SizeType n, bool) { return scalar(Value(s, n, m_alloc)); }
    bool Key(const char* s, rapidjson::SizeType n, bool) {
        if (m_building) {
            m_stack.emplace_back(s, n, m_alloc);
        } else if (m_root_object && m_depth == 1 && !m_key_decided) {
            m_key_pending = std::string_view(s, n) == m_key;
        }
        return true;
    }
    bool StartObject() {
        begin_value(false, true);
        ++m_depth;
        return true;
    }
    bool StartArray() {
        begin_value(true, false);
        ++m_depth;
        return true;
    }
    bool EndObject(rapidjson::SizeType members) {
        --m_depth;
        if (m_building) {
            Value obj(rapidjson::kObjectType);
            const std::size_t first = m_stack.size() - 2 * std::size_t{members};
            for (std::size_t i = first; i < m_stack.size(); i += 2) {
                obj.AddMember(m_stack[i], m_stack[i + 1], m_alloc);
            }
            m_stack.resize(first);
            m_stack.push_back(std::move(obj));
            end_value();
        }
        return true;
    }
    bool EndArray(rapidjson::SizeType elements) {
        --m_depth;
        if (m_building) {
            Value arr(rapidjson::kArrayType);
            const std::size_t first = m_stack.size() - std::size_t{elements};
            arr.Reserve(elements, m_alloc);
            for (std::size_t i = first; i < m_stack.size(); ++i) {
                arr.PushBack(m_stack[i], m_alloc);
            }
            m_stack.resize(first);
            m_stack.push_back(std::move(arr));
            end_value();
        } else if (m_array_open && m_depth + 1 == m_array_depth) {
            m_array_open = false;
        }
        return true;
    }

private:
    // Called where any value starts, before a container counts as open.
    void begin_value(bool array, bool object) {
        if (m_building) {
            return;
        }
        if (m_depth == 0) {
            if (array) {
                open_array(ArrayAt::root);
            } else {
                m_root_object = object && !m_key.empty();
            }
        } else if (m_array_open && m_depth == m_array_depth) {
            m_building = true;
            m_element_depth = m_depth;
            m_line = m_in.line();
        } else if (m_root_object && m_depth == 1 && m_key_pending) {
            m_key_pending = false;
            m_key_decided = true;
            if (array) {
                open_array(ArrayAt::member);
            }
        }
    }
    void open_array(ArrayAt at) {
        m_found = at;
        m_array_open = true;
        m_array_depth = m_depth + 1;
    }
    bool scalar(Value v) {
        begin_value(false, false);
        if (m_building) {
            m_stack.push_back(std::move(v));
            end_value();
        }
        return true;
    }
    // After a value inside an element: hands the element on once it is complete.
    void end_value() {
        if (m_depth != m_element_depth) {
            return;
        }
        m_fn(m_stack.back(), m_index++, m_line);
        m_stack.clear();
        m_alloc.Clear();
        m_building = false;
    }

    const LineCountingStream& m_in;
    std::string_view m_key;
    const std::function<void(const Value&, std::size_t, long)>& m_fn;
    Allocator m_alloc;
    std::vector<Value> m_stack; // the values of the element being built, innermost last
    ArrayAt m_found = ArrayAt::none;
    int m_depth = 0; // containers open
    bool m_root_object = false;
    bool m_key_pending = false; // the root object's member `key` comes next
    bool m_key_decided = false; // its first member `key` was seen
    bool m_array_open = false;
    int m_array_depth = 0; // m_depth inside the array
    bool m_building = false;
    int m_element_depth = 0;
    std::size_t m_index = 0;
    long m_line = 0;
};

} // namespace

Result<Document, std::string> parse(std::string_view text) {
    if (auto problem = guard_problem(GuardScan::of(text))) {
        return unexpected(std::move(*problem));
    }
    Document doc;
    doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
    if (doc.HasParseError()) {
        return unexpected(fmt::format("offset {}: {}", doc.GetErrorOffset(),
                                      rapidjson::GetParseError_En(doc.GetParseError())));
    }
    return doc;
}

std::optional<std::string> check_guards(std::istream& in) {
    GuardScan scan;
    std::string chunk(64 * 1024, '\0');
    for (;;) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) {
            break;
        }
        scan.feed(std::string_view(chunk.data(), n));
    }
    scan.finish();
    return guard_problem(scan);
}

Result<ArrayAt, std::string>
for_each_element(std::istream& in, std::string_view key,
                 const std::function<void(const Value&, std::size_t, long)>& fn) {
    LineCountingStream stream(in);
    ElementHandler handler(stream, key, fn);
    rapidjson::Reader reader;
    const rapidjson::ParseResult ok =
        reader.Parse<rapidjson::kParseFullPrecisionFlag>(stream, handler);
    if (!ok) {
        return unexpected(
            fmt::format("offset {}: {}", ok.Offset(), rapidjson::GetParseError_En(ok.Code())));
    }
    return handler.found();
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
