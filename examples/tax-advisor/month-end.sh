#!/usr/bin/env bash
# A tax advisor's month end over every client account at once: contacts of all clients in one
# file (with a profile column), and each client's monthly archive in its own folder.
#
#   LEXSYNC_CONFIG=examples/tax-advisor/clients.toml examples/tax-advisor/month-end.sh 2026-10
set -euo pipefail
month=${1:?usage: month-end.sh YYYY-MM}
out=${OUT_DIR:-$HOME/mandanten}
mkdir -p "$out"

# One command over all profiles, concurrently, each at its own key's rate limit.
lexsync --all-profiles contacts pull -o ndjson >"$out/contacts-$month.ndjson"

# Per-client archives: {profile} gives each client its own folder.
lexsync --all-profiles --quiet invoices pull --month "$month" --out "$out/{profile}/{month}" -o json >/dev/null
