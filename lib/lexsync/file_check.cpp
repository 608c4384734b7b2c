#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <lexsync/file_check.hpp>
#include <lexsync/strings.hpp>
#include <vector>

namespace lexsync::file_check {

namespace {

constexpr std::string_view k_ubl_invoice_ns =
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
constexpr std::string_view k_ubl_credit_note_ns =
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
constexpr std::string_view k_cii_ns =
    "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// The root element of a document: its qualified name and its attributes.
struct RootElement {
    std::string name;
    std::vector<std::pair<std::string, std::string>> attributes;
};

// A small non-validating XML well-formedness checker: elements nest and match, attributes are
// quoted and unique, references are well-formed, and only one root element exists. It expands
// nothing and never fetches anything (no DTD, no external entities).
class XmlChecker {
public:
    explicit XmlChecker(std::string_view text) : m_s(text) {}

    Result<RootElement, std::string> run() {
        if (starts_with(m_s, "\xEF\xBB\xBF")) {
            m_i = 3;
        } else if (starts_with(m_s, "\xFE\xFF") || starts_with(m_s, "\xFF\xFE")) {
            return unexpected(std::string("UTF-16 XML is not supported (save it as UTF-8)"));
        }
        RootElement root;
        bool have_root = false;
        std::vector<std::string> open;
        while (m_i < m_s.size()) {
            if (m_s[m_i] != '<') {
                if (open.empty()) {
                    if (!std::isspace(static_cast<unsigned char>(m_s[m_i]))) {
                        return fail(have_root ? "text after the root element"
                                              : "text before the root element");
                    }
                    advance(1);
                    continue;
                }
                if (auto e = text(); !e.empty()) {
                    return fail(e);
                }
                continue;
            }
            const std::string_view rest = m_s.substr(m_i);
            if (starts_with(rest, "<?")) {
                if (!skip_past("?>")) {
                    return fail("unterminated processing instruction");
                }
            } else if (starts_with(rest, "<!--")) {
                if (!skip_past("-->")) {
                    return fail("unterminated comment");
                }
            } else if (starts_with(rest, "<![CDATA[")) {
                if (open.empty()) {
                    return fail("CDATA outside the root element");
                }
                if (!skip_past("]]>")) {
                    return fail("unterminated CDATA section");
                }
            } else if (starts_with(rest, "<!DOCTYPE")) {
                if (have_root || !open.empty()) {
                    return fail("DOCTYPE after the root element started");
                }
                if (!skip_doctype()) {
                    return fail("unterminated DOCTYPE");
                }
            } else if (starts_with(rest, "</")) {
                advance(2);
                const std::string name = read_name();
                skip_space();
                if (name.empty() || m_i >= m_s.size() || m_s[m_i] != '>') {
                    return fail("malformed end tag");
                }
                advance(1);
                if (open.empty() || open.back() != name) {
                    return fail(
                        open.empty()
                            ? fmt::format("end tag </{}> without a start tag", name)
                            : fmt::format("end tag </{}> does not match <{}>", name, open.back()));
                }
                open.pop_back();
            } else {
                advance(1);
                const std::string name = read_name();
                if (name.empty()) {
                    return fail("malformed start tag");
                }
                if (open.empty() && have_root) {
                    return fail("a second root element <" + name + ">");
                }
                std::vector<std::pair<std::string, std::string>> attrs;
                bool self_closing = false;
                for (;;) {
                    const bool spaced = skip_space();
                    if (m_i >= m_s.size()) {
                        return fail("unterminated start tag <" + name + ">");
                    }
                    if (m_s[m_i] == '>') {
                        advance(1);
                        break;
                    }
                    if (starts_with(m_s.substr(m_i), "/>")) {
                        advance(2);
                        self_closing = true;
                        break;
                    }
                    if (!spaced) {
                        return fail("missing space between attributes in <" + name + ">");
                    }
                    const std::string attr = read_name();
                    skip_space();
                    if (attr.empty() || m_i >= m_s.size() || m_s[m_i] != '=') {
                        return fail("malformed attribute in <" + name + ">");
                    }
                    advance(1);
                    skip_space();
                    if (m_i >= m_s.size() || (m_s[m_i] != '"' && m_s[m_i] != '\'')) {
                        return fail("unquoted attribute value in <" + name + ">");
                    }
                    const char quote = m_s[m_i];
                    advance(1);
                    const auto end = m_s.find(quote, m_i);
                    if (end == std::string_view::npos) {
                        return fail("unterminated attribute value in <" + name + ">");
                    }
                    const std::string_view value = m_s.substr(m_i, end - m_i);
                    if (value.find('<') != std::string_view::npos) {
                        return fail("'<' in an attribute value of <" + name + ">");
                    }
                    if (auto e = check_references(value); !e.empty()) {
                        return fail(e);
                    }
                    advance(end - m_i + 1);
                    for (const auto& a : attrs) {
                        if (a.first == attr) {
                            return fail("duplicate attribute " + attr + " in <" + name + ">");
                        }
                    }
                    attrs.emplace_back(attr, std::string(value));
                }
                if (open.empty()) {
                    have_root = true;
                    root.name = name;
                    root.attributes = attrs;
                }
                if (!self_closing) {
                    open.push_back(name);
                }
            }
        }
        if (!open.empty()) {
            return fail("element <" + open.back() + "> is not closed");
        }
        if (!have_root) {
            return fail("no root element");
        }
        return root;
    }

private:
    Unexpected<std::string> fail(const std::string& what) const {
        return unexpected(fmt::format("not well-formed XML at line {}: {}", m_line, what));
    }

