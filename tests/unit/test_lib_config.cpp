#include "temp_dir.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <lexsync/store/config.hpp>
#include <lexsync/store/config_edit.hpp>
#include <map>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
namespace config = lexsync::config;

namespace {

using lexsync::testing::TempDir;

void write(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The error message of loading `text`, or "" when it loads.
std::string load_error(const std::string& text) {
    TempDir dir;
    const fs::path p = dir.path / "config.toml";
    write(p, text);
    auto r = config::load(p);
    if (r) {
        return "";
    }
    const std::string prefix = p.string() + ":";
    const std::string& m = r.error().message;
    REQUIRE(m.rfind(prefix, 0) == 0);
    return m.substr(prefix.size());
}

config::EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) {
            return std::nullopt;
        }
        return it->second;
    };
}

config::ConfigFile two_profiles() {
    config::ConfigFile f;
    f.path = "/cfg/config.toml";
    f.exists = true;
    config::ProfileSettings a;
    a.name = "shop";
    a.base_url = "https://shop.example";
    a.output = "csv";
    a.state_dir = "/state/shop";
    a.rate_limit = 1.5;
    a.rate_burst = 3;
    a.timeout = 20;
    a.api_key_command = "pass show shop";
    config::ProfileSettings b;
    b.name = "books";
    f.profiles["shop"] = a;
    f.profiles["books"] = b;
    return f;
}

} // namespace

