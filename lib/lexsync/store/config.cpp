#include <algorithm>
#include <array>
// Profiles and their precedence.
//
// The file ($LEXSYNC_CONFIG, else $XDG_CONFIG_HOME/lexsync/config.toml, else
// ~/.config/lexsync/config.toml; --config overrides all three) looks like this:
//
//     default_profile = "shop"          # optional
//
//     [profiles.shop]
//     base_url = "https://api.lexware.io"
//     rate_limit = 1.5                  # requests per second, 0 < x <= 10
//     rate_burst = 2                    # 1..10
//     output = "table"                  # json | ndjson | csv | table
//     state_dir = "~/lexsync-state/shop"
//     api_key_command = "pass show lexoffice/shop"
//     ca_bundle = "/etc/ssl/certs/ca-certificates.crt"
//     timeout = 60                      # seconds per request, > 0
//     rate_limit_wait = 900             # seconds one request may wait out 429 answers in all
//     invoice_mode = "voucher"          # invoices export: invoice | voucher
//     revenue_category = "Einnahmen"    # invoices export --as voucher: posting category name or id
//     oauth_client_id = "…"             # auth login --oauth: the partner application's client id
//     oauth_client_secret_command = "pass show lexoffice/client-secret"   # prints the secret
//     oauth_base_url = "https://app.lexware.de"   # authorization server (default)
//
//     webhook_public_key = "~/.config/lexsync/lexoffice-webhook.pub"  # webhooks listen: PEM key
//     transactions_mapping = "stripe-balance"  # transactions export: mapping name or TOML file
//     finance_account_system = "…"      # transactions export: accountSystem issued by Lexware
//
//     [profiles.shop.sync]              # the jobs of `lexsync sync`; an unset key skips its job
//     contacts_pull_out = "~/exports/contacts.csv"  # contacts pull --out
//     contacts_pull_format = "csv"      # json | ndjson | csv (default: by the file's extension)
//     invoices_pull_dir = "~/archive/invoices"      # invoices pull --out
//     invoices_pull_from = "2024-01-01" # first voucher date (default: 1 January of last year)
//     invoices_export_file = "~/outbox/invoices.csv" # invoices export FILE
//     receipts_dirs = ["~/Belege"]      # vouchers upload DIR... (a string or an array)
//
// Which profile: --profile > $LEXSYNC_PROFILE > default_profile > "default". A named profile that
// is not in the file is an error, except "default", which may run on defaults and environment.
//
// Each setting, first one set wins:
//
//     setting     flag         environment         profile key      default
//     base_url    --base-url   $LEXSYNC_BASE_URL   base_url         https://api.lexware.io
//     output      -o/--output  -                   output           "" (chosen by TTY)
//     state_dir   -            $LEXSYNC_STATE_DIR  state_dir $XDG_STATE_HOME/lexsync/<profile>
//                                                                   (~/.local/state/lexsync/<profile>)
//     rate_limit_wait -        $LEXSYNC_RATE_LIMIT_WAIT rate_limit_wait 900 (seconds)
//     others      -            -                   their key        ResolvedProfile's initialisers
//
// The rate limiter's shared files are not per profile: one per API key and host for the user, in
// $XDG_STATE_HOME/lexsync/.ratelimit (a name no profile can have).
//
// $LEXSYNC_STATE_DIR names the state directory itself (not a root for all profiles). Empty
// environment variables count as unset. A leading "~/" in state_dir and ca_bundle means $HOME.
#include <charconv>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/store/config.hpp>
#include <lexsync/store/config_edit.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <lexsync/util/toml_guard.hpp>
#include <pwd.h>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

