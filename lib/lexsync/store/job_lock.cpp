#include <lexsync/store/job_lock.hpp>
#include <stdexcept>

namespace lexsync {

namespace {

FileLock take(const std::filesystem::path& path, const std::function<void()>& on_wait) {
    auto lock = FileLock::acquire(path, FileLock::Wait::block, on_wait);
    if (!lock) {
        throw std::runtime_error(lock.error().message);
    }
    return std::move(lock).value();
}

} // namespace

JobLock::JobLock(const std::filesystem::path& dir, const std::string& name,
                 const std::function<void()>& on_wait)
    : m_lock(take(dir / (name + ".lock"), on_wait)) {}

} // namespace lexsync
