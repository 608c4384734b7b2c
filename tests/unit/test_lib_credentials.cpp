#include "temp_dir.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/store/credentials.hpp>
#include <map>
#include <sstream>
#include <sys/stat.h>

namespace fs = std::filesystem;
namespace credentials = lexsync::credentials;

namespace {

using lexsync::testing::TempDir;

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

lexsync::config::EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) {
            return std::nullopt;
        }
        return it->second;
    };
}

lexsync::config::ResolvedProfile profile_in(const fs::path& dir, const std::string& name = "shop") {
    lexsync::config::ResolvedProfile p;
    p.name = name;
    p.config_file = dir / "config.toml";
    return p;
}

} // namespace

TEST_SUITE("lexsync::credentials") {
    TEST_CASE("a stored key is loaded back and the file is private") {
        TempDir dir;
        const fs::path file = dir.path / "conf" / "credentials.toml";
        REQUIRE(credentials::store(file, "shop", lexsync::BearerToken("key-shop-123")));
        REQUIRE(credentials::store(file, "books", lexsync::BearerToken("key-\"books\"\\x")));
        CHECK(mode_of(file) == 0600);
        CHECK(mode_of(file.parent_path()) == 0700);

        auto shop = credentials::load(file, "shop");
        REQUIRE(shop);
        REQUIRE(shop->has_value());
        CHECK((*shop)->reveal() == "key-shop-123");
        auto books = credentials::load(file, "books");
        REQUIRE(books);
        CHECK((*books)->reveal() == "key-\"books\"\\x");
        auto none = credentials::load(file, "other");
        REQUIRE(none);
        CHECK_FALSE(none->has_value());
        auto missing = credentials::load(dir.path / "nothing.toml", "shop");
        REQUIRE(missing);
        CHECK_FALSE(missing->has_value());
    }

    TEST_CASE("a file readable by others is refused with the fix, without its content") {
        TempDir dir;
        const fs::path file = dir.path / "credentials.toml";
        REQUIRE(credentials::store(file, "shop", lexsync::BearerToken("sekrit-key")));
        for (unsigned mode : {0640u, 0604u, 0620u, 0660u}) {
            ::chmod(file.c_str(), mode);
            auto r = credentials::load(file, "shop");
            REQUIRE_FALSE(r);
            CHECK(r.error().message ==
                  file.string() + " is readable by others; run: chmod 600 " + file.string());
        }
        // Storing again repairs the mode.
        REQUIRE(credentials::store(file, "shop", lexsync::BearerToken("sekrit-key")));
        CHECK(mode_of(file) == 0600);
        CHECK(credentials::load(file, "shop"));
    }

    TEST_CASE("a broken file is reported by position only") {
        TempDir dir;
        const fs::path file = dir.path / "credentials.toml";
        {
            std::ofstream out(file);
            out << "[profiles.shop]\napi_key = \"sekrit-key\n";
        }
        ::chmod(file.c_str(), 0600);
        auto r = credentials::load(file, "shop");
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("sekrit") == std::string::npos);
        CHECK(r.error().message.rfind(file.string() + ":2:", 0) == 0);
    }

    TEST_CASE("remove deletes one profile's key and says whether there was one") {
        TempDir dir;
        const fs::path file = dir.path / "credentials.toml";
        auto none = credentials::remove(file, "shop");
        REQUIRE(none);
        CHECK_FALSE(*none);
        REQUIRE(credentials::store(file, "shop", lexsync::BearerToken("a")));
        REQUIRE(credentials::store(file, "books", lexsync::BearerToken("b")));
        auto removed = credentials::remove(file, "shop");
        REQUIRE(removed);
        CHECK(*removed);
        CHECK_FALSE(credentials::load(file, "shop")->has_value());
        CHECK((*credentials::load(file, "books"))->reveal() == "b");
        auto again = credentials::remove(file, "shop");
        REQUIRE(again);
        CHECK_FALSE(*again);
        CHECK(mode_of(file) == 0600);
    }

    TEST_CASE("LEXSYNC_API_KEY wins over the command and the file") {
        TempDir dir;
        auto p = profile_in(dir.path);
        p.api_key_command = "echo from-command";
        REQUIRE(credentials::store(dir.path / "credentials.toml", "shop",
                                   lexsync::BearerToken("from-file")));
        auto r = credentials::resolve_token(p, env_of({{"LEXSYNC_API_KEY", " from-env\n"}}));
        REQUIRE(r);
        CHECK(r->first.reveal() == "from-env");
        CHECK(r->second == credentials::Source::environment);

        r = credentials::resolve_token(p, env_of({{"LEXSYNC_API_KEY", ""}}));
        REQUIRE(r);
        CHECK(r->first.reveal() == "from-command");
        CHECK(r->second == credentials::Source::command);

        p.api_key_command.reset();
        r = credentials::resolve_token(p, env_of({}));
        REQUIRE(r);
        CHECK(r->first.reveal() == "from-file");
        CHECK(r->second == credentials::Source::file);

        r = credentials::resolve_token(profile_in(dir.path, "books"), env_of({}));
        REQUIRE(r);
        CHECK(r->first.empty());
        CHECK(r->second == credentials::Source::none);
    }

    TEST_CASE("api_key_command output is trimmed and only its first line is the key") {
        TempDir dir;
        auto p = profile_in(dir.path);
        p.api_key_command = "printf '\\n  key-from-pass  \\nlogin: someone\\n'";
        auto r = credentials::resolve_token(p, env_of({}));
        REQUIRE(r);
        CHECK(r->first.reveal() == "key-from-pass");
    }

    TEST_CASE("a failing or silent api_key_command is an error that does not repeat its output") {
        TempDir dir;
        auto p = profile_in(dir.path);
        p.api_key_command = "echo half-secret-output; exit 3";
        auto r = credentials::resolve_token(p, env_of({}));
        REQUIRE_FALSE(r);
        CHECK(r.error().message == "api_key_command of profile 'shop' failed (exit status 3)");
        CHECK(r.error().message.find("half-secret") == std::string::npos);

        p.api_key_command = "printf '  \\n'";
        r = credentials::resolve_token(p, env_of({}));
        REQUIRE_FALSE(r);
        CHECK(r.error().message == "api_key_command of profile 'shop' printed no key");

        p.api_key_command = "kill -9 $$";
        r = credentials::resolve_token(p, env_of({}));
        REQUIRE_FALSE(r);
        CHECK(r.error().message == "api_key_command of profile 'shop' failed (signal 9)");
    }
}