namespace lexsync::config {

namespace {

std::optional<std::string> env_value(const EnvLookup& env, const std::string& name) {
    if (!env) {
        return std::nullopt;
    }
    auto v = env(name);
    if (v && v->empty()) {
        return std::nullopt;
    }
    return v;
}

std::filesystem::path home_dir(const EnvLookup& env) {
    if (auto home = env_value(env, "HOME")) {
        return *home;
    }
    if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir != nullptr) {
        return pw->pw_dir;
    }
    return ".";
}

std::string expand_home(const std::string& p, const EnvLookup& env) {
    if (p == "~") {
        return home_dir(env).string();
    }
    if (p.rfind("~/", 0) == 0) {
        return (home_dir(env) / p.substr(2)).string();
    }
    return p;
}

ConfigError error_at(const std::filesystem::path& path, const toml::source_region& where,
                     const std::string& message) {
    return ConfigError{
        fmt::format("{}:{}:{}: {}", path.string(), where.begin.line, where.begin.column, message)};
}

const char* type_name(const toml::node& n) {
    switch (n.type()) {
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    default:
        return "a date or time";
    }
}

bool valid_base_url(const std::string& url) {
    for (const char* scheme : {"http://", "https://"}) {
        const std::string s(scheme);
        if (url.size() > s.size() && url.compare(0, s.size(), s) == 0) {
            return true;
        }
    }
    return false;
}

bool valid_output(const std::string& o) {
    return o == "json" || o == "ndjson" || o == "csv" || o == "table";
}

// Profile names end up in directory names, so keep them to a safe alphabet.
bool valid_profile_name(const std::string& name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::string strip_trailing_slashes(std::string url) {
    while (url.size() > 1 && url.back() == '/') {
        url.pop_back();
    }
    return url;
}

// Reads a `[profiles.<name>.sync]` table into `out`.
std::optional<ConfigError> read_sync(const std::filesystem::path& path, const std::string& profile,
                                     const toml::table& t, SyncSettings& out) {
    for (auto&& entry : t) {
        const auto& key = entry.first; // no structured binding: lambdas below capture these
        const auto& node = entry.second;
        const std::string k(key.str());
        const auto& where = node.source();
        auto want_string = [&](std::optional<std::string>& dst) -> std::optional<ConfigError> {
            if (!node.is_string() || node.value<std::string>()->empty()) {
                return error_at(path, where, fmt::format("sync.{} must be a non-empty string", k));
            }
            dst = *node.value<std::string>();
            return std::nullopt;
        };
        std::optional<ConfigError> err;
        if (k == "contacts_pull_out") {
            err = want_string(out.contacts_pull_out);
        } else if (k == "contacts_pull_format") {
            err = want_string(out.contacts_pull_format);
            if (!err && *out.contacts_pull_format != "json" &&
                *out.contacts_pull_format != "ndjson" && *out.contacts_pull_format != "csv") {
                err =
                    error_at(path, where, "sync.contacts_pull_format must be json, ndjson or csv");
            }
        } else if (k == "invoices_pull_dir") {
            err = want_string(out.invoices_pull_dir);
        } else if (k == "invoices_pull_from") {
            err = want_string(out.invoices_pull_from);
        } else if (k == "invoices_export_file") {
            err = want_string(out.invoices_export_file);
        } else if (k == "receipts_dirs") {
            if (node.is_string() && !node.value<std::string>()->empty()) {
                out.receipts_dirs.push_back(*node.value<std::string>());
            } else if (const toml::array* a = node.as_array()) {
                for (auto&& item : *a) {
                    if (!item.is_string() || item.value<std::string>()->empty()) {
                        return error_at(path, item.source(),
                                        "sync.receipts_dirs must hold non-empty strings");
                    }
                    out.receipts_dirs.push_back(*item.value<std::string>());
                }
            } else {
                err = error_at(path, where,
                               "sync.receipts_dirs must be a string or an array of strings");
            }
        } else {
            err = error_at(path, key.source(),
                           fmt::format("unknown key '{}' in [profiles.{}.sync] (known: "
                                       "contacts_pull_out, contacts_pull_format, "
                                       "invoices_pull_dir, invoices_pull_from, "
                                       "invoices_export_file, receipts_dirs)",
                                       k, profile));
        }
        if (err) {
            return err;
        }
    }
    return std::nullopt;
}

// Reads one `[profiles.<name>]` table into `out`; returns an error at the offending key or value.
std::optional<ConfigError> read_profile(const std::filesystem::path& path, const toml::key& name,
                                        const toml::table& t, ProfileSettings& out) {
    out.name = name.str();
    if (!valid_profile_name(out.name)) {
        return error_at(
            path, name.source(),
            fmt::format("invalid profile name '{}' (use letters, digits, '-' and '_')", out.name));
    }
    for (auto&& entry : t) {
        const auto& key = entry.first; // no structured binding: lambdas below capture these
        const auto& node = entry.second;
        const std::string k(key.str());
        const auto& where = node.source();
        auto want_string = [&](std::optional<std::string>& dst) -> std::optional<ConfigError> {
            if (!node.is_string()) {
                return error_at(path, where,
                                fmt::format("{} must be a string, not {}", k, type_name(node)));
            }
            dst = *node.value<std::string>();
            if (dst->empty()) {
                return error_at(path, where, fmt::format("{} must not be empty", k));
            }
            return std::nullopt;
        };
        auto want_number = [&](std::optional<double>& dst) -> std::optional<ConfigError> {
            if (!node.is_number()) {
                return error_at(path, where,
                                fmt::format("{} must be a number, not {}", k, type_name(node)));
            }
            dst = *node.value<double>();
            return std::nullopt;
        };
        std::optional<ConfigError> err;
        if (k == k_base_url) {
            err = want_string(out.base_url);
            if (!err && !valid_base_url(*out.base_url)) {
                err = error_at(path, where, "base_url must start with http:// or https://");
            }
        } else if (k == k_rate_limit) {
            err = want_number(out.rate_limit);
            if (!err && !(*out.rate_limit > 0 && *out.rate_limit <= 10)) {
                err =
                    error_at(path, where,
                             "rate_limit must be more than 0 and at most 10 (requests per second)");
            }
        } else if (k == k_rate_burst) {
            if (!node.is_integer()) {
                err =
                    error_at(path, where,
                             fmt::format("rate_burst must be an integer, not {}", type_name(node)));
            } else {
                const auto v = *node.value<std::int64_t>();
                if (v < 1 || v > 10) {
                    err = error_at(path, where, "rate_burst must be between 1 and 10");
                } else {
                    out.rate_burst = static_cast<int>(v);
                }
            }
        } else if (k == k_output) {
            err = want_string(out.output);
            if (!err && !valid_output(*out.output)) {
                err =
                    error_at(path, where,
                             fmt::format("output must be one of json, ndjson, csv, table, not '{}'",
                                         *out.output));
            }
        } else if (k == k_state_dir) {
            err = want_string(out.state_dir);
        } else if (k == k_api_key_command) {
            err = want_string(out.api_key_command);
        } else if (k == k_ca_bundle) {
            err = want_string(out.ca_bundle);
        } else if (k == k_rate_limit_wait) {
            err = want_number(out.rate_limit_wait);
            if (!err && !(*out.rate_limit_wait >= 0 && *out.rate_limit_wait <= 86400)) {
                err = error_at(path, where, "rate_limit_wait must be from 0 to 86400 (seconds)");
            }
        } else if (k == k_timeout) {
            err = want_number(out.timeout);
            if (!err && !(*out.timeout > 0)) {
                err = error_at(path, where, "timeout must be more than 0 (seconds)");
            }
        } else if (k == k_invoice_mode) {
            err = want_string(out.invoice_mode);
            if (!err && *out.invoice_mode != "invoice" && *out.invoice_mode != "voucher") {
                err = error_at(path, where,
                               fmt::format("invoice_mode must be invoice or voucher, not '{}'",
                                           *out.invoice_mode));
            }
        } else if (k == k_revenue_category) {
            err = want_string(out.revenue_category);
        } else if (k == k_oauth_client_id) {
            err = want_string(out.oauth_client_id);
        } else if (k == k_oauth_client_secret_command) {
            err = want_string(out.oauth_client_secret_command);
        } else if (k == k_oauth_base_url) {
            err = want_string(out.oauth_base_url);
            if (!err && !valid_base_url(*out.oauth_base_url)) {
                err = error_at(path, where, "oauth_base_url must start with http:// or https://");
            }
        } else if (k == k_webhook_public_key) {
            err = want_string(out.webhook_public_key);
        } else if (k == k_transactions_mapping) {
            err = want_string(out.transactions_mapping);
        } else if (k == k_finance_account_system) {
            err = want_string(out.finance_account_system);
        } else if (k == k_sync) {
            if (const toml::table* st = node.as_table()) {
                err = read_sync(path, out.name, *st, out.sync);
            } else {
                err = error_at(path, where,
                               fmt::format("sync must be a table ([profiles.{}.sync]), not {}",
                                           out.name, type_name(node)));
            }
        } else {
            err = error_at(path, key.source(),
                           fmt::format("unknown key '{}' in profile '{}' (known: {}, sync)", k,
                                       out.name, profile_keys_text()));
        }
        if (err) {
            return err;
        }
    }
    return std::nullopt;
}

// A TOML basic string with the escapes the spec requires.
std::string toml_quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (u < 0x20 || u == 0x7f) {
                out += fmt::format("\\u{:04X}", u);
            } else {
                out += c;
            }
        }
    }
    out += '"';
    return out;
}

