#!/usr/bin/env bash
# The long crash-and-fault soak: contacts push, invoices export (invoice and voucher mode) and
# vouchers upload against a sandbox that injects faults, each killed with SIGKILL KILLS times at
# random moments and run again until it exits 0; then lexoffice must hold every input item exactly
# once. Prints the counts (cycles, kills, items, duplicates, losses) and exits 1 on any duplicate,
# loss or unfinished job.
#
#   scripts/soak.sh [--items N] [--kills N] [--seed N] [--faults SPEC]
#
# Needs a built lexsync (LEXSYNC_BIN, default build/default/cli/lexsync), curl and jq. A run is
# replayed by passing the seed it printed. The job definitions are in tests/integration/soak_lib.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
items=60
kills=15
seed=$(date +%s)
faults="5xx=0.05,504-after-write=0.05,429-storm=0.02,storm-length=4,reset=0.03,truncate=0.03,slow-upload=0.05,slow-upload-ms=800,jitter=20"
while [ $# -gt 0 ]; do
  case $1 in
  --items) items=$2; shift 2 ;;
  --kills) kills=$2; shift 2 ;;
  --seed) seed=$2; shift 2 ;;
  --faults) faults=$2; shift 2 ;;
  -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "soak.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
export LEXSYNC_BIN=${LEXSYNC_BIN:-$root/build/default/cli/lexsync}
[ -x "$LEXSYNC_BIN" ] || { echo "soak.sh: no lexsync at $LEXSYNC_BIN (build first or set LEXSYNC_BIN)" >&2; exit 2; }

source "$root/tests/integration/lib.sh"
source "$root/tests/integration/soak_lib.sh"
export LEXSYNC_API_KEY="$SANDBOX_KEY"
mkdir -p "$XDG_CONFIG_HOME/lexsync"
printf '[profiles.default]\nrate_limit = %s\nrate_burst = 8\n' "$SOAK_RATE" >"$XDG_CONFIG_HOME/lexsync/config.toml"

echo "soak: seed $seed, $items items and $kills kills per job, faults $faults" >&2
start=$(date +%s)
n=0
for job in "${SOAK_JOBS[@]}"; do
  soak_job "$job" "$items" "$kills" "$faults" $((seed + n)) $((kills + 60))
  n=$((n + 1))
done
echo
printf '%-18s %7s %6s %-28s %6s %11s %7s %s\n' job cycles kills exits items duplicates losses status
while read -r job cyc k ex it dup lost status; do
  printf '%-18s %7s %6s %-28s %6s %11s %7s %s\n' "$job" "$cyc" "$k" "$ex" "$it" "$dup" "$lost" "$status"
done <"$SOAK_RESULTS"
rc=0
soak_summary || rc=$?
echo "soak: $(($(date +%s) - start)) s, seed $seed"
exit "$rc"
