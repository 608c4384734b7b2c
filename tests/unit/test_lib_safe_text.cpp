#include <doctest/doctest.h>
#include <lexsync/api/client.hpp>
#include <lexsync/util/json.hpp>
#include <lexsync/util/json_guard.hpp>
#include <lexsync/util/safe_text.hpp>

using lexsync::json_output_text;
using lexsync::redact;
using lexsync::terminal_text;

TEST_SUITE("safe_text") {
    TEST_CASE("redact: a remembered secret is masked wherever it appears") {
        const lexsync::BearerToken key("k3y-7f1e2d3c4b5a69788796");
        CHECK(redact("invalid key k3y-7f1e2d3c4b5a69788796 (twice: k3y-7f1e2d3c4b5a69788796)") ==
              "invalid key *** (twice: ***)");
        // Short strings are never remembered: they would tear words out of messages.
        lexsync::remember_secret("abc");
        CHECK(redact("abc def") == "abc def");
    }

    TEST_CASE("redact: credentials named in server text are masked without being known") {
        CHECK(redact("Unauthorized: Bearer eyJhbGciOiJIUzI1NiJ9.x.y") ==
              "Unauthorized: Bearer ***");
        CHECK(redact(R"({"message":"Authorization: Token abc123def"})") ==
              R"({"message":"Authorization: Token ***"})");
        CHECK(redact("authorization=plainsecretvalue&x=1") == "authorization=***&x=1");
        CHECK(redact(R"("authorization": "Basic dXNlcjpwYXNzd29yZA==")") ==
              R"("authorization": "Basic ***")");
        CHECK(redact("grant_type=refresh_token&client_secret=s3cr3t&refresh_token=r1") ==
              "grant_type=refresh_token&client_secret=***&refresh_token=***");
        CHECK(redact(R"({"access_token":"at-1","apiKey" : "k-2","password":"p"})") ==
              R"({"access_token":"***","apiKey" : "***","password":"***"})");
        CHECK(redact("X-Api-Key: 12345") == "X-Api-Key: ***");
    }

    TEST_CASE("redact: prose that only mentions credentials stays as it is") {
        for (const char* s : {"the token answer has no access_token", "basic validation failed",
                              "set api_key_command in config.toml", "Bearer",
                              "no Authorization header", "Müller GmbH: 3 Rechnungen"}) {
            CHECK(redact(s) == s);
        }
    }

    TEST_CASE("terminal_text: control characters and escape sequences become visible") {
        CHECK(terminal_text("Evil\x1b[2J\x1b]0;owned\x07 Corp\rX") ==
              "Evil\\x1b[2J\\x1b]0;owned\\x07 Corp\\x0dX");
        CHECK(terminal_text("a\tb\nc\x7f") == "a\\x09b\\x0ac\\x7f");
        // C1 controls (U+009B is a one-character CSI) and bytes that are not UTF-8.
        CHECK(terminal_text("x\xc2\x9b"
                            "31my") == "x\\u009b31my");
        CHECK(terminal_text("M\xfcller \x9b") == "M\\xfcller \\x9b");
        CHECK(terminal_text("\xed\xa0\x80") == "\\xed\\xa0\\x80"); // a surrogate
        CHECK(terminal_text("Müller GmbH — café ☕ 𝄞") == "Müller GmbH — café ☕ 𝄞");
    }

    TEST_CASE("json_output_text: valid UTF-8 and no raw control characters, text unchanged") {
        lexsync::json::Document d(rapidjson::kObjectType);
        auto& a = d.GetAllocator();
        lexsync::json::set(d, "file", lexsync::json::str("/tmp/M\xfcller/\xff\xfe.pdf", a), a);
        lexsync::json::set(d, "name", lexsync::json::str("Evil\x1b[2J\rCorp\x7f\xc2\x85", a), a);
        lexsync::json::set(d, "ok", lexsync::json::str("Müller — ☕", a), a);
        const std::string out = json_output_text(lexsync::json::to_string(d));
        CHECK_FALSE(lexsync::json::find_invalid_utf8(out).has_value());
        CHECK(out == "{\"file\":\"/tmp/M\xef\xbf\xbdller/\xef\xbf\xbd\xef\xbf\xbd.pdf\","
                     "\"name\":\"Evil\\u001B[2J\\rCorp\\u007f\\u0085\",\"ok\":\"Müller — ☕\"}");
        auto back = lexsync::json::parse(out);
        REQUIRE(back.has_value());
        CHECK(std::string((*back)["name"].GetString()) == "Evil\x1b[2J\rCorp\x7f\xc2\x85");
        // Valid JSON passes unchanged.
        const std::string plain = R"({"a":[1,2.5,"x\"y",null,true]})";
        CHECK(json_output_text(plain) == plain);
    }
}