std::string toml_float(double d) {
    std::string s = fmt::format("{}", d);
    if (s.find_first_of(".eEn") == std::string::npos) {
        s += ".0";
    }
    return s;
}

std::vector<std::pair<std::string, std::string>> profile_values(const ProfileSettings& p) {
    std::vector<std::pair<std::string, std::string>> v;
    if (p.base_url) {
        v.emplace_back(k_base_url, toml_quote(*p.base_url));
    }
    if (p.rate_limit) {
        v.emplace_back(k_rate_limit, toml_float(*p.rate_limit));
    }
    if (p.rate_burst) {
        v.emplace_back(k_rate_burst, std::to_string(*p.rate_burst));
    }
    if (p.output) {
        v.emplace_back(k_output, toml_quote(*p.output));
    }
    if (p.state_dir) {
        v.emplace_back(k_state_dir, toml_quote(*p.state_dir));
    }
    if (p.api_key_command) {
        v.emplace_back(k_api_key_command, toml_quote(*p.api_key_command));
    }
    if (p.ca_bundle) {
        v.emplace_back(k_ca_bundle, toml_quote(*p.ca_bundle));
    }
    if (p.timeout) {
        v.emplace_back(k_timeout, toml_float(*p.timeout));
    }
    if (p.rate_limit_wait) {
        v.emplace_back(k_rate_limit_wait, toml_float(*p.rate_limit_wait));
    }
    if (p.invoice_mode) {
        v.emplace_back(k_invoice_mode, toml_quote(*p.invoice_mode));
    }
    if (p.revenue_category) {
        v.emplace_back(k_revenue_category, toml_quote(*p.revenue_category));
    }
    if (p.oauth_client_id) {
        v.emplace_back(k_oauth_client_id, toml_quote(*p.oauth_client_id));
    }
    if (p.oauth_client_secret_command) {
        v.emplace_back(k_oauth_client_secret_command, toml_quote(*p.oauth_client_secret_command));
    }
    if (p.oauth_base_url) {
        v.emplace_back(k_oauth_base_url, toml_quote(*p.oauth_base_url));
    }
    if (p.webhook_public_key) {
        v.emplace_back(k_webhook_public_key, toml_quote(*p.webhook_public_key));
    }
    if (p.transactions_mapping) {
        v.emplace_back(k_transactions_mapping, toml_quote(*p.transactions_mapping));
    }
    if (p.finance_account_system) {
        v.emplace_back(k_finance_account_system, toml_quote(*p.finance_account_system));
    }
    return v;
}