    void advance(std::size_t n) {
        for (std::size_t k = 0; k < n && m_i < m_s.size(); ++k, ++m_i) {
            if (m_s[m_i] == '\n') {
                ++m_line;
            }
        }
    }

    bool skip_space() {
        const std::size_t start = m_i;
        while (m_i < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_i]))) {
            advance(1);
        }
        return m_i != start;
    }

    bool skip_past(std::string_view end) {
        const auto pos = m_s.find(end, m_i);
        if (pos == std::string_view::npos) {
            return false;
        }
        advance(pos + end.size() - m_i);
        return true;
    }

    bool skip_doctype() {
        int brackets = 0;
        while (m_i < m_s.size()) {
            const char c = m_s[m_i];
            advance(1);
            if (c == '[') {
                ++brackets;
            } else if (c == ']') {
                --brackets;
            } else if (c == '>' && brackets <= 0) {
                return true;
            }
        }
        return false;
    }

    static bool name_char(char c) {
        return !std::isspace(static_cast<unsigned char>(c)) && c != '<' && c != '>' && c != '/' &&
               c != '=' && c != '"' && c != '\'' && c != '&' && c != '?' && c != '!';
    }

    std::string read_name() {
        const std::size_t start = m_i;
        while (m_i < m_s.size() && name_char(m_s[m_i])) {
            advance(1);
        }
        std::string name(m_s.substr(start, m_i - start));
        if (!name.empty() && (std::isdigit(static_cast<unsigned char>(name[0])) || name[0] == '-' ||
                              name[0] == '.')) {
            return {};
        }
        return name;
    }

    // Character data up to the next `<`: checks references and rejects "]]>".
    std::string text() {
        const auto end = std::min(m_s.find('<', m_i), m_s.size());
        const std::string_view t = m_s.substr(m_i, end - m_i);
        if (t.find("]]>") != std::string_view::npos) {
            return "']]>' in text";
        }
        auto e = check_references(t);
        if (e.empty()) {
            advance(end - m_i);
        }
        return e;
    }

    static std::string check_references(std::string_view t) {
        for (std::size_t p = t.find('&'); p != std::string_view::npos; p = t.find('&', p + 1)) {
            const auto semi = t.find(';', p);
            if (semi == std::string_view::npos || semi == p + 1) {
                return "'&' that does not start a reference";
            }
            const std::string_view ref = t.substr(p + 1, semi - p - 1);
            if (ref[0] == '#') {
                const bool hex = ref.size() > 1 && ref[1] == 'x';
                const std::string_view digits = ref.substr(hex ? 2 : 1);
                if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [hex](char c) {
                        return hex ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                                   : std::isdigit(static_cast<unsigned char>(c)) != 0;
                    })) {
                    return "malformed character reference &" + std::string(ref) + ";";
                }
            } else if (!std::all_of(ref.begin(), ref.end(), name_char)) {
                return "malformed entity reference";
            }
        }
        return {};
    }

    std::string_view m_s;
    std::size_t m_i = 0;
    long m_line = 1;
};

} // namespace

const char* kind_name(FileKind k) {
    switch (k) {
    case FileKind::pdf:
        return "PDF";
    case FileKind::jpeg:
        return "JPEG";
    case FileKind::png:
        return "PNG";
    case FileKind::xml:
        return "XML";
    }
    return "?";
}

const char* content_type(FileKind k) {
    switch (k) {
    case FileKind::pdf:
        return "application/pdf";
    case FileKind::jpeg:
        return "image/jpeg";
    case FileKind::png:
        return "image/png";
    case FileKind::xml:
        return "application/xml";
    }
    return "application/octet-stream";
}

