// The credentials file sits beside the config file:
//
//     [profiles.shop]
//     api_key = "…"
//
//     [profiles.partner]                 # connected with `auth login --oauth`
//     oauth_client_id = "…"
//     oauth_access_token = "…"
//     oauth_refresh_token = "…"
//     oauth_obtained_at = 1767225600      # Unix seconds
//     oauth_expires_at = 1767239999
//     oauth_scope = "contacts.read profile.read"
//
// It is only ever written whole (atomically, mode 0600, under an flock on "<file>.lock" so that
// two processes never lose each other's changes) and refused when group or others may read
// or write it. The lock lives in a separate file because the atomic rename replaces the inode.
// Messages name files and profiles, never the content: a TOML syntax error is reported by position
// only, because the parser's description may quote part of a key.
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/store/credentials.hpp>
#include <lexsync/util/atomic_file.hpp>
#include <lexsync/util/safe_text.hpp>
#include <lexsync/util/strings.hpp>
#include <lexsync/util/toml_guard.hpp>
#include <map>
#include <openssl/crypto.h>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <toml++/toml.h>
#include <unistd.h>

namespace lexsync::credentials {

namespace {

// A string that is wiped when it goes out of scope.
struct SecretString {
    std::string value;
    SecretString() = default;
    SecretString(const SecretString&) = delete;
    SecretString& operator=(const SecretString&) = delete;
    ~SecretString() { wipe_secret(value); }
};

CredentialError fail(std::string message) {
    return CredentialError{std::move(message)};
}

// Everything stored for one profile.
struct Entry {
    std::string api_key;
    std::string access_token;
    std::string refresh_token;
    std::int64_t obtained_at = 0;
    std::int64_t expires_at = 0;
    std::string scope;
    std::string client_id;

    bool has_oauth() const { return !refresh_token.empty() || !access_token.empty(); }
    void wipe_all() {
        wipe_secret(api_key);
        wipe_secret(access_token);
        wipe_secret(refresh_token);
    }
};

using Entries = std::map<std::string, Entry>;

void wipe_entries(Entries& entries) {
    for (auto& [name, e] : entries) {
        e.wipe_all();
    }
}

// Every profile's entry in `file` (empty map when the file does not exist). `check_mode` refuses
// files that group or others can access.
Result<Entries, CredentialError> read_all(const std::filesystem::path& file, bool check_mode) {
    Entries entries;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        if (errno == ENOENT) {
            return entries;
        }
        return unexpected(
            fail(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno))));
    }
    if (check_mode && (st.st_mode & 077) != 0) {
        return unexpected(fail(fmt::format("{} is readable by others; run: chmod 600 {}",
                                           file.string(), file.string())));
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return unexpected(fail(fmt::format("cannot read {}", file.string())));
    }
    SecretString text;
    {
        std::ostringstream buf;
        buf << in.rdbuf();
        text.value = buf.str();
    }
    if (const auto line = toml_guard::find_excess_nesting(text.value)) {
        return unexpected(
            fail(fmt::format("{}:{}: not valid TOML (keys nested deeper than {} levels)",
                             file.string(), *line, toml_guard::k_max_depth)));
    }
    toml::table root;
    try {
        root = toml::parse(text.value, file.string());
    } catch (const toml::parse_error& e) {
        return unexpected(fail(fmt::format("{}:{}:{}: not valid TOML", file.string(),
                                           e.source().begin.line, e.source().begin.column)));
    }
    const toml::table* profiles = root["profiles"].as_table();
    if (profiles == nullptr) {
        return entries;
    }
    for (auto&& [name, node] : *profiles) {
        const toml::table* t = node.as_table();
        if (t == nullptr) {
            continue;
        }
        Entry e;
        std::optional<CredentialError> err;
        auto want_string = [&](const char* key, std::string& dst) {
            const toml::node* v = t->get(key);
            if (v == nullptr || err) {
                return;
            }
            if (!v->is_string()) {
                err = fail(fmt::format("{}:{}:{}: {} must be a string", file.string(),
                                       v->source().begin.line, v->source().begin.column, key));
                return;
            }
            dst = *v->value<std::string>();
        };
        auto want_int = [&](const char* key, std::int64_t& dst) {
            const toml::node* v = t->get(key);
            if (v == nullptr || err) {
                return;
            }
            if (!v->is_integer()) {
                err = fail(fmt::format("{}:{}:{}: {} must be an integer", file.string(),
                                       v->source().begin.line, v->source().begin.column, key));
                return;
            }
            dst = *v->value<std::int64_t>();
        };
        want_string("api_key", e.api_key);
        want_string("oauth_access_token", e.access_token);
        want_string("oauth_refresh_token", e.refresh_token);
        want_int("oauth_obtained_at", e.obtained_at);
        want_int("oauth_expires_at", e.expires_at);
        want_string("oauth_scope", e.scope);
        want_string("oauth_client_id", e.client_id);
        if (err) {
            e.wipe_all();
            wipe_entries(entries);
            return unexpected(std::move(*err));
        }
        if (!e.api_key.empty() || e.has_oauth()) {
            entries.emplace(std::string(name.str()), std::move(e));
        }
    }
    // toml++'s own copies of the keys are released with `root`; they cannot be wiped from here.
    return entries;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7f) {
            out += fmt::format("\\u{:04X}", u);
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

Result<bool, CredentialError> write_all(const std::filesystem::path& file, Entries& entries) {
    SecretString text;
    text.value = "# lexsync credentials (API keys and OAuth tokens), one table per profile.\n"
                 "# Keep this file private (mode 0600).\n";
    for (const auto& [name, e] : entries) {
        SecretString block;
        block.value = "\n[profiles." + name + "]\n";
        if (!e.api_key.empty()) {
            block.value += "api_key = " + quote(e.api_key) + "\n";
        } else if (e.has_oauth()) {
            block.value += "oauth_client_id = " + quote(e.client_id) + "\n";
            block.value += "oauth_access_token = " + quote(e.access_token) + "\n";
            block.value += "oauth_refresh_token = " + quote(e.refresh_token) + "\n";
            block.value += fmt::format("oauth_obtained_at = {}\n", e.obtained_at);
            block.value += fmt::format("oauth_expires_at = {}\n", e.expires_at);
            block.value += "oauth_scope = " + quote(e.scope) + "\n";
        }
        text.value += block.value;
    }
    wipe_entries(entries);
    const auto dir = file.parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            return unexpected(
                fail(fmt::format("cannot create {}: {}", dir.string(), ec.message())));
        }
        ::chmod(dir.c_str(), 0700);
    }
    try {
        write_file_atomically(file, text.value, 0600);
    } catch (const std::exception& e) {
        return unexpected(fail(e.what()));
    }
    return true;
}