// The [profiles.NAME.sync] table of `p`, "" when it has none.
std::string sync_text(const ProfileSettings& p) {
    std::ostringstream os;
    if (!p.sync.empty() || p.sync.contacts_pull_format || p.sync.invoices_pull_from) {
        const SyncSettings& s = p.sync;
        os << "\n[profiles." << p.name << ".sync]\n";
        for (const auto& [k, v] : {std::pair{"contacts_pull_out", &s.contacts_pull_out},
                                   std::pair{"contacts_pull_format", &s.contacts_pull_format},
                                   std::pair{"invoices_pull_dir", &s.invoices_pull_dir},
                                   std::pair{"invoices_pull_from", &s.invoices_pull_from},
                                   std::pair{"invoices_export_file", &s.invoices_export_file}}) {
            if (*v) {
                os << k << " = " << toml_quote(**v) << "\n";
            }
        }
        if (!s.receipts_dirs.empty()) {
            os << "receipts_dirs = [";
            for (std::size_t i = 0; i < s.receipts_dirs.size(); ++i) {
                os << (i ? ", " : "") << toml_quote(s.receipts_dirs[i]);
            }
            os << "]\n";
        }
    }
    return os.str();
}

void write_profile(std::ostream& os, const ProfileSettings& p) {
    os << "\n[profiles." << p.name << "]\n";
    for (const auto& [k, v] : profile_values(p)) {
        os << k << " = " << v << "\n";
    }
    // The sync sub-table comes last: keys written after its header would belong to it.
    os << sync_text(p);
}

