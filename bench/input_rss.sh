#!/usr/bin/env bash
# Peak memory of `--dry-run` runs on large generated inputs (a measurement, not a test: nothing
# here asserts a size or a time). Each input is written to a private temporary directory (under
# $TMPDIR) and removed afterwards; the plans go to /dev/null. Prints per command the file's size
# and rows, the peak RSS (from /usr/bin/time) and the wall time; for invoices export and
# transactions export also the largest size their temporary database (the input's spool, in the
# run's own $TMPDIR) reached.
# Uses the lexsync binary given as $1 (default: the release build if there is one, else
# build/default/cli/lexsync).
#
#   bench/input_rss.sh [LEXSYNC_BINARY] [BYTES] [COMMAND...]    (default 1000000000 contacts)
#
# COMMAND is one of
#   contacts       contacts push (tests/integration/gen_contacts.sh: distinct companies and persons)
#   invoices       invoices export (tests/integration/gen_invoices.sh: one to three items each)
#   transactions   transactions export --mapping generic (tests/integration/gen_transactions.sh:
#                  the receipt-less rows of examples/transactions/generic.csv with distinct ids)
#   hours          invoices export --group-by project (the rows of
#                  examples/invoices/hours-2026-03.csv repeated)
#   camt           transactions export --mapping camt053 (tests/integration/gen_camt.sh: the entry
#                  of tests/fixtures/bank_statements/camt053-v08.xml repeated with distinct
#                  references; rows are its entries)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  bin=$PWD/build/release/cli/lexsync
  [ -x "$bin" ] || bin=$PWD/build/default/cli/lexsync
fi
bytes=${2:-1000000000}
shift $(($# > 2 ? 2 : $#))
commands=("$@")
[ ${#commands[@]} -gt 0 ] || commands=(contacts)
[ -x /usr/bin/time ] || { echo "input_rss: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export HOME="$work/home" XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
mkdir -p "$HOME" "$work/tmp"

"$bin" sandbox serve --port 0 --seed demo --no-rate-limit >"$work/sandbox.url" 2>"$work/sandbox.log" &
pids+=($!)
for _ in $(seq 200); do [ -s "$work/sandbox.url" ] && break; sleep 0.05; done
export LEXSYNC_BASE_URL=$(head -n1 "$work/sandbox.url")
export LEXSYNC_API_KEY=sandbox-api-key-lexsync-demo

# The bytes of the files the process PID holds open under $work/tmp (SQLite unlinks its
# temporary database when it opens it, so du would not see it).
spool_bytes() {
  local total=0 fd target
  for fd in /proc/"$1"/fd/*; do
    target=$(readlink "$fd" 2>/dev/null) || continue
    [[ $target == "$work/tmp/"* ]] || continue
    total=$((total + $(stat -L -c %s "$fd" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# measure NAME FILE ARGS...: runs lexsync ARGS --dry-run with its own TMPDIR, polling its spool.
measure() {
  local name=$1 file=$2
  shift 2
  local size rows
  size=$(stat -c %s "$file")
  case $file in
    *.xml) rows=$(grep -c '<Ntry>' "$file") ;;
    *) rows=$(($(wc -l <"$file") - 1)) ;;
  esac
  TMPDIR="$work/tmp" SQLITE_TMPDIR="$work/tmp" /usr/bin/time -f '%M %e' -o "$work/time" \
    "$bin" "$@" --dry-run -o ndjson >/dev/null 2>"$work/run.err" &
  local pid=$! peak=0 now child
  while kill -0 "$pid" 2>/dev/null; do
    child=$(pgrep -P "$pid" | head -n1 || true)
    if [ -n "$child" ]; then
      now=$(spool_bytes "$child")
      [ "$now" -le "$peak" ] || peak=$now
    fi
    sleep 0.5
  done
  wait "$pid" || { cat "$work/run.err" >&2; exit 1; }
  local rss secs
  read -r rss secs <"$work/time"
  echo "$name --dry-run: $size bytes, $rows rows: peak RSS $((rss / 1024)) MiB ($rss KiB), $secs s," \
    "temporary files at most $((peak / 1024 / 1024)) MiB ($peak bytes)"
  tail -n1 "$work/run.err"
  rm -f "$file"
}

for c in "${commands[@]}"; do
  case $c in
    contacts)
      tests/integration/gen_contacts.sh "$bytes" >"$work/contacts.csv"
      measure "contacts push" "$work/contacts.csv" contacts push "$work/contacts.csv"
      ;;
    invoices)
      # gen_invoices.sh takes a number of invoices: scaled from the size of 10,000.
      per=$(($(tests/integration/gen_invoices.sh 10000 | wc -c) / 10000))
      tests/integration/gen_invoices.sh $((bytes / per)) >"$work/invoices.csv"
      measure "invoices export" "$work/invoices.csv" invoices export "$work/invoices.csv"
      ;;
    transactions)
      tests/integration/gen_transactions.sh "$bytes" >"$work/transactions.csv"
      measure "transactions export" "$work/transactions.csv" transactions export \
        "$work/transactions.csv" --account Card --mapping generic
      ;;
    hours)
      awk -v bytes="$bytes" 'NR == 1 { print; n = length($0) + 1; next } { r[++k] = $0 }
        END { for (i = 0; n < bytes; i++) { print r[1 + i % k]; n += length(r[1 + i % k]) + 1 } }' \
        examples/invoices/hours-2026-03.csv >"$work/hours.csv"
      measure "invoices export --group-by project" "$work/hours.csv" invoices export \
        "$work/hours.csv" --group-by project --hourly-rate 65
      ;;
    camt)
      tests/integration/gen_camt.sh "$bytes" >"$work/statement.xml"
      measure "transactions export (CAMT)" "$work/statement.xml" transactions export \
        "$work/statement.xml" --account Giro --mapping camt053
      ;;
    *) echo "input_rss: unknown command '$c' (contacts, invoices, transactions, hours, camt)" >&2; exit 2 ;;
  esac
done
