#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <lexsync/store/job_lock.hpp>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

using lexsync::testing::TempDir;

} // namespace

TEST_SUITE("lexsync::JobLock") {
    TEST_CASE("a symlink planted as the lock file is refused, not followed") {
        TempDir dir;
        const fs::path victim = dir.path / "victim";
        std::ofstream(victim) << "precious\n";
        fs::create_directories(dir.path / "state");
        fs::create_symlink(victim, dir.path / "state" / "sync.lock");
        CHECK_THROWS_AS(lexsync::JobLock(dir.path / "state", "sync"), std::runtime_error);
        std::ifstream in(victim);
        std::string line;
        std::getline(in, line);
        CHECK(line == "precious");
    }

    TEST_CASE("the state directory it creates is 0700 whatever the umask") {
        TempDir dir;
        const mode_t old = ::umask(0);
        { lexsync::JobLock lock(dir.path / "state" / "default", "sync"); }
        ::umask(old);
        struct stat st {};
        REQUIRE(::stat((dir.path / "state" / "default").c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0700);
        REQUIRE(::stat((dir.path / "state" / "default" / "sync.lock").c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
    }
}

TEST_SUITE("lexsync::FileLock") {
    using lexsync::FileLock;

    TEST_CASE("a held lock is busy for Wait::fail, free again once released") {
        TempDir dir;
        const fs::path path = dir.path / "archive" / "lock";
        {
            auto first = FileLock::acquire(path, FileLock::Wait::fail);
            REQUIRE(first.has_value());
            // flock belongs to the open file: a second open, even in this process, contends.
            auto second = FileLock::acquire(path, FileLock::Wait::fail);
            REQUIRE_FALSE(second.has_value());
            CHECK(second.error().busy);
            CHECK(second.error().message.find(path.string()) != std::string::npos);
            // Moving the lock keeps it held.
            FileLock moved = std::move(first).value();
            CHECK_FALSE(FileLock::acquire(path, FileLock::Wait::fail).has_value());
        }
        CHECK(FileLock::acquire(path, FileLock::Wait::fail).has_value());
    }

    TEST_CASE("a file that cannot be opened is a failure that is not busy") {
        TempDir dir;
        fs::create_symlink(dir.path / "elsewhere", dir.path / "lock");
        auto lock = FileLock::acquire(dir.path / "lock", FileLock::Wait::block);
        REQUIRE_FALSE(lock.has_value());
        CHECK_FALSE(lock.error().busy);
        CHECK(lock.error().message.find("cannot open") != std::string::npos);
        CHECK_FALSE(fs::exists(dir.path / "elsewhere"));
    }
}
