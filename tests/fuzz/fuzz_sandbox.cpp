// libFuzzer target: the sandbox's request handling in-process, without a socket. Each input is the
// bytes of one HTTP/1.1 request (request line, headers, body) as a client sends them; it goes
// through httplib's parser, the server's limits and early checks, authentication and every
// handler (Server::answer). The seeds (corpus/sandbox, written by make_sandbox_corpus.py) are
// requests of the API reference, most of them with "@demo-key@", which stands for the demo key. The
// sandbox runs with the demo seed in memory, without a rate limit and without sending webhooks; it
// is built afresh every k_requests_per_server inputs so that what earlier inputs created stays
// bounded.
//
// Checked on every answer: it is HTTP/1.1 with a status line and a header, no handler threw (the
// server's catch-all 500; a handler must answer its own errors), and a JSON answer is valid UTF-8
// and parses.
#include "fuzz_util.hpp"

#include <cstdio>
#include <cstdlib>
#include <lexsync/util/json.hpp>
#include <lexsync/util/json_guard.hpp>
#include <memory>
#include <sandbox/server.hpp>

namespace {

constexpr int k_requests_per_server = 2000;

lexsync::sandbox::Server& server() {
    static std::unique_ptr<lexsync::sandbox::Server> s;
    static int served = 0;
    if (!s || ++served > k_requests_per_server) {
        s.reset();
        lexsync::sandbox::ServerOptions o;
        o.seed = "demo";
        o.rate_limit = false;
        o.deliver_webhooks = false;
        s = std::make_unique<lexsync::sandbox::Server>(std::move(o));
        served = 1;
    }
    return *s;
}

// The input with the demo key in place of each "@demo-key@" (the corpus holds no key).
std::string with_key(std::string_view input) {
    constexpr std::string_view k_placeholder = "@demo-key@";
    std::string out(input);
    std::size_t at = 0;
    while ((at = out.find(k_placeholder, at)) != std::string::npos) {
        out.replace(at, k_placeholder.size(), lexsync::sandbox::k_sandbox_api_key);
        at += std::string_view(lexsync::sandbox::k_sandbox_api_key).size();
    }
    return out;
}

// Reports what is wrong with `answer` and stops (libFuzzer keeps the input).
[[noreturn]] void fail(const char* why, const std::string& answer) {
    std::fprintf(stderr, "fuzz_sandbox: %s\n%.2000s\n", why, answer.c_str());
    __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string answer = server().answer(with_key(lexsync::fuzz::as_text(data, size)));
    if (answer.empty()) {
        return 0; // nothing that httplib took for a request (e.g. an empty input)
    }
    if (answer.compare(0, 9, "HTTP/1.1 ") != 0 || answer.size() < 12) {
        fail("no status line", answer);
    }
    const int status = std::atoi(answer.substr(9, 3).c_str());
    if (status < 100 || status > 599) {
        fail("status out of range", answer);
    }
    const std::size_t head_end = answer.find("\r\n\r\n");
    if (head_end == std::string::npos) {
        fail("no end of the header", answer);
    }
    const std::string head = answer.substr(0, head_end);
    const std::string_view body = std::string_view(answer).substr(head_end + 4);
    // A handler's exception: caught by the server (its catch-all answer) or by httplib (no body).
    // The 500s the service itself gives (an upload without a file part) are emulated and pass.
    if (status == 500 && (body.empty() || body.find(R"("message":"Internal server error")") !=
                                              std::string_view::npos)) {
        fail("a handler threw", answer);
    }
    if (head.find("Content-Type: application/json") != std::string::npos && !body.empty()) {
        if (lexsync::json::find_invalid_utf8(body)) {
            fail("a JSON answer that is not UTF-8", answer);
        }
        if (!lexsync::json::parse(body)) {
            fail("a JSON answer that does not parse", answer);
        }
    }
    return 0;
}
