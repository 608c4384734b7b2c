# One lost answer does not end a contacts push: with 5 % resets, 5 % truncated answers and 5 %
# 504s after executed writes (a fixed fault seed), one run ends with exit 0 and every contact in
# lexoffice exactly once; the rows whose answer was lost are settled against lexoffice before the
# run ends. With the state deleted, a re-run finds everything and sends no writes.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed empty --faults reset=0.05,truncate=0.05,504-after-write=0.05 --fault-seed 20260302
export LEXSYNC_API_KEY="$SANDBOX_KEY"
mkdir -p "$XDG_CONFIG_HOME/lexsync"
# A short request timeout: a pending row is checked once its request is older than this.
printf '[profiles.default]\ntimeout = 5\n' >"$XDG_CONFIG_HOME/lexsync/config.toml"

n=60
{
  echo "ref,role,company_name,email,city,country"
  for i in $(seq "$n"); do
    if [ $((i % 3)) -eq 0 ]; then
      echo "f$i,customer,Fehler Kunde $i GmbH,,Ort $i,DE" # found again by name and address
    else
      echo "f$i,customer,Fehler Kunde $i GmbH,kunde$i@faults.example,,"
    fi
  done
} >"$WORK/contacts.csv"

lexsync -v contacts push "$WORK/contacts.csv" -o json >"$WORK/push.json" 2>"$WORK/push.log" ||
  fail "the push did not end with exit 0: $(grep -v '^[→←] \|^  ' "$WORK/push.log" | tail -5)"
grep -qE 'fault|← (504|error)' "$WORK/push.log" "$WORK"/sandbox0.log || true
lost=$(grep -cE '← (504 |error)' "$WORK/push.log" || true)
[ "$lost" -ge 3 ] || fail "expected several lost answers with this seed, saw $lost"
assert_contains "$(cat "$WORK/push.log")" "lost; looking"
assert_eq "$(jq '[.[] | select(.action=="created")] | length' "$WORK/push.json")" "$n" "created"
all=$(lexsync contacts pull -o json)
assert_eq "$(jq length <<<"$all")" "$n" "contacts in lexoffice"
assert_eq "$(jq -r '.[].company.name' <<<"$all" | sort -u | wc -l | tr -d ' ')" "$n" "each exactly once"

# The ledger lost: everything is found in lexoffice, nothing is written.
rm -rf "$XDG_STATE_HOME/lexsync/default"
lexsync -v contacts push "$WORK/contacts.csv" -o json >"$WORK/again.json" 2>"$WORK/again.log" ||
  fail "the re-run failed: $(tail -3 "$WORK/again.log")"
assert_eq "$(count_writes "$WORK/again.log")" "0" "writes after the state was deleted"
assert_eq "$(jq -r '[.[].action] | unique | join(",")' "$WORK/again.json")" "unchanged" "re-run actions"

# A run killed while a write's answer is lost: the next run first waits until that write can no
# longer be in flight (the ledger mark is older than the request timeout), then lists the
# contacts, finds the one the write created and writes nothing. Every write of this sandbox is
# executed and answered 504.
printf '[profiles.default]\ntimeout = 15\n' >"$XDG_CONFIG_HOME/lexsync/config.toml"
start_sandbox --seed empty --faults 504-after-write=1 --fault-seed 1
printf 'ref,role,company_name,email\nk1,customer,Abgebrochen GmbH,kill@faults.example\n' >"$WORK/one.csv"
"$LEXSYNC_BIN" contacts push "$WORK/one.csv" -o json >/dev/null 2>"$WORK/killed.log" &
pid=$!
for _ in $(seq 600); do
  grep -q "lost; looking" "$WORK/killed.log" && break
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
assert_contains "$(cat "$WORK/killed.log")" "1 answer lost; looking it up in lexoffice in"
lexsync -v contacts push "$WORK/one.csv" -o json >"$WORK/after.json" 2>"$WORK/after.log" ||
  fail "the run after the kill failed: $(tail -3 "$WORK/after.log")"
assert_contains "$(cat "$WORK/after.log")" "1 write of an interrupted run unanswered; looking it up in lexoffice in"
assert_eq "$(count_writes "$WORK/after.log")" "0" "writes after the killed run"
assert_eq "$(jq -r '.[0].action' "$WORK/after.json")" "unchanged" "the killed run's contact"
assert_eq "$(lexsync contacts pull -o json | jq length)" "1" "contacts in lexoffice"
echo "ok: contacts push through lost answers"
