#include <doctest/doctest.h>
#include <lexsync/util/encoding.hpp>

using namespace lexsync;

TEST_CASE("base64 and base64url encode the RFC 4648 section 10 vectors") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode("\xfb\xff") == "+/8=");
    CHECK(base64url_encode("\xfb\xff") == "-_8");
    CHECK(base64url_encode("foob") == "Zm9vYg");
}

TEST_CASE("base64 decodes with and without padding and refuses bad input") {
    CHECK(base64_decode("TWFu") == std::string("Man"));
    CHECK(base64_decode("TWE=") == std::string("Ma"));
    CHECK(base64_decode("TWE") == std::string("Ma"));
    CHECK(base64_decode("TQ==") == std::string("M"));
    CHECK(base64_decode("TW\nFu") == std::string("Man"));
    CHECK(base64_decode("") == std::string());
    CHECK(base64_decode("+/8=") == std::string("\xfb\xff"));
    CHECK_FALSE(base64_decode("T=Fu"));
    CHECK_FALSE(base64_decode("TWFu$"));
    CHECK_FALSE(base64_decode("-_8")); // base64url is not base64
    CHECK_FALSE(base64_decode("T"));
    CHECK_FALSE(base64_decode("TQ==="));
    CHECK_FALSE(base64_decode("TWFu="));
}

TEST_CASE("every byte string survives a base64 round trip") {
    std::string bytes;
    for (int i = 0; i < 256; ++i) {
        bytes += static_cast<char>(i);
        REQUIRE(base64_decode(base64_encode(bytes)) == bytes);
    }
}

TEST_CASE("hex and SHA-256 match the FIPS 180-2 test vectors") {
    CHECK(hex_encode(std::string("\x00\x7f\x80\xff", 4)) == "007f80ff");
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256("abc").size() == 32);
}
