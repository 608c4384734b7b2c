#include "cli/context.hpp"
#include "commands/commands.hpp"
#include "temp_dir.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/store/credentials.hpp>
#include <lexsync/util/json.hpp>
#include <map>
#include <memory>
#include <sstream>
#include <sys/stat.h>

namespace fs = std::filesystem;

namespace {

constexpr const char* k_good_key = "good-key-5f2e9a7c41";
constexpr const char* k_bad_key = "bad-key-83c1d0e6b2";

constexpr const char* k_profile_body = R"({"organizationId":"aa93e8a8-2aa3-470b-b914-caad8a255dd8",
"companyName":"Testfirma GmbH","created":{"userId":"u","userName":"Erika","userEmail":"e@example.org",
"date":"2017-01-03T13:15:45.000+01:00"},"connectionId":"c","features":["cashbox"],
"businessFeatures":["INVOICING"],"subscriptionStatus":"active","taxType":"net","smallBusiness":false})";

// Answers GET /v1/profile with 200 for the good key and 401 for anything else.
class ProfileServer final : public lexsync::http::Transport {
public:
    explicit ProfileServer(int& requests) : m_requests(requests) {}
    lexsync::http::SendResult send(const lexsync::http::Request& request) override {
        ++m_requests;
        lexsync::http::Response r;
        const bool profile = request.method == lexsync::http::Method::get &&
                             request.url.size() >= 11 &&
                             request.url.substr(request.url.size() - 11) == "/v1/profile";
        if (!profile) {
            r.status = 404;
            r.body = R"({"message":"not found"})";
        } else if (request.headers.get("authorization") == std::string("Bearer ") + k_good_key) {
            r.status = 200;
            r.body = k_profile_body;
        } else {
            r.status = 401;
            r.body = R"({"message":"Unauthorized"})";
        }
        r.headers.set("content-type", "application/json");
        return r;
    }

private:
    int& m_requests;
};

using lexsync::testing::TempDir;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

// One command run with captured streams, a fake API and a private config directory.
struct Harness {
    TempDir dir;
    std::map<std::string, std::string> env_vars;
    int requests = 0;
    int prompts = 0;
    std::string typed_key;
    lexsync::FakeClock clock;

    fs::path config_file() const { return dir.path / "conf" / "config.toml"; }
    fs::path credentials_file() const { return dir.path / "conf" / "credentials.toml"; }

    struct Outcome {
        int code = 0;
        std::string out;
        std::string err;
    };

    Outcome run(const std::string& args, const std::string& stdin_text = "",
                bool stdin_tty = false) {
        std::ostringstream out;
        std::ostringstream err;
        std::istringstream in(stdin_text);
        env_vars["HOME"] = dir.path.string();
        env_vars["XDG_STATE_HOME"] = (dir.path / "state").string();
        auto vars = env_vars;
        lexsync::Context ctx(
            lexsync::IOStreams{out, err, in, false, false, stdin_tty},
            [vars](const std::string& name) -> std::optional<std::string> {
                auto it = vars.find(name);
                return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
            },
            clock);
        ctx.transport_factory = [this](const lexsync::ClientConfig&) {
            return std::make_unique<ProfileServer>(requests);
        };
        ctx.read_secret = [this](const std::string&) {
            ++prompts;
            return typed_key;
        };
        Outcome o;
        o.code = lexsync::run("--config " + config_file().string() + " " + args, ctx);
        o.out = out.str();
        o.err = err.str();
        // No key ever reaches the terminal.
        CHECK(o.out.find(k_good_key) == std::string::npos);
        CHECK(o.err.find(k_good_key) == std::string::npos);
        CHECK(o.out.find(k_bad_key) == std::string::npos);
        CHECK(o.err.find(k_bad_key) == std::string::npos);
        return o;
    }
};

lexsync::json::Document parse(const std::string& text) {
    auto doc = lexsync::json::parse(text);
    REQUIRE_MESSAGE(doc, text);
    return std::move(doc).value();
}

} // namespace

