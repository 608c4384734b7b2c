// The input layer shared by the table readers; the rules are documented in table_input.hpp and
// man/lexsync.1 (INPUT FORMATS).
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/formats/table_input.hpp>
#include <lexsync/util/strings.hpp>
#include <lexsync/util/suggest.hpp>
#include <lexsync/util/utf8.hpp>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace lexsync::table {

namespace {

namespace chr = std::chrono;

// Windows-1252 0x80..0x9F as Unicode code points; 0 marks the five bytes it leaves undefined.
constexpr std::array<char32_t, 32> k_cp1252_high = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// The line and column (in characters) of byte `pos` of `s`.
Problem position(std::string_view s, std::size_t pos, std::string message) {
    long line = 1;
    long column = 1;
    for (std::size_t i = 0; i < pos && i < s.size(); ++i) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b == '\n') {
            ++line;
            column = 1;
        } else if ((b & 0xC0) != 0x80) {
            ++column;
        }
    }
    return Problem{line, column, std::move(message)};
}

std::string trim(std::string_view s) {
    // Spaces, tabs, line breaks, no-break space (U+00A0) and narrow no-break space (U+202F).
    for (;;) {
        if (!s.empty() &&
            (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
            s.remove_prefix(1);
        } else if (s.substr(0, 2) == "\xC2\xA0") {
            s.remove_prefix(2);
        } else if (s.substr(0, 3) == "\xE2\x80\xAF") {
            s.remove_prefix(3);
        } else {
            break;
        }
    }
    for (;;) {
        if (!s.empty() &&
            (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
            s.remove_suffix(1);
        } else if (s.size() >= 2 && s.substr(s.size() - 2) == "\xC2\xA0") {
            s.remove_suffix(2);
        } else if (s.size() >= 3 && s.substr(s.size() - 3) == "\xE2\x80\xAF") {
            s.remove_suffix(3);
        } else {
            break;
        }
    }
    return std::string(s);
}

bool strip_prefix(std::string& s, std::string_view p) {
    if (s.size() >= p.size() && std::string_view(s).substr(0, p.size()) == p) {
        s = trim(std::string_view(s).substr(p.size()));
        return true;
    }
    return false;
}

bool strip_suffix(std::string& s, std::string_view p) {
    if (s.size() >= p.size() && std::string_view(s).substr(s.size() - p.size()) == p) {
        s = trim(std::string_view(s).substr(0, s.size() - p.size()));
        return true;
    }
    return false;
}

// Checks "1.234.567" style grouping with `sep`: 1 to 3 digits, then groups of exactly 3.
bool valid_grouping(std::string_view s, char sep) {
    std::size_t start = 0;
    bool first = true;
    for (;;) {
        const auto p = s.find(sep, start);
        const auto group = s.substr(start, p == std::string_view::npos ? s.npos : p - start);
        if (!all_digits(group) || (first ? group.size() > 3 : group.size() != 3)) {
            return false;
        }
        first = false;
        if (p == std::string_view::npos) {
            return true;
        }
        start = p + 1;
    }
}

Date last_day(chr::year y, chr::month m) {
    return Date{chr::year_month_day_last(y, chr::month_day_last(m))};
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Encodings

std::optional<Encoding> parse_encoding(std::string_view name) {
    std::string n;
    for (char c : name) {
        if (c != '-' && c != '_') {
            n += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
    }
    if (n == "auto" || n.empty()) {
        return Encoding::detect;
    }
    if (n == "utf8") {
        return Encoding::utf8;
    }
    if (n == "windows1252" || n == "cp1252" || n == "latin1" || n == "iso88591" ||
        n == "iso885915") {
        return Encoding::windows_1252;
    }
    return std::nullopt;
}

const char* encoding_name(Encoding e) {
    switch (e) {
    case Encoding::detect:
        return "auto";
    case Encoding::utf8:
        return "utf-8";
    case Encoding::windows_1252:
        return "windows-1252";
    }
    return "auto";
}

Result<std::string, Problem> decode(std::string_view bytes, Encoding enc, Encoding* used) {
    if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
        bytes.remove_prefix(3);
        if (enc == Encoding::detect) {
            enc = Encoding::utf8; // a byte order mark says so
        }
    }
    std::size_t bad = std::string_view::npos;
    if (enc != Encoding::windows_1252) {
        for (std::size_t i = 0; i < bytes.size();) {
            const std::size_t n = utf8::sequence_length(bytes, i);
            if (n == 0) {
                bad = i;
                break;
            }
            i += n;
        }
        if (bad == std::string_view::npos) {
            if (used != nullptr) {
                *used = Encoding::utf8;
            }
            return std::string(bytes);
        }
        if (enc == Encoding::utf8) {
            return unexpected(position(bytes, bad,
                                       "not valid UTF-8 (a Windows-1252 file from Excel? use "
                                       "--encoding windows-1252)"));
        }
    }
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 8);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        if (b < 0x80) {
            out += static_cast<char>(b);
        } else if (b >= 0xA0) {
            utf8::append(out, b);
        } else if (const char32_t cp = k_cp1252_high[b - 0x80]; cp != 0) {
            utf8::append(out, cp);
        } else {
            return unexpected(position(
                bytes, i,
                fmt::format("byte 0x{:02X} is neither UTF-8 nor Windows-1252 (what encoding is "
                            "the file in?)",
                            b)));
        }
    }
    if (used != nullptr) {
        *used = Encoding::windows_1252;
    }
    return out;
}

std::optional<std::string> encode_windows_1252(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8::sequence_length(text, i);
        if (n == 0) {
            return std::nullopt;
        }
        const char32_t cp = utf8::decode(text, i, n);
        i += n;
        if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) {
            out += static_cast<char>(cp);
            continue;
        }
        const auto it = std::find(k_cp1252_high.begin(), k_cp1252_high.end(), cp);
        if (cp == 0 || it == k_cp1252_high.end()) {
            return std::nullopt;
        }
        out += static_cast<char>(0x80 + (it - k_cp1252_high.begin()));
    }
    return out;
}

