// --- Interface ---
// API keys live only in a credentials file of mode 0600 beside the config, one entry per profile,
// or come from $LEXSYNC_API_KEY or the profile's api_key_command.
#pragma once

#include <filesystem>
#include <lexsync/client.hpp>
#include <lexsync/config.hpp>
#include <lexsync/result.hpp>
#include <optional>
#include <string>

namespace lexsync::credentials {

struct CredentialError {
    std::string message; // never contains a key
};

// Reads the key stored for `profile`; nullopt when none. A file readable or writable by group or
// others is refused with a message saying how to fix it (chmod 600).
Result<std::optional<BearerToken>, CredentialError> load(const std::filesystem::path& file,
                                                         const std::string& profile);

// Stores `token` for `profile` atomically (0600, directory created 0700).
Result<bool, CredentialError> store(const std::filesystem::path& file, const std::string& profile,
                                    const BearerToken& token);

// Removes the key of `profile`; returns whether one was there.
Result<bool, CredentialError> remove(const std::filesystem::path& file, const std::string& profile);

// Where the key came from.
enum class Source { environment, command, file, none };

// The key for `profile`: $LEXSYNC_API_KEY, else api_key_command (run through /bin/sh, stdout
// trimmed; the key is never passed in argv), else the credentials file.
Result<std::pair<BearerToken, Source>, CredentialError>
resolve_token(const config::ResolvedProfile& profile, const config::EnvLookup& env);

} // namespace lexsync::credentials
