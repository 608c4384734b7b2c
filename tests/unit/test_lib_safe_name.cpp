#include <doctest/doctest.h>
#include <filesystem>
#include <lexsync/util/safe_name.hpp>
#include <string>

using lexsync::is_safe_file_name;
using lexsync::safe_file_name;

namespace {

// The name stays inside `dir` when joined to it.
bool stays_inside(const std::string& name) {
    const std::filesystem::path dir = "/archive";
    const auto joined = (dir / name).lexically_normal();
    return joined.parent_path() == dir && joined.filename() == name;
}

} // namespace

TEST_SUITE("lexsync::safe_file_name") {
    TEST_CASE("ordinary voucher numbers are kept as they are") {
        CHECK(safe_file_name("RE0001") == "RE0001");
        CHECK(safe_file_name("RE-2024-03/17") == "RE-2024-03_17");
        CHECK(safe_file_name("Gutschrift Müller") == "Gutschrift Müller");
        CHECK(safe_file_name("GS.2024.001") == "GS.2024.001");
    }

    TEST_CASE("traversal attempts end up as one harmless component") {
        for (const char* evil :
             {"../../etc/passwd", "..", ".", "/", "\\..\\..\\windows", "a/../../b", "....//....//x",
              "./.bashrc", "..\\..", "/etc/passwd", "~/../x"}) {
            const std::string name = safe_file_name(evil);
            INFO(evil << " -> " << name);
            CHECK_FALSE(name.empty());
            CHECK(name.find('/') == std::string::npos);
            CHECK(name.find('\\') == std::string::npos);
            CHECK(name.find("..") == std::string::npos);
            CHECK(name.front() != '.');
            CHECK(is_safe_file_name(name));
            CHECK(stays_inside(name));
        }
        CHECK(safe_file_name("../../etc/passwd") == "_._etc_passwd");
        CHECK(safe_file_name("..") == "unnamed");
        CHECK(safe_file_name("..", 120, "voucher-1") == "voucher-1");
    }

    TEST_CASE(
        "control characters, invalid UTF-8 and characters Windows forbids become underscores") {
        CHECK(safe_file_name(std::string("a\nb\tc\x7f", 6)) == "a_b_c_");
        CHECK(safe_file_name(std::string("RE\0"
                                         "01",
                                         5)) == "RE_01");
        CHECK(safe_file_name("a<b>c:d\"e|f?g*h") == "a_b_c_d_e_f_g_h");
        CHECK(safe_file_name("bad\xff\xfe") == "bad__");
        CHECK(safe_file_name("\xc0\xaf..\xc0\xaf") == "__.__");
        CHECK(safe_file_name("x\xc2\x85y") == "x__y"); // C1 control (NEL)
    }

    TEST_CASE("leading dots and spaces and trailing dots and spaces are removed") {
        CHECK(safe_file_name(".hidden") == "hidden");
        CHECK(safe_file_name("  . RE1 . ") == "RE1");
        CHECK(safe_file_name("RE1...") == "RE1");
    }

    TEST_CASE("names Windows reserves for devices get a prefix") {
        CHECK(safe_file_name("CON") == "_CON");
        CHECK(safe_file_name("nul") == "_nul");
        CHECK(safe_file_name("com1.pdf") == "_com1.pdf");
        CHECK(safe_file_name("LPT9") == "_LPT9");
        CHECK(safe_file_name("CONSOLE") == "CONSOLE");
        CHECK(safe_file_name("COM10") == "COM10");
    }

    TEST_CASE("long names are cut on a character boundary") {
        const std::string umlauts(300, 'a');
        CHECK(safe_file_name(umlauts).size() == lexsync::k_safe_name_max);
        std::string wide;
        for (int i = 0; i < 100; ++i) {
            wide += "ü"; // two bytes each
        }
        const std::string cut = safe_file_name(wide, 11);
        CHECK(cut.size() == 10);
        CHECK(cut == "üüüüü");
    }

    TEST_CASE("is_safe_file_name accepts only names that need no change") {
        CHECK(is_safe_file_name("RE0001.pdf"));
        CHECK_FALSE(is_safe_file_name(""));
        CHECK_FALSE(is_safe_file_name("../x"));
        CHECK_FALSE(is_safe_file_name(".x"));
        CHECK_FALSE(is_safe_file_name("a/b"));
        CHECK_FALSE(is_safe_file_name("NUL.pdf"));
    }
}
