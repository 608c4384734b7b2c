#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <lexsync/atomic_file.hpp>
#include <lexsync/job_lock.hpp>
#include <stdexcept>
#include <sys/file.h>
#include <unistd.h>

namespace lexsync {

JobLock::JobLock(const std::filesystem::path& dir, const std::string& name,
                 const std::function<void()>& on_wait) {
    create_private_directories(dir);
    const auto path = dir / (name + ".lock");
    // O_NOFOLLOW: a symlink planted in place of the lock file is refused, not followed.
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (m_fd < 0) {
        throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
    }
    if (::flock(m_fd, LOCK_EX | LOCK_NB) == 0) {
        return;
    }
    if (on_wait) {
        on_wait();
    }
    while (::flock(m_fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            const int err = errno;
            ::close(m_fd);
            throw std::runtime_error("cannot lock " + path.string() + ": " + std::strerror(err));
        }
    }
}

JobLock::~JobLock() {
    if (m_fd >= 0) {
        ::close(m_fd); // closing releases the flock
    }
}

} // namespace lexsync
