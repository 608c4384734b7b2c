// --- Interface ---
// Local checks of a receipt before it is sent to lexoffice: the size limit, the file type by
// extension and by content (magic bytes), and for XML that it is a well-formed e-invoice (UBL
// Invoice/CreditNote or CII CrossIndustryInvoice). Pure logic: no requests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <lexsync/util/result.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace lexsync::file_check {

// The file types lexoffice's upload accepts.
enum class FileKind { pdf, jpeg, png, xml };

// The upload size limit, inclusive (API reference 9.9): 5 MiB.
inline constexpr std::uintmax_t k_max_bytes = 5'242'880;

// The e-invoice syntaxes lexoffice reads from XML.
enum class EInvoice { ubl_invoice, ubl_credit_note, cii };

// Returns "PDF", "JPEG", "PNG" or "XML" for `k`.
const char* kind_name(FileKind k);
// Returns the MIME type sent with a file of kind `k` ("application/pdf", …).
const char* content_type(FileKind k);
// Returns the kind that the extension of `path` promises (.pdf, .jpg, .jpeg, .png, .xml, any
// case), or nullopt for any other extension.
std::optional<FileKind> kind_from_extension(const std::filesystem::path& path);
// Returns the kind the first bytes of `content` show, or nullopt when they show none of the four.
std::optional<FileKind> sniff(std::string_view content);
// Returns "UBL Invoice", "UBL CreditNote" or "CII CrossIndustryInvoice" for `e`.
const char* e_invoice_name(EInvoice e);

// Parses `xml` (UTF-8) as well-formed XML and tells which e-invoice its root element is; returns a
// reason ("not well-formed at line 3: …", "root element <Order> is not an e-invoice …") otherwise.
Result<EInvoice, std::string> detect_e_invoice(std::string_view xml);

// Checks a file size before reading: returns a reason when `size` is 0 or above k_max_bytes.
std::optional<std::string> check_size(std::uintmax_t size);

// Checks the file named `path` with `content` (size, extension, magic bytes, e-invoice XML);
// returns its kind or the reason it must not be uploaded.
Result<FileKind, std::string> check(const std::filesystem::path& path, std::string_view content);

} // namespace lexsync::file_check
