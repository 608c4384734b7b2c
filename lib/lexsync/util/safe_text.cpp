#include <algorithm>
#include <array>
#include <cstdint>
#include <lexsync/util/safe_text.hpp>
#include <lexsync/util/utf8.hpp>
#include <mutex>
#include <openssl/crypto.h>
#include <vector>

namespace lexsync {

namespace {

constexpr std::size_t k_min_secret = 8;
// The most secrets remembered (an API key, and the OAuth tokens of a long run's refreshes); the
// oldest go first.
constexpr std::size_t k_max_secrets = 64;

class SecretRegistry {
public:
    ~SecretRegistry() {
        for (auto& s : m_secrets) {
            OPENSSL_cleanse(s.data(), s.size());
        }
    }
    void add(std::string_view secret) {
        std::lock_guard lock(m_mutex);
        if (std::find(m_secrets.begin(), m_secrets.end(), secret) != m_secrets.end()) {
            return;
        }
        if (m_secrets.size() >= k_max_secrets) {
            OPENSSL_cleanse(m_secrets.front().data(), m_secrets.front().size());
            m_secrets.erase(m_secrets.begin());
        }
        m_secrets.emplace_back(secret);
    }
    // Replaces each secret in `text`, longest first (a secret that contains another stays whole).
    void mask(std::string& text) {
        std::lock_guard lock(m_mutex);
        std::vector<const std::string*> order;
        for (const auto& s : m_secrets) {
            order.push_back(&s);
        }
        std::sort(order.begin(), order.end(),
                  [](const std::string* a, const std::string* b) { return a->size() > b->size(); });
        for (const std::string* s : order) {
            std::size_t pos = 0;
            while ((pos = text.find(*s, pos)) != std::string::npos) {
                text.replace(pos, s->size(), "***");
                pos += 3;
            }
        }
    }

private:
    std::mutex m_mutex;
    std::vector<std::string> m_secrets;
};

SecretRegistry& registry() {
    static SecretRegistry r;
    return r;
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Whether `text` at `at` starts with `name` (lower case), case-insensitively, as a whole word.
bool word_at(std::string_view text, std::size_t at, std::string_view name) {
    if (at + name.size() > text.size() || (at > 0 && is_word(text[at - 1]))) {
        return false;
    }
    for (std::size_t k = 0; k < name.size(); ++k) {
        if (lower(text[at + k]) != name[k]) {
            return false;
        }
    }
    const std::size_t end = at + name.size();
    return end == text.size() || !(is_word(text[end]) || text[end] == '-');
}

// Characters a credential value is made of in the places it is masked (token68 and more).
bool is_value_char(char c) {
    return c != '"' && c != '\'' && c != '&' && c != ',' && c != ';' && c != '}' && c != ')' &&
           c != '<' && c != '>' && static_cast<unsigned char>(c) > 0x20;
}

std::size_t skip_spaces(std::string_view t, std::size_t i) {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) {
        ++i;
    }
    return i;
}

std::size_t value_end(std::string_view t, std::size_t i) {
    while (i < t.size() && is_value_char(t[i])) {
        ++i;
    }
    return i;
}

// After a key name: `"`? spaces `:` or `=` spaces `"`?; the start of the value, or npos.
std::size_t after_separator(std::string_view t, std::size_t i) {
    if (i < t.size() && (t[i] == '"' || t[i] == '\'')) {
        ++i;
    }
    i = skip_spaces(t, i);
    if (i >= t.size() || (t[i] != ':' && t[i] != '=')) {
        return std::string_view::npos;
    }
    i = skip_spaces(t, i + 1);
    if (i < t.size() && (t[i] == '"' || t[i] == '\'')) {
        ++i;
    }
    return i;
}

// Whether the word after "Basic " looks like a credential rather than prose ("basic checks").
bool looks_encoded(std::string_view v) {
    if (v.size() < 8) {
        return false;
    }
    bool upper_inside = false;
    for (std::size_t k = 0; k < v.size(); ++k) {
        const char c = v[k];
        if ((c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=') {
            return true;
        }
        upper_inside = upper_inside || (k > 0 && c >= 'A' && c <= 'Z');
    }
    return upper_inside;
}

constexpr std::array<std::string_view, 9> k_secret_keys = {
    "client_secret", "access_token", "refresh_token", "id_token", "api_key",
    "apikey",        "api-key",      "x-api-key",     "password"};

// Masks the credentials `text` names (see redact()).
std::string mask_named(std::string_view t) {
    std::string out;
    out.reserve(t.size());
    std::size_t i = 0;
    while (i < t.size()) {
        std::size_t keep_to = 0; // copy t[i, keep_to) and mask [keep_to, mask_to)
        std::size_t mask_to = 0;
        if (word_at(t, i, "authorization")) {
            const std::size_t v = after_separator(t, i + 13);
            if (v != std::string_view::npos) {
                std::size_t end = value_end(t, v);
                const std::size_t next = skip_spaces(t, end);
                const bool scheme =
                    end > v && next > end && next < t.size() && is_value_char(t[next]) &&
                    std::all_of(t.begin() + static_cast<std::ptrdiff_t>(v),
                                t.begin() + static_cast<std::ptrdiff_t>(end),
                                [](char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; });
                keep_to = scheme ? next : v;
                mask_to = value_end(t, keep_to);
            }
        } else if (const bool bearer = word_at(t, i, "bearer"); bearer || word_at(t, i, "basic")) {
            const std::size_t name_end = i + (bearer ? 6 : 5);
            const std::size_t v = skip_spaces(t, name_end);
            if (v > name_end) {
                const std::size_t end = value_end(t, v);
                if (end > v && (bearer || looks_encoded(t.substr(v, end - v)))) {
                    keep_to = v;
                    mask_to = end;
                }
            }
        } else {
            for (std::string_view key : k_secret_keys) {
                if (word_at(t, i, key)) {
                    const std::size_t v = after_separator(t, i + key.size());
                    if (v != std::string_view::npos) {
                        keep_to = v;
                        mask_to = value_end(t, v);
                    }
                    break;
                }
            }
        }
        if (mask_to > keep_to) {
            out.append(t.substr(i, keep_to - i));
            out += "***";
            i = mask_to;
        } else {
            out += t[i];
            ++i;
        }
    }
    return out;
}

constexpr char k_hex[] = "0123456789abcdef";

void append_escape(std::string& out, const char* prefix, unsigned char c) {
    out += prefix;
    out += k_hex[c >> 4];
    out += k_hex[c & 0x0F];
}

} // namespace

void wipe_secret(std::string& secret) {
    if (!secret.empty()) {
        OPENSSL_cleanse(secret.data(), secret.size());
    }
    secret.clear();
}

void remember_secret(std::string_view secret) {
    if (secret.size() >= k_min_secret) {
        registry().add(secret);
    }
}

std::string redact(std::string_view text) {
    std::string out(text);
    registry().mask(out);
    return mask_named(out);
}

std::string terminal_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t n = utf8::sequence_length(text, i);
        if (n == 0) {
            append_escape(out, "\\x", c);
            ++i;
        } else if (c < 0x20 || c == 0x7F) {
            append_escape(out, "\\x", c);
            ++i;
        } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
            append_escape(out, "\\u00", static_cast<unsigned char>(text[i + 1]));
            i += 2;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string json_output_text(std::string_view json) {
    std::string out;
    out.reserve(json.size());
    std::size_t i = 0;
    while (i < json.size()) {
        const auto c = static_cast<unsigned char>(json[i]);
        const std::size_t n = utf8::sequence_length(json, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD"; // U+FFFD
            ++i;
        } else if (c == 0x7F) {
            // Outside strings JSON has only ASCII punctuation, digits and letters, so DEL and the
            // C1 characters below can only be inside a string.
            out += "\\u007f";
            ++i;
        } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(json[i + 1]) < 0xA0) {
            append_escape(out, "\\u00", static_cast<unsigned char>(json[i + 1]));
            i += 2;
        } else {
            out.append(json.substr(i, n));
            i += n;
        }
    }
    return out;
}

} // namespace lexsync
