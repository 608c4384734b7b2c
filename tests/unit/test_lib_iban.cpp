#include <doctest/doctest.h>
#include <lexsync/util/iban.hpp>

using namespace lexsync;

TEST_CASE("iban::normalize drops spaces, hyphens and dots and writes capitals") {
    CHECK(iban::normalize("de89 3704 0044 0532 0130 00") == "DE89370400440532013000");
    CHECK(iban::normalize(" AT61-1904-3002-3457-3201 ") == "AT611904300234573201");
    CHECK(iban::normalize("") == "");
}

TEST_CASE("iban::problem accepts IBANs with the right length and check digits") {
    CHECK(iban::problem("DE89370400440532013000") == "");
    CHECK(iban::problem("AT611904300234573201") == "");
    CHECK(iban::problem("CH9300762011623852957") == "");
    CHECK(iban::problem("GB29NWBK60161331926819") == "");
    CHECK(iban::problem("NO9386011117947") == ""); // the shortest: 15
    // A country lexsync knows no length of: 15 to 34 characters and the check digits.
    CHECK(iban::length_of("QA") == 0);
    CHECK(iban::problem("QA58DOHB00001234567890ABCDEFG") == "");
}

TEST_CASE("iban::problem says what is wrong") {
    // One digit changed: the mod-97 check fails.
    CHECK(iban::problem("DE89370400440532013001") ==
          "not a valid IBAN: its check digits do not match (a typo?)");
    // Two digits swapped (the typo the check digits are made to catch).
    CHECK(iban::problem("DE89370400440532031000") ==
          "not a valid IBAN: its check digits do not match (a typo?)");
    // Lengths per country.
    CHECK(iban::problem("DE8937040044053201300") ==
          "not an IBAN of DE: those have 22 characters, this one 21");
    CHECK(iban::problem("AT6119043002345732011") ==
          "not an IBAN of AT: those have 20 characters, this one 21");
    CHECK(iban::problem("CH930076201162385295") ==
          "not an IBAN of CH: those have 21 characters, this one 20");
    CHECK(iban::length_of("DE") == 22);
    CHECK(iban::length_of("AT") == 20);
    CHECK(iban::length_of("CH") == 21);
    // The generic rule for other countries.
    CHECK(iban::problem("ZZ1234567890") ==
          "not an IBAN: IBANs have 15 to 34 characters, this one 12");
    CHECK(iban::problem("ZZ12345678901234567890123456789012345") ==
          "not an IBAN: IBANs have 15 to 34 characters, this one 37");
    // The shape.
    CHECK(iban::problem("370400440532013000").rfind("not an IBAN", 0) == 0);
    CHECK(iban::problem("DE").rfind("not an IBAN", 0) == 0);
    CHECK(iban::problem("DE89 3704").rfind("not an IBAN", 0) == 0); // not normalised
    CHECK(iban::problem("DE89370400440532013_00") == "not an IBAN: only letters and digits");
}

TEST_CASE("iban::bic_problem checks the form of a BIC") {
    CHECK(iban::bic_problem("COBADEFFXXX") == "");
    CHECK(iban::bic_problem("COBADEFF") == "");
    CHECK(iban::bic_problem("COBADEF") != "");
    CHECK(iban::bic_problem("C0BADEFFXXX") != ""); // a digit in the bank code
    CHECK(iban::bic_problem("COBADEFFXX") != "");
}