Result<Text, Problem> load(const std::string& path, Encoding enc, std::istream& in) {
    Text t;
    std::ostringstream ss;
    if (path == "-") {
        t.name = "stdin";
        t.from_stdin = true;
        ss << in.rdbuf();
        if (in.bad()) {
            return unexpected(Problem{0, 0, "cannot read stdin"});
        }
    } else {
        t.name = path;
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) {
            return unexpected(Problem{0, 0, "is a directory, not a file"});
        }
        std::ifstream f(path, std::ios::binary);
        if (!f) {
            const int err = errno;
            return unexpected(Problem{0, 0, fmt::format("cannot open: {}", std::strerror(err))});
        }
        ss << f.rdbuf();
    }
    auto text = decode(ss.str(), enc, &t.encoding);
    if (!text) {
        return unexpected(std::move(text).error());
    }
    t.text = std::move(text).value();
    return t;
}

namespace {

constexpr std::size_t k_chunk = 64 * 1024;

// Reads up to `n` bytes at `at`; returns how many (0 at the end), or -1 on error.
ssize_t read_at(int fd, char* to, std::size_t n, off_t at) {
    for (;;) {
        const ssize_t r = ::pread(fd, to, n, at);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        return r;
    }
}

std::int64_t mtime_ns(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// Where the first byte that an encoding cannot read is: decode()'s position(), counted as the
// bytes go by.
struct Position {
    long line = 1;
    long column = 1;
    void advance(unsigned char b) {
        if (b == '\n') {
            ++line;
            column = 1;
        } else if ((b & 0xC0) != 0x80) {
            ++column;
        }
    }
};

// The decoded text of a Source: UTF-8 as it is, Windows-1252 converted a chunk at a time.
class DecodingBuffer : public std::streambuf {
public:
    DecodingBuffer(int fd, off_t begin, off_t end, Encoding enc)
        : m_fd(fd), m_at(begin), m_end(end), m_enc(enc) {}

protected:
    int_type underflow() override {
        if (gptr() < egptr()) {
            return traits_type::to_int_type(*gptr());
        }
        const auto want = static_cast<std::size_t>(std::min<off_t>(m_end - m_at, k_chunk));
        if (want == 0) {
            return traits_type::eof();
        }
        m_raw.resize(want);
        const ssize_t n = read_at(m_fd, m_raw.data(), want, m_at);
        if (n <= 0) {
            return traits_type::eof();
        }
        m_at += n;
        m_raw.resize(static_cast<std::size_t>(n));
        if (m_enc == Encoding::windows_1252) {
            m_text.clear();
            for (char c : m_raw) {
                const auto b = static_cast<unsigned char>(c);
                if (b < 0x80) {
                    m_text += c;
                } else if (b >= 0xA0) {
                    utf8::append(m_text, b);
                } else if (const char32_t cp = k_cp1252_high[b - 0x80]; cp != 0) {
                    utf8::append(m_text, cp);
                }
            }
            std::swap(m_text, m_raw);
        }
        setg(m_raw.data(), m_raw.data(), m_raw.data() + m_raw.size());
        return traits_type::to_int_type(*gptr());
    }

private:
    int m_fd;
    off_t m_at;
    off_t m_end;
    Encoding m_enc;
    std::string m_raw;
    std::string m_text;
};

class DecodedStream : public std::istream {
public:
    DecodedStream(int fd, off_t from, off_t to, Encoding enc)
        : std::istream(nullptr), m_buf(fd, from, to, enc) {
        rdbuf(&m_buf);
    }

private:
    DecodingBuffer m_buf;
};

} // namespace

Result<std::shared_ptr<const Source>, Problem> Source::open(const std::string& path, Encoding enc,
                                                            std::istream& in) {
    std::shared_ptr<Source> src(new Source());
    src->m_name = path == "-" ? "stdin" : path;
    src->m_from_stdin = path == "-";
    if (path == "-") {
        // Copied to a file nobody else can open, so that it can be read twice.
        const char* dir = std::getenv("TMPDIR");
        std::string tmp =
            fmt::format("{}/lexsync-stdin.XXXXXX", dir != nullptr && *dir ? dir : "/tmp");
        src->m_fd = ::mkstemp(tmp.data());
        if (src->m_fd < 0) {
            const int err = errno;
            return unexpected(
                Problem{0, 0, fmt::format("cannot keep stdin in {}: {}", tmp, std::strerror(err))});
        }
        ::unlink(tmp.c_str());
        std::string chunk(k_chunk, '\0');
        off_t at = 0;
        for (;;) {
            in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            const auto n = static_cast<std::size_t>(in.gcount());
            if (n == 0) {
                break;
            }
            for (std::size_t done = 0; done < n;) {
                const ssize_t w = ::pwrite(src->m_fd, chunk.data() + done, n - done, at);
                if (w < 0 && errno == EINTR) {
                    continue;
                }
                if (w <= 0) {
                    const int err = errno;
                    return unexpected(Problem{
                        0, 0, fmt::format("cannot keep stdin in {}: {}", tmp, std::strerror(err))});
                }
                done += static_cast<std::size_t>(w);
                at += w;
            }
        }
        if (in.bad()) {
            return unexpected(Problem{0, 0, "cannot read stdin"});
        }
    } else {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) {
            return unexpected(Problem{0, 0, "is a directory, not a file"});
        }
        src->m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (src->m_fd < 0) {
            const int err = errno;
            return unexpected(Problem{0, 0, fmt::format("cannot open: {}", std::strerror(err))});
        }
    }
    struct stat st {};
    if (::fstat(src->m_fd, &st) != 0) {
        const int err = errno;
        return unexpected(Problem{0, 0, fmt::format("cannot read: {}", std::strerror(err))});
    }
    src->m_size = st.st_size;
    src->m_mtime_ns = mtime_ns(st);

