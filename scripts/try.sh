#!/usr/bin/env bash
# Installs what is needed, builds lexsync, starts the built-in sandbox on a free loopback port and
# runs the main job against its demo data. Nothing is sent anywhere but 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
echo "==> build (preset release)" >&2
cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs" >&2
bin=build/release/cli/lexsync

work=$(mktemp -d)
cleanup() {
  [ -n "${sandbox_pid:-}" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" sandbox serve --port 0 --seed demo >"$work/url" 2>"$work/sandbox.log" &
sandbox_pid=$!
for _ in $(seq 100); do
  [ -s "$work/url" ] && break
  sleep 0.1
done
base_url=$(head -n1 "$work/url")
echo "==> sandbox listening on $base_url" >&2

# A throw-away profile: config and state live in the temporary directory.
export XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
export LEXSYNC_BASE_URL="$base_url" LEXSYNC_API_KEY="sandbox-api-key-lexsync-demo"

echo "==> lexsync contacts pull -o table" >&2
"$bin" contacts pull -o table
