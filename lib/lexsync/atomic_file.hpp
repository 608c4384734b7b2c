// --- Interface ---
// Output files are written atomically: into a temporary file beside the target, fsync'ed, then
// renamed over it. An abandoned write leaves the target untouched and no temporary behind.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace lexsync {

class AtomicFile {
public:
    // Opens a temporary file next to `target` (created with `mode`); throws std::runtime_error
    // naming the path when it cannot.
    explicit AtomicFile(std::filesystem::path target, unsigned mode = 0644);
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
                           unsigned mode = 0644);

} // namespace lexsync
