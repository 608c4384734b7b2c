#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <lexsync/util/atomic_file.hpp>
#include <lexsync/util/file_lock.hpp>
#include <stdexcept>
#include <sys/file.h>
#include <unistd.h>
#include <utility>

namespace lexsync {

Result<FileLock, FileLock::Failure> FileLock::acquire(const std::filesystem::path& path, Wait wait,
                                                      const std::function<void()>& on_wait) {
    if (path.has_parent_path()) {
        try {
            create_private_directories(path.parent_path());
        } catch (const std::runtime_error& e) {
            return unexpected(Failure{false, e.what()});
        }
    }
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (fd < 0) {
        return unexpected(
            Failure{false, "cannot open " + path.string() + ": " + std::strerror(errno)});
    }
    FileLock lock(fd); // closes fd on every return below that does not hand it out
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        return lock;
    }
    if (errno != EWOULDBLOCK && errno != EINTR) {
        return unexpected(
            Failure{false, "cannot lock " + path.string() + ": " + std::strerror(errno)});
    }
    if (wait == Wait::fail) {
        return unexpected(Failure{true, path.string() + " is locked by another process"});
    }
    if (on_wait) {
        on_wait();
    }
    while (::flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            return unexpected(
                Failure{false, "cannot lock " + path.string() + ": " + std::strerror(errno)});
        }
    }
    return lock;
}

FileLock::FileLock(FileLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

FileLock::~FileLock() {
    if (m_fd >= 0) {
        ::close(m_fd); // closing releases the flock
    }
}

ScopedFlock::ScopedFlock(int fd) : m_fd(fd) {
    while (::flock(m_fd, LOCK_EX) != 0 && errno == EINTR) {
    }
}

ScopedFlock::~ScopedFlock() {
    ::flock(m_fd, LOCK_UN);
}

} // namespace lexsync
