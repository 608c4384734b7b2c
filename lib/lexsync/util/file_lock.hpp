// --- Interface ---
// Exclusive flock(2) locks, the one way lexsync keeps two processes apart: per job (JobLock), on
// the credentials file, on an invoice archive, and around the shared rate-limit state.
#pragma once

#include <filesystem>
#include <functional>
#include <lexsync/util/result.hpp>
#include <string>

namespace lexsync {

// A lock file held exclusively until the object is destroyed (closing the file releases it).
class FileLock {
public:
    enum class Wait {
        block, // wait for another process to release it
        fail,  // give up at once when another process holds it
    };
    struct Failure {
        bool busy = false;   // Wait::fail and another process holds it
        std::string message; // names the file
    };

    // Opens `path` (created with mode 0600, its directory 0700; O_NOFOLLOW: a symlink planted in
    // its place is refused) and locks it. With Wait::block and the lock held elsewhere, calls
    // `on_wait` once, then blocks.
    static Result<FileLock, Failure> acquire(const std::filesystem::path& path, Wait wait,
                                             const std::function<void()>& on_wait = {});

    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock();

private:
    explicit FileLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

// Holds flock(LOCK_EX) on an open file `fd` it does not own for one scope (a short critical
// section on a file that stays open, such as the rate limiter's state).
class ScopedFlock {
public:
    explicit ScopedFlock(int fd);
    ScopedFlock(const ScopedFlock&) = delete;
    ScopedFlock& operator=(const ScopedFlock&) = delete;
    ~ScopedFlock();

private:
    int m_fd;
};

} // namespace lexsync
