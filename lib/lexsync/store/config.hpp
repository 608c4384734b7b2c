// --- Interface ---
// Profiles: one TOML table per connected account in $XDG_CONFIG_HOME/lexsync/config.toml.
// Precedence for every setting: command-line flag > environment > profile > default.
// The profile itself: --profile > $LEXSYNC_PROFILE > top-level default_profile > "default".
// Environment per setting: base_url $LEXSYNC_BASE_URL, state_dir $LEXSYNC_STATE_DIR (the directory
// itself); the others have none. Defaults: base_url https://api.lexware.io, state_dir
// $XDG_STATE_HOME/lexsync/<profile> (~/.local/state/lexsync/<profile>). Details in config.cpp.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <lexsync/util/result.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lexsync::config {

// Key names in the TOML file.
inline constexpr const char* k_base_url = "base_url";
inline constexpr const char* k_rate_limit = "rate_limit"; // requests per second (float)
inline constexpr const char* k_rate_burst = "rate_burst"; // bucket capacity (int)
inline constexpr const char* k_output = "output";         // json | ndjson | csv | table
inline constexpr const char* k_state_dir = "state_dir";
inline constexpr const char* k_api_key_command = "api_key_command";
inline constexpr const char* k_ca_bundle = "ca_bundle";
inline constexpr const char* k_timeout = "timeout";                 // seconds (total per request)
inline constexpr const char* k_rate_limit_wait = "rate_limit_wait"; // seconds of 429 waits
inline constexpr const char* k_invoice_mode = "invoice_mode"; // invoice | voucher (invoices export)
inline constexpr const char* k_revenue_category = "revenue_category"; // posting category name or id
inline constexpr const char* k_oauth_client_id = "oauth_client_id";   // partner application (OAuth)
inline constexpr const char* k_oauth_client_secret_command = "oauth_client_secret_command";
inline constexpr const char* k_oauth_base_url = "oauth_base_url";         // authorization server
inline constexpr const char* k_webhook_public_key = "webhook_public_key"; // PEM file (webhooks)
inline constexpr const char* k_transactions_mapping = "transactions_mapping"; // name or TOML file
inline constexpr const char* k_finance_account_system = "finance_account_system"; // accountSystem
inline constexpr const char* k_sync = "sync"; // [profiles.X.sync]: the jobs of `lexsync sync`
inline constexpr const char* k_default_profile = "default_profile"; // top-level key

// Environment variables.
inline constexpr const char* k_env_config = "LEXSYNC_CONFIG";
inline constexpr const char* k_env_profile = "LEXSYNC_PROFILE";
inline constexpr const char* k_env_api_key = "LEXSYNC_API_KEY";
inline constexpr const char* k_env_base_url = "LEXSYNC_BASE_URL";
inline constexpr const char* k_env_state_dir = "LEXSYNC_STATE_DIR";
inline constexpr const char* k_env_rate_limit_wait = "LEXSYNC_RATE_LIMIT_WAIT";

inline constexpr const char* k_default_base_url = "https://api.lexware.io";
inline constexpr const char* k_default_profile_name = "default";

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// A configuration problem: "path:line:column: message" when the position is known.
struct ConfigError {
    std::string message;
};

// The jobs of `lexsync sync` ([profiles.X.sync]); an unset key disables its job.
struct SyncSettings {
    std::optional<std::string> contacts_pull_out;    // contacts pull --out FILE
    std::optional<std::string> contacts_pull_format; // json | ndjson | csv (default: extension)
    std::optional<std::string> invoices_pull_dir;    // invoices pull --out DIR
    std::optional<std::string> invoices_pull_from;   // yyyy-mm-dd (default: 1 Jan last year)
    std::optional<std::string> invoices_export_file; // invoices export FILE
    std::vector<std::string> receipts_dirs;          // vouchers upload DIR...
    // True when no job is configured.
    bool empty() const {
        return !contacts_pull_out && !invoices_pull_dir && !invoices_export_file &&
               receipts_dirs.empty();
    }
};

// One profile as written in the file (unset settings are nullopt).
struct ProfileSettings {
    std::string name;
    std::optional<std::string> base_url;
    std::optional<double> rate_limit;
    std::optional<int> rate_burst;
    std::optional<std::string> output;
    std::optional<std::string> state_dir;
    std::optional<std::string> api_key_command;
    std::optional<std::string> ca_bundle;
    std::optional<double> timeout;
    std::optional<double> rate_limit_wait;
    std::optional<std::string> invoice_mode;
    std::optional<std::string> revenue_category;
    std::optional<std::string> oauth_client_id;
    std::optional<std::string> oauth_client_secret_command;
    std::optional<std::string> oauth_base_url;
    std::optional<std::string> webhook_public_key;
    std::optional<std::string> transactions_mapping;   // transactions export --mapping
    std::optional<std::string> finance_account_system; // transactions export --account-system
    SyncSettings sync;
};