    // One pass over the bytes: where UTF-8 and Windows-1252 would each fail, if anywhere.
    std::string buf(k_chunk, '\0');
    off_t at = 0;
    bool first = true;
    utf8::Validator utf8;
    Position pos;
    Position lead; // of the sequence being read
    std::optional<Position> utf8_bad;
    std::optional<std::pair<Position, unsigned char>> cp1252_bad;
    for (;;) {
        const ssize_t n = read_at(src->m_fd, buf.data(), buf.size(), at);
        if (n < 0) {
            const int err = errno;
            return unexpected(Problem{0, 0, fmt::format("cannot read: {}", std::strerror(err))});
        }
        if (n == 0) {
            break;
        }
        std::size_t i = 0;
        if (first) {
            first = false;
            if (n >= 3 && std::string_view(buf.data(), 3) == "\xEF\xBB\xBF") {
                src->m_begin = 3;
                i = 3;
                if (enc == Encoding::detect) {
                    enc = Encoding::utf8; // a byte order mark says so
                }
            }
        }
        for (; i < static_cast<std::size_t>(n); ++i) {
            const auto b = static_cast<unsigned char>(buf[i]);
            if (!utf8_bad && enc != Encoding::windows_1252) {
                if (!utf8.open()) {
                    lead = pos;
                }
                if (!utf8.push(b)) {
                    utf8_bad = lead;
                }
            }
            if (!cp1252_bad && enc != Encoding::utf8 && b >= 0x80 && b < 0xA0 &&
                k_cp1252_high[b - 0x80] == 0) {
                cp1252_bad.emplace(pos, b);
            }
            pos.advance(b);
        }
        at += n;
        if (enc == Encoding::utf8 && utf8_bad) {
            break;
        }
    }
    if (!utf8_bad && utf8.open() && enc != Encoding::windows_1252) {
        utf8_bad = lead; // cut off at the end
    }
    if (enc != Encoding::windows_1252 && !utf8_bad) {
        src->m_encoding = Encoding::utf8;
        return std::shared_ptr<const Source>(std::move(src));
    }
    if (enc == Encoding::utf8) {
        return unexpected(Problem{utf8_bad->line, utf8_bad->column,
                                  "not valid UTF-8 (a Windows-1252 file from Excel? use "
                                  "--encoding windows-1252)"});
    }
    if (cp1252_bad) {
        return unexpected(
            Problem{cp1252_bad->first.line, cp1252_bad->first.column,
                    fmt::format("byte 0x{:02X} is neither UTF-8 nor Windows-1252 (what encoding "
                                "is the file in?)",
                                cp1252_bad->second)});
    }
    src->m_encoding = Encoding::windows_1252;
    return std::shared_ptr<const Source>(std::move(src));
}