TEST_SUITE("lexsync::config") {
    TEST_CASE("the config path follows flag, LEXSYNC_CONFIG, XDG_CONFIG_HOME, HOME") {
        auto env = env_of(
            {{"LEXSYNC_CONFIG", "/e/c.toml"}, {"XDG_CONFIG_HOME", "/xdg"}, {"HOME", "/home/u"}});
        CHECK(config::config_path(std::string("/f/c.toml"), env) == "/f/c.toml");
        CHECK(config::config_path(std::nullopt, env) == "/e/c.toml");
        CHECK(config::config_path(std::nullopt,
                                  env_of({{"XDG_CONFIG_HOME", "/xdg"}, {"HOME", "/home/u"}})) ==
              "/xdg/lexsync/config.toml");
        CHECK(config::config_path(std::nullopt,
                                  env_of({{"XDG_CONFIG_HOME", ""}, {"HOME", "/home/u"}})) ==
              "/home/u/.config/lexsync/config.toml");
        CHECK(config::credentials_path("/xdg/lexsync/config.toml") ==
              "/xdg/lexsync/credentials.toml");
    }

    TEST_CASE("a missing file is an empty configuration") {
        TempDir dir;
        auto r = config::load(dir.path / "none.toml");
        REQUIRE(r);
        CHECK_FALSE(r->exists);
        CHECK(r->profiles.empty());
    }

    TEST_CASE("a full profile is read") {
        TempDir dir;
        const fs::path p = dir.path / "config.toml";
        write(p, R"(default_profile = "shop"

[profiles.shop]
base_url = "http://127.0.0.1:8080"
rate_limit = 1.5
rate_burst = 4
output = "ndjson"
state_dir = "/var/lib/lexsync"
api_key_command = "pass show lexoffice"
ca_bundle = "/etc/ca.pem"
timeout = 30

[profiles.other]
rate_limit = 2
)");
        auto r = config::load(p);
        REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
        CHECK(r->exists);
        CHECK(r->default_profile == "shop");
        REQUIRE(r->profiles.size() == 2);
        const auto& s = r->profiles.at("shop");
        CHECK(s.name == "shop");
        CHECK(s.base_url == "http://127.0.0.1:8080");
        CHECK(s.rate_limit == 1.5);
        CHECK(s.rate_burst == 4);
        CHECK(s.output == "ndjson");
        CHECK(s.state_dir == "/var/lib/lexsync");
        CHECK(s.api_key_command == "pass show lexoffice");
        CHECK(s.ca_bundle == "/etc/ca.pem");
        CHECK(s.timeout == 30.0);
        CHECK(r->profiles.at("other").rate_limit == 2.0); // an integer is a fine rate
    }

    TEST_CASE("errors name the line and column of the offending key or value") {
        CHECK(load_error("[profiles.a]\nbase_url = \"https://x\"\n  colour = \"red\"\n") ==
              "3:3: unknown key 'colour' in profile 'a' (known: base_url, rate_limit, rate_burst, "
              "output, state_dir, api_key_command, ca_bundle, timeout, rate_limit_wait, "
              "invoice_mode, revenue_category, oauth_client_id, oauth_client_secret_command, "
              "oauth_base_url, webhook_public_key, transactions_mapping, finance_account_system, "
              "sync)");
        CHECK(load_error("[profiles.a]\nrate_burst = \"two\"\n") ==
              "2:14: rate_burst must be an integer, not a string");
        CHECK(load_error("[profiles.a]\nrate_burst = 11\n") ==
              "2:14: rate_burst must be between 1 and 10");
        CHECK(load_error("[profiles.a]\nrate_burst = 0\n") ==
              "2:14: rate_burst must be between 1 and 10");
        CHECK(load_error("[profiles.a]\nrate_limit = 0\n") ==
              "2:14: rate_limit must be more than 0 and at most 10 (requests per second)");
        CHECK(load_error("[profiles.a]\nrate_limit = 10.5\n") ==
              "2:14: rate_limit must be more than 0 and at most 10 (requests per second)");
        CHECK(load_error("[profiles.a]\nrate_limit = 10\n").empty());
        CHECK(load_error("[profiles.a]\noutput = \"xml\"\n") ==
              "2:10: output must be one of json, ndjson, csv, table, not 'xml'");
        CHECK(load_error("[profiles.a]\ntimeout = 0\n") ==
              "2:11: timeout must be more than 0 (seconds)");
        CHECK(load_error("[profiles.a]\ntimeout = -5\n") ==
              "2:11: timeout must be more than 0 (seconds)");
        CHECK(load_error("[profiles.a]\nbase_url = \"ftp://x\"\n") ==
              "2:12: base_url must start with http:// or https://");
        CHECK(load_error("[profiles.a]\nstate_dir = 5\n") ==
              "2:13: state_dir must be a string, not an integer");
        CHECK(load_error("colour = 1\n") ==
              "1:1: unknown key 'colour' (expected default_profile or [profiles.<name>] tables)");
        CHECK(load_error("default_profile = 1\n") ==
              "1:19: default_profile must be a string, not an integer");
        CHECK(load_error("profiles = 1\n") == "1:12: profiles must be a table, not an integer");
        CHECK(load_error("[profiles]\na = 1\n") ==
              "2:5: profile 'a' must be a table ([profiles.a]), not an integer");
    }

    TEST_CASE("a TOML syntax error has its position") {
        const std::string e = load_error("[profiles.a]\nbase_url = \"https://x\n");
        CHECK(e.rfind("2:", 0) == 0);
        CHECK(load_error("[profiles.a]\nbase_url = = 1\n").rfind("2:12: ", 0) == 0);
    }

    TEST_CASE("the profile is chosen by flag, then LEXSYNC_PROFILE, then default_profile, then "
              "'default'") {
        auto f = two_profiles();
        f.default_profile = "books";
        config::Overrides flag;
        flag.profile = "shop";
        CHECK(config::resolve(f, flag, env_of({{"LEXSYNC_PROFILE", "books"}}))->name == "shop");
        CHECK(config::resolve(f, {}, env_of({{"LEXSYNC_PROFILE", "shop"}}))->name == "shop");
        CHECK(config::resolve(f, {}, env_of({}))->name == "books");
        f.default_profile.reset();
        auto r = config::resolve(f, {}, env_of({}));
        REQUIRE(r);
        CHECK(r->name == "default");
        CHECK_FALSE(r->defined_in_file);
    }

    TEST_CASE("a named profile missing from the file is an error listing the others") {
        auto f = two_profiles();
        config::Overrides o;
        o.profile = "typo";
        auto r = config::resolve(f, o, env_of({}));
        REQUIRE_FALSE(r);
        CHECK(r.error().message ==
              "profile 'typo' not found in /cfg/config.toml; profiles: books, shop");
        config::ConfigFile empty;
        empty.path = "/cfg/config.toml";
        auto e = config::resolve(empty, o, env_of({}));
        REQUIRE_FALSE(e);
        CHECK(e.error().message ==
              "profile 'typo' not found in /cfg/config.toml; profiles: (none)");
    }

    TEST_CASE("each setting follows flag, environment, profile, default") {
        auto f = two_profiles();
        const auto env_all = env_of({{"LEXSYNC_BASE_URL", "http://env.example/"},
                                     {"LEXSYNC_STATE_DIR", "/env/state"},
                                     {"XDG_STATE_HOME", "/xdg-state"},
                                     {"HOME", "/home/u"}});
        const auto env_none = env_of({{"XDG_STATE_HOME", "/xdg-state"}, {"HOME", "/home/u"}});

        config::Overrides flags;
        flags.profile = "shop";
        flags.base_url = "http://flag.example";
        flags.output = "json";
        auto r = config::resolve(f, flags, env_all);
        REQUIRE(r);
        CHECK(r->base_url == "http://flag.example");
        CHECK(r->output == "json");
        CHECK(r->state_dir == "/env/state");

        config::Overrides only_profile;
        only_profile.profile = "shop";
        r = config::resolve(f, only_profile, env_all);
        REQUIRE(r);
        CHECK(r->base_url == "http://env.example"); // trailing slash dropped
        CHECK(r->output == "csv");
        CHECK(r->state_dir == "/env/state");

        r = config::resolve(f, only_profile, env_none);
        REQUIRE(r);
        CHECK(r->defined_in_file);
        CHECK(r->config_file == "/cfg/config.toml");
        CHECK(r->base_url == "https://shop.example");
        CHECK(r->output == "csv");
        CHECK(r->state_dir == "/state/shop");
        CHECK(r->rate_limit == 1.5);
        CHECK(r->rate_burst == 3);
        CHECK(r->timeout_seconds == 20.0);
        CHECK(r->api_key_command == "pass show shop");

        config::Overrides books;
        books.profile = "books";
        r = config::resolve(f, books, env_none);
        REQUIRE(r);
        const config::ResolvedProfile defaults;
        CHECK(r->base_url == "https://api.lexware.io");
        CHECK(r->output.empty());
        CHECK(r->state_dir == "/xdg-state/lexsync/books");
        CHECK(r->rate_limit == defaults.rate_limit);
        CHECK(r->rate_burst == defaults.rate_burst);
        CHECK(r->timeout_seconds == defaults.timeout_seconds);
        CHECK_FALSE(r->api_key_command.has_value());

        r = config::resolve(f, books, env_of({{"HOME", "/home/u"}}));
        REQUIRE(r);
        CHECK(r->state_dir == "/home/u/.local/state/lexsync/books");
    }

    TEST_CASE("the limiter is the user's, and the 429 wait follows environment, profile, default") {
        auto f = two_profiles();
        f.profiles["shop"].rate_limit_wait = 120;
        config::Overrides shop;
        shop.profile = "shop";
        config::Overrides books;
        books.profile = "books";
        const auto env = env_of({{"XDG_STATE_HOME", "/xdg-state"}, {"HOME", "/home/u"}});
        auto a = config::resolve(f, shop, env);
        auto b = config::resolve(f, books, env);
        REQUIRE(a);
        REQUIRE(b);
        // One limiter directory whatever the profile or its state directory.
        CHECK(a->limiter_dir == "/xdg-state/lexsync/.ratelimit");
        CHECK(b->limiter_dir == a->limiter_dir);
        CHECK(a->rate_limit_wait_seconds == 120.0);
        CHECK(b->rate_limit_wait_seconds == 900.0);
        auto e = config::resolve(
            f, shop, env_of({{"LEXSYNC_RATE_LIMIT_WAIT", "1800"}, {"HOME", "/home/u"}}));
        REQUIRE(e);
        CHECK(e->rate_limit_wait_seconds == 1800.0);
        CHECK(e->limiter_dir == "/home/u/.local/state/lexsync/.ratelimit");
        CHECK_FALSE(config::resolve(f, shop, env_of({{"LEXSYNC_RATE_LIMIT_WAIT", "soon"}})));
    }

    TEST_CASE("a bad base URL from a flag or the environment is an error") {
        auto f = two_profiles();
        config::Overrides o;
        o.base_url = "localhost:8080";
        CHECK_FALSE(config::resolve(f, o, env_of({})));
        CHECK_FALSE(config::resolve(f, {}, env_of({{"LEXSYNC_BASE_URL", "localhost"}})));
    }

    TEST_CASE("save_profile keeps the other profiles and writes mode 0600") {
        TempDir dir;
        const fs::path p = dir.path / "sub" / "config.toml";
        fs::create_directories(p.parent_path());
        write(p, "default_profile = \"shop\"\n[profiles.shop]\noutput = "
                 "\"csv\"\n[profiles.books]\ntimeout = 5\n");
        ::chmod(p.c_str(), 0644);

        config::ProfileSettings s;
        s.name = "new";
        s.base_url = "http://127.0.0.1:9999";
        s.rate_limit = 2.0;
        s.api_key_command = "echo \"quoted\" \\ back";
        REQUIRE(config::save_profile(p, s));

        struct stat st {};
        REQUIRE(::stat(p.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);

        auto r = config::load(p);
        REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
        CHECK(r->default_profile == "shop");
        REQUIRE(r->profiles.size() == 3);
        CHECK(r->profiles.at("shop").output == "csv");
        CHECK(r->profiles.at("books").timeout == 5.0);
        CHECK(r->profiles.at("new").base_url == "http://127.0.0.1:9999");
        CHECK(r->profiles.at("new").rate_limit == 2.0);
        CHECK(r->profiles.at("new").api_key_command == "echo \"quoted\" \\ back");

        // Replacing a profile replaces its table.
        config::ProfileSettings shop;
        shop.name = "shop";
        shop.output = "table";
        REQUIRE(config::save_profile(p, shop));
        r = config::load(p);
        REQUIRE(r);
        CHECK(r->profiles.at("shop").output == "table");
        CHECK(r->profiles.size() == 3);
    }

    TEST_CASE("save_profile creates the directory and refuses to overwrite a broken file") {
        TempDir dir;
        const fs::path p = dir.path / "a" / "b" / "config.toml";
        config::ProfileSettings s;
        s.name = "default";
        REQUIRE(config::save_profile(p, s));
        CHECK(fs::exists(p));
        struct stat st {};
        REQUIRE(::stat(p.parent_path().c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0700);

        write(p, "[profiles.x]\nnope = 1\n");
        auto r = config::save_profile(p, s);
        REQUIRE_FALSE(r);
        CHECK(r.error().message ==
              p.string() + ":2:1: unknown key 'nope' in profile 'x' (known: base_url, rate_limit, "
                           "rate_burst, output, state_dir, api_key_command, ca_bundle, timeout, "
                           "rate_limit_wait, invoice_mode, revenue_category, oauth_client_id, "
                           "oauth_client_secret_command, oauth_base_url, webhook_public_key, "
                           "transactions_mapping, finance_account_system, sync)");
        CHECK(slurp(p) == "[profiles.x]\nnope = 1\n");
    }
}

TEST_SUITE("lexsync::config hostile files") {
    TEST_CASE("a 100 KB config with a 50,000-level dotted key is an error, not a crash") {
        TempDir dir;
        const fs::path file = dir.path / "config.toml";
        std::string key = "a";
        for (int i = 1; i < 50'000; ++i) {
            key += ".a";
        }
        std::ofstream(file) << "[profiles.default]\n" << key << " = 1\n";
        const auto loaded = config::load(file);
        REQUIRE_FALSE(loaded);
        CHECK(loaded.error().message.find("config.toml:2: keys nested deeper than 100 levels") !=
              std::string::npos);
    }
}

TEST_SUITE("lexsync::config commands in files others can change") {
    TEST_CASE("a config writable by others is refused when it names a command") {
        TempDir dir;
        const fs::path file = dir.path / "config.toml";
        std::ofstream(file) << "[profiles.default]\napi_key_command = \"pass show lexoffice\"\n";
        ::chmod(dir.path.c_str(), 0700);
        ::chmod(file.c_str(), 0666);
        auto loaded = config::load(file);
        REQUIRE_FALSE(loaded);
        CHECK(loaded.error().message.find("writable by others (mode 0666)") != std::string::npos);
        CHECK(loaded.error().message.find("api_key_command") != std::string::npos);
        ::chmod(file.c_str(), 0620);
        CHECK_FALSE(config::load(file));
        ::chmod(file.c_str(), 0644);
        CHECK(config::load(file));
        // A directory others can write (not sticky) lets them replace the file.
        ::chmod(dir.path.c_str(), 0777);
        loaded = config::load(file);
        REQUIRE_FALSE(loaded);
        CHECK(loaded.error().message.find("its directory") != std::string::npos);
        ::chmod(dir.path.c_str(), 0700);
    }

    TEST_CASE("a config writable by others that names no command is read") {
        TempDir dir;
        const fs::path file = dir.path / "config.toml";
        std::ofstream(file) << "[profiles.default]\nrate_limit = 1.5\n";
        ::chmod(file.c_str(), 0666);
        CHECK(config::load(file));
    }
}

TEST_CASE("config.toml is edited line by line: comments, order and other profiles stay") {
    using lexsync::config::set_profile_key;
    using lexsync::config::unset_profile_key;
    const std::string text = "# mine\n"
                             "default_profile = \"a\"\n"
                             "\n"
                             "[profiles.a]  # the live account\n"
                             "  output = \"table\"   # for people\n"
                             "\n"
                             "[profiles.a.sync]\n"
                             "invoices_pull_dir = \"x\"\n"
                             "\n"
                             "[profiles.b]\n"
                             "rate_limit = 1.0\n";
    // Replaced where it is, indentation kept.
    auto t = set_profile_key(text, "a", "output", "\"json\"");
    REQUIRE(t);
    CHECK(t->find("  output = \"json\"\n") != std::string::npos);
    CHECK(t->find("# mine\n") == 0);
    CHECK(t->find("[profiles.a]  # the live account\n") != std::string::npos);
    // A new key goes after the table's last key, before its sync sub-table.
    t = set_profile_key(text, "a", "rate_limit", "1.5");
    REQUIRE(t);
    CHECK(t->find("  output = \"table\"   # for people\nrate_limit = 1.5\n") != std::string::npos);
    CHECK(t->find("rate_limit = 1.5\n\n[profiles.a.sync]") != std::string::npos);
    // A new profile is appended; the others are untouched.
    t = set_profile_key(text, "c", "output", "\"csv\"");
    REQUIRE(t);
    CHECK(t->substr(0, text.size()) == text);
    CHECK(t->substr(text.size()) == "\n[profiles.c]\noutput = \"csv\"\n");
    // Removing a key removes its line only; a missing key changes nothing.
    t = unset_profile_key(text, "b", "rate_limit");
    REQUIRE(t);
    CHECK(t->find("rate_limit") == std::string::npos);
    CHECK(t->find("[profiles.b]\n") != std::string::npos);
    CHECK(*unset_profile_key(text, "b", "timeout") == text);
    // Profiles as an inline table or dotted keys: not edited line by line.
    CHECK_FALSE(set_profile_key("profiles.a.output = \"json\"\n", "a", "output", "\"csv\""));
    CHECK_FALSE(set_profile_key("profiles = { a = { output = \"json\" } }\n", "a", "output", "1"));
}

TEST_CASE("save_profile keeps the comments of an existing file") {
    const auto dir =
        std::filesystem::temp_directory_path() / ("lexsync-cfg-edit-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = dir / "config.toml";
    std::ofstream(path) << "# keep me\n[profiles.main]\noutput = \"json\" # and me\n";
    lexsync::config::ProfileSettings s;
    s.name = "main";
    s.output = "json";
    s.base_url = "http://127.0.0.1:8080";
    REQUIRE(lexsync::config::save_profile(path, s));
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text == "# keep me\n[profiles.main]\noutput = \"json\" # and me\n"
                  "base_url = \"http://127.0.0.1:8080\"\n");
    auto back = lexsync::config::load(path);
    REQUIRE(back);
    CHECK(back->profiles.at("main").base_url == std::string("http://127.0.0.1:8080"));
    std::filesystem::remove_all(dir);
}
