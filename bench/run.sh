#!/usr/bin/env bash
# lexsync benchmarks (not tests: nothing here asserts a time). Starts the sandbox with a latency of
# 150 ms ± 50 ms per request and lexoffice's rate limit (2 requests/s, burst 4), runs each job on
# generated data, and prints per job: requests per second against the limit, requests per item,
# peak RSS, CPU seconds and the 429 answers lexsync saw. A second part runs the writing commands
# (contacts push, vouchers upload with bookkeeping data, invoices export, and transactions export
# through a partner OAuth connection to the sandbox), and invoices pull of the invoices just
# exported, on new items at fixed
# latencies (0 to 1,000 ms per request) to show how the rate holds as round trips grow (the whole
# run's rate, and the writes' own rate from the first answer to the last); a third pulls 100,000
# contacts from an unthrottled sandbox to measure memory and CPU.
#
#   bench/run.sh            # the full run (a few minutes)
#   bench/run.sh --quick    # smaller inputs
#   bench/run.sh --sweep    # the latency sweep only
#   bench/run.sh --sweep=transactions   # the sweep of transactions export only
#   bench/run.sh --sweep=invoices       # the sweep of invoices export and pull only
#   bench/run.sh --sweep=invoices --sweep-items=120 --sweep-latencies=1000
#                           # 120 new items per command (default 30), at 1,000 ms only
#   BENCH_LOGS=DIR bench/run.sh   # keeps each job's -v log in DIR
#   BENCH_BIN=PATH bench/run.sh   # runs that lexsync instead of building the release one
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
only_sweep=0
sweep_jobs=all
sweep_items=""
sweep_latencies="0 150 400 600 1000"
usage="usage: bench/run.sh [--quick] [--sweep[=transactions|=invoices]] [--sweep-items=N] [--sweep-latencies=MS,…]"
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    --sweep) only_sweep=1 ;;
    --sweep=transactions | --sweep=invoices) only_sweep=1 sweep_jobs=${arg#--sweep=} ;;
    --sweep-items=*)
      sweep_items=${arg#*=}
      [[ $sweep_items =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; } ;;
    --sweep-latencies=*)
      sweep_latencies=${arg#*=}
      [[ $sweep_latencies =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "$usage" >&2; exit 2; }
      sweep_latencies=${sweep_latencies//,/ } ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done

if [ -n "${BENCH_BIN:-}" ]; then
  bin=$BENCH_BIN
else
  scripts/install-deps.sh
  cmake --preset release >/dev/null
  cmake --build --preset release -j"$(nproc)" >/dev/null
  bin=$PWD/build/release/cli/lexsync
fi
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  # BENCH_LOGS=DIR keeps the jobs' -v logs (each line stamped with its arrival time).
  [ -z "${BENCH_LOGS:-}" ] || { mkdir -p "$BENCH_LOGS" && cp "$work"/*.log "$BENCH_LOGS"/ 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
export HOME="$work/home" XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
export LEXSYNC_API_KEY=sandbox-api-key-lexsync-demo
mkdir -p "$HOME"

serve() { # serve NAME OPTIONS…: starts a sandbox, exports LEXSYNC_BASE_URL
  local name=$1
  shift
  "$bin" sandbox serve --port 0 "$@" >"$work/$name.url" 2>/dev/null &
  pids+=($!)
  # (seeding 100,000 contacts takes a while on a busy machine)
  for _ in $(seq 2400); do [ -s "$work/$name.url" ] && break; sleep 0.05; done
  [ -s "$work/$name.url" ] || { echo "bench: the sandbox $name did not start" >&2; exit 1; }
  export LEXSYNC_BASE_URL=$(head -n1 "$work/$name.url")
}

limit=2.0
rows=()
sweep_rows=()
# stamp: prefixes each line with the time it arrived (seconds, microseconds).
stamp() {
  while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done
}
# measure NAME ITEMS COMMAND…: runs a lexsync job with -v and records its numbers.
measure() {
  local name=$1 items=$2
  shift 2
  local log="$work/$name.log" t0 t1
  t0=$(date +%s.%N)
  { /usr/bin/time -f '%M %U %S' -o "$work/$name.time" "$bin" -v "$@" 2>&1 >"$work/$name.out" | stamp >"$log"; } || true
  t1=$(date +%s.%N)
  local requests throttled rss user sys
  requests=$(grep -c '→ ' "$log" || true)
  throttled=$(grep -c '← 429' "$log" || true)
  # (time writes "Command exited with non-zero status N" first when the job failed)
  read -r rss user sys < <(tail -n1 "$work/$name.time")
  rows+=("$(awk -v n="$name" -v i="$items" -v r="$requests" -v t0="$t0" -v t1="$t1" -v lim="$limit" \
      -v rss="$rss" -v u="$user" -v s="$sys" -v q="$throttled" 'BEGIN {
      wall = t1 - t0; rate = (wall > 0 ? r / wall : 0);
      printf "| %s | %d | %d | %.1f | %.2f (%.0f %%) | %.3f | %.1f | %.2f | %d |",
             n, i, r, wall, rate, 100 * rate / lim, (i > 0 ? r / i : 0), rss / 1024, u + s, q }')")
  echo "${rows[-1]}" >&2
}

n_contacts=60; n_invoices=300; n_receipts=30; n_pull=100000; n_sweep=30
if [ "$quick" = 1 ]; then n_contacts=20; n_invoices=12; n_receipts=10; n_pull=20000; n_sweep=10; fi
n_sweep=${sweep_items:-$n_sweep}

if [ "$only_sweep" = 0 ]; then
echo "==> jobs against a sandbox with 150 ± 50 ms latency and 2 requests/s (burst 4)" >&2
serve paced --seed demo --latency 100 --latency-jitter 100
{
  echo "ref,role,company_name,email,city,country"
  for i in $(seq "$n_contacts"); do echo "b$i,customer,Bench Kunde $i GmbH,kunde$i@bench.example,Berlin,DE"; done
} >"$work/contacts.csv"
measure "contacts push (new)" "$n_contacts" contacts push "$work/contacts.csv" -o json
measure "contacts push (re-run)" "$n_contacts" contacts push "$work/contacts.csv" -o json
measure "contacts pull" "$((n_contacts + 31))" contacts pull -o ndjson

tests/integration/gen_invoices.sh "$n_invoices" >"$work/invoices.csv"
measure "invoices export" "$n_invoices" invoices export "$work/invoices.csv" --from 2026-03-01 --to 2026-04-30 -o json
measure "invoices export (re-run)" "$n_invoices" invoices export "$work/invoices.csv" --from 2026-03-01 --to 2026-04-30 -o json
measure "invoices pull" "$n_invoices" invoices pull --from 2026-03-01 --to 2026-04-30 --out "$work/archive" -o json
measure "invoices pull (re-run)" "$n_invoices" invoices pull --from 2026-03-01 --to 2026-04-30 --out "$work/archive" -o json

mkdir -p "$work/receipts"
for i in $(seq "$n_receipts"); do
  printf '%%PDF-1.4\n%% bench receipt %d\n%%%%EOF\n' "$i" >"$work/receipts/r$i.pdf"
done
measure "vouchers upload" "$n_receipts" vouchers upload "$work/receipts" -o json
measure "vouchers upload (re-run)" "$n_receipts" vouchers upload "$work/receipts" -o json
fi

# sweep_row JOB MS [METHOD]: the sweep's line for the job just measured: its requests, seconds and
# rate, and the writes' own rate (answers to the POSTs, or to METHOD's requests, per second from
# the first to the last; the reads before them and the last round trip after them are left out).
sweep_row() {
  sweep_rows+=("$(awk -v job="$1" -v ms="$2" -v lim="$limit" -v all="${rows[-1]}" -v m="${3:-POST}" '
    $0 ~ (" ← [0-9]+ .*\\(" m " ") { if (!n++) first = $1; last = $1 }
    END {
      split(all, f, " [|] ");
      rate = (n > 1 && last > first) ? (n - 1) / (last - first) : 0;
      printf "| %s | %s ms | %s | %s | %s | %.2f (%.0f %%) |", job, ms, f[3], f[4], f[5], rate, 100 * rate / lim }' \
    "$work/$1, $2 ms latency.log")")
}

. tests/integration/oauth_connect.sh
# sweep_transactions MS: $n_sweep card charges of a payment provider, every third with a receipt
# (a voucher, its file and a hint), exported through a partner connection to the sandbox of MS.
sweep_transactions() {
  local ms=$1 dir="$work/sweep$1-tx" i amount file number cat rate
  mkdir -p "$dir/receipts"
  echo "booking_date,amount,purpose,counterparty_name,transaction_id,posting_category,tax_rate,receipt_file,receipt_number" >"$dir/tx.csv"
  for i in $(seq "$n_sweep"); do
    amount="-$((5 + i % 40)).$(printf %02d $(((i * 7) % 100)))"
    file="" number="" cat="" rate=""
    if [ $((i % 3)) -eq 1 ]; then
      file="receipts/r$i.pdf"
      printf '%%PDF-1.4\n%% sweep %d transaction %d\n%%%%EOF\n' "$ms" "$i" >"$dir/$file"
      number="TX$ms-R$i" cat="Bürobedarf" rate=19
    fi
    printf '2026-03-%02d,%s,Order %s,Customer %s,TX%s-%06d,%s,%s,%s,%s\n' $((1 + i % 28)) "$amount" "$i" "$i" \
      "$ms" "$i" "$cat" "$rate" "$file" "$number" >>"$dir/tx.csv"
  done
  local key=$LEXSYNC_API_KEY config=$XDG_CONFIG_HOME
  unset LEXSYNC_API_KEY # an API key would take precedence over the connection
  # A configuration of its own: the login selects its profile, which the later jobs must not use.
  export XDG_CONFIG_HOME="$work/config-sweep$ms"
  mkdir -p "$XDG_CONFIG_HOME/lexsync"
  printf '[profiles.sweep%s]\nbase_url = "%s"\noauth_base_url = "%s"\noauth_client_id = "lexsync-sandbox-client"\n' \
    "$ms" "$LEXSYNC_BASE_URL" "$LEXSYNC_BASE_URL" >"$XDG_CONFIG_HOME/lexsync/config.toml"
  export LEXSYNC_OAUTH_CLIENT_SECRET=sandbox-client-secret
  oauth_connect "$bin" "sweep$ms" finance.read,finance.write,transaction-assignment-hint.write,vouchers.read,vouchers.write,voucherlist.read,files.write,profile.read "$work" ||
    { echo "bench: oauth login: $(cat "$work/login-sweep$ms.err")" >&2; exit 1; }
  measure "transactions export, $ms ms latency" "$n_sweep" --profile "sweep$ms" transactions export \
    --account "Sweep $ms" --account-type payment-provider --mapping generic "$dir/tx.csv" -o json
  export LEXSYNC_API_KEY=$key XDG_CONFIG_HOME=$config
}

echo "==> $n_sweep new items per writing command at fixed latencies (2 requests/s, burst 4)" >&2
state_home=$XDG_STATE_HOME
for ms in $sweep_latencies; do
  serve "sweep$ms" --seed demo --latency "$ms"
  export XDG_STATE_HOME="$work/state-sweep$ms" # a fresh ledger for each sandbox
  if [ "$sweep_jobs" = all ]; then
  {
    echo "ref,role,company_name,email,city,country"
    for i in $(seq "$n_sweep"); do echo "s$ms-$i,customer,Sweep $ms Kunde $i GmbH,s$ms.$i@bench.example,Berlin,DE"; done
  } >"$work/sweep$ms.csv"
  measure "contacts push, $ms ms latency" "$n_sweep" contacts push "$work/sweep$ms.csv" -o json
  sweep_row "contacts push" "$ms"
  # Receipts with bookkeeping data: two writes each (the voucher, then its file).
  mkdir -p "$work/sweep$ms-receipts"
  echo "file,voucher_number,voucher_date,type,amount,tax_rate,category" >"$work/sweep$ms-receipts/data.csv"
  for i in $(seq "$n_sweep"); do
    printf '%%PDF-1.4\n%% sweep %d receipt %d\n%%%%EOF\n' "$ms" "$i" >"$work/sweep$ms-receipts/r$i.pdf"
    echo "r$i.pdf,SW$ms-$i,2026-03-$(printf %02d $((i % 28 + 1))),purchaseinvoice,119.00,19,Bürobedarf" >>"$work/sweep$ms-receipts/data.csv"
  done
  measure "vouchers upload, $ms ms latency" "$n_sweep" vouchers upload --data "$work/sweep$ms-receipts/data.csv" "$work/sweep$ms-receipts" -o json
  sweep_row "vouchers upload" "$ms"
  fi
  if [ "$sweep_jobs" != transactions ]; then
  tests/integration/gen_invoices.sh "$n_sweep" >"$work/sweep$ms-invoices.csv"
  measure "invoices export, $ms ms latency" "$n_sweep" invoices export "$work/sweep$ms-invoices.csv" --from 2026-03-01 --to 2026-04-30 -o json
  sweep_row "invoices export" "$ms"
  # The archive of what was just created: its last column counts the answers to the GETs.
  measure "invoices pull, $ms ms latency" "$n_sweep" invoices pull --from 2026-03-01 --to 2026-04-30 --out "$work/sweep$ms-archive" -o json
  sweep_row "invoices pull" "$ms" GET
  fi
  if [ "$sweep_jobs" != invoices ]; then
  # transactions export needs a partner OAuth connection: a profile of this sandbox, connected
  # with the finance scopes (the authorization page answered with curl), without the API key.
  sweep_transactions "$ms"
  sweep_row "transactions export" "$ms"
  fi
done
export XDG_STATE_HOME=$state_home

if [ "$only_sweep" = 0 ]; then
echo "==> pulling $n_pull contacts from an unthrottled sandbox (memory and CPU)" >&2
awk -v n="$n_pull" 'BEGIN {
  printf "{\"organizations\":[{\"id\":\"bbbbbbbb-0000-4000-8000-000000000001\",\"companyName\":\"Bench GmbH\",";
  printf "\"apiKeys\":[\"sandbox-api-key-lexsync-demo\"],\"contacts\":[";
  for (i = 1; i <= n; i++) {
    printf "%s{\"id\":\"bbbbbbbb-1111-4000-8000-%012d\",\"version\":1,\"roles\":{\"customer\":{\"number\":%d}},", (i > 1 ? "," : ""), i, 10000 + i;
    printf "\"company\":{\"name\":\"Kunde %06d GmbH\"},\"emailAddresses\":{\"business\":[\"k%d@bench.example\"]},", i, i;
    printf "\"addresses\":{\"billing\":[{\"street\":\"Weg %d\",\"zip\":\"10115\",\"city\":\"Berlin\",\"countryCode\":\"DE\"}]}}", i;
  }
  print "]}]}" }' >"$work/seed.json"
serve big --seed "$work/seed.json" --no-rate-limit --listing-window 0
# The client's own limiter would hold this at 2 requests/s: lift it for the memory/CPU run.
mkdir -p "$XDG_CONFIG_HOME/lexsync"
printf '[profiles.default]\nrate_limit = 10\nrate_burst = 10\n' >"$XDG_CONFIG_HOME/lexsync/config.toml"
measure "contacts pull $n_pull, ndjson" "$n_pull" contacts pull -o ndjson
measure "contacts pull $n_pull, csv" "$n_pull" contacts pull -o csv
fi

echo
echo "| job | items | requests | seconds | requests/s (of the 2/s limit) | requests/item | peak RSS MB | CPU s | 429s seen |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "| job | latency per request | requests | seconds | requests/s (of the 2/s limit) | writes/s while writing (of the limit) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${sweep_rows[@]}"
echo
echo "(The two $n_pull-contact rows run without rate limit or latency: their requests/s column is not against a limit.)"