Source::~Source() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

std::unique_ptr<std::istream> Source::stream() const {
    return std::make_unique<DecodedStream>(m_fd, m_begin, m_size, m_encoding);
}

std::string Source::read_all() const {
    std::ostringstream ss;
    ss << stream()->rdbuf();
    return ss.str();
}

Result<json::ArrayAt, std::string>
for_each_json_element(const Source& src, std::string_view key,
                      const std::function<void(const json::Value&, std::size_t, long)>& fn) {
    // Two passes: json::parse's checks first (they decide before the parser may recurse deeply).
    if (auto problem = json::check_guards(*src.stream())) {
        return unexpected(std::move(*problem));
    }
    return json::for_each_element(*src.stream(), key, fn);
}

bool Source::changed() const {
    struct stat st {};
    return ::fstat(m_fd, &st) != 0 || st.st_size != m_size || mtime_ns(st) != m_mtime_ns;
}

bool looks_like_json(std::string_view text) {
    const auto p = text.find_first_not_of(" \t\r\n");
    return p != std::string_view::npos && (text[p] == '[' || text[p] == '{');
}

// ---------------------------------------------------------------------------------------------
// Column names

std::string fold(std::string_view header) {
    static const std::map<std::string_view, std::string_view> k_folds = {
        {"\xC3\xA4", "ae"}, {"\xC3\xB6", "oe"}, {"\xC3\xBC", "ue"}, {"\xC3\x84", "ae"},
        {"\xC3\x96", "oe"}, {"\xC3\x9C", "ue"}, {"\xC3\x9F", "ss"}};
    std::string out;
    for (std::size_t i = 0; i < header.size(); ++i) {
        const char c = header[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            out += c;
        } else if (c >= 'A' && c <= 'Z') {
            out += static_cast<char>(c - 'A' + 'a');
        } else if (i + 1 < header.size()) {
            if (auto it = k_folds.find(header.substr(i, 2)); it != k_folds.end()) {
                out += it->second;
                ++i;
            }
        }
    }
    return out;
}

