#include <fmt/format.h>
#include <lexsync/api/version.hpp>
#include <lexsync/http/curl_transport.hpp>
#include <openssl/crypto.h>
#include <rapidjson/rapidjson.h>
#include <sqlite3.h>
#include <toml++/toml.h>

namespace lexsync {

std::string version_report(const std::string& extra) {
    std::string s = fmt::format("lexsync {}\n", LEXSYNC_VERSION);
    s += fmt::format("  {}\n", curl_library_version());
    s += fmt::format("  SQLite {}\n", sqlite3_libversion());
    s += fmt::format("  {}\n", OpenSSL_version(OPENSSL_VERSION));
    s += fmt::format("  fmt {}.{}.{}\n", FMT_VERSION / 10000, FMT_VERSION / 100 % 100,
                     FMT_VERSION % 100);
    s += fmt::format("  toml++ {}.{}.{}\n", TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH);
    s += fmt::format("  RapidJSON {}\n", RAPIDJSON_VERSION_STRING);
    s += extra;
    if (!s.empty() && s.back() == '\n') {
        s.pop_back();
    }
    return s;
}

} // namespace lexsync