std::optional<FileKind> kind_from_extension(const std::filesystem::path& path) {
    const std::string ext = ascii_lower(path.extension().string());
    if (ext == ".pdf") {
        return FileKind::pdf;
    }
    if (ext == ".jpg" || ext == ".jpeg") {
        return FileKind::jpeg;
    }
    if (ext == ".png") {
        return FileKind::png;
    }
    if (ext == ".xml") {
        return FileKind::xml;
    }
    return std::nullopt;
}

std::optional<FileKind> sniff(std::string_view content) {
    if (starts_with(content, "\xFF\xD8\xFF")) {
        return FileKind::jpeg;
    }
    if (starts_with(content, "\x89PNG\r\n\x1A\n")) {
        return FileKind::png;
    }
    if (starts_with(content, "%PDF-")) {
        return FileKind::pdf;
    }
    std::string_view s = content;
    if (starts_with(s, "\xEF\xBB\xBF")) {
        s.remove_prefix(3);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    if (!s.empty() && s.front() == '<') {
        return FileKind::xml;
    }
    // PDF readers accept the header anywhere in the first 1024 bytes.
    if (content.substr(0, 1024).find("%PDF-") != std::string_view::npos) {
        return FileKind::pdf;
    }
    return std::nullopt;
}

const char* e_invoice_name(EInvoice e) {
    switch (e) {
    case EInvoice::ubl_invoice:
        return "UBL Invoice";
    case EInvoice::ubl_credit_note:
        return "UBL CreditNote";
    case EInvoice::cii:
        return "CII CrossIndustryInvoice";
    }
    return "?";
}

Result<EInvoice, std::string> detect_e_invoice(std::string_view xml) {
    auto root = XmlChecker(xml).run();
    if (!root) {
        return unexpected(std::move(root).error());
    }
    const std::string& qname = root->name;
    const auto colon = qname.find(':');
    const std::string prefix = colon == std::string::npos ? "" : qname.substr(0, colon);
    const std::string local = colon == std::string::npos ? qname : qname.substr(colon + 1);
    const std::string ns_attr = prefix.empty() ? "xmlns" : "xmlns:" + prefix;
    std::string ns;
    for (const auto& [k, v] : root->attributes) {
        if (k == ns_attr) {
            ns = v;
        }
    }
    struct Known {
        std::string_view local;
        std::string_view ns;
        EInvoice kind;
    };
    static constexpr Known k_known[] = {
        {"Invoice", k_ubl_invoice_ns, EInvoice::ubl_invoice},
        {"CreditNote", k_ubl_credit_note_ns, EInvoice::ubl_credit_note},
        {"CrossIndustryInvoice", k_cii_ns, EInvoice::cii}};
    for (const auto& k : k_known) {
        if (local == k.local) {
            if (ns == k.ns) {
                return k.kind;
            }
            return unexpected(fmt::format("root element <{}> is not in the {} namespace {}", qname,
                                          e_invoice_name(k.kind), k.ns));
        }
    }
    return unexpected(fmt::format("root element <{}> is not an e-invoice (expected UBL Invoice or "
                                  "CreditNote, or CII CrossIndustryInvoice)",
                                  qname));
}

std::optional<std::string> check_size(std::uintmax_t size) {
    if (size == 0) {
        return std::string("empty file");
    }
    if (size > k_max_bytes) {
        return fmt::format("too large: {} bytes, lexoffice accepts at most {} bytes (5 MiB)", size,
                           k_max_bytes);
    }
    return std::nullopt;
}

Result<FileKind, std::string> check(const std::filesystem::path& path, std::string_view content) {
    if (auto bad = check_size(content.size())) {
        return unexpected(std::move(*bad));
    }
    const auto expected = kind_from_extension(path);
    if (!expected) {
        const std::string ext = path.extension().string();
        return unexpected(
            fmt::format("unsupported file type{} (lexoffice takes PDF, JPG, PNG and "
                        "XML e-invoices)",
                        ext.empty() ? std::string(" (no extension)") : " '" + ext + "'"));
    }
    const auto actual = sniff(content);
    if (actual != expected) {
        return unexpected(fmt::format(
            "content is not {} although the name ends in {}{}", kind_name(*expected),
            path.extension().string(),
            actual ? fmt::format(" (it looks like {})", kind_name(*actual)) : std::string()));
    }
    if (*expected == FileKind::xml) {
        auto e = detect_e_invoice(content);
        if (!e) {
            return unexpected(std::move(e).error());
        }
    }
    return *expected;
}

} // namespace lexsync::file_check
