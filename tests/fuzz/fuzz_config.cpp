// libFuzzer target: the TOML profile reader (config::load) on any file.
#include "fuzz_util.hpp"

#include <lexsync/store/config.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static lexsync::fuzz::TempInput file(".toml");
    const auto& path = file.write(lexsync::fuzz::as_text(data, size));
    auto config = lexsync::config::load(path);
    if (config) {
        for (const auto& [name, profile] : config->profiles) {
            if (name != profile.name) {
                __builtin_trap();
            }
        }
    } else {
        (void)config.error();
    }
    return 0;
}