const Column* find_column(std::string_view header, const std::vector<Column>& columns) {
    // The documented names match exactly; aliases match by their folded key.
    for (const auto& c : columns) {
        if (c.name == header) {
            return &c;
        }
    }
    const std::string key = fold(header);
    if (key.empty()) {
        return nullptr;
    }
    for (const auto& c : columns) {
        if (fold(c.name) == key) {
            return &c;
        }
        for (const auto& a : c.aliases) {
            if (fold(a) == key) {
                return &c;
            }
        }
    }
    return nullptr;
}

std::string did_you_mean(std::string_view header, const std::vector<Column>& columns) {
    const std::string key = fold(header);
    if (key.empty()) {
        return {};
    }
    std::string best;
    std::size_t best_d = std::string::npos;
    auto consider = [&](const std::string& candidate, const std::string& name) {
        const std::string k = fold(candidate);
        std::size_t d = lexsync::edit_distance(key, k);
        // A header that contains a known name ("Kundennummer neu") or is contained in one.
        if (k.size() >= 4 &&
            (key.find(k) != std::string::npos || k.find(key) != std::string::npos)) {
            d = std::min(d, std::size_t{1});
        }
        if (d < best_d) {
            best_d = d;
            best = name;
        }
    };
    for (const auto& c : columns) {
        consider(c.name, c.name);
        for (const auto& a : c.aliases) {
            consider(a, c.name);
        }
    }
    // Up to a third of the letters may differ (typos, singular/plural, a missing word).
    if (best_d == std::string::npos || best_d * 3 > std::max<std::size_t>(key.size(), 3)) {
        return {};
    }
    return best;
}

std::vector<std::string> map_header(const std::vector<std::string>& header,
                                    const std::vector<Column>& columns, const std::string& manual,
                                    std::vector<HeaderIssue>& issues) {
    std::vector<std::string> names(header.size());
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < header.size(); ++i) {
        const Column* c = find_column(header[i], columns);
        if (c == nullptr) {
            const std::string hint = did_you_mean(header[i], columns);
            issues.push_back(HeaderIssue{
                i, header[i],
                hint.empty() ? fmt::format("unknown column (see 'man {}')", manual)
                             : fmt::format("unknown column; did you mean '{}'? (see 'man {}')",
                                           hint, manual),
                hint});
            continue;
        }
        if (auto [it, inserted] = seen.emplace(c->name, i); !inserted) {
            issues.push_back(HeaderIssue{
                i, header[i],
                header[it->second] == header[i]
                    ? std::string("column appears twice")
                    : fmt::format("column appears twice (as '{}' in column {} and here; both "
                                  "mean {})",
                                  header[it->second], it->second + 1, c->name),
                ""});
            continue;
        }
        names[i] = c->name;
    }
    return names;
}

