// Building blocks of the sandbox: Berlin timestamps, LIKE matching, HTML escaping, ids.
#include "sandbox/support.hpp"

#include <chrono>
#include <doctest/doctest.h>

using namespace lexsync::sandbox;

namespace {

std::chrono::system_clock::time_point utc(int y, unsigned m, unsigned d, int h, int min, int s,
                                          int ms) {
    using namespace std::chrono;
    return sys_days(year(y) / month(m) / day(d)) + hours(h) + minutes(min) + seconds(s) +
           milliseconds(ms);
}

} // namespace

TEST_SUITE("lexsync::sandbox support") {

    TEST_CASE("timestamps use the Berlin offset and switch at the EU daylight-saving boundaries") {
        CHECK(format_berlin(utc(2023, 2, 21, 0, 0, 0, 0)) == "2023-02-21T01:00:00.000+01:00");
        CHECK(format_berlin(utc(2023, 6, 29, 13, 15, 9, 447)) == "2023-06-29T15:15:09.447+02:00");
        // Last Sunday of March 2023 is the 26th; the switch is at 01:00 UTC.
        CHECK(format_berlin(utc(2023, 3, 26, 0, 59, 59, 999)) == "2023-03-26T01:59:59.999+01:00");
        CHECK(format_berlin(utc(2023, 3, 26, 1, 0, 0, 0)) == "2023-03-26T03:00:00.000+02:00");
        // Last Sunday of October 2023 is the 29th.
        CHECK(format_berlin(utc(2023, 10, 29, 0, 59, 59, 0)) == "2023-10-29T02:59:59.000+02:00");
        CHECK(format_berlin(utc(2023, 10, 29, 1, 0, 0, 0)) == "2023-10-29T02:00:00.000+01:00");
        // The year boundary in local time.
        CHECK(format_berlin(utc(2023, 12, 31, 23, 30, 0, 5)) == "2024-01-01T00:30:00.005+01:00");
    }

    TEST_CASE("LIKE patterns match substrings case-insensitively with _, % and escapes") {
        CHECK(like_contains("Müller & Söhne", "müller"));
        CHECK(like_contains("MÜLLER", "müller"));
        CHECK(like_contains("a.b@x.de", "a_b@"));
        CHECK(!like_contains("a.b@x.de", "a\\_b@"));
        CHECK(like_contains("a_b@x.de", "a\\_b@"));
        CHECK(like_contains("Putzteufel AG", "Putz%AG"));
        CHECK(!like_contains("Putzteufel GmbH", "Putz%AG"));
        CHECK(like_contains("100% Sauber", "100\\%"));
        CHECK(!like_contains("1000 Sauber", "100\\%"));
        // `_` is one character, also a multi-byte one.
        CHECK(like_contains("Mueller", "M_eller"));
        CHECK(like_contains("Müller", "M_ller"));
        CHECK(!like_contains("Mller", "M_ller"));
    }

    TEST_CASE("generated ids are version 4 UUIDs") {
        const std::string id = new_uuid();
        CHECK(lexsync::is_uuid(id));
        CHECK(id[14] == '4');
        CHECK(id != new_uuid());
        CHECK(!lexsync::is_uuid("not-a-uuid"));
        CHECK(lexsync::sha256_hex("abc") ==
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
