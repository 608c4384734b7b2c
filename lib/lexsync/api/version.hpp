// --- Interface ---
// What `lexsync --version` prints: lexsync's version and the libraries it was built with and
// runs with.
#pragma once

#include <string>

namespace lexsync {

// "lexsync 0.1.0" followed by one line per library ("  libcurl 7.88.1 (OpenSSL/3.0.19)", …);
// `extra` lines (from the command layer: CLI11, cpp-httplib) are appended as given.
std::string version_report(const std::string& extra = {});

} // namespace lexsync
