// The credentials file sits beside the config file:
//
//     [profiles.shop]
//     api_key = "…"
//
// It is only ever written whole (atomically, mode 0600) and refused when group or others may read
// or write it. Messages name files and profiles, never the content: a TOML syntax error is
// reported by position only, because the parser's description may quote part of a key.
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <lexsync/atomic_file.hpp>
#include <lexsync/credentials.hpp>
#include <map>
#include <openssl/crypto.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <toml++/toml.h>
#include <unistd.h>

namespace lexsync::credentials {

namespace {

// Overwrites the bytes of `s` before it is released.
void wipe(std::string& s) {
    if (!s.empty()) {
        OPENSSL_cleanse(s.data(), s.size());
    }
    s.clear();
}

// A string that is wiped when it goes out of scope.
struct SecretString {
    std::string value;
    SecretString() = default;
    SecretString(const SecretString&) = delete;
    SecretString& operator=(const SecretString&) = delete;
    ~SecretString() { wipe(value); }
};

std::string trim(std::string_view s) {
    const auto* ws = " \t\r\n\v\f";
    const auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) {
        return {};
    }
    const auto e = s.find_last_not_of(ws);
    return std::string(s.substr(b, e - b + 1));
}

CredentialError fail(std::string message) {
    return CredentialError{std::move(message)};
}

// Every profile's key in `file` (empty map when the file does not exist). `check_mode` refuses
// files that group or others can access.
Result<std::map<std::string, std::string>, CredentialError>
read_all(const std::filesystem::path& file, bool check_mode) {
    std::map<std::string, std::string> keys;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        if (errno == ENOENT) {
            return keys;
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
    toml::table root;
    try {
        root = toml::parse(text.value, file.string());
    } catch (const toml::parse_error& e) {
        return unexpected(fail(fmt::format("{}:{}:{}: not valid TOML", file.string(),
                                           e.source().begin.line, e.source().begin.column)));
    }
    const toml::table* profiles = root["profiles"].as_table();
    if (profiles == nullptr) {
        return keys;
    }
    for (auto&& [name, node] : *profiles) {
        const toml::table* t = node.as_table();
        if (t == nullptr) {
            continue;
        }
        const toml::node* key = t->get("api_key");
        if (key == nullptr) {
            continue;
        }
        if (!key->is_string()) {
            return unexpected(
                fail(fmt::format("{}:{}:{}: api_key must be a string", file.string(),
                                 key->source().begin.line, key->source().begin.column)));
        }
        keys.emplace(std::string(name.str()), *key->value<std::string>());
    }
    // toml++'s own copies of the keys are released with `root`; they cannot be wiped from here.
    return keys;
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

Result<bool, CredentialError> write_all(const std::filesystem::path& file,
                                        std::map<std::string, std::string>& keys) {
    SecretString text;
    text.value = "# lexsync API keys, one per profile. Keep this file private (mode 0600).\n";
    for (const auto& [name, key] : keys) {
        SecretString quoted;
        quoted.value = quote(key);
        text.value += "\n[profiles." + name + "]\napi_key = " + quoted.value + "\n";
    }
    for (auto& [name, key] : keys) {
        wipe(key);
    }
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

void wipe_all(std::map<std::string, std::string>& keys) {
    for (auto& [name, key] : keys) {
        wipe(key);
    }
}

// Runs `command` through /bin/sh and returns its standard output; stdin and stderr are inherited
// so that password managers can prompt.
Result<std::string, CredentialError> run_key_command(const std::string& command,
                                                     const std::string& profile) {
    int fds[2];
    if (::pipe(fds) != 0) {
        return unexpected(
            fail(fmt::format("api_key_command of profile '{}': cannot create a pipe", profile)));
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return unexpected(
            fail(fmt::format("api_key_command of profile '{}': cannot start /bin/sh", profile)));
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
        wipe(output);
        const std::string how = WIFEXITED(status)
                                    ? fmt::format("exit status {}", WEXITSTATUS(status))
                                    : fmt::format("signal {}", WTERMSIG(status));
        return unexpected(
            fail(fmt::format("api_key_command of profile '{}' failed ({})", profile, how)));
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
    if (auto it = all->find(profile); it != all->end() && !it->second.empty()) {
        token = BearerToken(it->second);
    }
    wipe_all(*all);
    return token;
}

Result<bool, CredentialError> store(const std::filesystem::path& file, const std::string& profile,
                                    const BearerToken& token) {
    // The file is rewritten with 0600 anyway, so a wrong mode is repaired rather than refused.
    auto all = read_all(file, false);
    if (!all) {
        return unexpected(std::move(all).error());
    }
    (*all)[profile] = token.reveal();
    return write_all(file, *all);
}

Result<bool, CredentialError> remove(const std::filesystem::path& file,
                                     const std::string& profile) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        return false;
    }
    auto all = read_all(file, false);
    if (!all) {
        return unexpected(std::move(all).error());
    }
    auto it = all->find(profile);
    if (it == all->end()) {
        wipe_all(*all);
        return false;
    }
    wipe(it->second);
    all->erase(it);
    auto written = write_all(file, *all);
    if (!written) {
        return unexpected(std::move(written).error());
    }
    return true;
}

Result<std::pair<BearerToken, Source>, CredentialError>
resolve_token(const config::ResolvedProfile& profile, const config::EnvLookup& env) {
    if (env) {
        if (auto v = env(config::k_env_api_key)) {
            std::string key = trim(*v);
            wipe(*v);
            if (!key.empty()) {
                BearerToken token(key);
                wipe(key);
                return std::make_pair(std::move(token), Source::environment);
            }
        }
    }
    if (profile.api_key_command) {
        auto out = run_key_command(*profile.api_key_command, profile.name);
        if (!out) {
            return unexpected(std::move(out).error());
        }
        // Password managers print the secret on the first line (pass, gopass); the rest is ignored.
        std::string text = trim(*out);
        wipe(*out);
        std::string key = trim(std::string_view(text).substr(0, text.find('\n')));
        wipe(text);
        if (key.empty()) {
            return unexpected(
                fail(fmt::format("api_key_command of profile '{}' printed no key", profile.name)));
        }
        BearerToken token(key);
        wipe(key);
        return std::make_pair(std::move(token), Source::command);
    }
    auto stored = load(config::credentials_path(profile.config_file), profile.name);
    if (!stored) {
        return unexpected(std::move(stored).error());
    }
    if (*stored) {
        return std::make_pair(std::move(**stored), Source::file);
    }
    return std::make_pair(BearerToken{}, Source::none);
}

} // namespace lexsync::credentials