// Creates the directory of `file` (mode 0700 for what it creates).
std::optional<std::string> ensure_parent_dir(const std::filesystem::path& file) {
    const auto dir = file.parent_path();
    if (dir.empty()) {
        return std::nullopt;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) {
        return std::nullopt;
    }
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return fmt::format("cannot create {}: {}", dir.string(), ec.message());
    }
    ::chmod(dir.c_str(), 0700);
    return std::nullopt;
}

} // namespace

std::filesystem::path config_path(const std::optional<std::string>& flag, const EnvLookup& env) {
    if (flag && !flag->empty()) {
        return *flag;
    }
    if (auto v = env_value(env, k_env_config)) {
        return *v;
    }
    if (auto xdg = env_value(env, "XDG_CONFIG_HOME")) {
        return std::filesystem::path(*xdg) / "lexsync" / "config.toml";
    }
    return home_dir(env) / ".config" / "lexsync" / "config.toml";
}

std::filesystem::path credentials_path(const std::filesystem::path& config_file) {
    return config_file.parent_path() / "credentials.toml";
}

namespace {

// A config that names a command to run (api_key_command, oauth_client_secret_command) must not be
// changeable by anybody else, as ssh demands of its configuration: neither the file nor its
// directory may be writable by group or others (a sticky directory such as /tmp excepted), and
// the file must belong to the user or root. nullopt when it is safe or names no command.
std::optional<ConfigError> check_command_owner(const ConfigFile& file) {
    std::string command_key;
    for (const auto& [name, p] : file.profiles) {
        if (p.api_key_command) {
            command_key = k_api_key_command;
        } else if (p.oauth_client_secret_command) {
            command_key = k_oauth_client_secret_command;
        }
    }
    if (command_key.empty()) {
        return std::nullopt;
    }
    struct stat st {};
    if (::stat(file.path.c_str(), &st) != 0) {
        return std::nullopt;
    }
    const auto refuse = [&](const std::string& why) {
        return ConfigError{fmt::format(
            "{}: {}, and it names a command to run ({}): refusing to run it (fix with chmod go-w)",
            file.path.string(), why, command_key)};
    };
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        return refuse(
            fmt::format("the file is writable by others (mode {:04o})", st.st_mode & 07777));
    }
    if (st.st_uid != ::getuid() && st.st_uid != 0) {
        return refuse(fmt::format("the file belongs to another user (uid {})", st.st_uid));
    }
    const auto dir = file.path.has_parent_path() ? file.path.parent_path() : ".";
    struct stat ds {};
    if (::stat(dir.c_str(), &ds) == 0 && (ds.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
        (ds.st_mode & S_ISVTX) == 0) {
        return refuse(fmt::format("its directory {} is writable by others (mode {:04o})",
                                  dir.string(), ds.st_mode & 07777));
    }
    return std::nullopt;
}

} // namespace

Result<ConfigFile, ConfigError> load(const std::filesystem::path& path) {
    ConfigFile file;
    file.path = path;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return file;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return unexpected(ConfigError{fmt::format("{}: cannot read the file", path.string())});
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    return load_text(buf.str(), path);
}

