// --- Interface ---
// API keys live only in a credentials file of mode 0600 beside the config, one entry per profile,
// or come from $LEXSYNC_API_KEY or the profile's api_key_command. A profile connected with OAuth
// keeps its access and refresh token in the same file instead of an API key; every write of the
// file happens under an flock on "<file>.lock", so that concurrent processes never lose each
// other's updates (and refresh-token rotations).
#pragma once

#include <cstdint>
#include <filesystem>
#include <lexsync/http/stack.hpp>
#include <lexsync/store/config.hpp>
#include <lexsync/util/file_lock.hpp>
#include <lexsync/util/result.hpp>
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
// trimmed; the key is never passed in argv), else the credentials file (its API key, or the
// OAuth access token of a profile connected with OAuth; see load_oauth).
Result<std::pair<BearerToken, Source>, CredentialError>
resolve_token(const config::ResolvedProfile& profile, const config::EnvLookup& env);

// Where a key from `source` came from, and what to do when lexoffice refuses it, in one sentence
// ("the key came from $LEXSYNC_API_KEY, which overrides ...; ..."), for errors and doctor.
std::string refused_key_advice(Source source, const config::ResolvedProfile& profile);
// Where a key from `source` came from, in a few words ("$LEXSYNC_API_KEY").
std::string source_text(Source source, const config::ResolvedProfile& profile);

// The tokens of one OAuth connection as stored for a profile.
struct OAuthTokens {
    BearerToken access_token;
    BearerToken refresh_token;
    std::int64_t obtained_at = 0; // Unix seconds when the access token was issued
    std::int64_t expires_at = 0;  // Unix seconds when the server lets it expire
    std::string scope;            // space-separated, as granted
    std::string client_id;        // the partner application that issued them
};

// An exclusive flock on "<file>.lock" (created 0600, its directory 0700), held for the object's
// lifetime; other processes and threads that lock the same file wait.
class CredentialsLock {
public:
    explicit CredentialsLock(const std::filesystem::path& file);
    CredentialsLock(const CredentialsLock&) = delete;
    CredentialsLock& operator=(const CredentialsLock&) = delete;
    ~CredentialsLock();
    // False when the lock file could not be opened or locked (see error()).
    bool locked() const { return m_lock.has_value(); }
    const std::string& error() const { return m_error; }

private:
    std::optional<FileLock> m_lock;
    std::string m_error;
};

// The OAuth tokens stored for `profile`; nullopt when it has none (or an API key instead).
Result<std::optional<OAuthTokens>, CredentialError> load_oauth(const std::filesystem::path& file,
                                                               const std::string& profile);

// Stores `tokens` for `profile` (replacing an API key of that profile), taking the lock.
Result<bool, CredentialError> store_oauth(const std::filesystem::path& file,
                                          const std::string& profile, const OAuthTokens& tokens);

// The same for a caller that already holds a CredentialsLock on `file`.
Result<bool, CredentialError> store_oauth_locked(const std::filesystem::path& file,
                                                 const std::string& profile,
                                                 const OAuthTokens& tokens);

// Runs `command` through /bin/sh (stdin and stderr inherited) and returns the first line of its
// output, trimmed; `what` names it in errors ("oauth_client_secret_command of profile 'x'"). The
// output never appears in an error.
Result<BearerToken, CredentialError> run_secret_command(const std::string& command,
                                                        const std::string& what);

} // namespace lexsync::credentials
