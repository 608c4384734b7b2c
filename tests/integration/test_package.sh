# The .deb that CPack builds installs the binary, every man page, the three completions and the
# sandbox seed schema.
source "$(dirname "$0")/lib.sh"
command -v dpkg-deb >/dev/null || { echo "SKIP: dpkg-deb is not installed"; exit 77; }
build_dir=$(cd "$(dirname "$LEXSYNC_BIN")/.." && pwd)
[ -f "$build_dir/CPackConfig.cmake" ] || { echo "SKIP: no CPack configuration in $build_dir"; exit 77; }
(cd "$WORK" && cpack --config "$build_dir/CPackConfig.cmake" -B "$WORK/pkg" >"$WORK/cpack.log" 2>&1) ||
  fail "cpack failed: $(tail -5 "$WORK/cpack.log")"
deb=$(ls "$WORK"/pkg/*.deb)
contents=$(dpkg-deb -c "$deb")
assert_contains "$contents" "./usr/bin/lexsync"
for page in "$LEXSYNC_SOURCE_DIR"/man/*.1; do
  assert_contains "$contents" "./usr/share/man/man1/$(basename "$page")"
done
assert_contains "$contents" "./usr/share/bash-completion/completions/lexsync"
assert_contains "$contents" "./usr/share/zsh/vendor-completions/_lexsync"
assert_contains "$contents" "./usr/share/fish/vendor_completions.d/lexsync.fish"
assert_contains "$contents" "./usr/share/lexsync/sandbox-seed.schema.json"
assert_contains "$(dpkg-deb -f "$deb" Depends)" "libcurl4"
# The client library (headers, liblexsync.a, CMake and pkg-config files) is the separate "dev"
# component, not part of the command's package.
! grep -qE 'include/lexsync|liblexsync\.a|lexsync\.pc' <<<"$contents" || fail "the .deb holds the dev component"
echo "ok: package $(basename "$deb")"
