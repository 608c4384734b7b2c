# lexsync sync against the real sandbox: a profile with every job configured (contacts pull,
# invoices pull, invoices export, receipts upload) runs clean with --quiet, a second run sends no
# writes, --no-wait leaves a running sync alone, and a failing job gives one line and exit != 0.
source "$(dirname "$0")/lib.sh"
command -v flock >/dev/null || { echo "SKIP: flock is not installed"; exit 77; }
export LEXSYNC_API_KEY="$SANDBOX_KEY"
start_sandbox --seed demo --no-rate-limit

# Inputs: two source invoices for the customer numbers of the demo seed, and two receipts.
mkdir -p "$WORK/out" "$WORK/receipts/2026"
cat >"$WORK/invoices.csv" <<'EOF'
number,kind,date,customer_number,tax_type,status,item,quantity,unit,net_price,tax_rate
SYNC-1,invoice,2026-03-02,10001,net,open,Unterhaltsreinigung,10,Stunden,38.50,19
SYNC-2,invoice,2026-03-03,10002,net,open,Glasreinigung,1,Pauschal,240.00,19
EOF
printf '%%PDF-1.4\n%% sync receipt 1\n%%%%EOF\n' >"$WORK/receipts/a.pdf"
printf '%%PDF-1.4\n%% sync receipt 2\n%%%%EOF\n' >"$WORK/receipts/2026/b.pdf"

STATE="$WORK/state/lexsync/shop"
mkdir -p "$XDG_CONFIG_HOME/lexsync"
cat >"$XDG_CONFIG_HOME/lexsync/config.toml" <<EOF
default_profile = "shop"

[profiles.shop]
rate_limit = 10.0
rate_burst = 4

[profiles.shop.sync]
contacts_pull_out = "$WORK/out/contacts.csv"
invoices_pull_dir = "$WORK/out/archive"
invoices_pull_from = "2026-01-01"
invoices_export_file = "$WORK/invoices.csv"
receipts_dirs = ["$WORK/receipts"]
EOF

# First run: quiet and successful prints nothing at all.
lexsync --quiet sync >"$WORK/run1.out" 2>"$WORK/run1.err" || fail "first sync: $(cat "$WORK/run1.err")"
assert_eq "$(cat "$WORK/run1.out" "$WORK/run1.err")" "" "--quiet output of a successful sync"
head -n1 "$WORK/out/contacts.csv" | grep -q '^id,' || fail "contacts.csv not written"
[ -d "$WORK/out/archive" ] || fail "invoice archive not written"
list=$(curl -sf -H "Authorization: Bearer $SANDBOX_KEY" \
  "$BASE_URL/v1/voucherlist?voucherType=any&voucherStatus=any&size=250")
[ "$(jq '[.content[] | select(.voucherType == "purchaseinvoice")] | length' <<<"$list")" -ge 2 ] ||
  fail "receipts not uploaded"

# Second run: nothing new, so no POST or PUT at all.
lexsync -v sync >/dev/null 2>"$WORK/run2.log" || fail "second sync: $(tail -n 3 "$WORK/run2.log")"
assert_eq "$(count_writes "$WORK/run2.log")" "0" "writes in the second sync"
grep -q 'sync: 4 jobs done' "$WORK/run2.log" || fail "summary line missing: $(tail -n 3 "$WORK/run2.log")"

# While another sync holds the lock, --no-wait exits 0 at once with a note.
flock "$STATE/sync.lock" sleep 5 &
holder=$!
sleep 0.3
out=$(lexsync sync --no-wait 2>&1) || fail "--no-wait while locked exited non-zero"
assert_contains "$out" "another sync of this profile is running"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true

# A failing job: one line naming it, a non-zero exit, the other jobs still run.
rm "$WORK/invoices.csv"
set +e
lexsync --quiet sync >/dev/null 2>"$WORK/fail.err"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a failing job must fail the sync"
assert_eq "$(wc -l <"$WORK/fail.err")" "1" "one line on failure"
assert_contains "$(cat "$WORK/fail.err")" "export:"

# --only with an unconfigured job is a usage error; a profile without jobs a config error.
expect_exit 0 lexsync --quiet sync --only contacts
printf '[profiles.bare]\n' >>"$XDG_CONFIG_HOME/lexsync/config.toml"
expect_exit 3 lexsync --profile bare sync
echo "ok: sync"