ColumnPositions positions(const std::vector<std::string>& header,
                          const std::vector<std::string>& names) {
    ColumnPositions out;
    for (std::size_t i = 0; i < names.size() && i < header.size(); ++i) {
        if (!names[i].empty()) {
            out.emplace(names[i], std::make_pair(static_cast<long>(i) + 1, header[i]));
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Numbers and dates

Result<Decimal, std::string> parse_number(std::string_view cell, NumberKind kind) {
    std::string s = trim(cell);
    const std::string quoted = fmt::format("'{}'", s);
    if (s.empty()) {
        return unexpected(std::string("empty"));
    }
    if (kind == NumberKind::amount) {
        if (!strip_suffix(s, "\xE2\x82\xAC") && !strip_suffix(s, "EUR")) {
            if (!strip_prefix(s, "\xE2\x82\xAC")) {
                strip_prefix(s, "EUR");
            }
        }
    } else if (kind == NumberKind::percent) {
        strip_suffix(s, "%");
    }
    bool negative = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        negative = s.front() == '-';
        s.erase(0, 1);
    }
    const auto what = kind == NumberKind::amount    ? "an amount"
                      : kind == NumberKind::percent ? "a percentage"
                                                    : "a number";
    if (s.empty() || s.find_first_not_of("0123456789.,") != std::string::npos ||
        !(s.front() >= '0' && s.front() <= '9')) {
        // Exponents ("1e2") are JSON's; JSON numbers come through json_number_text.
        return unexpected(fmt::format("{} is not {}", quoted, what));
    }
    const auto dot = s.rfind('.');
    const auto comma = s.rfind(',');
    std::string plain; // digits with at most one '.' as the decimal mark
    if (dot != std::string::npos && comma != std::string::npos) {
        const char mark = dot > comma ? '.' : ',';
        const char group = mark == '.' ? ',' : '.';
        const auto m = std::max(dot, comma);
        const std::string_view int_part = std::string_view(s).substr(0, m);
        const std::string_view frac = std::string_view(s).substr(m + 1);
        if (!valid_grouping(int_part, group) || !all_digits(frac)) {
            return unexpected(fmt::format("{} is not {} (mixes '.' and ',' in a way that is "
                                          "neither 1.234,56 nor 1,234.56)",
                                          quoted, what));
        }
        for (char c : int_part) {
            if (c != group) {
                plain += c;
            }
        }
        plain += '.';
        plain += frac;
    } else if (dot != std::string::npos || comma != std::string::npos) {
        const char sep = dot != std::string::npos ? '.' : ',';
        const auto first = s.find(sep);
        if (first != (dot != std::string::npos ? dot : comma)) {
            // Several of one separator: only thousands grouping can mean that.
            if (!valid_grouping(s, sep)) {
                return unexpected(fmt::format("{} is not {}", quoted, what));
            }
            for (char c : s) {
                if (c != sep) {
                    plain += c;
                }
            }
        } else {
            const std::string_view int_part = std::string_view(s).substr(0, first);
            const std::string_view frac = std::string_view(s).substr(first + 1);
            if (!all_digits(int_part) || !all_digits(frac)) {
                return unexpected(fmt::format("{} is not {}", quoted, what));
            }
            if (frac.size() == 3 && int_part.size() <= 3 && int_part.front() != '0') {
                const std::string whole = std::string(int_part) + std::string(frac);
                return unexpected(fmt::format(
                    "{} is ambiguous: thousands separator or decimal mark? Write {} or {}{}{}0 "
                    "(or set the cell's format to show decimals)",
                    quoted, whole, int_part, sep, frac));
            }
            plain = std::string(int_part) + "." + std::string(frac);
        }
    } else {
        plain = s;
    }
    auto d = Decimal::parse(plain);
    if (!d) {
        return unexpected(fmt::format("{} is not {} (at most 4 decimals)", quoted, what));
    }
    return negative ? -*d : *d;
}

std::string json_number_text(std::string_view text) {
    const auto dot = text.find('.');
    if (dot != std::string_view::npos && text.find_first_of("eE") == std::string_view::npos &&
        text.size() - dot - 1 == 3) {
        return std::string(text) + "0";
    }
    return std::string(text);
}

// ---------------------------------------------------------------------------------------------
// Periods

Result<Period, std::string> resolve_period(const std::string& from, const std::string& to,
                                           const std::string& month, const std::string& period,
                                           Date today) {
    Period p;
    const int given = (!month.empty() ? 1 : 0) + (!period.empty() ? 1 : 0) +
                      ((!from.empty() || !to.empty()) ? 1 : 0);
    if (given > 1) {
        return unexpected(std::string("give one of --month, --period or --from/--to"));
    }
    if (!month.empty()) {
        int y = 0;
        int m = 0;
        const std::string s = trim(month);
        bool ok = false;
        if (s.size() == 7 && s[4] == '-' && all_digits(s.substr(0, 4)) &&
            all_digits(s.substr(5, 2))) {
            y = std::stoi(s.substr(0, 4));
            m = std::stoi(s.substr(5, 2));
            ok = true;
        } else if (s.size() == 7 && s[2] == '.' && all_digits(s.substr(0, 2)) &&
                   all_digits(s.substr(3, 4))) {
            m = std::stoi(s.substr(0, 2));
            y = std::stoi(s.substr(3, 4));
            ok = true;
        }
        if (!ok || m < 1 || m > 12 || y < 1970) {
            return unexpected(
                fmt::format("--month '{}' is not a month (2026-03 or 03.2026)", month));
        }
        p.from = Date{chr::year(y), chr::month(static_cast<unsigned>(m)), chr::day(1)};
        p.to = last_day(chr::year(y), chr::month(static_cast<unsigned>(m)));
        return p;
    }
    if (!period.empty()) {
        const chr::year_month this_month{today.year(), today.month()};
        const auto q_start = [](chr::year_month ym) {
            const unsigned m = static_cast<unsigned>(ym.month());
            return chr::year_month{ym.year(), chr::month((m - 1) / 3 * 3 + 1)};
        };
        auto month_range = [&](chr::year_month first, int months) {
            const chr::year_month last = first + chr::months(months - 1);
            p.from = Date{first.year(), first.month(), chr::day(1)};
            p.to = last_day(last.year(), last.month());
        };
        if (period == "this-month") {
            month_range(this_month, 1);
        } else if (period == "last-month") {
            month_range(this_month - chr::months(1), 1);
        } else if (period == "this-quarter") {
            month_range(q_start(this_month), 3);
        } else if (period == "last-quarter") {
            month_range(q_start(this_month) - chr::months(3), 3);
        } else if (period == "this-year") {
            month_range(chr::year_month{today.year(), chr::January}, 12);
        } else if (period == "last-year") {
            month_range(chr::year_month{today.year() - chr::years(1), chr::January}, 12);
        } else {
            return unexpected(fmt::format(
                "--period '{}' is not one of this-month, last-month, this-quarter, last-quarter, "
                "this-year, last-year",
                period));
        }
        return p;
    }
    if (!from.empty()) {
        auto d = lexsync::parse_date(from);
        if (!d) {
            return unexpected("--from " + d.error());
        }
        p.from = *d;
    }
    if (!to.empty()) {
        auto d = lexsync::parse_date(to);
        if (!d) {
            return unexpected("--to " + d.error());
        }
        p.to = *d;
    }
    if (p.from && p.to && *p.to < *p.from) {
        return unexpected(std::string("--to is before --from"));
    }
    return p;
}

} // namespace lexsync::table