// Runs `command` through /bin/sh and returns its standard output; stdin and stderr are inherited
// so that password managers can prompt.
Result<std::string, CredentialError> run_command(const std::string& command,
                                                 const std::string& what) {
    int fds[2];
    if (::pipe(fds) != 0) {
        return unexpected(fail(fmt::format("{}: cannot create a pipe", what)));
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return unexpected(fail(fmt::format("{}: cannot start /bin/sh", what)));
    }
    if (pid == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        ::close(fds[0]);
        ::close(fds[1]);
        ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string output;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n > 0) {
            output.append(buf, static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            break;
        }
    }
    OPENSSL_cleanse(buf, sizeof buf);
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            break;
        }
    }
    // The output may be a partial key or a secret-bearing message: it never goes into an error.
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        wipe_secret(output);
        const std::string how = WIFEXITED(status)
                                    ? fmt::format("exit status {}", WEXITSTATUS(status))
                                    : fmt::format("signal {}", WTERMSIG(status));
        return unexpected(fail(fmt::format("{} failed ({})", what, how)));
    }
    return output;
}

} // namespace

Result<std::optional<BearerToken>, CredentialError> load(const std::filesystem::path& file,
                                                         const std::string& profile) {
    auto all = read_all(file, true);
    if (!all) {
        return unexpected(std::move(all).error());
    }
    std::optional<BearerToken> token;
    if (auto it = all->find(profile); it != all->end() && !it->second.api_key.empty()) {
        token = BearerToken(it->second.api_key);
    }
    wipe_entries(*all);
    return token;
}

Result<bool, CredentialError> store(const std::filesystem::path& file, const std::string& profile,
                                    const BearerToken& token) {
    CredentialsLock lock(file);
    if (!lock.locked()) {
        return unexpected(fail(lock.error()));
    }
    // The file is rewritten with 0600 anyway, so a wrong mode is repaired rather than refused.
    auto all = read_all(file, false);
    if (!all) {
        return unexpected(std::move(all).error());
    }
    Entry& e = (*all)[profile];
    e.wipe_all();
    e = Entry{};
    e.api_key = token.reveal();
    return write_all(file, *all);
}

Result<bool, CredentialError> remove(const std::filesystem::path& file,
                                     const std::string& profile) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        return false;
    }
    CredentialsLock lock(file);
    if (!lock.locked()) {
        return unexpected(fail(lock.error()));
    }
    auto all = read_all(file, false);
    if (!all) {
        return unexpected(std::move(all).error());
    }
    auto it = all->find(profile);
    if (it == all->end()) {
        wipe_entries(*all);
        return false;
    }
    it->second.wipe_all();
    all->erase(it);
    auto written = write_all(file, *all);
    if (!written) {
        return unexpected(std::move(written).error());
    }
    return true;
}

CredentialsLock::CredentialsLock(const std::filesystem::path& file) {
    auto lock = FileLock::acquire(file.string() + ".lock", FileLock::Wait::block);
    if (lock) {
        m_lock.emplace(std::move(lock).value());
    } else {
        m_error = lock.error().message;
    }
}

CredentialsLock::~CredentialsLock() = default;