TEST_SUITE("lexsync auth") {
    TEST_CASE("login reads the key from stdin, checks it and stores it privately") {
        Harness h;
        auto o = h.run("-o json --profile shop --base-url http://127.0.0.1:9 auth login",
                       std::string(k_good_key) + "\n");
        REQUIRE_MESSAGE(o.code == 0, o.err);
        CHECK(h.requests == 1);
        CHECK(h.prompts == 0);
        auto doc = parse(o.out);
        REQUIRE(doc.IsArray());
        REQUIRE(doc.Size() == 1);
        CHECK(lexsync::json::get_string(doc[0], "profile") == "shop");
        CHECK(lexsync::json::get_string(doc[0], "organizationId") ==
              "aa93e8a8-2aa3-470b-b914-caad8a255dd8");
        CHECK(lexsync::json::get_string(doc[0], "companyName") == "Testfirma GmbH");
        CHECK(lexsync::json::get_string(doc[0], "taxType") == "net");
        CHECK(o.err.find("Testfirma GmbH") != std::string::npos);

        CHECK(mode_of(h.credentials_file()) == 0600);
        CHECK(mode_of(h.config_file()) == 0600);
        auto stored = lexsync::credentials::load(h.credentials_file(), "shop");
        REQUIRE(stored);
        REQUIRE(stored->has_value());
        CHECK((*stored)->reveal() == k_good_key);
        auto cfg = lexsync::config::load(h.config_file());
        REQUIRE(cfg);
        REQUIRE(cfg->profiles.count("shop") == 1);
        CHECK(cfg->profiles.at("shop").base_url == "http://127.0.0.1:9");
        CHECK(slurp(h.config_file()).find(k_good_key) == std::string::npos);
    }

    TEST_CASE("login refuses a key the API answers with 401 and stores nothing") {
        Harness h;
        auto o = h.run("auth login --with-token", std::string(k_bad_key) + "\n");
        CHECK(o.code == 3);
        CHECK(o.out.empty());
        CHECK(o.err.find("401") != std::string::npos);
        CHECK_FALSE(fs::exists(h.credentials_file()));
        CHECK_FALSE(fs::exists(h.config_file()));
    }

    TEST_CASE("login prompts on a terminal unless --with-token is given") {
        Harness h;
        h.typed_key = std::string("  ") + k_good_key + "  ";
        auto o = h.run("-o json auth login", "", true);
        REQUIRE_MESSAGE(o.code == 0, o.err);
        CHECK(h.prompts == 1);
        auto stored = lexsync::credentials::load(h.credentials_file(), "default");
        REQUIRE(stored);
        CHECK((*stored)->reveal() == k_good_key);
        // The default profile was added to the config file, without a base_url.
        auto cfg = lexsync::config::load(h.config_file());
        REQUIRE(cfg);
        REQUIRE(cfg->profiles.count("default") == 1);
        CHECK_FALSE(cfg->profiles.at("default").base_url.has_value());

        o = h.run("-o json auth login --with-token", std::string(k_bad_key) + "\n", true);
        CHECK(o.code == 3);
        CHECK(h.prompts == 1);
        // The earlier key is still there.
        CHECK((*lexsync::credentials::load(h.credentials_file(), "default"))->reveal() ==
              k_good_key);
    }

    TEST_CASE("login without a key fails before any request") {
        Harness h;
        auto o = h.run("auth login", "\n");
        CHECK(o.code == 3);
        CHECK(h.requests == 0);
        CHECK(o.err.find("no API key") != std::string::npos);
    }

    TEST_CASE("status reports the organisation and the key source") {
        Harness h;
        REQUIRE(h.run("--profile shop auth login", std::string(k_good_key) + "\n").code == 0);
        auto o = h.run("-o json --profile shop auth status");
        REQUIRE_MESSAGE(o.code == 0, o.err);
        auto doc = parse(o.out);
        REQUIRE(doc.Size() == 1);
        CHECK(lexsync::json::get_string(doc[0], "profile") == "shop");
        CHECK(lexsync::json::get_string(doc[0], "companyName") == "Testfirma GmbH");
        CHECK(lexsync::json::get_bool(doc[0], "smallBusiness") == false);
        CHECK(lexsync::json::get_string(doc[0], "keySource") == "file");
        CHECK(lexsync::json::get_string(doc[0], "status") == "ok");

        // LEXSYNC_API_KEY takes precedence, and a refused key exits 3.
        h.env_vars["LEXSYNC_API_KEY"] = k_bad_key;
        o = h.run("-o json --profile shop auth status");
        CHECK(o.code == 3);
        doc = parse(o.out);
        CHECK(lexsync::json::get_string(doc[0], "keySource") == "env");
        CHECK(lexsync::json::get_string(doc[0], "status") == "unauthorized");
        CHECK(lexsync::json::find(doc[0], "companyName") == nullptr);
    }

    TEST_CASE("status --all checks every profile and exits 3 when one has no key") {
        Harness h;
        REQUIRE(h.run("--profile shop auth login", std::string(k_good_key) + "\n").code == 0);
        fs::create_directories(h.config_file().parent_path());
        {
            std::ofstream out(h.config_file(), std::ios::app);
            out << "\n[profiles.books]\napi_key_command = \"exit 1\"\n\n[profiles.empty]\n";
        }
        auto o = h.run("-o json auth status --all");
        CHECK(o.code == 3);
        auto doc = parse(o.out);
        REQUIRE(doc.Size() == 3);
        std::map<std::string, std::pair<std::string, std::string>> seen;
        for (const auto& rec : doc.GetArray()) {
            seen[*lexsync::json::get_string(rec, "profile")] = {
                *lexsync::json::get_string(rec, "keySource"),
                *lexsync::json::get_string(rec, "status")};
        }
        CHECK(seen["shop"] == std::make_pair(std::string("file"), std::string("ok")));
        CHECK(seen["empty"] == std::make_pair(std::string("none"), std::string("no key")));
        CHECK(seen["books"].first == "command");
        CHECK(seen["books"].second ==
              "error: api_key_command of profile 'books' failed (exit status 1)");
        CHECK(o.err.find("2 of 3 profiles") != std::string::npos);
    }

    TEST_CASE("logout removes the stored key and succeeds either way") {
        Harness h;
        REQUIRE(h.run("--profile shop auth login", std::string(k_good_key) + "\n").code == 0);
        auto o = h.run("--profile shop auth logout");
        CHECK(o.code == 0);
        CHECK(o.err.find("Removed the API key of profile 'shop'") != std::string::npos);
        CHECK_FALSE(lexsync::credentials::load(h.credentials_file(), "shop")->has_value());
        o = h.run("--profile shop auth logout");
        CHECK(o.code == 0);
        CHECK(o.err.find("No API key stored for profile 'shop'") != std::string::npos);
        o = h.run("-o json --profile shop auth status");
        CHECK(o.code == 3);
        auto doc = parse(o.out);
        CHECK(lexsync::json::get_string(doc[0], "status") == "no key");
    }

    TEST_CASE("every auth verb has help on stdout") {
        for (const char* verb : {"login", "status", "logout"}) {
            Harness h;
            auto o = h.run(std::string("auth ") + verb + " --help");
            CHECK(o.code == 0);
            CHECK(o.out.find("Examples:") != std::string::npos);
            CHECK(h.requests == 0);
        }
        Harness h;
        auto o = h.run("auth login --token abc");
        CHECK(o.code == 2);
    }
}
