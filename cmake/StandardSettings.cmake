add_library(lexsync_settings INTERFACE)
add_library(lexsync_warnings INTERFACE)

target_compile_options(lexsync_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                  -Wcast-align -Woverloaded-virtual)
# GCC 12 at -O2 reports -Wrestrict overlaps inside libstdc++'s own std::string operator+ (GCC bug
# 105329, fixed in GCC 13): a false positive on correct code, so it is switched off for GCC 12 only.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(lexsync_warnings INTERFACE -Wno-restrict)
endif()
if(LEXSYNC_DEV_MODE)
  target_compile_options(lexsync_warnings INTERFACE -Werror)
endif()

target_compile_definitions(lexsync_settings INTERFACE LEXSYNC_VERSION="${PROJECT_VERSION}")

set(_san "")
if(ENABLE_SANITIZER_ADDRESS)
  list(APPEND _san address)
endif()
if(ENABLE_SANITIZER_UNDEFINED_BEHAVIOR)
  list(APPEND _san undefined)
endif()
if(_san)
  list(JOIN _san "," _san_list)
  target_compile_options(lexsync_settings INTERFACE -fsanitize=${_san_list} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(lexsync_settings INTERFACE -fsanitize=${_san_list})
  # GCC 12 with the sanitizers reports -Wmaybe-uninitialized inside libstdc++'s own std::regex
  # (regex_automaton.h, GCC bug 105562, fixed in GCC 13): a false positive on library code.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(lexsync_settings INTERFACE -Wno-maybe-uninitialized)
  endif()
endif()

# libFuzzer builds (tests/fuzz, scripts/fuzz.sh): coverage instrumentation for everything, the
# fuzzer runtime only for the fuzz targets.
option(LEXSYNC_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)
set(LEXSYNC_FUZZ_TEST_SECONDS 5 CACHE STRING "How long the ctest entry fuzzes each target")
if(LEXSYNC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "LEXSYNC_FUZZ needs clang (CXX=clang++)")
  endif()
  target_compile_options(lexsync_settings INTERFACE -fsanitize=fuzzer-no-link
    -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/tests/fuzz/ubsan-ignorelist.txt)
endif()
