#pragma once

// Byte encodings and digests shared by the client and the sandbox: base64 (RFC 4648 §4) for HTTP
// Basic credentials and webhook signatures, base64url (§5) for PKCE and tokens, lower-case hex,
// and SHA-256 through OpenSSL.

#include <optional>
#include <string>
#include <string_view>

namespace lexsync {

// base64 with padding.
std::string base64_encode(std::string_view bytes);
// base64url without padding.
std::string base64url_encode(std::string_view bytes);
// Decodes base64 (standard alphabet; white space ignored, missing padding tolerated); nullopt for
// any other character or padding that is not at the end.
std::optional<std::string> base64_decode(std::string_view text);

// Each byte as two lower-case hex digits.
std::string hex_encode(std::string_view bytes);

// The SHA-256 digest of `data` (32 bytes); throws std::runtime_error if OpenSSL fails.
std::string sha256(std::string_view data);
// hex_encode(sha256(data)).
std::string sha256_hex(std::string_view data);

} // namespace lexsync
