// --- Interface ---
// An exclusive lock per profile and job (flock on a file in the state directory), so that two
// runs of the same writing job never work on one account at the same time: each would list the
// other's half-made items as missing and create them again.
#pragma once

#include <filesystem>
#include <functional>
#include <lexsync/util/file_lock.hpp>
#include <string>

namespace lexsync {

class JobLock {
public:
    // Takes the lock `<dir>/<name>.lock`, creating it with mode 0600. When another process holds
    // it, calls `on_wait` once and blocks until it is free. Throws std::runtime_error naming the
    // file when it cannot be opened.
    JobLock(const std::filesystem::path& dir, const std::string& name,
            const std::function<void()>& on_wait = {});
    JobLock(const JobLock&) = delete;
    JobLock& operator=(const JobLock&) = delete;

private:
    FileLock m_lock; // released when destroyed
};

} // namespace lexsync
