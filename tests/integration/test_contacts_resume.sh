# Never twice, never lost: a push killed with SIGKILL in the middle and run again leaves every
# contact in lexoffice exactly once.
source "$(dirname "$0")/lib.sh"
start_sandbox --seed empty
export LEXSYNC_API_KEY="$SANDBOX_KEY"

n=24
{
  echo "ref,role,company_name,email"
  for i in $(seq "$n"); do echo "r$i,customer,Resume Kunde $i GmbH,kunde$i@resume.example"; done
} >"$WORK/contacts.csv"

for kill_after in 2.3 3.1; do
  "$LEXSYNC_BIN" contacts push "$WORK/contacts.csv" -o json >/dev/null 2>&1 &
  pid=$!
  sleep "$kill_after"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
partial=$(lexsync contacts pull -o json | jq length)
[ "$partial" -lt "$n" ] || fail "the pushes were not interrupted ($partial contacts)"

lexsync contacts push "$WORK/contacts.csv" -o json >"$WORK/final.json"
all=$(lexsync contacts pull -o json)
assert_eq "$(jq length <<<"$all")" "$n" "contacts after resuming"
assert_eq "$(jq -r '.[].company.name' <<<"$all" | sort -u | wc -l)" "$n" "each contact exactly once"
# And once more: nothing to do.
lexsync -v contacts push "$WORK/contacts.csv" -o json >/dev/null 2>"$WORK/again.log"
assert_eq "$(count_writes "$WORK/again.log")" "0" "writes after completion"
# Two pushes at once on one profile: the second waits for the first, nothing is created twice.
{
  echo "ref,role,company_name"
  for i in $(seq 6); do echo "p$i,customer,Parallel Kunde $i GmbH"; done
} >"$WORK/parallel.csv"
"$LEXSYNC_BIN" contacts push "$WORK/parallel.csv" -o json >/dev/null 2>&1 &
p1=$!
"$LEXSYNC_BIN" contacts push "$WORK/parallel.csv" -o json >/dev/null 2>&1 &
p2=$!
wait "$p1" || fail "first parallel push failed"
wait "$p2" || fail "second parallel push failed"
assert_eq "$(lexsync contacts pull --name 'Parallel Kunde%' -o json | jq length)" "6" "parallel pushes"
echo "ok: contacts resume after kill -9 ($partial of $n were in before the final run)"