Result<ConfigFile, ConfigError> load_text(const std::string& text,
                                          const std::filesystem::path& path) {
    ConfigFile file;
    file.path = path;
    file.exists = true;

    if (const auto line = toml_guard::find_excess_nesting(text)) {
        return unexpected(ConfigError{fmt::format("{}:{}: keys nested deeper than {} levels",
                                                  path.string(), *line, toml_guard::k_max_depth)});
    }
    toml::table root;
    try {
        root = toml::parse(text, path.string());
    } catch (const toml::parse_error& e) {
        return unexpected(error_at(path, e.source(), std::string(e.description())));
    }

    for (auto&& [key, node] : root) {
        const std::string k(key.str());
        if (k == k_default_profile) {
            if (!node.is_string()) {
                return unexpected(error_at(
                    path, node.source(),
                    fmt::format("default_profile must be a string, not {}", type_name(node))));
            }
            file.default_profile = *node.value<std::string>();
            if (!valid_profile_name(*file.default_profile)) {
                return unexpected(
                    error_at(path, node.source(),
                             fmt::format("invalid profile name '{}'", *file.default_profile)));
            }
        } else if (k == "profiles") {
            const toml::table* profiles = node.as_table();
            if (profiles == nullptr) {
                return unexpected(
                    error_at(path, node.source(),
                             fmt::format("profiles must be a table, not {}", type_name(node))));
            }
            for (auto&& [name, pnode] : *profiles) {
                const toml::table* t = pnode.as_table();
                if (t == nullptr) {
                    return unexpected(
                        error_at(path, pnode.source(),
                                 fmt::format("profile '{}' must be a table ([profiles.{}]), not {}",
                                             name.str(), name.str(), type_name(pnode))));
                }
                ProfileSettings p;
                if (auto err = read_profile(path, name, *t, p)) {
                    return unexpected(std::move(*err));
                }
                file.profiles.emplace(p.name, std::move(p));
            }
        } else {
            return unexpected(error_at(
                path, key.source(),
                fmt::format(
                    "unknown key '{}' (expected default_profile or [profiles.<name>] tables)", k)));
        }
    }
    if (auto err = check_command_owner(file)) {
        return unexpected(std::move(*err));
    }
    return file;
}

Result<bool, ConfigError> save_profile(const std::filesystem::path& path,
                                       const ProfileSettings& settings) {
    if (!valid_profile_name(settings.name)) {
        return unexpected(ConfigError{fmt::format(
            "invalid profile name '{}' (use letters, digits, '-' and '_')", settings.name)});
    }
    // A file we cannot read is not overwritten: that would lose the other profiles.
    auto existing = load(path);
    if (!existing) {
        return unexpected(std::move(existing).error());
    }
    ConfigFile file = std::move(existing).value();

    // Edited in place, line by line, so that comments, order and the other profiles stay as the
    // user wrote them; checked by reading it back.
    std::optional<std::string> edited;
    const auto old = file.profiles.find(settings.name);
    ProfileSettings before;
    before.name = settings.name;
    if (old != file.profiles.end()) {
        before = old->second;
    }
    if (file.exists && sync_text(before) == sync_text(settings)) {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream buf;
        buf << in.rdbuf();
        edited = buf.str();
        const auto now = profile_values(settings);
        const auto was = profile_values(before);
        for (const auto& [k, v] : now) {
            // Unchanged lines are left alone, with their comments.
            const bool same =
                std::any_of(was.begin(), was.end(), [&, &key = k, &val = v](const auto& w) {
                    return w.first == key && w.second == val;
                });
            if (edited && !same) {
                edited = set_profile_key(*edited, settings.name, k, v);
            }
        }
        for (const auto& [k, v] : was) {
            const bool kept = std::any_of(now.begin(), now.end(),
                                          [&, &key = k](const auto& n) { return n.first == key; });
            if (edited && !kept) {
                edited = unset_profile_key(*edited, settings.name, k);
            }
        }
        if (edited && !load_text(*edited, path)) {
            edited.reset();
        }
    }
    if (edited) {
        if (auto err = ensure_parent_dir(path)) {
            return unexpected(ConfigError{*err});
        }
        try {
            write_file_atomically(path, *edited, 0600);
        } catch (const std::exception& e) {
            return unexpected(ConfigError{e.what()});
        }
        return true;
    }
    file.profiles[settings.name] = settings;

    // A layout that cannot be edited line by line (an inline table, dotted keys): regenerated
    // from what was read, so comments and formatting in it are lost; the first line says so.
    std::ostringstream os;
    os << "# lexsync configuration. `lexsync auth login` rewrites this file; comments are not "
          "kept.\n";
    if (file.default_profile) {
        os << k_default_profile << " = " << toml_quote(*file.default_profile) << "\n";
    }
    for (const auto& [name, p] : file.profiles) {
        write_profile(os, p);
    }
    if (auto err = ensure_parent_dir(path)) {
        return unexpected(ConfigError{*err});
    }
    try {
        write_file_atomically(path, os.str(), 0600);
    } catch (const std::exception& e) {
        return unexpected(ConfigError{e.what()});
    }
    return true;
}

