// --- Interface ---
// Helpers shared by the libFuzzer targets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace lexsync::fuzz {

// The fuzz input as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// A file in the temporary directory, private to this process, that holds the last input written.
class TempInput {
public:
    explicit TempInput(std::string_view extension)
        : m_path(std::filesystem::temp_directory_path() /
                 ("lexsync-fuzz-" + std::to_string(::getpid()) + std::string(extension))) {}
    ~TempInput() {
        std::error_code ec;
        std::filesystem::remove(m_path, ec);
    }
    TempInput(const TempInput&) = delete;
    TempInput& operator=(const TempInput&) = delete;

    // Replaces the file's content with `text` and returns its path.
    const std::filesystem::path& write(std::string_view text) {
        std::ofstream out(m_path, std::ios::binary | std::ios::trunc);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        return m_path;
    }

private:
    std::filesystem::path m_path;
};

} // namespace lexsync::fuzz
