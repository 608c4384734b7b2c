# The crash-and-fault soak: each job runs against a sandbox that injects faults (--faults), is
# killed with SIGKILL at random moments and run again until it exits 0; then a fault-free sandbox
# on the same state file is asked what lexoffice holds, and every input item must be there
# exactly once. Sourced (after lib.sh) by tests/integration/test_soak_short.sh and scripts/soak.sh.
#
# A job NAME is four functions and one line:
#   job_NAME_prepare DIR N   writes N input items into DIR
#   job_NAME_args DIR        prints the lexsync arguments, one per line
#   job_NAME_verify DIR URL  prints "ITEMS DUPLICATES LOSSES" for what the sandbox at URL holds
#   job_NAME_available       exit 0 when this lexsync has the command (else the job is skipped)
#   soak_register NAME SEED  (SEED: the sandbox seed the job starts from, demo or empty)
#
# Results are appended to $SOAK_RESULTS: "job cycles kills exits items duplicates losses status".

SOAK_JOBS=()
declare -A SOAK_SEED=()
SOAK_RESULTS="$WORK/soak-results.txt"
: >"$SOAK_RESULTS"
SOAK_RATE=${SOAK_RATE:-10} # the most a profile allows

soak_register() {
  SOAK_JOBS+=("$1")
  SOAK_SEED[$1]=$2
}

# curl_key URL: GET with the sandbox key (the key goes to curl's stdin config, never to argv).
curl_key() {
  curl -sf -K - "$1" <<<"header = \"Authorization: Bearer $SANDBOX_KEY\""
}

# pages PATH_AND_QUERY: every item of a paged listing, one JSON object per line.
pages() {
  local page=0 body
  while :; do
    body=$(curl_key "$1&page=$page&size=250") || return 1
    jq -c '.content[]' <<<"$body"
    [ "$(jq -r '.last' <<<"$body")" = "true" ] && break
    page=$((page + 1))
  done
}

# tally EXPECTED_FILE FOUND_FILE: "ITEMS DUPLICATES LOSSES" from one key per line in each file
# (keys found that were not expected count as duplicates: they were never asked for).
tally() {
  awk 'NR == FNR { want[$0] = 1; n++; next }
       { seen[$0]++ }
       END {
         for (k in want) { if (!(k in seen)) lost++; else if (seen[k] > 1) dup += seen[k] - 1 }
         for (k in seen) if (!(k in want)) dup += seen[k]
         printf "%d %d %d\n", n, dup, lost
       }' "$1" "$2"
}

# --- contacts push ---------------------------------------------------------------------------------
job_contacts_available() { "$LEXSYNC_BIN" contacts push --help >/dev/null 2>&1; }
job_contacts_prepare() {
  echo "ref,role,company_name,email" >"$1/contacts.csv"
  for i in $(seq "$2"); do echo "s$i,customer,Soak Kunde $i GmbH,kunde$i@soak.example"; done >>"$1/contacts.csv"
  tail -n +2 "$1/contacts.csv" | cut -d, -f3 >"$1/expected.txt"
}
job_contacts_args() { printf '%s\n' contacts push "$1/contacts.csv" -o json; }
job_contacts_verify() {
  pages "$2/v1/contacts?x=1" | jq -r '.company.name // empty' >"$1/found.txt"
  tally "$1/expected.txt" "$1/found.txt"
}
soak_register contacts empty

# --- invoices export, invoice mode ----------------------------------------------------------------
job_invoices_available() { "$LEXSYNC_BIN" invoices export --help >/dev/null 2>&1; }
job_invoices_prepare() {
  bash "$(dirname "${BASH_SOURCE[0]}")/gen_invoices.sh" "$2" 7 >"$1/invoices.csv"
  tail -n +2 "$1/invoices.csv" | cut -d, -f1 | sort -u >"$1/expected.txt"
}
job_invoices_args() { printf '%s\n' invoices export "$1/invoices.csv" -o json; }
job_invoices_verify() {
  pages "$2/v1/voucherlist?voucherType=invoice,creditnote&voucherStatus=any" |
    jq -r '"\(.voucherType) \(.id)"' >"$1/docs.txt"
  : >"$1/found.txt"
  while read -r type id; do
    local path=invoices
    [ "$type" = creditnote ] && path=credit-notes
    curl_key "$2/v1/$path/$id" | jq -r '.remark // ""' | grep -oE '^Ref\. [^ ]+' | head -n1 |
      cut -d' ' -f2 >>"$1/found.txt"
  done <"$1/docs.txt"
  tally "$1/expected.txt" "$1/found.txt"
}
soak_register invoices demo

