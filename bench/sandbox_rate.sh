#!/usr/bin/env bash
# Requests per second the sandbox serves on one kept-alive connection with the rate limit off (a
# measurement, not a test: nothing here asserts a time). Uses the lexsync binary given as $1
# (default: build/default/cli/lexsync) and curl, which sends all requests over one connection.
#
#   bench/sandbox_rate.sh [LEXSYNC_BINARY] [REQUESTS] [PATH]    (PATH default /v1/ping)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$PWD/build/default/cli/lexsync}
n=${2:-5000}
path=${3:-/v1/ping}
work=$(mktemp -d)
"$bin" sandbox serve --port 0 --seed demo --no-rate-limit >"$work/url" 2>"$work/log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 200); do [ -s "$work/url" ] && break; sleep 0.05; done
url=$(head -n1 "$work/url")
printf 'header = "Authorization: Bearer sandbox-api-key-lexsync-demo"\n' >"$work/curlrc"
for _ in $(seq "$n"); do printf 'url = "%s%s"\noutput = /dev/null\n' "$url" "$path"; done >>"$work/curlrc"
start=$(date +%s.%N)
curl -s -K "$work/curlrc" -w '%{num_connects}\n' >"$work/connects"
end=$(date +%s.%N)
connects=$(awk '{s += $1} END {print s}' "$work/connects")
echo "sandbox: $n requests of GET $path in $(echo "$end - $start" | bc) s on $connects connection(s):" \
  "$(echo "$n / ($end - $start)" | bc) requests/s"
