#include "lexsync/util/encoding.hpp"

#include <openssl/evp.h>
#include <stdexcept>

namespace lexsync {

namespace {

constexpr char k_base64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char k_base64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Six bits per character from `alphabet`; `pad` appends '=' up to a multiple of four.
std::string encode(std::string_view bytes, const char* alphabet, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    unsigned buf = 0;
    int bits = 0;
    for (const char ch : bytes) {
        buf = ((buf << 8) | static_cast<unsigned char>(ch)) & 0xFFFFFFu;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += alphabet[(buf >> bits) & 63];
        }
    }
    if (bits > 0) {
        out += alphabet[(buf << (6 - bits)) & 63];
    }
    while (pad && out.size() % 4 != 0) {
        out += '=';
    }
    return out;
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

} // namespace

std::string base64_encode(std::string_view bytes) {
    return encode(bytes, k_base64, true);
}

std::string base64url_encode(std::string_view bytes) {
    return encode(bytes, k_base64url, false);
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 4 * 3 + 3);
    unsigned buf = 0;
    int bits = 0;
    std::size_t symbols = 0;
    std::size_t padding = 0;
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            continue;
        }
        if (c == '=') {
            ++padding;
            continue;
        }
        const int v = base64_value(c);
        if (v < 0 || padding > 0) {
            return std::nullopt; // a foreign character, or data after the padding
        }
        ++symbols;
        buf = ((buf << 6) | static_cast<unsigned>(v)) & 0xFFFFFFu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buf >> bits) & 0xFF);
        }
    }
    // One symbol left over carries no whole byte; padding completes a group of four at most.
    if (symbols % 4 == 1 || padding > 2 || (padding > 0 && (symbols + padding) % 4 != 0)) {
        return std::nullopt;
    }
    return out;
}

std::string hex_encode(std::string_view bytes) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char ch : bytes) {
        const auto b = static_cast<unsigned char>(ch);
        out += k_hex[b >> 4];
        out += k_hex[b & 0x0F];
    }
    return out;
}

std::string sha256(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed (OpenSSL EVP_Digest)");
    }
    return std::string(reinterpret_cast<const char*>(digest), len);
}

std::string sha256_hex(std::string_view data) {
    return hex_encode(sha256(data));
}

} // namespace lexsync