# --- invoices export, bookkeeping-voucher mode ----------------------------------------------------
job_invoices_voucher_available() { job_invoices_available; }
job_invoices_voucher_prepare() { job_invoices_prepare "$@"; }
job_invoices_voucher_args() {
  printf '%s\n' invoices export "$1/invoices.csv" --as voucher --category Einnahmen -o json
}
job_invoices_voucher_verify() {
  pages "$2/v1/voucherlist?voucherType=salesinvoice,salescreditnote&voucherStatus=any" |
    jq -r '.voucherNumber' >"$1/found.txt"
  tally "$1/expected.txt" "$1/found.txt"
}
soak_register invoices_voucher demo

# --- vouchers upload (receipts with bookkeeping data: each is found again by its number) --------
job_vouchers_available() { "$LEXSYNC_BIN" vouchers upload --help >/dev/null 2>&1; }
job_vouchers_prepare() {
  mkdir -p "$1/receipts"
  echo "file,voucher_number,voucher_date,type,amount,tax_rate,category" >"$1/bookkeeping.csv"
  for i in $(seq "$2"); do
    printf '%%PDF-1.4\n%% soak receipt %d\n%%%%EOF\n' "$i" >"$1/receipts/receipt-$i.pdf"
    echo "receipt-$i.pdf,SOAK-$i,2026-03-$(printf %02d $((i % 28 + 1))),purchaseinvoice,119.00,19,Bürobedarf" >>"$1/bookkeeping.csv"
    echo "SOAK-$i"
  done >"$1/expected.txt"
  mv "$1/bookkeeping.csv" "$1/receipts/bookkeeping.csv"
}
job_vouchers_args() {
  printf '%s\n' vouchers upload --data "$1/receipts/bookkeeping.csv" "$1/receipts" -o json
}
job_vouchers_verify() {
  pages "$2/v1/voucherlist?voucherType=purchaseinvoice&voucherStatus=any" | jq -r '.id' >"$1/ids.txt"
  : >"$1/found.txt"
  while read -r id; do
    # One line per attached file: a voucher without its file counts as lost, a second copy of
    # the file as a duplicate.
    curl_key "$2/v1/vouchers/$id" | jq -r '.voucherNumber as $n | .files[]? | $n' >>"$1/found.txt"
  done <"$1/ids.txt"
  tally "$1/expected.txt" "$1/found.txt"
}
soak_register vouchers empty