struct ConfigFile {
    std::filesystem::path path; // may not exist
    bool exists = false;
    std::optional<std::string> default_profile;
    std::map<std::string, ProfileSettings> profiles;
};

// Where the config file is: `flag`, else $LEXSYNC_CONFIG, else
// $XDG_CONFIG_HOME/lexsync/config.toml, else ~/.config/lexsync/config.toml.
std::filesystem::path config_path(const std::optional<std::string>& flag, const EnvLookup& env);

// The credentials file beside the config file ("credentials.toml", mode 0600).
std::filesystem::path credentials_path(const std::filesystem::path& config_file);

// Reads and validates `path` (unknown keys and wrong types are errors with line and column).
// A missing file is not an error: it yields an empty ConfigFile.
Result<ConfigFile, ConfigError> load(const std::filesystem::path& path);
// The same for the text `text` of the file `path` (for messages), e.g. an edit before it is
// written.
Result<ConfigFile, ConfigError> load_text(const std::string& text,
                                          const std::filesystem::path& path);

// The top-level settings a profile table takes (base_url, rate_limit, …; not the sync table).
bool is_profile_key(std::string_view key);
// Those names, in the order of the documentation (for completion).
std::vector<std::string> profile_keys();
// Those names, comma-separated, for messages.
std::string profile_keys_text();
// The TOML value of setting `key` given as text `value`: a number for the numeric settings when
// `value` is one, else a quoted string (load_text() then says what is wrong with it).
std::string toml_value_for(std::string_view key, std::string_view value);
// The settings of `p` as {key, value as text}, in file order; the sync jobs as sync.KEY.
std::vector<std::pair<std::string, std::string>> profile_settings(const ProfileSettings& p);

// Writes or replaces the table `settings.name` in `path` atomically with mode 0600, keeping the
// other profiles; the file is edited line by line, so its comments and order stay (a profile
// given as an inline table or by dotted keys is rewritten instead).
Result<bool, ConfigError> save_profile(const std::filesystem::path& path,
                                       const ProfileSettings& settings);

// Everything a command needs about the selected profile, after applying precedence.
struct ResolvedProfile {
    std::string name;
    std::filesystem::path config_file;
    bool defined_in_file = false; // false: running on defaults and environment only
    std::string base_url;
    double rate_limit = 2.0;
    int rate_burst = 2;
    std::string output; // empty: choose by TTY
    std::filesystem::path state_dir;
    std::optional<std::string> api_key_command;
    std::optional<std::filesystem::path> ca_bundle;
    double timeout_seconds = 60;
    // timeout_seconds as a duration: how long one request may run.
    std::chrono::milliseconds request_timeout() const {
        return std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
    }
    // How long one request waits out 429 answers in all before giving up (seconds).
    double rate_limit_wait_seconds = 900;
    // The directory of the limiter files shared by every profile of this user:
    // $XDG_STATE_HOME/lexsync/.ratelimit (~/.local/state/lexsync/.ratelimit).
    std::filesystem::path limiter_dir;
    std::optional<std::string> invoice_mode;     // invoices export: "invoice" or "voucher"
    std::optional<std::string> revenue_category; // invoices export --as voucher: name or id
    std::optional<std::string> oauth_client_id;  // auth login --oauth, refreshes
    std::optional<std::string> oauth_client_secret_command; // prints the client secret
    std::optional<std::string> oauth_base_url; // authorization server (default app.lexware.de)
    std::optional<std::filesystem::path> webhook_public_key; // webhooks listen: PEM file
    std::optional<std::string> transactions_mapping;   // transactions export: name or TOML file
    std::optional<std::string> finance_account_system; // transactions export: accountSystem
    SyncSettings sync;                                 // paths with a leading "~/" expanded
};

// Flags that override the profile.
struct Overrides {
    std::optional<std::string> profile;
    std::optional<std::string> base_url;
    std::optional<std::string> output;
};

// The profile a command works on: the flag, else $LEXSYNC_PROFILE, else the file's
// default_profile, else "default".
std::string selected_profile_name(const ConfigFile& file, const std::optional<std::string>& flag,
                                  const EnvLookup& env);

// Picks the profile (selected_profile_name) and applies
// flag > environment > profile > default to each setting. Selecting a profile that is not in the
// file is an error unless it is the default one.
Result<ResolvedProfile, ConfigError> resolve(const ConfigFile& file, const Overrides& overrides,
                                             const EnvLookup& env);

} // namespace lexsync::config
