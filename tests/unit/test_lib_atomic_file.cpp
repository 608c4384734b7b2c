#include "temp_dir.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/util/atomic_file.hpp>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>

namespace fs = std::filesystem;

namespace {

using lexsync::testing::TempDir;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

long entries(const fs::path& dir) {
    return std::distance(fs::directory_iterator(dir), fs::directory_iterator());
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

} // namespace

TEST_SUITE("lexsync::AtomicFile") {
    TEST_CASE("commit replaces the target with the new content") {
        TempDir dir;
        const fs::path target = dir.path / "out.csv";
        lexsync::write_file_atomically(target, "old\n");
        {
            lexsync::AtomicFile f(target);
            f.stream() << "new\n";
            CHECK(slurp(target) == "old\n"); // untouched until commit
            f.commit();
        }
        CHECK(slurp(target) == "new\n");
        CHECK(entries(dir.path) == 1);
    }

    TEST_CASE("an abandoned write leaves the target untouched and no temporary file") {
        TempDir dir;
        const fs::path target = dir.path / "out.csv";
        lexsync::write_file_atomically(target, "keep\n");
        {
            lexsync::AtomicFile f(target);
            f.stream() << "half a file";
            CHECK(entries(dir.path) == 2); // the temporary exists while writing
        }
        CHECK(slurp(target) == "keep\n");
        CHECK(entries(dir.path) == 1);
    }

    TEST_CASE("an abandoned first write creates nothing") {
        TempDir dir;
        { lexsync::AtomicFile f(dir.path / "new.txt"); }
        CHECK(entries(dir.path) == 0);
    }

    TEST_CASE("the file gets the requested mode regardless of the umask") {
        TempDir dir;
        const mode_t old = ::umask(0077);
        lexsync::write_file_atomically(dir.path / "a", "x", 0644);
        ::umask(0022);
        lexsync::write_file_atomically(dir.path / "b", "x", 0600);
        ::umask(old);
        CHECK(mode_of(dir.path / "a") == 0644);
        CHECK(mode_of(dir.path / "b") == 0600);
    }

    TEST_CASE("new files follow the umask; rewritten files keep their mode") {
        TempDir dir;
        const mode_t old = ::umask(0077);
        lexsync::write_file_atomically(dir.path / "private.csv", "x");
        ::umask(0022);
        lexsync::write_file_atomically(dir.path / "shared.csv", "x");
        // --write-back of a 0600 input, and of a 0640 one, under umask 022.
        lexsync::write_file_atomically(dir.path / "input.csv", "x", 0600);
        lexsync::write_file_atomically(dir.path / "input.csv", "y");
        lexsync::write_file_atomically(dir.path / "group.csv", "x", 0640);
        lexsync::write_file_atomically(dir.path / "group.csv", "y");
        ::umask(old);
        CHECK(mode_of(dir.path / "private.csv") == 0600);
        CHECK(mode_of(dir.path / "shared.csv") == 0644);
        CHECK(mode_of(dir.path / "input.csv") == 0600);
        CHECK(mode_of(dir.path / "group.csv") == 0640);
        CHECK(slurp(dir.path / "input.csv") == "y");
    }

    TEST_CASE("private directories are 0700 whatever the umask") {
        TempDir dir;
        const mode_t old = ::umask(0);
        lexsync::create_private_directories(dir.path / "state" / "lexsync" / "default");
        ::umask(0222);
        lexsync::create_private_directories(dir.path / "other");
        ::umask(old);
        CHECK(mode_of(dir.path / "state") == 0700);
        CHECK(mode_of(dir.path / "state" / "lexsync") == 0700);
        CHECK(mode_of(dir.path / "state" / "lexsync" / "default") == 0700);
        CHECK(mode_of(dir.path / "other") == 0700);
    }

    TEST_CASE("a missing directory is an error naming the path") {
        TempDir dir;
        const fs::path target = dir.path / "missing" / "out.csv";
        try {
            lexsync::AtomicFile f(target);
            FAIL("expected an exception");
        } catch (const std::runtime_error& e) {
            CHECK(std::string(e.what()).find(target.string()) != std::string::npos);
        }
    }
}
