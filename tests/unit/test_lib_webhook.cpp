// Webhook receiving: signature verification over the raw body, payload parsing, replay memory.
#include <doctest/doctest.h>
#include <filesystem>
#include <lexsync/api/webhook.hpp>
#include <lexsync/store/state.hpp>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <random>
#include <string>

using namespace lexsync;

namespace {

struct KeyPair {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    ~KeyPair() { EVP_PKEY_free(key); }

    std::string public_pem() const {
        BIO* bio = BIO_new(BIO_s_mem());
        PEM_write_bio_PUBKEY(bio, key);
        char* data = nullptr;
        const long n = BIO_get_mem_data(bio, &data);
        std::string pem(data, static_cast<std::size_t>(n));
        BIO_free(bio);
        return pem;
    }

    // Base64 SHA512withRSA signature of `body`.
    std::string sign(const std::string& body) const {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        std::size_t len = 0;
        const auto* data = reinterpret_cast<const unsigned char*>(body.data());
        EVP_DigestSignInit(ctx, nullptr, EVP_sha512(), nullptr, key);
        EVP_DigestSign(ctx, nullptr, &len, data, body.size());
        std::string sig(len, '\0');
        EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, data, body.size());
        EVP_MD_CTX_free(ctx);
        std::string out(4 * ((len + 2) / 3) + 1, '\0');
        const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(sig.data()),
                                      static_cast<int>(len));
        out.resize(static_cast<std::size_t>(n));
        return out;
    }
};

const std::string k_body =
    R"({"organizationId":"d3b07384-d9a0-4c4f-8e5b-7c1a2b3c4d5e","eventType":"invoice.status.changed",)"
    R"("resourceId":"11111111-2222-4333-8444-555555555555","eventDate":"2023-04-11T12:30:00.000+02:00"})";

std::filesystem::path temp_db() {
    std::random_device rd;
    return std::filesystem::temp_directory_path() /
           ("lexsync-webhook-" + std::to_string(rd()) + std::to_string(rd())) / "state.db";
}

} // namespace

TEST_SUITE("lexsync::webhook") {
    TEST_CASE("a signature made with the key verifies against the exact body") {
        const KeyPair pair;
        auto key = webhook::PublicKey::from_pem(pair.public_pem());
        REQUIRE(key);
        const std::string sig = pair.sign(k_body);
        CHECK(key->verify(k_body, sig));
        SUBCASE("one changed byte fails") {
            std::string changed = k_body;
            changed[changed.size() - 3] = '1';
            CHECK_FALSE(key->verify(changed, sig));
        }
        SUBCASE("re-serialised JSON with whitespace fails") {
            CHECK_FALSE(key->verify(std::string(k_body).insert(1, " "), sig));
        }
        SUBCASE("a signature of another key fails") {
            const KeyPair other;
            CHECK_FALSE(key->verify(k_body, other.sign(k_body)));
        }
        SUBCASE("garbage and empty signatures fail") {
            CHECK_FALSE(key->verify(k_body, ""));
            CHECK_FALSE(key->verify(k_body, "not base64 !"));
            CHECK_FALSE(key->verify(k_body, sig.substr(0, sig.size() / 2)));
        }
    }

    TEST_CASE("a key file that is not a PEM public key is refused with its name") {
        auto key = webhook::PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nxyz\n");
        CHECK_FALSE(key);
        auto missing = webhook::PublicKey::from_file("/nonexistent/lexoffice.pub");
        REQUIRE_FALSE(missing);
        CHECK(missing.error().find("/nonexistent/lexoffice.pub") != std::string::npos);
    }

    TEST_CASE("the payload is parsed into its four members") {
        auto e = webhook::parse_event(k_body);
        REQUIRE(e);
        CHECK(e->organization_id == "d3b07384-d9a0-4c4f-8e5b-7c1a2b3c4d5e");
        CHECK(e->event_type == "invoice.status.changed");
        CHECK(e->resource_id == "11111111-2222-4333-8444-555555555555");
        CHECK(e->event_date == "2023-04-11T12:30:00.000+02:00");
        CHECK(webhook::to_json(*e) == k_body);
        CHECK_FALSE(webhook::parse_event("[]"));
        CHECK_FALSE(webhook::parse_event("{"));
        auto missing = webhook::parse_event(R"({"organizationId":"x","eventType":"a.b"})");
        REQUIRE_FALSE(missing);
        CHECK(missing.error().find("resourceId") != std::string::npos);
    }

    TEST_CASE("event types are the API's, case-insensitively") {
        CHECK(webhook::is_event_type("invoice.status.changed"));
        CHECK(webhook::is_event_type("Contact.Created"));
        CHECK(webhook::is_event_type("token.revoked"));
        CHECK_FALSE(webhook::is_event_type("contact.status.changed"));
        CHECK_FALSE(webhook::is_event_type("payment.created"));
        CHECK(webhook::event_types().size() == 42);
    }

    TEST_CASE("a replay is recognised, also by a new process on the same state") {
        const auto db = temp_db();
        auto e = webhook::parse_event(k_body).value();
        {
            StateStore state(db);
            webhook::ReplayGuard guard(state);
            CHECK(guard.first_time(e));
            CHECK_FALSE(guard.first_time(e));
            auto later = e;
            later.event_date = "2023-04-11T12:31:00.000+02:00";
            CHECK(guard.first_time(later)); // the same resource changing again is new
        }
        StateStore reopened(db);
        webhook::ReplayGuard guard(reopened);
        CHECK(guard.seen(e));
        CHECK_FALSE(guard.first_time(e));
        std::filesystem::remove_all(db.parent_path());
    }
}
