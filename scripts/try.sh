#!/usr/bin/env bash
# Installs what is needed, builds lexsync, starts the built-in sandbox on a free loopback port and
# runs the main job against its demo data: a monthly invoice export and the month's archive.
# Nothing is sent anywhere but 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> installing what is missing (apt-get)" >&2
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
# The compiler's output goes to a log, shown only when the build fails.
mkdir -p build
log=build/try-build.log
echo "==> building lexsync (preset release; log in $log)" >&2
if ! { cmake --preset release && cmake --build --preset release -j"$jobs"; } >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "lexsync: the build failed (full log: $log)" >&2
  exit 1
fi
bin=build/release/cli/lexsync

work=$(mktemp -d)
archive=build/try/archive
cleanup() {
  [ -s "$work/sandbox.pid" ] && kill "$(cat "$work/sandbox.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# --daemon returns once the server accepts connections and prints its URL.
base_url=$("$bin" sandbox serve --daemon --port 0 --seed demo --pid-file "$work/sandbox.pid")
echo "==> sandbox listening on $base_url" >&2

# A throw-away profile: config and state live in the temporary directory.
export XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
export LEXSYNC_BASE_URL="$base_url" LEXSYNC_API_KEY="sandbox-api-key-lexsync-demo"

# The monthly job: the month's invoices from the billing system into lexoffice, then the month's
# archive (PDFs and an index) out of it.
month_from=2026-03-01
month_to=2026-03-31
echo "==> lexsync invoices export --from $month_from --to $month_to --finalize --yes examples/invoices/march-2026.csv" >&2
"$bin" invoices export --from "$month_from" --to "$month_to" --finalize --yes examples/invoices/march-2026.csv -o table
echo "==> the same export again: nothing is sent twice" >&2
"$bin" invoices export --from "$month_from" --to "$month_to" --finalize --yes examples/invoices/march-2026.csv -o table >/dev/null
rm -rf "$archive"
echo "==> lexsync invoices pull --from $month_from --to $month_to --out $archive" >&2
"$bin" invoices pull --from "$month_from" --to "$month_to" --out "$archive" --format csv,csv-de,json,xlsx -o table
echo "==> the archive is in $archive: $(cd "$archive" && ls | tr '\n' ' ')" >&2
