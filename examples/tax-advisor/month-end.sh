#!/usr/bin/env bash
# A tax advisor's month end over every client account at once: contacts of all clients in one
# file (with a profile column), and each client's monthly archive in its own folder.
#
#   LEXSYNC_CONFIG=examples/tax-advisor/clients.toml examples/tax-advisor/month-end.sh 2026-10
set -euo pipefail
month=${1:?usage: month-end.sh YYYY-MM}
from="$month-01"
to=$(date -d "$from +1 month -1 day" +%Y-%m-%d)
out=${OUT_DIR:-$HOME/mandanten}
mkdir -p "$out"

# One command over all profiles, concurrently, each at its own key's rate limit.
lexsync --all-profiles contacts pull -o ndjson >"$out/contacts-$month.ndjson"

# Per-client archives (each profile into its own folder), run side by side.
profiles=$(sed -n 's/^\[profiles\.\(.*\)\]$/\1/p' "${LEXSYNC_CONFIG:?}")
pids=()
for p in $profiles; do
  lexsync --profile "$p" --quiet invoices pull --from "$from" --to "$to" --out "$out/$p/$month" -o json >/dev/null &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
exit "$status"
