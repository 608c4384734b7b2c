# Every dependency is a Debian package; scripts/install-deps.sh installs them.
find_package(CLI11 REQUIRED)
find_package(CURL REQUIRED)
find_package(fmt REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(RapidJSON REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
# XML: e-invoice receipts and CAMT bank statements.
find_package(EXPAT REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

add_library(lexsync_rapidjson INTERFACE)
target_include_directories(lexsync_rapidjson SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIRS})
# Exact decimals: amounts are read as strings and never pass through double.
target_compile_definitions(lexsync_rapidjson INTERFACE RAPIDJSON_HAS_STDSTRING=1)
