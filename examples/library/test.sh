# The client library installs as a CMake package and a pkg-config file, and this folder's program,
# built against the installed tree (not the source tree), lists the sandbox's customers and
# creates a draft invoice through it.
set -euo pipefail
source "$LEXSYNC_SOURCE_DIR/tests/integration/lib.sh"
build=${LEXSYNC_BUILD_DIR:?LEXSYNC_BUILD_DIR is set by ctest}
prefix="$WORK/prefix"
cmake --install "$build" --prefix "$prefix" --component dev >"$WORK/install.log"
[ ! -e "$prefix/bin/lexsync" ] || fail "the dev component installed the command too"
[ -f "$prefix/include/lexsync/api/client.hpp" ] || fail "headers not installed under include/lexsync"

# CMake: find_package(lexsync CONFIG) and lexsync::client, with the build's compiler.
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$LEXSYNC_SOURCE_DIR/examples/library" -B "$WORK/example" -G Ninja \
  -DCMAKE_CXX_COMPILER="$compiler" "${launcher[@]}" -DCMAKE_PREFIX_PATH="$prefix" >"$WORK/configure.log" ||
  fail "configuring the example failed: $(cat "$WORK/configure.log")"
cmake --build "$WORK/example" >"$WORK/build.log" 2>&1 || fail "building the example failed: $(cat "$WORK/build.log")"

# pkg-config: the same program from one compiler line (plus the sanitizers of a sanitizer build,
# which the .pc file does not carry).
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
assert_eq "$(pkg-config --modversion lexsync)" "0.1.0" "pkg-config version"
san=()
grep -q '^ENABLE_SANITIZER_ADDRESS:BOOL=ON' "$build/CMakeCache.txt" && san+=(-fsanitize=address)
grep -q '^ENABLE_SANITIZER_UNDEFINED_BEHAVIOR:BOOL=ON' "$build/CMakeCache.txt" && san+=(-fsanitize=undefined)
# shellcheck disable=SC2046
"$compiler" "${san[@]}" -o "$WORK/example-pc" "$LEXSYNC_SOURCE_DIR/examples/library/main.cpp" \
  $(pkg-config --cflags --libs lexsync) 2>"$WORK/pc.log" || fail "pkg-config build failed: $(cat "$WORK/pc.log")"

start_sandbox --seed demo --no-rate-limit
export LEXSYNC_API_KEY="$SANDBOX_KEY"
customers=$(lexsync contacts pull --customer -o json | jq length)
for program in "$WORK/example/lexsync-library-example" "$WORK/example-pc"; do
  "$program" >"$WORK/out.txt" 2>"$WORK/err.txt" || fail "$program failed: $(cat "$WORK/err.txt")"
  assert_contains "$(cat "$WORK/out.txt")" "$customers customers"
  id=$(sed -n 's/^draft invoice \([0-9a-f-]*\) for .*: 190.40 EUR gross$/\1/p' "$WORK/out.txt")
  [ -n "$id" ] || fail "no draft invoice of 190.40 EUR gross: $(cat "$WORK/out.txt")"
  assert_eq "$(api_get "$BASE_URL/v1/invoices/$id" | jq -r .voucherStatus)" "draft" "status of the invoice"
done
# Without a key: the program's own usage error.
expect_exit 2 env -u LEXSYNC_API_KEY "$WORK/example-pc"
echo "ok: library example"
