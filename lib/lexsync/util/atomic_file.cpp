#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <lexsync/util/atomic_file.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace lexsync {

namespace {

std::string errno_text() {
    return std::strerror(errno);
}

// A random suffix, so that concurrent writers of one target never share a temporary name.
std::string random_suffix() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char k_digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string s;
    for (int i = 0; i < 12; ++i) {
        s += k_digits[rng() % (sizeof(k_digits) - 1)];
    }
    return s;
}

// Flushes `path` to disk; throws naming it on failure.
void fsync_path(const std::filesystem::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) {
        throw std::runtime_error("cannot open " + path.string() + ": " + errno_text());
    }
    // EINVAL: the file system does not support fsync on this kind of file (some directories).
    if (::fsync(fd) != 0 && errno != EINVAL) {
        const std::string reason = errno_text();
        ::close(fd);
        throw std::runtime_error("cannot sync " + path.string() + ": " + reason);
    }
    ::close(fd);
}

} // namespace

std::optional<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    if (!in) {
        return std::nullopt;
    }
    return s.str();
}

void create_private_directories(const std::filesystem::path& dir) {
    if (dir.empty()) {
        return;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) {
        return;
    }
    if (dir.has_parent_path() && dir.parent_path() != dir) {
        create_private_directories(dir.parent_path());
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        throw std::runtime_error("cannot create " + dir.string() + ": " + errno_text());
    }
    ::chmod(dir.c_str(), 0700); // the umask may have taken bits away
}

AtomicFile::AtomicFile(std::filesystem::path target, unsigned mode) : m_target(std::move(target)) {
    const std::filesystem::path dir = m_target.has_parent_path() ? m_target.parent_path() : ".";
    for (int attempt = 0;; ++attempt) {
        std::filesystem::path tmp =
            dir / ("." + m_target.filename().string() + ".tmp-" + random_suffix());
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                              static_cast<mode_t>(mode == k_usual_mode ? 0666 : mode));
        if (fd < 0) {
            if (errno == EEXIST && attempt < 16) {
                continue;
            }
            throw std::runtime_error("cannot create a temporary file in " + dir.string() + " for " +
                                     m_target.string() + ": " + errno_text());
        }
        struct stat existing {};
        if (mode != k_usual_mode) {
            // The umask may have narrowed the mode; the caller asked for exactly this one.
            ::fchmod(fd, static_cast<mode_t>(mode));
        } else if (::stat(m_target.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) {
            // A rewritten file (--write-back, a repeated --out) keeps its mode.
            ::fchmod(fd, existing.st_mode & 07777);
        }
        ::close(fd);
        m_tmp = std::move(tmp);
        break;
    }
    m_out.open(m_tmp, std::ios::binary | std::ios::trunc);
    if (!m_out) {
        std::error_code ec;
        std::filesystem::remove(m_tmp, ec);
        throw std::runtime_error("cannot open " + m_tmp.string() + " for writing");
    }
}

AtomicFile::~AtomicFile() {
    if (!m_committed) {
        m_out.close();
        std::error_code ec;
        std::filesystem::remove(m_tmp, ec);
    }
}

void AtomicFile::commit() {
    if (m_committed) {
        return;
    }
    m_out.flush();
    m_out.close();
    if (m_out.fail()) {
        throw std::runtime_error("cannot write " + m_tmp.string() + " (disk full?)");
    }
    fsync_path(m_tmp, O_RDONLY);
    if (::rename(m_tmp.c_str(), m_target.c_str()) != 0) {
        throw std::runtime_error("cannot rename " + m_tmp.string() + " to " + m_target.string() +
                                 ": " + errno_text());
    }
    m_committed = true;
    // The rename itself is only durable once the directory entry is on disk.
    const std::filesystem::path dir = m_target.has_parent_path() ? m_target.parent_path() : ".";
    fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

void write_file_atomically(const std::filesystem::path& target, const std::string& content,
                           unsigned mode) {
    AtomicFile file(target, mode);
    file.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
    file.commit();
}

} // namespace lexsync
