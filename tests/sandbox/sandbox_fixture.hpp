// A running sandbox on a free loopback port for one test, and small helpers around httplib.
#pragma once

#include "sandbox/server.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <httplib.h>
#include <random>
#include <rapidjson/document.h>
#include <string>
#include <thread>

namespace sandbox_test {

using lexsync::sandbox::k_sandbox_api_key;
using lexsync::sandbox::Server;
using lexsync::sandbox::ServerOptions;

// Options for most tests: the demo seed without a rate limit.
inline ServerOptions unlimited(std::string seed = "demo") {
    ServerOptions o;
    o.seed = std::move(seed);
    o.rate_limit = false;
    return o;
}

// Serves in a background thread from construction to destruction.
class RunningServer {
public:
    explicit RunningServer(ServerOptions options = unlimited()) : m_server(std::move(options)) {
        m_port = m_server.bind();
        m_thread = std::thread([this] { m_server.listen(); });
    }
    ~RunningServer() {
        m_server.stop();
        m_thread.join();
    }
    RunningServer(const RunningServer&) = delete;
    RunningServer& operator=(const RunningServer&) = delete;

    int port() const { return m_port; }
    std::string base_url() const { return m_server.base_url(); }

    // A client with `key` as bearer token (empty: no Authorization header).
    httplib::Client client(const std::string& key = k_sandbox_api_key) const {
        httplib::Client c("127.0.0.1", m_port);
        if (!key.empty()) {
            c.set_bearer_token_auth(key.c_str());
        }
        // Send targets exactly as written (httplib would turn `+` into %2B).
        c.set_url_encode(false);
        c.set_connection_timeout(10);
        c.set_read_timeout(30);
        return c;
    }

private:
    Server m_server;
    int m_port = 0;
    std::thread m_thread;
};

inline rapidjson::Document parse(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str(), text.size());
    REQUIRE_MESSAGE(!d.HasParseError(), "not JSON: " << text);
    return d;
}

// The first IssueList entry's source and i18nKey as "source:key".
inline std::string first_issue(const std::string& body) {
    const auto d = parse(body);
    REQUIRE_MESSAGE(d.IsObject(), body);
    REQUIRE_MESSAGE(d.HasMember("IssueList"), body);
    REQUIRE(d["IssueList"].Size() >= 1);
    const auto& i = d["IssueList"][0];
    return std::string(i["source"].GetString()) + ":" + i["i18nKey"].GetString();
}

// True when the IssueList of `body` contains "source:key".
inline bool has_issue(const std::string& body, const std::string& wanted) {
    const auto d = parse(body);
    if (!d.IsObject() || !d.HasMember("IssueList")) {
        return false;
    }
    for (const auto& i : d["IssueList"].GetArray()) {
        if (std::string(i["source"].GetString()) + ":" + i["i18nKey"].GetString() == wanted) {
            return true;
        }
    }
    return false;
}

// A fresh path in the temporary directory, removed with its WAL files on destruction.
class TempPath {
public:
    explicit TempPath(const std::string& suffix) {
        std::random_device rd;
        m_path = std::filesystem::temp_directory_path() /
                 ("lexsync-sandbox-" + std::to_string(rd()) + std::to_string(rd()) + suffix);
    }
    ~TempPath() {
        std::error_code ec;
        for (const char* extra : {"", "-wal", "-shm", "-journal"}) {
            std::filesystem::remove(m_path.string() + extra, ec);
        }
    }
    TempPath(const TempPath&) = delete;
    TempPath& operator=(const TempPath&) = delete;
    std::string str() const { return m_path.string(); }
    void write(const std::string& text) const { std::ofstream(m_path) << text; }

private:
    std::filesystem::path m_path;
};

constexpr const char* k_json = "application/json";

// A minimal valid company contact body for POST.
inline std::string company_body(const std::string& name,
                                const std::string& roles = R"({"customer":{}})") {
    return R"({"version":0,"roles":)" + roles + R"(,"company":{"name":")" + name + R"("}})";
}

} // namespace sandbox_test