std::string selected_profile_name(const ConfigFile& file, const std::optional<std::string>& flag,
                                  const EnvLookup& env) {
    if (flag && !flag->empty()) {
        return *flag;
    }
    if (auto v = env_value(env, k_env_profile)) {
        return *v;
    }
    return file.default_profile.value_or(k_default_profile_name);
}

Result<ResolvedProfile, ConfigError> resolve(const ConfigFile& file, const Overrides& overrides,
                                             const EnvLookup& env) {
    ResolvedProfile r;
    r.config_file = file.path;
    r.name = selected_profile_name(file, overrides.profile, env);

    const ProfileSettings* p = nullptr;
    if (auto it = file.profiles.find(r.name); it != file.profiles.end()) {
        p = &it->second;
        r.defined_in_file = true;
    } else if (r.name != k_default_profile_name) {
        std::string names;
        for (const auto& [name, unused] : file.profiles) {
            names += (names.empty() ? "" : ", ") + name;
        }
        return unexpected(
            ConfigError{fmt::format("profile '{}' not found in {}; profiles: {}", r.name,
                                    file.path.string(), names.empty() ? "(none)" : names)});
    }
    if (!valid_profile_name(r.name)) {
        return unexpected(ConfigError{fmt::format("invalid profile name '{}'", r.name)});
    }

    if (overrides.base_url && !overrides.base_url->empty()) {
        r.base_url = *overrides.base_url;
        if (!valid_base_url(r.base_url)) {
            return unexpected(ConfigError{"--base-url must start with http:// or https://"});
        }
    } else if (auto v = env_value(env, k_env_base_url)) {
        r.base_url = *v;
        if (!valid_base_url(r.base_url)) {
            return unexpected(
                ConfigError{fmt::format("{} must start with http:// or https://", k_env_base_url)});
        }
    } else if (p && p->base_url) {
        r.base_url = *p->base_url;
    } else {
        r.base_url = k_default_base_url;
    }
    r.base_url = strip_trailing_slashes(r.base_url);

    if (overrides.output && !overrides.output->empty()) {
        r.output = *overrides.output;
        if (!valid_output(r.output)) {
            return unexpected(ConfigError{"--output must be one of json, ndjson, csv, table"});
        }
    } else if (p && p->output) {
        r.output = *p->output;
    }

    if (auto v = env_value(env, k_env_state_dir)) {
        r.state_dir = expand_home(*v, env);
    } else if (p && p->state_dir) {
        r.state_dir = expand_home(*p->state_dir, env);
    } else if (auto xdg = env_value(env, "XDG_STATE_HOME")) {
        r.state_dir = std::filesystem::path(*xdg) / "lexsync" / r.name;
    } else {
        r.state_dir = home_dir(env) / ".local" / "state" / "lexsync" / r.name;
    }
    if (auto xdg = env_value(env, "XDG_STATE_HOME")) {
        r.limiter_dir = std::filesystem::path(*xdg) / "lexsync" / ".ratelimit";
    } else {
        r.limiter_dir = home_dir(env) / ".local" / "state" / "lexsync" / ".ratelimit";
    }

    if (p) {
        if (p->rate_limit) {
            r.rate_limit = *p->rate_limit;
        }
        if (p->rate_burst) {
            r.rate_burst = *p->rate_burst;
        }
        r.api_key_command = p->api_key_command;
        if (p->ca_bundle) {
            r.ca_bundle = std::filesystem::path(expand_home(*p->ca_bundle, env));
        }
        if (p->timeout) {
            r.timeout_seconds = *p->timeout;
        }
        if (p->rate_limit_wait) {
            r.rate_limit_wait_seconds = *p->rate_limit_wait;
        }
        r.invoice_mode = p->invoice_mode;
        r.revenue_category = p->revenue_category;
        r.oauth_client_id = p->oauth_client_id;
        r.oauth_client_secret_command = p->oauth_client_secret_command;
        r.oauth_base_url = p->oauth_base_url;
        if (p->webhook_public_key) {
            r.webhook_public_key = std::filesystem::path(expand_home(*p->webhook_public_key, env));
        }
        if (p->transactions_mapping) {
            // A mapping file may start with "~/"; a built-in name is left as it is.
            r.transactions_mapping = expand_home(*p->transactions_mapping, env);
        }
        r.finance_account_system = p->finance_account_system;
        r.sync = p->sync;
        for (auto* v :
             {&r.sync.contacts_pull_out, &r.sync.invoices_pull_dir, &r.sync.invoices_export_file}) {
            if (*v) {
                *v = expand_home(**v, env);
            }
        }
        for (auto& d : r.sync.receipts_dirs) {
            d = expand_home(d, env);
        }
    }
    if (auto v = env_value(env, k_env_rate_limit_wait)) {
        double seconds = -1;
        const auto res = std::from_chars(v->data(), v->data() + v->size(), seconds);
        if (res.ec != std::errc{} || res.ptr != v->data() + v->size() || !(seconds >= 0) ||
            seconds > 86400) {
            return unexpected(ConfigError{fmt::format(
                "{} must be a number of seconds from 0 to 86400", k_env_rate_limit_wait)});
        }
        r.rate_limit_wait_seconds = seconds;
    }
    return r;
}