# --- transactions export (a partner OAuth connection; card charges, receipts, hints) ------------
# Every third charge has its own receipt, the last two pay one receipt together (a split payment).
# Each transaction is found by its externalReference (lexsync prefixes it per account), each receipt voucher (with one file) by its
# number, each hint by its transaction; the sandbox's own state file is read for them, since the
# finance routes take no API key.
job_transactions_available() {
  command -v sqlite3 >/dev/null && "$LEXSYNC_BIN" transactions export --help >/dev/null 2>&1
}
job_transactions_prepare() {
  local dir=$1 n=$2 i file number cat rate
  mkdir -p "$dir/receipts"
  echo "booking_date,amount,purpose,counterparty_name,transaction_id,posting_category,tax_rate,receipt_file,receipt_number" >"$dir/tx.csv"
  echo account >"$dir/expected.txt"
  for i in $(seq "$n"); do
    file="" number="" cat="" rate=""
    if [ $((i % 3)) -eq 0 ] && [ "$i" -lt $((n - 1)) ]; then
      file="receipts/s-$i.pdf" number="STX-R$i" cat="Bürobedarf" rate=19
      printf '%%PDF-1.4\n%% soak receipt %s\n%%%%EOF\n' "$i" >"$dir/$file"
    elif [ "$i" -ge $((n - 1)) ]; then
      file="receipts/s-split.pdf" number="STX-SPLIT" cat="Bürobedarf" rate=19
      printf '%%PDF-1.4\n%% soak split receipt\n%%%%EOF\n' >"$dir/$file"
    fi
    printf '2026-03-%02d,-%d.%02d,Charge %s,Shop %s,STX-%05d,%s,%s,%s,%s\n' $((1 + i % 28)) \
      $((5 + i % 40)) $(((i * 7) % 100)) "$i" "$i" "$i" "$cat" "$rate" "$file" "$number" >>"$dir/tx.csv"
    printf 'tx STX-%05d\n' "$i" >>"$dir/expected.txt"
    [ -n "$number" ] && printf 'hint STX-%05d\n' "$i" >>"$dir/expected.txt"
  done
  tail -n +2 "$dir/tx.csv" | cut -d, -f9 | grep . | sort -u | sed 's/^/voucher /' >>"$dir/expected.txt"
}
# job_transactions_connect DIR SEED: connects profile soaktx with the finance scopes on a
# fault-free sandbox of the job's state file (the access token stays valid for the whole job).
job_transactions_connect() {
  local dir=$1
  soak_sandbox "$dir/sandbox.db" "$2" --no-rate-limit
  sed -i '/^\[profiles.soaktx\]/,$d' "$XDG_CONFIG_HOME/lexsync/config.toml" # the last table
  cat >>"$XDG_CONFIG_HOME/lexsync/config.toml" <<TOML
[profiles.soaktx]
base_url = "$SOAK_URL"
oauth_base_url = "$SOAK_URL"
oauth_client_id = "lexsync-sandbox-client"
rate_limit = $SOAK_RATE
rate_burst = 8
timeout = 3
TOML
  (
    unset LEXSYNC_API_KEY LEXSYNC_BASE_URL
    export LEXSYNC_OAUTH_CLIENT_SECRET=sandbox-client-secret
    oauth_connect "$LEXSYNC_BIN" soaktx \
      finance.read,finance.write,transaction-assignment-hint.write,vouchers.read,vouchers.write,voucherlist.read,files.write,profile.read \
      "$dir"
  ) || fail "soak: transactions: oauth login: $(cat "$dir/login-soaktx.err")"
  soak_stop_sandbox
}
job_transactions_env() { printf '%s\n' -u LEXSYNC_API_KEY LEXSYNC_PROFILE=soaktx; }
job_transactions_args() {
  printf '%s\n' transactions export --account Firmenkarte --account-type creditcard \
    --card-provider VISA --card-number "**** 4711" -o json "$1/tx.csv"
}
job_transactions_verify() {
  local q="sqlite3 -readonly $1/sandbox.db"
  {
    $q "SELECT 'account' FROM resources WHERE kind = 'finance-accounts'"
    $q "SELECT 'tx ' || json_extract(doc, '$.externalReference') FROM resources WHERE kind = 'finance-transactions'"
    # One line per attached file: a voucher without its file counts as lost, a second file as a
    # duplicate.
    $q "SELECT 'voucher ' || json_extract(v.doc, '$.voucherNumber') FROM resources v, json_each(v.doc, '$.files') WHERE v.kind = 'vouchers' AND json_extract(v.doc, '$.voucherNumber') LIKE 'STX-%'"
    $q "SELECT 'hint ' || json_extract(doc, '$.externalReference') FROM resources WHERE kind = 'transaction-assignment-hints'"
  } | sed -E 's/^(tx|hint) [^ ]*-(STX-[0-9]+)$/\1 \2/' >"$1/found.txt" # references are per account
  tally "$1/expected.txt" "$1/found.txt"
}
soak_register transactions demo

# soak_sandbox STATE_FILE SEED [serve options…]: starts a sandbox on STATE_FILE; sets SOAK_URL and
# SOAK_PID.
soak_sandbox() {
  local state=$1 seed=$2
  shift 2
  local out="$state.url.$RANDOM" log="$state.log"
  "$LEXSYNC_BIN" -v sandbox serve --port 0 --state "$state" --seed "$seed" "$@" >"$out" 2>>"$log" &
  SOAK_PID=$!
  SANDBOX_PIDS+=("$SOAK_PID")
  for _ in $(seq 200); do
    [ -s "$out" ] && break
    sleep 0.05
  done
  SOAK_URL=$(head -n1 "$out")
  [ -n "$SOAK_URL" ] || fail "sandbox did not start: $(tail -n 5 "$log")"
}

soak_stop_sandbox() {
  kill "$SOAK_PID" 2>/dev/null || true
  wait "$SOAK_PID" 2>/dev/null || true
}

