#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <lexsync/formats/file_check.hpp>
#include <lexsync/formats/xml.hpp>
#include <lexsync/util/strings.hpp>
#include <vector>

namespace lexsync::file_check {

namespace {

constexpr std::string_view k_ubl_invoice_ns =
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
constexpr std::string_view k_ubl_credit_note_ns =
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
constexpr std::string_view k_cii_ns =
    "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";

// The root element of a document: its qualified name and its attributes.
struct RootElement {
    std::string name;
    std::vector<std::pair<std::string, std::string>> attributes;
};

// Keeps the root element of a document read with expat.
class RootReader : public xml::Handler {
public:
    void start(std::string_view name, const xml::Attributes& attributes) override {
        if (m_depth++ == 0) {
            root.name = std::string(name);
            for (const auto& [k, v] : attributes) {
                root.attributes.emplace_back(std::string(k), std::string(v));
            }
        }
    }
    void end(std::string_view) override { --m_depth; }
    void text(std::string_view) override {}
    RootElement root;

private:
    int m_depth = 0;
};

// Checks that `text` is well-formed XML (expat, nothing expanded or fetched) and returns its
// root element.
Result<RootElement, std::string> read_root(std::string_view text) {
    if (text.starts_with("\xFE\xFF") || text.starts_with("\xFF\xFE")) {
        return unexpected(std::string("UTF-16 XML is not supported (save it as UTF-8)"));
    }
    RootReader reader;
    if (auto e = xml::parse(text, reader); !e.empty()) {
        return unexpected(std::move(e));
    }
    return std::move(reader.root);
}

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
    if (content.starts_with("\xFF\xD8\xFF")) {
        return FileKind::jpeg;
    }
    if (content.starts_with("\x89PNG\r\n\x1A\n")) {
        return FileKind::png;
    }
    if (content.starts_with("%PDF-")) {
        return FileKind::pdf;
    }
    std::string_view s = content;
    if (s.starts_with("\xEF\xBB\xBF")) {
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
    auto root = read_root(xml);
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
