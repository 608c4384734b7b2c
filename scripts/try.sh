#!/usr/bin/env bash
# Installs what is needed, builds lexsync, starts the built-in sandbox on a free loopback port and
# runs the main job against its demo data: a monthly invoice export and the month's archive.
# Nothing is sent anywhere but 127.0.0.1.
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

# The monthly job: the month's invoices from the billing system into lexoffice, then the month's
# archive (PDFs and an index) out of it.
month_from=2026-03-01
month_to=2026-03-31
echo "==> lexsync invoices export --from $month_from --to $month_to --finalize examples/invoices/march-2026.csv" >&2
"$bin" invoices export --from "$month_from" --to "$month_to" --finalize examples/invoices/march-2026.csv -o table
echo "==> the same export again: nothing is sent twice" >&2
"$bin" invoices export --from "$month_from" --to "$month_to" --finalize examples/invoices/march-2026.csv -o table >/dev/null
echo "==> lexsync invoices pull --from $month_from --to $month_to --out $work/archive" >&2
"$bin" invoices pull --from "$month_from" --to "$month_to" --out "$work/archive" --format csv,csv-de,json,xlsx -o table
echo "==> archive: $(cd "$work/archive" && ls | tr '\n' ' ')" >&2
