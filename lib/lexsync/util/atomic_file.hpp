// --- Interface ---
// Output files are written atomically: into a temporary file beside the target, fsync'ed, then
// renamed over it. An abandoned write leaves the target untouched and no temporary behind.
// Input files are read whole with read_file().
#pragma once

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace lexsync {

// The mode of a written file when no exact one is asked for: an existing target keeps its mode,
// a new file gets 0666 minus the umask, as other tools' output does.
inline constexpr unsigned k_usual_mode = ~0U;

// Creates `dir` and any missing parents with mode 0700 whatever the umask (existing directories
// are left as they are); throws std::runtime_error naming the directory when it cannot.
void create_private_directories(const std::filesystem::path& dir);

// The whole content of `path`, or nullopt when it cannot be opened or read.
std::optional<std::string> read_file(const std::filesystem::path& path);

class AtomicFile {
public:
    // Opens a temporary file next to `target`, created with exactly `mode` (for secrets), or
    // with k_usual_mode; throws std::runtime_error naming the path when it cannot.
    explicit AtomicFile(std::filesystem::path target, unsigned mode = k_usual_mode);
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    // Removes the temporary file unless commit() succeeded.
    ~AtomicFile();

    std::ostream& stream() { return m_out; }
    // Flushes, fsyncs and renames over the target; throws std::runtime_error on failure.
    void commit();
    const std::filesystem::path& target() const { return m_target; }

private:
    std::filesystem::path m_target;
    std::filesystem::path m_tmp;
    std::ofstream m_out;
    bool m_committed = false;
};

// Writes `content` to `target` atomically.
void write_file_atomically(const std::filesystem::path& target, const std::string& content,
                           unsigned mode = k_usual_mode);

} // namespace lexsync
