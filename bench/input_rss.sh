#!/usr/bin/env bash
# Peak memory of `contacts push --dry-run` on a large generated CSV (a measurement, not a test:
# nothing here asserts a size or a time). The file (tests/integration/gen_contacts.sh: distinct
# companies and persons, about 140 bytes a row) is written to a temporary directory and removed
# afterwards; the plan goes to /dev/null. Prints the file's size and rows, the peak RSS (from
# /usr/bin/time) and the wall time. Uses the lexsync binary given as $1 (default: the release
# build if there is one, else build/default/cli/lexsync).
#
#   bench/input_rss.sh [LEXSYNC_BINARY] [BYTES]      (default 1000000000)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  bin=$PWD/build/release/cli/lexsync
  [ -x "$bin" ] || bin=$PWD/build/default/cli/lexsync
fi
bytes=${2:-1000000000}
[ -x /usr/bin/time ] || { echo "input_rss: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export HOME="$work/home" XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
mkdir -p "$HOME"

tests/integration/gen_contacts.sh "$bytes" >"$work/contacts.csv"
size=$(stat -c %s "$work/contacts.csv")
rows=$(($(wc -l <"$work/contacts.csv") - 1))

"$bin" sandbox serve --port 0 --seed demo --no-rate-limit >"$work/sandbox.url" 2>"$work/sandbox.log" &
pids+=($!)
for _ in $(seq 200); do [ -s "$work/sandbox.url" ] && break; sleep 0.05; done
export LEXSYNC_BASE_URL=$(head -n1 "$work/sandbox.url")
export LEXSYNC_API_KEY=sandbox-api-key-lexsync-demo

/usr/bin/time -f '%M %e' -o "$work/time" "$bin" contacts push "$work/contacts.csv" --dry-run \
  -o json >/dev/null 2>"$work/push.err" || { cat "$work/push.err" >&2; exit 1; }
read -r rss secs <"$work/time"
echo "contacts push --dry-run: $size bytes, $rows rows: peak RSS $((rss / 1024)) MiB ($rss KiB), $secs s"
tail -n1 "$work/push.err"
