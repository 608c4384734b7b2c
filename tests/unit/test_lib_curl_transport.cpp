#include <atomic>
#include <doctest/doctest.h>
#include <httplib.h>
#include <lexsync/http/curl_transport.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;
using lexsync::CurlTransport;
namespace http = lexsync::http;
using Kind = http::TransportError::Kind;

namespace {

// An httplib server on 127.0.0.1 and a free port, stopped when the test ends.
class LocalServer {
public:
    LocalServer() {
        m_port = m_server.bind_to_any_port("127.0.0.1");
        REQUIRE(m_port > 0);
    }
    LocalServer(const LocalServer&) = delete;
    LocalServer& operator=(const LocalServer&) = delete;
    ~LocalServer() {
        m_server.stop();
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }
    httplib::Server& server() { return m_server; }
    void start() {
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        for (int i = 0; i < 500 && !m_server.is_running(); ++i) {
            std::this_thread::sleep_for(2ms);
        }
        REQUIRE(m_server.is_running());
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(m_port) + path;
    }

private:
    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
};

// A loopback port nobody listens on (bound once, then released).
int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

} // namespace

TEST_SUITE("lexsync::CurlTransport") {
    TEST_CASE("GET sends headers, captures the answer and reuses the connection") {
        LocalServer s;
        std::vector<int> client_ports;
        std::mutex m;
        s.server().Get("/v1/profile", [&](const httplib::Request& req, httplib::Response& res) {
            {
                std::lock_guard lock(m);
                client_ports.push_back(req.remote_port);
            }
            res.set_header("X-Trace", "abc123");
            res.set_content(R"({"auth":")" + req.get_header_value("Authorization") + R"(","ua":")" +
                                req.get_header_value("User-Agent") + "\"}",
                            "application/json");
        });
        s.start();
        CurlTransport t;
        http::Request r;
        r.url = s.url("/v1/profile");
        r.headers.set("Authorization", "Bearer t0k");
        r.headers.set("User-Agent", "lexsync/test");
        for (int i = 0; i < 2; ++i) {
            auto res = t.send(r);
            REQUIRE(res.has_value());
            CHECK(res->status == 200);
            CHECK(res->body == R"({"auth":"Bearer t0k","ua":"lexsync/test"})");
            CHECK(res->headers.get("x-trace") == "abc123");
            CHECK(res->headers.get("Content-Type") == "application/json");
        }
        REQUIRE(client_ports.size() == 2);
        CHECK(client_ports[0] == client_ports[1]);
    }

    TEST_CASE("POST, PUT and DELETE send their method and JSON body without Expect") {
        LocalServer s;
        auto echo = [](const httplib::Request& req, httplib::Response& res) {
            res.status = req.method == "POST" ? 201 : 200;
            res.set_content(req.method + " " + req.get_header_value("Content-Type") + " " +
                                std::to_string(req.body.size()) +
                                (req.has_header("Expect") ? " expect" : ""),
                            "text/plain");
        };
        s.server().Post("/v1/contacts", echo);
        s.server().Put("/v1/contacts/1", echo);
        s.server().Delete("/v1/articles/1", [](const httplib::Request&, httplib::Response& res) {
            res.status = 204;
        });
        s.start();
        CurlTransport t;
        http::Request r;
        r.method = http::Method::post;
        r.url = s.url("/v1/contacts");
        r.headers.set("Content-Type", "application/json");
        r.body = R"({"version":0,"company":{"name":"ACME"}})";
        auto post = t.send(r);
        REQUIRE(post.has_value());
        CHECK(post->status == 201);
        CHECK(post->body == "POST application/json 39");

        r.body = "{\"note\":\"" + std::string(2 * 1024 * 1024, 'x') + "\"}";
        auto big = t.send(r);
        REQUIRE(big.has_value());
        CHECK(big->body == "POST application/json " + std::to_string(r.body.size()));

        r.method = http::Method::put;
        r.url = s.url("/v1/contacts/1");
        r.body = "{}";
        auto put = t.send(r);
        REQUIRE(put.has_value());
        CHECK(put->body == "PUT application/json 2");

        http::Request d;
        d.method = http::Method::del;
        d.url = s.url("/v1/articles/1");
        auto del = t.send(d);
        REQUIRE(del.has_value());
        CHECK(del->status == 204);
    }

    TEST_CASE("multipart uploads carry every part and can be sent again") {
        LocalServer s;
        s.server().Post("/v1/files", [](const httplib::Request& req, httplib::Response& res) {
            const auto file = req.get_file_value("file");
            const auto type = req.get_file_value("type");
            res.status = 202;
            res.set_content(file.filename + "|" + file.content_type + "|" + file.content + "|" +
                                type.content,
                            "text/plain");
        });
        s.start();
        CurlTransport t;
        http::Request r;
        r.method = http::Method::post;
        r.url = s.url("/v1/files");
        r.headers.set("Content-Type", "application/json"); // replaced by the multipart type
        r.form.push_back(
            {"file", std::string("%PDF-1.4\0binary", 15), "beleg.pdf", "application/pdf"});
        r.form.push_back({"type", "voucher", "", ""});
        for (int i = 0; i < 2; ++i) {
            auto res = t.send(r);
            REQUIRE(res.has_value());
            CHECK(res->status == 202);
            CHECK(res->body ==
                  "beleg.pdf|application/pdf|" + std::string("%PDF-1.4\0binary", 15) + "|voucher");
        }
    }

    TEST_CASE("a request past its timeout is a timeout") {
        LocalServer s;
        s.server().Get("/slow", [](const httplib::Request&, httplib::Response& res) {
            std::this_thread::sleep_for(800ms);
            res.set_content("late", "text/plain");
        });
        s.start();
        CurlTransport t;
        http::Request r;
        r.url = s.url("/slow");
        r.timeout = 200ms;
        auto res = t.send(r);
        REQUIRE_FALSE(res.has_value());
        CHECK(res.error().kind == Kind::timeout);
        CHECK_FALSE(res.error().not_sent());
    }

    TEST_CASE("answers are bounded by kind: JSON 32 MiB, documents 100 MiB") {
        LocalServer s;
        // An endless chunked answer: stops only when the client goes away.
        s.server().Get("/endless", [](const httplib::Request&, httplib::Response& res) {
            res.set_chunked_content_provider("application/json",
                                             [](std::size_t, httplib::DataSink& sink) {
                                                 static const std::string chunk(1 << 16, ' ');
                                                 return sink.write(chunk.data(), chunk.size());
                                             });
        });
        // 1 GiB announced by Content-Length: refused before a byte of the body is read.
        s.server().Get("/huge", [](const httplib::Request&, httplib::Response& res) {
            res.set_content_provider(std::size_t{1} << 30, "application/json",
                                     [](std::size_t, std::size_t, httplib::DataSink& sink) {
                                         static const std::string chunk(1 << 16, ' ');
                                         return sink.write(chunk.data(), chunk.size());
                                     });
        });
        // 40 MiB: too much for JSON, fine for a document.
        s.server().Get("/doc", [](const httplib::Request&, httplib::Response& res) {
            res.set_content(std::string(std::size_t{40} << 20, 'x'), "application/pdf");
        });
        s.start();
        CurlTransport t;
        for (const char* path : {"/endless", "/huge", "/doc"}) {
            CAPTURE(path);
            http::Request r;
            r.url = s.url(path);
            r.headers.set("Accept", "application/json");
            auto res = t.send(r);
            REQUIRE_FALSE(res.has_value());
            CHECK(res.error().kind == Kind::other); // not retried: the same answer would come
            CHECK(res.error().message.find("larger than 32 MiB, the limit for JSON answers") !=
                  std::string::npos);
        }
        http::Request doc;
        doc.url = s.url("/doc");
        doc.headers.set("Accept", "application/pdf");
        auto res = t.send(doc);
        REQUIRE(res.has_value());
        CHECK(res->body.size() == std::size_t{40} << 20);
        http::Request endless;
        endless.url = s.url("/endless");
        endless.headers.set("Accept", "*/*");
        auto e = t.send(endless);
        REQUIRE_FALSE(e.has_value());
        CHECK(e.error().message.find("larger than 100 MiB, the limit for documents") !=
              std::string::npos);
    }

    TEST_CASE("a refused connection is a connect error that was not sent") {
        CurlTransport t;
        http::Request r;
        r.method = http::Method::post;
        r.url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1/contacts";
        r.headers.set("Authorization", "Bearer do-not-show-me");
        auto res = t.send(r);
        REQUIRE_FALSE(res.has_value());
        CHECK(res.error().kind == Kind::connect);
        CHECK(res.error().not_sent());
        CHECK(res.error().message.find("do-not-show-me") == std::string::npos);
    }

    TEST_CASE("plain http to a host other than loopback is refused before sending") {
        CurlTransport t;
        http::Request r;
        r.url = "http://api.example.test/v1/profile";
        auto res = t.send(r);
        REQUIRE_FALSE(res.has_value());
        CHECK(res.error().kind == Kind::other);
        CHECK(res.error().message.find("TLS") != std::string::npos);
        r.url = "ftp://127.0.0.1/file";
        CHECK_FALSE(t.send(r).has_value());
    }

    TEST_CASE("loopback hosts are recognised") {
        CHECK(lexsync::is_loopback_host("localhost"));
        CHECK(lexsync::is_loopback_host("127.0.0.1"));
        CHECK(lexsync::is_loopback_host("127.255.3.4"));
        CHECK(lexsync::is_loopback_host("[::1]"));
        CHECK_FALSE(lexsync::is_loopback_host("128.0.0.1"));
        CHECK_FALSE(lexsync::is_loopback_host("127.0.0.1.example.com"));
        CHECK_FALSE(lexsync::is_loopback_host("127.0.0"));
        CHECK_FALSE(lexsync::is_loopback_host("localhost.example.com"));
        CHECK_FALSE(lexsync::is_loopback_host("api.lexware.io"));
    }
}