Result<std::optional<OAuthTokens>, CredentialError> load_oauth(const std::filesystem::path& file,
                                                               const std::string& profile) {
    auto all = read_all(file, true);
    if (!all) {
        return unexpected(std::move(all).error());
    }
    std::optional<OAuthTokens> tokens;
    if (auto it = all->find(profile);
        it != all->end() && it->second.api_key.empty() && it->second.has_oauth()) {
        const Entry& e = it->second;
        tokens.emplace();
        tokens->access_token = BearerToken(e.access_token);
        tokens->refresh_token = BearerToken(e.refresh_token);
        tokens->obtained_at = e.obtained_at;
        tokens->expires_at = e.expires_at;
        tokens->scope = e.scope;
        tokens->client_id = e.client_id;
    }
    wipe_entries(*all);
    return tokens;
}

Result<bool, CredentialError> store_oauth_locked(const std::filesystem::path& file,
                                                 const std::string& profile,
                                                 const OAuthTokens& tokens) {
    auto all = read_all(file, false);
    if (!all) {
        return unexpected(std::move(all).error());
    }
    Entry& e = (*all)[profile];
    e.wipe_all();
    e = Entry{};
    e.access_token = tokens.access_token.reveal();
    e.refresh_token = tokens.refresh_token.reveal();
    e.obtained_at = tokens.obtained_at;
    e.expires_at = tokens.expires_at;
    e.scope = tokens.scope;
    e.client_id = tokens.client_id;
    return write_all(file, *all);
}

Result<bool, CredentialError> store_oauth(const std::filesystem::path& file,
                                          const std::string& profile, const OAuthTokens& tokens) {
    CredentialsLock lock(file);
    if (!lock.locked()) {
        return unexpected(fail(lock.error()));
    }
    return store_oauth_locked(file, profile, tokens);
}

Result<BearerToken, CredentialError> run_secret_command(const std::string& command,
                                                        const std::string& what) {
    auto out = run_command(command, what);
    if (!out) {
        return unexpected(std::move(out).error());
    }
    std::string text = trim(*out);
    wipe_secret(*out);
    std::string first = trim(std::string_view(text).substr(0, text.find('\n')));
    wipe_secret(text);
    if (first.empty()) {
        return unexpected(fail(fmt::format("{} printed nothing", what)));
    }
    BearerToken secret(first);
    wipe_secret(first);
    return secret;
}

Result<std::pair<BearerToken, Source>, CredentialError>
resolve_token(const config::ResolvedProfile& profile, const config::EnvLookup& env) {
    if (env) {
        if (auto v = env(config::k_env_api_key)) {
            std::string key = trim(*v);
            wipe_secret(*v);
            if (!key.empty()) {
                BearerToken token(key);
                wipe_secret(key);
                return std::make_pair(std::move(token), Source::environment);
            }
        }
    }
    if (profile.api_key_command) {
        auto out = run_command(*profile.api_key_command,
                               fmt::format("api_key_command of profile '{}'", profile.name));
        if (!out) {
            return unexpected(std::move(out).error());
        }
        // Password managers print the secret on the first line (pass, gopass); the rest is ignored.
        std::string text = trim(*out);
        wipe_secret(*out);
        std::string key = trim(std::string_view(text).substr(0, text.find('\n')));
        wipe_secret(text);
        if (key.empty()) {
            return unexpected(
                fail(fmt::format("api_key_command of profile '{}' printed no key", profile.name)));
        }
        BearerToken token(key);
        wipe_secret(key);
        return std::make_pair(std::move(token), Source::command);
    }
    const auto file = config::credentials_path(profile.config_file);
    auto stored = load(file, profile.name);
    if (!stored) {
        return unexpected(std::move(stored).error());
    }
    if (*stored) {
        return std::make_pair(std::move(**stored), Source::file);
    }
    auto oauth = load_oauth(file, profile.name);
    if (!oauth) {
        return unexpected(std::move(oauth).error());
    }
    if (*oauth && !(*oauth)->access_token.empty()) {
        return std::make_pair((*oauth)->access_token, Source::file);
    }
    return std::make_pair(BearerToken{}, Source::none);
}

std::string source_text(Source source, const config::ResolvedProfile& profile) {
    switch (source) {
    case Source::environment:
        return fmt::format("${}", config::k_env_api_key);
    case Source::command:
        return fmt::format("the api_key_command of profile '{}' in {}", profile.name,
                           profile.config_file.string());
    case Source::file:
        return fmt::format("{} (profile '{}')",
                           config::credentials_path(profile.config_file).string(), profile.name);
    case Source::none:
        break;
    }
    return "nowhere";
}

std::string refused_key_advice(Source source, const config::ResolvedProfile& profile) {
    const std::string from = source_text(source, profile);
    switch (source) {
    case Source::environment:
        return fmt::format("the key came from {}, which overrides the profile's own key: set a "
                           "valid key there or unset it",
                           from);
    case Source::command:
        return fmt::format("the key came from {}: check what that command prints", from);
    case Source::file:
        return fmt::format("the key came from {}: create a new key and run 'lexsync auth login "
                           "--profile {}'",
                           from, profile.name);
    case Source::none:
        break;
    }
    return fmt::format("run 'lexsync auth login --profile {}'", profile.name);
}

} // namespace lexsync::credentials