namespace {
constexpr std::array<const char*, 17> k_profile_keys = {
    k_base_url,
    k_rate_limit,
    k_rate_burst,
    k_output,
    k_state_dir,
    k_api_key_command,
    k_ca_bundle,
    k_timeout,
    k_rate_limit_wait,
    k_invoice_mode,
    k_revenue_category,
    k_oauth_client_id,
    k_oauth_client_secret_command,
    k_oauth_base_url,
    k_webhook_public_key,
    k_transactions_mapping,
    k_finance_account_system,
};
} // namespace

bool is_profile_key(std::string_view key) {
    return std::find(k_profile_keys.begin(), k_profile_keys.end(), key) != k_profile_keys.end();
}

std::vector<std::string> profile_keys() {
    return {k_profile_keys.begin(), k_profile_keys.end()};
}

std::string profile_keys_text() {
    return fmt::format("{}", fmt::join(k_profile_keys, ", "));
}

std::string toml_value_for(std::string_view key, std::string_view value) {
    const bool numeric =
        key == k_rate_limit || key == k_rate_burst || key == k_timeout || key == k_rate_limit_wait;
    if (numeric && !value.empty()) {
        try {
            auto parsed = toml::parse("v = " + std::string(value));
            if (parsed["v"].is_number()) {
                return std::string(value);
            }
        } catch (const toml::parse_error&) {
        }
    }
    return toml_quote(value);
}

std::vector<std::pair<std::string, std::string>> profile_settings(const ProfileSettings& p) {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& [key, toml_text] : profile_values(p)) {
        std::string plain = toml_text;
        try {
            auto parsed = toml::parse("v = " + toml_text);
            if (auto s = parsed["v"].value<std::string>()) {
                plain = *s;
            }
        } catch (const toml::parse_error&) {
        }
        out.emplace_back(key, std::move(plain));
    }
    const SyncSettings& s = p.sync;
    for (const auto& [k, v] : {std::pair{"contacts_pull_out", &s.contacts_pull_out},
                               std::pair{"contacts_pull_format", &s.contacts_pull_format},
                               std::pair{"invoices_pull_dir", &s.invoices_pull_dir},
                               std::pair{"invoices_pull_from", &s.invoices_pull_from},
                               std::pair{"invoices_export_file", &s.invoices_export_file}}) {
        if (*v) {
            out.emplace_back(std::string("sync.") + k, **v);
        }
    }
    if (!s.receipts_dirs.empty()) {
        out.emplace_back("sync.receipts_dirs", fmt::format("{}", fmt::join(s.receipts_dirs, ",")));
    }
    return out;
}

} // namespace lexsync::config
