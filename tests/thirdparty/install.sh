#!/usr/bin/env bash
# Installs a pinned third-party client (tests/thirdparty/<name>/package.json and its
# package-lock.json, integrity hashes included) into the build tree with `npm ci --ignore-scripts`:
# nothing of it is kept in the repository and none of its install scripts run.
# Usage: install.sh SOURCE_DIR DEST_DIR. Exit 77 (ctest: skipped) when the package cannot be
# installed here (no node/npm, registry not reachable); any other failure, e.g. an integrity
# mismatch, is an error.
set -euo pipefail

src=${1:?source directory}
dest=${2:?destination directory}

skip() {
  echo "SKIP: package not installable: $*" >&2
  exit 77
}

command -v node >/dev/null || skip "node is not installed (scripts/install-deps.sh installs nodejs and npm)"
command -v npm >/dev/null || skip "npm is not installed (scripts/install-deps.sh installs nodejs and npm)"

mkdir -p "$dest"
# Up to date: the same lock file was installed completely before.
if [ -f "$dest/.installed-lock" ] && [ -d "$dest/node_modules" ] &&
   cmp -s "$src/package-lock.json" "$dest/.installed-lock"; then
  echo "up to date: $dest/node_modules"
  exit 0
fi
rm -f "$dest/.installed-lock"
cp "$src/package.json" "$src/package-lock.json" "$dest/"

log="$dest/npm-ci.log"
set +e
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --cache "$dest/.npm-cache") >"$log" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  cat "$log" >&2
  # Network failures (no registry, no DNS, proxy refused) mean "not installable here".
  if grep -Eq 'E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH)|network|ERR_SOCKET' "$log" &&
     ! grep -q 'EINTEGRITY' "$log"; then
    skip "the npm registry is not reachable (see $log)"
  fi
  echo "FAIL: npm ci failed in $dest (exit $rc)" >&2
  exit 1
fi
cp "$src/package-lock.json" "$dest/.installed-lock"
echo "installed: $dest/node_modules"