# sleep_ms MS
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# soak_job NAME ITEMS KILLS FAULTS SEED [MAX_CYCLES]: runs one job to completion under faults with
# KILLS random SIGKILLs, verifies, and appends its line to $SOAK_RESULTS.
soak_job() {
  local name=$1 items=$2 kills_wanted=$3 faults=$4 seed=$5 max_cycles=${6:-$(($3 + 40))}
  if ! "job_${name}_available"; then
    echo "soak: $name skipped: this lexsync has no such command" >&2
    echo "$name 0 0 - 0 0 0 skipped" >>"$SOAK_RESULTS"
    return 0
  fi
  local dir="$WORK/soak-$name"
  mkdir -p "$dir"
  "job_${name}_prepare" "$dir" "$items"
  local -a args envs=()
  mapfile -t args < <("job_${name}_args" "$dir")
  # Optional: job_NAME_env prints env(1) arguments for each run, one per line; job_NAME_connect
  # DIR SEED connects a profile before the faults start.
  if declare -F "job_${name}_env" >/dev/null; then
    mapfile -t envs < <("job_${name}_env")
  fi
  export XDG_STATE_HOME="$dir/state"
  if declare -F "job_${name}_connect" >/dev/null; then
    "job_${name}_connect" "$dir" "${SOAK_SEED[$name]}"
  fi
  soak_sandbox "$dir/sandbox.db" "${SOAK_SEED[$name]}" --rate-limit "$SOAK_RATE" --burst 8 \
    --faults "$faults" --fault-seed "$seed"
  export LEXSYNC_BASE_URL="$SOAK_URL"
  RANDOM=$seed
  local cycles=0 kills=0 status=unfinished exits=""
  while [ "$cycles" -lt "$max_cycles" ]; do
    cycles=$((cycles + 1))
    env "${envs[@]}" "$LEXSYNC_BIN" -v "${args[@]}" >"$dir/run$cycles.json" 2>"$dir/run$cycles.log" &
    local pid=$!
    if [ "$kills" -lt "$kills_wanted" ]; then
      # A random moment: after 1 to 3 writes of this run, plus 0 to 60 ms, so that the kill lands
      # before, during or after a request (and enough work is left for the next kills).
      local target=$((1 + RANDOM % 3)) extra=$((RANDOM % 60)) writes
      for _ in $(seq 3000); do
        writes=$(count_writes "$dir/run$cycles.log" 2>/dev/null)
        [ "${writes:-0}" -ge "$target" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
      done
      sleep_ms "$extra"
      if kill -9 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || true
        kills=$((kills + 1))
        exits+="k"
        continue
      fi
    fi
    local rc=0
    wait "$pid" || rc=$?
    exits+="$rc"
    if [ "$rc" -eq 0 ]; then
      status=done
      break
    fi
    case $rc in
    2 | 3 | 6) # usage, configuration or input: running again cannot help
      echo "soak: $name: exit $rc: $(tail -n 3 "$dir/run$cycles.log")" >&2
      break
      ;;
    esac
  done
  soak_stop_sandbox
  local faults_line
  faults_line=$(grep 'faults injected' "$dir/sandbox.db.log" | tail -n1 | sed 's/.*faults injected: //')
  # The truth: a fault-free sandbox on the same state.
  soak_sandbox "$dir/sandbox.db" "${SOAK_SEED[$name]}" --no-rate-limit
  local counts
  counts=$("job_${name}_verify" "$dir" "$SOAK_URL")
  soak_stop_sandbox
  echo "$name $cycles $kills $exits $counts $status" >>"$SOAK_RESULTS"
  echo "soak: $name: $cycles cycles, $kills kills, exits $exits, items/duplicates/losses $counts, $status; injected $faults_line" >&2
}

# soak_summary: prints the totals and fails when anything was duplicated, lost or unfinished.
soak_summary() {
  awk '{ cycles += $2; kills += $3; items += $5; dup += $6; lost += $7;
         if ($8 != "done" && $8 != "skipped") unfinished++; if ($8 == "skipped") skipped = skipped " " $1 }
       END {
         printf "soak: %d jobs, %d cycles, %d kills, %d items, %d duplicates, %d losses, %d unfinished%s\n",
           NR, cycles, kills, items, dup, lost, unfinished, skipped ? " (skipped:" skipped ")" : ""
         exit (dup + lost + unfinished > 0) }' "$SOAK_RESULTS"
}
